package org.pkram;

import org.pkram.error.InvalidArgumentException;
import org.pkram.error.PkramIOException;
import org.pkram.layout.Pfn;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Objects;

/**
 * File bytes into folios and folios out to files, copied in the kernel: between a caller's file and a folio's
 * bytes in the memory file, {@code [pfn * 4096, pfn * 4096 + (4096 << order))}, never through pkram's mapping.
 * A copy through the mapping faults every page into this process, which on a VM costs more than the copy itself;
 * here no page of the memory file is mapped on the way, whatever the file's size. No kernel counterpart: the
 * kernel's callers fill folios themselves (shmem moves a file's pages by reference).
 * <p>
 * Both directions go through {@link FileChannel#transferTo}, which on Linux calls {@code copy_file_range(2)}
 * (page cache to page cache, in the kernel) and, where that refuses two files on different file systems with
 * {@code EXDEV} (a disk file and the memory file on tmpfs; any file and a memfd), {@code sendfile(2)}, also in the
 * kernel. Checked with {@code strace -f -e trace=copy_file_range,sendfile} on JDK 25 and Linux 6.18: one call per
 * folio, {@code copy_file_range} between two files of {@code /dev/shm}, {@code copy_file_range = -EXDEV} then
 * {@code sendfile} otherwise. ({@code transferFrom} is not used: on {@code EXDEV} the JDK falls back to mapping
 * the source file and copying from that mapping, page fault by page fault.)
 * <p>
 * The mapping sees what the kernel wrote: it is {@code MAP_SHARED} over the same file, so its pages are the file's
 * page-cache pages, and a folio filled here shows the file's bytes through {@link Folio#buffer()}, also when pkram
 * wrote those pages through the mapping before (the allocator zeroing them for an earlier owner). In durable mode a
 * commit's {@code msync} of the folio's pages writes back what was written here as well: it flushes the file's
 * dirty pages in the range however they were dirtied.
 * <p>
 * One per thread at a time ({@link Pkram#openFileTransfer()}): it holds a channel on the memory file, opened
 * through the attach's own descriptor (so it is the same file whatever its name is now, a memfd included), and a
 * copy into a folio writes at that channel's position. Close it when done; once the instance is closed or sealed,
 * every call fails with ENODEV.
 */
public final class FileTransfer implements AutoCloseable
{
    /** Zeros for the end of a folio the file does not fill, written in the kernel like the rest. */
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(16 * Pfn.PAGE_SIZE).asReadOnlyBuffer();

    private final Pkram pkram;
    private final FileChannel memory;

    FileTransfer(final Pkram pkram, final FileChannel memory)
    {
        this.pkram = pkram;
        this.memory = memory;
    }

    /**
     * Allocate a folio of {@code 2^order} pages and fill it from a file in the kernel: its first {@code length}
     * bytes are {@code source}'s from {@code position}, the rest zero, so it holds what a folio of
     * {@link Pkram#allocFolio(int)} filled through its view would. The pages are not zeroed first (every byte is
     * written here), and nothing an earlier owner left in them survives. The folio is the caller's: save it
     * ({@link ObjSave#saveFolio(Folio, long)}) or free it ({@link Pkram#freeFolio(Folio)}).
     * <p>
     * Errors: ENODEV not booted or sealed; EINVAL an order outside 0..10, a length outside 0..{@code 4096 << order}
     * or a negative position; ENOMEM no free folio of that order (nothing was read, so a caller may try a smaller
     * one); EIO the file ended before {@code length} bytes (it shrank while it was read), or the copy failed (the
     * cause is kept). On any failure the folio goes back to the allocator.
     *
     * @param order    0..10.
     * @param source   a channel open for reading; its position is neither used nor moved.
     * @param position where in the file the bytes start.
     * @param length   bytes to copy.
     * @return the folio, index 0, owned by the caller.
     * @throws InvalidArgumentException EINVAL: an argument out of range.
     * @throws org.pkram.error.OutOfPagesException ENOMEM: no free folio of that order.
     * @throws PkramIOException         EIO: the file ended early, or the copy failed.
     * @throws org.pkram.error.PkramUnavailableException ENODEV: not booted or sealed.
     */
    public Folio allocFolio(final int order, final FileChannel source, final long position, final int length)
    {
        pkram.checkBooted();
        Objects.requireNonNull(source, "source");
        Pkram.checkOrder(order);
        checkRange(length, Pfn.PAGE_SIZE << order, position);
        final long pfn = pkram.pages().allocUnzeroed(order);
        try
        {
            final long addr = Pfn.toAddr(pfn);
            copyIn(source, position, addr, length);
            zero(addr + length, addr + ((long)Pfn.PAGE_SIZE << order));
        }
        catch (final IOException ex)
        {
            pkram.pages().free(pfn, order);
            throw new PkramIOException("cannot copy a file into a folio: position=" + position + ", length=" + length +
                ", pfn=0x" + Long.toHexString(pfn) + ", order=" + order + ", cause=" + reason(ex), ex);
        }
        catch (final RuntimeException ex)
        {
            pkram.pages().free(pfn, order);
            throw ex;
        }
        return pkram.handOut(pfn, order);
    }

