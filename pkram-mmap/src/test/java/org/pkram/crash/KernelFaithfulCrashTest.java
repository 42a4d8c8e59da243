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

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.pkram.testing.Digests.sha256;

/**
 * Kernel-faithful mode is not crash-safe by design: only an orderly reboot preserves. An orderly run of the
 * whole workload in that mode (loads that consume only when they finish, aborted loads that put the node back,
 * replaces, in-place writes through live handles, removes) leaves a sealed image holding exactly what the model
 * says, page stamps included. After a process that booted an image in that mode is killed, the image is refused
 * as consumed (never replayed over pages that process may have handed out), by a boot that names its pfn and by
 * the default boot that resumes what the file header names; the refusal changes no byte, and starting empty is
 * the caller's explicit choice ({@code dropInvalid}, or {@code fresh}).
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
        // An orderly run leaves a sealed image that holds nodes, each as the model of the run expects.
        final CrashModel model = new CrashModel();
        try (CrashChild child = CrashChild.start(List.of(), concat(workload, "ops=100", "nonEmpty=true", "seed=" +
            (1 + delayMillis))))
        {
            assertEquals(0, child.awaitExit(120_000), child.stderr());
            final List<String> lines = child.lines();
            assertEquals("CLOSED", lines.getLast());
            lines.forEach(model::apply);
        }
        assertEquals(List.of(), model.violations());
        assertTrue(model.replaces() + model.writes() + model.aborts() + model.removes() > 0,
            "the run replaced, wrote in place, aborted or removed");
        final Path scratch = Files.createDirectories(dir.resolve("scratch"));
        final ImageCheck.Outcome sealed = ImageCheck.check(file, model.must(), Map.of(), false, scratch,
            new SplittableRandom(delayMillis));
        assertTrue(sealed.clean(), sealed.toString());
        assertEquals(model.must().keySet(), sealed.present);
        final long pfn = PfnFile.read(PfnFile.of(file)).orElseThrow();
        // The next process boots it (by default: resume), works, and is killed.
        try (CrashChild child = CrashChild.start(List.of(), concat(workload, "ops=0", "seed=2", "base=1000000")))
        {
            final String booted = child.awaitLine("BOOTED", 60_000);
            assertNotNull(booted, "the child did not boot");
            assertNotEquals("BOOTED - empty", booted);
            assertTrue(booted.endsWith(" resumed"), booted);
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
            for (final long expected : new long[] {pfn, 0})
            {
                // With the pfn, and without (resume what the header names): refused alike.
                final InvalidSuperBlockException ex = assertThrows(InvalidSuperBlockException.class,
                    () -> Pkram.boot(options(file, expected, mode)));
                assertEquals(Errno.EINVAL, ex.errno());
                assertTrue(ex.getMessage().contains("consumed"), ex.getMessage());
                assertEquals(before, sha256(file), "a refused boot changes no byte");
            }
        }
        // Asking for a fresh start by name starts empty (on a copy: the file itself is dropped below).
        final Path copy = dir.resolve("copy.mem");
        Files.copy(file, copy);
        Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rw-------"));
        try (Pkram pk = Pkram.boot(options(copy, 0, Mode.CRASH_SAFE).fresh(true)))
        {
            assertEquals(List.of(), pk.nodeNames());
            assertTrue(pk.bootMessages().getFirst().startsWith("started empty on request (fresh)"),
                pk.bootMessages().toString());
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
        final List<String> all = new ArrayList<>(base);
        all.addAll(List.of(more));
        return all;
    }
}
