package org.pkram.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * File digests, for tests that require a file to be left byte-identical.
 */
public final class Digests
{
    private Digests()
    {
    }

    /**
     * @param file the file to read, whole.
     * @return its SHA-256, in lower-case hex.
     */
    public static String sha256(final Path file) throws IOException
    {
        final MessageDigest digest;
        try
        {
            digest = MessageDigest.getInstance("SHA-256");
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new AssertionError("every JDK has SHA-256", ex);
        }
        try (InputStream in = Files.newInputStream(file))
        {
            final byte[] buffer = new byte[1 << 20];
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer))
            {
                digest.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
