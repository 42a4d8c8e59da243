package org.pkram;

import org.pkram.error.InvalidArgumentException;
import org.pkram.error.NameTooLongException;
import org.pkram.layout.NodeDescriptor;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Node names: UTF-8 in the node page's {@code name[PKRAM_NAME_MAX]}, NUL-terminated.
 */
final class Names
{
    private Names()
    {
    }

    /**
     * @param name a node name.
     * @return its UTF-8 bytes.
     * @throws NameTooLongException     (ENAMETOOLONG) 256 bytes or more (PKRAM_NAME_MAX, NUL included).
     * @throws InvalidArgumentException (EINVAL) an unpaired surrogate, or a NUL.
     */
    static byte[] utf8(final String name)
    {
        final byte[] utf8;
        try
        {
            // Strict: getBytes would turn an unpaired surrogate into '?', so two different names could
            // collide in the image (and fail the next boot's duplicate check).
            final ByteBuffer encoded = StandardCharsets.UTF_8.newEncoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .encode(CharBuffer.wrap(name));
            utf8 = new byte[encoded.remaining()];
            encoded.get(utf8);
        }
        catch (final CharacterCodingException ex)
        {
            throw new InvalidArgumentException("node name is not valid Unicode (an unpaired surrogate): name=" +
                name.replaceAll("[\\uD800-\\uDFFF]", "?"));
        }
        if (utf8.length >= NodeDescriptor.NAME_MAX)
        {
            throw new NameTooLongException("node name too long: utf8Length=" + utf8.length + ", max=" +
                (NodeDescriptor.NAME_MAX - 1));
        }
        if (name.indexOf('\0') >= 0)
        {
            throw new InvalidArgumentException("node name contains NUL: name=" + name.replace('\0', '?'));
        }
        return utf8;
    }
}
