package org.pkram.cli;

import org.pkram.Pkram;
import org.pkram.boot.BootParams;
import org.pkram.boot.PfnFile;
import org.pkram.error.Errno;
import org.pkram.error.PkramException;
import org.pkram.mem.JvmFlags;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * {@code pkram demo [--size MIB] [--keep]}: a process keeps its state across its own restart. On a fresh
 * memory file of its own, runs {@link DemoService} under the {@code exec} supervisor: run 1 builds and saves
 * the state and exits 75; exec restarts it with {@code -Dpkram=<pfn>}; run 2 gets the state back in place
 * and verifies it; a baseline run of the same service restarts from a plain file instead, for comparison.
 */
final class DemoCommand implements Command
{
    private static final int DEFAULT_MIB = 256;
    private static final long MIB = 1L << 20;

    @Override
    public String name()
    {
        return "demo";
    }

    @Override
    public String synopsis()
    {
        return "demo [--size MIB] [--keep]";
    }

    @Override
    public String summary()
    {
        return "a service keeps 256 MiB of state across its restart";
    }

    @Override
    public String help()
    {
        return """
            Show a service keeping its state across a restart. A fresh memory file of its own (in /dev/shm,
            else the temp directory) is formatted; a small service is run under 'pkram exec': run 1 builds
            MIB of state in 2 MiB folios with checksums plus 10000 records, saves it, reboots and exits 75;
            run 2 is started with -Dpkram=<pfn>, loads the state in place, checks every byte, and reports
            restart-to-ready time against reading the same state from a plain file.
              --size MIB  state size (default 256)
              --keep      keep the memory file (with the state saved again) and print its path
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
        return Set.of("--keep");
    }

    @Override
    public int run(final CliContext context, final Args args) throws Exception
    {
        args.expectOperands(0, 0, "");
        final int sizeMiB = args.intValue("--size", DEFAULT_MIB, 1, 1 << 20);
        final boolean keep = args.flag("--keep");
        final String tag = "pkram-demo-" + ProcessHandle.current().pid();
        final Path dir = CliContext.ramDirectory();
        final Path mem = dir.resolve(tag + ".mem");
        final Path report = dir.resolve(tag + ".report");
        final long memSize = Math.max(512 * MIB, (2L * sizeMiB + 64) * MIB);
        final List<Path> leftovers = List.of(mem, PfnFile.of(mem), report, DemoBaseline.plainFile(mem));
        boolean kept = false;
        try
        {
            for (final Path path : leftovers)
            {
                Files.deleteIfExists(path);
            }
            Pkram.format(mem, memSize, true);
            context.out().println("demo: memory file " + mem + " (" + Sizes.mib(memSize) + "), state " + sizeMiB +
                " MiB; running the service under pkram exec (restart code " + ExecCommand.EX_TEMPFAIL + ")");
            context.out().flush();
            final int status = ExecCommand.supervise(mem, serviceCommand(mem, sizeMiB, report, keep ? "--keep" : null),
                ExecCommand.EX_TEMPFAIL, Map.of(), context.err());
            if (status != 0)
            {
                throw new PkramException(Errno.EIO, "the demo service failed: exitStatus=" + status);
            }
            final Properties figures = read(report, "2");
            final Properties baseline = runBaseline(context, mem, sizeMiB, report);
            if (keep)
            {
                kept = true;
                context.out().println("demo: kept " + mem + " with node " + DemoService.NODE +
                    " (try: pkram --mem " + mem + " ls)");
            }
            // The JVM's own start-up is the same for both and, on a loaded machine, the noisiest part: the
            // headline compares what follows it, and the whole restarts are given beside it.
            context.out().println("demo: OK: " + figures.getProperty("mib") + " MiB survived the restart; ready " +
                figures.getProperty("afterJvmMs") + " ms after JVM start (boot " + figures.getProperty("bootMs") +
                " ms) vs " + baseline.getProperty("afterJvmMs") + " ms reading and verifying the same state from a " +
                "plain file (whole restarts: " + figures.getProperty("readyMs") + " ms vs " +
                baseline.getProperty("readyMs") + " ms)");
            return PkramCli.EXIT_OK;
        }
        finally
        {
            Files.deleteIfExists(report);
            Files.deleteIfExists(DemoBaseline.plainFile(mem));
            if (!kept)
            {
                Files.deleteIfExists(mem);
                Files.deleteIfExists(PfnFile.of(mem));
            }
        }
    }

    /**
     * The same service restarting from the plain file run 2 wrote, in a fresh JVM started the same way.
     */
    private static Properties runBaseline(final CliContext context, final Path mem, final int sizeMiB,
        final Path report) throws IOException, InterruptedException
    {
        Files.deleteIfExists(report);
        final ProcessBuilder builder = new ProcessBuilder(serviceCommand(mem, sizeMiB, report, "--baseline"))
            .inheritIO();
        builder.environment().remove(BootParams.ENV);
        builder.environment().put(ExecCommand.START_ENV,
            Long.toString(ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now())));
        final int status = builder.start().waitFor();
        if (status != 0)
        {
            throw new PkramException(Errno.EIO, "the demo baseline failed: exitStatus=" + status);
        }
        return read(report, "baseline");
    }

    /**
     * @return {@code java FLAGS -Xmx.. -cp THIS org.pkram.cli.DemoService ...}, the JVM this one runs in.
     */
    private static List<String> serviceCommand(final Path mem, final int sizeMiB, final Path report,
        final String mode)
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
        if (mode != null)
        {
            command.add(mode);
        }
        return command;
    }

    private static Properties read(final Path report, final String run) throws IOException
    {
        final Properties figures = new Properties();
        if (Files.exists(report))
        {
            try (Reader reader = Files.newBufferedReader(report))
            {
                figures.load(reader);
            }
        }
        if (!run.equals(figures.getProperty("run")))
        {
            throw new PkramException(Errno.EIO, "the demo service did not report its run: run=" + run + ", report=" +
                report);
        }
        return figures;
    }
}
