package org.pkram;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pkram.layout.LinkDescriptor;
import org.pkram.testing.CPrograms;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ObjSave#shareFrom} carries an old version's stream a link at a time ({@link StreamCarry}): a link whose
 * changes all fit is copied whole and patched, any other appended entry by entry. Whichever way a link goes, the new
 * version must hold the entries an entry-by-entry walk would have written, in links the C walker reads, and an error
 * part way through a link must leave the entries before it saved and nothing leaked.
 */
class StreamCarryTest
{
    private static Path walker;

    @TempDir
    Path dir;

    @BeforeAll
    static void compileWalker(@TempDir final Path walkerDir) throws Exception
    {
        walker = CPrograms.compile("pkram_walk.c", walkerDir);
    }

    /** A run of {@code count} folios of one order, the first at {@code firstIndex}. */
    private record Run(long firstIndex, int order, int count)
    {
    }

    /** An entry of the stream as the test expects it: where, how large, and the version its first page holds. */
    private record Expected(long index, int order, long version)
    {
    }

    @Test
    void shouldCopyLinksWholeWithTheChangedEntriesPatched() throws Exception
    {
        // Links of 510, 510 and 180 order-0 entries, then, after a gap, one of 300 order-2 entries.
        final List<Run> runs = List.of(new Run(0, 0, 1200), new Run(4096, 2, 300));
        final Map<Long, Integer> changes = Map.of(5L, 0, 600L, 0, 1199L, 0, 4104L, 2);
        assertLinks(carry(runs, changes), expect(runs, changes));
    }

    @Test
    void shouldAppendEntryByEntryALinkWithAChangeOfAnotherOrderAndTheLinksAfterItUntilABoundary() throws Exception
    {
        // An order-0 folio in place of an order-2 one leaves a gap: the link splits there, and the new stream is no
        // longer at a link boundary when the next old link comes.
        final List<Run> runs = List.of(new Run(0, 2, 300), new Run(4096, 0, 1200));
        final Map<Long, Integer> changes = Map.of(8L, 0, 4100L, 0, 5000L, 0);
        assertLinks(carry(runs, changes), expect(runs, changes));
    }

    @Test
    void shouldAppendTheRestOfALinkAlreadyStartedAndCopyOnlyFromTheNextBoundary() throws Exception
    {
        final List<Run> runs = List.of(new Run(0, 0, 1200));
        final Path file = Images.format(dir, Images.SMALL);
        try (Pkram pk = boot(file))
        {
            save(pk, runs);
            try (NodeLoad live = pk.openLive("n"); NodeSave next = pk.prepareReplace("n");
                ObjSave out = next.prepareSaveObj(DataKind.FOLIOS))
            {
                final ObjLoad in = live.prepareLoadObj();
                // Two folios read and left out: the rest of the first link fills 508 entries of a new one, so the
                // second old link cannot be copied whole; two of its entries fill that link first.
                in.loadFolio();
                in.loadFolio();
                out.shareFrom(in, index -> index == 1000 ? stamped(pk, 2, 0, index) : null);
                out.finish();
                next.finish();
            }
            checkNoLeak(pk, file);
        }
        final List<Expected> expected = expect(List.of(new Run(2, 0, 1198)), Map.of(1000L, 0));
        assertHolds(file, expected);
    }

    @Test
    void shouldLeaveTheOldVersionWholeAndFreeTheCopiedLinksWhenTheReplaceIsDropped() throws Exception
    {
        final List<Run> runs = List.of(new Run(0, 0, 1200), new Run(4096, 1, 40));
        final Path file = Images.format(dir, Images.SMALL);
        try (Pkram pk = boot(file))
        {
            save(pk, runs);
            final String counts = Images.counts(pk.pageCounts());
            try (NodeLoad live = pk.openLive("n"); NodeSave next = pk.prepareReplace("n");
                ObjSave out = next.prepareSaveObj(DataKind.FOLIOS))
            {
                out.shareFrom(live.prepareLoadObj(), index -> index == 7 || index == 4098 ?
                    stamped(pk, 2, index == 7 ? 0 : 1, index) : null);
                // closed without a finish: the new version's links and its two folios go, nothing else
            }
            assertEquals(counts, Images.counts(pk.pageCounts()));
            checkNoLeak(pk, file);
        }
        assertEquals(expect(runs, Map.of()), readBack(file));
    }

    @Test
    void shouldCopyABannedChangeIntoFreshPagesAndLeaveItTheCallers() throws Exception
    {
        final List<Run> runs = List.of(new Run(0, 0, 1100));
        final Path file = Images.format(dir, Images.SMALL);
        try (Pkram pk = boot(file))
        {
            save(pk, runs);
            final Folio change = pk.allocFolio(0);
            Versions.stamp(change, 2, 700);
            pk.banRegion(change.pfn(), change.pfn());
            replace(pk, index -> index == 700 ? change : index == 20 ? stamped(pk, 2, 0, 20) : null);
            assertSame(Folio.State.OWNED, change.state(), "a banned folio is copied, and stays the caller's");
            pk.freeFolio(change);
        }
        final List<Expected> expected = expect(runs, Map.of(20L, 0, 700L, 0));
        assertHolds(file, expected);
    }

