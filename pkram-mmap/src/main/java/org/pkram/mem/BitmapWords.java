package org.pkram.mem;

import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.pkram.layout.Pfn;

/**
 * The bitmap layout of the {@link PageAllocator} and the word and mask arithmetic on it. A bitmap
 * holds one bit per pfn in 64-bit words: bit {@code pfn & 63} of word {@code pfn >>> 6}. It lives in
 * cache-line aligned direct memory behind an Agrona {@link UnsafeBuffer}, so that every word can be read
 * and compare-and-set atomically and no word straddles two cache lines.
 * <p>
 * A folio of order 0..5 lies inside one word; a folio of order {@link #WORD_ORDER} or more is
 * 2^(order-6) whole aligned words. A word is tested for a free aligned group of 2^order bits with
 * {@code order} shifts and ANDs ({@link #freeGroupStarts(long, int)}), no per-bit loop.
 */
final class BitmapWords
{
    static final int WORD_SHIFT = 6;
    static final int PFNS_PER_WORD = 1 << WORD_SHIFT;
    static final int WORD_MASK = PFNS_PER_WORD - 1;

    /** First order whose folios are whole bitmap words. */
    static final int WORD_ORDER = 6;

    static final long ALL_TAKEN = -1L;

    private static final int CACHE_LINE = 64;

    /**
     * For orders 0..5, the bits at which an aligned group of 2^order pages may start in a word.
     */
    private static final long[] GROUP_STARTS =
    {
        0xFFFF_FFFF_FFFF_FFFFL,
        0x5555_5555_5555_5555L,
        0x1111_1111_1111_1111L,
        0x0101_0101_0101_0101L,
        0x0001_0001_0001_0001L,
        0x0000_0001_0000_0001L,
    };

    private BitmapWords()
    {
    }

    /** A bitmap of {@code words} words, all bits clear, aligned to a cache line. */
    static UnsafeBuffer newBitmap(final int words)
    {
        final UnsafeBuffer bitmap = new UnsafeBuffer(BufferUtil.allocateDirectAligned(words * Long.BYTES, CACHE_LINE));
        bitmap.verifyAlignment();
        return bitmap;
    }

    static int byteIndex(final int word)
    {
        return word << 3;
    }

    /** Bits 0..2^order-1, for orders below {@link #WORD_ORDER}. */
    static long groupMask(final int order)
    {
        return (1L << Pfn.pageCount(order)) - 1;
    }

    /** Bits lo..hi inclusive, 0 <= lo <= hi <= 63. */
    static long rangeMask(final int lo, final int hi)
    {
        return (ALL_TAKEN >>> (WORD_MASK - hi)) & (ALL_TAKEN << lo);
    }

    /**
     * Bits at which an aligned run of 2^order zero bits starts in {@code word}: ANDing the inverted
     * word with itself shifted by 1, 2, 4... leaves bit p set only when bits p..p+2^order-1 are all
     * free, and the alignment mask keeps the natural starting points.
     */
    static long freeGroupStarts(final long word, final int order)
    {
        long free = ~word;
        final int pages = Pfn.pageCount(order);
        for (int shift = 1; shift < pages; shift <<= 1)
        {
            free &= free >>> shift;
        }

        return free & GROUP_STARTS[order];
    }

    static boolean isSet(final UnsafeBuffer bitmap, final long pfn)
    {
        final long word = bitmap.getLongVolatile(byteIndex((int)(pfn >>> WORD_SHIFT)));
        return (word & (1L << (pfn & WORD_MASK))) != 0;
    }

    /** Clear bits of the inclusive pfn range {@code [first, last]}: one read per word. */
    static long countClear(final UnsafeBuffer bitmap, final long first, final long last)
    {
        long count = 0;
        final int firstWord = (int)(first >>> WORD_SHIFT);
        final int lastWord = (int)(last >>> WORD_SHIFT);
        for (int w = firstWord; w <= lastWord; w++)
        {
            final long wordFirst = (long)w << WORD_SHIFT;
            final int lo = (int)(Math.max(first, wordFirst) - wordFirst);
            final int hi = (int)(Math.min(last, wordFirst + WORD_MASK) - wordFirst);
            count += Long.bitCount(~bitmap.getLongVolatile(byteIndex(w)) & rangeMask(lo, hi));
        }

        return count;
    }

    /** Sets {@code mask}'s bits in a word that other threads may change at the same time. */
    static void setBits(final UnsafeBuffer bitmap, final int index, final long mask)
    {
        long word;
        do
        {
            word = bitmap.getLongVolatile(index);
        }
        while (!bitmap.compareAndSetLong(index, word, word | mask));
    }

    /** Clears {@code mask}'s bits in a word that other threads may change at the same time. */
    static void clearBits(final UnsafeBuffer bitmap, final int index, final long mask)
    {
        long word;
        do
        {
            word = bitmap.getLongVolatile(index);
        }
        while (!bitmap.compareAndSetLong(index, word, word & ~mask));
    }

    /**
     * Clears those of {@code mask}'s bits that are set in a word other threads may change at the same
     * time; a word with none of them set is not written.
     *
     * @return the bits of {@code mask} that were set when first read.
     */
    static long clearSetBits(final UnsafeBuffer bitmap, final int index, final long mask)
    {
        final long bits = bitmap.getLongVolatile(index) & mask;
        if (bits != 0)
        {
            clearBits(bitmap, index, bits);
        }

        return bits;
    }

    /**
     * Sets {@code mask}'s bits in a word that other threads may change at the same time, if none of
     * them is set.
     *
     * @return false, changing nothing, when a bit of the mask was seen set.
     */
    static boolean setIfClear(final UnsafeBuffer bitmap, final int index, final long mask)
    {
        long word;
        do
        {
            word = bitmap.getLongVolatile(index);
            if ((word & mask) != 0)
            {
                return false;
            }
        }
        while (!bitmap.compareAndSetLong(index, word, word | mask));

        return true;
    }

    /**
     * Whether words {@code [firstWord, firstWord + span)} all hold {@code value}: each read once, in
     * ascending order, up to the first that does not.
     */
    static boolean allWordsAre(final UnsafeBuffer bitmap, final int firstWord, final int span, final long value)
    {
        for (int i = 0; i < span; i++)
        {
            if (bitmap.getLongVolatile(byteIndex(firstWord + i)) != value)
            {
                return false;
            }
        }

        return true;
    }

    /** Stores {@code value} in words {@code [firstWord, firstWord + span)}, in ascending order. */
    static void fillWords(final UnsafeBuffer bitmap, final int firstWord, final int span, final long value)
    {
        for (int i = 0; i < span; i++)
        {
            bitmap.putLongVolatile(byteIndex(firstWord + i), value);
        }
    }

    /**
     * Clears words {@code [firstWord, firstWord + span)}, which no other thread may write meanwhile; a
     * word already clear is not written.
     *
     * @return the bits that were set.
     */
    static int clearWords(final UnsafeBuffer bitmap, final int firstWord, final int span)
    {
        int count = 0;
        for (int i = 0; i < span; i++)
        {
            final int index = byteIndex(firstWord + i);
            final long bits = bitmap.getLongVolatile(index);
            if (bits != 0)
            {
                count += Long.bitCount(bits);
                bitmap.putLongVolatile(index, 0);
            }
        }

        return count;
    }
}
