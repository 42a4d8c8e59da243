package org.pkram;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The snippets of the README's service flow and of docs/SERVICES.md, run as written there.
 */
class ServiceTutorialTest
{
    @TempDir
    Path dir;

    /** README, "The API": a counter that lives in pkram memory and survives every run. */
    @Test
    void shouldKeepACounterInPlaceAcrossRuns()
    {
        final Path memoryFile = dir.resolve("svc.mem");
        for (long run = 1; run <= 3; run++)
        {
            assertEquals(run, countRun(memoryFile));
        }
    }

    private static long countRun(final Path memoryFile)
    {
        long runs;
        // --- README snippet: start
        try (Pkram pk = Pkram.boot(PkramOptions.of(memoryFile).createIfAbsent(64 << 20)))  // resumes what is there
        {
            if (!pk.nodeNames().contains("counter"))
            {
                try (NodeSave node = pk.prepareSave("counter"); ObjSave obj = node.prepareSaveObj(DataKind.FOLIOS))
                {
                    obj.saveFolio(pk.allocFolio(0), 0);
                    node.finish();
                }
            }
            try (NodeLoad live = pk.openLive("counter"))         // in place, never consumed
            {
                Folio page = live.prepareLoadObj().loadFolio();
                runs = page.buffer().getLong(0) + 1;              // survives exit, kill -9, crash
                page.buffer().putLong(0, runs);
            }
        }
        // --- README snippet: end
        return runs;
    }

    /** SERVICES.md, patterns 1 and 2: a root replaced at each checkpoint, old folios shared, new ones added. */
    @Test
    void shouldCheckpointByReplacingTheRootAndSharingTheFoliosItHad()
    {
        final Path memoryFile = Images.format(dir, Images.SMALL);
        try (Pkram pk = Pkram.boot(PkramOptions.of(memoryFile).shutdownHook(false)))
        {
            for (int seq = 1; seq <= 3; seq++)
            {
                final Folio folio = pk.allocFolio(0);
                Versions.stamp(folio, seq, seq);                // the page a log appended since the last one
                checkpoint(pk, List.of(folio), seq, seq);
            }
            assertEquals(List.of(1L, 2L, 3L), Versions.liveVersions(pk, "root"));
            final long used = pk.pageCounts().used();
            checkpoint(pk, List.of(), 4, 4);
            assertEquals(used, pk.pageCounts().used(), "a checkpoint with nothing new costs no page");
        }
        try (Pkram pk = Pkram.boot(PkramOptions.of(memoryFile).shutdownHook(false)))
        {
            assertEquals(List.of(1L, 2L, 3L), Versions.liveVersions(pk, "root"), "after a restart too");
        }
    }

    private static void checkpoint(final Pkram pk, final List<Folio> appendedSinceLastCheckpoint, final long firstIndex,
        final long seq)
    {
        long nextIndex = firstIndex;
        if (!pk.nodeNames().contains("root"))
        {
            try (NodeSave first = pk.prepareReplace("root"); ObjSave obj = first.prepareSaveObj(DataKind.FOLIOS))
            {
                for (Folio fresh : appendedSinceLastCheckpoint)
                {
                    obj.saveFolio(fresh, nextIndex++);
                }
                first.finish();
            }
            return;
        }
        // --- SERVICES.md snippet: start
        try (NodeLoad live = pk.openLive("root"); NodeSave next = pk.prepareReplace("root"))
        {
            ObjLoad old = live.prepareLoadObj();
            try (ObjSave obj = next.prepareSaveObj(DataKind.FOLIOS, DataKind.BYTES))
            {
                for (Folio folio; (folio = old.loadFolio()) != null; )
                {
                    obj.saveFolio(folio, folio.index());     // shared with the old version: no copy
                }
                for (Folio fresh : appendedSinceLastCheckpoint)
                {
                    obj.saveFolio(fresh, nextIndex++);       // new pages join the new version
                }
                obj.write(new byte[] {(byte)seq}, 0, 1);     // sequence number, lengths, checksum
            }
            next.finish();                                   // the commit point: one release store
        }
        // --- SERVICES.md snippet: end
    }
}