    @Test
    void shouldKeepTheEntriesBeforeAFailedChangeAndFreeTheRest() throws Exception
    {
        final List<Run> runs = List.of(new Run(0, 0, 1200));
        final Path file = Images.format(dir, Images.SMALL);
        try (Pkram pk = boot(file))
        {
            save(pk, runs);
            final IllegalStateException thrown = new IllegalStateException("the caller's own failure");
            replaceStoppedBy(pk, thrown, index ->
            {
                if (index == 700)
                {
                    throw thrown;
                }
                return index == 5 || index == 600 ? stamped(pk, 2, 0, index) : null;
            });
            checkNoLeak(pk, file);
        }
        final List<Expected> expected = expect(List.of(new Run(0, 0, 700)), Map.of(5L, 0, 600L, 0));
        assertHolds(file, expected);
    }

    @Test
    void shouldRefuseTheSameFolioGivenForTwoIndexesKeepingTheEntriesBeforeTheSecond() throws Exception
    {
        final List<Run> runs = List.of(new Run(0, 0, 1200));
        final Path file = Images.format(dir, Images.SMALL);
        try (Pkram pk = boot(file))
        {
            save(pk, runs);
            final Folio twice = stamped(pk, 2, 0, 520);
            replaceStoppedBy(pk, null, index -> index == 520 || index == 530 ? twice : null);
            checkNoLeak(pk, file);
        }
        final List<Expected> expected = expect(List.of(new Run(0, 0, 530)), Map.of(520L, 0));
        assertHolds(file, expected);
    }

    @Test
    void shouldRefuseAFolioSharedTwiceAndGiveBackWhatTheStoppedLinkClaimed() throws Exception
    {
        final List<Run> runs = List.of(new Run(0, 0, 1200));
        final Path file = Images.format(dir, Images.SMALL);
        try (Pkram pk = boot(file))
        {
            save(pk, runs);
            try (NodeLoad live = pk.openLive("n"); NodeLoad second = pk.openLive("n");
                NodeSave next = pk.prepareReplace("n"))
            {
                final ObjSave out = next.prepareSaveObj(DataKind.FOLIOS);
                // Index 900 is saved at 5000 through another handle first; the carry then meets it again.
                final FolioCursor cursor = second.prepareLoadObj().folioCursor();
                while (cursor.next() && cursor.index() != 900)
                {
                    assertTrue(cursor.index() < 900);
                }
                out.saveFolio(cursor, 5000);
                assertThrows(IllegalStateException.class,
                    () -> out.shareFrom(live.prepareLoadObj(), index -> index < 1020 ? null : stamped(pk, 2, 0, index)),
                    "a page referenced twice would be a corrupt image");
                out.finish();
                next.finish();
            }
            checkNoLeak(pk, file);
        }
        // The folio of index 900 at 5000 (its stamp is index 900's, so it reads as no version there), then the
        // entries before 900: the first link whole, the second up to the refused one.
        final List<Expected> expected = new ArrayList<>();
        expected.add(new Expected(5000, 0, -1));
        expected.addAll(expect(List.of(new Run(0, 0, 900)), Map.of()));
        assertHolds(file, expected);
    }

    /**
     * Save the runs as node "n", replace it by one carry with {@code changes} (index to the order of the fresh folio
     * that replaces it), check the content after a reboot, and return what the new version holds.
     */
    private Path carry(final List<Run> runs, final Map<Long, Integer> changes)
    {
        final Path file = Images.format(dir, Images.SMALL);
        final long usedBefore;
        try (Pkram pk = boot(file))
        {
            save(pk, runs);
            usedBefore = pk.pageCounts().used();
            replace(pk, index -> changes.containsKey(index) ? stamped(pk, 2, changes.get(index), index) : null);
            assertTrue(pk.pageCounts().used() - usedBefore <= changes.size() * 4L,
                "only the changed folios' pages (and at most a link) are new");
            checkNoLeak(pk, file);
        }
        assertEquals(expect(runs, changes), readBack(file));
        return file;
    }

    /** The node holds exactly {@code expected} after a reboot, in the links an entry-by-entry walk makes. */
    private static void assertHolds(final Path file, final List<Expected> expected) throws Exception
    {
        assertEquals(expected, readBack(file));
        assertLinks(file, expected);
    }

