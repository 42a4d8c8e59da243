package org.pkram;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Durable mode on a disk-backed file: every commit point forces the mapping, and the image behaves
 * exactly as in the default mode (the power-loss guarantee itself cannot be exercised in a test; the
 * benchmark measures its cost).
 */
class DurableModeTest
{
    @TempDir
    Path dir;

    @Test
    void shouldSaveLoadAndRestartWithEveryCommitForced() throws Exception
    {
        final Path file = dir.resolve("disk.mem");
        Pkram.format(file, 16L << 20, false);
        final long pfn;
        try (Pkram pk = Pkram.boot(PkramOptions.of(file).durable(true).shutdownHook(false)))
        {
            NodeContent.save(pk, "d1", 1, 1);
            NodeContent.save(pk, "d2", 2, 1);
            assertNull(NodeContent.loadAndVerify(pk, "d2", 2));
            pfn = pk.superBlockPfn();
        }
        try (Pkram pk = Pkram.boot(PkramOptions.of(file).superBlockPfn(pfn).durable(true).shutdownHook(false)))
        {
            assertEquals(List.of("d1"), pk.nodeNames());
            assertNull(NodeContent.loadAndVerify(pk, "d1", 1));
        }
    }
}
