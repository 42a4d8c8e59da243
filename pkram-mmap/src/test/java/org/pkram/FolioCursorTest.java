package org.pkram;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pkram.error.Errno;
import org.pkram.error.PkramUnavailableException;
import org.pkram.layout.LinkDescriptor;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The folio cursor: every folio of a stream, in order, through one view and no object per folio, handed out as
 * {@code loadFolio()} hands them out; its view detached when the pages go.
 */
class FolioCursorTest
{
    @TempDir
    Path dir;

    @Test
    void shouldVisitEveryFolioInOrderThroughOneViewAndShareThePositionWithLoadFolio()
    {
        final Path file = Images.format(dir, Images.SMALL);
        try (Pkram pk = Pkram.boot(PkramOptions.of(file).shutdownHook(false)))
        {
            Versions.save(pk, "n", 3, 1200);
            try (NodeLoad live = pk.openLive("n"); ObjLoad obj = live.prepareLoadObj())
            {
                final Folio first = obj.loadFolio();
                assertEquals(0, first.index());
                final FolioCursor cursor = obj.folioCursor();
                assertThrows(IllegalStateException.class, cursor::pfn, "not on a folio before next()");
                final List<Long> indices = new ArrayList<>();
                final Object view = cursor.next() ? cursor.buffer() : null;
                do
                {
                    indices.add(cursor.index());
                    assertTrue(cursor.buffer() == view, "one view for the whole walk");
                    assertEquals(3L * 1_000_003L + cursor.index() * 7919L, cursor.buffer().getLong(0),
                        "the view shows the current folio's bytes");
                }
                while (cursor.next());
                assertEquals(1199, indices.size(), "the rest of the stream, after the folio loadFolio took");
                assertEquals(1, indices.getFirst());
                assertEquals(1199, indices.getLast());
                assertThrows(IllegalStateException.class, cursor::index, "past the end");
            }
        }
    }

    @Test
    void shouldRefuseToMoveMidLinkOnceItsHandleIsClosedOrTheInstanceClosedByThisThread()
    {
        final Path file = Images.format(dir, Images.SMALL);
        final Pkram pk = Pkram.boot(PkramOptions.of(file).shutdownHook(false));
        Versions.save(pk, "n", 3, 1200);
        final NodeLoad closedHandle = pk.openLive("n");
        final FolioCursor first = closedHandle.prepareLoadObj().folioCursor();
        assertTrue(first.next() && first.next());
        closedHandle.close();
        assertThrows(IllegalStateException.class, first::next, "the handle's state is checked at every folio");

        final NodeLoad live = pk.openLive("n");
        final FolioCursor cursor = live.prepareLoadObj().folioCursor();
        assertTrue(cursor.next() && cursor.next(), "two folios into a link of 510");
        pk.close();
        final PkramUnavailableException closed = assertThrows(PkramUnavailableException.class, cursor::next,
            "after a close the link reads as zeros, so the cursor checks the instance at once");
        assertEquals(Errno.ENODEV, closed.errno());
        assertThrows(PkramUnavailableException.class, cursor::buffer);
    }

    @Test
    void shouldEndAWalkWithENODEVWithinALinkWhenAnotherThreadClosesTheInstance() throws Exception
    {
        final Path file = Images.format(dir, Images.SMALL);
        final Pkram pk = Pkram.boot(PkramOptions.of(file).shutdownHook(false));
        Versions.save(pk, "n", 3, 3000);
        final NodeLoad live = pk.openLive("n");
        final FolioCursor cursor = live.prepareLoadObj().folioCursor();
        for (int i = 0; i < 700; i++)
        {
            assertTrue(cursor.next());
        }
        final Thread closer = new Thread(pk::close);
        closer.start();
        closer.join();
        // The instance is closed: the current link's rest reads as zeros (its mapping replaced), so the very next
        // call, or at worst the next link, reports it; nothing crashes and no folio of another file shows.
        int moved = 0;
        PkramUnavailableException ended = null;
        try
        {
            while (cursor.next())
            {
                moved++;
            }
        }
        catch (final PkramUnavailableException ex)
        {
            ended = ex;
        }
        assertTrue(ended != null, "the walk ends with ENODEV, not with the end of the stream");
        assertTrue(moved < LinkDescriptor.ENTRIES_MAX, "noticed within a link: moved " + moved);
    }

