package org.pkram.mem;

import java.util.concurrent.atomic.LongAdder;

/**
 * The page counts of a {@link PageAllocator}, and the release counters that let a search that found
 * nothing prove that the allocator was full.
 * <p>
 * <b>Why releases are counted.</b> A search pass reads one word after another, so it is no snapshot: a
 * page freed behind it while others are taken ahead of it, or words held for a moment by a whole-word
 * claim that is being rolled back, can make a pass find nothing while a fit is free at every instant. So
 * a pass that finds nothing is repeated, and its "nothing" is believed only when no release (a free, a
 * rolled-back claim) was under way at any moment of it: the pages it saw taken were then still taken at
 * its end, when the allocator held no fit. Two counters tell it, the pages of releases begun and of
 * releases ended, each added to on its side of the release ({@link #beginRelease(int)} before any taken
 * bit is cleared, {@link #endRelease(int)} after the last); the second is also the used-page accounting,
 * so a free costs one counter update more than it would without the check. A pass is clean when the
 * begun count at its end equals the ended count at its start ({@link #releaseMark()},
 * {@link #noReleaseSince(long)}).
 * <p>
 * The counts are {@link LongAdder}s, so threads that allocate at once do not fight over one counter;
 * they are exact when no call is in flight, and while others allocate a recent approximation.
 */
final class PageCounts
{
    private final LongAdder reservedCount = new LongAdder();

    /** Pages ever handed out, reserved pages freed and claims rolled back included. Only grows. */
    private final LongAdder allocated = new LongAdder();

    /**
     * Pages of the releases (frees, rolled-back claims) begun: added before any taken bit is cleared.
     * Only grows.
     */
    private final LongAdder releasesBegun = new LongAdder();

    /**
     * Pages of the releases ended: added after the last taken bit is cleared. Only grows, never past
     * {@link #releasesBegun}; {@link #usedPages()} is {@link #allocated} less this.
     */
    private final LongAdder releasesEnded = new LongAdder();

    /** Counts pages just taken by an allocation. */
    void addAllocated(final int pages)
    {
        allocated.add(pages);
    }

    /** Counts pages just taken by a reservation. */
    void addReserved(final int pages)
    {
        reservedCount.add(pages);
    }

    /** The start of a release: called before any of its taken bits is cleared. */
    void beginRelease(final int pages)
    {
        releasesBegun.add(pages);
    }

    /** The end of a release: called after the last of its taken bits is cleared. */
    void endRelease(final int pages)
    {
        releasesEnded.add(pages);
    }

    /**
     * The end of a free: its pages join the released count, which keeps the used count and lets a search
     * racing with it know. Reserved pages freed were never counted as allocated: they are now, moving
     * from the reserved count. A free that found the folio not taken freed nothing, which counts as an
     * allocation of its pages and their release.
     */
    void endFree(final int pages, final boolean freed, final int reservedPages)
    {
        if (!freed)
        {
            allocated.add(pages);
        }
        else if (reservedPages != 0)
        {
            reservedCount.add(-reservedPages);
            allocated.add(reservedPages);
        }
        releasesEnded.add(pages);
    }

    /**
     * Taken at the start of a search pass.
     *
     * @return the pages of the releases ended so far.
     */
    long releaseMark()
    {
        return releasesEnded.sum();
    }

    /**
     * Asked at the end of a search pass that found nothing.
     *
     * @return true when no release was under way at any moment since {@code mark} was taken, so the
     * pass's "nothing" is to be believed.
     */
    boolean noReleaseSince(final long mark)
    {
        return releasesBegun.sum() == mark;
    }

    long usedPages()
    {
        // Ended first: read the other way, a free ending in between could make the difference negative.
        final long released = releasesEnded.sum();
        return allocated.sum() - released;
    }

    long reservedPages()
    {
        return reservedCount.sum();
    }
}
