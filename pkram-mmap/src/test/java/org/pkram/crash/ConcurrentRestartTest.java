package org.pkram.crash;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.pkram.Pkram;
import org.pkram.testing.ScratchDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Threads: four threads save, load (whole and in part), move and discard different nodes of one
 * instance at once for a while, truncate while the others have saves and loads open, and reboot in
 * between; then an orderly restart, and the full check of {@link ImageCheck}:
 * fsck clean, every node that must be there is, whole, and every page is free or referenced.
 */
@Tag("crash")
class ConcurrentRestartTest
{
    /** How long the threads work. */
    private static final long MILLIS = Long.getLong("pkram.crash.concurrentMillis", 5_000);
    private static final int THREADS = 4;

    @ScratchDir
    Path dir;

    @Test
    void shouldGetEveryNodeBackAfterFourThreadsWorkedAndARestart() throws Exception
    {
        final Path file = dir.resolve("pkram.mem");
        Pkram.format(file, CrashLane.FILE_SIZE, false);
        final long seed = Long.getLong("pkram.crash.seed", System.nanoTime());
        final CrashModel model = new CrashModel();
        final Map<String, String> args = Map.of(
            "file", file.toString(),
            "seed", Long.toString(seed),
            "threads", Integer.toString(THREADS),
            "millis", Long.toString(MILLIS),
            "reboot", "0.03",
            "truncate", "0.03");
        final long ops = new CrashWorkload(args, line ->
        {
            synchronized (model)
            {
                model.apply(line);
            }
        }).run(ex ->
        {
            // Thrown from run() once every thread stopped.
        });
        assertEquals(List.of(), model.violations(), "seed " + seed);
        assertTrue(model.reboots() > 0 && model.truncates() > 0, "reboots " + model.reboots() + ", truncates " +
            model.truncates() + " in " + ops + " operations, seed " + seed);
        assertTrue(model.may().isEmpty(), "every operation finished before the close: " + model.may());
        final Path scratch = Files.createDirectories(dir.resolve("scratch"));
        final ImageCheck.Outcome outcome = ImageCheck.check(file, model.must(), Map.of(), false, scratch,
            new SplittableRandom(seed));
        System.out.println("concurrent restart: " + THREADS + " threads, " + ops + " operations, " +
            model.events() + " events in " + MILLIS + " ms, " + outcome.verified + " nodes verified after the " +
            "restart, " + (outcome.clean() ? "0 problems" : outcome) + " [seed " + seed + "]");
        assertTrue(outcome.booted, outcome.toString());
        assertTrue(outcome.clean(), outcome + " seed " + seed);
        assertEquals(model.must().keySet(), outcome.present);
        assertEquals(model.must().size(), outcome.verified);
    }
}
