package org.pkram.cli;

import org.pkram.Pkram;
import org.pkram.boot.BootParams;
import org.pkram.boot.PfnFile;
import org.pkram.error.Errno;
import org.pkram.error.PkramException;
import org.pkram.mem.JvmFlags;
import org.pkram.mem.Memfd;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Stream;

/**
 * {@code pkram demo [--size MIB] [--keep | --memfd]}: a process keeps its state across its own restart, and
 * across a kill -9. On a fresh memory file of its own, runs {@link DemoService} under the {@code exec}
 * supervisor: run 1 builds and saves the state and exits 75; exec restarts it with {@code -Dpkram=<pfn>}; run 2
 * gets the state back in place and verifies it; a baseline run of the same service restarts from a plain file
 * instead, for comparison. Then the kill -9 round ({@link DemoLive}): the service resumes the state live,
 * checkpoints it, and is sent SIGKILL by this command in the middle of its work; restarted, it finds the last
 * checkpoint.
 * <p>
 * With {@code --memfd} the memory is a memfd this command creates and holds, handed to every supervised run as
 * {@code /proc/<pid>/fd/<n>} as {@code pkram exec --memfd} does: no memory file, no pfn file (exec reads the
 * pfn from the memfd's header), and the memory ends with this command, so {@code --keep} is refused.
 */
final class DemoCommand implements Command
{
    private static final int DEFAULT_MIB = 256;
    private static final long MIB = 1L << 20;

    /** The exit status of a process killed by SIGKILL, as {@link Process#waitFor()} gives it: 128 + 9. */
    static final int SIGKILL_STATUS = 128 + 9;

    /** How often the kill -9 round looks for the service's report that it is in the middle of its work. */
    private static final long WATCH_MILLIS = 2;

    /** The boot message that says the image was not sealed: the previous process ended without a reboot. */
    private static final String NO_REBOOT = "without a reboot";

    @Override
    public String name()
    {
        return "demo";
    }

    @Override
    public String synopsis()
    {
        return "demo [--size MIB] [--keep | --memfd]";
    }

    @Override
    public String summary()
    {
        return "a service keeps 256 MiB of state across its restart and a kill -9";
    }

    @Override
    public String help()
    {
        return """
            Show a service keeping its state across a restart. A fresh memory file of its own (in /dev/shm,
            else the temp directory) is formatted; a small service is run under 'pkram exec': run 1 builds
            MIB of state in 2 MiB folios with checksums plus 10000 records, saves it, reboots and exits 75;
            run 2 is started with -Dpkram=<pfn>, loads the state in place, checks every byte, and reports
            restart-to-ready time against reading the same state from a plain file. Then the kill -9 round:
            the service resumes the state live, checkpoints it 3 times and is killed with SIGKILL in the middle
            of its work; restarted, it must find exactly the last checkpoint, every checksum verified.
              --size MIB  state size (default 256)
              --keep      keep the memory file (with the last checkpoint) and print its path
              --memfd     the memory is a memfd this command creates, handed to every run as
                          PKRAM_MEM=/proc/<pid>/fd/<n> (as 'pkram exec --memfd' does): no memory file is
                          created, and the memory ends with the demo (so not with --keep); the baseline
                          still writes its plain file, removed at the end
            """;
    }

    @Override
    public Set<String> valueOptions()
    {
        return Set.of("--size");
    }

    @Override
    public Set<String> flagOptions()
    {
        return Set.of("--keep", "--memfd");
    }

