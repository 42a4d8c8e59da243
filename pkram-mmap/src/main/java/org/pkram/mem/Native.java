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
 * Every call goes through one downcall handle, libc's {@code syscall(2)} with six {@code long} arguments
 * (the system call numbers are in {@link SyscallNumbers}). The JDK generates code per function shape, not per
 * function, and that is what a JVM's first boot paid for: each further shape cost it some 10 to 30 ms and
 * some 30 generated classes that no AOT cache keeps (JDK 25), six of them on the way to a booted image.
 * One shape costs that once, whichever calls a process makes. The kernel calls are the ones glibc's wrappers
 * make ({@code open} is {@code openat(AT_FDCWD, ...)} there too), with the same errno.
 * <p>
 * Thread safe: the handle is immutable, and errno is captured per call into a segment of the calling thread.
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
    private static final long SEEK_END = 2;

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

    /** {@code openat}'s directory for a path relative to the working directory (absolute ones ignore it). */
    private static final long AT_FDCWD = -100;

    /**
     * {@code long syscall(long number, ...)}: built on first use (the first downcall handle of a JVM costs it
     * tens of milliseconds of code generation, and a JVM that only reads golden pages needs none).
     */
    private static final class Syscall
    {
        static final MethodHandle HANDLE = LINKER.downcallHandle(LINKER.defaultLookup().find("syscall").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                ValueLayout.JAVA_LONG),
            Linker.Option.firstVariadicArg(1), // syscall(long, ...): the arguments are variadic longs
            Linker.Option.captureCallState("errno"));
    }

    /**
     * A call-state segment per thread, for the calls made on every coarse operation ({@link #lseekEnd}), which
     * should allocate nothing.
     */
    private static final ThreadLocal<MemorySegment> THREAD_STATE = new ThreadLocal<>()
    {
        @Override
        protected MemorySegment initialValue()
        {
            // An anonymous class, not a lambda: nothing to spin on the way to a first boot.
            return Arena.ofAuto().allocate(CALL_STATE);
        }
    };

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
            return (int)retryingEintr("open", SyscallNumbers.OPENAT, AT_FDCWD, name.address(), flags, mode);
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
        return (int)syscall("close", SyscallNumbers.CLOSE, fd, 0, 0, 0);
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
            final MemorySegment flock = arena.allocate(FLOCK);
            flock.set(ValueLayout.JAVA_SHORT, L_TYPE_OFFSET, type);
            flock.set(ValueLayout.JAVA_SHORT, L_WHENCE_OFFSET, (short)SEEK_SET);
            flock.set(ValueLayout.JAVA_LONG, L_START_OFFSET, 0L);
            flock.set(ValueLayout.JAVA_LONG, L_LEN_OFFSET, 0L); // 0: to the end of the file, however long
            flock.set(ValueLayout.JAVA_INT, L_PID_OFFSET, 0); // must be 0 for an OFD lock
            return (int)syscall("fcntl", SyscallNumbers.FCNTL, fd, F_OFD_SETLK, flock.address(), 0);
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
        return (int)syscall("fchmod", SyscallNumbers.FCHMOD, fd, mode, 0, 0);
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
        return (int)retryingEintr("fallocate", SyscallNumbers.FALLOCATE, fd, 0, 0, length);
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
            return (int)syscall("memfd_create", SyscallNumbers.MEMFD_CREATE, arena.allocateFrom(name).address(), flags,
                0, 0);
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
        return (int)retryingEintr("ftruncate", SyscallNumbers.FTRUNCATE, fd, length, 0, 0);
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
        // The address comes back as the call's result: positive (user space is the lower half), or -errno.
        return syscall("mmap", SyscallNumbers.MMAP, addr, length, prot, flags, fd, offset);
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
        return (int)syscall("munmap", SyscallNumbers.MUNMAP, addr, length, 0, 0);
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
        return (int)retryingEintr("msync", SyscallNumbers.MSYNC, addr, length, MS_SYNC, 0);
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
        return (int)-syscall("madvise", SyscallNumbers.MADVISE, segment.address(), segment.byteSize(), advice, 0);
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
     * {@code lseek(fd, 0, SEEK_END)}: the size of an open file, for checks made on every coarse call
     * ({@link PhysMem#checkIntact()}). No allocation, and a fault an earlier access raised, delivered at this native call as
     * an {@code InternalError}, is thrown as it is: the caller ({@code Faults}) is waiting for it.
     *
     * @param fd the descriptor.
     * @return the size in bytes, or {@code -errno}.
     */
    static long lseekEnd(final int fd)
    {
        final MemorySegment state = THREAD_STATE.get();
        try
        {
            final long rc = (long)Syscall.HANDLE.invokeExact(state, SyscallNumbers.LSEEK, (long)fd, 0L, SEEK_END, 0L,
                0L, 0L);
            return rc == -1 ? -errno(state) : rc;
        }
        catch (final RuntimeException | Error ex)
        {
            throw ex;
        }
        catch (final Throwable t)
        {
            throw downcallFailed("lseek", t);
        }
    }

    /**
     * One system call through {@link Syscall}, with up to four arguments.
     *
     * @return its result, or {@code -errno}.
     */
    private static long syscall(final String name, final long number, final long a1, final long a2, final long a3,
        final long a4)
    {
        return syscall(name, number, a1, a2, a3, a4, 0, 0);
    }

    /**
     * One system call through {@link Syscall}: {@code syscall(number, a1..a6)}. Pointers go as their addresses
     * (the memory stays the caller's, alive across the call), ints sign-extended.
     *
     * @return its result, or {@code -errno} when it returned -1.
     */
    private static long syscall(final String name, final long number, final long a1, final long a2, final long a3,
        final long a4, final long a5, final long a6)
    {
        final MemorySegment state = THREAD_STATE.get();
        try
        {
            final long rc = (long)Syscall.HANDLE.invokeExact(state, number, a1, a2, a3, a4, a5, a6);
            return rc == -1 ? -errno(state) : rc;
        }
        catch (final Throwable t)
        {
            throw downcallFailed(name, t);
        }
    }

    /**
     * Make a call again while it fails with EINTR (a signal arrived: nothing was done).
     *
     * @return its non-negative result, or {@code -errno}.
     */
    private static long retryingEintr(final String name, final long number, final long a1, final long a2,
        final long a3, final long a4)
    {
        while (true)
        {
            final long rc = syscall(name, number, a1, a2, a3, a4);
            if (rc != -EINTR)
            {
                return rc;
            }
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
