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
    /** Memory file size: 8192 pages, room for all 50 nodes many times over. */
    static final long FILE_SIZE = 32L << 20;
    private static final long BOOT_TIMEOUT_MILLIS = 60_000;
    private static final long RUN_TIMEOUT_MILLIS = 120_000;

    private final Path dir;
    private final Path scratch;
    private final int id;
    private final CrashStats stats;
    private final SplittableRandom random;
    private final CrashModel model = new CrashModel();
    private Path file;
    private int run;

    CrashLane(final Path dir, final int id, final long seed, final CrashStats stats)
    {
        this.dir = dir;
        this.id = id;
        this.stats = stats;
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
        // One kill in ten lands in or right after boot.
        final boolean early = random.nextInt(10) == 0;
        try (CrashChild child = CrashChild.start(List.of(), args(0, threads, List.of())))
        {
            final String seen = child.awaitLine(early ? "BOOTING" : "BOOTED", BOOT_TIMEOUT_MILLIS);
            if (seen != null)
            {
                Thread.sleep(early ? random.nextInt(20) : random.nextInt(maxDelay));
            }
            final int exit = child.kill();
            final boolean killed = seen != null && exit == CrashChild.KILLED_EXIT_CODE;
            finish(child, killed ? null : "the child was to be killed, but exited " + exit);
            if (killed)
            {
                stats.randomKill();
            }
        }
    }

    /**
     * Run the workload with a named fault point armed, let it halt there (or finish its operations
     * without reaching it), check.
     *
     * @param point     a {@link FaultPoints} name.
     * @param skip      passes before the halt.
     * @param extraArgs more workload arguments.
     */
    void haltAt(final String point, final int skip, final List<String> extraArgs) throws Exception
    {
        final List<String> props = List.of("-Dpkram.fault=" + point, "-Dpkram.fault.skip=" + skip);
        final List<String> more = new ArrayList<>(List.of("reboot=0.04", "truncate=0.02"));
        more.addAll(extraArgs);
        try (CrashChild child = CrashChild.start(props, args(400, 1, more)))
        {
            final int exit = child.awaitExit(RUN_TIMEOUT_MILLIS);
            final boolean halted = exit == FaultPoints.HALT_EXIT_CODE;
            finish(child, halted || exit == 0 ? null : "the child exited " + exit);
            if (halted)
            {
                stats.namedHalt(point);
            }
            else if (exit == 0)
            {
                stats.namedMiss(point);
            }
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
            finish(child, exit == 0 ? null : "the child exited " + exit);
        }
    }

    /**
     * @return the nodes that must be present now.
     */
    Set<String> committed()
    {
        return Set.copyOf(model.must().keySet());
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
        return args;
    }

    private void finish(final CrashChild child, final String childProblem) throws Exception
    {
        final List<String> lines = child.lines();
        final int eventsBefore = model.events();
        final int bootsBefore = model.boots();
        for (final String line : lines)
        {
            model.apply(line);
        }
        stats.childRun(model.events() - eventsBefore, model.boots() - bootsBefore);
        final List<String> findings = new ArrayList<>(model.violations());
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
            // Fail closed as documented: the operator starts afresh.
            stats.freshWindow();
            Files.deleteIfExists(PfnFile.of(file));
        }
        model.resolve(outcome.present);
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
        final List<String> first = findings.subList(0, Math.min(5, findings.size()));
        final String report = "lane " + id + " run " + run + ": " + String.join("; ", first) +
            (findings.size() > first.size() ? " (and " + (findings.size() - first.size()) + " more)" : "") + " " + outcome +
            " must=" + model.must().keySet() + " may=" + model.may().keySet() + " (evidence in " + keep + ")";
        Files.writeString(keep.resolve("report.txt"), report);
        stats.failure(report);
    }

    void close() throws IOException
    {
        Files.deleteIfExists(file);
        Files.deleteIfExists(PfnFile.of(file));
    }
}