    @Test
    void shouldHandOutWhatItPassesAsALoadDoesAndDetachItsViewWhenTheLoadAborts()
    {
        final Path file = Images.format(dir, Images.SMALL);
        try (Pkram pk = Pkram.boot(PkramOptions.of(file).shutdownHook(false)))
        {
            Versions.save(pk, "n", 5, 10);
            final String counts = Images.counts(pk.pageCounts());
            final FolioCursor kept;
            try (NodeLoad load = pk.prepareLoad("n"))
            {
                final ObjLoad obj = load.prepareLoadObj();
                kept = obj.folioCursor();
                assertTrue(kept.next());
                assertEquals(5L * 1_000_003L, kept.buffer().getLong(0));
                // closed without finish: aborted
            }
            assertTrue(kept.buffer().getLong(0) != 5L * 1_000_003L, "the view no longer shows the node's page");
            assertEquals(counts, Images.counts(pk.pageCounts()));

            final List<Folio> mine = new ArrayList<>();
            try (NodeLoad load = pk.prepareLoad("n"))
            {
                final FolioCursor cursor = load.prepareLoadObj().folioCursor();
                while (cursor.next())
                {
                    if (cursor.index() < 3)
                    {
                        mine.add(cursor.folio());
                    }
                }
                load.finish();
            }
            for (final Folio folio : mine)
            {
                assertEquals(5L * 1_000_003L + folio.index() * 7919L, folio.buffer().getLong(0));
                pk.freeFolio(folio);
            }
        }
    }

    @Test
    void shouldShowEachFolioOnlyWhenAskedAndRefuseTheViewOnceTheLiveNodeWasReplaced()
    {
        final Path file = Images.format(dir, Images.SMALL);
        try (Pkram pk = Pkram.boot(PkramOptions.of(file).shutdownHook(false)))
        {
            Versions.save(pk, "n", 3, 6);
            try (NodeLoad live = pk.openLive("n"))
            {
                final FolioCursor cursor = live.prepareLoadObj().folioCursor();
                assertTrue(cursor.next());
                final var shown = cursor.buffer();
                assertEquals(3L * 1_000_003L, shown.getLong(0));
                assertTrue(cursor.next());
                assertTrue(cursor.next());
                assertEquals(3L * 1_000_003L + 2 * 7919L, cursor.buffer().getLong(0), "the view follows the cursor");
                assertTrue(cursor.next());
                cursor.buffer();
                assertTrue(cursor.next());
                // The cursor's view shows index 3; index 0, which it showed first, is replaced and freed.
                ServiceChild.replaceFirstPage(pk, "n", 4);
                assertThrows(IllegalStateException.class, cursor::buffer);
                assertThrows(IllegalStateException.class, cursor::next);
                assertEquals(3L * 1_000_003L + 3 * 7919L, shown.getLong(0), "index 3 is shared: its view lives on");
            }
        }
    }

    @Test
    void shouldRefuseToMoveOnceTheLiveNodeWasReplaced()
    {
        final Path file = Images.format(dir, Images.SMALL);
        try (Pkram pk = Pkram.boot(PkramOptions.of(file).shutdownHook(false)))
        {
            Versions.save(pk, "n", 1, 4);
            try (NodeLoad live = pk.openLive("n"))
            {
                final FolioCursor cursor = live.prepareLoadObj().folioCursor();
                assertTrue(cursor.next());
                ServiceChild.replaceFirstPage(pk, "n", 2);
                assertThrows(IllegalStateException.class, cursor::next);
            }
        }
    }
}
