package org.pkram.mem;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The size of an open file, cheaply: {@code lseek(fd, 0, SEEK_END)}, one system call with no errno capture
 * and no allocation, for checks made on every coarse call ({@link PhysMem#checkIntact()}). The descriptor's
 * offset is never used otherwise (the file is read and written through the mapping), so moving it is
 * harmless.
 */
@SuppressWarnings("restricted") // native access is granted by --enable-native-access (see JvmFlags)
final class FileSize
{
    private static final int SEEK_END = 2;

    /** Built on first use: a downcall handle costs a cold JVM tens of milliseconds. */
    private static final class Lseek
    {
        static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("lseek").orElseThrow(),
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT));
    }

    private FileSize()
    {
    }

    /**
     * @param fd an open descriptor.
     * @return the file's size in bytes, or -1 when lseek failed (the caller falls back to fstat).
     */
    static long of(final int fd)
    {
        try
        {
            return (long)Lseek.HANDLE.invokeExact(fd, 0L, SEEK_END);
        }
        catch (final RuntimeException | Error ex)
        {
            // An InternalError here is a fault an earlier access raised, delivered at this native call: the
            // caller (Faults) is waiting for it.
            throw ex;
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("lseek downcall failed", t);
        }
    }
}
