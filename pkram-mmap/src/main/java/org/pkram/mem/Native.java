package org.pkram.mem;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The few libc calls pkram makes through FFM downcalls: {@code madvise} to populate a mapping
 * up front (so an over-sized tmpfs file fails at create time with ENOSPC instead of a SIGBUS at
 * some later store); and this process's uid for the ownership check.
 * <p>
 * Thread safe: the handles are immutable, errno is captured per call.
 */
@SuppressWarnings("restricted") // native access is granted by --enable-native-access (see JvmFlags)
final class Native
{
    /** {@code MADV_POPULATE_READ} (Linux 5.14+): fault the pages in readable. */
    static final int MADV_POPULATE_READ = 22;

    /** {@code MADV_POPULATE_WRITE} (Linux 5.14+): fault the pages in writable, allocating tmpfs backing. */
    static final int MADV_POPULATE_WRITE = 23;

    /** errno values the callers tell apart. */
    static final int EINVAL = 22;
    static final int ENOMEM = 12;
    static final int EFAULT = 14;
    static final int EINTR = 4;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    /** Built on first use: a downcall handle costs a cold JVM ~100 ms, and most attaches never madvise. */
    private static final class Madvise
    {
        static final MethodHandle HANDLE = LINKER.downcallHandle(
            LINKER.defaultLookup().find("madvise").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT),
            Linker.Option.captureCallState("errno"));
    }

    private Native()
    {
    }

    /**
     * {@code madvise(addr, length, advice)}.
     *
     * @param segment the mapped range, page aligned.
     * @param advice  one of the {@code MADV_*} constants.
     * @return 0 on success, else the errno.
     */
    static int madvise(final MemorySegment segment, final int advice)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment state = arena.allocate(CALL_STATE);
            final int rc = (int)Madvise.HANDLE.invokeExact(state, segment, segment.byteSize(), advice);
            return rc == 0 ? 0 : (int)ERRNO.get(state, 0L);
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("madvise downcall failed", t);
        }
    }

    /**
     * @return the user id this process runs as: the owner of {@code /proc/self} (the effective uid),
     *         read without a downcall.
     */
    static int getuid()
    {
        try
        {
            return (Integer)java.nio.file.Files.getAttribute(java.nio.file.Path.of("/proc/self"), "unix:uid");
        }
        catch (final java.io.IOException | UnsupportedOperationException ex)
        {
            throw new IllegalStateException("cannot read this process's uid from /proc/self", ex);
        }
    }
}
