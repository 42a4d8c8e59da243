package org.pkram.mem;

import org.agrona.concurrent.UnsafeBuffer;

import static org.pkram.mem.BitmapWords.rangeMask;

/**
 * The banned regions of a {@link PageAllocator}: the kernel's {@code pkram_banned} array and the merge
 * rules of {@code pkram_ban_region}. The ranges are inclusive pfn ranges, ascending and never touching,
 * at most {@link PageAllocator#MAX_BANNED_REGIONS} of them, held as one array of pairs
 * {@code start, end}.
 * <p>
 * <b>Publication.</b> {@link #ban(long, long)} is serialised on a lock and publishes a new copy of the
 * array through a volatile field; an array once published is never mutated. A search pass reads the
 * array once ({@link #ranges()}) and walks it alongside its scan of the bitmap, with the static lookups
 * below, so the pass sees one consistent set of bans without a lock. A page handed out by an allocation
 * that overlapped a ban is therefore treated like a page allocated before the ban (the kernel never
 * evicts either).
 */
final class BannedRegions
{
    private static final long[] NO_BANS = new long[0];

    private final Object lock = new Object();

    /** Pairs {@code start, end} (inclusive), ascending, never touching; replaced, never mutated. */
    private volatile long[] banned = NO_BANS;

    /**
     * The banned ranges now: read once per search pass.
     *
     * @return the published array, which must not be modified.
     */
    long[] ranges()
    {
        return banned;
    }

    /**
     * Bans {@code [startPfn, endPfnInclusive]}, a range the caller has checked: a range overlapping or
     * adjacent to existing ones is merged with all of them into one; otherwise it is inserted in order,
     * if fewer than {@link PageAllocator#MAX_BANNED_REGIONS} ranges exist.
     *
     * @return true when the range is now banned; false, banning nothing, when the array is full.
     */
    boolean ban(final long startPfn, final long endPfnInclusive)
    {
        synchronized (lock)
        {
            final long[] current = banned;
            final int count = current.length >> 1;

            int firstMerged = -1;
            int lastMerged = -1;
            for (int i = 0; i < count; i++)
            {
                if (startPfn <= current[2 * i + 1] + 1 && endPfnInclusive + 1 >= current[2 * i])
                {
                    if (firstMerged < 0)
                    {
                        firstMerged = i;
                    }
                    lastMerged = i;
                }
            }

            final long[] next;
            if (firstMerged >= 0)
            {
                // Touching ranges are consecutive in a sorted array of non-touching ones.
                final int mergedCount = lastMerged - firstMerged + 1;
                next = new long[(count - mergedCount + 1) * 2];
                System.arraycopy(current, 0, next, 0, firstMerged * 2);
                next[firstMerged * 2] = Math.min(startPfn, current[firstMerged * 2]);
                next[firstMerged * 2 + 1] = Math.max(endPfnInclusive, current[lastMerged * 2 + 1]);
                System.arraycopy(
                    current, (lastMerged + 1) * 2, next, (firstMerged + 1) * 2, (count - lastMerged - 1) * 2);
            }
            else
            {
                if (count == PageAllocator.MAX_BANNED_REGIONS)
                {
                    return false;
                }

                int position = 0;
                while (position < count && current[position * 2] < startPfn)
                {
                    position++;
                }
                next = new long[(count + 1) * 2];
                System.arraycopy(current, 0, next, 0, position * 2);
                next[position * 2] = startPfn;
                next[position * 2 + 1] = endPfnInclusive;
                System.arraycopy(current, position * 2, next, (position + 1) * 2, (count - position) * 2);
            }

            banned = next;
            return true;
        }
    }

    /** The pages of {@code bans} whose bits in {@code bitmap} are clear: one read per word of each range. */
    static long countClear(final long[] bans, final UnsafeBuffer bitmap)
    {
        long count = 0;
        for (int i = 0; i < bans.length; i += 2)
        {
            count += BitmapWords.countClear(bitmap, bans[i], bans[i + 1]);
        }

        return count;
    }

    /** Whether any pfn of {@code [first, last]} lies in a range of {@code bans}: a binary search. */
    static boolean overlaps(final long[] bans, final long first, final long last)
    {
        final int i = firstEndingAtOrAfter(bans, first);
        return i < bans.length >> 1 && bans[2 * i] <= last;
    }

    /** Index of the first banned range whose end is at or after {@code pfn}; the count when none. */
    static int firstEndingAtOrAfter(final long[] bans, final long pfn)
    {
        int lo = 0;
        int hi = bans.length >> 1;
        while (lo < hi)
        {
            final int mid = (lo + hi) >>> 1;
            if (bans[2 * mid + 1] < pfn)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    /** The index of the first range from {@code ban} on that ends at or after {@code pfn}; scans only go up. */
    static int skipEndingBefore(final long[] bans, final int ban, final int banCount, final long pfn)
    {
        int i = ban;
        while (i < banCount && bans[2 * i + 1] < pfn)
        {
            i++;
        }

        return i;
    }

    /**
     * The bits of the word {@code [wordFirst, wordLast]} that ranges {@code fromBan} onwards cover, the
     * ranges before {@code fromBan} ending before the word.
     */
    static long wordMask(
        final long[] bans, final int fromBan, final int banCount, final long wordFirst, final long wordLast)
    {
        long mask = 0;
        for (int i = fromBan; i < banCount && bans[2 * i] <= wordLast; i++)
        {
            final int lo = (int)(Math.max(bans[2 * i], wordFirst) - wordFirst);
            final int hi = (int)(Math.min(bans[2 * i + 1], wordLast) - wordFirst);
            mask |= rangeMask(lo, hi);
        }

        return mask;
    }
}
