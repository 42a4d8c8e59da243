package org.pkram.mem;

import org.pkram.error.PkramException;
import org.pkram.error.PkramIOException;
import org.pkram.layout.SuperBlockDescriptor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The native side of an attach: the memory file's descriptor (and with it the open file description lock),
 * its {@code MAP_SHARED} mapping, the segment over it, and their release, either unmapped or replaced by
 * anonymous memory so that lingering views stay harmless.
 */
final class FileMapping
{
    private final Path path;
    private final int fd;
    private final Arena arena;
    private final MemorySegment segment;
    private final long address;
    private final long size;
    private final AtomicBoolean closed = new AtomicBoolean();

    private FileMapping(final Path path, final int fd, final Arena arena, final MemorySegment segment)
    {
        this.path = path;
        this.fd = fd;
        this.arena = arena;
        this.segment = segment;
        this.address = segment.address();
        this.size = segment.byteSize();
    }

    /**
     * Map {@code length} bytes of the file whole, shared. The descriptor becomes the mapping's on success;
     * on failure it stays the caller's to close.
     * <p>
     * Errors: ENOMEM no address space for the mapping; EIO any other failure.
     *
     * @param path     the file, for the messages.
     * @param fd       its open, locked descriptor.
     * @param readOnly map without write permission, and hand out a read-only segment.
     * @param length   bytes, whole pages that exist in the file.
     * @return the mapping.
     * @throws PkramException ENOMEM, EIO as above.
     */
    @SuppressWarnings("restricted") // a segment over memory mmap returned: native access is granted (JvmFlags)
    static FileMapping map(final Path path, final int fd, final boolean readOnly, final long length)
    {
        if (!SuperBlockDescriptor.nativeOrderIsLittleEndian())
        {
            throw new IllegalStateException("pkram's image is little-endian and needs a little-endian CPU");
        }
        final int prot = readOnly ? Native.PROT_READ : Native.PROT_READ | Native.PROT_WRITE;
        final long addr = Native.mmap(0, length, prot, Native.MAP_SHARED, fd, 0);
        if (addr < 0)
        {
            throw NativeFailures.mapFailure("cannot map memory file: path=" + path + ", size=" + length, (int)-addr);
        }
        // The segment lives in a shared arena of its own: closing the arena first makes every later use of
        // segment() fail cleanly (IllegalStateException) before the pages go away. A read-only segment over a
        // read-only mapping makes a store through it an exception rather than a SIGSEGV.
        final Arena arena = Arena.ofShared();
        final MemorySegment segment = MemorySegment.ofAddress(addr).reinterpret(length, arena, null);
        return new FileMapping(path, fd, arena, readOnly ? segment.asReadOnly() : segment);
    }

    /**
     * @return the descriptor, open until this mapping is closed.
     */
    int fd()
    {
        return fd;
    }

    /**
     * @return the mapping as one segment, read-only for a read-only mapping.
     */
    MemorySegment segment()
    {
        return segment;
    }

    /**
     * @return the mapping's start address.
     */
    long address()
    {
        return address;
    }

    /**
     * @return the mapped length in bytes.
     */
    long size()
    {
        return size;
    }

    /**
     * @return true once {@link #close()} or {@link #closeDetached()} has begun releasing.
     */
    boolean isClosed()
    {
        return closed.get();
    }

    /**
     * Unmap and close the descriptor. Idempotent.
     *
     * @throws PkramIOException      EIO: munmap or close failed.
     * @throws IllegalStateException a thread is in a call using {@link #segment()} (nothing was released).
     */
    void close()
    {
        if (!beginClose())
        {
            return;
        }
        PkramIOException failure = null;
        final int unmapped = Native.munmap(address, size);
        if (unmapped < 0)
        {
            failure = new PkramIOException("cannot unmap memory file: path=" + path + ", errno=" +
                Native.errnoName(-unmapped));
        }
        failure = closeDescriptor(failure);
        if (failure != null)
        {
            throw failure;
        }
    }

    /**
     * Replace the mapped range by private anonymous zero pages ({@code mmap MAP_FIXED}) and close the
     * descriptor. Idempotent.
     *
     * @throws PkramException        ENOMEM: the range could not be replaced (the file stays mapped and locked).
     * @throws PkramIOException      EIO: close failed.
     * @throws IllegalStateException a thread is in a call using {@link #segment()} (nothing was released).
     */
    void closeDetached()
    {
        if (!beginClose())
        {
            return;
        }
        PkramException failure = null;
        final long replaced = Native.mmap(address, size, Native.PROT_READ | Native.PROT_WRITE,
            Native.MAP_FIXED | Native.MAP_PRIVATE | Native.MAP_ANONYMOUS | Native.MAP_NORESERVE, -1, 0);
        if (replaced < 0)
        {
            // Unmapping instead would free the address for the next mapping: keep the file mapped. The mapping
            // holds a reference to the open file description, so its lock stays too, after the close below.
            failure = NativeFailures.mapFailure("cannot detach memory file; it stays mapped and locked by this " +
                "process: path=" + path + ", size=" + size, (int)-replaced);
        }
        final PkramIOException closeFailure = closeDescriptor(null);
        if (failure == null)
        {
            failure = closeFailure;
        }
        else if (closeFailure != null)
        {
            failure.addSuppressed(closeFailure);
        }
        if (failure != null)
        {
            throw failure;
        }
    }

    /**
     * Mark closed and close the arena, so that {@link #segment()} fails from now on. If the arena cannot
     * close (a thread is in a downcall using the segment), nothing is released and the close may be retried.
     *
     * @return false when already closed.
     */
    private boolean beginClose()
    {
        if (!closed.compareAndSet(false, true))
        {
            return false;
        }
        try
        {
            arena.close();
        }
        catch (final IllegalStateException ex)
        {
            closed.set(false);
            throw ex;
        }
        return true;
    }

    /**
     * Close the descriptor: the lock goes with it, as this was the last reference to the open file
     * description once the mapping is gone.
     */
    private PkramIOException closeDescriptor(final PkramIOException failure)
    {
        final int rc = Native.close(fd);
        if (rc < 0)
        {
            final PkramIOException io = new PkramIOException("cannot close memory file: path=" + path + ", errno=" +
                Native.errnoName(-rc));
            if (failure == null)
            {
                return io;
            }
            failure.addSuppressed(io);
        }
        return failure;
    }
}
