package org.pkram;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.pkram.error.NodeBusyException;
import org.pkram.error.NoSuchNodeException;
import org.pkram.image.LinkCursor;
import org.pkram.image.NodeView;
import org.pkram.image.ObjView;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Live nodes and views (DESIGN section 7): a committed node opened for use stays committed, its folios come back in
 * place and may be written in place, and whatever way the process ends the next boot finds them as they were; a
 * view reads a node without consuming it.
 */
class LiveNodeTest
{
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(Mode.class)
    void shouldHandFoliosBackInPlaceWritableWithTheNodeStillCommitted(final Mode mode)
    {
        final Path file = Images.format(dir, Images.SMALL);
        final List<Long> savedPfns = new ArrayList<>();
        try (Pkram pk = boot(file, mode))
        {
            Versions.save(pk, "n", 1, 4);
            try (NodeLoad live = pk.openLive("n"))
            {
                assertTrue(live.isLive());
                final ObjLoad obj = live.prepareLoadObj();
                Folio folio;
                while ((folio = obj.loadFolio()) != null)
                {
                    assertSame(Folio.State.SAVED, folio.state(), "a live folio stays the node's");
                    savedPfns.add(folio.pfn());
                    if (folio.index() % 2 == 0)
                    {
                        Versions.stamp(folio, 2, folio.index());
                    }
                }
                final byte[] bytes = new byte[9];
                assertEquals(9, obj.read(bytes, 0, 9));
                assertEquals("version 1", new String(bytes, java.nio.charset.StandardCharsets.UTF_8));
                assertEquals(List.of("n"), pk.nodeNames(), "still committed while open");
                assertThrows(IllegalStateException.class, live::finish, "a live handle is closed, not finished");
            }
            assertEquals(List.of("n"), pk.nodeNames());
            assertEquals(List.of(2L, 1L, 2L, 1L), Versions.liveVersions(pk, "n"), "a second open sees the writes");
        }
        try (Pkram pk = boot(file, mode))
        {
            assertEquals(List.of(2L, 1L, 2L, 1L), Versions.liveVersions(pk, "n"), "the writes survive a restart");
            final List<Long> pfns = new ArrayList<>();
            try (NodeLoad live = pk.openLive("n"); ObjLoad obj = live.prepareLoadObj())
            {
                Folio folio;
                while ((folio = obj.loadFolio()) != null)
                {
                    pfns.add(folio.pfn());
                }
            }
            assertEquals(savedPfns, pfns, "in place: the same pages, no copy");
        }
    }

    @Test
    void shouldSealALiveNodeWhenTheInstanceClosesWithTheHandleStillOpen()
    {
        final Path file = Images.format(dir, Images.SMALL);
        final Pkram pk = boot(file, Mode.CRASH_SAFE);
        Versions.save(pk, "n", 1, 3);
        final NodeLoad live = pk.openLive("n");
        final Folio folio = live.prepareLoadObj().loadFolio();
        Versions.stamp(folio, 7, folio.index());
        pk.close();
        assertTrue(pk.isClosed(), "close is never refused because a live handle is open");
        live.close();
        try (Pkram next = boot(file, Mode.CRASH_SAFE))
        {
            assertEquals(List.of(7L, 1L, 1L), Versions.liveVersions(next, "n"));
        }
    }

    @Test
    void shouldBringTheLiveNodeBackWithItsPagesAsTheyWereWhenKilled() throws Exception
    {
        final Path file = Images.format(dir, Images.SMALL);
        final ChildJvm.Result child = ChildJvm.run(ServiceChild.class, "live-halt", file.toString());
        assertEquals(9, child.exitCode(), child.stderr());
        assertEquals("written", child.stdout().strip());
        try (Pkram pk = boot(file, Mode.CRASH_SAFE))
        {
            assertEquals(List.of(2L, 1L, 1L, 1L), Versions.liveVersions(pk, "n"));
        }
    }

