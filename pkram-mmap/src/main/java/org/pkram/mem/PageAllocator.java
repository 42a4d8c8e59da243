package org.pkram.mem;

import org.agrona.concurrent.UnsafeBuffer;
import org.pkram.error.InvalidArgumentException;
import org.pkram.error.OutOfPagesException;
import org.pkram.layout.Pfn;

import static org.pkram.mem.BitmapWords.ALL_TAKEN;
import static org.pkram.mem.BitmapWords.PFNS_PER_WORD;
import static org.pkram.mem.BitmapWords.WORD_MASK;
import static org.pkram.mem.BitmapWords.WORD_ORDER;
import static org.pkram.mem.BitmapWords.WORD_SHIFT;
import static org.pkram.mem.BitmapWords.allWordsAre;
import static org.pkram.mem.BitmapWords.byteIndex;
import static org.pkram.mem.BitmapWords.clearSetBits;
import static org.pkram.mem.BitmapWords.clearWords;
import static org.pkram.mem.BitmapWords.fillWords;
import static org.pkram.mem.BitmapWords.freeGroupStarts;
import static org.pkram.mem.BitmapWords.groupMask;
import static org.pkram.mem.BitmapWords.isSet;
import static org.pkram.mem.BitmapWords.newBitmap;
import static org.pkram.mem.BitmapWords.setBits;
import static org.pkram.mem.BitmapWords.setIfClear;

/**
 * The page allocator of the memory file: the stand-in for the kernel's buddy allocator as
 * {@code pkram_alloc_page} (mm/pkram.c) uses it. It hands out naturally aligned folios of
 * 2^order pages ({@code pfn % 2^order == 0}), never pfn 0 ({@link Pfn#NULL_PFN} means "none"), and
 * never a page inside a banned region ({@code pkram_ban_region}). At boot the preserved pages are
 * claimed with {@link #reserve(long, int)} before anything is allocated; like the kernel's free
 * lists, the allocator is rebuilt at every boot and nothing of it is ever read from the file.
 * <p>
 * <b>State.</b> One bit per pfn says "taken" (allocated or reserved); a second bitmap of the same
 * shape says which taken pages are reserved, so that {@link #free(long, int)} can keep the used and
 * reserved counts apart. Both are {@link BitmapWords} bitmaps in cache-line aligned direct memory: 2 bits
 * per pfn, 512 KiB for an 8 GiB file (2M pfns), nothing per folio. pfn 0 and the bits past the last pfn
 * of the last word are set once and for all, so no search ever sees them as free. Banned regions are a
 * sorted array of inclusive ranges, at most {@link #MAX_BANNED_REGIONS}, merged as
 * {@code pkram_ban_region} merges them ({@link BannedRegions}); the counts are kept by
 * {@link PageCounts} and the search cursors by {@link StripedCursors}.
 * <p>
 * <b>Threading contract.</b> Every method may be called from any number of threads at once.
 * {@link #alloc(int)}, {@link #tryAlloc(int)}, {@link #free(long, int)} and
 * {@link #reserve(long, int)} are lock-free: a folio of order 0..5 lies inside one 64-bit word and
 * is claimed or released by one compare-and-set of that word; a folio of order 6..10 is
 * 2^(order-6) whole aligned words, claimed, once all of them were seen free, by setting each word from
 * 0 to -1 in ascending order, the words already taken being given back if one was taken meanwhile.
 * No page is ever handed out twice.
 * <p>
 * <b>ENOMEM means full.</b> A search pass is no snapshot, so a pass that finds nothing while pages are
 * being released may miss a fit that was free at every instant. So a pass that finds nothing is
 * repeated, and its "nothing" is believed only when no release (a {@link #free(long, int)}, a rolled-back
 * claim) was under way at any moment of it, as {@link PageCounts} tells. At most eight such passes
 * ({@code MAX_VERIFY_PASSES}) follow the first, so an allocation ends even while other threads free
 * without pause; only then, with a release overlapping every one of them, is an ENOMEM not proven. A
 * search that finds nothing therefore costs two passes or more.
 * <p>
 * {@link #banRegion(long, long)} is serialised on a lock and a search pass reads the banned ranges once,
 * so a page handed out by an allocation that overlapped a ban is treated like a page allocated before the
 * ban (the kernel never evicts either); see {@link BannedRegions}. The counters ({@link #usedPages()} and
 * friends) are exact when no call is in flight; while others allocate they are a recent approximation.
 * Freeing a folio that is not taken is a caller bug reported by {@link IllegalStateException};
 * two threads racing to free the same folio is also a bug, and only one of them is guaranteed to
 * see the exception.
 * <p>
 * <b>Cost model.</b> Allocation is next-fit: a search starts at a cursor (a word index) left where
 * the last allocation of that order from the same cursor succeeded, and wraps around once (one pass;
 * ENOMEM takes two or more, above), so filling memory costs O(1) amortised per folio and an alloc/free
 * pair at a stable cursor touches one word (orders 0..5) or 2^(order-6) words (orders 6..10), and a
 * free updates two counters. A word is tested for a free aligned group with a few shifts and ANDs, no
 * per-bit loop; a banned range that covers whole words is jumped over in one step, and the banned ranges
 * are walked alongside the scan, so a scan costs O(words scanned + banned ranges). The worst case, memory
 * nearly full with holes far from the cursor, is one pass over the bitmap: 32768 words for 8 GiB (two
 * passes or more for an ENOMEM). {@link #bannedPages()} and {@link #freePages()} count the free bits of
 * the banned ranges, O(banned pages / 64).
 */
