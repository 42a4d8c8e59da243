package org.pkram.mem;

import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.LongAdder;

import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.pkram.error.InvalidArgumentException;
import org.pkram.error.OutOfPagesException;
import org.pkram.layout.Pfn;

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
 * reserved counts apart. Both live in cache-line aligned direct memory behind Agrona
 * {@link UnsafeBuffer}s: 2 bits per pfn, 512 KiB for an 8 GiB file (2M pfns), nothing per folio.
 * pfn 0 and the bits past the last pfn of the last word are set once and for all, so no search
 * ever sees them as free. Banned regions are a sorted array of inclusive ranges, at most
 * {@link #MAX_BANNED_REGIONS}, merged as {@code pkram_ban_region} merges them.
 * <p>
 * <b>Threading contract.</b> Every method may be called from any number of threads at once.
 * {@link #alloc(int)}, {@link #tryAlloc(int)}, {@link #free(long, int)} and
 * {@link #reserve(long, int)} are lock-free: a folio of order 0..5 lies inside one 64-bit word and
 * is claimed or released by one compare-and-set of that word; a folio of order 6..10 is
 * 2^(order-6) whole aligned words, claimed, once all of them were seen free, by setting each word from
 * 0 to -1 in ascending order, the words already taken being given back if one was taken meanwhile.
 * No page is ever handed out twice.
 * <p>
 * <b>ENOMEM means full.</b> A search pass reads one word after another, so it is no snapshot: a page
 * freed behind it while others are taken ahead of it, or words held for a moment by a whole-word claim
 * that is being rolled back, can make a pass find nothing while a fit is free at every instant. So a
 * pass that finds nothing is repeated, and its "nothing" is believed only when no release (a
 * {@link #free(long, int)}, a rolled-back claim) was under way at any moment of it: the pages it saw
 * taken were then still taken at its end, when the allocator held no fit. Two counters tell it, the
 * pages of releases begun and of releases ended, each added to on its side of the release (the second
 * is also the used-page accounting, so a free costs one counter update more than it would without the
 * check); a pass is clean when the begun count at its end equals the ended count at its start. At most
 * eight such passes ({@code MAX_VERIFY_PASSES}) follow the first, so an allocation ends even while other
 * threads free without pause; only then, with a release overlapping every one of them, is an ENOMEM
 * not proven. A search that finds nothing therefore costs two passes or more.
 * <p>
 * {@link #banRegion(long, long)} is serialised on a lock and publishes a new copy of the banned
 * array through a volatile field; a search pass reads the array once, so a page handed out by an
 * allocation that overlapped a ban is treated like a page allocated before the ban (the kernel
 * never evicts either). The counters ({@link #usedPages()} and friends) are exact when no call is
 * in flight; while others allocate they are a recent approximation.
 * Freeing a folio that is not taken is a caller bug reported by {@link IllegalStateException};
 * two threads racing to free the same folio is also a bug, and only one of them is guaranteed to
 * see the exception.
 * <p>
 * <b>Cost model.</b> Allocation is next-fit: a search starts at a cursor (a word index) left where
 * the last allocation of that order from the same cursor succeeded, and wraps around once (one pass;
 * ENOMEM takes two or more, above), so filling memory costs O(1) amortised per folio and an alloc/free
 * pair at a stable cursor touches one word (orders 0..5) or 2^(order-6) words (orders 6..10), and a
 * free updates two counters. A word is tested for a free aligned group of 2^order bits with
 * {@code order} shifts and ANDs, no per-bit loop; a banned range that covers whole words is jumped over
 * in one step, and the banned ranges are walked alongside the scan, so a scan costs O(words scanned +
 * banned ranges). The worst case, memory nearly full with holes far from the cursor, is one pass over
 * the bitmap: 32768 words for 8 GiB (two passes or more for an ENOMEM).
 * {@link #bannedPages()} and {@link #freePages()} count the free bits of the banned ranges,
 * O(banned pages / 64).
 * <p>
 * <b>Cursors per thread stripe.</b> Instead of one cursor per order, each order has
 * 8 cursors, spread evenly over memory at construction, and a thread uses the one
 * its thread id selects, much as the kernel gives each CPU its own page lists. With a single cursor
 * per order, two threads start every search at the same word and fight over one cache line: in the
 * alloc/free benchmark on an 8 GiB allocator (2 CPUs) that cost 83 ns per pair at order 0 and
 * 225 ns at order 9 with two threads, against 40 ns and 125 ns with the stripes, single-threaded
 * cost unchanged (16 ns and 67-72 ns). The cursors are only hints, so a stripe shared by two
 * threads, or a thread moving to another stripe's area, costs time, never correctness.
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

    private static final int WORD_SHIFT = 6;
    private static final int PFNS_PER_WORD = 1 << WORD_SHIFT;
    private static final int WORD_MASK = PFNS_PER_WORD - 1;

    /** First order whose folios are whole bitmap words. */
    private static final int WORD_ORDER = 6;

    private static final long ALL_TAKEN = -1L;
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

    /** Ints between two cursors, so that each cursor has a cache line to itself. */
    private static final int CURSOR_STRIDE = 16;

    /** Cursors per order; a thread uses the one its id selects. */
    private static final int STRIPES = 8;

    private static final long[] NO_BANS = new long[0];

    /** Passes an allocation makes after a first one found nothing, until one is free of releases. */
    private static final int MAX_VERIFY_PASSES = 8;

    private final long totalPfns;
    private final int words;
    private final UnsafeBuffer taken;
    private final UnsafeBuffer reserved;
    private final AtomicIntegerArray cursors =
        new AtomicIntegerArray((Pfn.MAX_FOLIO_ORDER + 1) * STRIPES * CURSOR_STRIDE);
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

    private final Object banLock = new Object();

    /** Pairs {@code start, end} (inclusive), ascending, never touching; replaced, never mutated. */
    private volatile long[] banned = NO_BANS;

    /**
     * An allocator for a memory file of {@code totalPfns} pages, all free but pfn 0.
     *
     * @param totalPfns pages in the memory file, pfn 0 included; at least 2.
     * @throws IllegalArgumentException when {@code totalPfns < 2} or above {@link #MAX_TOTAL_PFNS}.
     */
    public PageAllocator(final long totalPfns)
    {
        if (totalPfns < 2 || totalPfns > MAX_TOTAL_PFNS)
        {
            throw new IllegalArgumentException(
                "page allocator size out of range: totalPfns=" + totalPfns + ", min=2, max=" + MAX_TOTAL_PFNS);
        }

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

        // Stripes start spread out so that threads on different stripes work on different words.
        for (int order = 0; order <= Pfn.MAX_FOLIO_ORDER; order++)
        {
            final int span = order < WORD_ORDER ? 1 : 1 << (order - WORD_ORDER);
            for (int stripe = 0; stripe < STRIPES; stripe++)
            {
                final int word = (int)((long)words * stripe / STRIPES) & -span;
                cursors.set(cursorSlot(order, stripe), word);
            }
        }
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
        checkOrder(order, "alloc");
        // Consecutive thread ids land on different stripes.
        final int cursorIndex = cursorSlot(order, (int)Thread.currentThread().threadId() & (STRIPES - 1));

        long pfn = search(order, cursorIndex);
        // Nothing found: believe it only from a pass that no release overlapped (see the class comment).
        for (int pass = 0; pfn == Pfn.NULL_PFN && pass < MAX_VERIFY_PASSES; pass++)
        {
            final long endedBefore = releasesEnded.sum();
            pfn = search(order, cursorIndex);
            if (pfn == Pfn.NULL_PFN && releasesBegun.sum() == endedBefore)
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
        final long[] bans = banned;
        if (order < WORD_ORDER)
        {
            final int start = cursors.getOpaque(cursorIndex);
            long pfn = scanWords(order, cursorIndex, start, words, bans);
            if (pfn == Pfn.NULL_PFN && start > 0)
            {
                pfn = scanWords(order, cursorIndex, 0, start, bans);
            }

            return pfn;
        }

        final int span = 1 << (order - WORD_ORDER);
        final int start = cursors.getOpaque(cursorIndex) & -span;
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
        checkOrder(order, "free");
        checkFolio(pfn, order, "free");
        final int pages = Pfn.pageCount(order);
        final int firstWord = (int)(pfn >>> WORD_SHIFT);

        if (order < WORD_ORDER)
        {
            final int index = byteIndex(firstWord);
            final long mask = groupMask(order) << (pfn & WORD_MASK);
            long word = taken.getLongVolatile(index);
            if ((word & mask) != mask)
            {
                throw doubleFree(pfn, order);
            }

            // Reserved bits go first: once the taken bits clear, another thread may allocate these
            // pages, and a stale reserved bit would make its later free count them as reserved.
            final long reservedBits = reserved.getLongVolatile(index) & mask;
            if (reservedBits != 0)
            {
                clearBits(reserved, index, reservedBits);
            }

            releasesBegun.add(pages);
            boolean freed = false;
            try
            {
                while (!taken.compareAndSetLong(index, word, word & ~mask))
                {
                    word = taken.getLongVolatile(index);
                    if ((word & mask) != mask)
                    {
                        throw doubleFree(pfn, order);
                    }
                }
                freed = true;
            }
            finally
            {
                endRelease(pages, freed, Long.bitCount(reservedBits));
            }
            return;
        }

        final int span = 1 << (order - WORD_ORDER);
        for (int i = 0; i < span; i++)
        {
            if (taken.getLongVolatile(byteIndex(firstWord + i)) != ALL_TAKEN)
            {
                throw doubleFree(pfn, order);
            }
        }

        // Every page of these words is the caller's, so no one else writes their reserved bits.
        int reservedPages = 0;
        for (int i = 0; i < span; i++)
        {
            final int index = byteIndex(firstWord + i);
            final long reservedBits = reserved.getLongVolatile(index);
            if (reservedBits != 0)
            {
                reservedPages += Long.bitCount(reservedBits);
                reserved.putLongVolatile(index, 0);
            }
        }

        releasesBegun.add(pages);
        boolean freed = false;
        try
        {
            for (int i = 0; i < span; i++)
            {
                if (!taken.compareAndSetLong(byteIndex(firstWord + i), ALL_TAKEN, 0))
                {
                    throw doubleFree(pfn, order);
                }
            }
            freed = true;
        }
        finally
        {
            endRelease(pages, freed, reservedPages);
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
        checkOrder(order, "reserve");
        checkFolio(pfn, order, "reserve");
        final int pages = Pfn.pageCount(order);
        final int firstWord = (int)(pfn >>> WORD_SHIFT);

        if (order < WORD_ORDER)
        {
            final int index = byteIndex(firstWord);
            final long mask = groupMask(order) << (pfn & WORD_MASK);
            long word;
            do
            {
                word = taken.getLongVolatile(index);
                if ((word & mask) != 0)
                {
                    return false;
                }
            }
            while (!taken.compareAndSetLong(index, word, word | mask));

            setBits(reserved, index, mask);
        }
        else
        {
            final int span = 1 << (order - WORD_ORDER);
            if (!claimWords(firstWord, span))
            {
                return false;
            }

            for (int i = 0; i < span; i++)
            {
                reserved.putLongVolatile(byteIndex(firstWord + i), ALL_TAKEN);
            }
        }

        reservedCount.add(pages);
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
        checkPfn(pfn);
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
        checkPfn(pfn);
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
        if (startPfn < 0 || startPfn > endPfnInclusive || endPfnInclusive >= totalPfns)
        {
            throw new IllegalArgumentException("ban region out of range: start=" + startPfn +
                ", end=" + endPfnInclusive + ", totalPfns=" + totalPfns);
        }

        synchronized (banLock)
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
                if (count == MAX_BANNED_REGIONS)
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
        checkOrder(order, "isBanned");
        final long[] bans = banned;
        final int i = firstBanEndingAtOrAfter(bans, pfn);
        return i < bans.length >> 1 && bans[2 * i] <= pfn + Pfn.pageCount(order) - 1;
    }

    /**
     * The banned ranges, as {@link #banRegion(long, long)} merged them.
     *
     * @return a copy of the banned ranges: pairs {@code start, end} (inclusive), ascending.
     */
    public long[] bannedRegions()
    {
        return banned.clone();
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
        // Ended first: read the other way, a free ending in between could make the difference negative.
        final long released = releasesEnded.sum();
        return allocated.sum() - released;
    }

    /**
     * Pages reserved at boot.
     *
     * @return pages claimed by {@link #reserve(long, int)} and not freed.
     */
    public long reservedPages()
    {
        return reservedCount.sum();
    }

    /**
     * Pages that are unavailable because a ban covers them and they are neither used nor reserved.
     * Costs one read per bitmap word of the banned ranges.
     *
     * @return banned pages that are not taken.
     */
    public long bannedPages()
    {
        final long[] bans = banned;
        long count = 0;
        for (int i = 0; i < bans.length; i += 2)
        {
            count += countFree(bans[i], bans[i + 1]);
        }

        return count;
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
        int ban = firstBanEndingAtOrAfter(bans, (long)fromWord << WORD_SHIFT);
        int w = fromWord;

        while (w < toWord)
        {
            final long wordFirst = (long)w << WORD_SHIFT;
            final long wordLast = wordFirst + WORD_MASK;
            while (ban < banCount && bans[2 * ban + 1] < wordFirst)
            {
                ban++;
            }

            long banMask = 0;
            if (ban < banCount && bans[2 * ban] <= wordLast)
            {
                if (bans[2 * ban] <= wordFirst && bans[2 * ban + 1] >= wordLast)
                {
                    // Jump to the word holding the first pfn after the ban, which may be partly free.
                    w = (int)((bans[2 * ban + 1] + 1) >>> WORD_SHIFT);
                    continue;
                }
                banMask = banMask(bans, ban, banCount, wordFirst, wordLast);
            }

            final int index = byteIndex(w);
            long word = taken.getLongVolatile(index);
            long starts = freeGroupStarts(word | banMask, order);
            while (starts != 0)
            {
                final int bit = Long.numberOfTrailingZeros(starts);
                if (taken.compareAndSetLong(index, word, word | (folioMask << bit)))
                {
                    allocated.add(Pfn.pageCount(order));
                    moveCursor(cursorIndex, w);
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
        int ban = firstBanEndingAtOrAfter(bans, (long)fromWord << WORD_SHIFT);
        int w = fromWord;

        while (w + span <= toWord)
        {
            final long groupFirst = (long)w << WORD_SHIFT;
            final long groupLast = groupFirst + ((long)span << WORD_SHIFT) - 1;
            while (ban < banCount && bans[2 * ban + 1] < groupFirst)
            {
                ban++;
            }

            if (ban < banCount && bans[2 * ban] <= groupLast)
            {
                // First aligned group starting after the ban's last pfn.
                final int nextWord = (int)((bans[2 * ban + 1] + PFNS_PER_WORD) >>> WORD_SHIFT);
                w = (nextWord + span - 1) & -span;
                continue;
            }

            if (claimWords(w, span))
            {
                allocated.add(Pfn.pageCount(order));
                moveCursor(cursorIndex, w);
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
        for (int i = 0; i < span; i++)
        {
            if (taken.getLongVolatile(byteIndex(firstWord + i)) != 0)
            {
                return false;
            }
        }

        for (int i = 0; i < span; i++)
        {
            if (!taken.compareAndSetLong(byteIndex(firstWord + i), 0, ALL_TAKEN))
            {
                if (i > 0)
                {
                    // Counted as an allocation of the words taken and their release, so used stays exact.
                    final int pages = i << WORD_SHIFT;
                    allocated.add(pages);
                    releasesBegun.add(pages);
                    for (int j = i - 1; j >= 0; j--)
                    {
                        // Every bit of these words is ours until this store, so nothing can be lost.
                        taken.putLongVolatile(byteIndex(firstWord + j), 0);
                    }
                    releasesEnded.add(pages);
                }

                return false;
            }
        }

        return true;
    }

    private void moveCursor(final int index, final int word)
    {
        // Skip the store when unchanged: threads hammering one order would otherwise bounce the line.
        if (cursors.getOpaque(index) != word)
        {
            cursors.setOpaque(index, word);
        }
    }

    /**
     * The end of a free: its pages join the released count, which keeps the used count and lets a search
     * racing with it know (see the class comment). Reserved pages freed were never counted as allocated:
     * they are now, moving from the reserved count. A free that found the folio not taken freed nothing,
     * which counts as an allocation of its pages and their release.
     */
    private void endRelease(final int pages, final boolean freed, final int reservedPages)
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

    private long countFree(final long first, final long last)
    {
        long count = 0;
        final int firstWord = (int)(first >>> WORD_SHIFT);
        final int lastWord = (int)(last >>> WORD_SHIFT);
        for (int w = firstWord; w <= lastWord; w++)
        {
            final long wordFirst = (long)w << WORD_SHIFT;
            final int lo = (int)(Math.max(first, wordFirst) - wordFirst);
            final int hi = (int)(Math.min(last, wordFirst + WORD_MASK) - wordFirst);
            count += Long.bitCount(~taken.getLongVolatile(byteIndex(w)) & rangeMask(lo, hi));
        }

        return count;
    }

    private boolean isSet(final UnsafeBuffer bitmap, final long pfn)
    {
        final long word = bitmap.getLongVolatile(byteIndex((int)(pfn >>> WORD_SHIFT)));
        return (word & (1L << (pfn & WORD_MASK))) != 0;
    }

    private void checkPfn(final long pfn)
    {
        if (pfn < 0 || pfn >= totalPfns)
        {
            throw new IllegalArgumentException("pfn out of range: pfn=" + pfn + ", totalPfns=" + totalPfns);
        }
    }

    private void checkFolio(final long pfn, final int order, final String operation)
    {
        final int pages = Pfn.pageCount(order);
        if (pfn <= Pfn.NULL_PFN || pfn > totalPfns - pages || (pfn & (pages - 1)) != 0)
        {
            throw new IllegalArgumentException(operation + " folio out of range or misaligned: pfn=" + pfn +
                ", order=" + order + ", totalPfns=" + totalPfns);
        }
    }

    private static void checkOrder(final int order, final String operation)
    {
        if (!Pfn.isValidOrder(order))
        {
            throw new InvalidArgumentException(operation + " order out of range: order=" + order +
                ", max=" + Pfn.MAX_FOLIO_ORDER);
        }
    }

    private static IllegalStateException doubleFree(final long pfn, final int order)
    {
        return new IllegalStateException("double free: pfn=" + pfn + ", order=" + order);
    }

    private static UnsafeBuffer newBitmap(final int words)
    {
        final UnsafeBuffer bitmap = new UnsafeBuffer(BufferUtil.allocateDirectAligned(words * Long.BYTES, CACHE_LINE));
        bitmap.verifyAlignment();
        return bitmap;
    }

    private static int cursorSlot(final int order, final int stripe)
    {
        return (order * STRIPES + stripe) * CURSOR_STRIDE;
    }

    private static int byteIndex(final int word)
    {
        return word << 3;
    }

    /** Bits 0..2^order-1, for orders below {@link #WORD_ORDER}. */
    private static long groupMask(final int order)
    {
        return (1L << Pfn.pageCount(order)) - 1;
    }

    /** Bits lo..hi inclusive, 0 <= lo <= hi <= 63. */
    private static long rangeMask(final int lo, final int hi)
    {
        return (ALL_TAKEN >>> (WORD_MASK - hi)) & (ALL_TAKEN << lo);
    }

    /**
     * Bits at which an aligned run of 2^order zero bits starts in {@code word}: ANDing the inverted
     * word with itself shifted by 1, 2, 4... leaves bit p set only when bits p..p+2^order-1 are all
     * free, and the alignment mask keeps the natural starting points.
     */
    private static long freeGroupStarts(final long word, final int order)
    {
        long free = ~word;
        final int pages = Pfn.pageCount(order);
        for (int shift = 1; shift < pages; shift <<= 1)
        {
            free &= free >>> shift;
        }

        return free & GROUP_STARTS[order];
    }

    private static long banMask(
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

    /** Index of the first banned range whose end is at or after {@code pfn}; the count when none. */
    private static int firstBanEndingAtOrAfter(final long[] bans, final long pfn)
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

    private static void setBits(final UnsafeBuffer bitmap, final int index, final long mask)
    {
        long word;
        do
        {
            word = bitmap.getLongVolatile(index);
        }
        while (!bitmap.compareAndSetLong(index, word, word | mask));
    }

    private static void clearBits(final UnsafeBuffer bitmap, final int index, final long mask)
    {
        long word;
        do
        {
            word = bitmap.getLongVolatile(index);
        }
        while (!bitmap.compareAndSetLong(index, word, word & ~mask));
    }
}
