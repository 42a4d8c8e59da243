package org.pkram.mem;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * The libc calls pkram makes through FFM downcalls, so that it holds the memory file's descriptor
 * itself: {@code open}, {@code close}, {@code fchmod}, {@code ftruncate}, {@code fcntl}
 * ({@code F_OFD_SETLK}), {@code mmap}, {@code munmap}, {@code msync} and {@code madvise}.
 * <p>
 * Why not {@code FileChannel}: its lock is a POSIX record lock, which the process loses when it closes
 * <em>any</em> descriptor of the file (a backup read, a checksum), and it does not expose its descriptor,
 * so neither an open file description lock nor a mapping of a descriptor handed over by a supervisor
 * (a memfd) can be built on it.
 * <p>
 * Every call returns its result, or a negative errno ({@code -EAGAIN}, ...) on failure; nothing here
 * throws for a failed system call, so the caller words the error. The constants are Linux's; those that
 * differ between architectures are chosen from {@code os.arch}: x86_64 and aarch64 are supported, and
 * {@link #checkPlatform()} refuses anything else before a call is made.
 * <p>
 * Thread safe: the handles are immutable, errno is captured per call.
 */
@SuppressWarnings("restricted") // native access is granted by --enable-native-access (see JvmFlags)
final class Native
{
    /** {@code MADV_POPULATE_READ} (Linux 5.14+): fault the pages in readable. */
    static final int MADV_POPULATE_READ = 22;

    /** {@code MADV_HUGEPAGE}: back this range with transparent huge pages where the file system allows. */
    static final int MADV_HUGEPAGE = 14;

    /** {@code MADV_POPULATE_WRITE} (Linux 5.14+): fault the pages in writable, allocating tmpfs backing. */
    static final int MADV_POPULATE_WRITE = 23;

    /** {@code open} access mode: read only. */
    static final int O_RDONLY = 0;
    /** {@code open} access mode: read and write. */
    static final int O_RDWR = 2;
    /** {@code open}: create the file. */
    static final int O_CREAT = 0100;
    /** {@code open} with {@link #O_CREAT}: fail with EEXIST if the name exists, symbolic link included. */
    static final int O_EXCL = 0200;
    /** {@code open}: a terminal never becomes the controlling terminal. */
    static final int O_NOCTTY = 0400;
    /** {@code open}: not inherited by a program this process executes (its lock would live on there). */
    static final int O_CLOEXEC = 02000000;
    /** {@code open}: fail with ELOOP when the last component is a symbolic link (value differs by arch). */
    static final int O_NOFOLLOW;

    /** {@code memfd_create}: the descriptor is not inherited by a program this process executes. */
    static final int MFD_CLOEXEC = 1;

    /** {@code mmap} protection: readable. */
    static final int PROT_READ = 1;
    /** {@code mmap} protection: writable. */
    static final int PROT_WRITE = 2;
    /** {@code mmap}: stores reach the file and every other mapping of it. */
    static final int MAP_SHARED = 1;
    /** {@code mmap}: copy on write, stores stay in this mapping. */
    static final int MAP_PRIVATE = 2;
    /** {@code mmap}: at exactly this address, atomically replacing whatever was mapped there. */
    static final int MAP_FIXED = 0x10;
    /** {@code mmap}: no file; zero-filled pages. */
    static final int MAP_ANONYMOUS = 0x20;
    /** {@code mmap}: no swap or commit charge up front; only touched pages cost memory. */
    static final int MAP_NORESERVE = 0x4000;
    /** {@code msync}: write back and wait. */
    static final int MS_SYNC = 4;

    /** {@code struct flock.l_type}: a shared (read) lock. */
    static final short F_RDLCK = 0;
    /** {@code struct flock.l_type}: an exclusive (write) lock. */
    static final short F_WRLCK = 1;

    /** errno values the callers tell apart. */
    static final int ENOENT = 2;
    static final int EINTR = 4;
    static final int EAGAIN = 11;
    static final int ENOMEM = 12;
    static final int EACCES = 13;
    static final int EFAULT = 14;
    static final int EEXIST = 17;
    static final int EINVAL = 22;
    static final int EFBIG = 27;
    static final int ENOSPC = 28;
    static final int ELOOP = 40;

    /** {@code st_mode} file type mask and the regular file type. */
    static final int S_IFMT = 0170000;
    static final int S_IFREG = 0100000;

    /** {@code fcntl} command: set an open file description lock, failing at once on a conflict (3.15+). */
    private static final int F_OFD_SETLK = 37;
    private static final int SEEK_SET = 0;

    /**
     * {@code struct flock} on LP64 Linux (x86_64, aarch64): l_type, l_whence, 4 bytes of padding, l_start,
     * l_len, l_pid, 4 bytes of padding.
     */
    private static final StructLayout FLOCK = MemoryLayout.structLayout(
        ValueLayout.JAVA_SHORT.withName("l_type"),
        ValueLayout.JAVA_SHORT.withName("l_whence"),
        MemoryLayout.paddingLayout(4),
        ValueLayout.JAVA_LONG.withName("l_start"),
        ValueLayout.JAVA_LONG.withName("l_len"),
        ValueLayout.JAVA_INT.withName("l_pid"),
        MemoryLayout.paddingLayout(4));
    private static final long L_TYPE_OFFSET = FLOCK.byteOffset(MemoryLayout.PathElement.groupElement("l_type"));
    private static final long L_WHENCE_OFFSET = FLOCK.byteOffset(MemoryLayout.PathElement.groupElement("l_whence"));
    private static final long L_START_OFFSET = FLOCK.byteOffset(MemoryLayout.PathElement.groupElement("l_start"));
    private static final long L_LEN_OFFSET = FLOCK.byteOffset(MemoryLayout.PathElement.groupElement("l_len"));
    private static final long L_PID_OFFSET = FLOCK.byteOffset(MemoryLayout.PathElement.groupElement("l_pid"));

    /** The {@code stat} fields pkram reads, through NIO's "unix" attribute view. */
    private static final String STAT_ATTRIBUTES = "unix:mode,uid,size";

    private static final String ARCH = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
    private static final boolean SUPPORTED;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    static
    {
        final boolean linux = System.getProperty("os.name", "").equals("Linux");
        if (ARCH.equals("amd64") || ARCH.equals("x86_64"))
        {
            O_NOFOLLOW = 0400000;
            SUPPORTED = linux;
        }
        else if (ARCH.equals("aarch64") || ARCH.equals("arm64"))
        {
            O_NOFOLLOW = 0100000;
            SUPPORTED = linux;
        }
        else
        {
            O_NOFOLLOW = 0;
            SUPPORTED = false;
        }
    }

    /**
     * The descriptor calls every attach and close makes. Each handle is built on first use (a holder class
     * per group): the first downcall handle of a JVM costs it some 200 ms of CPU, each further one some
     * 25 ms, and a JVM that only reads golden pages needs none of them.
     */
    private static final class Fd
    {
        static final MethodHandle OPEN = downcall("open",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT),
            Linker.Option.firstVariadicArg(2)); // open(const char *, int, ...): the mode is variadic
        static final MethodHandle CLOSE = downcall("close",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
        static final MethodHandle FCNTL = downcall("fcntl",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                ValueLayout.ADDRESS),
            Linker.Option.firstVariadicArg(2)); // fcntl(int, int, ...): the struct flock pointer is variadic
        static final MethodHandle MMAP = downcall("mmap",
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
        static final MethodHandle MUNMAP = downcall("munmap",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    }

    /** Used by create only. */
    private static final class Fchmod
    {
        static final MethodHandle HANDLE = downcall("fchmod",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    }

    /** Used by create only. */
    private static final class Ftruncate
    {
        static final MethodHandle HANDLE = downcall("ftruncate",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
    }

    /** Used by create only. */
    private static final class Fallocate
    {
        static final MethodHandle HANDLE = downcall("fallocate",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));
    }

    /** Used by memfd creation only. */
    private static final class MemfdCreate
    {
        static final MethodHandle HANDLE = downcall("memfd_create",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    }

    /** Used by force only. */
    private static final class Msync
    {
        static final MethodHandle HANDLE = downcall("msync",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
                ValueLayout.JAVA_INT));
    }

    /** Used by populate only. */
    private static final class Madvise
    {
        static final MethodHandle HANDLE = downcall("madvise",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
                ValueLayout.JAVA_INT));
    }

    /**
     * What {@code stat} reports of a file, as far as pkram reads it.
     *
     * @param mode   {@code st_mode}: type and permission bits.
     * @param uid    the owner's user id.
     * @param size   bytes.
     */
    record Stat(int mode, int uid, long size)
    {
        /**
         * @return true for a regular file (a memfd is one too).
         */
        boolean isRegularFile()
        {
            return (mode & S_IFMT) == S_IFREG;
        }
    }

    private Native()
    {
    }

    private static MethodHandle downcall(final String name, final FunctionDescriptor descriptor,
        final Linker.Option... options)
    {
        final Linker.Option[] all = new Linker.Option[options.length + 1];
        System.arraycopy(options, 0, all, 0, options.length);
        all[options.length] = Linker.Option.captureCallState("errno");
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), descriptor, all);
    }

    /**
     * Fails unless the constants of this class are right for this machine.
     *
     * @throws IllegalStateException off Linux x86_64 / aarch64.
     */
    static void checkPlatform()
    {
        if (!SUPPORTED)
        {
            throw new IllegalStateException("pkram's native calls support Linux on x86_64 and aarch64 only: os.name=" +
                System.getProperty("os.name") + ", os.arch=" + ARCH);
        }
    }

    /**
     * {@code open(path, flags, mode)}, retried on EINTR.
     *
     * @param path  the file.
     * @param flags {@code O_*} flags.
     * @param mode  permission bits for a created file, else 0.
     * @return the descriptor, or {@code -errno}.
     */
    static int open(final Path path, final int flags, final int mode)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment name = arena.allocateFrom(path.toString());
            return retryingEintr("open", state -> (int)Fd.OPEN.invokeExact(state, name, flags, mode));
        }
    }

    /**
     * {@code close(fd)}. Never retried: Linux frees the descriptor even when close reports an error, and a
     * retry could close a descriptor another thread has just been given.
     *
     * @param fd the descriptor.
     * @return 0, or {@code -errno}.
     */
    static int close(final int fd)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment state = arena.allocate(CALL_STATE);
            final int rc = (int)Fd.CLOSE.invokeExact(state, fd);
            return rc == 0 ? 0 : -errno(state);
        }
        catch (final Throwable t)
        {
            throw downcallFailed("close", t);
        }
    }

    /**
     * Lock the whole file, now and as it grows, with an open file description lock:
     * {@code fcntl(fd, F_OFD_SETLK, {type, SEEK_SET, 0, 0, pid 0})}. The lock belongs to the open file
     * description, not to the process: closing another descriptor of the same file does not drop it, and a
     * second open of the file in this process conflicts with it like another process would. It goes when
     * the last reference to the description goes: the descriptor and any mapping made from it.
     *
     * @param fd   the descriptor.
     * @param type {@link #F_WRLCK} or {@link #F_RDLCK}.
     * @return 0, or {@code -errno}: EAGAIN or EACCES when another description holds a conflicting lock,
     *         EINVAL on a kernel older than 3.15.
     */
    static int lockOfd(final int fd, final short type)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment state = arena.allocate(CALL_STATE);
            final MemorySegment flock = arena.allocate(FLOCK);
            flock.set(ValueLayout.JAVA_SHORT, L_TYPE_OFFSET, type);
            flock.set(ValueLayout.JAVA_SHORT, L_WHENCE_OFFSET, (short)SEEK_SET);
            flock.set(ValueLayout.JAVA_LONG, L_START_OFFSET, 0L);
            flock.set(ValueLayout.JAVA_LONG, L_LEN_OFFSET, 0L); // 0: to the end of the file, however long
            flock.set(ValueLayout.JAVA_INT, L_PID_OFFSET, 0); // must be 0 for an OFD lock
            final int rc = (int)Fd.FCNTL.invokeExact(state, fd, F_OFD_SETLK, flock);
            return rc == 0 ? 0 : -errno(state);
        }
        catch (final Throwable t)
        {
            throw downcallFailed("fcntl", t);
        }
    }

    /**
     * {@code fstat(fd)}, as a {@code stat} of {@code /proc/self/fd/<fd>}, which resolves to the open file
     * itself (also once unlinked, also a memfd): one JNI call, where a downcall would cost the first use in a
     * JVM tens of milliseconds and a {@code struct stat} layout per architecture.
     *
     * @param fd the descriptor.
     * @return what the file is now.
     * @throws IOException when it cannot be stat'ed.
     */
    static Stat fstat(final int fd) throws IOException
    {
        return stat(Path.of("/proc/self/fd/" + fd), true);
    }

    /**
     * {@code lstat(path)}: describe the file at {@code path}, or the symbolic link itself if it is one.
     *
     * @param path the file.
     * @return what the file is now.
     * @throws IOException when it cannot be stat'ed ({@code NoSuchFileException} when it does not exist).
     */
    static Stat lstat(final Path path) throws IOException
    {
        return stat(path, false);
    }

    /**
     * @param path a file; a symbolic link is followed (only for a descriptor handed over through
     *             {@code /proc/PID/fd/N}, a link the kernel makes, not one anyone can plant).
     * @return what the file is now.
     * @throws IOException when it cannot be stat'ed ({@code NoSuchFileException} when it does not exist).
     */
    static Stat statFollowing(final Path path) throws IOException
    {
        return stat(path, true);
    }

    private static Stat stat(final Path path, final boolean follow) throws IOException
    {
        final Map<String, Object> attributes = follow ?
            Files.readAttributes(path, STAT_ATTRIBUTES) :
            Files.readAttributes(path, STAT_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
        return new Stat(
            (Integer)attributes.get("mode"),
            (Integer)attributes.get("uid"),
            (Long)attributes.get("size"));
    }

    /**
     * {@code fchmod(fd, mode)}.
     *
     * @param fd   the descriptor.
     * @param mode permission bits.
     * @return 0, or {@code -errno}.
     */
    static int fchmod(final int fd, final int mode)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment state = arena.allocate(CALL_STATE);
            final int rc = (int)Fchmod.HANDLE.invokeExact(state, fd, mode);
            return rc == 0 ? 0 : -errno(state);
        }
        catch (final Throwable t)
        {
            throw downcallFailed("fchmod", t);
        }
    }

    /**
     * {@code fallocate(fd, 0, 0, length)}, retried on EINTR: allocate the file's blocks (tmpfs pages) in the
     * kernel, without faulting them into any mapping; ENOSPC at once when the file system cannot hold them.
     *
     * @param fd     the descriptor.
     * @param length bytes from offset 0.
     * @return 0, or {@code -errno} ({@code -EOPNOTSUPP} on a file system without it).
     */
    static int fallocate(final int fd, final long length)
    {
        return retryingEintr("fallocate", state -> (int)Fallocate.HANDLE.invokeExact(state, fd, 0, 0L, length));
    }

    /**
     * {@code memfd_create(name, flags)} (Linux 3.17, glibc 2.27): anonymous memory with a descriptor, a
     * regular file on an internal tmpfs that no file system path names.
     *
     * @param name  the name {@code /proc/PID/fd} shows, as {@code /memfd:NAME}.
     * @param flags {@link #MFD_CLOEXEC}.
     * @return the descriptor, or {@code -errno}.
     */
    static int memfdCreate(final String name, final int flags)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment state = arena.allocate(CALL_STATE);
            final int fd = (int)MemfdCreate.HANDLE.invokeExact(state, arena.allocateFrom(name), flags);
            return fd >= 0 ? fd : -errno(state);
        }
        catch (final Throwable t)
        {
            throw downcallFailed("memfd_create", t);
        }
    }

    /**
     * {@code ftruncate(fd, length)}, retried on EINTR. Sparse: allocates nothing on tmpfs or ext4.
     *
     * @param fd     the descriptor.
     * @param length the new size in bytes.
     * @return 0, or {@code -errno}.
     */
    static int ftruncate(final int fd, final long length)
    {
        return retryingEintr("ftruncate", state -> (int)Ftruncate.HANDLE.invokeExact(state, fd, length));
    }

    /**
     * {@code mmap(addr, length, prot, flags, fd, offset)}.
     *
     * @param addr   0, or the address a {@link #MAP_FIXED} mapping must take.
     * @param length bytes.
     * @param prot   {@code PROT_*}.
     * @param flags  {@code MAP_*}.
     * @param fd     the descriptor, or -1 for {@link #MAP_ANONYMOUS}.
     * @param offset into the file, page aligned.
     * @return the mapping's address (positive: user space is the lower half), or {@code -errno}.
     */
    static long mmap(final long addr, final long length, final int prot, final int flags, final int fd,
        final long offset)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment state = arena.allocate(CALL_STATE);
            final MemorySegment mapped = (MemorySegment)Fd.MMAP.invokeExact(
                state, MemorySegment.ofAddress(addr), length, prot, flags, fd, offset);
            final long address = mapped.address();
            return address == -1L ? -errno(state) : address; // MAP_FAILED
        }
        catch (final Throwable t)
        {
            throw downcallFailed("mmap", t);
        }
    }

    /**
     * {@code munmap(addr, length)}.
     *
     * @param addr   the mapping.
     * @param length bytes.
     * @return 0, or {@code -errno}.
     */
    static int munmap(final long addr, final long length)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment state = arena.allocate(CALL_STATE);
            final int rc = (int)Fd.MUNMAP.invokeExact(state, MemorySegment.ofAddress(addr), length);
            return rc == 0 ? 0 : -errno(state);
        }
        catch (final Throwable t)
        {
            throw downcallFailed("munmap", t);
        }
    }

    /**
     * {@code msync(addr, length, MS_SYNC)}, retried on EINTR.
     *
     * @param addr   page aligned, inside a mapping.
     * @param length bytes.
     * @return 0, or {@code -errno}.
     */
    static int msync(final long addr, final long length)
    {
        return retryingEintr("msync", state -> (int)Msync.HANDLE.invokeExact(state, MemorySegment.ofAddress(addr),
            length, MS_SYNC));
    }

    /**
     * {@code madvise(addr, length, advice)}.
     *
     * @param segment the mapped range, page aligned.
     * @param advice  one of the {@code MADV_*} constants.
     * @return 0 on success, else the errno (positive).
     */
    static int madvise(final MemorySegment segment, final int advice)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment state = arena.allocate(CALL_STATE);
            final int rc = (int)Madvise.HANDLE.invokeExact(state, segment, segment.byteSize(), advice);
            return rc == 0 ? 0 : errno(state);
        }
        catch (final Throwable t)
        {
            throw downcallFailed("madvise", t);
        }
    }

    /**
     * @param errno a positive errno.
     * @return e.g. {@code "EAGAIN(11)"}, or the number alone for one this class does not name.
     */
    static String errnoName(final int errno)
    {
        final String name = switch (errno)
        {
            case 1 -> "EPERM";
            case ENOENT -> "ENOENT";
            case EINTR -> "EINTR";
            case 5 -> "EIO";
            case 9 -> "EBADF";
            case EAGAIN -> "EAGAIN";
            case ENOMEM -> "ENOMEM";
            case EACCES -> "EACCES";
            case EFAULT -> "EFAULT";
            case 16 -> "EBUSY";
            case EEXIST -> "EEXIST";
            case 19 -> "ENODEV";
            case 20 -> "ENOTDIR";
            case 21 -> "EISDIR";
            case EINVAL -> "EINVAL";
            case 23 -> "ENFILE";
            case 24 -> "EMFILE";
            case 26 -> "ETXTBSY";
            case EFBIG -> "EFBIG";
            case ENOSPC -> "ENOSPC";
            case 30 -> "EROFS";
            case 36 -> "ENAMETOOLONG";
            case 37 -> "ENOLCK";
            case ELOOP -> "ELOOP";
            case 75 -> "EOVERFLOW";
            case 95 -> "EOPNOTSUPP";
            default -> null;
        };
        return name == null ? Integer.toString(errno) : name + "(" + errno + ")";
    }

    /**
     * @return the user id this process runs as: the owner of {@code /proc/self} (the effective uid),
     *         read without a downcall.
     */
    static int getuid()
    {
        try
        {
            return (Integer)Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        }
        catch (final IOException | UnsupportedOperationException ex)
        {
            throw new IllegalStateException("cannot read this process's uid from /proc/self", ex);
        }
    }

    /**
     * A downcall that returns -1 and sets errno on failure, with errno captured in {@code state}.
     */
    @FunctionalInterface
    private interface Call
    {
        int invoke(MemorySegment state) throws Throwable;
    }

    /**
     * Make a call again while it fails with EINTR (a signal arrived: nothing was done).
     *
     * @return its non-negative result, or {@code -errno}.
     */
    private static int retryingEintr(final String name, final Call call)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment state = arena.allocate(CALL_STATE);
            while (true)
            {
                final int rc = call.invoke(state);
                if (rc >= 0)
                {
                    return rc;
                }
                final int errno = errno(state);
                if (errno != EINTR)
                {
                    return -errno;
                }
            }
        }
        catch (final Throwable t)
        {
            throw downcallFailed(name, t);
        }
    }

    private static int errno(final MemorySegment state)
    {
        return (int)ERRNO.get(state, 0L);
    }

    private static IllegalStateException downcallFailed(final String name, final Throwable t)
    {
        return new IllegalStateException(name + " downcall failed", t);
    }
}
