package org.pkram.fuzz;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Little-endian reads and writes of an image held in a heap array (the image is at most a few MiB,
 * so every offset fits an int).
 */
final class Le
{
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    private Le()
    {
    }

    static long u64(final byte[] image, final long offset)
    {
        return (long)LONG.get(image, Math.toIntExact(offset));
    }

    static int u32(final byte[] image, final long offset)
    {
        return (int)INT.get(image, Math.toIntExact(offset));
    }

    static void put64(final byte[] image, final long offset, final long value)
    {
        LONG.set(image, Math.toIntExact(offset), value);
    }

    static void put32(final byte[] image, final long offset, final int value)
    {
        INT.set(image, Math.toIntExact(offset), value);
    }

    /** @return true when bytes {@code [from, to)} are all zero. */
    static boolean zero(final byte[] image, final long from, final long to)
    {
        for (long i = from; i < to; i++)
        {
            if (image[Math.toIntExact(i)] != 0)
            {
                return false;
            }
        }
        return true;
    }

    static long page(final long pfn)
    {
        return pfn << 12;
    }
}
