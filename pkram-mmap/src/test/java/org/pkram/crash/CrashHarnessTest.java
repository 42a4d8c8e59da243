package org.pkram.crash;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.pkram.FaultPoints;
import org.pkram.Pkram;
import org.pkram.PkramOptions;
import org.pkram.boot.PfnFile;
import org.pkram.error.Errno;
import org.pkram.error.InvalidSuperBlockException;
import org.pkram.testing.ScratchDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.pkram.testing.Digests.sha256;

/**
 * The crash harness: a child JVM runs a random workload and is killed with SIGKILL at random moments,
 * or halts itself at each named publication point; after each death the image must boot, fsck clean,
 * with every committed node whole, nothing half saved, and every page either free or referenced.
 * <p>
 * The normal suite runs a short version. The long one:
 * {@code mvn -B -pl pkram-mmap test -Dtest=CrashHarnessTest -Dpkram.crash.kills=10000 -Dpkram.crash.lanes=2}
 * (see {@code package-info.java}).
 */
@Tag("crash")
class CrashHarnessTest
{
    /** Random kill points; the long run sets 10000. */
    private static final int KILLS = Integer.getInteger("pkram.crash.kills", 60);
    /** Random kill points with four threads in the child. */
    private static final int THREADED_KILLS = Integer.getInteger("pkram.crash.threadedKills", 12);
    /** Memory files crashed in parallel. */
    private static final int LANES = Integer.getInteger("pkram.crash.lanes", 1);
    /** A kill comes up to this many ms after the child's boot. */
    private static final int MAX_DELAY_MILLIS = Integer.getInteger("pkram.crash.maxDelayMillis", 300);
    private static final long SEED = Long.getLong("pkram.crash.seed", System.nanoTime());

    @ScratchDir
    Path dir;

    @Test
    void shouldLoseNoCommittedNodeWhenKilledAtRandomMoments() throws Exception
    {
        final CrashStats stats = new CrashStats("random kills, seed " + SEED);
        runLanes(stats, KILLS, 1, List.of());
        report(stats);
        assertEquals(KILLS, stats.killPoints());
        if (KILLS >= 20)
        {
            assertTrue(stats.rolloverNodes() > 0, "no node with a link rollover was checked after a crash");
            assertTrue(stats.replaces() > 0 && stats.writes() > 0 && stats.aborts() > 0 && stats.removes() > 0,
                "the workload replaced, wrote in place, aborted loads and removed: " + stats.summary());
        }
    }

    @Test
    void shouldLoseNoCommittedNodeWhenKilledWhileFourThreadsWork() throws Exception
    {
        final CrashStats stats = new CrashStats("random kills, 4 threads, seed " + SEED);
        // Truncates run while other threads have saves and loads open; reboots wait for them to end.
        runLanes(stats, THREADED_KILLS, 4, List.of("reboot=0.03", "truncate=0.02"));
        report(stats);
        assertEquals(THREADED_KILLS, stats.killPoints());
    }

    @Test
    void shouldRecordEachKillWithTheLastEventBeforeIt() throws Exception
    {
        final CrashStats stats = new CrashStats("kill records, seed " + SEED);
        final CrashLane lane = new CrashLane(dir, 0, SEED, stats);
        for (int k = 0; k < 3; k++)
        {
            lane.killAtRandom(1, MAX_DELAY_MILLIS);
        }
        lane.close();
        report(stats);
        final List<CrashLane.Kill> kills = lane.kills();
        assertEquals(3, kills.size());
        for (final CrashLane.Kill kill : kills)
        {
            assertTrue(kill.args().stream().anyMatch(arg -> arg.startsWith("seed=")), kill.toString());
            assertTrue(kill.sentMillis() >= kill.delayMillis(), kill.toString());
            // BOOTING is #1: whatever the parent saw before the kill carries its place in the sequence.
            assertTrue(kill.lastRead().matches("#[1-9][0-9]* [A-Z]+.*"), kill.toString());
            assertTrue(kill.lastWritten().matches("#[1-9][0-9]* [A-Z]+.*"), kill.toString());
            final long read = Long.parseLong(kill.lastRead().substring(1, kill.lastRead().indexOf(' ')));
            final long written = Long.parseLong(kill.lastWritten().substring(1, kill.lastWritten().indexOf(' ')));
            assertTrue(read <= written, kill.toString());
        }
    }

    @Test
    void shouldCountANamedPointNeverReachedAsAFailure() throws Exception
    {
        final CrashStats stats = new CrashStats("unreachable point, seed " + SEED);
        final CrashLane lane = new CrashLane(dir, 0, SEED, stats);
        // Only a truncate unlinks through this point, and the child never truncates.
        lane.haltAt(FaultPoints.TRUNCATE_UNLINKED, 0, List.of("truncate=0", "millis=1000"));
        lane.close();
        assertEquals(1, stats.failures().size(), stats.failures().toString());
        assertTrue(stats.failures().getFirst().contains("named point truncate.unlinked (skip 0) never reached"),
            stats.failures().getFirst());
        assertTrue(stats.failures().getFirst().contains("lane seed " + SEED), stats.failures().getFirst());
    }

