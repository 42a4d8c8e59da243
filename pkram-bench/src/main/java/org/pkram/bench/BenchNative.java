package org.pkram.bench;

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
 * The system calls a floor makes itself, with no pkram code in the way (a floor must be able to judge that code):
 * {@code madvise(MADV_POPULATE_READ / _WRITE)} over a mapped range (Linux 5.14+).
 */
@SuppressWarnings("restricted") // the forks run with --enable-native-access (pkram's flags)
final class BenchNative
{
    /** {@code MADV_POPULATE_READ}: fault the pages in readable. */
    static final int MADV_POPULATE_READ = 22;

    /** {@code MADV_POPULATE_WRITE}: fault the pages in writable. */
    static final int MADV_POPULATE_WRITE = 23;

    private static final int EINTR = 4;
    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle MADVISE = LINKER.downcallHandle(
        LINKER.defaultLookup().find("madvise").orElseThrow(),
        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT),
        Linker.Option.captureCallState("errno"));

    private BenchNative()
    {
    }

    /**
     * Fault a mapped range in, retried while a signal interrupts it (EINTR: the pages done so far stay done).
     *
     * @param range a page-aligned slice of a mapping.
     * @param write writable ({@code MADV_POPULATE_WRITE}) rather than readable.
     * @throws IllegalStateException when madvise fails, with its errno.
     */
    static void populate(final MemorySegment range, final boolean write)
    {
        final int advice = write ? MADV_POPULATE_WRITE : MADV_POPULATE_READ;
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment state = arena.allocate(CALL_STATE);
            while (true)
            {
                final int rc = (int)MADVISE.invokeExact(state, range, range.byteSize(), advice);
                if (rc == 0)
                {
                    return;
                }
                final int errno = (int)ERRNO.get(state, 0L);
                if (errno != EINTR)
                {
                    throw new IllegalStateException("madvise failed: advice=" + advice + ", bytes=" +
                        range.byteSize() + ", errno=" + errno);
                }
            }
        }
        catch (final RuntimeException | Error ex)
        {
            throw ex;
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("madvise downcall failed", t);
        }
    }
}