    @Override
    public int run(final CliContext context, final Args args) throws Exception
    {
        args.expectOperands(0, 0, "");
        final int sizeMiB = args.intValue("--size", DEFAULT_MIB, 1, 1 << 20);
        final boolean keep = args.flag("--keep");
        final boolean memfd = args.flag("--memfd");
        if (keep && memfd)
        {
            throw new UsageException("--keep cannot go with --memfd: a memfd ends with the demo, there is no file " +
                "to keep");
        }
        final String tag = "pkram-demo-" + ProcessHandle.current().pid();
        final Path dir = CliContext.ramDirectory();
        final long memSize = Math.max(512 * MIB, (2L * sizeMiB + 64) * MIB);
        final Path report = dir.resolve(tag + ".report");
        // A memfd has no name: no memory file, no pfn file; the plain file goes by the demo's tag instead.
        final Path file = memfd ? null : dir.resolve(tag + ".mem");
        final Path plain = memfd ? dir.resolve(tag + ".plain") : DemoBaseline.plainFile(file);
        final List<Path> scratch = List.of(report, DemoFigures.tmpFile(report), plain);
        final List<Path> memoryFiles = memfd ? List.of() : List.of(file, PfnFile.of(file));
        boolean kept = false;
        Memfd memory = null;
        try
        {
            deleteAll(scratch);
            deleteAll(memoryFiles);
            final Path mem;
            if (memfd)
            {
                memory = Memfd.create(tag, memSize);
                mem = memory.pathForChildren();
                context.out().println("demo: memory is a memfd of " + Sizes.mib(memSize) + " (" + mem + "): nothing " +
                    "on " + dir + "; it ends with this demo; state " + sizeMiB + " MiB, running the service under " +
                    "pkram exec (restart code " + ExecCommand.EX_TEMPFAIL + ")");
                context.out().println("demo: the baseline's plain file, the comparison, is " + plain +
                    " (removed at the end)");
            }
            else
            {
                mem = file;
                Pkram.format(mem, memSize, true);
                context.out().println("demo: memory file " + mem + " (" + Sizes.mib(memSize) + "), state " +
                    sizeMiB + " MiB; running the service under pkram exec (restart code " + ExecCommand.EX_TEMPFAIL +
                    ")");
            }
            context.out().flush();
            final Service service = new Service(mem, sizeMiB, report, plain);
            final int status = ExecCommand.supervise(mem, service.command(null), ExecCommand.EX_TEMPFAIL, Map.of(),
                context.err());
            if (status != 0)
            {
                throw new PkramException(Errno.EIO, "the demo service failed: exitStatus=" + status);
            }
            final Properties figures = read(report, "2");
            final Properties baseline = runBaseline(service);
            context.out().println(runKillRound(context, service));
            if (keep)
            {
                kept = true;
                context.out().println("demo: kept " + mem + " with node " + DemoService.NODE +
                    " (try: pkram --mem " + mem + " ls)");
            }
            // The JVM's own start-up is the same for both and, on a loaded machine, the noisiest part: the
            // headline compares what follows it, and the whole restarts are given beside it.
            context.out().println("demo: OK: " + figures.getProperty("mib") + " MiB survived the restart and a " +
                "kill -9; ready " + figures.getProperty("afterJvmMs") + " ms after JVM start (boot " +
                figures.getProperty("bootMs") + " ms) vs " + baseline.getProperty("afterJvmMs") + " ms reading and " +
                "verifying the same state from a plain file (whole restarts: " + figures.getProperty("readyMs") +
                " ms vs " + baseline.getProperty("readyMs") + " ms)");
            if (memory != null)
            {
                memory.close();
                deleteAll(scratch);
                checkNothingLeft(dir, tag);
                context.out().println("demo: no memory file was created: the state lived in the memfd, closed now; " +
                    "nothing named " + tag + "* is left in " + dir);
            }
            return PkramCli.EXIT_OK;
        }
        finally
        {
            if (memory != null)
            {
                memory.close();
            }
            deleteAll(scratch);
            if (!kept)
            {
                deleteAll(memoryFiles);
            }
        }
    }

    private static void deleteAll(final List<Path> paths) throws IOException
    {
        for (final Path path : paths)
        {
            Files.deleteIfExists(path);
        }
    }

