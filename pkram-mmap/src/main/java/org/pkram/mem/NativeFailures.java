package org.pkram.mem;

import org.pkram.error.Errno;
import org.pkram.error.PkramException;
import org.pkram.error.PkramIOException;
import org.pkram.error.UnsafeMemoryFileException;

import java.nio.file.Path;

/**
 * The pkram exception for a failed libc call on the memory file or on anonymous memory: each errno the
 * caller can act on gets its own exception, everything else is EIO with the errno's name in the message.
 */
final class NativeFailures
{
    private NativeFailures()
    {
    }

    /**
     * @param what   what was being done, the start of the message.
     * @param path   the memory file.
     * @param errno  the positive errno {@code open()} returned.
     * @return ENOENT, EACCES (refused by the file system), the unsafe-file EACCES for a symbolic link
     *         ({@code O_NOFOLLOW} gives ELOOP), or EIO.
     */
    static PkramException openFailure(final String what, final Path path, final int errno)
    {
        return switch (errno)
        {
            case Native.ENOENT -> new PkramException(Errno.ENOENT, "no such memory file: path=" + path);
            case Native.ELOOP -> new UnsafeMemoryFileException(
                "memory file is a symbolic link (refused): path=" + path);
            case Native.EACCES -> new PkramException(Errno.EACCES, what + ": path=" + path + ", errno=" +
                Native.errnoName(errno));
            default -> new PkramIOException(what + ": path=" + path + ", errno=" + Native.errnoName(errno));
        };
    }

    /**
     * @param what  the message, without the errno.
     * @param errno the positive errno {@code mmap()} returned.
     * @return ENOMEM (out of address space, which the caller may survive), or EIO.
     */
    static PkramException mapFailure(final String what, final int errno)
    {
        if (errno == Native.ENOMEM)
        {
            return new PkramException(Errno.ENOMEM, what + ", errno=" + Native.errnoName(errno));
        }
        return new PkramIOException(what + ", errno=" + Native.errnoName(errno));
    }

    /**
     * @param rc   a libc call's result: negative is {@code -errno}.
     * @param what what was being done, the start of the message.
     * @param path the memory file.
     * @throws PkramIOException EIO: the call failed.
     */
    static void check(final int rc, final String what, final Path path)
    {
        if (rc < 0)
        {
            throw new PkramIOException(what + ": path=" + path + ", errno=" + Native.errnoName(-rc));
        }
    }
}