    /**
     * Every named point at three skip counts; the operation a halt interrupts is pinned to that side of its commit
     * point ({@link CrashModel#haltedAt}): e.g. {@code replace.before-swap} must leave the old version,
     * {@code replace.swapped} the new one, {@code remove.unlinked} no node.
     */
    @Test
    void shouldLoseNoCommittedNodeWhenHaltedAtEveryNamedPoint() throws Exception
    {
        final CrashStats stats = new CrashStats("named points, seed " + SEED);
        final SplittableRandom random = new SplittableRandom(SEED);
        final CrashLane lane = new CrashLane(dir, 0, random.nextLong(), stats);
        // The very first boot of a new file: no pfn file exists yet.
        lane.haltAt(FaultPoints.BOOT_FRESH_HEADER_CLEARED, 0, List.of());
        for (final String point : FaultPoints.ALL)
        {
            final boolean fresh = point.equals(FaultPoints.BOOT_FRESH_HEADER_CLEARED);
            final boolean live = point.equals(FaultPoints.BOOT_LIVE);
            for (final int skip : skips(point, random))
            {
                // boot.live on an image with nodes and on an empty one: a kill there leaves a super block
                // without its magic, which must boot (empty) or recover the chain.
                if (live && skip % 2 == 0 && lane.committed().isEmpty())
                {
                    lane.runToEnd(20, List.of("nonEmpty=true"));
                }
                // fresh: a fresh boot over an image (every boot of that child is fresh), the old pfn goes stale.
                lane.haltAt(point, skip, fresh ? List.of("fresh=true") : List.of());
                if (stats.tooManyFailures())
                {
                    break;
                }
            }
        }
        lane.close();
        report(stats);
        final Map<String, Integer> hits = stats.hits();
        final List<String> neverHit = new ArrayList<>();
        for (final String point : FaultPoints.ALL)
        {
            if (hits.getOrDefault(point, 0) == 0)
            {
                neverHit.add(point);
            }
        }
        assertEquals(List.of(), neverHit, "named points never reached");
    }

    @Test
    void shouldStartEmptyOrResumeTheOldImageOnlyOnRequestWhenAFreshBootOverAnImageDies() throws Exception
    {
        final CrashStats stats = new CrashStats("fresh-boot window, seed " + SEED);
        final CrashLane lane = new CrashLane(dir, 0, SEED, stats);
        // A random workload may end with every node loaded: run it again until the image holds some.
        for (int run = 0; run < 5 && (run == 0 || lane.committed().isEmpty()); run++)
        {
            lane.runToEnd(200, List.of("reboot=0", "truncate=0"));
        }
        assertEquals(List.of(), stats.failures());
        assertFalse(lane.committed().isEmpty(), "the image to lose holds nodes");
        final Path file = lane.file();
        final long current = PfnFile.read(PfnFile.of(file)).orElseThrow();
        try (CrashChild child = CrashChild.start(
            List.of("-Dpkram.fault=" + FaultPoints.BOOT_FRESH_HEADER_CLEARED),
            List.of("file=" + file, "ops=10", "fresh=true")))
        {
            assertEquals(FaultPoints.HALT_EXIT_CODE, child.awaitExit(120_000), child.stderr());
            assertEquals(List.of("BOOTING fresh"), child.lines());
        }
        // The pfn file went first, so the next boot cannot take the empty header for a damaged one.
        assertTrue(PfnFile.read(PfnFile.of(file)).isEmpty(), "the pfn file was removed before the header was cleared");
        final String before = sha256(file);
        // The death came before the old image was touched: a boot that asks for it explicitly (pkram=, -Dpkram,
        // PKRAM) gets it back whole, in a copy here; one that asks for any other pfn is refused as stale.
        final Path copy = Files.createDirectories(dir.resolve("copy")).resolve("pkram.mem");
        Files.copy(file, copy, StandardCopyOption.COPY_ATTRIBUTES);
        try (Pkram pk = boot(copy, current))
        {
            assertEquals(lane.committed().stream().sorted().toList(),
                pk.nodeNames().stream().sorted().toList());
        }
        final InvalidSuperBlockException ex = assertThrows(InvalidSuperBlockException.class,
            () -> boot(file, current + 1));
        assertEquals(Errno.EINVAL, ex.errno());
        assertTrue(ex.getMessage().contains("stale"), ex.getMessage());
        assertEquals(before, sha256(file), "a refused boot changes no byte");
        // The harness accepts a file with no image only after a death inside a fresh boot: anywhere else the
        // nodes that had to be there are lost.
        final Path scratch = Files.createDirectories(dir.resolve("scratch"));
        final ImageCheck.Outcome accepted = ImageCheck.check(file, Map.of(), Map.of(), true, scratch,
            new SplittableRandom(SEED));
        assertTrue(accepted.clean() && accepted.freshWindow, accepted.toString());
        final ImageCheck.Outcome refused = ImageCheck.check(file, lane.must(), Map.of(), false, scratch,
            new SplittableRandom(SEED));
        assertFalse(refused.lost.isEmpty(), refused.toString());
        // The default boot resumes what the header names, which is nothing now: it starts empty and says so.
        try (Pkram pk = Pkram.boot(PkramOptions.of(file).shutdownHook(false)))
        {
            assertEquals(List.of(), pk.nodeNames());
            assertTrue(pk.bootMessages().stream().anyMatch(m -> m.startsWith("started empty")),
                pk.bootMessages().toString());
            assertEquals(1, pk.pageCounts().used() + pk.pageCounts().reserved());
        }
        lane.close();
    }

