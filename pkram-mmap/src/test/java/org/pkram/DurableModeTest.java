package org.pkram;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    @Test
    void shouldForceAtEverySaveCommitLoadFinishAndRebootWhenDurable()
    {
        final Path file = dir.resolve("durable.mem");
        Pkram.format(file, 16L << 20, false);
        long mark = Publisher.FORCES.sum();
        final Pkram pk = Pkram.boot(PkramOptions.of(file).durable(true).shutdownHook(false));
        assertTrue(Publisher.FORCES.sum() > mark, "boot forces the new super block and the header");

        mark = Publisher.FORCES.sum();
        try (NodeSave save = pk.prepareSave("a"))
        {
            try (ObjSave obj = save.prepareSaveObj(DataKind.BYTES))
            {
                obj.write(new byte[] {1, 2, 3}, 0, 3);
            }
            assertEquals(mark, Publisher.FORCES.sum(), "nothing is published before the commit");
            save.finish();
        }
        assertTrue(Publisher.FORCES.sum() >= mark + 2, "a save commit forces the node, then the super block");
        NodeContent.save(pk, "b", 2, 1);

        final NodeLoad load = pk.prepareLoad("a");
        assertNotNull(load.prepareLoadObj());
        mark = Publisher.FORCES.sum();
        load.finish();
        assertTrue(Publisher.FORCES.sum() > mark, "a finished load forces the unlink");

        mark = Publisher.FORCES.sum();
        pk.reboot();
        assertTrue(Publisher.FORCES.sum() >= mark + 2, "a reboot forces the image, then the sealed super block");
    }

    @Test
    void shouldForceOnlyAtRebootWhenDurableAndKernelFaithful()
    {
        final Path file = dir.resolve("kf.mem");
        Pkram.format(file, 16L << 20, false);
        final Pkram pk = Pkram.boot(PkramOptions.of(file).mode(Mode.KERNEL_FAITHFUL).durable(true)
            .shutdownHook(false));
        final long mark = Publisher.FORCES.sum();
        NodeContent.save(pk, "a", 1, 1);
        NodeContent.save(pk, "b", 2, 1);
        assertNull(NodeContent.loadAndVerify(pk, "b", 2));
        assertEquals(mark, Publisher.FORCES.sum(), "kernel-faithful publishes nothing before the reboot");
        pk.reboot();
        assertTrue(Publisher.FORCES.sum() >= mark + 2, "the reboot forces the image, then the sealed super block");
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void shouldNeverForceWhenNotDurable(final Mode mode)
    {
        final Path file = dir.resolve("plain.mem");
        Pkram.format(file, 16L << 20, false);
        final long mark = Publisher.FORCES.sum();
        final long pfn;
        try (Pkram pk = Pkram.boot(PkramOptions.of(file).mode(mode).shutdownHook(false)))
        {
            NodeContent.save(pk, "a", 1, 1);
            NodeContent.save(pk, "b", 2, 1);
            NodeContent.save(pk, "c", 3, 1);
            assertNull(NodeContent.loadAndVerify(pk, "b", 2));
            pfn = pk.superBlockPfn();
        }
        try (Pkram pk = Pkram.boot(PkramOptions.of(file).superBlockPfn(pfn).mode(mode).shutdownHook(false)))
        {
            assertEquals(List.of("a", "c"), pk.nodeNames().stream().sorted().toList());
            assertEquals(2, pk.truncate());
        }
        assertEquals(mark, Publisher.FORCES.sum(), "boot, commits, a load, truncate and reboots: no msync");
    }
}
