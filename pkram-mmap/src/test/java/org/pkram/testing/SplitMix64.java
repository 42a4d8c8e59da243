package org.pkram.testing;

/**
 * The SplitMix64 finalizer, as a pure function of a stream seed and a position: deterministic test
 * content that can be written in one place and checked in another (or in another process) without
 * storing it.
 */
public final class SplitMix64
{
    /** The golden-ratio increment of SplitMix64, also used to spread small seeds apart. */
    public static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

    private SplitMix64()
    {
    }

    /**
     * @param seed     the stream.
     * @param position where in the stream.
     * @return the stream's 64-bit value at that position.
     */
    public static long mix(final long seed, final long position)
    {
        long z = seed * GOLDEN_GAMMA + position;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
