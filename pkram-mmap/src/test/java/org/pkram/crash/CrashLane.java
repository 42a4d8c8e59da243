package org.pkram.crash;

import org.pkram.FaultPoints;
import org.pkram.Pkram;
import org.pkram.boot.PfnFile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * One memory file and its model, crashed again and again: each run starts a {@link CrashWorkload} on
 * the file as the last crash left it, ends it (SIGKILL, or a halt at a named point), feeds its lines
 * to the {@link CrashModel} and runs the {@link ImageCheck}. Findings go to the shared
 * {@link CrashStats}; after one, the lane keeps the evidence and starts again on a new file.
 */
final class CrashLane
{
    /** Memory file size: 16384 pages, room for all 50 nodes (some of a thousand folios) many times over. */
    static final long FILE_SIZE = 64L << 20;
    /** A child armed with a named point works this long at most; ending without reaching it is a failure. */
    static final long HALT_MILLIS = 60_000;
    private static final long BOOT_TIMEOUT_MILLIS = 60_000;
    private static final long RUN_TIMEOUT_MILLIS = 120_000;

    /**
     * One kill, as recorded for replay: the arguments the child ran with (its seed among them), how long after
     * the line awaited the SIGKILL was sent, the last event the parent had read then, and the last the child wrote.
     *
     * @param run        the lane's run number.
     * @param args       the child's workload arguments.
     * @param after      the line the delay was counted from ({@code BOOTING} or {@code BOOTED}).
     * @param delayMillis the delay chosen.
     * @param sentMillis  ms from that line to the SIGKILL, as measured.
     * @param lastRead   the last event read before the SIGKILL ({@code #seq event}).
     * @param lastWritten the last event the child wrote ({@code #seq event}).
     */
    record Kill(int run, List<String> args, String after, int delayMillis, long sentMillis, String lastRead,
        String lastWritten)
    {
        @Override
        public String toString()
        {
            return "run " + run + " " + String.join(" ", args) + ": SIGKILL " + sentMillis + " ms after " + after +
                " (delay " + delayMillis + " ms), last event read before it " + lastRead + ", last event written " +
                lastWritten;
        }
    }

    private final Path dir;
    private final Path scratch;
    private final int id;
    private final CrashStats stats;
    private final SplittableRandom random;
    private final CrashModel model = new CrashModel();
    private final List<Kill> kills = new ArrayList<>();
    private final long seed;
    private Path file;
    private int run;
    private String lastRunArgs = "";

    CrashLane(final Path dir, final int id, final long seed, final CrashStats stats)
    {
        this.dir = dir;
        this.id = id;
        this.stats = stats;
        this.seed = seed;
        this.random = new SplittableRandom(seed);
        try
        {
            this.scratch = Files.createDirectories(dir.resolve("check" + id));
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException(ex);
        }
        newFile();
    }