    @Test
    void shouldStartEmptyWhenTheFirstBootOfANewFileDies() throws Exception
    {
        final Path file = dir.resolve("new.mem");
        Pkram.format(file, CrashLane.FILE_SIZE, false);
        try (CrashChild child = CrashChild.start(
            List.of("-Dpkram.fault=" + FaultPoints.BOOT_FRESH_HEADER_CLEARED), List.of("file=" + file, "ops=10")))
        {
            assertEquals(FaultPoints.HALT_EXIT_CODE, child.awaitExit(120_000), child.stderr());
        }
        assertTrue(PfnFile.read(PfnFile.of(file)).isEmpty(), "no pfn file: nothing was ever exported");
        try (Pkram pk = boot(file, 0))
        {
            assertEquals(List.of(), pk.nodeNames());
            assertTrue(pk.bootMessages().stream().anyMatch(m -> m.startsWith("started empty")),
                pk.bootMessages().toString());
        }
    }

    private void runLanes(final CrashStats stats, final int kills, final int threads, final List<String> extraArgs)
        throws Exception
    {
        final SplittableRandom seeds = new SplittableRandom(SEED + threads);
        final List<Thread> workers = new ArrayList<>();
        final List<Throwable> errors = new ArrayList<>();
        final int lanes = Math.max(1, Math.min(LANES, kills));
        for (int l = 0; l < lanes; l++)
        {
            final int share = kills / lanes + (l < kills % lanes ? 1 : 0);
            final CrashLane lane = new CrashLane(dir, l, seeds.nextLong(), stats);
            final Thread worker = Thread.ofPlatform().name("crash-lane-" + l).start(() ->
            {
                try
                {
                    for (int k = 0; k < share && !stats.tooManyFailures(); k++)
                    {
                        lane.killAtRandom(threads, MAX_DELAY_MILLIS, extraArgs);
                        progress(stats, kills);
                    }
                    lane.close();
                }
                catch (final Throwable ex)
                {
                    synchronized (errors)
                    {
                        errors.add(ex);
                    }
                }
            });
            workers.add(worker);
        }
        for (final Thread worker : workers)
        {
            worker.join();
        }
        if (!errors.isEmpty())
        {
            final AssertionError failure = new AssertionError("a crash lane failed", errors.get(0));
            errors.stream().skip(1).forEach(failure::addSuppressed);
            throw failure;
        }
    }

    /**
     * A long run says where it is every 500 kill points, so it can be judged (and stopped) before its summary.
     */
    private static void progress(final CrashStats stats, final int kills)
    {
        final long done = stats.killPoints();
        if (done % 500 == 0)
        {
            System.out.println("crash harness: " + done + " of " + kills + " kill points, " +
                stats.failures().size() + " failures so far, seed " + SEED);
        }
    }

    private static void report(final CrashStats stats)
    {
        System.out.println(stats.summary());
        assertEquals(List.of(), stats.failures(), "crash harness findings (seed " + SEED + ")");
    }

    private static int[] skips(final String point, final SplittableRandom random)
    {
        return switch (point)
        {
            case FaultPoints.SAVE_BEFORE_COMMIT, FaultPoints.SAVE_FLAGS_CLEARED, FaultPoints.SAVE_COMMITTED,
                 FaultPoints.LOAD_BEFORE_UNLINK, FaultPoints.LOAD_UNLINKED ->
                new int[] {0, 1 + random.nextInt(10), 10 + random.nextInt(60)};
            case FaultPoints.TRUNCATE_UNLINKED -> new int[] {0, 1 + random.nextInt(5), 5 + random.nextInt(20)};
            case FaultPoints.REPLACE_BEFORE_SWAP, FaultPoints.REPLACE_SWAPPED ->
                new int[] {0, 1 + random.nextInt(5), 5 + random.nextInt(20)};
            case FaultPoints.BOOT_FRESH_HEADER_CLEARED -> new int[] {1, 2, 3 + random.nextInt(3)};
            default -> new int[] {0, 1 + random.nextInt(3), 4 + random.nextInt(5)};
        };
    }

    private static Pkram boot(final Path file, final long pfn)
    {
        return Pkram.boot(PkramOptions.of(file).superBlockPfn(pfn).shutdownHook(false));
    }
}
