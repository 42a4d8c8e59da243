package org.pkram.mem;

import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.pkram.error.InvalidArgumentException;
import org.pkram.error.MemoryFileBusyException;
import org.pkram.error.NoSpaceException;
import org.pkram.error.NotAMemoryFileException;
import org.pkram.error.CorruptImageException;
import org.pkram.error.PkramException;
import org.pkram.error.Errno;
import org.pkram.error.PkramIOException;
import org.pkram.error.UnsafeMemoryFileException;
import org.pkram.layout.FileHeaderDescriptor;
import org.pkram.layout.Pfn;
import org.pkram.layout.SuperBlockDescriptor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The memory file as "physical RAM": one file, mapped whole and {@code MAP_SHARED} as a single FFM
 * segment, where page {@code pfn} is bytes {@code [pfn * 4096, pfn * 4096 + 4096)}.
 * <p>
 * Page 0 holds pkram's file header ({@link FileHeaderDescriptor}); the kernel never uses physical
 * page 0 for PKRAM and pkram never hands out pfn 0, so the header takes nothing from the image.
 * <p>
 * Ownership: a read-write attach holds an exclusive {@code fcntl} lock for its lifetime, so a second
 * process, or a second attach in the same JVM, gets {@link MemoryFileBusyException} (EBUSY) rather
 * than a shared corruption. A read-only attach (inspect, fsck: the kdump role) takes a shared lock,
 * so it never reads a file another process is changing. New files are mode 0600; a file owned by
 * another user, or writable by group or others, is refused (EACCES).
 * <p>
 * Threading: page views may be taken and used from any thread; {@link #close()} unmaps
 * deterministically and must not race with users of the mapping (the {@code Pkram} instance that
 * owns this object guarantees that).
 */
public final class PhysMem implements AutoCloseable
{
    /** The smallest memory file: the header page, a super block and one page to save. */
    public static final long MIN_SIZE = 4L * Pfn.PAGE_SIZE;

    /**
     * Files attached by this JVM, by file key (device and inode). POSIX record locks belong to the
     * process, and closing any descriptor of a file drops them all; so a second attach in the same JVM
     * must be refused before it opens a descriptor, or its failure would unlock the first.
     */
    private static final Set<Object> ATTACHED = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private static final Set<PosixFilePermission> OWNER_RW =
        EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);

    private final Path path;
    private final FileChannel channel;
    private final FileLock lock;
    private final Arena arena;
    private final MemorySegment segment;
    private final long address;
    private final long size;
    private final boolean readOnly;
    private final AtomicBoolean closed = new AtomicBoolean();
    private Object fileKey;

    private PhysMem(
        final Path path,
        final FileChannel channel,
        final FileLock lock,
        final Arena arena,
        final MemorySegment segment,
        final boolean readOnly)
    {
        this.path = path;
        this.channel = channel;
        this.lock = lock;
        this.arena = arena;
        this.segment = segment;
        this.address = segment.address();
        this.size = segment.byteSize();
        this.readOnly = readOnly;
    }

    /**
     * Create a new memory file of {@code size} bytes (a multiple of the page size), mode 0600, with its
     * header written, and map it.
     * <p>
     * Errors: EEXIST the file exists (never overwritten here); EINVAL a size that is not a page
     * multiple or below {@link #MIN_SIZE}; ENOSPC the file system cannot hold {@code size} bytes
     * (checked up front, and when {@code populate} is set, by faulting in every page, so that a
     * too-large tmpfs file fails now rather than with a SIGBUS at some later store); EIO.
     * The file is removed again when creation fails.
     *
     * @param path     where to create it; its directory must exist.
     * @param size     bytes, a multiple of 4096.
     * @param populate fault in (and so allocate) every page now with {@code MADV_POPULATE_WRITE};
     *                 a sparse file (false) is created in no time but may SIGBUS later if the file
     *                 system fills up.
     * @return the attached memory, locked exclusively; {@link #close()} it.
     */
    public static PhysMem create(final Path path, final long size, final boolean populate)
    {
        JvmFlags.check();
        if (size < MIN_SIZE || (size & (Pfn.PAGE_SIZE - 1)) != 0)
        {
            throw new InvalidArgumentException("memory file size must be a multiple of " + Pfn.PAGE_SIZE +
                " and at least " + MIN_SIZE + ": size=" + size);
        }
        checkSpace(path, size);
        final FileChannel channel;
        try
        {
            channel = FileChannel.open(path, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE), PosixFilePermissions.asFileAttribute(OWNER_RW));
        }
        catch (final FileAlreadyExistsException ex)
        {
            throw new PkramException(Errno.EEXIST, "memory file already exists: path=" + path);
        }
        catch (final IOException ex)
        {
            throw new PkramIOException("cannot create memory file: path=" + path + ", cause=" + ex, ex);
        }
        PhysMem mem = null;
        Object key = null;
        try
        {
            // umask may have narrowed nothing here, but make the mode exact whatever it was.
            Files.setPosixFilePermissions(path, OWNER_RW);
            final Object fileKey = Files.readAttributes(path, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
            if (!ATTACHED.add(fileKey))
            {
                throw new MemoryFileBusyException("memory file is already attached in this process: path=" + path);
            }
            key = fileKey;
            final FileLock lock = lockExclusive(channel, path);
            // Sparse: setLength allocates nothing on tmpfs or ext4.
            channel.write(java.nio.ByteBuffer.allocate(1), size - 1);
            mem = map(path, channel, lock, false);
            mem.fileKey = key;
            if (populate)
            {
                mem.populate(true);
            }
            final AtomicBuffer header = mem.page(0);
            FileHeaderDescriptor.formatVersion(header, FileHeaderDescriptor.FORMAT_VERSION);
            FileHeaderDescriptor.pageSize(header, Pfn.PAGE_SIZE);
            FileHeaderDescriptor.fileSize(header, size);
            FileHeaderDescriptor.createdMillis(header, System.currentTimeMillis());
            // The magic last: a file whose creation died half way is not a memory file.
            FileHeaderDescriptor.magicRelease(header, FileHeaderDescriptor.FILE_MAGIC);
            return mem;
        }
        catch (final IOException ex)
        {
            cleanupFailedCreate(path, channel, mem, ex);
            forget(key);
            throw new PkramIOException("cannot create memory file: path=" + path + ", cause=" + ex, ex);
        }
        catch (final RuntimeException ex)
        {
            cleanupFailedCreate(path, channel, mem, ex);
            forget(key);
            throw ex;
        }
    }

    /**
     * Attach an existing memory file read-write: check it is safe and ours, lock it exclusively and
     * map it whole.
     * <p>
     * Errors: ENOENT no such file; EACCES owned by another user, writable by group or others, or not a
     * regular file; EBUSY attached already (another process, or this JVM); EINVAL not a pkram memory
     * file (no header magic, foreign page size, newer format); EUCLEAN the file is shorter than the
     * size recorded in its header (truncated); EIO.
     *
     * @param path the memory file.
     * @return the attached memory; {@link #close()} it.
     */
    public static PhysMem open(final Path path)
    {
        return open(path, false);
    }

    /**
     * Attach an existing memory file read-only, for inspection: the mapping cannot write, and a
     * shared lock keeps a read-write owner out for as long as it is held (and fails with EBUSY if one
     * is attached now). Same checks and errors as {@link #open(Path)}.
     *
     * @param path the memory file.
     * @return the attached memory; {@link #close()} it.
     */
    public static PhysMem openReadOnly(final Path path)
    {
        return open(path, true);
    }

    private static PhysMem open(final Path path, final boolean readOnly)
    {
        JvmFlags.check();
        final Object key = checkOwnership(path);
        if (!ATTACHED.add(key))
        {
            throw new MemoryFileBusyException("memory file is already attached in this process: path=" + path);
        }
        final FileChannel channel;
        try
        {
            channel = readOnly ?
                FileChannel.open(path, StandardOpenOption.READ) :
                FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        }
        catch (final NoSuchFileException ex)
        {
            ATTACHED.remove(key);
            throw new PkramException(Errno.ENOENT, "no such memory file: path=" + path);
        }
        catch (final IOException ex)
        {
            ATTACHED.remove(key);
            throw new PkramIOException("cannot open memory file: path=" + path + ", cause=" + ex, ex);
        }
        PhysMem mem = null;
        try
        {
            final FileLock lock = readOnly ? lockShared(channel, path) : lockExclusive(channel, path);
            final long actual = channel.size();
            if (actual < Pfn.PAGE_SIZE)
            {
                throw new NotAMemoryFileException("not a pkram memory file (shorter than its header page): path=" +
                    path + ", size=" + actual);
            }
            // Map only whole pages that exist: a mapping past EOF would SIGBUS on first touch.
            final long mapped = actual & ~((long)Pfn.PAGE_SIZE - 1);
            mem = map(path, channel, lock, readOnly, mapped);
            mem.fileKey = key;
            mem.checkHeader(actual);
            return mem;
        }
        catch (final IOException ex)
        {
            closeQuietly(mem, channel, ex);
            ATTACHED.remove(key);
            throw new PkramIOException("cannot map memory file: path=" + path + ", cause=" + ex, ex);
        }
        catch (final RuntimeException ex)
        {
            closeQuietly(mem, channel, ex);
            ATTACHED.remove(key);
            throw ex;
        }
    }

    private void checkHeader(final long actualSize)
    {
        final UnsafeBuffer header = page(0);
        final long magic = FileHeaderDescriptor.magic(header);
        if (magic != FileHeaderDescriptor.FILE_MAGIC)
        {
            throw new NotAMemoryFileException("not a pkram memory file (no PKRAMMEM header): path=" + path +
                ", magic=0x" + Long.toHexString(magic));
        }
        final int version = FileHeaderDescriptor.formatVersion(header);
        if (version > FileHeaderDescriptor.FORMAT_VERSION || version < 1)
        {
            throw new NotAMemoryFileException("memory file format not supported by this build: path=" + path +
                ", formatVersion=" + version + ", supported=" + FileHeaderDescriptor.FORMAT_VERSION);
        }
        final int pageSize = FileHeaderDescriptor.pageSize(header);
        if (pageSize != Pfn.PAGE_SIZE)
        {
            throw new NotAMemoryFileException("memory file has a foreign page size: path=" + path +
                ", pageSize=" + pageSize + ", supported=" + Pfn.PAGE_SIZE);
        }
        final long recorded = FileHeaderDescriptor.fileSize(header);
        if (recorded > actualSize)
        {
            throw new CorruptImageException("memory file is truncated: path=" + path + ", recordedSize=" +
                recorded + ", actualSize=" + actualSize);
        }
        for (int offset = FileHeaderDescriptor.LENGTH; offset < Pfn.PAGE_SIZE; offset += Long.BYTES)
        {
            if (header.getLong(offset) != 0)
            {
                throw new CorruptImageException("memory file header has non-zero reserved bytes: path=" + path +
                    ", offset=" + offset);
            }
        }
        if (recorded < MIN_SIZE || (recorded & (Pfn.PAGE_SIZE - 1)) != 0)
        {
            throw new CorruptImageException("memory file header records an impossible size: path=" + path +
                ", recordedSize=" + recorded);
        }
    }

    private static PhysMem map(final Path path, final FileChannel channel, final FileLock lock,
        final boolean readOnly) throws IOException
    {
        return map(path, channel, lock, readOnly, channel.size());
    }

    private static PhysMem map(final Path path, final FileChannel channel, final FileLock lock,
        final boolean readOnly, final long length) throws IOException
    {
        if (!SuperBlockDescriptor.nativeOrderIsLittleEndian())
        {
            throw new IllegalStateException("pkram's image is little-endian and needs a little-endian CPU");
        }
        final Arena arena = Arena.ofShared();
        try
        {
            final MemorySegment segment = channel.map(
                readOnly ? FileChannel.MapMode.READ_ONLY : FileChannel.MapMode.READ_WRITE, 0, length, arena);
            return new PhysMem(path, channel, lock, arena, segment, readOnly);
        }
        catch (final IOException | RuntimeException ex)
        {
            arena.close();
            throw ex;
        }
    }

    private static FileLock lockExclusive(final FileChannel channel, final Path path) throws IOException
    {
        return lock(channel, path, false);
    }

    private static FileLock lockShared(final FileChannel channel, final Path path) throws IOException
    {
        return lock(channel, path, true);
    }

    private static FileLock lock(final FileChannel channel, final Path path, final boolean shared)
        throws IOException
    {
        try
        {
            final FileLock lock = channel.tryLock(0, Long.MAX_VALUE, shared);
            if (lock == null)
            {
                throw new MemoryFileBusyException("memory file is attached by another process: path=" + path);
            }
            return lock;
        }
        catch (final OverlappingFileLockException ex)
        {
            throw new MemoryFileBusyException("memory file is already attached in this process: path=" + path);
        }
    }

    private static Object checkOwnership(final Path path)
    {
        final PosixFileAttributes attributes;
        final int uid;
        try
        {
            attributes = Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            uid = (Integer)Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        }
        catch (final NoSuchFileException ex)
        {
            throw new PkramException(Errno.ENOENT, "no such memory file: path=" + path);
        }
        catch (final IOException ex)
        {
            throw new PkramIOException("cannot stat memory file: path=" + path + ", cause=" + ex, ex);
        }
        if (!attributes.isRegularFile())
        {
            throw new UnsafeMemoryFileException("memory file is not a regular file (symbolic links are refused): " +
                "path=" + path);
        }
        final int self = Native.getuid();
        if (uid != self)
        {
            throw new UnsafeMemoryFileException("memory file is owned by another user: path=" + path +
                ", owner=" + attributes.owner().getName() + ", uid=" + uid + ", self=" + self);
        }
        final Set<PosixFilePermission> permissions = attributes.permissions();
        if (permissions.contains(PosixFilePermission.GROUP_WRITE) ||
            permissions.contains(PosixFilePermission.OTHERS_WRITE))
        {
            throw new UnsafeMemoryFileException("memory file is writable by group or others: path=" + path +
                ", mode=" + PosixFilePermissions.toString(permissions) + " (chmod 600 it)");
        }
        return attributes.fileKey();
    }

    private static void checkSpace(final Path path, final long size)
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

    private static void forget(final Object key)
    {
        if (key != null)
        {
            ATTACHED.remove(key);
        }
    }

    private static void cleanupFailedCreate(final Path path, final FileChannel channel, final PhysMem mem,
        final Exception primary)
    {
        closeQuietly(mem, channel, primary);
        try
        {
            Files.deleteIfExists(path);
        }
        catch (final IOException ex)
        {
            primary.addSuppressed(ex);
        }
    }

    private static void closeQuietly(final PhysMem mem, final FileChannel channel, final Exception primary)
    {
        try
        {
            if (mem != null)
            {
                mem.close();
            }
            else
            {
                channel.close(); // releases the lock too
            }
        }
        catch (final RuntimeException | IOException ex)
        {
            primary.addSuppressed(ex);
        }
    }

    /**
     * Fault every page in now, allocating its backing on tmpfs ({@code MADV_POPULATE_WRITE}) or reading
     * it ({@code MADV_POPULATE_READ}).
     * <p>
     * Errors: ENOSPC the file system cannot back the file (the kernel's EFAULT / ENOMEM from populate).
     *
     * @param write populate for writing (allocates backing) rather than reading.
     */
    public void populate(final boolean write)
    {
        checkOpen();
        final int errno = Native.madvise(segment, write ? Native.MADV_POPULATE_WRITE : Native.MADV_POPULATE_READ);
        if (errno == Native.EFAULT || errno == Native.ENOMEM)
        {
            throw new NoSpaceException("file system cannot back the memory file: path=" + path + ", size=" + size +
                ", madviseErrno=" + errno);
        }
        if (errno != 0 && errno != Native.EINVAL)
        {
            // EINVAL: a kernel older than 5.14 has no MADV_POPULATE_*; populating is an optimisation there.
            throw new PkramIOException("madvise(MADV_POPULATE) failed: path=" + path + ", errno=" + errno);
        }
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
     * @return the whole mapping as one segment (valid until {@link #close()}).
     */
    public MemorySegment segment()
    {
        return segment;
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
     */
    public UnsafeBuffer page(final long pfn)
    {
        return folio(pfn, 0);
    }

    /**
     * @param pfn   first page of a folio inside the file.
     * @param order its order, 0..10 (4 MiB at most, so an int capacity suffices).
     * @return a new view of the folio's {@code 4096 << order} bytes.
     */
    public UnsafeBuffer folio(final long pfn, final int order)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(0, 0);
        wrap(buffer, pfn, order);
        return buffer;
    }

    /**
     * Point an existing view at a folio: the allocation-free flyweight form of {@link #folio(long, int)}.
     *
     * @param buffer the view to re-point.
     * @param pfn    first page.
     * @param order  folio order.
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
     * Force a range of pages to storage ({@code msync}): the durable-mode commit point.
     *
     * @param pfn   first page.
     * @param pages number of pages.
     */
    public void force(final long pfn, final long pages)
    {
        checkOpen();
        if (!readOnly)
        {
            segment.asSlice(Pfn.toAddr(pfn), pages << Pfn.PAGE_SHIFT).force();
        }
    }

    private void checkOpen()
    {
        if (closed.get())
        {
            throw new IllegalStateException("memory file is closed: path=" + path);
        }
    }

    /**
     * @return true once {@link #close()} has run.
     */
    public boolean isClosed()
    {
        return closed.get();
    }

    /**
     * Unmap (deterministically, by closing the arena), release the lock and close the file. Idempotent.
     */
    @Override
    public void close()
    {
        if (!closed.compareAndSet(false, true))
        {
            return;
        }
        RuntimeException failure = null;
        try
        {
            arena.close();
        }
        catch (final RuntimeException ex)
        {
            failure = ex;
        }
        try
        {
            lock.release();
            channel.close();
            if (fileKey != null)
            {
                ATTACHED.remove(fileKey);
            }
        }
        catch (final IOException ex)
        {
            final PkramIOException io = new PkramIOException("cannot close memory file: path=" + path, ex);
            if (failure != null)
            {
                failure.addSuppressed(io);
            }
            else
            {
                failure = io;
            }
        }
        if (failure != null)
        {
            throw failure;
        }
    }

    /**
     * Close, keeping the address range reserved (see the memory-safety notes in Pkram).
     */
    public void closeDetached()
    {
        close();
    }

    /**
     * @return the address of a process-wide scratch region as large as the largest folio (order 10), never
     *         released: where detached views point, so a stale access through one touches no mapping.
     */
    public static long detachedAddress()
    {
        return Detached.ADDRESS;
    }

    /** Created on first use. */
    private static final class Detached
    {
        static final long ADDRESS = Arena.global().allocate((long)Pfn.PAGE_SIZE << Pfn.MAX_FOLIO_ORDER,
            Pfn.PAGE_SIZE).address();
    }

    @Override
    public String toString()
    {
        return "PhysMem{path=" + path + ", size=" + size + (readOnly ? ", readOnly" : "") + "}";
    }
}
