package org.pkram.bench;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.pkram.Folio;
import org.pkram.NodeLoad;
import org.pkram.ObjLoad;
import org.pkram.PageCounts;
import org.pkram.error.OutOfPagesException;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link CheckpointBenchmark}'s code paths once each on a 4 MiB state (1,024 order-0 folios, so the node's folio
 * stream crosses link pages; 10 pages changed an invocation): the replace shares every unchanged folio and copies
 * only the changed pages, the full copy really copies every page, the floor writes only the changed bytes, and each
 * checkpoint leaves the new content in the node and no page taken beyond the state's.
 */
class CheckpointBenchmarkTest
{
    private static final int SIZE_MIB = 4;
    private static final int PAGES = SIZE_MIB * 256;
    private static final int CHANGED = PAGES / 100;

    private CheckpointBenchmark bench;

    /** The node as it is: each page's pfn and bytes by index, and the pages in use in the memory file. */
    private record Snapshot(long[] pfns, byte[][] content, long inUse)
    {
        Set<Long> pfnSet()
        {
            final Set<Long> set = new HashSet<>();
            Arrays.stream(pfns).forEach(set::add);
            return set;
        }
    }

    @BeforeEach
    void makeBenchmark()
    {
        bench = new CheckpointBenchmark();
        bench.dir = "/dev/shm";
        bench.sizeMiB = SIZE_MIB;
    }

    @AfterEach
    void tearDown()
    {
        bench.tearDown();
    }

    private Snapshot snapshot()
    {
        final long[] pfns = new long[PAGES];
        final byte[][] content = new byte[PAGES][];
        Arrays.fill(pfns, -1);
        int count = 0;
        try (NodeLoad live = bench.pkram().openLive(CheckpointBenchmark.NODE))
        {
            ObjLoad obj;
            while ((obj = live.prepareLoadObj()) != null)
            {
                Folio folio;
                while ((folio = obj.loadFolio()) != null)
                {
                    final int index = (int)folio.index();
                    assertEquals(0, folio.order());
                    assertEquals(-1, pfns[index], "index saved twice: " + index);
                    pfns[index] = folio.pfn();
                    content[index] = new byte[Folio.PAGE_SIZE];
                    folio.buffer().getBytes(0, content[index]);
                    count++;
                }
            }
        }
        assertEquals(PAGES, count);
        final PageCounts counts = bench.pkram().pageCounts();
        return new Snapshot(pfns, content, counts.total() - counts.free() - counts.banned());
    }

    private static byte[] expected(final int index, final long generation)
    {
        final byte[] page = new byte[Folio.PAGE_SIZE];
        CheckpointBenchmark.fill(new UnsafeBuffer(page), 0, index, generation);
        return page;
    }

    private Set<Integer> change()
    {
        bench.change();
        final int[] changed = bench.changed();
        final Set<Integer> set = new HashSet<>();
        Arrays.stream(changed).forEach(set::add);
        assertEquals(CHANGED, changed.length);
        assertEquals(CHANGED, set.size(), "changed pages are distinct");
        return set;
    }

    /** Every page of the node holds what it held before, but each changed one its new content. */
    private void assertNewContent(final Snapshot before, final Snapshot after, final Set<Integer> changed)
    {
        for (int i = 0; i < PAGES; i++)
        {
            assertArrayEquals(changed.contains(i) ? expected(i, bench.generation()) : before.content()[i],
                after.content()[i], "page " + i);
        }
    }

    @Test
    void shouldShareEveryUnchangedFolioAndCopyOnlyTheChangedPages() throws Exception
    {
        bench.build();
        Snapshot before = snapshot();
        for (int i = 0; i < PAGES; i++)
        {
            assertArrayEquals(expected(i, 0), before.content()[i], "page " + i + " as built");
        }
        for (int round = 0; round < 3; round++)
        {
            final Set<Integer> changed = change();

            assertEquals(CHANGED, bench.replace());

            final Snapshot after = snapshot();
            final Set<Long> oldPfns = before.pfnSet();
            for (int i = 0; i < PAGES; i++)
            {
                if (changed.contains(i))
                {
                    assertFalse(oldPfns.contains(after.pfns()[i]), "changed page " + i + " is in a new folio");
                }
                else
                {
                    assertEquals(before.pfns()[i], after.pfns()[i], "unchanged page " + i + " is shared");
                }
            }
            assertNewContent(before, after, changed);
            // The old versions of the changed pages were freed: the memory file holds one version, as before.
            assertEquals(before.inUse(), after.inUse(), "round " + round);
            before = after;
        }
    }

    @Test
    void shouldCopyEveryPageIntoANewOneInAFullCopy() throws Exception
    {
        bench.build();
        final Snapshot before = snapshot();
        final Set<Integer> changed = change();

        assertEquals(PAGES, bench.fullCopy());

        final Snapshot after = snapshot();
        final Set<Long> shared = after.pfnSet();
        shared.retainAll(before.pfnSet());
        assertEquals(0, shared.size(), "pages shared with the old version");
        assertNewContent(before, after, changed);
        // The whole old version was freed.
        assertEquals(before.inUse(), after.inUse());
    }

    @Test
    void shouldWriteOnlyTheChangedBytesInTheFloor() throws Exception
    {
        bench.build();
        final Snapshot before = snapshot();
        change();
        final int[] changed = bench.changed();

        assertEquals(CHANGED, bench.touchChanged());

        assertEquals(CHANGED, bench.scratch().size());
        for (int slot = 0; slot < CHANGED; slot++)
        {
            final byte[] written = new byte[Folio.PAGE_SIZE];
            bench.scratch().get(slot).buffer().getBytes(0, written);
            assertArrayEquals(expected(changed[slot], bench.generation()), written, "slot " + slot);
        }
        final Snapshot after = snapshot();
        assertArrayEquals(before.pfns(), after.pfns());
        assertNewContent(before, after, Set.of());
        assertEquals(before.inUse(), after.inUse());
    }

    @Test
    void shouldReplaceWhereOnlyAQuarterOfTheStateIsFreeWhileAFullCopyRunsOutOfPages() throws Exception
    {
        // Room for the state and a quarter of it more: the replace needs 10 pages and its metadata, a copy 1,024.
        bench.build((SIZE_MIB + SIZE_MIB / 4) << 20);
        final Snapshot before = snapshot();
        assertTrue(bench.pkram().pageCounts().free() < PAGES / 4, bench.pkram().pageCounts().toString());
        final Set<Integer> changed = change();

        assertThrows(OutOfPagesException.class, bench::fullCopy);

        // The copy was dropped whole: the node as it was, every page it took given back.
        final Snapshot failed = snapshot();
        assertArrayEquals(before.pfns(), failed.pfns());
        assertNewContent(before, failed, Set.of());
        assertEquals(before.inUse(), failed.inUse());

        Snapshot previous = failed;
        for (int round = 0; round < 3; round++)
        {
            final Set<Integer> next = round == 0 ? changed : change();
            assertEquals(CHANGED, bench.replace(), "round " + round);
            final Snapshot after = snapshot();
            assertNewContent(previous, after, next);
            assertEquals(before.inUse(), after.inUse(), "round " + round);
            previous = after;
        }
    }
}
