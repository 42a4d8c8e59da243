package org.pkram;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.pkram.error.NodeBusyException;
import org.pkram.testing.CPrograms;
import org.pkram.testing.Fnv1a64;

import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Atomic replace (DESIGN section 7): a new version of a node, sharing folios with the old one by reference, is
 * swapped in with one release store; exactly one version exists at every instant; the pages only the old version
 * referenced are freed; the sealed image is kernel-complete.
 */
class ReplaceTest
{
    private static Path walker;

    @TempDir
    Path dir;

    @BeforeAll
    static void compileWalker(@TempDir final Path walkerDir) throws Exception
    {
        walker = CPrograms.compile("pkram_walk.c", walkerDir);
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void shouldSwapInTheNewVersionSharingTheUnchangedFoliosAndFreeOnlyTheOldOnes(final Mode mode)
    {
        final Path file = Images.format(dir, Images.SMALL);
        try (Pkram pk = boot(file, mode))
        {
            Versions.save(pk, "before", 9, 1);
            Versions.save(pk, "n", 1, 8);
            Versions.save(pk, "after", 9, 1);
            final long used = pk.pageCounts().used();
            final List<Folio> shared = new ArrayList<>();
            final List<Folio> replaced = new ArrayList<>();
            try (NodeLoad live = pk.openLive("n"); NodeSave next = pk.prepareReplace("n"))
            {
                final ObjLoad in = live.prepareLoadObj();
                try (ObjSave out = next.prepareSaveObj(DataKind.FOLIOS, DataKind.BYTES))
                {
                    Folio folio;
                    while ((folio = in.loadFolio()) != null)
                    {
                        folio.buffer(); // a view taken before the replace
                        if (folio.index() < 2)
                        {
                            out.saveFolio(stamped(pk, 2, folio.index()), folio.index());
                            replaced.add(folio);
                        }
                        else
                        {
                            out.saveFolio(folio, folio.index());
                            shared.add(folio);
                        }
                    }
                    out.write("version 2".getBytes(java.nio.charset.StandardCharsets.UTF_8), 0, 9);
                }
                assertEquals(List.of("before", "n", "after"), pk.nodeNames(), "the old version until the finish");
                assertEquals(Versions.all(1, 8), Versions.liveVersions(pk, "n"));
                next.finish();
            }
            assertEquals(List.of("before", "n", "after"), pk.nodeNames(), "the new version takes the old one's place");
            assertEquals(used, pk.pageCounts().used(), "same shape: the old version's own pages were freed");
            assertEquals(List.of(2L, 2L, 1L, 1L, 1L, 1L, 1L, 1L), Versions.liveVersions(pk, "n"));
            for (final Folio folio : shared)
            {
                assertSame(Folio.State.SAVED, folio.state());
                assertEquals(1, Versions.versionOf(folio), "a shared folio's view still reads its page");
            }
            for (final Folio folio : replaced)
            {
                assertThrows(IllegalStateException.class, folio::buffer, "the old version's own folios are gone");
            }
        }
        try (Pkram pk = boot(file, mode))
        {
            assertEquals(List.of("before", "n", "after"), pk.nodeNames());
            assertEquals(List.of(2L, 2L, 1L, 1L, 1L, 1L, 1L, 1L), Versions.liveVersions(pk, "n"));
            assertEquals(Versions.all(9, 1), Versions.liveVersions(pk, "before"));
            assertEquals(Versions.all(9, 1), Versions.liveVersions(pk, "after"));
        }
    }

    @Test
    void shouldShareFoliosThroughACursorWithNoObjectPerFolio()
    {
        final Path file = Images.format(dir, Images.SMALL);
        try (Pkram pk = boot(file, Mode.CRASH_SAFE))
        {
            Versions.save(pk, "n", 1, 1500);
            Versions.save(pk, "m", 1, 1);
            final long used = pk.pageCounts().used();
            try (NodeLoad live = pk.openLive("n"); NodeLoad other = pk.openLive("m");
                NodeSave next = pk.prepareReplace("n"))
            {
                final ObjSave out = next.prepareSaveObj(DataKind.FOLIOS, DataKind.BYTES);
                final FolioCursor foreign = other.prepareLoadObj().folioCursor();
                assertTrue(foreign.next());
                assertThrows(IllegalStateException.class, () -> out.saveFolio(foreign, 0), "another node's folio");
                final FolioCursor cursor = live.prepareLoadObj().folioCursor();
                while (cursor.next())
                {
                    if (cursor.index() == 7)
                    {
                        out.saveFolio(stamped(pk, 2, 7), 7);
                    }
                    else
                    {
                        out.saveFolio(cursor, cursor.index());
                    }
                }
                assertThrows(IllegalStateException.class, () -> out.saveFolio(cursor, 0), "past the end");
                out.write("version 2".getBytes(java.nio.charset.StandardCharsets.UTF_8), 0, 9);
                out.finish();
                next.finish();
            }
            assertEquals(used, pk.pageCounts().used(), "one page copied, one freed, the rest shared");
            final List<Long> expected = new ArrayList<>(Versions.all(1, 1500));
            expected.set(7, 2L);
            assertEquals(expected, Versions.liveVersions(pk, "n"));
        }
        try (Pkram pk = boot(file, Mode.CRASH_SAFE))
        {
            assertEquals(2L, Versions.liveVersions(pk, "n").get(7));
        }
    }

    @Test
    void shouldCarryAWholeStreamIntoTheNewVersionCopyingOnlyTheChangedFolios()
    {
        final Path file = Images.format(dir, Images.SMALL);
        try (Pkram pk = boot(file, Mode.CRASH_SAFE))
        {
            Versions.save(pk, "n", 1, 1500);
            Versions.save(pk, "m", 1, 1);
            final long used = pk.pageCounts().used();
            try (NodeLoad live = pk.openLive("n"); NodeLoad other = pk.openLive("m");
                NodeSave next = pk.prepareReplace("n"))
            {
                final ObjSave out = next.prepareSaveObj(DataKind.FOLIOS, DataKind.BYTES);
                final ObjLoad foreign = other.prepareLoadObj();
                assertThrows(IllegalStateException.class, () -> out.shareFrom(foreign, index -> null));
                final long shared = out.shareFrom(live.prepareLoadObj(),
                    index -> index % 500 != 3 ? null : stamped(pk, 2, index));
                assertEquals(1497, shared);
                out.write("version 2".getBytes(java.nio.charset.StandardCharsets.UTF_8), 0, 9);
                out.finish();
                next.finish();
            }
            assertEquals(used, pk.pageCounts().used(), "three pages copied, three freed, the rest shared");
            final List<Long> expected = new ArrayList<>(Versions.all(1, 1500));
            for (final int changed : new int[] {3, 503, 1003})
            {
                expected.set(changed, 2L);
            }
            assertEquals(expected, Versions.liveVersions(pk, "n"));
        }
        try (Pkram pk = boot(file, Mode.CRASH_SAFE))
        {
            assertEquals(2L, Versions.liveVersions(pk, "n").get(503));
        }
    }

    @Test
    void shouldKeepAReplacedFolioThatAnotherHandleSharedIntoTheNewVersion()
    {
        final Path file = Images.format(dir, Images.SMALL);
        try (Pkram pk = boot(file, Mode.CRASH_SAFE))
        {
            Versions.save(pk, "n", 1, 600);
            final long used = pk.pageCounts().used();
            try (NodeLoad live = pk.openLive("n"); NodeLoad second = pk.openLive("n");
                NodeSave next = pk.prepareReplace("n"))
            {
                final ObjLoad other = second.prepareLoadObj();
                final ObjSave out = next.prepareSaveObj(DataKind.FOLIOS, DataKind.BYTES);
                // Index 0 "changes" to the very folio it was, loaded through the second handle: shared, not freed.
                final long shared = out.shareFrom(live.prepareLoadObj(), index -> index == 0 ? other.loadFolio() :
                    index == 599 ? stamped(pk, 2, index) : null);
                assertEquals(598, shared);
                out.write("version 2".getBytes(java.nio.charset.StandardCharsets.UTF_8), 0, 9);
                out.finish();
                next.finish();
            }
            assertEquals(used, pk.pageCounts().used(), "one page copied, one freed, the rest shared");
            final List<Long> expected = new ArrayList<>(Versions.all(1, 600));
            expected.set(599, 2L);
            assertEquals(expected, Versions.liveVersions(pk, "n"));
        }
        try (Pkram pk = boot(file, Mode.CRASH_SAFE))
        {
            assertEquals(1L, Versions.liveVersions(pk, "n").get(0), "the image references the kept folio once");
        }
    }

    @Test
    void shouldFreeWhatAReplaceLeftBehindWhenTheCarryStartsMidStream()
    {
        final Path file = Images.format(dir, Images.SMALL);
        try (Pkram pk = boot(file, Mode.CRASH_SAFE))
        {
            Versions.save(pk, "n", 1, 700);
            final long used = pk.pageCounts().used();
            try (NodeLoad live = pk.openLive("n"); NodeSave next = pk.prepareReplace("n"))
            {
                final ObjLoad in = live.prepareLoadObj();
                final ObjSave out = next.prepareSaveObj(DataKind.FOLIOS, DataKind.BYTES);
                // The first two folios are loaded and left out of the new version: the finish must free them.
                in.loadFolio();
                in.loadFolio();
                final long shared = out.shareFrom(in, index -> index == 300 ? stamped(pk, 2, index) : null);
                assertEquals(697, shared);
                out.write("version 2".getBytes(java.nio.charset.StandardCharsets.UTF_8), 0, 9);
                out.finish();
                next.finish();
            }
            assertEquals(used - 2, pk.pageCounts().used(), "two folios dropped, one replaced");
            final List<Long> versions = Versions.liveVersions(pk, "n");
            assertEquals(698, versions.size());
            assertEquals(2L, versions.get(298));
        }
        try (Pkram pk = boot(file, Mode.CRASH_SAFE))
        {
            assertEquals(698, Versions.liveVersions(pk, "n").size());
        }
    }

    private static Folio stamped(final Pkram pk, final long version, final long index)
    {
        final Folio copy = pk.allocFolio(0);
        Versions.stamp(copy, version, index);
        return copy;
    }

    @Test
    void shouldLeaveTheOldVersionWholeWhenTheReplaceIsDropped()
    {
        final Path file = Images.format(dir, Images.SMALL);
        try (Pkram pk = boot(file, Mode.CRASH_SAFE))
        {
            Versions.save(pk, "n", 1, 4);
            final String counts = Images.counts(pk.pageCounts());
            final List<Folio> shared = new ArrayList<>();
            try (NodeLoad live = pk.openLive("n"); NodeSave next = pk.prepareReplace("n"))
            {
                final ObjLoad in = live.prepareLoadObj();
                final ObjSave out = next.prepareSaveObj(DataKind.FOLIOS);
                Folio folio;
                while ((folio = in.loadFolio()) != null)
                {
                    out.saveFolio(folio, folio.index());
                    shared.add(folio);
                }
                final Folio extra = pk.allocFolio(3);
                out.saveFolio(extra, 100);
                // closed without a finish
            }
            assertEquals(counts, Images.counts(pk.pageCounts()), "the new version's own pages, and only those");
            assertEquals(Versions.all(1, 4), Versions.liveVersions(pk, "n"));
            for (final Folio folio : shared)
            {
                assertEquals(1, Versions.versionOf(folio), "shared folios stay the old version's, views valid");
            }
        }
    }

    @Test
    void shouldRefuseToShareAFolioTwiceOrAFolioOfAnotherNode()
    {
        final Path file = Images.format(dir, Images.SMALL);
        try (Pkram pk = boot(file, Mode.CRASH_SAFE))
        {
            Versions.save(pk, "n", 1, 2);
            Versions.save(pk, "m", 1, 2);
            try (NodeLoad live = pk.openLive("n"); NodeLoad other = pk.openLive("m");
                NodeSave next = pk.prepareReplace("n"))
            {
                final Folio folio = live.prepareLoadObj().loadFolio();
                final ObjSave out = next.prepareSaveObj(DataKind.FOLIOS);
                out.saveFolio(folio, 0);
                assertThrows(IllegalStateException.class, () -> out.saveFolio(folio, 1),
                    "a page referenced twice would be a corrupt image");
                final Folio foreign = other.prepareLoadObj().loadFolio();
                assertThrows(IllegalStateException.class, () -> out.saveFolio(foreign, 2),
                    "a page of another node would then be in two nodes");
                assertThrows(IllegalStateException.class, () ->
                {
                    try (NodeSave plain = pk.prepareSave("p"); ObjSave obj = plain.prepareSaveObj(DataKind.FOLIOS))
                    {
                        obj.saveFolio(folio, 0);
                    }
                }, "only a new version of its own node may share a node's folio");
            }
        }
    }

    @Test
    void shouldRefuseASecondReplaceALoadAndARemoveWhileAReplaceIsOpen()
    {
        final Path file = Images.format(dir, Images.SMALL);
        try (Pkram pk = boot(file, Mode.CRASH_SAFE))
        {
            Versions.save(pk, "n", 1, 1);
            try (NodeSave next = pk.prepareReplace("n"))
            {
                assertThrows(NodeBusyException.class, () -> pk.prepareReplace("n"));
                assertThrows(NodeBusyException.class, () -> pk.prepareLoad("n"));
                assertThrows(NodeBusyException.class, () -> pk.remove("n"));
                assertEquals(0, pk.truncate(), "truncate leaves a node being replaced");
                next.discard();
            }
            pk.remove("n");
        }
    }

    @Test
    void shouldActAsAPlainSaveWhenThereIsNoVersionToReplace()
    {
        final Path file = Images.format(dir, Images.SMALL);
        try (Pkram pk = boot(file, Mode.CRASH_SAFE))
        {
            try (NodeSave first = pk.prepareReplace("root"); ObjSave obj = first.prepareSaveObj(DataKind.BYTES))
            {
                obj.write(new byte[] {42}, 0, 1);
                first.finish();
            }
            assertEquals(List.of("root"), pk.nodeNames());
        }
    }

    @Test
    void shouldLeaveExactlyTheOldVersionWhenKilledBeforeTheSwap() throws Exception
    {
        assertEquals(Versions.all(1, 4), killedAt(FaultPoints.REPLACE_BEFORE_SWAP, false));
    }

    @Test
    void shouldLeaveExactlyTheNewVersionWhenKilledRightAfterTheSwap() throws Exception
    {
        assertEquals(List.of(3L, 1L, 1L, 1L), killedAt(FaultPoints.REPLACE_SWAPPED, true));
    }

    @Test
    void shouldSealLiveWritesAndAReplacedNodeIntoAnImageTheCWalkerReads() throws Exception
    {
        final Path file = Images.format(dir, Images.SMALL);
        final long sbPfn;
        final List<String> expected = new ArrayList<>();
        try (Pkram pk = boot(file, Mode.CRASH_SAFE))
        {
            Versions.save(pk, "n", 1, 4);
            Versions.save(pk, "w", 1, 2);
            ServiceChild.replaceFirstPage(pk, "n", 3);
            final NodeLoad live = pk.openLive("w");
            final Folio written = live.prepareLoadObj().loadFolio();
            Versions.stamp(written, 5, written.index());
            for (final String name : List.of("w", "n"))
            {
                try (NodeLoad view = pk.openLive(name); ObjLoad obj = view.prepareLoadObj())
                {
                    Folio folio;
                    while ((folio = obj.loadFolio()) != null)
                    {
                        final Fnv1a64 fnv = new Fnv1a64();
                        for (int i = 0; i < Folio.PAGE_SIZE; i += 8)
                        {
                            fnv.updateLongLe(folio.buffer().getLong(i, ByteOrder.LITTLE_ENDIAN));
                        }
                        expected.add(name + " 0x" + Long.toHexString(folio.pfn()) + " " +
                            String.format("%016x", fnv.digest()));
                    }
                }
            }
            sbPfn = pk.superBlockPfn();
            // the live handle on w is still open: close seals it anyway
        }
        final String output = KernelStructInteropTest.run(List.of(walker.toString(), file.toString(),
            Long.toHexString(sbPfn)), 0);
        final KernelWalk walk = KernelWalk.parse(output);
        final List<String> walked = new ArrayList<>();
        for (final KernelWalk.Node node : walk.nodes)
        {
            for (final KernelWalk.Obj obj : node.objs)
            {
                for (final KernelWalk.Link link : obj.folioLinks)
                {
                    for (final KernelWalk.Entry entry : link.entries)
                    {
                        walked.add(node.name + " 0x" + Long.toHexString(entry.pfn()) + " " + entry.fnv());
                    }
                }
            }
        }
        assertEquals(expected, walked, "the kernel's structs, read by C: newest node first, every page's content");
    }

    private List<Long> killedAt(final String point, final boolean replaced) throws Exception
    {
        // The same history without a kill, for the page count of an image holding exactly one version.
        final Path reference = Images.format(Files.createDirectory(dir.resolve("reference")), Images.SMALL);
        try (Pkram pk = boot(reference, Mode.CRASH_SAFE))
        {
            Versions.save(pk, "n", 1, 4);
            if (replaced)
            {
                ServiceChild.replaceFirstPage(pk, "n", 3);
            }
        }
        final long expectedUsed;
        try (Pkram pk = boot(reference, Mode.CRASH_SAFE))
        {
            expectedUsed = pk.pageCounts().used();
        }
        final Path file = Images.format(dir, Images.SMALL);
        try (Pkram pk = boot(file, Mode.CRASH_SAFE))
        {
            Versions.save(pk, "n", 1, 4);
        }
        final ChildJvm.Result child = ChildJvm.run(List.of("-Dpkram.fault=" + point), ServiceChild.class,
            "replace", file.toString());
        assertEquals(FaultPoints.HALT_EXIT_CODE, child.exitCode(), child.stderr());
        try (Pkram pk = boot(file, Mode.CRASH_SAFE))
        {
            assertEquals(List.of("n"), pk.nodeNames(), "exactly one version");
            assertEquals(expectedUsed, pk.pageCounts().used(), "no page of the other version is kept");
            return Versions.liveVersions(pk, "n");
        }
    }

    private static Pkram boot(final Path file, final Mode mode)
    {
        return Pkram.boot(PkramOptions.of(file).mode(mode).shutdownHook(false));
    }
}
