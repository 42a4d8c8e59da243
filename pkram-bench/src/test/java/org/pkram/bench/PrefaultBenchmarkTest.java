package org.pkram.bench;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.pkram.Folio;
import org.pkram.NodeLoad;
import org.pkram.ObjLoad;
import org.pkram.PageCounts;
import org.pkram.Pkram;
import org.pkram.PkramOptions;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link PrefaultBenchmark}'s code paths once each on an 8 MiB image (4 order-9 folios): every method covers the
 * pages it should on 1 and 2 threads, reading or writing, each invocation starts from a fresh mapping, and the image
 * comes through intact: the touch floor's writes put back the bytes they read, so the node still boots and holds
 * its folios with their marks.
 */
class PrefaultBenchmarkTest
{
    private static final int SIZE_MIB = 8;

    private PrefaultBenchmark bench;

    @AfterEach
    void tearDown() throws Exception
    {
        if (bench != null)
        {
            bench.removeFiles();
        }
    }

    private static String running(final String method)
    {
        return PrefaultBenchmark.class.getName() + "." + method;
    }

    @ParameterizedTest(name = "threads={0}, write={1}")
    @CsvSource({"1, false", "2, false", "1, true", "2, true"})
    void shouldCoverThePagesOfTheImageAndLeaveItIntact(final int threads, final boolean write) throws Exception
    {
        bench = new PrefaultBenchmark();
        bench.dir = "/dev/shm";
        bench.sizeMiB = SIZE_MIB;
        bench.threads = threads;
        bench.write = write;
        bench.build();
        final long pages = bench.filePages();
        assertEquals((SIZE_MIB << 8) + (PrefaultBenchmark.HEAD_BYTES >> 12), pages);

        for (int round = 0; round < 2; round++)
        {
            bench.coldStart(running("prefault"));
            final long taken;
            try
            {
                // Taken: the data and the node's metadata pages (preserved), and the header page (never free).
                final PageCounts counts = bench.pkram().pageCounts();
                taken = counts.used() + counts.reserved() + 1;
                assertTrue(taken > SIZE_MIB * 256L && taken < pages, counts.toString());
                assertEquals(taken, bench.prefault());
            }
            finally
            {
                bench.release();
            }

            bench.coldStart(running("populate"));
            try
            {
                assertEquals(pages, bench.populate());
            }
            finally
            {
                bench.release();
            }

            bench.coldStart(running("touch"));
            try
            {
                // The image's only non-zero first bytes are the header's, the super block's and the folios' marks.
                bench.touch();
            }
            finally
            {
                bench.release();
            }
        }

        try (Pkram pk = Pkram.boot(PkramOptions.of(bench.file()).shutdownHook(false));
            NodeLoad node = pk.openLive("data"))
        {
            final ObjLoad obj = node.prepareLoadObj();
            int folios = 0;
            for (Folio folio; (folio = obj.loadFolio()) != null; folios++)
            {
                assertEquals(9, folio.order());
                assertEquals(folio.index() >> 9, folio.buffer().getLong(0), "the mark of folio " + folios);
            }
            assertEquals(SIZE_MIB / 2, folios);
        }
        final Path file = bench.file();
        bench.removeFiles();
        bench = null;
        assertFalse(Files.exists(file));
    }
}