public final class PageAllocator
{
    /**
     * Capacity of the banned-region array: the kernel's {@code 32 + MAX_NUMNODES * 2} with one
     * NUMA node.
     */
    public static final int MAX_BANNED_REGIONS = 34;

    /**
     * Largest memory file the allocator manages, in pfns (32 TiB of 4 KiB pages): each bitmap is
     * then 1 GiB, the most one {@link UnsafeBuffer} indexed by {@code int} holds comfortably.
     */
    public static final long MAX_TOTAL_PFNS = 1L << 33;

    /** Passes an allocation makes after a first one found nothing, until one is free of releases. */
    private static final int MAX_VERIFY_PASSES = 8;

    private final long totalPfns;
    private final int words;
    private final UnsafeBuffer taken;
    private final UnsafeBuffer reserved;
    private final StripedCursors cursors;
    private final PageCounts counts = new PageCounts();
    private final BannedRegions banned = new BannedRegions();

    /**
     * An allocator for a memory file of {@code totalPfns} pages, all free but pfn 0.
     *
     * @param totalPfns pages in the memory file, pfn 0 included; at least 2.
     * @throws IllegalArgumentException when {@code totalPfns < 2} or above {@link #MAX_TOTAL_PFNS}.
     */
    public PageAllocator(final long totalPfns)
    {
        FolioChecks.checkTotalPfns(totalPfns);
        this.totalPfns = totalPfns;
        this.words = (int)((totalPfns + WORD_MASK) >>> WORD_SHIFT);
        this.taken = newBitmap(words);
        this.reserved = newBitmap(words);

        // pfn 0 and the bits past the end are taken forever, so no search has to test for them.
        taken.putLongVolatile(0, taken.getLongVolatile(0) | 1L);
        final int tail = (int)(totalPfns & WORD_MASK);
        if (tail != 0)
        {
            final int lastIndex = byteIndex(words - 1);
            taken.putLongVolatile(lastIndex, taken.getLongVolatile(lastIndex) | (ALL_TAKEN << tail));
        }

        this.cursors = new StripedCursors(words);
    }

    /**
     * Allocates a naturally aligned folio of 2^order pages, none of them banned.
     *
     * @param order folio order, 0..{@link Pfn#MAX_FOLIO_ORDER}.
     * @return the folio's first pfn, a multiple of 2^order, never {@link Pfn#NULL_PFN}.
     * @throws OutOfPagesException      (ENOMEM) when no free aligned folio of that order exists (see the class
     *                                  comment for what a concurrent free can do to that).
     * @throws InvalidArgumentException (EINVAL) when the order is out of range.
     */
    public long alloc(final int order)
    {
        final long pfn = tryAlloc(order);
        if (pfn == Pfn.NULL_PFN)
        {
            throw new OutOfPagesException("no free folio: order=" + order + ", freePages=" + freePages());
        }

        return pfn;
    }

    /**
     * Allocates like {@link #alloc(int)}, reporting failure by return value: the form for callers
     * that have a fallback, so running out is not an exception.
     *
     * @param order folio order, 0..{@link Pfn#MAX_FOLIO_ORDER}.
     * @return the folio's first pfn, or {@link Pfn#NULL_PFN} when none is free.
     * @throws InvalidArgumentException (EINVAL) when the order is out of range.
     */
    public long tryAlloc(final int order)
    {
        FolioChecks.checkOrder(order, "alloc");
        final int cursorIndex = cursors.slotOfCurrentThread(order);

        long pfn = search(order, cursorIndex);
        // Nothing found: believe it only from a pass that no release overlapped (see the class comment).
        for (int pass = 0; pfn == Pfn.NULL_PFN && pass < MAX_VERIFY_PASSES; pass++)
        {
            final long endedBefore = counts.releaseMark();
            pfn = search(order, cursorIndex);
            if (pfn == Pfn.NULL_PFN && counts.noReleaseSince(endedBefore))
            {
                break;
            }
        }

        return pfn;
    }

