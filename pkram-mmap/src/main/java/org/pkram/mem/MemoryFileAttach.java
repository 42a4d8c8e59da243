package org.pkram.mem;

import org.pkram.error.Errno;
import org.pkram.error.MemoryFileBusyException;
import org.pkram.error.NoSpaceException;
import org.pkram.error.NotAMemoryFileException;
import org.pkram.error.PkramException;
import org.pkram.error.PkramIOException;
import org.pkram.layout.Pfn;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The steps of an attach, in the order that keeps them safe: {@link PhysMem#create} (check, create
 * exclusively, lock, size, map, write the header) and {@link PhysMem#open} / {@link PhysMem#openReadOnly}
 * (check by name, open without following links, then {@link #attach}: lock, check again by descriptor,
 * map, validate the header). Every failure releases what the attach had taken.
 */
final class MemoryFileAttach
{
    private MemoryFileAttach()
    {
    }

    /**
     * The body of {@link PhysMem#create(Path, long, boolean)}, with its errors. The file is removed again when
     * creation fails.
     */
    static PhysMem create(final Path path, final long size, final boolean populate)
    {
        JvmFlags.check();
        Native.checkPlatform();
        MemoryFileChecks.checkSize(size);
        MemoryFileChecks.checkSpace(path, size);
        // O_EXCL also refuses a symbolic link at the path, dangling or not.
        final int fd = Native.open(path,
            Native.O_RDWR | Native.O_CREAT | Native.O_EXCL | Native.O_CLOEXEC | Native.O_NOFOLLOW | Native.O_NOCTTY,
            MemoryFileChecks.OWNER_RW);
        if (fd < 0)
        {
            if (-fd == Native.EEXIST)
            {
                throw new PkramException(Errno.EEXIST, "memory file already exists: path=" + path);
            }
            throw NativeFailures.openFailure("cannot create memory file", path, -fd);
        }
        PhysMem mem = null;
        try
        {
            // The umask may have narrowed the mode open() was given: make it exact.
            NativeFailures.check(Native.fchmod(fd, MemoryFileChecks.OWNER_RW), "cannot set the mode of the " +
                "memory file", path);
            lock(fd, path, false);
            final int truncated = Native.ftruncate(fd, size); // sparse: allocates nothing on tmpfs or ext4
            if (truncated == -Native.ENOSPC || truncated == -Native.EFBIG)
            {
                throw new NoSpaceException("file system cannot hold the memory file: path=" + path + ", size=" +
                    size + ", errno=" + Native.errnoName(-truncated));
            }
            NativeFailures.check(truncated, "cannot size the memory file", path);
            // Allocate in the kernel (no page faulted into this mapping): ENOSPC now, not a SIGBUS later.
            final int allocated = populate ? Native.fallocate(fd, size) : 0;
            if (allocated == -Native.ENOSPC || allocated == -Native.EFBIG)
            {
                throw new NoSpaceException("file system cannot hold the memory file: path=" + path + ", size=" +
                    size + ", errno=" + Native.errnoName(-allocated));
            }
            mem = new PhysMem(path, FileMapping.map(path, fd, false, size), false);
            if (allocated < 0)
            {
                // A file system without fallocate: fault every page in through the mapping instead.
                mem.populate(true);
            }
            MemoryFileHeader.write(mem.page(0), size);
            return mem;
        }
        catch (final RuntimeException ex)
        {
            closeQuietly(mem, fd, ex);
            try
            {
                Files.deleteIfExists(path);
            }
            catch (final IOException suppressed)
            {
                ex.addSuppressed(suppressed);
            }
            throw ex;
        }
    }

    /**
     * The body of {@link PhysMem#open(Path)} and {@link PhysMem#openReadOnly(Path)}, with their errors.
     */
    static PhysMem open(final Path path, final boolean readOnly)
    {
        JvmFlags.check();
        Native.checkPlatform();
        // Checked by name first so that a FIFO or a device is refused before open() could block on it or
        // act on it; checked again on the descriptor, which is what gets mapped. A descriptor handed over
        // through /proc/PID/fd/N is the one link followed (see Handover).
        final boolean handover = Handover.isDescriptorPath(path);
        MemoryFileChecks.checkSafe(path, handover ? MemoryFileChecks.statFollowing(path) :
            MemoryFileChecks.stat(path, -1));
        final int fd = Native.open(path, (readOnly ? Native.O_RDONLY : Native.O_RDWR) | Native.O_CLOEXEC |
            (handover ? 0 : Native.O_NOFOLLOW) | Native.O_NOCTTY, 0);
        if (fd < 0)
        {
            throw NativeFailures.openFailure("cannot open memory file", path, -fd);
        }
        return attach(path, fd, readOnly);
    }

    /**
     * The body of {@link Memfd#create(String, long)}: a memfd of {@code size} bytes, mode 0600, its header
     * written through a mapping that is gone again when this returns. Nothing is locked: the memfd's owner is
     * whoever attaches it next.
     *
     * @return the memfd's descriptor.
     */
    static int createMemfd(final String name, final long size)
    {
        JvmFlags.check();
        Native.checkPlatform();
        MemoryFileChecks.checkSize(size);
        final int fd = Native.memfdCreate(name, Native.MFD_CLOEXEC);
        final Path label = Handover.ofDescriptor(Math.max(fd, 0));
        if (fd < 0)
        {
            throw NativeFailures.openFailure("cannot create memfd", Path.of("memfd:" + name), -fd);
        }
        try
        {
            NativeFailures.check(Native.fchmod(fd, MemoryFileChecks.OWNER_RW), "cannot set the mode of the memfd",
                label);
            final int truncated = Native.ftruncate(fd, size);
            if (truncated == -Native.ENOSPC || truncated == -Native.EFBIG || truncated == -Native.ENOMEM)
            {
                throw new NoSpaceException("cannot size the memfd: name=" + name + ", size=" + size + ", errno=" +
                    Native.errnoName(-truncated));
            }
            NativeFailures.check(truncated, "cannot size the memfd", label);
            // A second description of the same memfd for the mapping, closed with it; fd stays the caller's.
            final int mapped = Native.open(label, Native.O_RDWR | Native.O_CLOEXEC, 0);
            if (mapped < 0)
            {
                throw NativeFailures.openFailure("cannot reopen the memfd", label, -mapped);
            }
            final PhysMem mem;
            try
            {
                mem = new PhysMem(label, FileMapping.map(label, mapped, false, size), false);
            }
            catch (final RuntimeException ex)
            {
                Native.close(mapped);
                throw ex;
            }
            try
            {
                MemoryFileHeader.write(mem.page(0), size);
            }
            finally
            {
                mem.close();
            }
            return fd;
        }
        catch (final RuntimeException ex)
        {
            Native.close(fd);
            throw ex;
        }
    }

    /**
     * Attach an open descriptor of a memory file: check it, lock it, map it and validate the header. This
     * is where every attach meets, by name or (later) by an inherited descriptor such as a memfd; the
     * descriptor becomes the attach's, and is closed when the attach fails.
     */
    static PhysMem attach(final Path path, final int fd, final boolean readOnly)
    {
        PhysMem mem = null;
        try
        {
            lock(fd, path, readOnly);
            // Stat after the lock: a previous owner may have been resizing the file until it let go.
            final Native.Stat stat = MemoryFileChecks.stat(path, fd);
            MemoryFileChecks.checkSafe(path, stat);
            final long actual = stat.size();
            if (actual < Pfn.PAGE_SIZE)
            {
                throw new NotAMemoryFileException("not a pkram memory file (shorter than its header page): path=" +
                    path + ", size=" + actual);
            }
            // Map only whole pages that exist: a mapping past EOF would SIGBUS on first touch.
            final long mapped = actual & ~((long)Pfn.PAGE_SIZE - 1);
            mem = new PhysMem(path, FileMapping.map(path, fd, readOnly, mapped), readOnly);
            MemoryFileHeader.validate(mem.page(0), path, actual);
            return mem;
        }
        catch (final RuntimeException ex)
        {
            closeQuietly(mem, fd, ex);
            throw ex;
        }
    }

    /**
     * Take the open file description lock: exclusive for a read-write attach, shared for a read-only one.
     *
     * @throws MemoryFileBusyException EBUSY: a conflicting lock is held, by another process or attach.
     * @throws PkramIOException        EIO: the file system cannot lock (or an older kernel), or fcntl failed.
     */
    private static void lock(final int fd, final Path path, final boolean shared)
    {
        final int rc = Native.lockOfd(fd, shared ? Native.F_RDLCK : Native.F_WRLCK);
        if (rc == -Native.EAGAIN || rc == -Native.EACCES)
        {
            throw new MemoryFileBusyException("memory file is attached by another owner (a process, or another " +
                "attach in this one): path=" + path + ", lock=" + (shared ? "shared" : "exclusive"));
        }
        if (rc == -Native.EINVAL)
        {
            throw new PkramIOException("cannot lock memory file (open file description locks need Linux 3.15 " +
                "or later and a file system that supports them): path=" + path + ", errno=" +
                Native.errnoName(-rc));
        }
        NativeFailures.check(rc, "cannot lock memory file", path);
    }

    /**
     * Release what a failed attach took: the mapping and the descriptor, or the descriptor alone, which
     * releases the lock too. A failure here is added to {@code primary}, the one the caller throws.
     */
    private static void closeQuietly(final PhysMem mem, final int fd, final RuntimeException primary)
    {
        try
        {
            if (mem != null)
            {
                mem.close(); // closes the descriptor too
            }
            else
            {
                final int rc = Native.close(fd); // releases the lock too
                if (rc < 0)
                {
                    primary.addSuppressed(new PkramIOException("cannot close memory file: errno=" +
                        Native.errnoName(-rc)));
                }
            }
        }
        catch (final RuntimeException ex)
        {
            primary.addSuppressed(ex);
        }
    }
}
