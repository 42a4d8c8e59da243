package org.pkram.crash;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.pkram.Mode;
import org.pkram.Pkram;
import org.pkram.PkramOptions;
import org.pkram.boot.PfnFile;
import org.pkram.error.Errno;
import org.pkram.error.InvalidSuperBlockException;
import org.pkram.oracle.ImageOracle;
import org.pkram.testing.ScratchDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.pkram.testing.Digests.sha256;

/**
 * Kernel-faithful mode is not crash-safe by design: only an orderly reboot preserves. After a process
 * that booted an image in that mode is killed, the image is refused as consumed (never replayed over
 * pages that process may have handed out), the refusal changes no byte, and dropping it is the
 * caller's explicit choice.
 */
@Tag("crash")
class KernelFaithfulCrashTest
{
    @ScratchDir
    Path dir;

    @ParameterizedTest
    @ValueSource(ints = {0, 40, 250})
    void shouldRefuseTheConsumedImageAfterAKillAndDropItOnlyWhenAsked(final int delayMillis) throws Exception
    {
        final Path file = dir.resolve("pkram.mem");
        Pkram.format(file, CrashLane.FILE_SIZE, false);
        final List<String> workload = List.of("file=" + file, "mode=KERNEL_FAITHFUL", "reboot=0", "truncate=0");
        // An orderly run leaves a sealed image that holds nodes.
        try (CrashChild child = CrashChild.start(List.of(), concat(workload, "ops=100", "nonEmpty=true", "seed=1")))
        {
            assertEquals(0, child.awaitExit(120_000), child.stderr());
            assertEquals("CLOSED", child.lines().getLast());
        }
        final long pfn = PfnFile.read(PfnFile.of(file)).orElseThrow();
        // The next process boots it, works, and is killed.
        try (CrashChild child = CrashChild.start(List.of(), concat(workload, "ops=0", "seed=2", "base=1000000")))
        {
            final String booted = child.awaitLine("BOOTED", 60_000);
            assertNotNull(booted, "the child did not boot");
            assertNotEquals("BOOTED -", booted);
            Thread.sleep(delayMillis);
            assertEquals(CrashChild.KILLED_EXIT_CODE, child.kill());
        }
        final String before = sha256(file);
        // The format itself forbids booting it, read without the library.
        final ImageOracle.Image oracle = ImageOracle.read(file, pfn);
        assertFalse(oracle.valid());
        assertTrue(oracle.problem().contains("consumed"), oracle.problem());
        for (final Mode mode : Mode.values())
        {
            final InvalidSuperBlockException ex = assertThrows(InvalidSuperBlockException.class,
                () -> Pkram.boot(options(file, pfn, mode)));
            assertEquals(Errno.EINVAL, ex.errno());
            assertTrue(ex.getMessage().contains("consumed"), ex.getMessage());
            assertEquals(before, sha256(file), "a refused boot changes no byte");
        }
        try (Pkram pk = Pkram.boot(options(file, pfn, Mode.KERNEL_FAITHFUL).dropInvalid(true)))
        {
            assertEquals(List.of(), pk.nodeNames());
            assertTrue(pk.bootMessages().getFirst().startsWith("dropped the preserved image: EINVAL"),
                pk.bootMessages().toString());
            assertEquals(1, pk.pageCounts().used(), "only the new super block page is taken");
            assertEquals(0, pk.pageCounts().reserved());
        }
    }

    private static PkramOptions options(final Path file, final long pfn, final Mode mode)
    {
        return PkramOptions.of(file).superBlockPfn(pfn).mode(mode).shutdownHook(false);
    }

    private static List<String> concat(final List<String> base, final String... more)
    {
        final List<String> all = new java.util.ArrayList<>(base);
        all.addAll(List.of(more));
        return all;
    }
}
