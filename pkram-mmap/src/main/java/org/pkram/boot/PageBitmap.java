package org.pkram.boot;

import org.pkram.layout.Pfn;

/**
 * A plain (single-threaded) bitmap of pfns: the set of preserved pages a walk of the image found,
 * which boot reserves, fsck checks and reboot turns into the regions list. One bit a page: 32 KiB per GiB of
 * memory file.
 */
public final class PageBitmap
{
    private final long[] words;
    private final long pfnCount;
    private long cardinality;

    /**
     * @param pfnCount pfns the bitmap spans, [0, pfnCount).
     */
    public PageBitmap(final long pfnCount)
    {
        if (pfnCount < 0 || (pfnCount + 63) / 64 > Integer.MAX_VALUE)
        {
            throw new IllegalArgumentException("pfnCount out of range: " + pfnCount);
        }
        this.pfnCount = pfnCount;
        this.words = new long[(int)((pfnCount + 63) >>> 6)];
    }

    /**
     * Set every page of a folio, unless one is set already.
     *
     * @param pfn   first page, in range.
     * @param order folio order.
     * @return false (and nothing changed) when some page was set before: a page referenced twice.
     */
    public boolean claim(final long pfn, final int order)
    {
        final long end = pfn + Pfn.pageCount(order);
        for (long p = pfn; p < end; p++)
        {
            if (get(p))
            {
                // Roll back what this call set, so the set stays what it was before the failed claim.
                for (long q = pfn; q < p; q++)
                {
                    clear(q);
                }
                return false;
            }
            set(p);
        }
        return true;
    }

    /**
     * Set one page unless it is set already: {@link #claim(long, int)} for a single page, with no loop, for the
     * walks that claim a page per entry (a checkpoint sharing every folio of a large state).
     *
     * @param pfn a pfn in range.
     * @return false (and nothing changed) when it was set before.
     */
    public boolean claimPage(final long pfn)
    {
        final int i = (int)(pfn >>> 6);
        final long word = words[i];
        final long bit = 1L << pfn;
        if ((word & bit) != 0)
        {
            return false;
        }
        words[i] = word | bit;
        cardinality++;
        return true;
    }

    /**
     * @param pfn a pfn in range.
     * @return true when set.
     */
    public boolean get(final long pfn)
    {
        return (words[(int)(pfn >>> 6)] & (1L << pfn)) != 0;
    }

    /**
     * @param pfn a pfn in range, set.
     */
    public void set(final long pfn)
    {
        final int i = (int)(pfn >>> 6);
        final long bit = 1L << pfn;
        if ((words[i] & bit) == 0)
        {
            words[i] |= bit;
            cardinality++;
        }
    }

    /**
     * @param pfn a pfn in range, cleared.
     */
    public void clear(final long pfn)
    {
        final int i = (int)(pfn >>> 6);
        final long bit = 1L << pfn;
        if ((words[i] & bit) != 0)
        {
            words[i] &= ~bit;
            cardinality--;
        }
    }

    /**
     * @return number of pages set.
     */
    public long cardinality()
    {
        return cardinality;
    }

    /**
     * @return pfns spanned.
     */
    public long pfnCount()
    {
        return pfnCount;
    }

    /**
     * @param from a pfn.
     * @return the first set pfn at or after {@code from}, or -1.
     */
    public long nextSet(final long from)
    {
        if (from >= pfnCount)
        {
            return -1;
        }
        int i = (int)(from >>> 6);
        long word = words[i] & (-1L << from);
        while (true)
        {
            if (word != 0)
            {
                final long pfn = ((long)i << 6) + Long.numberOfTrailingZeros(word);
                return pfn < pfnCount ? pfn : -1;
            }
            if (++i == words.length)
            {
                return -1;
            }
            word = words[i];
        }
    }

    /**
     * @param from a pfn.
     * @return the first clear pfn at or after {@code from} (may be {@code pfnCount}).
     */
    public long nextClear(final long from)
    {
        if (from >= pfnCount)
        {
            return pfnCount;
        }
        int i = (int)(from >>> 6);
        long word = ~words[i] & (-1L << from);
        while (true)
        {
            if (word != 0)
            {
                return Math.min(pfnCount, ((long)i << 6) + Long.numberOfTrailingZeros(word));
            }
            if (++i == words.length)
            {
                return pfnCount;
            }
            word = ~words[i];
        }
    }

    /**
     * @return the number of maximal runs of set pages.
     */
    public long runCount()
    {
        long runs = 0;
        long pfn = nextSet(0);
        while (pfn >= 0)
        {
            runs++;
            pfn = nextSet(nextClear(pfn));
        }
        return runs;
    }

    @Override
    public boolean equals(final Object o)
    {
        return o instanceof PageBitmap other && other.pfnCount == pfnCount &&
            java.util.Arrays.equals(other.words, words);
    }

    @Override
    public int hashCode()
    {
        return java.util.Arrays.hashCode(words);
    }
}