    /**
     * One pass over all memory, from the cursor to the end, then from the start to the cursor.
     */
    private long search(final int order, final int cursorIndex)
    {
        final long[] bans = banned.ranges();
        if (order < WORD_ORDER)
        {
            final int start = cursors.word(cursorIndex);
            long pfn = scanWords(order, cursorIndex, start, words, bans);
            if (pfn == Pfn.NULL_PFN && start > 0)
            {
                pfn = scanWords(order, cursorIndex, 0, start, bans);
            }

            return pfn;
        }

        final int span = 1 << (order - WORD_ORDER);
        final int start = cursors.word(cursorIndex) & -span;
        long pfn = scanGroups(order, cursorIndex, span, start, words, bans);
        if (pfn == Pfn.NULL_PFN && start > 0)
        {
            pfn = scanGroups(order, cursorIndex, span, 0, start, bans);
        }

        return pfn;
    }

    /**
     * Gives a folio back: its pages become free again (or banned, when a ban now covers them).
     * Reserved pages may be freed like allocated ones, and are then no longer counted as reserved.
     *
     * @param pfn   the folio's first pfn.
     * @param order the folio's order.
     * @throws IllegalStateException    when a page of the folio is not taken (double free); nothing
     *                                  changes.
     * @throws IllegalArgumentException when the folio is out of range, covers pfn 0, or is
     *                                  misaligned.
     * @throws InvalidArgumentException (EINVAL) when the order is out of range.
     */
    public void free(final long pfn, final int order)
    {
        FolioChecks.checkOrder(order, "free");
        FolioChecks.checkFolio(pfn, order, totalPfns, "free");
        final int pages = Pfn.pageCount(order);
        final int firstWord = (int)(pfn >>> WORD_SHIFT);

        if (order < WORD_ORDER)
        {
            final int index = byteIndex(firstWord);
            final long mask = groupMask(order) << (pfn & WORD_MASK);
            long word = taken.getLongVolatile(index);
            if ((word & mask) != mask)
            {
                throw FolioChecks.doubleFree(pfn, order);
            }

            // Reserved bits go first: once the taken bits clear, another thread may allocate these
            // pages, and a stale reserved bit would make its later free count them as reserved.
            final long reservedBits = clearSetBits(reserved, index, mask);

            counts.beginRelease(pages);
            boolean freed = false;
            try
            {
                while (!taken.compareAndSetLong(index, word, word & ~mask))
                {
                    word = taken.getLongVolatile(index);
                    if ((word & mask) != mask)
                    {
                        throw FolioChecks.doubleFree(pfn, order);
                    }
                }
                freed = true;
            }
            finally
            {
                counts.endFree(pages, freed, Long.bitCount(reservedBits));
            }
            return;
        }

        final int span = 1 << (order - WORD_ORDER);
        if (!allWordsAre(taken, firstWord, span, ALL_TAKEN))
        {
            throw FolioChecks.doubleFree(pfn, order);
        }

        // Every page of these words is the caller's, so no one else writes their reserved bits.
        final int reservedPages = clearWords(reserved, firstWord, span);

        counts.beginRelease(pages);
        boolean freed = false;
        try
        {
            for (int i = 0; i < span; i++)
            {
                if (!taken.compareAndSetLong(byteIndex(firstWord + i), ALL_TAKEN, 0))
                {
                    throw FolioChecks.doubleFree(pfn, order);
                }
            }
            freed = true;
        }
        finally
        {
            counts.endFree(pages, freed, reservedPages);
        }
    }

