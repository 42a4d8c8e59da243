package org.pkram.mem;

import org.agrona.concurrent.UnsafeBuffer;
import org.pkram.error.CorruptImageException;
import org.pkram.error.InvalidArgumentException;
import org.pkram.error.MemoryFileBusyException;
import org.pkram.error.NoSpaceException;
import org.pkram.error.NotAMemoryFileException;
import org.pkram.error.PkramException;
import org.pkram.error.PkramIOException;
import org.pkram.error.PkramUnavailableException;
import org.pkram.error.UnsafeMemoryFileException;
import org.pkram.layout.FileHeaderDescriptor;
import org.pkram.layout.Pfn;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The memory file as "physical RAM": one file, mapped whole and {@code MAP_SHARED} as a single segment,
 * where page {@code pfn} is bytes {@code [pfn * 4096, pfn * 4096 + 4096)}.
 * <p>
 * Page 0 holds pkram's file header ({@link FileHeaderDescriptor}); the kernel never uses physical
 * page 0 for PKRAM and pkram never hands out pfn 0, so the header takes nothing from the image.
 * <p>
 * The file is opened, locked and mapped through libc ({@code open}, {@code fcntl}, {@code mmap}), not
 * through {@code FileChannel}: this object holds the descriptor, so it can take an open file description
 * lock on it, and a descriptor that never had a path (a memfd handed over by a supervisor) can be mapped
 * the same way as a file opened by name.
 * <p>
 * Ownership: a read-write attach holds an exclusive open file description lock ({@code F_OFD_SETLK}) for
 * its lifetime; a read-only attach (inspect, fsck: the kdump role) holds a shared one, so it never reads
 * a file a read-write owner is changing. Unlike a POSIX record lock ({@code FileChannel.lock}), which
 * the process loses when it closes <em>any</em> descriptor of the file (a backup, a checksum), this lock
 * belongs to the one descriptor opened here; a second process, and a second attach in this process
 * (a second open is a second description), get {@link MemoryFileBusyException} (EBUSY). The descriptor is
 * close-on-exec, so a program this process runs does not inherit it and keep the lock alive.
 * <p>
 * Safety: the file must be a regular file (a symbolic link is refused, also when it is swapped in between
 * the check and the open: {@code O_NOFOLLOW}) owned by this process's user, with no permission for group
 * or others (EACCES): the preserved state may be secret, and only its owner may change it. New files are
 * mode 0600.
 * <p>
 * Threading: page views may be taken and used from any thread; {@link #close()} and
 * {@link #closeDetached()} must not race with users of the mapping (the {@code Pkram} instance that owns
 * this object guarantees that).
 */
public final class PhysMem implements AutoCloseable
{
    /** The smallest memory file: the header page, a super block and one page to save. */
    public static final long MIN_SIZE = 4L * Pfn.PAGE_SIZE;

    /**
     * Length of the {@link #detachedAddress() detached region}: the largest folio, order
     * {@link Pfn#MAX_FOLIO_ORDER} (4 MiB), so a view of any folio re-pointed there stays inside it.
     */
    public static final int DETACHED_LENGTH = Pfn.PAGE_SIZE << Pfn.MAX_FOLIO_ORDER;

    // This class is the API and the views; the rest of the work is done by package helpers: the attach
    // sequences (MemoryFileAttach), the checks on the file (MemoryFileChecks), the header (MemoryFileHeader),
    // the descriptor, lock and mapping with their release (FileMapping) and the detached region
    // (DetachedRegion).
    //
    // No per-JVM registry of attached files: an open file description lock conflicts with any other open
    // of the file, in this process too, so a second attach here gets EBUSY from the lock itself; and a
    // failed attach closing its own descriptor cannot drop the lock of the first, as closing a descriptor
    // dropped a POSIX record lock.

    private final Path path;
    private final FileMapping mapping;
    // Copies of the mapping's, read by every view method's bounds check.
    private final long address;
    private final long size;
    private final boolean readOnly;
    private final HugePages hugePages;

    /**
     * @param path     the memory file.
     * @param mapping  its mapping, now this object's to close.
     * @param readOnly an attach made with {@link #openReadOnly(Path)}.
     */
    PhysMem(final Path path, final FileMapping mapping, final boolean readOnly)
    {
        this.path = path;
        this.mapping = mapping;
        this.address = mapping.address();
        this.size = mapping.size();
        this.readOnly = readOnly;
        this.hugePages = HugePages.of(path);
        if (hugePages.needsAdvice())
        {
            // huge=advise (or shmem_enabled=advise for a memfd): huge pages only where the mapping asks for them.
            Native.madvise(mapping.segment(), Native.MADV_HUGEPAGE);
        }
    }

    /**
     * Create a new memory file of {@code size} bytes (a multiple of the page size), mode 0600, with its
     * header written, and map it.
     * <p>
     * Errors: EEXIST the file (or a symbolic link) exists, never overwritten here; ENOENT its directory
     * does not exist; EINVAL a size that is not a page multiple or below {@link #MIN_SIZE}; ENOSPC the file
     * system cannot hold {@code size} bytes (checked up front, and when {@code populate} is set, by allocating
     * every page, so that a too-large tmpfs file fails now rather than with a SIGBUS at some later store);
     * EBUSY another process locked the new file before this one did; EACCES the directory does not let this
     * user create it; ENOMEM no address space for the mapping; EIO any other failure.
     * The file is removed again when creation fails.
     *
     * @param path     where to create it; its directory must exist.
     * @param size     bytes, a multiple of 4096.
     * @param populate allocate every page now: {@code fallocate} in the kernel, no page faulted into the
     *                 mapping ({@code MADV_POPULATE_WRITE} on a file system without fallocate); a sparse
     *                 file (false) is created in no time but may SIGBUS later if the file system fills up.
     * @return the attached memory, locked exclusively; {@link #close()} it.
     * @throws InvalidArgumentException  EINVAL: a bad size.
     * @throws NoSpaceException          ENOSPC: the file system cannot hold it.
     * @throws MemoryFileBusyException   EBUSY: locked by another owner.
     * @throws PkramIOException          EIO: any other failure of the file system.
     * @throws PkramException            EEXIST, ENOENT, EACCES, ENOMEM as above.
     */
    public static PhysMem create(final Path path, final long size, final boolean populate)
    {
        return MemoryFileAttach.create(path, size, populate);
    }

    /**
     * Attach an existing memory file read-write: check it is safe and ours, lock it exclusively and
     * map it whole.
     * <p>
     * Errors: ENOENT no such file; EACCES owned by another user, readable or writable by group or others,
     * not a regular file (a symbolic link), or not openable by this user; EBUSY attached already (by
     * another process, or by this one); EINVAL not a pkram memory file (no header magic, foreign page size,
     * newer format); EUCLEAN the file is shorter than the size recorded in its header (truncated);
     * ENOMEM no address space for the mapping; EIO any other failure.
     *
     * @param path the memory file.
     * @return the attached memory; {@link #close()} it.
     * @throws UnsafeMemoryFileException EACCES: not a regular file, foreign owner, group or others allowed.
     * @throws MemoryFileBusyException   EBUSY: attached by another owner.
     * @throws NotAMemoryFileException   EINVAL: not a pkram memory file this build reads.
     * @throws CorruptImageException     EUCLEAN: truncated, or a damaged header.
     * @throws PkramIOException          EIO: any other failure of the file system.
     * @throws PkramException            ENOENT, EACCES (open refused), ENOMEM as above.
     */
    public static PhysMem open(final Path path)
    {
        return MemoryFileAttach.open(path, false);
    }

    /**
     * Attach an existing memory file read-only, for inspection: the mapping cannot write, and a
     * shared lock keeps a read-write owner out for as long as it is held (and fails with EBUSY if one
     * is attached now); other read-only attaches may share the file. Same checks and errors as
     * {@link #open(Path)}.
     *
     * @param path the memory file.
     * @return the attached memory; {@link #close()} it.
     * @throws UnsafeMemoryFileException EACCES: not a regular file, foreign owner, group or others allowed.
     * @throws MemoryFileBusyException   EBUSY: attached read-write by another owner.
     * @throws NotAMemoryFileException   EINVAL: not a pkram memory file this build reads.
     * @throws CorruptImageException     EUCLEAN: truncated, or a damaged header.
     * @throws PkramIOException          EIO: any other failure of the file system.
     * @throws PkramException            ENOENT, EACCES (open refused), ENOMEM as above.
     */
    public static PhysMem openReadOnly(final Path path)
    {
        return MemoryFileAttach.open(path, true);
    }

    /**
     * Fault every page in now, allocating its backing on tmpfs ({@code MADV_POPULATE_WRITE}) or reading
     * it ({@code MADV_POPULATE_READ}).
     * <p>
     * Errors: ENOSPC the file system cannot back the file (the kernel's EFAULT / ENOMEM from populate);
     * EIO any other failure. A kernel older than 5.14 has no populate advice: nothing is done there.
     *
     * @param write populate for writing (allocates backing) rather than reading.
     * @throws NoSpaceException      ENOSPC: the file system cannot back the file.
     * @throws PkramIOException      EIO: madvise failed otherwise.
     * @throws PkramUnavailableException ENODEV: after {@link #close()}.
     */
    public void populate(final boolean write)
    {
        checkOpen();
        final int advice = write ? Native.MADV_POPULATE_WRITE : Native.MADV_POPULATE_READ;
        final int errno = Native.madvise(mapping.segment(), advice);
        if (errno == Native.EFAULT || errno == Native.ENOMEM)
        {
            throw new NoSpaceException("file system cannot back the memory file: path=" + path + ", size=" + size +
                ", madviseErrno=" + errno);
        }
        if (errno != 0 && errno != Native.EINVAL)
        {
            // EINVAL: a kernel older than 5.14 has no MADV_POPULATE_*; populating is an optimisation there.
            throw new PkramIOException("madvise(MADV_POPULATE) failed: path=" + path + ", errno=" +
                Native.errnoName(errno));
        }
    }

    /**
     * Fault a range of pages in now ({@code MADV_POPULATE_READ} / {@code _WRITE} over the range): warm-up of
     * pages that hold data, so that first touches later cost nothing.
     * <p>
     * Errors: EIO madvise failed (a kernel older than 5.14 has no populate advice: nothing is done there).
     *
     * @param pfn   first page.
     * @param pages number of pages.
     * @param write populate for writing rather than reading.
     * @throws PkramIOException          EIO: madvise failed.
     * @throws IndexOutOfBoundsException a range outside the file.
     * @throws PkramUnavailableException ENODEV: after {@link #close()}.
     */
    public void populate(final long pfn, final long pages, final boolean write)
    {
        checkOpen();
        if (pfn < 0 || pages < 0 || pfn > pfnCount() || pages > pfnCount() - pfn)
        {
            throw new IndexOutOfBoundsException("range outside the memory file: pfn=" + pfn + ", pages=" + pages);
        }
        final int errno = Native.madvise(mapping.segment().asSlice(Pfn.toAddr(pfn), pages << Pfn.PAGE_SHIFT),
            write ? Native.MADV_POPULATE_WRITE : Native.MADV_POPULATE_READ);
        if (errno != 0 && errno != Native.EINVAL)
        {
            throw new PkramIOException("madvise(MADV_POPULATE) failed: path=" + path + ", pfn=0x" +
                Long.toHexString(pfn) + ", pages=" + pages + ", errno=" + Native.errnoName(errno));
        }
    }

    /**
     * @return whether the file's pages may be huge pages, and why (its mount, or {@code shmem_enabled}).
     */
    public HugePages hugePages()
    {
        return hugePages;
    }

    /**
     * @return the memory file's path.
     */
    public Path path()
    {
        return path;
    }

    /**
     * @return the mapped size in bytes, a multiple of the page size.
     */
    public long size()
    {
        return size;
    }

    /**
     * @return the number of pfns the file spans, pfn 0 (the header) included.
     */
    public long pfnCount()
    {
        return size >>> Pfn.PAGE_SHIFT;
    }

    /**
     * @return true for an attach made with {@link #openReadOnly(Path)}.
     */
    public boolean readOnly()
    {
        return readOnly;
    }

    /**
     * @return the whole mapping as one segment; valid until {@link #close()} or {@link #closeDetached()},
     *         after which any access through it throws {@code IllegalStateException}.
     */
    public MemorySegment segment()
    {
        return mapping.segment();
    }

    /**
     * Open a new channel on the memory file through this attach's own descriptor ({@code /proc/self/fd/N}), for
     * copies between the file and another one in the kernel ({@link FileChannel#transferTo}): the bytes of page
     * {@code pfn} are at channel position {@code pfn * 4096}. It reaches the file this object maps whatever its
     * name is now (renamed, unlinked, another file put at its path, or a memfd that never had a name), which
     * opening {@link #path()} again would not promise. It is a new open file description and takes no lock (the
     * attach's lock keeps other owners out); read-only for a read-only attach. The caller closes it.
     * <p>
     * Errors: EIO it cannot be opened ({@code /proc} not mounted, no descriptor left).
     *
     * @return the channel, position 0.
     * @throws PkramIOException          EIO: it cannot be opened.
     * @throws PkramUnavailableException ENODEV: after {@link #close()}.
     */
    public FileChannel openChannel()
    {
        checkOpen();
        final Path self = Handover.ofDescriptor(mapping.fd());
        try
        {
            return readOnly ? FileChannel.open(self, StandardOpenOption.READ) :
                FileChannel.open(self, StandardOpenOption.READ, StandardOpenOption.WRITE);
        }
        catch (final IOException ex)
        {
            throw new PkramIOException("cannot open a channel on the memory file: path=" + path + ", through=" + self +
                ", cause=" + ex, ex);
        }
    }

    /**
     * @param pfn a page frame number.
     * @return true when the page lies inside the file (pfn 0, the header page, is inside too).
     */
    public boolean contains(final long pfn)
    {
        return pfn >= 0 && pfn < pfnCount();
    }

    /**
     * @param pfn   first page of a folio.
     * @param order its order.
     * @return true when every page of the folio lies inside the file and pfn is not 0.
     */
    public boolean containsFolio(final long pfn, final int order)
    {
        return pfn > 0 && Pfn.isValidOrder(order) && pfn + Pfn.pageCount(order) <= pfnCount() && pfn < pfnCount();
    }

    /**
     * @param pfn a page inside the file.
     * @return a new little-endian-addressed view of that page.
     * @throws IndexOutOfBoundsException a page outside the file.
     * @throws PkramUnavailableException ENODEV: after {@link #close()}.
     */
    public UnsafeBuffer page(final long pfn)
    {
        return folio(pfn, 0);
    }

    /**
     * @param pfn   first page of a folio inside the file.
     * @param order its order, 0..10 (4 MiB at most, so an int capacity suffices).
     * @return a new view of the folio's {@code 4096 << order} bytes.
     * @throws IndexOutOfBoundsException a folio outside the file.
     * @throws PkramUnavailableException ENODEV: after {@link #close()}.
     */
    public UnsafeBuffer folio(final long pfn, final int order)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(0, 0);
        wrap(buffer, pfn, order);
        return buffer;
    }

    /**
     * Point an existing view at a folio: the allocation-free flyweight form of {@link #folio(long, int)}.
     * <p>
     * The view holds the raw address: it does not know when this object closes. Use it only while this
     * object is open, or re-point it (at {@link #detachedAddress()}, say) when its folio stops belonging
     * to its user; see {@link #closeDetached()} for a close that leaves such views harmless.
     *
     * @param buffer the view to re-point.
     * @param pfn    first page.
     * @param order  folio order.
     * @throws IndexOutOfBoundsException a folio outside the file.
     * @throws PkramUnavailableException ENODEV: after {@link #close()}.
     */
    public void wrap(final UnsafeBuffer buffer, final long pfn, final int order)
    {
        checkOpen();
        final int length = Pfn.PAGE_SIZE << order;
        if (pfn < 0 || Pfn.toAddr(pfn) + length > size)
        {
            throw new IndexOutOfBoundsException("folio outside the memory file: pfn=" + pfn + ", order=" + order +
                ", pfnCount=" + pfnCount());
        }
        buffer.wrap(address + Pfn.toAddr(pfn), length);
    }

    /**
     * Force a range of pages to storage ({@code msync(MS_SYNC)}): the durable-mode commit point. Nothing
     * to do for a read-only attach.
     * <p>
     * Errors: EIO the write-back failed (the data may not be on the storage).
     *
     * @param pfn   first page.
     * @param pages number of pages.
     * @throws PkramIOException          EIO: msync failed.
     * @throws IndexOutOfBoundsException a range outside the file.
     * @throws PkramUnavailableException ENODEV: after {@link #close()}.
     */
    public void force(final long pfn, final long pages)
    {
        checkOpen();
        if (pfn < 0 || pages < 0 || pfn > pfnCount() || pages > pfnCount() - pfn)
        {
            throw new IndexOutOfBoundsException("range outside the memory file: pfn=" + pfn + ", pages=" + pages +
                ", pfnCount=" + pfnCount());
        }
        if (!readOnly && pages > 0)
        {
            final int rc = Native.msync(address + Pfn.toAddr(pfn), pages << Pfn.PAGE_SHIFT);
            if (rc < 0)
            {
                throw new PkramIOException("msync failed: path=" + path + ", pfn=" + pfn + ", pages=" + pages +
                    ", errno=" + Native.errnoName(-rc));
            }
        }
    }

    /**
     * Check that the memory file still spans the whole mapping. A file truncated by someone else while it
     * is mapped makes every access to a page past the new end fault with SIGBUS, which the JVM raises as an
     * {@code InternalError} ("a fault occurred in an unsafe memory access operation"); a caller that
     * catches one calls this to tell that cause from the others and report it as what it is.
     * <p>
     * Errors: EUCLEAN the file is now shorter than the mapping; EIO the file cannot be stat'ed.
     *
     * @throws CorruptImageException EUCLEAN: truncated while attached.
     * @throws PkramIOException      EIO: fstat failed.
     * @throws PkramUnavailableException ENODEV: after {@link #close()}.
     */
    public void checkIntact()
    {
        checkOpen();
        // lseek: one system call, no allocation. An InternalError thrown there is a fault an earlier access raised,
        // delivered at this native call: the caller (Faults) is waiting for it.
        final long seen = Native.lseekEnd(mapping.fd());
        final long actual = seen >= 0 ? seen : MemoryFileChecks.stat(path, mapping.fd()).size();
        if (actual < size)
        {
            throw new CorruptImageException("memory file was truncated while attached: path=" + path +
                ", mappedSize=" + size + ", actualSize=" + actual);
        }
    }

    /**
     * A process-wide scratch region, {@link #DETACHED_LENGTH} bytes of private anonymous memory, at which
     * a view is re-pointed when what it showed stops belonging to its user (a folio freed, a handle
     * closed). A stale use of such a view then reads whatever stale views wrote there before and writes
     * where nobody looks, for a view of any folio size, also with Agrona bounds checks off; it never
     * reaches a page that now belongs to something else, and never crashes the JVM. Wrap it with capacity
     * 0 so that a bounds-checked use fails loudly as well.
     * <p>
     * Created on first use ({@code MAP_NORESERVE}: it costs address space, and memory only for the pages
     * a stale view actually touches) and kept for the life of the process.
     * <p>
     * Errors: ENOMEM the process has no address space left for it (the next call tries again).
     *
     * @return the region's address, never 0.
     * @throws PkramException ENOMEM: it cannot be mapped.
     */
    public static long detachedAddress()
    {
        return DetachedRegion.address();
    }

    private void checkOpen()
    {
        if (mapping.isClosed())
        {
            throw new PkramUnavailableException("memory file is closed: path=" + path);
        }
    }

    /**
     * Zero a folio's bytes through its raw address, so that a call racing {@link #closeDetached()} zeroes the
     * anonymous pages that replaced the file's, never a freed address.
     *
     * @param pfn   first page.
     * @param order folio order.
     * @throws IndexOutOfBoundsException a folio outside the file.
     * @throws PkramUnavailableException ENODEV: after close.
     */
    @SuppressWarnings("restricted") // the range was just checked against the live mapping
    public void zero(final long pfn, final int order)
    {
        checkOpen();
        final long length = (long)Pfn.PAGE_SIZE << order;
        if (pfn < 0 || Pfn.toAddr(pfn) + length > size)
        {
            throw new IndexOutOfBoundsException("folio outside the memory file: pfn=" + pfn + ", order=" + order +
                ", pfnCount=" + pfnCount());
        }
        MemorySegment.ofAddress(address + Pfn.toAddr(pfn)).reinterpret(length).fill((byte)0);
    }

    /**
     * @return true once {@link #close()} or {@link #closeDetached()} has run.
     */
    public boolean isClosed()
    {
        return mapping.isClosed();
    }

    /**
     * Unmap, release the lock and close the file. Idempotent. A view still holding an address in the
     * mapping must not be used afterwards: the address may be unmapped (a use crashes the JVM) or given to
     * a later mapping (a use corrupts it); {@link #closeDetached()} is the close for when views may linger.
     * <p>
     * Errors: EIO munmap or close failed (the descriptor and its lock are gone all the same, unless munmap
     * failed: then the mapping stays and keeps the lock).
     *
     * @throws PkramIOException      EIO: munmap or close failed.
     * @throws IllegalStateException another thread is in a call using {@link #segment()} (nothing was
     *                               released; close again once it returns).
     */
    @Override
    public void close()
    {
        mapping.close();
    }

    /**
     * Close, leaving every view of the mapping harmless: like {@link #close()} (idempotent; the lock and the
     * descriptor are released; the file is not touched), except that instead of unmapping, the whole mapped
     * range is atomically replaced ({@code mmap MAP_FIXED}) by private anonymous zero pages. A view that
     * still holds an address in the range then reads zeros (or what it wrote itself) and writes into
     * memory nobody else sees: it cannot crash the JVM, cannot reach a page of the file, and cannot land
     * in a later mapping, because the address range is never given back.
     * <p>
     * Cost: the range stays reserved for the life of the process, {@link #size()} bytes of virtual address
     * space per call ({@code MAP_NORESERVE}, so no commit charge); memory is used only for the pages a
     * stale view actually writes (or reads: one shared zero page). On x86_64's 128 TiB of user address
     * space that is thousands of detached closes of an 8 GiB file; a process that attaches and detaches
     * without bound should use {@link #close()} once it knows no view survives.
     * <p>
     * Errors: ENOMEM the kernel cannot replace the range: then the file stays mapped and, through the
     * mapping, locked, for the life of the process (views keep working on the file and no other owner can
     * attach it); EIO closing the descriptor failed.
     *
     * @throws PkramException        ENOMEM: the range could not be replaced.
     * @throws PkramIOException      EIO: close failed.
     * @throws IllegalStateException another thread is in a call using {@link #segment()} (nothing was
     *                               released; close again once it returns).
     */
    public void closeDetached()
    {
        mapping.closeDetached();
    }

    @Override
    public String toString()
    {
        return "PhysMem{path=" + path + ", size=" + size + (readOnly ? ", readOnly" : "") + "}";
    }
}