    /**
     * With {@code --memfd}, the demo's last word: nothing in {@code dir} bears its name.
     *
     * @throws PkramException EIO: something does.
     */
    private static void checkNothingLeft(final Path dir, final String tag) throws IOException
    {
        try (Stream<Path> entries = Files.list(dir))
        {
            final List<Path> left = entries.filter(path -> path.getFileName().toString().startsWith(tag)).toList();
            if (!left.isEmpty())
            {
                throw new PkramException(Errno.EIO, "the demo left files behind: " + left);
            }
        }
    }

    /**
     * The same service restarting from the plain file run 2 wrote, in a fresh JVM started the same way.
     */
    private static Properties runBaseline(final Service service) throws IOException, InterruptedException
    {
        Files.deleteIfExists(service.report());
        final ProcessBuilder builder = new ProcessBuilder(service.command("--baseline")).inheritIO();
        builder.environment().remove(BootParams.ENV);
        builder.environment().put(ExecCommand.START_ENV,
            Long.toString(ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now())));
        final int status = builder.start().waitFor();
        if (status != 0)
        {
            throw new PkramException(Errno.EIO, "the demo baseline failed: exitStatus=" + status);
        }
        return read(service.report(), "baseline");
    }

    /**
     * The kill -9 round: the service, under exec, resumes the state live and checkpoints it; when it reports
     * that it is in the middle of its work, this command sends it SIGKILL (no warning, no shutdown hook, no
     * reboot), then starts it again, under exec, and compares what the restart verified with the last
     * checkpoint.
     *
     * @return the line saying what survived the kill, with the times.
     * @throws PkramException EIO: the service was not killed by SIGKILL, failed, or came back with anything but
     *                        exactly the last checkpoint.
     */
    private static String runKillRound(final CliContext context, final Service service)
        throws IOException, InterruptedException
    {
        final Path report = service.report();
        Files.deleteIfExists(report);
        final Killer killer = new Killer(report);
        final Thread watcher = Thread.ofPlatform().name("pkram-demo-killer").daemon().start(killer);
        final int status;
        try
        {
            status = ExecCommand.supervise(service.mem(), service.command("--kill-round"), ExecCommand.EX_TEMPFAIL,
                Map.of(), context.err());
        }
        finally
        {
            watcher.interrupt();
            watcher.join();
        }
        final Properties midWork = killer.killed;
        if (midWork == null || status != SIGKILL_STATUS)
        {
            throw new PkramException(Errno.EIO, "the demo's kill -9 round failed: " + (killer.failure != null ?
                killer.failure : midWork == null ? "the service ended before it was killed" :
                "the service was not killed by SIGKILL") + ": exitStatus=" + status);
        }
        Files.deleteIfExists(report);
        final int restart = ExecCommand.supervise(service.mem(), service.command("--after-kill"),
            ExecCommand.EX_TEMPFAIL, Map.of(), context.err());
        if (restart != 0)
        {
            throw new PkramException(Errno.EIO, "the demo service failed after the kill: exitStatus=" + restart);
        }
        final Properties after = read(report, "after-kill");
        final boolean checkpointBack = after.getProperty("checkpoint").equals(midWork.getProperty("checkpoint")) &&
            after.getProperty("records").equals(midWork.getProperty("records")) &&
            after.getProperty("fingerprint").equals(midWork.getProperty("fingerprint")) &&
            !after.getProperty("fingerprint").equals(midWork.getProperty("workingFingerprint"));
        if (!checkpointBack || !after.getProperty("bootMessage").contains(NO_REBOOT))
        {
            throw new PkramException(Errno.EIO, "the demo's kill -9 round did not come back to the last " +
                "checkpoint: before the kill " + midWork + ", after it " + after);
        }
        final double restartMs = (Long.parseLong(after.getProperty("readyMicros")) - killer.killedAtMicros) / 1000.0;
        final double verifyMs = Double.parseDouble(after.getProperty("bootMs")) +
            Double.parseDouble(after.getProperty("verifyMs"));
        final String unsaved = midWork.getProperty("unsaved");
        return DemoFigures.fmt("demo: kill -9 round: killed pid %s mid-work (%s records after the checkpoint; " +
            "exit status %s = SIGKILL, no reboot ran); restarted in %s ms; state back to checkpoint #%s: %s MiB " +
            "and %s records verified in %s ms, the %s unsaved records gone, as expected", midWork.getProperty("pid"),
            unsaved, status, restartMs, after.getProperty("checkpoint"),
            Long.parseLong(after.getProperty("verifiedBytes")) / MIB, after.getProperty("records"), verifyMs,
            unsaved);
    }

    /**
     * The supervisor's hand in the kill -9 round: waits for the service's {@code run=mid-work} report, then
     * sends that process, a child of this JVM, SIGKILL.
     */
    private static final class Killer implements Runnable
    {
        private final Path report;
        private volatile Properties killed;
        private volatile long killedAtMicros;
        private volatile String failure;

        Killer(final Path report)
        {
            this.report = report;
        }

        @Override
        public void run()
        {
            try
            {
                while (true)
                {
                    final Properties figures = readReport(report);
                    if ("mid-work".equals(figures.getProperty("run")))
                    {
                        kill(figures);
                        return;
                    }
                    Thread.sleep(WATCH_MILLIS);
                }
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
            catch (final IOException | RuntimeException ex)
            {
                failure = "watching for the service's report: " + ex;
            }
        }

        private void kill(final Properties figures)
        {
            final long pid = Long.parseLong(figures.getProperty("pid"));
            final ProcessHandle service = ProcessHandle.current().children().filter(child -> child.pid() == pid)
                .findFirst().orElse(null);
            if (service == null)
            {
                failure = "the service (pid " + pid + ") is not a child of the demo";
                return;
            }
            killedAtMicros = DemoFigures.nowMicros();
            // ProcessHandle.destroyForcibly is kill(pid, SIGKILL): no warning, no shutdown hook.
            if (!service.destroyForcibly())
            {
                failure = "could not send SIGKILL to pid " + pid;
                return;
            }
            killed = figures;
        }
    }

    /**
     * The demo service, as every run of it is started.
     *
     * @param mem     the memory: the memory file, or the memfd's {@code /proc/PID/fd/N}.
     * @param sizeMiB the state's size.
     * @param report  where each run reports its figures.
     * @param plain   the plain file run 2 writes and the baseline reads.
     */
    private record Service(Path mem, int sizeMiB, Path report, Path plain)
    {
        /**
         * @return {@code java FLAGS -Xmx.. -cp THIS org.pkram.cli.DemoService ...}, the JVM this one runs in.
         */
        List<String> command(final String mode)
        {
            final List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(JvmFlags.required());
            // Run 2 reads the state back from a plain file into the heap for the comparison.
            command.add("-Xms" + (sizeMiB + 512) + "m");
            command.add("-Xmx" + (sizeMiB + 512) + "m");
            command.add("-cp");
            command.add(System.getProperty("java.class.path"));
            command.add(DemoService.class.getName());
            command.add("--mem");
            command.add(mem.toString());
            command.add("--size");
            command.add(Integer.toString(sizeMiB));
            command.add("--report");
            command.add(report.toString());
            command.add("--plain");
            command.add(plain.toString());
            if (mode != null)
            {
                command.add(mode);
            }
            return command;
        }
    }

    private static Properties readReport(final Path report) throws IOException
    {
        final Properties figures = new Properties();
        try (Reader reader = Files.newBufferedReader(report))
        {
            figures.load(reader);
        }
        catch (final NoSuchFileException ex)
        {
            // Not written yet.
        }
        return figures;
    }

    private static Properties read(final Path report, final String run) throws IOException
    {
        final Properties figures = readReport(report);
        if (!run.equals(figures.getProperty("run")))
        {
            throw new PkramException(Errno.EIO, "the demo service did not report its run: run=" + run + ", report=" +
                report);
        }
        return figures;
    }
}
