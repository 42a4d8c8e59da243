package org.pkram.cli;

import org.pkram.boot.BootParams;
import org.pkram.boot.PfnFile;
import org.pkram.error.Errno;
import org.pkram.error.PkramException;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code pkram exec [--restart-code N] -- CMD ARGS...}: the kexec wrapper script. Runs CMD with the
 * current boot parameter, the pfn file's value, and runs it again, with the pfn then current, each time
 * it exits with the restart code.
 * <p>
 * The boot parameter goes in the environment as {@code PKRAM=<hex>}, and for a {@code java} CMD also as
 * {@code -Dpkram=<hex>} right after CMD; any {@code -Dpkram=} already in ARGS is dropped first, as the
 * kernel blog's {@code sed} that strips {@code pkram=} does for the next kernel's command line. SIGTERM and
 * SIGINT are passed on to the running CMD (a shutdown hook terminates it and waits), and no restart
 * follows them.
 */
final class ExecCommand implements Command
{
    /** {@code EX_TEMPFAIL} of {@code sysexits.h}: "try again", the default restart code. */
    static final int EX_TEMPFAIL = 75;

    /** The environment variable telling CMD the memory file. */
    static final String MEM_ENV = CliContext.MEM_ENV;

    /** The environment variable telling CMD when exec started it: microseconds since the epoch. */
    static final String START_ENV = "PKRAM_EXEC_START_US";

    private static final String PROPERTY_PREFIX = "-D" + BootParams.PROPERTY + "=";
    private static final long STOP_GRACE_SECONDS = 30;

    @Override
    public String name()
    {
        return "exec";
    }

    @Override
    public String synopsis()
    {
        return "exec [--restart-code N] -- CMD ARGS...";
    }

    @Override
    public String summary()
    {
        return "run CMD with pkram=<pfn>, again on each restart exit";
    }

    @Override
    public String help()
    {
        return """
            Run CMD with the current boot parameter; when it exits with the restart code, run it again with
            the pfn its orderly reboot exported. Otherwise exit with CMD's status.
              --restart-code N  the exit status that means "restart me" (default 75, EX_TEMPFAIL)
            CMD gets PKRAM=<hex pfn> and PKRAM_MEM=<memory file> in its environment (no PKRAM when there is no
            pfn yet), and, when CMD is a java executable, -Dpkram=<hex pfn> right after it. Any -Dpkram= in
            ARGS is removed first. SIGTERM and SIGINT are passed on to CMD and end the loop.
            """;
    }

    @Override
    public Set<String> valueOptions()
    {
        return Set.of("--restart-code");
    }

    @Override
    public boolean operandsEndOptions()
    {
        return true;
    }

    @Override
    public int run(final CliContext context, final Args args) throws Exception
    {
        args.expectOperands(1, Integer.MAX_VALUE, "CMD");
        final int restartCode = args.intValue("--restart-code", EX_TEMPFAIL, 0, 255);
        return supervise(context.memoryFile(), args.operands(), restartCode, Map.of(), context.err());
    }

    /**
     * Run {@code command} until it exits with something other than {@code restartCode}.
     * <p>
     * Errors: ENOENT CMD cannot be run; EINVAL the pfn file does not hold a hex number.
     *
     * @param memoryFile  whose pfn file gives the boot parameter.
     * @param command     CMD and its ARGS.
     * @param restartCode the exit status that restarts it.
     * @param extraEnv    more environment for CMD.
     * @param err         where the restarts are reported.
     * @return CMD's last exit status.
     * @throws InterruptedException when interrupted while waiting for CMD.
     */
    static int supervise(final Path memoryFile, final List<String> command, final int restartCode,
        final Map<String, String> extraEnv, final PrintStream err) throws InterruptedException
    {
        final AtomicReference<Process> running = new AtomicReference<>();
        final AtomicBoolean stopping = new AtomicBoolean();
        final Thread forwarder = new Thread(() -> stop(running, stopping), "pkram-exec-signal-forwarder");
        Runtime.getRuntime().addShutdownHook(forwarder);
        try
        {
            while (true)
            {
                final OptionalLong pfn = PfnFile.read(PfnFile.of(memoryFile));
                final ProcessBuilder builder = new ProcessBuilder(commandLine(command, pfn)).inheritIO();
                final Map<String, String> env = builder.environment();
                env.putAll(extraEnv);
                env.put(MEM_ENV, memoryFile.toAbsolutePath().toString());
                if (pfn.isPresent())
                {
                    env.put(BootParams.ENV, Long.toHexString(pfn.getAsLong()));
                }
                else
                {
                    env.remove(BootParams.ENV);
                }
                env.put(START_ENV, Long.toString(ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now())));
                final Process process;
                // Start and publish under the same lock the signal hook takes, so the hook either sees this
                // child or prevents it from starting: never an orphan left running after the JVM exits.
                synchronized (running)
                {
                    if (stopping.get())
                    {
                        return 128 + 15;
                    }
                    try
                    {
                        process = builder.start();
                    }
                    catch (final IOException ex)
                    {
                        throw new PkramException(Errno.ENOENT, "cannot run command: cmd=" + command.get(0) +
                            ", cause=" + ex.getMessage(), ex);
                    }
                    running.set(process);
                }
                final int status = process.waitFor();
                running.set(null);
                if (status != restartCode || stopping.get())
                {
                    return status;
                }
                err.println("pkram: exec: " + Path.of(command.get(0)).getFileName() + " exited with " + status +
                    ", restarting" + nextPfnNote(memoryFile));
            }
        }
        finally
        {
            try
            {
                Runtime.getRuntime().removeShutdownHook(forwarder);
            }
            catch (final IllegalStateException ignored)
            {
                // The JVM is shutting down: the hook is running or has run.
            }
        }
    }

    private static String nextPfnNote(final Path memoryFile)
    {
        final OptionalLong next = PfnFile.read(PfnFile.of(memoryFile));
        return next.isPresent() ? " with pkram=" + Long.toHexString(next.getAsLong()) : " (no pfn exported)";
    }

    /**
     * The shutdown hook: SIGTERM or SIGINT reached this JVM, so terminate CMD too and wait for it.
     */
    private static void stop(final AtomicReference<Process> running, final AtomicBoolean stopping)
    {
        final Process process;
        synchronized (running)
        {
            stopping.set(true);
            process = running.get();
        }
        if (process == null || !process.isAlive())
        {
            return;
        }
        process.destroy();
        try
        {
            if (!process.waitFor(STOP_GRACE_SECONDS, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
            }
        }
        catch (final InterruptedException ex)
        {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /**
     * @param command CMD and ARGS.
     * @param pfn     the boot parameter, when there is one.
     * @return CMD, then {@code -Dpkram=<hex>} for a java CMD, then ARGS without any {@code -Dpkram=}.
     */
    static List<String> commandLine(final List<String> command, final OptionalLong pfn)
    {
        final List<String> argv = new ArrayList<>(command.size() + 1);
        final String cmd = command.get(0);
        argv.add(cmd);
        if (pfn.isPresent() && isJava(cmd))
        {
            argv.add(PROPERTY_PREFIX + Long.toHexString(pfn.getAsLong()));
        }
        for (final String arg : command.subList(1, command.size()))
        {
            if (!arg.startsWith(PROPERTY_PREFIX))
            {
                argv.add(arg);
            }
        }
        return argv;
    }

    static boolean isJava(final String cmd)
    {
        final Path name = Path.of(cmd).getFileName();
        return name != null && name.toString().equals("java");
    }
}