    private void newFile()
    {
        try
        {
            if (file != null)
            {
                Files.deleteIfExists(file);
                Files.deleteIfExists(PfnFile.of(file));
            }
            file = dir.resolve("lane" + id + "-" + run + ".mem");
            Pkram.format(file, FILE_SIZE, false);
            model.reset();
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    Path file()
    {
        return file;
    }

    /**
     * Run the workload until a random moment, SIGKILL it, check.
     *
     * @param threads   worker threads in the child.
     * @param maxDelay  the kill comes up to this many ms after the child's first boot returned.
     */
    void killAtRandom(final int threads, final int maxDelay) throws Exception
    {
        killAtRandom(threads, maxDelay, List.of());
    }

    /**
     * Run the workload until a random moment, SIGKILL it, check.
     *
     * @param threads   worker threads in the child.
     * @param maxDelay  the kill comes up to this many ms after the child's first boot returned.
     * @param extraArgs more workload arguments.
     */
    void killAtRandom(final int threads, final int maxDelay, final List<String> extraArgs) throws Exception
    {
        // One kill in ten lands in or right after boot.
        final boolean early = random.nextInt(10) == 0;
        final List<String> args = args(0, threads, extraArgs);
        try (CrashChild child = CrashChild.start(List.of(), args))
        {
            final String after = early ? "BOOTING" : "BOOTED";
            final String seen = child.awaitLine(after, BOOT_TIMEOUT_MILLIS);
            final long seenAt = System.nanoTime();
            final int delay = early ? random.nextInt(20) : random.nextInt(maxDelay);
            if (seen != null)
            {
                Thread.sleep(delay);
            }
            final String lastRead = child.lastRead();
            final long sentMillis = (System.nanoTime() - seenAt) / 1_000_000L;
            final int exit = child.kill();
            final boolean killed = seen != null && exit == CrashChild.KILLED_EXIT_CODE;
            child.lines();
            kills.add(new Kill(run, args, seen == null ? "start (" + after + " never came)" : after, delay,
                sentMillis, lastRead, child.lastRead()));
            finish(child, killed ? null : "the child was to be killed, but exited " + exit, null);
            if (killed)
            {
                stats.randomKill();
            }
        }
    }

    /**
     * @return every kill of this lane so far, oldest first.
     */
    List<Kill> kills()
    {
        return List.copyOf(kills);
    }

    /**
     * Run the workload with a named fault point armed until it halts there, check. A child that works
     * {@link #HALT_MILLIS} (or a {@code millis} given in {@code extraArgs}) without reaching the point ends
     * normally, and that is a failure: the point was never tested.
     *
     * @param point     a {@link FaultPoints} name.
     * @param skip      passes before the halt.
     * @param extraArgs more workload arguments.
     */
    void haltAt(final String point, final int skip, final List<String> extraArgs) throws Exception
    {
        final List<String> props = List.of("-Dpkram.fault=" + point, "-Dpkram.fault.skip=" + skip);
        final List<String> more = new ArrayList<>(List.of("reboot=0.04", "truncate=0.02", "millis=" + HALT_MILLIS));
        more.addAll(extraArgs);
        try (CrashChild child = CrashChild.start(props, args(0, 1, more)))
        {
            final int exit = child.awaitExit(RUN_TIMEOUT_MILLIS);
            final boolean halted = exit == FaultPoints.HALT_EXIT_CODE;
            if (halted)
            {
                stats.namedHalt(point);
            }
            else if (exit == 0)
            {
                stats.namedMiss(point);
            }
            finish(child, halted ? point : null, halted ? null : exit == 0 ?
                "named point " + point + " (skip " + skip + ") never reached: the child ended normally" :
                "the child exited " + exit);
        }
    }

    /**
     * Run the workload to its end (an orderly close), check.
     *
     * @param ops       operations before the close.
     * @param extraArgs more workload arguments.
     */
    void runToEnd(final int ops, final List<String> extraArgs) throws Exception
    {
        try (CrashChild child = CrashChild.start(List.of(), args(ops, 1, extraArgs)))
        {
            final int exit = child.awaitExit(RUN_TIMEOUT_MILLIS);
            finish(child, null, exit == 0 ? null : "the child exited " + exit);
        }
    }

    /**
     * @return the nodes that must be present now.
     */
    Set<String> committed()
    {
        return Set.copyOf(model.must().keySet());
    }

    /**
     * @return the nodes that must be present now, with their versions.
     */
    Map<String, List<CrashModel.Expected>> must()
    {
        return model.must();
    }

    private List<String> args(final long ops, final int threads, final List<String> extra)
    {
        final List<String> args = new ArrayList<>(List.of(
            "file=" + file,
            "seed=" + random.nextLong(),
            "base=" + ((long)++run * 10_000_000L),
            "ops=" + ops,
            "threads=" + threads));
        args.addAll(extra);
        lastRunArgs = String.join(" ", args);
        return args;
    }

    /**
     * @param halted the named point the child halted at (its operation is pinned to that side), or null.
     */
    private void finish(final CrashChild child, final String halted, final String childProblem) throws Exception
    {
        final List<String> lines = child.lines();
        final int eventsBefore = model.events();
        final int bootsBefore = model.boots();
        final int[] opsBefore = {model.reboots(), model.truncates(), model.replaces(), model.writes(),
            model.aborts(), model.removes()};
        for (final String line : lines)
        {
            model.apply(line);
        }
        if (halted != null)
        {
            model.haltedAt(halted);
        }
        stats.childRun(model.events() - eventsBefore, model.boots() - bootsBefore);
        stats.operations(model.reboots() - opsBefore[0], model.truncates() - opsBefore[1],
            model.replaces() - opsBefore[2], model.writes() - opsBefore[3], model.aborts() - opsBefore[4],
            model.removes() - opsBefore[5]);
        stats.diedDuringRollover(model.savingRollover());
        stats.diedWriting(model.diedWriting());
        final Map<String, List<CrashModel.Expected>> replacing = model.replacing();
        final List<String> findings = new ArrayList<>(model.violations());
        findings.addAll(child.sequenceErrors());
        if (childProblem != null)
        {
            findings.add(childProblem + "; stderr: " + child.stderr().strip());
        }
        if (!child.partialLine().isEmpty())
        {
            findings.add("half a line on stdout: " + child.partialLine());
        }
        final ImageCheck.Outcome outcome = ImageCheck.check(file, model.must(), model.may(),
            model.diedInFreshBoot(), scratch, random);
        stats.checked(outcome);
        if (!findings.isEmpty() || !outcome.clean())
        {
            keepEvidence(lines, findings, outcome, child.stderr());
            newFile();
            return;
        }
        if (outcome.freshWindow)
        {
            // The fresh boot had dropped the old image: the next boot starts empty, as asked.
            stats.freshWindow();
        }
        int rollovers = 0;
        for (final CrashModel.Expected found : outcome.found.values())
        {
            rollovers += CrashContent.rollsOver(found.seed()) ? 1 : 0;
        }
        stats.rolloverNodes(rollovers);
        // A replace the child died in: which side of its swap the image holds.
        replacing.forEach((name, versions) ->
            stats.diedReplacing(outcome.found.get(name).version() == versions.getLast().version() &&
                versions.size() == 2));
        model.resolve(outcome.found);
        stats.nodes(outcome.present.size());
    }

    private void keepEvidence(final List<String> lines, final List<String> findings, final ImageCheck.Outcome outcome,
        final String stderr) throws IOException
    {
        final Path keep = Path.of("target", "crash-failures", "lane" + id + "-run" + run + "-" + System.nanoTime());
        Files.createDirectories(keep);
        Files.copy(file, keep.resolve("image.mem"), StandardCopyOption.REPLACE_EXISTING);
        if (Files.exists(PfnFile.of(file)))
        {
            Files.copy(PfnFile.of(file), keep.resolve("image.mem.pfn"), StandardCopyOption.REPLACE_EXISTING);
        }
        Files.write(keep.resolve("stdout.txt"), lines);
        Files.writeString(keep.resolve("stderr.txt"), stderr);
        Files.write(keep.resolve("kills.txt"), kills.stream().map(Kill::toString).toList());
        final List<String> first = findings.subList(0, Math.min(5, findings.size()));
        final Kill kill = kills.isEmpty() || kills.getLast().run() != run ? null : kills.getLast();
        final String replay = "lane seed " + seed + ", " + (kill != null ? "kill: " + kill :
            "run " + run + " " + lastRunArgs + " (no kill), last event " + (lines.isEmpty() ? "none" :
            "#" + lines.size() + " " + lines.getLast()));
        final String report = "lane " + id + " run " + run + ": " + String.join("; ", first) +
            (findings.size() > first.size() ? " (and " + (findings.size() - first.size()) + " more)" : "") + " " + outcome +
            " " + model + "; " + replay +
            " (evidence in " + keep + ")";
        Files.writeString(keep.resolve("report.txt"), report);
        stats.failure(report);
    }

    void close() throws IOException
    {
        Files.deleteIfExists(file);
        Files.deleteIfExists(PfnFile.of(file));
    }
}
