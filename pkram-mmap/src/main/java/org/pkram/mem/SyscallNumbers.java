package org.pkram.mem;

import java.util.List;
import java.util.Locale;

/**
 * The Linux system call numbers {@link Native} calls through {@code syscall(2)}, for this machine: x86_64 numbers
 * from {@code asm/unistd_64.h}, aarch64 ones from the generic table ({@code asm-generic/unistd.h}, which has no
 * plain {@code open}: both use {@code openat}). Any other architecture gets -1 everywhere, and
 * {@link Native#checkPlatform()} refuses it before a call is made. {@code SyscallNumbersTest} compares both tables
 * with the kernel headers where those are installed.
 */
final class SyscallNumbers
{
    /** The calls, in the order of the tables below (the kernel's names, as in {@code __NR_<name>}). */
    static final List<String> NAMES = List.of("openat", "close", "lseek", "mmap", "munmap", "msync", "madvise",
        "fcntl", "ftruncate", "fchmod", "fallocate", "memfd_create");

    private static final long[] X86_64 = {257, 3, 8, 9, 11, 26, 28, 72, 77, 91, 285, 319};
    private static final long[] AARCH64 = {56, 57, 62, 222, 215, 227, 233, 25, 46, 52, 47, 279};

    private static final long[] THIS_MACHINE = of(System.getProperty("os.arch", ""));

    /** {@code openat(dirfd, path, flags, mode)}. */
    static final long OPENAT = THIS_MACHINE[0];
    /** {@code close(fd)}. */
    static final long CLOSE = THIS_MACHINE[1];
    /** {@code lseek(fd, offset, whence)}. */
    static final long LSEEK = THIS_MACHINE[2];
    /** {@code mmap(addr, length, prot, flags, fd, offset)}. */
    static final long MMAP = THIS_MACHINE[3];
    /** {@code munmap(addr, length)}. */
    static final long MUNMAP = THIS_MACHINE[4];
    /** {@code msync(addr, length, flags)}. */
    static final long MSYNC = THIS_MACHINE[5];
    /** {@code madvise(addr, length, advice)}. */
    static final long MADVISE = THIS_MACHINE[6];
    /** {@code fcntl(fd, cmd, arg)}. */
    static final long FCNTL = THIS_MACHINE[7];
    /** {@code ftruncate(fd, length)}. */
    static final long FTRUNCATE = THIS_MACHINE[8];
    /** {@code fchmod(fd, mode)}. */
    static final long FCHMOD = THIS_MACHINE[9];
    /** {@code fallocate(fd, mode, offset, length)}. */
    static final long FALLOCATE = THIS_MACHINE[10];
    /** {@code memfd_create(name, flags)}. */
    static final long MEMFD_CREATE = THIS_MACHINE[11];

    private SyscallNumbers()
    {
    }

    /**
     * @param osArch an {@code os.arch} value.
     * @return the numbers of {@link #NAMES} on that architecture, in order; all -1 for one pkram does not support.
     */
    static long[] of(final String osArch)
    {
        final String arch = osArch.toLowerCase(Locale.ROOT);
        if (arch.equals("amd64") || arch.equals("x86_64"))
        {
            return X86_64.clone();
        }
        if (arch.equals("aarch64") || arch.equals("arm64"))
        {
            return AARCH64.clone();
        }
        final long[] none = new long[NAMES.size()];
        java.util.Arrays.fill(none, -1);
        return none;
    }
}
