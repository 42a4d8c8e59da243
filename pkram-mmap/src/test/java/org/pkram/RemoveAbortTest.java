package org.pkram;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.pkram.error.NodeBusyException;
import org.pkram.error.NodeExistsException;
import org.pkram.error.NoSuchNodeException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Remove drops a committed node atomically and frees its pages; a load closed without its finish consumes
 * nothing, in both modes (DESIGN section 7).
 */
class RemoveAbortTest
{
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(Mode.class)
    void shouldRemoveACommittedNodeAndGiveEveryPageBack(final Mode mode)
    {
        final Path file = Images.format(dir, Images.SMALL);
        try (Pkram pk = boot(file, mode))
        {
            Versions.save(pk, "keep", 1, 2);
            final String counts = Images.counts(pk.pageCounts());
            Versions.save(pk, "n", 1, 700);
            final Folio saved;
            try (NodeLoad live = pk.openLive("n"); ObjLoad obj = live.prepareLoadObj())
            {
                saved = obj.loadFolio();
                saved.buffer();
            }
            pk.remove("n");
            assertEquals(List.of("keep"), pk.nodeNames());
            assertEquals(counts, Images.counts(pk.pageCounts()));
            assertThrows(IllegalStateException.class, saved::buffer, "views of a removed node are detached");
            assertThrows(NoSuchNodeException.class, () -> pk.remove("n"));
        }
        try (Pkram pk = boot(file, mode))
        {
            assertEquals(List.of("keep"), pk.nodeNames());
        }
    }

    @Test
    void shouldRefuseToRemoveANodeBeingSavedOrLoaded()
    {
        final Path file = Images.format(dir, Images.SMALL);
        try (Pkram pk = boot(file, Mode.CRASH_SAFE))
        {
            Versions.save(pk, "loaded", 1, 1);
            try (NodeSave save = pk.prepareSave("saving"); NodeLoad load = pk.prepareLoad("loaded"))
            {
                assertThrows(NodeBusyException.class, () -> pk.remove("saving"));
                assertThrows(NodeBusyException.class, () -> pk.remove("loaded"));
                save.discard();
                load.abort();
            }
            pk.remove("loaded");
        }
    }

    @Test
    void shouldLeaveTheNodeGoneAndNoPageLeakedWhenKilledAfterTheUnlink() throws Exception
    {
        final Path file = Images.format(dir, Images.SMALL);
        final long emptyUsed;
        try (Pkram pk = boot(file, Mode.CRASH_SAFE))
        {
            emptyUsed = pk.pageCounts().used() + pk.pageCounts().reserved();
            Versions.save(pk, "n", 1, 4);
        }
        final ChildJvm.Result child = ChildJvm.run(List.of("-Dpkram.fault=" + FaultPoints.REMOVE_UNLINKED),
            ServiceChild.class, "remove", file.toString());
        assertEquals(FaultPoints.HALT_EXIT_CODE, child.exitCode(), child.stderr());
        try (Pkram pk = boot(file, Mode.CRASH_SAFE))
        {
            assertEquals(List.of(), pk.nodeNames());
            assertEquals(emptyUsed, pk.pageCounts().used() + pk.pageCounts().reserved(),
                "the unlinked node's pages are free again");
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void shouldPutAnAbortedLoadBackWholeInItsPlace(final Mode mode) throws Exception
    {
        final Path file = Images.format(dir, Images.SMALL);
        try (Pkram pk = boot(file, mode))
        {
            Versions.save(pk, "a", 1, 1);
            Versions.save(pk, "n", 2, 600);
            Versions.save(pk, "z", 3, 1);
        }
        final byte[] image = Files.readAllBytes(file);
        try (Pkram pk = boot(file, mode))
        {
            final String counts = Images.counts(pk.pageCounts());
            final Folio handedOut;
            final Folio freed;
            try (NodeLoad load = pk.prepareLoad("n"))
            {
                final ObjLoad obj = load.prepareLoadObj();
                handedOut = obj.loadFolio();
                handedOut.buffer();
                freed = obj.loadFolio();
                for (int i = 0; i < 550; i++)
                {
                    obj.loadFolio(); // across the first link
                }
                pk.freeFolio(freed);
                final byte[] part = new byte[4];
                obj.read(part, 0, 4);
                assertThrows(NodeExistsException.class, () -> pk.prepareSave("n"),
                    "the name of a node being loaded is taken, in both modes");
                // an exception in the caller's code: the handle is closed without a finish
            }
            assertEquals(List.of("a", "n", "z"), pk.nodeNames(), "back, in its place");
            assertEquals(counts, Images.counts(pk.pageCounts()), "nothing freed, not even the folio freed during it");
            assertThrows(IllegalStateException.class, handedOut::buffer, "its folios are the node's again");
            assertThrows(IllegalStateException.class, () -> pk.freeFolio(handedOut));
            assertEquals(Versions.all(2, 600), Versions.liveVersions(pk, "n"));
            try (NodeLoad load = pk.prepareLoad("n"))
            {
                assertSame(NodeLoad.State.OPEN, load.state());
                load.finish();
            }
            assertEquals(List.of("a", "z"), pk.nodeNames(), "a finished load still consumes");
        }
        if (mode == Mode.KERNEL_FAITHFUL)
        {
            return;
        }
        try (Pkram pk = boot(file, mode))
        {
            assertEquals(List.of("a", "z"), pk.nodeNames());
        }
        assertEquals(image.length, Files.size(file));
    }

    @Test
    void shouldLeaveAnAbortedKernelFaithfulLoadsNodePagesByteIdentical() throws Exception
    {
        final Path file = Images.format(dir, Images.SMALL);
        try (Pkram pk = boot(file, Mode.KERNEL_FAITHFUL))
        {
            Versions.save(pk, "n", 2, 600);
        }
        try (Pkram pk = boot(file, Mode.KERNEL_FAITHFUL))
        {
            final byte[] before = Files.readAllBytes(file);
            try (NodeLoad load = pk.prepareLoad("n"); ObjLoad obj = load.prepareLoadObj())
            {
                for (int i = 0; i < 520; i++)
                {
                    obj.loadFolio();
                }
                obj.read(new byte[3], 0, 3);
            }
            final byte[] after = Files.readAllBytes(file);
            assertArrayEquals(before, after, "no entry zeroed, no link freed, data_len unchanged");
        }
    }

    private static Pkram boot(final Path file, final Mode mode)
    {
        return Pkram.boot(PkramOptions.of(file).mode(mode).shutdownHook(false));
    }
}