    @Test
    void shouldRefuseLoadRemoveAndTruncateOfALiveNodeButNotAnotherLiveOpen()
    {
        final Path file = Images.format(dir, Images.SMALL);
        try (Pkram pk = boot(file, Mode.CRASH_SAFE))
        {
            Versions.save(pk, "n", 1, 2);
            Versions.save(pk, "other", 1, 1);
            try (NodeLoad live = pk.openLive("n"); NodeLoad second = pk.openLive("n"))
            {
                assertTrue(second.isLive());
                assertThrows(NodeBusyException.class, () -> pk.prepareLoad("n"));
                assertThrows(NodeBusyException.class, () -> pk.remove("n"));
                assertEquals(1, pk.truncate(), "truncate frees only the idle node");
                assertEquals(List.of("n"), pk.nodeNames());
            }
            pk.remove("n");
            assertEquals(List.of(), pk.nodeNames());
            assertThrows(NoSuchNodeException.class, () -> pk.openLive("n"));
        }
    }

    @Test
    void shouldRefuseALiveOpenOfANodeBeingSavedOrLoaded()
    {
        final Path file = Images.format(dir, Images.SMALL);
        try (Pkram pk = boot(file, Mode.CRASH_SAFE))
        {
            Versions.save(pk, "loaded", 1, 1);
            try (NodeSave save = pk.prepareSave("saving"); NodeLoad load = pk.prepareLoad("loaded"))
            {
                assertThrows(NodeBusyException.class, () -> pk.openLive("saving"));
                assertThrows(NodeBusyException.class, () -> pk.openLive("loaded"));
                save.discard();
                load.finish();
            }
        }
    }

    @Test
    void shouldViewANodeWithoutConsumingIt()
    {
        final Path file = Images.format(dir, Images.SMALL);
        try (Pkram pk = boot(file, Mode.CRASH_SAFE))
        {
            Versions.save(pk, "n", 4, 600);
            final NodeView view = pk.view("n");
            assertEquals("n", view.name());
            final List<ObjView> objects = view.objects();
            assertEquals(1, objects.size());
            final LinkCursor cursor = objects.getFirst().folios();
            long expectedIndex = 0;
            while (cursor.next())
            {
                assertEquals(expectedIndex++, cursor.index());
                assertEquals(0, cursor.order());
            }
            assertEquals(600, expectedIndex, "every folio across two links, one cursor, no object per folio");
            final byte[] bytes = new byte[9];
            assertEquals(9, objects.getFirst().bytes().read(bytes, 0, 9));
            assertArrayEquals("version 4".getBytes(java.nio.charset.StandardCharsets.UTF_8), bytes);
            assertEquals(List.of("n"), pk.nodeNames(), "a view consumes nothing");
            assertEquals(Versions.all(4, 600), Versions.liveVersions(pk, "n"));
            assertThrows(NoSuchNodeException.class, () -> pk.view("missing"));
        }
    }

    @Test
    void shouldRefuseTheHandleOfANodeReplacedWhileItWasOpen()
    {
        final Path file = Images.format(dir, Images.SMALL);
        try (Pkram pk = boot(file, Mode.CRASH_SAFE))
        {
            Versions.save(pk, "n", 1, 2);
            Versions.save(pk, "n2", 1, 2);
            try (NodeLoad live = pk.openLive("n"))
            {
                try (NodeSave next = pk.prepareReplace("n"))
                {
                    try (ObjSave obj = next.prepareSaveObj(DataKind.BYTES))
                    {
                        obj.write(new byte[] {1}, 0, 1);
                    }
                    next.finish();
                }
                final IllegalStateException ex = assertThrows(IllegalStateException.class, live::prepareLoadObj);
                assertTrue(ex.getMessage().contains("replaced"), ex.getMessage());
            }
        }
    }

    private static Pkram boot(final Path file, final Mode mode)
    {
        return Pkram.boot(PkramOptions.of(file).mode(mode).shutdownHook(false));
    }
}