    /**
     * Claims exactly the folio {@code [pfn, pfn + 2^order)} as reserved: how boot takes the pages
     * that preserved data lives in before anything is allocated. All or nothing. Bans are ignored,
     * as in the kernel, which reserves preserved pages even inside banned ranges.
     *
     * @param pfn   the folio's first pfn, a multiple of 2^order, not 0.
     * @param order the folio's order.
     * @return true when every page was claimed; false, claiming nothing, when any page is taken.
     * @throws IllegalArgumentException when the folio is out of range, covers pfn 0, or is
     *                                  misaligned.
     * @throws InvalidArgumentException (EINVAL) when the order is out of range.
     */
    public boolean reserve(final long pfn, final int order)
    {
        FolioChecks.checkOrder(order, "reserve");
        FolioChecks.checkFolio(pfn, order, totalPfns, "reserve");
        final int pages = Pfn.pageCount(order);
        final int firstWord = (int)(pfn >>> WORD_SHIFT);

        if (order < WORD_ORDER)
        {
            final int index = byteIndex(firstWord);
            final long mask = groupMask(order) << (pfn & WORD_MASK);
            if (!setIfClear(taken, index, mask))
            {
                return false;
            }

            setBits(reserved, index, mask);
        }
        else
        {
            final int span = 1 << (order - WORD_ORDER);
            if (!claimWords(firstWord, span))
            {
                return false;
            }

            fillWords(reserved, firstWord, span, ALL_TAKEN);
        }

        counts.addReserved(pages);
        return true;
    }

    /**
     * Whether a page is taken.
     *
     * @param pfn a page, {@code 0 <= pfn < totalPfns}.
     * @return true when the page is allocated or reserved; always true for pfn 0.
     * @throws IllegalArgumentException when the pfn is out of range.
     */
    public boolean isTaken(final long pfn)
    {
        FolioChecks.checkPfn(pfn, totalPfns);
        return isSet(taken, pfn);
    }

    /**
     * Whether a page is reserved.
     *
     * @param pfn a page, {@code 0 <= pfn < totalPfns}.
     * @return true when the page was claimed by {@link #reserve(long, int)} and not freed since.
     * @throws IllegalArgumentException when the pfn is out of range.
     */
    public boolean isReserved(final long pfn)
    {
        FolioChecks.checkPfn(pfn, totalPfns);
        return isSet(reserved, pfn);
    }

    /**
     * Bans the inclusive range {@code [startPfn, endPfnInclusive]} from allocation, with
     * {@code pkram_ban_region}'s rules: a range overlapping or adjacent to existing ones is merged
     * with all of them into one; otherwise it is inserted in order, if fewer than
     * {@link #MAX_BANNED_REGIONS} ranges exist. Pages already allocated or reserved in the range
     * stay so; they become unavailable when freed.
     *
     * @param startPfn        first banned pfn.
     * @param endPfnInclusive last banned pfn.
     * @return true when the range is now banned; false, banning nothing, when the array is full.
     * @throws IllegalArgumentException when {@code startPfn > endPfnInclusive} or the range is
     *                                  outside {@code [0, totalPfns)}.
     */
    public boolean banRegion(final long startPfn, final long endPfnInclusive)
    {
        FolioChecks.checkBanRange(startPfn, endPfnInclusive, totalPfns);
        return banned.ban(startPfn, endPfnInclusive);
    }

    /**
     * Whether a folio overlaps a banned range: a binary search of the banned array.
     *
     * @param pfn   first pfn of a folio.
     * @param order the folio's order.
     * @return true when any page of {@code [pfn, pfn + 2^order - 1]} lies in a banned range.
     * @throws InvalidArgumentException (EINVAL) when the order is out of range.
     */
    public boolean isBanned(final long pfn, final int order)
    {
        FolioChecks.checkOrder(order, "isBanned");
        return BannedRegions.overlaps(banned.ranges(), pfn, pfn + Pfn.pageCount(order) - 1);
    }

    /**
     * The banned ranges, as {@link #banRegion(long, long)} merged them.
     *
     * @return a copy of the banned ranges: pairs {@code start, end} (inclusive), ascending.
     */
    public long[] bannedRegions()
    {
        return banned.ranges().clone();
    }

    /**
     * Size of the managed memory.
     *
     * @return pages the allocator manages: {@code totalPfns - 1}, pfn 0 excluded.
     */
    public long totalPages()
    {
        return totalPfns - 1;
    }

    /**
     * Pages in use by allocations.
     *
     * @return pages handed out by {@link #alloc(int)} or {@link #tryAlloc(int)} and not freed.
     */
    public long usedPages()
    {
        return counts.usedPages();
    }

    /**
     * Pages reserved at boot.
     *
     * @return pages claimed by {@link #reserve(long, int)} and not freed.
     */
    public long reservedPages()
    {
        return counts.reservedPages();
    }

    /**
     * Pages that are unavailable because a ban covers them and they are neither used nor reserved.
     * Costs one read per bitmap word of the banned ranges.
     *
     * @return banned pages that are not taken.
     */
    public long bannedPages()
    {
        return BannedRegions.countClear(banned.ranges(), taken);
    }

