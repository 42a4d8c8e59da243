package org.pkram.cli;

import net.openhft.chronicle.bytes.BytesIn;
import net.openhft.chronicle.bytes.BytesMarshallable;
import net.openhft.chronicle.bytes.BytesOut;
import org.pkram.error.InvalidArgumentException;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * What {@code pkram save} records of a file besides its content, as the first record of the object's
 * byte stream (Chronicle Bytes' binary codec): a version, the base name (UTF-8), the length in bytes,
 * the permission bits and the modification time in milliseconds since the epoch.
 */
final class FileAttributes implements BytesMarshallable
{
    /** The record layout written by this build. */
    static final int VERSION = 1;

    /** Longest file name, in UTF-8 bytes ({@code NAME_MAX}). */
    static final int NAME_MAX = 255;

    /**
     * Longest encoded record: five stop-bit numbers of at most 10 bytes each, plus the name. A first record
     * longer than this is not a file's attributes.
     */
    static final int MAX_RECORD_LENGTH = 5 * 10 + NAME_MAX;

    String name;
    long length;
    int mode;
    long mtimeMillis;

    FileAttributes()
    {
    }

    FileAttributes(final String name, final long length, final int mode, final long mtimeMillis)
    {
        this.name = name;
        this.length = length;
        this.mode = mode;
        this.mtimeMillis = mtimeMillis;
    }

    @Override
    public void writeMarshallable(final BytesOut<?> out)
    {
        out.writeStopBit(VERSION);
        out.writeUtf8(name);
        out.writeStopBit(length);
        out.writeStopBit(mode);
        out.writeStopBit(mtimeMillis);
    }

    @Override
    public void readMarshallable(final BytesIn<?> in)
    {
        final long version = in.readStopBit();
        if (version != VERSION)
        {
            throw new InvalidArgumentException("file attributes record of an unknown version: version=" + version +
                ", supported=" + VERSION);
        }
        name = in.readUtf8();
        length = in.readStopBit();
        mode = (int)in.readStopBit();
        mtimeMillis = in.readStopBit();
    }

    /**
     * Check that the name is one plain file name: restoring it cannot leave the target directory.
     *
     * @throws InvalidArgumentException (EINVAL) empty, {@code .}, {@code ..}, absolute, containing
     *                                  {@code /} or NUL, or longer than 255 bytes; or a negative length.
     */
    void checkSafe()
    {
        if (name == null || name.isEmpty() || name.equals(".") || name.equals("..") || name.indexOf('/') >= 0 ||
            name.indexOf('\0') >= 0)
        {
            throw new InvalidArgumentException("file name would escape the target directory: name=" +
                Objects.toString(name).replace('\0', '?'));
        }
        if (name.getBytes(StandardCharsets.UTF_8).length > NAME_MAX)
        {
            throw new InvalidArgumentException("file name too long: name=" + name);
        }
        if (length < 0)
        {
            throw new InvalidArgumentException("file length is negative: name=" + name + ", length=" + length);
        }
    }

    @Override
    public String toString()
    {
        return "FileAttributes{name=" + name + ", length=" + length + ", mode=0" + Integer.toOctalString(mode) +
            ", mtimeMillis=" + mtimeMillis + "}";
    }
}
