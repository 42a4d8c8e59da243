package org.pkram.mem;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.pkram.error.Errno;
import org.pkram.error.InvalidArgumentException;
import org.pkram.error.OutOfPagesException;
import org.pkram.layout.Pfn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PageAllocatorTest
{
    private static final int SMALL_PFNS = 4096;

    @Test
    void shouldRejectAllocatorWithoutAUsablePage()
    {
        assertThrows(IllegalArgumentException.class, () -> new PageAllocator(0));
        assertThrows(IllegalArgumentException.class, () -> new PageAllocator(1));
        assertThrows(IllegalArgumentException.class, () -> new PageAllocator(PageAllocator.MAX_TOTAL_PFNS + 1));

        final PageAllocator allocator = new PageAllocator(2);
        assertEquals(1, allocator.totalPages());
        assertEquals(1, allocator.alloc(0));
        assertEquals(Pfn.NULL_PFN, allocator.tryAlloc(0));
        assertBalanced(allocator);
    }

    @ParameterizedTest
    @ValueSource(longs = {2, 63, 64, 65, 130, SMALL_PFNS})
    void shouldNeverReturnPfnZero(final long totalPfns)
    {
        final PageAllocator allocator = new PageAllocator(totalPfns);
        final List<Long> pfns = drain(allocator, 0);

        assertFalse(pfns.contains(Pfn.NULL_PFN));
        assertEquals(totalPfns - 1, pfns.size());
        assertTrue(allocator.isTaken(0));
        assertFalse(allocator.isReserved(0));
        assertEquals(0, allocator.freePages());
        assertBalanced(allocator);
    }

    @Test
    void shouldNeverReturnTheFolioHoldingPfnZero()
    {
        for (int order = 1; order <= Pfn.MAX_FOLIO_ORDER; order++)
        {
            final PageAllocator allocator = new PageAllocator(SMALL_PFNS);
            final List<Long> pfns = drain(allocator, order);

            assertFalse(pfns.contains(Pfn.NULL_PFN), "order=" + order);
            assertEquals(SMALL_PFNS / Pfn.pageCount(order) - 1, pfns.size(), "order=" + order);
            assertEquals(Pfn.pageCount(order) - 1, allocator.freePages(), "order=" + order);
            assertBalanced(allocator);
        }
    }

    @Test
    void shouldAlignEveryOrder()
    {
        final long totalPfns = (1 << 14) + 37;
        final PageAllocator allocator = new PageAllocator(totalPfns);
        final BitSet seen = new BitSet();

        for (int round = 0; round < 3; round++)
        {
            for (int order = 0; order <= Pfn.MAX_FOLIO_ORDER; order++)
            {
                final long pfn = allocator.alloc(order);
                final int pages = Pfn.pageCount(order);

                assertNotEquals(Pfn.NULL_PFN, pfn);
                assertEquals(0, pfn % pages, "order=" + order + " pfn=" + pfn);
                assertTrue(pfn + pages <= totalPfns, "order=" + order + " pfn=" + pfn);
                final int clash = seen.nextSetBit((int)pfn);
                assertTrue(clash < 0 || clash >= pfn + pages, "overlap at order=" + order + " pfn=" + pfn);
                seen.set((int)pfn, (int)pfn + pages);
                for (long p = pfn; p < pfn + pages; p++)
                {
                    assertTrue(allocator.isTaken(p));
                }
                assertBalanced(allocator);
            }
        }
        assertEquals(seen.cardinality(), allocator.usedPages());
    }

    @Test
    void shouldExhaustAtOrderZeroThenFailWithEnomem()
    {
        final PageAllocator allocator = new PageAllocator(SMALL_PFNS);
        final BitSet handedOut = new BitSet();
        for (int i = 0; i < SMALL_PFNS - 1; i++)
        {
            final long pfn = allocator.alloc(0);
            assertFalse(handedOut.get((int)pfn), "handed out twice: pfn=" + pfn);
            handedOut.set((int)pfn);
        }

        assertEquals(SMALL_PFNS - 1, handedOut.cardinality());
        assertEquals(SMALL_PFNS - 1, allocator.usedPages());
        assertEquals(0, allocator.freePages());

        final OutOfPagesException e = assertThrows(OutOfPagesException.class, () -> allocator.alloc(0));
        assertEquals(Errno.ENOMEM, e.errno());
        assertEquals(12, e.errno().number());
        assertEquals("ENOMEM: no free folio: order=0, freePages=0", e.getMessage());
        assertEquals(Pfn.NULL_PFN, allocator.tryAlloc(0));
        assertEquals(Pfn.NULL_PFN, allocator.tryAlloc(Pfn.MAX_FOLIO_ORDER));
        assertBalanced(allocator);
    }

    @Test
    void shouldFailOrderTenWhenOnlyFragmentsRemain()
    {
        final PageAllocator allocator = new PageAllocator(SMALL_PFNS);
        drain(allocator, 0);
        for (long pfn = 2; pfn < SMALL_PFNS; pfn += 2)
        {
            allocator.free(pfn, 0);
        }
        assertEquals(SMALL_PFNS / 2 - 1, allocator.freePages());
        assertBalanced(allocator);

        for (int order = 1; order <= Pfn.MAX_FOLIO_ORDER; order++)
        {
            final int failedOrder = order;
            final OutOfPagesException e =
                assertThrows(OutOfPagesException.class, () -> allocator.alloc(failedOrder));
            assertEquals(Errno.ENOMEM, e.errno());
            assertTrue(e.getMessage().contains("order=" + order + ", freePages=" + (SMALL_PFNS / 2 - 1)),
                e.getMessage());
        }
        assertEquals(SMALL_PFNS / 2 - 1, allocator.freePages());
        assertEquals(0, allocator.alloc(0) % 2);
        assertBalanced(allocator);
    }

    @Test
    void shouldHandOutLargeFoliosUntilNoneRemain()
    {
        final PageAllocator allocator = new PageAllocator(SMALL_PFNS);
        final List<Long> pfns = drain(allocator, Pfn.MAX_FOLIO_ORDER);
        pfns.sort(null);

        assertEquals(List.of(1024L, 2048L, 3072L), pfns);
        assertThrows(OutOfPagesException.class, () -> allocator.alloc(Pfn.MAX_FOLIO_ORDER));
        assertEquals(1023, allocator.freePages());
        assertEquals(512, allocator.alloc(9));
        assertBalanced(allocator);
    }

    @Test
    void shouldReallocateFreedFolio()
    {
        for (int order = 0; order <= Pfn.MAX_FOLIO_ORDER; order++)
        {
            final PageAllocator allocator = new PageAllocator(SMALL_PFNS);
            final List<Long> pfns = drain(allocator, order);
            final long victim = pfns.get(pfns.size() / 2);

            allocator.free(victim, order);
            assertEquals(Pfn.pageCount(order) * 2L - 1, allocator.freePages(), "order=" + order);
            for (long p = victim; p < victim + Pfn.pageCount(order); p++)
            {
                assertFalse(allocator.isTaken(p));
            }
            assertBalanced(allocator);

            assertEquals(victim, allocator.alloc(order), "order=" + order);
            assertEquals(Pfn.NULL_PFN, allocator.tryAlloc(order));
            assertBalanced(allocator);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 3, 5, 6, 9, 10})
    void shouldRejectDoubleFreeAndLeaveCountsUnchanged(final int order)
    {
        final PageAllocator allocator = new PageAllocator(SMALL_PFNS);
        final long kept = allocator.alloc(order);
        final long freed = allocator.alloc(order);
        allocator.free(freed, order);
        final long used = allocator.usedPages();
        final long free = allocator.freePages();

        final IllegalStateException e =
            assertThrows(IllegalStateException.class, () -> allocator.free(freed, order));
        assertTrue(e.getMessage().startsWith("double free: pfn=" + freed), e.getMessage());
        assertEquals(used, allocator.usedPages());
        assertEquals(free, allocator.freePages());
        assertTrue(allocator.isTaken(kept));
        assertFalse(allocator.isTaken(freed));
        assertBalanced(allocator);
    }

    @Test
    void shouldRejectFreeOfPartlyTakenFolioAndChangeNothing()
    {
        final PageAllocator allocator = new PageAllocator(SMALL_PFNS);
        assertTrue(allocator.reserve(9, 0));
        assertThrows(IllegalStateException.class, () -> allocator.free(8, 3));
        assertTrue(allocator.isTaken(9));
        assertTrue(allocator.isReserved(9));
        assertEquals(1, allocator.reservedPages());

        // Whole-word folios: the first word is taken, the second is not.
        assertTrue(allocator.reserve(256, 6));
        assertThrows(IllegalStateException.class, () -> allocator.free(256, 7));
        for (long p = 256; p < 320; p++)
        {
            assertTrue(allocator.isReserved(p));
        }
        assertEquals(65, allocator.reservedPages());
        assertEquals(0, allocator.usedPages());
        assertBalanced(allocator);
    }

    @Test
    void shouldRejectFreeOutOfRange()
    {
        final PageAllocator allocator = new PageAllocator(SMALL_PFNS);
        assertThrows(IllegalArgumentException.class, () -> allocator.free(0, 0));
        assertThrows(IllegalArgumentException.class, () -> allocator.free(3, 1));
        assertThrows(IllegalArgumentException.class, () -> allocator.free(SMALL_PFNS, 0));
        assertThrows(IllegalArgumentException.class, () -> allocator.free(-1, 0));
        final InvalidArgumentException e =
            assertThrows(InvalidArgumentException.class, () -> allocator.free(1024, 11));
        assertEquals(Errno.EINVAL, e.errno());
        assertBalanced(allocator);
    }

    @Test
    void shouldRejectInvalidOrder()
    {
        final PageAllocator allocator = new PageAllocator(SMALL_PFNS);
        for (final int order : new int[]{-1, Pfn.MAX_FOLIO_ORDER + 1, Integer.MAX_VALUE})
        {
            assertEquals(Errno.EINVAL,
                assertThrows(InvalidArgumentException.class, () -> allocator.alloc(order)).errno());
            assertEquals(Errno.EINVAL,
                assertThrows(InvalidArgumentException.class, () -> allocator.tryAlloc(order)).errno());
            assertEquals(Errno.EINVAL,
                assertThrows(InvalidArgumentException.class, () -> allocator.reserve(1024, order)).errno());
            assertEquals(Errno.EINVAL,
                assertThrows(InvalidArgumentException.class, () -> allocator.isBanned(1024, order)).errno());
        }
        assertEquals(0, allocator.usedPages());
    }

    @Test
    void shouldReserveAllOrNothing()
    {
        final PageAllocator allocator = new PageAllocator(SMALL_PFNS);
        assertTrue(allocator.reserve(40, 3));
        assertEquals(8, allocator.reservedPages());
        for (long p = 40; p < 48; p++)
        {
            assertTrue(allocator.isTaken(p));
            assertTrue(allocator.isReserved(p));
        }
        assertFalse(allocator.isReserved(39));
        assertFalse(allocator.isReserved(48));
        assertBalanced(allocator);

        assertFalse(allocator.reserve(44, 2));
        assertFalse(allocator.reserve(32, 4));
        assertFalse(allocator.reserve(32, 5));
        for (long p = 32; p < 40; p++)
        {
            assertFalse(allocator.isTaken(p), "pfn=" + p);
        }
        assertEquals(8, allocator.reservedPages());
        assertBalanced(allocator);

        final long allocated = allocator.alloc(0);
        assertFalse(allocator.reserve(allocated, 0));
        assertFalse(allocator.isReserved(allocated));
        assertEquals(8, allocator.reservedPages());
        assertEquals(1, allocator.usedPages());
        assertBalanced(allocator);
    }

    @Test
    void shouldReserveWholeWordsAllOrNothing()
    {
        final PageAllocator allocator = new PageAllocator(SMALL_PFNS);
        assertTrue(allocator.reserve(2048 + 1023, 0));

        assertFalse(allocator.reserve(2048, 10));
        for (long p = 2048; p < 2048 + 1023; p++)
        {
            assertFalse(allocator.isTaken(p), "pfn=" + p);
        }
        assertEquals(1, allocator.reservedPages());
        assertBalanced(allocator);

        assertTrue(allocator.reserve(1024, 10));
        assertEquals(1025, allocator.reservedPages());
        assertFalse(allocator.reserve(1024 + 512, 9));
        assertFalse(allocator.reserve(1024, 6));
        assertBalanced(allocator);

        final List<Long> rest = drain(allocator, 0);
        for (final long pfn : rest)
        {
            assertFalse(pfn >= 1024 && pfn < 2048, "reserved page handed out: pfn=" + pfn);
            assertNotEquals(2048 + 1023, pfn);
        }
        assertEquals(SMALL_PFNS - 1 - 1025, rest.size());
    }

    @Test
    void shouldRejectReserveOutOfRangeOrMisaligned()
    {
        final PageAllocator allocator = new PageAllocator(SMALL_PFNS);
        assertThrows(IllegalArgumentException.class, () -> allocator.reserve(0, 0));
        assertThrows(IllegalArgumentException.class, () -> allocator.reserve(0, 10));
        assertThrows(IllegalArgumentException.class, () -> allocator.reserve(6, 2));
        assertThrows(IllegalArgumentException.class, () -> allocator.reserve(SMALL_PFNS, 0));
        assertThrows(IllegalArgumentException.class, () -> allocator.reserve(-8, 3));
        assertThrows(IllegalArgumentException.class, () -> new PageAllocator(SMALL_PFNS + 5).reserve(SMALL_PFNS, 3));
        assertEquals(0, allocator.reservedPages());
        assertBalanced(allocator);
    }

    @Test
    void shouldReserveInsideBannedRegion()
    {
        final PageAllocator allocator = new PageAllocator(SMALL_PFNS);
        assertTrue(allocator.banRegion(100, 1999));
        assertEquals(1900, allocator.bannedPages());

        assertTrue(allocator.reserve(104, 2));
        assertTrue(allocator.reserve(1024, 9));
        assertEquals(516, allocator.reservedPages());
        assertEquals(1900 - 516, allocator.bannedPages());
        assertTrue(allocator.isBanned(104, 2));
        assertBalanced(allocator);

        allocator.free(104, 2);
        assertEquals(512, allocator.reservedPages());
        assertEquals(1900 - 512, allocator.bannedPages());
        assertBalanced(allocator);
    }

    @Test
    void shouldCountFreedReservedPagesAsFree()
    {
        final PageAllocator allocator = new PageAllocator(SMALL_PFNS);
        assertTrue(allocator.reserve(64, 6));
        assertTrue(allocator.reserve(8, 3));
        final long allocated = allocator.alloc(3);
        final long free = allocator.freePages();

        allocator.free(64, 6);
        assertEquals(8, allocator.reservedPages());
        assertEquals(8, allocator.usedPages());
        assertEquals(free + 64, allocator.freePages());
        assertFalse(allocator.isReserved(64));

        // A reserved folio may be given back in smaller pieces.
        allocator.free(8, 2);
        allocator.free(12, 0);
        assertEquals(3, allocator.reservedPages());
        allocator.free(allocated, 3);
        assertEquals(0, allocator.usedPages());
        assertBalanced(allocator);

        assertEquals(SMALL_PFNS - 1 - 3, drain(allocator, 0).size());
    }

    @Test
    void shouldNeverHandOutBannedPages()
    {
        final int totalPfns = (1 << 14) + 5;
        final long[][] bans = {{0, 0}, {5, 5}, {62, 70}, {100, 1000}, {2061, 2061}, {4000, 6000}, {8192, 9215},
            {totalPfns - 3, totalPfns - 1}};

        for (int order = 0; order <= Pfn.MAX_FOLIO_ORDER; order++)
        {
            final PageAllocator allocator = new PageAllocator(totalPfns);
            final BitSet banned = new BitSet();
            for (final long[] ban : bans)
            {
                assertTrue(allocator.banRegion(ban[0], ban[1]));
                banned.set((int)ban[0], (int)ban[1] + 1);
            }
            assertEquals(banned.cardinality() - 1, allocator.bannedPages());
            assertBalanced(allocator);

            final List<Long> pfns = drain(allocator, order);
            final int pages = Pfn.pageCount(order);
            for (final long pfn : pfns)
            {
                final int next = banned.nextSetBit((int)pfn);
                assertTrue(next < 0 || next >= pfn + pages, "banned page handed out: order=" + order + " pfn=" + pfn);
                assertFalse(allocator.isBanned(pfn, order));
            }
            assertEquals(countFreeGroups(new BitSet(), banned, totalPfns, order), pfns.size(), "order=" + order);
            assertBalanced(allocator);
        }
    }

    @Test
    void shouldFindEveryFreeFolioWhicheverThreadAsks() throws InterruptedException
    {
        // Threads with consecutive ids start their searches at different cursors; each must still
        // wrap around and find every free folio.
        final int totalPfns = SMALL_PFNS * 2 + 5;
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        for (int t = 0; t < 16; t++)
        {
            final Thread thread = new Thread(() ->
            {
                try
                {
                    for (int order = 0; order <= Pfn.MAX_FOLIO_ORDER; order++)
                    {
                        final PageAllocator allocator = new PageAllocator(totalPfns);
                        final BitSet taken = new BitSet();
                        final BitSet banned = new BitSet();
                        taken.set(0);
                        assertTrue(allocator.banRegion(3000, 3100));
                        banned.set(3000, 3101);
                        assertTrue(allocator.banRegion(7000, 7000));
                        banned.set(7000);
                        for (final int pfn : new int[]{64, 2048, 5120, 6144 + 640, totalPfns - 2})
                        {
                            assertTrue(allocator.reserve(pfn, 0));
                            taken.set(pfn);
                        }

                        final int expected = countFreeGroups(taken, banned, totalPfns, order);
                        assertEquals(expected, drain(allocator, order).size(), "order=" + order);
                    }
                }
                catch (final Throwable e)
                {
                    failure.compareAndSet(null, e);
                }
            });
            thread.start();
            thread.join();
        }
        if (failure.get() != null)
        {
            throw new AssertionError(failure.get());
        }
    }

    @Test
    void shouldAppendDisjointBansInOrder()
    {
        final PageAllocator allocator = new PageAllocator(SMALL_PFNS);
        assertTrue(allocator.banRegion(500, 600));
        assertTrue(allocator.banRegion(100, 200));
        assertTrue(allocator.banRegion(900, 900));
        assertTrue(allocator.banRegion(300, 400));
        assertTrue(allocator.banRegion(1, 50));

        assertArrayEquals(new long[]{1, 50, 100, 200, 300, 400, 500, 600, 900, 900}, allocator.bannedRegions());
        assertEquals(50 + 101 + 101 + 101 + 1, allocator.bannedPages());
        assertBalanced(allocator);
    }

    @Test
    void shouldMergeOverlappingBan()
    {
        final PageAllocator allocator = new PageAllocator(SMALL_PFNS);
        assertTrue(allocator.banRegion(100, 200));
        assertTrue(allocator.banRegion(150, 250));
        assertArrayEquals(new long[]{100, 250}, allocator.bannedRegions());
        assertTrue(allocator.banRegion(50, 100));
        assertArrayEquals(new long[]{50, 250}, allocator.bannedRegions());
        assertEquals(201, allocator.bannedPages());
        assertBalanced(allocator);
    }

    @Test
    void shouldMergeBanAdjacentOnEitherSide()
    {
        final PageAllocator allocator = new PageAllocator(SMALL_PFNS);
        assertTrue(allocator.banRegion(100, 200));
        assertTrue(allocator.banRegion(201, 210));
        assertArrayEquals(new long[]{100, 210}, allocator.bannedRegions());
        assertTrue(allocator.banRegion(90, 99));
        assertArrayEquals(new long[]{90, 210}, allocator.bannedRegions());

        // One pfn apart is not adjacent.
        assertTrue(allocator.banRegion(212, 220));
        assertArrayEquals(new long[]{90, 210, 212, 220}, allocator.bannedRegions());
        assertTrue(allocator.banRegion(80, 88));
        assertArrayEquals(new long[]{80, 88, 90, 210, 212, 220}, allocator.bannedRegions());
        assertEquals(9 + 121 + 9, allocator.bannedPages());
        assertBalanced(allocator);
    }

    @Test
    void shouldKeepBanContainedInExistingOne()
    {
        final PageAllocator allocator = new PageAllocator(SMALL_PFNS);
        assertTrue(allocator.banRegion(100, 200));
        assertTrue(allocator.banRegion(120, 130));
        assertTrue(allocator.banRegion(100, 200));
        assertTrue(allocator.banRegion(200, 200));
        assertArrayEquals(new long[]{100, 200}, allocator.bannedRegions());

        assertTrue(allocator.banRegion(50, 300));
        assertArrayEquals(new long[]{50, 300}, allocator.bannedRegions());
        assertBalanced(allocator);
    }

    @Test
    void shouldMergeBanSpanningSeveralRegions()
    {
        final PageAllocator allocator = new PageAllocator(SMALL_PFNS);
        assertTrue(allocator.banRegion(10, 20));
        assertTrue(allocator.banRegion(100, 200));
        assertTrue(allocator.banRegion(300, 400));
        assertTrue(allocator.banRegion(500, 600));
        assertTrue(allocator.banRegion(700, 800));

        // Adjacent to the 100..200 region on the left and overlapping up to 500..600.
        assertTrue(allocator.banRegion(201, 550));
        assertArrayEquals(new long[]{10, 20, 100, 600, 700, 800}, allocator.bannedRegions());

        // Fills both gaps exactly: three regions become one.
        assertTrue(allocator.banRegion(21, 99));
        assertTrue(allocator.banRegion(601, 699));
        assertArrayEquals(new long[]{10, 800}, allocator.bannedRegions());
        assertEquals(791, allocator.bannedPages());
        assertBalanced(allocator);
    }

    @Test
    void shouldRefuseThirtyFifthDisjointBan()
    {
        final PageAllocator allocator = new PageAllocator(SMALL_PFNS);
        for (int i = 0; i < PageAllocator.MAX_BANNED_REGIONS; i++)
        {
            assertTrue(allocator.banRegion(10L + i * 100, 10L + i * 100 + 9), "region " + i);
        }
        final long[] full = allocator.bannedRegions();
        assertEquals(PageAllocator.MAX_BANNED_REGIONS * 2, full.length);
        final long bannedPages = allocator.bannedPages();

        assertFalse(allocator.banRegion(3500, 3600));
        assertFalse(allocator.banRegion(1, 5));
        assertArrayEquals(full, allocator.bannedRegions());
        assertEquals(bannedPages, allocator.bannedPages());
        assertFalse(allocator.isBanned(3500, 0));
        assertBalanced(allocator);

        // A full array still merges: adjacency and containment need no new slot.
        assertTrue(allocator.banRegion(20, 25));
        assertTrue(allocator.banRegion(12, 14));
        assertEquals(PageAllocator.MAX_BANNED_REGIONS * 2, allocator.bannedRegions().length);
        assertEquals(bannedPages + 6, allocator.bannedPages());
        assertTrue(allocator.banRegion(15, 115));
        assertEquals((PageAllocator.MAX_BANNED_REGIONS - 1) * 2, allocator.bannedRegions().length);
        assertTrue(allocator.banRegion(3500, 3600));
        assertBalanced(allocator);
    }

    @Test
    void shouldRejectInvalidBan()
    {
        final PageAllocator allocator = new PageAllocator(SMALL_PFNS);
        assertThrows(IllegalArgumentException.class, () -> allocator.banRegion(10, 9));
        assertThrows(IllegalArgumentException.class, () -> allocator.banRegion(-1, 9));
        assertThrows(IllegalArgumentException.class, () -> allocator.banRegion(10, SMALL_PFNS));
        assertEquals(0, allocator.bannedRegions().length);
        assertTrue(allocator.banRegion(SMALL_PFNS - 1, SMALL_PFNS - 1));
        assertEquals(1, allocator.bannedPages());
    }

    @Test
    void shouldTellWhetherAFolioOverlapsABan()
    {
        final PageAllocator allocator = new PageAllocator(SMALL_PFNS);
        assertFalse(allocator.isBanned(1024, 10));
        assertTrue(allocator.banRegion(1000, 1000));
        assertTrue(allocator.banRegion(2047, 2100));

        assertTrue(allocator.isBanned(1000, 0));
        assertFalse(allocator.isBanned(999, 0));
        assertFalse(allocator.isBanned(1001, 0));
        assertFalse(allocator.isBanned(992, 3));
        assertTrue(allocator.isBanned(992, 4));
        assertTrue(allocator.isBanned(1000, 3));
        assertFalse(allocator.isBanned(1008, 3));
        assertTrue(allocator.isBanned(0, 10));
        assertTrue(allocator.isBanned(1024, 10));
        assertTrue(allocator.isBanned(2048, 6));
        assertTrue(allocator.isBanned(2048 + 32, 5));
        assertFalse(allocator.isBanned(2048 + 64, 6));
        assertFalse(allocator.isBanned(3072, 10));
    }

    @Test
    void shouldCountOnlyUntakenPagesAsBanned()
    {
        final PageAllocator allocator = new PageAllocator(SMALL_PFNS);
        drain(allocator, 0);
        for (long pfn = 100; pfn < SMALL_PFNS; pfn++)
        {
            allocator.free(pfn, 0);
        }
        assertEquals(99, allocator.usedPages());
        final long free = allocator.freePages();

        assertTrue(allocator.banRegion(0, 199));
        assertEquals(100, allocator.bannedPages());
        assertEquals(free - 100, allocator.freePages());
        assertBalanced(allocator);

        for (long pfn = 1; pfn < 100; pfn++)
        {
            allocator.free(pfn, 0);
        }
        assertEquals(199, allocator.bannedPages());
        assertEquals(free - 100, allocator.freePages());
        assertEquals(0, allocator.usedPages());
        assertBalanced(allocator);
    }

    @Test
    void shouldUseOneBitPerPfn()
    {
        final long eightGiBOfPfns = (8L << 30) >>> Pfn.PAGE_SHIFT;
        final PageAllocator allocator = new PageAllocator(eightGiBOfPfns);
        assertEquals(256 * 1024, allocator.bitmapBytes());
        assertEquals(eightGiBOfPfns - 1, allocator.freePages());
        final long pfn = allocator.alloc(Pfn.MAX_FOLIO_ORDER);
        assertNotEquals(Pfn.NULL_PFN, pfn);
        assertEquals(0, pfn % Pfn.pageCount(Pfn.MAX_FOLIO_ORDER));
        assertEquals(eightGiBOfPfns - 1 - Pfn.pageCount(Pfn.MAX_FOLIO_ORDER), allocator.freePages());
    }

    @Test
    void shouldMatchModelUnderRandomOperations()
    {
        final long seed = Long.getLong("pkram.test.seed", System.nanoTime());
        try
        {
            runRandomOperations(new Random(seed), 20_000, (1 << 14) + 5);
        }
        catch (final AssertionError | RuntimeException e)
        {
            throw new AssertionError("random operations failed, rerun with -Dpkram.test.seed=" + seed, e);
        }
    }

    @Test
    void shouldNotLetADoomedWholeWordClaimHideAFreeFolio() throws InterruptedException
    {
        // Words 4-5 and 8-9 are free, every other word is reserved but 6 and 10. Two threads ask for order 8
        // (words 4-7 or 8-11), which never fits: words 7 and 11 are reserved. Two threads allocate and free
        // order 7 (words 4-5 or 8-9): each holds at most one, so one of the two is always free for the other.
        final PageAllocator allocator = new PageAllocator(12 * 64);
        for (final int word : new int[] {1, 2, 3, 7, 11})
        {
            assertTrue(allocator.reserve(word * 64L, 6));
        }
        final long[] denied = contend(allocator, new int[] {8, 8, 7, 7}, TimeUnit.MILLISECONDS.toNanos(1500));
        assertEquals(0, denied[2] + denied[3], "order-7 ENOMEM while a fit was free, of " + denied[4] +
            " alloc calls");
        assertTrue(denied[0] > 0 && denied[1] > 0, "order 8 never fits");
        assertEquals(0, allocator.usedPages());
    }

    @Test
    void shouldNotReportEnomemWhileAFitIsFreeUnderContention() throws InterruptedException
    {
        // 20 words are five aligned groups of four words, the span of an order-8 folio; the first holds pfn 0.
        // Each thread holds at most one folio of order 0..8 at a time, inside one group: the other three touch
        // at most three of groups 1..4, so at every instant a fit is free for whatever a thread asks.
        final PageAllocator allocator = new PageAllocator(20 * 64);
        final long[] denied = contend(allocator, new int[] {-1, -1, -1, -1}, TimeUnit.SECONDS.toNanos(2));
        assertEquals(0, denied[0] + denied[1] + denied[2] + denied[3], "ENOMEM while a fit was free, of " +
            denied[4] + " alloc calls");
        assertEquals(0, allocator.usedPages());
    }

    /**
     * One thread per entry of {@code orders}, each allocating a folio of that order (-1: a random order 0..8)
     * and freeing it at once, over and over, for {@code runNanos}.
     *
     * @return the ENOMEM count of each thread, then the number of allocations.
     */
    private static long[] contend(final PageAllocator allocator, final int[] orders, final long runNanos)
        throws InterruptedException
    {
        final long seed = Long.getLong("pkram.test.seed", System.nanoTime());
        final long[] denied = new long[orders.length + 1];
        final LongAdder operations = new LongAdder();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final CountDownLatch start = new CountDownLatch(1);
        final List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < orders.length; t++)
        {
            final int me = t;
            final Random random = new Random(seed + t);
            workers.add(new Thread(() ->
            {
                try
                {
                    start.await();
                    final long end = System.nanoTime() + runNanos;
                    long enomem = 0;
                    while (System.nanoTime() < end)
                    {
                        for (int i = 0; i < 1000; i++)
                        {
                            final int order = orders[me] < 0 ? random.nextInt(9) : orders[me];
                            try
                            {
                                allocator.free(allocator.alloc(order), order);
                            }
                            catch (final OutOfPagesException ex)
                            {
                                enomem++;
                            }
                        }
                        operations.add(1000);
                    }
                    denied[me] = enomem;
                }
                catch (final Throwable ex)
                {
                    failure.compareAndSet(null, ex);
                }
            }, "contend-" + t));
        }

        workers.forEach(Thread::start);
        start.countDown();
        for (final Thread worker : workers)
        {
            worker.join(TimeUnit.SECONDS.toMillis(30));
            assertFalse(worker.isAlive(), "worker stuck: " + worker.getName());
        }
        if (failure.get() != null)
        {
            throw new AssertionError("worker failed, seed=" + seed, failure.get());
        }
        denied[orders.length] = operations.sum();
        return denied;
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 4})
    void shouldNeverHandOutAPageTwiceUnderConcurrency(final int threads) throws InterruptedException
    {
        final int totalPfns = 1 << 16;
        final int opsPerThread = 200_000;
        final int maxLivePerThread = 256;
        final long seed = Long.getLong("pkram.test.seed", System.nanoTime());
        final PageAllocator allocator = new PageAllocator(totalPfns);
        assertTrue(allocator.banRegion(1000, 1999));
        assertTrue(allocator.banRegion(40_000, 40_100));
        final long initialFree = allocator.freePages();

        final AtomicIntegerArray owner = new AtomicIntegerArray(totalPfns);
        final AtomicReference<String> failure = new AtomicReference<>();
        final CountDownLatch start = new CountDownLatch(1);
        final List<List<long[]>> liveByThread = new ArrayList<>();
        final List<Thread> workers = new ArrayList<>();

        for (int t = 0; t < threads; t++)
        {
            final int me = t + 1;
            final Random random = new Random(seed + t);
            final List<long[]> live = new ArrayList<>();
            liveByThread.add(live);
            workers.add(new Thread(() ->
            {
                try
                {
                    start.await();
                    for (int op = 0; op < opsPerThread && failure.get() == null; op++)
                    {
                        if (!live.isEmpty() && (live.size() >= maxLivePerThread || random.nextInt(100) < 45))
                        {
                            final long[] folio = live.remove(random.nextInt(live.size()));
                            final int pages = Pfn.pageCount((int)folio[1]);
                            // Give up ownership first: the moment free returns, another thread may
                            // legitimately get these pages.
                            for (int p = (int)folio[0]; p < folio[0] + pages; p++)
                            {
                                if (!owner.compareAndSet(p, me, 0))
                                {
                                    failure.compareAndSet(null, "page stolen while held: pfn=" + p);
                                }
                            }
                            allocator.free(folio[0], (int)folio[1]);
                        }
                        else
                        {
                            final int order = randomOrder(random);
                            final long pfn = allocator.tryAlloc(order);
                            if (pfn == Pfn.NULL_PFN)
                            {
                                continue;
                            }
                            final int pages = Pfn.pageCount(order);
                            if (pfn % pages != 0 || pfn + pages > totalPfns || allocator.isBanned(pfn, order))
                            {
                                failure.compareAndSet(null, "bad folio: pfn=" + pfn + ", order=" + order);
                            }
                            for (int p = (int)pfn; p < pfn + pages; p++)
                            {
                                if (!owner.compareAndSet(p, 0, me))
                                {
                                    failure.compareAndSet(null, "page handed out twice: pfn=" + p +
                                        ", order=" + order + ", owners=" + owner.get(p) + "," + me);
                                }
                            }
                            live.add(new long[]{pfn, order});
                        }
                    }
                }
                catch (final Throwable e)
                {
                    failure.compareAndSet(null, "worker failed: " + e);
                }
            }, "alloc-" + me));
        }

        workers.forEach(Thread::start);
        start.countDown();
        for (final Thread worker : workers)
        {
            worker.join(TimeUnit.SECONDS.toMillis(60));
            assertFalse(worker.isAlive(), "worker stuck: " + worker.getName());
        }
        assertNull(failure.get(), "seed=" + seed);

        for (final List<long[]> live : liveByThread)
        {
            for (final long[] folio : live)
            {
                allocator.free(folio[0], (int)folio[1]);
            }
        }
        assertEquals(0, allocator.usedPages());
        assertEquals(initialFree, allocator.freePages());
        assertEquals(initialFree, drain(allocator, 0).size());
    }

    private static int randomOrder(final Random random)
    {
        final int bucket = random.nextInt(100);
        if (bucket < 70)
        {
            return random.nextInt(3);
        }
        if (bucket < 92)
        {
            return 3 + random.nextInt(4);
        }

        return 7 + random.nextInt(4);
    }

    private static void runRandomOperations(final Random random, final int steps, final int totalPfns)
    {
        final PageAllocator allocator = new PageAllocator(totalPfns);
        final BitSet taken = new BitSet(totalPfns);
        final BitSet reserved = new BitSet(totalPfns);
        final BitSet banned = new BitSet(totalPfns);
        final List<long[]> live = new ArrayList<>();
        taken.set(0);

        for (int step = 0; step < steps; step++)
        {
            final int action = random.nextInt(1000);
            if (action < 450)
            {
                final int order = randomOrder(random);
                final int pages = Pfn.pageCount(order);
                final long pfn = allocator.tryAlloc(order);
                if (pfn == Pfn.NULL_PFN)
                {
                    assertEquals(0, countFreeGroups(taken, banned, totalPfns, order),
                        "step " + step + ": no folio returned although one is free, order=" + order);
                }
                else
                {
                    final int p = (int)pfn;
                    assertNotEquals(Pfn.NULL_PFN, pfn);
                    assertEquals(0, pfn % pages, "step " + step + ": misaligned pfn=" + pfn + " order=" + order);
                    assertTrue(p + pages <= totalPfns, "step " + step + ": past the end pfn=" + pfn);
                    final int takenAt = taken.nextSetBit(p);
                    assertTrue(takenAt < 0 || takenAt >= p + pages,
                        "step " + step + ": handed out twice pfn=" + takenAt + " in folio " + pfn + "/" + order);
                    final int bannedAt = banned.nextSetBit(p);
                    assertTrue(bannedAt < 0 || bannedAt >= p + pages,
                        "step " + step + ": banned pfn=" + bannedAt + " in folio " + pfn + "/" + order);
                    taken.set(p, p + pages);
                    live.add(new long[]{pfn, order});
                }
            }
            else if (action < 850)
            {
                if (!live.isEmpty())
                {
                    final int index = random.nextInt(live.size());
                    final long[] folio = live.get(index);
                    live.set(index, live.get(live.size() - 1));
                    live.remove(live.size() - 1);
                    allocator.free(folio[0], (int)folio[1]);
                    final int p = (int)folio[0];
                    final int end = p + Pfn.pageCount((int)folio[1]);
                    taken.clear(p, end);
                    reserved.clear(p, end);
                }
            }
            else if (action < 920)
            {
                final int order = random.nextInt(4);
                final int pages = Pfn.pageCount(order);
                final int p = pages * (1 + random.nextInt(totalPfns / pages - 1));
                final int takenAt = taken.nextSetBit(p);
                if (takenAt >= 0 && takenAt < p + pages && taken.nextClearBit(p) < p + pages)
                {
                    final long used = allocator.usedPages();
                    final long reservedPages = allocator.reservedPages();
                    assertThrows(IllegalStateException.class, () -> allocator.free(p, order),
                        "step " + step + ": partly taken folio freed " + p + "/" + order);
                    assertEquals(used, allocator.usedPages());
                    assertEquals(reservedPages, allocator.reservedPages());
                }
                else if (takenAt < 0 || takenAt >= p + pages)
                {
                    assertThrows(IllegalStateException.class, () -> allocator.free(p, order),
                        "step " + step + ": free folio freed " + p + "/" + order);
                }
            }
            else if (action < 995)
            {
                final int order = random.nextInt(100) < 80 ? random.nextInt(4) : random.nextInt(11);
                final int pages = Pfn.pageCount(order);
                final int p = pages * (1 + random.nextInt(totalPfns / pages - 1));
                final int takenAt = taken.nextSetBit(p);
                final boolean expected = takenAt < 0 || takenAt >= p + pages;
                assertEquals(expected, allocator.reserve(p, order), "step " + step + ": reserve " + p + "/" + order);
                if (expected)
                {
                    taken.set(p, p + pages);
                    reserved.set(p, p + pages);
                    live.add(new long[]{p, order});
                }
            }
            else
            {
                final int start = random.nextInt(totalPfns);
                final int end = Math.min(totalPfns - 1, start + random.nextInt(200));
                final int before = banned.nextSetBit(Math.max(0, start - 1));
                final boolean touches = before >= 0 && before <= end + 1;
                final boolean expected = touches || countRuns(banned) < PageAllocator.MAX_BANNED_REGIONS;
                assertEquals(expected, allocator.banRegion(start, end), "step " + step + ": ban " + start + ".." + end);
                if (expected)
                {
                    banned.set(start, end + 1);
                }
                assertArrayEquals(runs(banned), allocator.bannedRegions(), "step " + step);
            }

            final long usedModel = taken.cardinality() - 1 - reserved.cardinality();
            final BitSet unavailable = (BitSet)banned.clone();
            unavailable.andNot(taken);
            assertEquals(usedModel, allocator.usedPages(), "step " + step);
            assertEquals(reserved.cardinality(), allocator.reservedPages(), "step " + step);
            assertEquals(unavailable.cardinality(), allocator.bannedPages(), "step " + step);
            assertEquals(totalPfns - taken.cardinality() - unavailable.cardinality(), allocator.freePages(),
                "step " + step);

            if (step % 2000 == 0)
            {
                for (int p = 0; p < totalPfns; p++)
                {
                    assertEquals(taken.get(p), allocator.isTaken(p), "step " + step + " pfn=" + p);
                    assertEquals(reserved.get(p), allocator.isReserved(p), "step " + step + " pfn=" + p);
                    assertEquals(banned.get(p), allocator.isBanned(p, 0), "step " + step + " pfn=" + p);
                }
            }
        }

        for (final long[] folio : live)
        {
            allocator.free(folio[0], (int)folio[1]);
        }
        final BitSet unavailable = (BitSet)banned.clone();
        unavailable.clear(0);
        assertEquals(0, allocator.usedPages());
        assertEquals(0, allocator.reservedPages());
        assertEquals(unavailable.cardinality(), allocator.bannedPages());
        assertEquals(totalPfns - 1 - unavailable.cardinality(), drain(allocator, 0).size());
    }

    /**
     * Aligned folios of {@code order} wholly inside {@code [1, totalPfns)} with no taken or banned
     * page: what a correct allocator must be able to hand out.
     */
    private static int countFreeGroups(final BitSet taken, final BitSet banned, final int totalPfns, final int order)
    {
        final int pages = Pfn.pageCount(order);
        int count = 0;
        for (int p = pages; p + pages <= totalPfns; p += pages)
        {
            final int t = taken.nextSetBit(p);
            final int b = banned.nextSetBit(p);
            if ((t < 0 || t >= p + pages) && (b < 0 || b >= p + pages))
            {
                count++;
            }
        }

        return count;
    }

    private static int countRuns(final BitSet bits)
    {
        return runs(bits).length / 2;
    }

    private static long[] runs(final BitSet bits)
    {
        final List<Long> pairs = new ArrayList<>();
        for (int start = bits.nextSetBit(0); start >= 0; start = bits.nextSetBit(start))
        {
            final int end = bits.nextClearBit(start);
            pairs.add((long)start);
            pairs.add((long)end - 1);
            start = end;
        }

        return pairs.stream().mapToLong(Long::longValue).toArray();
    }

    /** Allocates folios of {@code order} until none is left. */
    private static List<Long> drain(final PageAllocator allocator, final int order)
    {
        final List<Long> pfns = new ArrayList<>();
        for (long pfn = allocator.tryAlloc(order); pfn != Pfn.NULL_PFN; pfn = allocator.tryAlloc(order))
        {
            pfns.add(pfn);
        }

        return pfns;
    }

    /**
     * Checks the counters against the bitmaps page by page, through the public queries: every page
     * but pfn 0 is exactly one of used, reserved, banned and free.
     */
    private static void assertBalanced(final PageAllocator allocator)
    {
        final long total = allocator.totalPages();
        long used = 0;
        long reserved = 0;
        long banned = 0;
        long free = 0;
        for (long pfn = 1; pfn <= total; pfn++)
        {
            if (allocator.isReserved(pfn))
            {
                assertTrue(allocator.isTaken(pfn), "reserved but not taken: pfn=" + pfn);
                reserved++;
            }
            else if (allocator.isTaken(pfn))
            {
                used++;
            }
            else if (allocator.isBanned(pfn, 0))
            {
                banned++;
            }
            else
            {
                free++;
            }
        }

        assertEquals(used, allocator.usedPages(), "used");
        assertEquals(reserved, allocator.reservedPages(), "reserved");
        assertEquals(banned, allocator.bannedPages(), "banned");
        assertEquals(free, allocator.freePages(), "free");
        assertEquals(total, allocator.freePages() + allocator.usedPages() + allocator.reservedPages() +
            allocator.bannedPages(), "free + used + reserved + banned");
    }
}
