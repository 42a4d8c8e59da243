package org.pkram;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pkram.error.InvalidArgumentException;
import org.pkram.layout.RegionListDescriptor;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Warm-up as a choice: every taken page, and only those, faulted in on N threads; closing the instance stops it.
 */
class PrefaultTest
{
    @TempDir
    Path dir;

    @Test
    void shouldFaultInExactlyTheTakenPagesOnSeveralThreads() throws Exception
    {
        final Path file = Images.format(dir, Images.SMALL);
        try (Pkram pk = Pkram.boot(PkramOptions.of(file).shutdownHook(false)))
        {
            Versions.save(pk, "a", 1, 700);
            Versions.save(pk, "b", 2, 3);
        }
        try (Pkram pk = Pkram.boot(PkramOptions.of(file).shutdownHook(false)))
        {
            // The preserved and used pages, and page 0 (the file header, never handed out but never free).
            final long taken = pk.pageCounts().used() + pk.pageCounts().reserved() + 1;
            assertEquals(taken, pk.prefault(3, false).get(30, TimeUnit.SECONDS));
            assertEquals(taken, pk.prefault(1, true).get(30, TimeUnit.SECONDS));
            assertEquals(List.of("a", "b"), pk.nodeNames(), "warming consumes nothing");
            assertEquals(Versions.all(1, 700), Versions.liveVersions(pk, "a"));
            assertThrows(InvalidArgumentException.class, () -> pk.prefault(0, false));
        }
    }

    @Test
    void shouldStopWhenTheInstanceClosesUnderIt() throws Exception
    {
        final Path file = Images.format(dir, 256L << 20);
        try (Pkram pk = Pkram.boot(PkramOptions.of(file).shutdownHook(false)))
        {
            Versions.save(pk, "big", 1, 50_000);
        }
        final Pkram pk = Pkram.boot(PkramOptions.of(file).shutdownHook(false));
        final long taken = pk.pageCounts().used() + pk.pageCounts().reserved() + 1;
        final CompletableFuture<Long> warming = pk.prefault(2, false);
        pk.close();
        final long done = warming.get(30, TimeUnit.SECONDS);
        // The close's reboot allocates the regions list while a chunk may still be counting: at most one list page
        // per REGIONS_MAX preserved pages (a region per page at worst) can be in use beyond what boot took.
        final long regionsList = (taken + RegionListDescriptor.REGIONS_MAX - 1) / RegionListDescriptor.REGIONS_MAX;
        assertTrue(done <= taken + regionsList, done + " of " + taken + " (+ " + regionsList + " regions list)");
        try (Pkram again = Pkram.boot(PkramOptions.of(file).shutdownHook(false)))
        {
            assertEquals(List.of("big"), again.nodeNames());
        }
    }
}
