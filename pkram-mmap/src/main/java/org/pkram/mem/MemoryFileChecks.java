package org.pkram.mem;

import org.pkram.error.Errno;
import org.pkram.error.InvalidArgumentException;
import org.pkram.error.NoSpaceException;
import org.pkram.error.PkramException;
import org.pkram.error.PkramIOException;
import org.pkram.error.UnsafeMemoryFileException;
import org.pkram.layout.Pfn;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The checks on the memory file as a file, made before and after it is opened: a size pkram can use, room
 * on the file system for a new one, and for an existing one that it is a regular file owned by this user
 * with no permission for group or others. The preserved state may be secret, and only its owner may change
 * it.
 */
final class MemoryFileChecks
{
    /** Mode of a memory file pkram creates, and the only permission bits it accepts: 0600. */
    static final int OWNER_RW = 0600;

    /** Permission bits of group and others: any of them makes the file unsafe. */
    private static final int GROUP_OTHERS_MASK = 077;

    private MemoryFileChecks()
    {
    }

    /**
     * @param size the size asked for a new memory file.
     * @throws InvalidArgumentException EINVAL: not a page multiple, or below {@link PhysMem#MIN_SIZE}.
     */
    static void checkSize(final long size)
    {
        if (size < PhysMem.MIN_SIZE || (size & (Pfn.PAGE_SIZE - 1)) != 0)
        {
            throw new InvalidArgumentException("memory file size must be a multiple of " + Pfn.PAGE_SIZE +
                " and at least " + PhysMem.MIN_SIZE + ": size=" + size);
        }
    }

    /**
     * Check up front that the file system has room for a new memory file: a sparse file would be created
     * anyway and fail later, with a SIGBUS at some store.
     *
     * @param path where the file is to be created.
     * @param size its size.
     * @throws NoSpaceException ENOSPC: less usable space than {@code size}.
     * @throws PkramException   ENOENT: the directory does not exist.
     * @throws PkramIOException EIO: the file system cannot be stat'ed.
     */
    static void checkSpace(final Path path, final long size)
    {
        final Path dir = path.toAbsolutePath().getParent();
        try
        {
            final long usable = Files.getFileStore(dir).getUsableSpace();
            if (size > usable)
            {
                throw new NoSpaceException("file system cannot hold the memory file: path=" + path + ", size=" +
                    size + ", usable=" + usable);
            }
        }
        catch (final NoSuchFileException ex)
        {
            throw new PkramException(Errno.ENOENT, "directory of the memory file does not exist: dir=" + dir);
        }
        catch (final IOException ex)
        {
            throw new PkramIOException("cannot stat file system: dir=" + dir + ", cause=" + ex, ex);
        }
    }

    /**
     * @param path the memory file.
     * @param stat its status, by name (not following a symbolic link) or by descriptor.
     * @throws UnsafeMemoryFileException EACCES: not a regular file, owned by another user, or open to group or
     *                                   others.
     */
    static void checkSafe(final Path path, final Native.Stat stat)
    {
        if (!stat.isRegularFile())
        {
            throw new UnsafeMemoryFileException((Handover.isDescriptorPath(path) ?
                "memory descriptor is not a memfd or a regular file: " :
                "memory file is not a regular file (symbolic links are refused): ") +
                "path=" + path + ", mode=0" + Integer.toOctalString(stat.mode()));
        }
        final int self = Native.getuid();
        if (stat.uid() != self)
        {
            throw new UnsafeMemoryFileException("memory file is owned by another user: path=" + path +
                ", uid=" + stat.uid() + ", self=" + self);
        }
        final int permissions = stat.mode() & 07777;
        if ((permissions & GROUP_OTHERS_MASK) != 0)
        {
            // Readable is as bad as writable: the preserved state may hold secrets.
            throw new UnsafeMemoryFileException("memory file is accessible by group or others: path=" + path +
                ", mode=0" + Integer.toOctalString(permissions) + " (fix: chmod 600 " + path + ")");
        }
    }

    /**
     * @param path a descriptor handed over through {@code /proc/PID/fd/N} ({@link Handover}).
     * @return the status of the file it names.
     * @throws PkramException   ENOENT: no such descriptor.
     * @throws PkramIOException EIO: stat failed otherwise.
     */
    static Native.Stat statFollowing(final Path path)
    {
        try
        {
            return Native.statFollowing(path);
        }
        catch (final NoSuchFileException ex)
        {
            throw new PkramException(Errno.ENOENT, "no such descriptor: path=" + path + " (not open in that " +
                "process, or the process is gone)");
        }
        catch (final IOException | RuntimeException ex)
        {
            throw new PkramIOException("cannot stat memory descriptor: path=" + path + ", cause=" + ex, ex);
        }
    }

    /**
     * @param path the memory file.
     * @param fd   its open descriptor, or -1 to stat the name itself (not following a symbolic link).
     * @return its status.
     * @throws PkramException   ENOENT: no such file.
     * @throws PkramIOException EIO: stat failed otherwise.
     */
    static Native.Stat stat(final Path path, final int fd)
    {
        try
        {
            return fd < 0 ? Native.lstat(path) : Native.fstat(fd);
        }
        catch (final NoSuchFileException ex)
        {
            throw new PkramException(Errno.ENOENT, "no such memory file: path=" + path);
        }
        catch (final IOException | RuntimeException ex)
        {
            throw new PkramIOException("cannot stat memory file: path=" + path + ", cause=" + ex, ex);
        }
    }
}