    /**
     * The links of the node's folio stream, as the C walker reads them, are the ones appending the expected entries
     * one by one makes: a new link when full or when the index jumps.
     */
    private static void assertLinks(final Path file, final List<Expected> expected) throws Exception
    {
        final long sbPfn;
        try (Pkram pk = boot(file))
        {
            sbPfn = pk.superBlockPfn();
        }
        final KernelWalk walk = KernelWalk.parse(KernelStructInteropTest.run(List.of(walker.toString(),
            file.toString(), Long.toHexString(sbPfn)), 0));
        final List<KernelWalk.Link> links = walk.nodes.get(0).objs.get(0).folioLinks;
        final List<String> actual = new ArrayList<>();
        for (final KernelWalk.Link link : links)
        {
            assertEquals(0, link.stray, "no entry after the first zero one");
            actual.add(link.index + "+" + link.entryCount);
        }
        final List<String> appended = new ArrayList<>();
        long nextIndex = -1;
        int inLink = 0;
        for (final Expected entry : expected)
        {
            if (inLink == 0 || inLink == LinkDescriptor.ENTRIES_MAX || entry.index() != nextIndex)
            {
                if (inLink > 0)
                {
                    appended.set(appended.size() - 1, appended.get(appended.size() - 1) + inLink);
                }
                appended.add(entry.index() + "+");
                inLink = 0;
            }
            inLink++;
            nextIndex = entry.index() + (1L << entry.order());
        }
        appended.set(appended.size() - 1, appended.get(appended.size() - 1) + inLink);
        assertEquals(appended, actual, "links as index+entries");
    }

    private static void save(final Pkram pk, final List<Run> runs)
    {
        try (NodeSave save = pk.prepareSave("n"); ObjSave obj = save.prepareSaveObj(DataKind.FOLIOS))
        {
            for (final Run run : runs)
            {
                for (int i = 0; i < run.count(); i++)
                {
                    final long index = run.firstIndex() + ((long)i << run.order());
                    obj.saveFolio(stamped(pk, 1, run.order(), index), index);
                }
            }
            obj.finish();
            save.finish();
        }
    }

    private static void replace(final Pkram pk, final LongFunction<Folio> changes)
    {
        try (NodeLoad live = pk.openLive("n"); NodeSave next = pk.prepareReplace("n");
            ObjSave out = next.prepareSaveObj(DataKind.FOLIOS))
        {
            out.shareFrom(live.prepareLoadObj(), changes);
            out.finish();
            next.finish();
        }
    }

    /** A carry stopped by the callback's {@code failure} (or any refusal when null), then finished anyway. */
    private static void replaceStoppedBy(final Pkram pk, final RuntimeException failure, final LongFunction<Folio> changes)
    {
        try (NodeLoad live = pk.openLive("n"); NodeSave next = pk.prepareReplace("n");
            ObjSave out = next.prepareSaveObj(DataKind.FOLIOS))
        {
            final RuntimeException thrown = assertThrows(RuntimeException.class,
                () -> out.shareFrom(live.prepareLoadObj(), changes));
            if (failure != null)
            {
                assertSame(failure, thrown);
            }
            out.finish();
            next.finish();
        }
    }

    /**
     * Close the instance and boot the image again: every page the instance held is one the image references, so the
     * boot reserves as many as the instance held.
     */
    private static void checkNoLeak(final Pkram pk, final Path file)
    {
        final long held = pk.pageCounts().used() + pk.pageCounts().reserved();
        pk.close();
        try (Pkram again = boot(file))
        {
            assertEquals(held, again.pageCounts().used() + again.pageCounts().reserved(),
                "pages held in the instance are the pages the image references");
        }
    }

    /** A fresh folio of {@code order} whose first page holds ({@code version}, {@code index}). */
    private static Folio stamped(final Pkram pk, final long version, final int order, final long index)
    {
        final Folio folio = pk.allocFolio(order);
        Versions.stamp(folio, version, index);
        return folio;
    }

    /** The runs' entries, version 1, with the changed ones version 2 at the changes' orders. */
    private static List<Expected> expect(final List<Run> runs, final Map<Long, Integer> changes)
    {
        final List<Expected> expected = new ArrayList<>();
        for (final Run run : runs)
        {
            for (int i = 0; i < run.count(); i++)
            {
                final long index = run.firstIndex() + ((long)i << run.order());
                final Integer changed = changes.get(index);
                expected.add(changed == null ? new Expected(index, run.order(), 1) :
                    new Expected(index, changed, 2));
            }
        }
        return expected;
    }

    /** The node's folios after a reboot: index, order and the version the first page holds. */
    private static List<Expected> readBack(final Path file)
    {
        final List<Expected> read = new ArrayList<>();
        try (Pkram pk = boot(file); NodeLoad live = pk.openLive("n"); ObjLoad obj = live.prepareLoadObj())
        {
            Folio folio;
            while ((folio = obj.loadFolio()) != null)
            {
                read.add(new Expected(folio.index(), folio.order(), Versions.versionOf(folio)));
            }
        }
        return read;
    }

    private static Pkram boot(final Path file)
    {
        return Pkram.boot(PkramOptions.of(file).mode(Mode.CRASH_SAFE).shutdownHook(false));
    }
}
