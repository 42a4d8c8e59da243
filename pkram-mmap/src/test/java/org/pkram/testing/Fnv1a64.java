package org.pkram.testing;

/**
 * 64-bit FNV-1a, the digest the C walker ({@code src/test/c/pkram_walk.c}) prints for folios and byte
 * streams: computed here over what a test saved, never over what the library reads back.
 */
public final class Fnv1a64
{
    /** The FNV-1a 64-bit offset basis: the digest of no bytes. */
    public static final long OFFSET_BASIS = 0xCBF29CE484222325L;

    private static final long PRIME = 0x100000001B3L;

    private long hash = OFFSET_BASIS;

    /**
     * @param b one byte to add.
     * @return this.
     */
    public Fnv1a64 update(final byte b)
    {
        hash = (hash ^ (b & 0xFF)) * PRIME;
        return this;
    }

    /**
     * @param bytes  bytes to add.
     * @param offset first of them.
     * @param length how many.
     * @return this.
     */
    public Fnv1a64 update(final byte[] bytes, final int offset, final int length)
    {
        long h = hash;
        for (int i = offset; i < offset + length; i++)
        {
            h = (h ^ (bytes[i] & 0xFF)) * PRIME;
        }
        hash = h;
        return this;
    }

    /**
     * @param value eight bytes to add, little-endian (the order a folio holds a {@code putLong} on x86-64).
     * @return this.
     */
    public Fnv1a64 updateLongLe(final long value)
    {
        long h = hash;
        for (int i = 0; i < Long.BYTES; i++)
        {
            h = (h ^ ((value >>> (8 * i)) & 0xFF)) * PRIME;
        }
        hash = h;
        return this;
    }

    /**
     * @param count zero bytes to add.
     * @return this.
     */
    public Fnv1a64 updateZeros(final long count)
    {
        long h = hash;
        for (long i = 0; i < count; i++)
        {
            h *= PRIME;
        }
        hash = h;
        return this;
    }

    /**
     * @return the digest of every byte added so far.
     */
    public long digest()
    {
        return hash;
    }

    /**
     * @param bytes bytes.
     * @return their digest.
     */
    public static long of(final byte[] bytes)
    {
        return new Fnv1a64().update(bytes, 0, bytes.length).digest();
    }
}
