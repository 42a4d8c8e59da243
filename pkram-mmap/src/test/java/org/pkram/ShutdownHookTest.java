package org.pkram;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.pkram.boot.ImageScanner;
import org.pkram.boot.PfnFile;
import org.pkram.boot.ScanResult;
import org.pkram.layout.SuperBlockDescriptor;
import org.pkram.mem.PhysMem;
import org.pkram.testing.ScratchDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shutdown-hook reboot in real processes: a child JVM boots with the hook on, saves, and ends with
 * {@code System.exit} without rebooting; the next boot must find a sealed, clean image with its committed nodes
 * (in kernel-faithful mode nothing else could have preserved them), and without a node that was still being
 * saved on another thread when the process exited.
 */
class ShutdownHookTest
{
    @ScratchDir
    Path dir;

    @ParameterizedTest
    @EnumSource(Mode.class)
    void shouldSealTheCommittedNodesWhenTheProcessExitsNormally(final Mode mode) throws Exception
    {
        final Path file = Images.format(dir, Images.SMALL);
        final ChildJvm.Result child = ChildJvm.run(ShutdownHookChild.class, mode.name(), file.toString(), "closed");
        assertEquals(0, child.exitCode(), child.stdout() + child.stderr());
        assertTrue(child.stdout().startsWith("exiting with 0 open handles"), child.stdout());
        assertEquals("", child.stderr());
        final long pfn = checkSealedAndClean(file);
        try (Pkram pk = Images.boot(file, pfn, mode))
        {
            assertEquals(List.of("h0", "h1"), pk.nodeNames().stream().sorted().toList());
            assertNull(NodeContent.loadAndVerify(pk, "h0", 10));
            assertNull(NodeContent.loadAndVerify(pk, "h1", 11));
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void shouldSkipANodeStillBeingSavedWhenTheProcessExits(final Mode mode) throws Exception
    {
        final Path file = Images.format(dir, Images.SMALL);
        final ChildJvm.Result child = ChildJvm.run(ShutdownHookChild.class, mode.name(), file.toString(), "open");
        assertEquals(0, child.exitCode(), child.stdout() + child.stderr());
        assertTrue(child.stdout().startsWith("exiting with 1 open handles"), child.stdout());
        assertEquals("", child.stderr());
        final long pfn = checkSealedAndClean(file);
        final long preserved;
        try (PhysMem mem = PhysMem.openReadOnly(file))
        {
            final ScanResult scan = ImageScanner.scan(mem, pfn);
            preserved = scan.pages().cardinality() - scan.regionListPfns().length;
        }
        try (Pkram pk = Images.boot(file, pfn, mode))
        {
            assertEquals(List.of("h0", "h1"), pk.nodeNames().stream().sorted().toList(), "the open save is absent");
            // The two nodes' pages and the super block are taken, nothing of the open save.
            assertEquals(preserved, pk.pageCounts().reserved() + pk.pageCounts().used());
            assertNull(NodeContent.loadAndVerify(pk, "h0", 10));
            assertNull(NodeContent.loadAndVerify(pk, "h1", 11));
        }
    }

    /**
     * @return the super block pfn the hook exported, after checking the image is sealed (the hook ran, not only
     *         the live chain) and fsck finds nothing wrong.
     */
    private static long checkSealedAndClean(final Path file)
    {
        final long pfn = PfnFile.read(PfnFile.of(file)).orElseThrow();
        try (PhysMem mem = PhysMem.openReadOnly(file))
        {
            final List<String> problems = new ArrayList<>();
            final ScanResult scan = ImageScanner.check(mem, pfn, problems);
            assertEquals(List.of(), problems);
            assertNotNull(scan);
            assertEquals(SuperBlockDescriptor.STATE_SEALED, SuperBlockDescriptor.state(mem.page(pfn)));
            assertEquals(SuperBlockDescriptor.PKRAM_MAGIC, SuperBlockDescriptor.magic(mem.page(pfn)));
            assertTrue(SuperBlockDescriptor.nrRegions(mem.page(pfn)) > 0, "a regions list was built");
            assertEquals(scan.pages().cardinality(), SuperBlockDescriptor.preservedPages(mem.page(pfn)));
            assertEquals(2, scan.nodes().size());
        }
        return pfn;
    }
}
