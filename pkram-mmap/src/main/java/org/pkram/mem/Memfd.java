package org.pkram.mem;

import org.pkram.error.PkramIOException;

import java.nio.file.Path;

/**
 * A memory file with no name: a memfd of the whole size, formatted (header written, nothing preserved), held
 * open by its creator. What the kernel's successor to PKRAM preserves (KHO + LUO keep memfds across kexec), and
 * what systemd keeps in a service's fd store. The creator hands it on by descriptor ({@link #pathForChildren()},
 * {@code LISTEN_FDS}, {@code SCM_RIGHTS}); the memory is gone once the last descriptor of it is closed.
 */
public final class Memfd implements AutoCloseable
{
    private final int fd;
    private final String name;
    private final long size;
    private boolean closed;

    private Memfd(final int fd, final String name, final long size)
    {
        this.fd = fd;
        this.name = name;
        this.size = size;
    }

    /**
     * Create a memfd and format it as an empty memory file, mode 0600.
     * <p>
     * Errors: EINVAL a size that is not a page multiple or below {@link PhysMem#MIN_SIZE}; ENOSPC the memory
     * cannot be sized; EMFILE / ENFILE no descriptor left (as EIO); EIO any other failure.
     *
     * @param name what {@code /proc/PID/fd} shows ({@code /memfd:NAME}).
     * @param size bytes, a multiple of 4096.
     * @return the memfd; {@link #close()} it to let the memory go (once no one else holds it).
     */
    public static Memfd create(final String name, final long size)
    {
        return new Memfd(MemoryFileAttach.createMemfd(name, size), name, size);
    }

    /**
     * @return the descriptor (close-on-exec; hand it on by path or by {@code SCM_RIGHTS}).
     */
    public int fd()
    {
        return fd;
    }

    /**
     * @return the path that reaches it from this process ({@code /proc/self/fd/N}).
     */
    public Path path()
    {
        return Handover.ofDescriptor(fd);
    }

    /**
     * @return the path that reaches it from this process and its children while this process lives
     *         ({@code /proc/PID/fd/N}).
     */
    public Path pathForChildren()
    {
        return Handover.ofDescriptorForChildren(fd);
    }

    /**
     * @return its size in bytes.
     */
    public long size()
    {
        return size;
    }

    /**
     * Close this process's descriptor. Idempotent.
     *
     * @throws PkramIOException EIO: close failed (the descriptor is gone anyway).
     */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        final int rc = Native.close(fd);
        if (rc < 0)
        {
            throw new PkramIOException("cannot close memfd: name=" + name + ", fd=" + fd + ", errno=" +
                Native.errnoName(-rc));
        }
    }

    @Override
    public String toString()
    {
        return "Memfd{name=" + name + ", fd=" + fd + ", size=" + size + "}";
    }
}