    /**
     * Pages still available to allocation, in folios of any order.
     *
     * @return {@code totalPages() - usedPages() - reservedPages() - bannedPages()}: pages an
     * allocation may still get.
     */
    public long freePages()
    {
        return totalPages() - usedPages() - reservedPages() - bannedPages();
    }

    /**
     * Memory footprint check for tests.
     *
     * @return bytes of one bitmap (taken or reserved), to check that memory stays one bit per pfn.
     */
    int bitmapBytes()
    {
        return taken.capacity();
    }

    private long scanWords(
        final int order, final int cursorIndex, final int fromWord, final int toWord, final long[] bans)
    {
        final int banCount = bans.length >> 1;
        final long folioMask = groupMask(order);
        int ban = BannedRegions.firstEndingAtOrAfter(bans, (long)fromWord << WORD_SHIFT);
        int w = fromWord;

        while (w < toWord)
        {
            final long wordFirst = (long)w << WORD_SHIFT;
            final long wordLast = wordFirst + WORD_MASK;
            ban = BannedRegions.skipEndingBefore(bans, ban, banCount, wordFirst);

            long banMask = 0;
            if (ban < banCount && bans[2 * ban] <= wordLast)
            {
                if (bans[2 * ban] <= wordFirst && bans[2 * ban + 1] >= wordLast)
                {
                    // Jump to the word holding the first pfn after the ban, which may be partly free.
                    w = (int)((bans[2 * ban + 1] + 1) >>> WORD_SHIFT);
                    continue;
                }
                banMask = BannedRegions.wordMask(bans, ban, banCount, wordFirst, wordLast);
            }

            final int index = byteIndex(w);
            long word = taken.getLongVolatile(index);
            long starts = freeGroupStarts(word | banMask, order);
            while (starts != 0)
            {
                final int bit = Long.numberOfTrailingZeros(starts);
                if (taken.compareAndSetLong(index, word, word | (folioMask << bit)))
                {
                    counts.addAllocated(Pfn.pageCount(order));
                    cursors.move(cursorIndex, w);
                    return wordFirst + bit;
                }

                // Another thread changed the word: the rest of it may still have room.
                word = taken.getLongVolatile(index);
                starts = freeGroupStarts(word | banMask, order);
            }
            w++;
        }

        return Pfn.NULL_PFN;
    }

    private long scanGroups(
        final int order,
        final int cursorIndex,
        final int span,
        final int fromWord,
        final int toWord,
        final long[] bans)
    {
        final int banCount = bans.length >> 1;
        int ban = BannedRegions.firstEndingAtOrAfter(bans, (long)fromWord << WORD_SHIFT);
        int w = fromWord;

        while (w + span <= toWord)
        {
            final long groupFirst = (long)w << WORD_SHIFT;
            final long groupLast = groupFirst + ((long)span << WORD_SHIFT) - 1;
            ban = BannedRegions.skipEndingBefore(bans, ban, banCount, groupFirst);

            if (ban < banCount && bans[2 * ban] <= groupLast)
            {
                // First aligned group starting after the ban's last pfn.
                final int nextWord = (int)((bans[2 * ban + 1] + PFNS_PER_WORD) >>> WORD_SHIFT);
                w = (nextWord + span - 1) & -span;
                continue;
            }

            if (claimWords(w, span))
            {
                counts.addAllocated(Pfn.pageCount(order));
                cursors.move(cursorIndex, w);
                return groupFirst;
            }
            w += span;
        }

        return Pfn.NULL_PFN;
    }

    /**
     * Takes words {@code [firstWord, firstWord + span)} whole, in ascending order, once all were seen free,
     * giving back the ones already taken when one was taken meanwhile.
     */
    private boolean claimWords(final int firstWord, final int span)
    {
        // Look before taking: a group with a taken word is passed over without holding any of its words,
        // which would hide them from other searches until given back. Reading also keeps a taken word from
        // costing a failed CAS, which takes the line exclusive.
        if (!allWordsAre(taken, firstWord, span, 0))
        {
            return false;
        }

        for (int i = 0; i < span; i++)
        {
            if (!taken.compareAndSetLong(byteIndex(firstWord + i), 0, ALL_TAKEN))
            {
                if (i > 0)
                {
                    // Counted as an allocation of the words taken and their release, so used stays exact.
                    final int pages = i << WORD_SHIFT;
                    counts.addAllocated(pages);
                    counts.beginRelease(pages);
                    for (int j = i - 1; j >= 0; j--)
                    {
                        // Every bit of these words is ours until this store, so nothing can be lost.
                        taken.putLongVolatile(byteIndex(firstWord + j), 0);
                    }
                    counts.endRelease(pages);
                }

                return false;
            }
        }

        return true;
    }
}