    /**
     * Write the first {@code length} bytes of a folio to a file at {@code position}, in the kernel. The folio is
     * not changed and stays whose it was; any folio whose {@link Folio#buffer()} may be read may be written out.
     * <p>
     * Errors: ENODEV not booted or sealed; EINVAL a length outside 0..the folio's size or a negative position;
     * EIO the copy failed, with the cause kept: the target's file system is full ({@code ENOSPC}), the file would
     * pass the process's file size limit ({@code EFBIG}, {@code ulimit -f}), or an I/O error. The target may then
     * hold part of the bytes.
     *
     * @param folio    a folio of this instance whose pages the caller holds (its own, or its node's).
     * @param length   bytes to write, from the folio's start.
     * @param target   a channel open for writing, not in append mode; its position is set, and left after the
     *                 last byte written.
     * @param position where in the file the bytes go.
     * @throws InvalidArgumentException EINVAL: an argument out of range.
     * @throws PkramIOException         EIO: the copy failed.
     * @throws IllegalArgumentException a folio of another instance.
     * @throws IllegalStateException    the folio's pages are no longer the caller's or its node's.
     * @throws org.pkram.error.PkramUnavailableException ENODEV: not booted or sealed.
     */
    public void writeFolio(final Folio folio, final int length, final FileChannel target, final long position)
    {
        pkram.checkBooted();
        Objects.requireNonNull(target, "target");
        if (folio.pkram() != pkram)
        {
            throw new IllegalArgumentException("folio belongs to another pkram instance: " + folio);
        }
        folio.checkPagesHeld();
        checkRange(length, folio.byteLength(), position);
        final long addr = Pfn.toAddr(folio.pfn());
        try
        {
            long done = 0;
            while (done < length)
            {
                target.position(position + done);
                final long n = memory.transferTo(addr + done, length - done, target);
                if (n <= 0)
                {
                    // The memory file ends before the folio: someone truncated it (EUCLEAN says so).
                    pkram.mem().checkIntact();
                    throw new IOException("no byte could be copied out of the memory file: at=" + (addr + done));
                }
                done += n;
            }
        }
        catch (final IOException ex)
        {
            throw new PkramIOException("cannot copy a folio to a file: pfn=0x" + Long.toHexString(folio.pfn()) +
                ", length=" + length + ", position=" + position + ", cause=" + reason(ex), ex);
        }
    }

    /**
     * Close the channel on the memory file. Idempotent.
     *
     * @throws PkramIOException EIO: close failed.
     */
    @Override
    public void close()
    {
        try
        {
            memory.close();
        }
        catch (final IOException ex)
        {
            throw new PkramIOException("cannot close the memory file's transfer channel: cause=" + reason(ex), ex);
        }
    }

    /**
     * {@code length} bytes of the source from {@code position} to the memory file at {@code addr}. A copy may
     * move fewer bytes than asked (a signal, a file size limit): loop until all are there, and call a copy that
     * moves nothing the end of the file.
     */
    private void copyIn(final FileChannel source, final long position, final long addr, final int length)
        throws IOException
    {
        long done = 0;
        while (done < length)
        {
            // transferTo writes at the target's position: the kernel's copy_file_range / sendfile with a NULL
            // output offset.
            memory.position(addr + done);
            final long n = source.transferTo(position + done, length - done, memory);
            if (n <= 0)
            {
                throw new PkramIOException("the file ended before the folio was filled (it shrank while it was " +
                    "read): position=" + position + ", length=" + length + ", copied=" + done + ", size=" +
                    source.size());
            }
            done += n;
        }
    }

    /**
     * Zero {@code [from, to)} of the memory file with writes from a buffer of zeros: the end of the last page of
     * a file, which is all a folio sized to its file leaves.
     */
    private void zero(final long from, final long to) throws IOException
    {
        long at = from;
        while (at < to)
        {
            final ByteBuffer zeros = ZEROS.duplicate();
            zeros.limit((int)Math.min(zeros.capacity(), to - at));
            at += memory.write(zeros, at);
        }
    }

    /**
     * @return the system's text for a failed call ({@code File too large}, {@code No space left on device}), or the
     *         exception's type when it has none (a channel closed by an interrupt).
     */
    private static String reason(final IOException ex)
    {
        return ex.getMessage() != null ? ex.getMessage() : ex.getClass().getSimpleName();
    }

    private static void checkRange(final int length, final int folioLength, final long position)
    {
        if (length < 0 || length > folioLength || position < 0 || position + length < 0)
        {
            throw new InvalidArgumentException("length or position out of range: length=" + length +
                ", folioLength=" + folioLength + ", position=" + position);
        }
    }
}
