package org.pkram.cli;

import org.pkram.ServiceEnvironment;
import org.pkram.boot.BootParams;
import org.pkram.boot.PfnFile;
import org.pkram.error.Errno;
import org.pkram.error.PkramException;
import org.pkram.mem.Memfd;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
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
 * {@code -Dpkram=<hex>} right after CMD; any {@code -Dpkram=} already among the JVM's options (before the
 * main class, {@code -jar FILE} or {@code -m MODULE}) is dropped first, as the kernel blog's {@code sed} that
 * strips {@code pkram=} does for the next kernel's command line. The application's own arguments, and those
 * of any other CMD, are passed as given. SIGTERM and SIGINT are passed on to the running CMD (a shutdown hook
 * terminates it and waits), and no restart follows them.
 * <p>
 * A SIGKILL of the wrapper runs no hook, so CMD is started through util-linux {@code setpriv --pdeathsig KILL}:
 * the kernel then sends CMD SIGKILL when the wrapper dies ({@code prctl(PR_SET_PDEATHSIG)}, which must run in
 * the child between fork and exec, where {@link ProcessBuilder} cannot reach). Without a {@code setpriv}
 * that knows {@code --pdeathsig} (util-linux 2.33 or later), CMD is started directly, after one line on
 * standard error saying that it would outlive a killed wrapper.
 * <p>
 * With {@code --aot-cache FILE}, a java CMD runs with a JDK AOT cache that its first run trains ({@link AotCache}).
 */
final class ExecCommand implements Command
{
    /** {@code EX_TEMPFAIL} of {@code sysexits.h}: "try again", the default restart code. */
    static final int EX_TEMPFAIL = ServiceEnvironment.RESTART_EXIT_CODE;

    /** The environment variable telling CMD the memory file. */
    static final String MEM_ENV = CliContext.MEM_ENV;

    /** The environment variable telling CMD when exec started it: microseconds since the epoch. */
    static final String START_ENV = "PKRAM_EXEC_START_US";

    private static final String PROPERTY_PREFIX = "-D" + BootParams.PROPERTY + "=";
    private static final long STOP_GRACE_SECONDS = 30;

    /** The process runner that sets the parent-death signal between fork and exec. */
    private static final String SETPRIV = "setpriv";
    private static final long SETPRIV_PROBE_SECONDS = 10;

    @Override
    public String name()
    {
        return "exec";
    }

    @Override
    public String synopsis()
    {
        return "exec [--restart-code N] [--memfd --size SIZE] [--aot-cache FILE] -- CMD ARGS...";
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
              --memfd           the memory is a new memfd of --size SIZE, formatted here, handed to each run
                                of CMD as PKRAM_MEM=/proc/<exec's pid>/fd/<n>; nothing is created on any file
                                system, and the memory is gone when exec ends
              --aot-cache FILE  a JDK AOT cache for a java CMD: the first run trains it (the JVM writes FILE when
                                CMD exits), later runs start from it (-XX:AOTCache); a new one is trained when
                                CMD's class path jars, JVM options or JDK change (FILE.key says what it was made
                                from). A FILE exec did not make is used as it is
            CMD gets PKRAM=<hex pfn> and PKRAM_MEM=<memory file> in its environment (no PKRAM when there is no
            pfn yet), and, when CMD is a java executable, -Dpkram=<hex pfn> right after it; an older -Dpkram=
            among the JVM's options (before the main class, -jar or -m) is removed. The application's own
            arguments are left alone. SIGTERM and SIGINT are passed on to CMD and end the loop. CMD runs under
            setpriv --pdeathsig KILL (util-linux), so it dies with exec even when exec is killed with SIGKILL.
            """;
    }

    @Override
    public Set<String> valueOptions()
    {
        return Set.of("--restart-code", "--size", "--aot-cache");
    }

    @Override
    public Set<String> flagOptions()
    {
        return Set.of("--memfd");
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
        final String aotFile = args.value("--aot-cache");
        final AotCache aot = aotFile == null ? null : AotCache.of(Path.of(aotFile), args.operands(), System.getenv(),
            Path.of("").toAbsolutePath());
        if (!args.flag("--memfd"))
        {
            if (args.value("--size") != null)
            {
                throw new UsageException("--size goes with --memfd");
            }
            return supervise(context.memoryFile(), args.operands(), restartCode, Map.of(), aot, context.err());
        }
        final String size = args.value("--size");
        if (size == null)
        {
            throw new UsageException("--memfd needs --size SIZE");
        }
        try (Memfd memfd = Memfd.create(ServiceEnvironment.DEFAULT_FD_NAME, Sizes.parse(size, "--size")))
        {
            context.err().println("pkram: exec: memory is a memfd of " + Sizes.mib(memfd.size()) + " at " +
                memfd.pathForChildren() + ": nothing on any file system, gone when this wrapper ends");
            return supervise(memfd.pathForChildren(), args.operands(), restartCode, Map.of(), aot, context.err());
        }
    }

    /**
     * Run {@code command} until it exits with something other than {@code restartCode}.
     * <p>
     * Errors: ENOENT CMD cannot be run; EINVAL the pfn file does not hold a hex number; EACCES the pfn file
     * is not one this user can trust.
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
        return supervise(memoryFile, command, restartCode, extraEnv, null, err);
    }

    /**
     * {@link #supervise(Path, List, int, Map, PrintStream)} with a JDK AOT cache for a java CMD.
     * <p>
     * Errors: those of the other form; EACCES the AOT cache or its key file cannot be trusted; EIO they cannot be
     * read or written.
     *
     * @param memoryFile  whose pfn file gives the boot parameter.
     * @param command     CMD and its ARGS.
     * @param restartCode the exit status that restarts it.
     * @param extraEnv    more environment for CMD.
     * @param aotCache    the AOT cache of {@code --aot-cache}, or null for none.
     * @param err         where the restarts are reported.
     * @return CMD's last exit status.
     * @throws InterruptedException when interrupted while waiting for CMD.
     */
    static int supervise(final Path memoryFile, final List<String> command, final int restartCode,
        final Map<String, String> extraEnv, final AotCache aotCache, final PrintStream err)
        throws InterruptedException
    {
        final List<String> runner = deathSignalRunner();
        if (runner.isEmpty())
        {
            err.println("pkram: exec: " + SETPRIV + " --pdeathsig (util-linux 2.33+) is not available: " +
                Path.of(command.get(0)).getFileName() + " would outlive this wrapper if it were killed with SIGKILL");
        }
        final AtomicReference<Process> running = new AtomicReference<>();
        final AtomicBoolean stopping = new AtomicBoolean();
        final Thread forwarder = new Thread(() -> stop(running, stopping), "pkram-exec-signal-forwarder");
        Runtime.getRuntime().addShutdownHook(forwarder);
        try
        {
            while (true)
            {
                final OptionalLong pfn = PfnFile.exported(memoryFile);
                final ProcessBuilder builder = new ProcessBuilder().inheritIO();
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
                if (!runner.isEmpty())
                {
                    // The runner starts fine even when CMD cannot run: find out as ProcessBuilder would have.
                    checkRunnable(command.get(0), env.get("PATH"));
                }
                final int status;
                try (AotCache.Run aot = aotCache == null ? AotCache.Run.NONE : aotCache.prepare(env, err))
                {
                    final List<String> argv = new ArrayList<>(runner);
                    argv.addAll(commandLine(command, pfn, aot.jvmOptions()));
                    builder.command(argv);
                    env.put(START_ENV, Long.toString(ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now())));
                    final Process process = startUnlessStopping(builder, command.get(0), running, stopping);
                    if (process == null)
                    {
                        return 128 + 15;
                    }
                    status = process.waitFor();
                    running.set(null);
                    aot.finish(status, err);
                }
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

    /**
     * Start CMD and publish it under the same lock the signal hook takes, so the hook either sees this child or
     * prevents it from starting: never an orphan left running after the JVM exits.
     *
     * @return the child, or null when a signal is stopping exec.
     */
    private static Process startUnlessStopping(final ProcessBuilder builder, final String cmd,
        final AtomicReference<Process> running, final AtomicBoolean stopping)
    {
        synchronized (running)
        {
            if (stopping.get())
            {
                return null;
            }
            final Process process;
            try
            {
                process = builder.start();
            }
            catch (final IOException ex)
            {
                throw new PkramException(Errno.ENOENT, "cannot run command: cmd=" + cmd + ", cause=" + ex.getMessage(),
                    ex);
            }
            running.set(process);
            return process;
        }
    }

    private static String nextPfnNote(final Path memoryFile)
    {
        final OptionalLong next = PfnFile.exported(memoryFile);
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
     * @return CMD, then {@code -Dpkram=<hex>} for a java CMD, then ARGS without any {@code -Dpkram=} among the
     *         JVM's options; the arguments of a CMD that is not java as given.
     */
    static List<String> commandLine(final List<String> command, final OptionalLong pfn)
    {
        return commandLine(command, pfn, List.of());
    }

    /**
     * @param command    CMD and ARGS.
     * @param pfn        the boot parameter, when there is one.
     * @param jvmOptions more options for a java CMD's JVM (the AOT cache's), put after {@code -Dpkram=}.
     * @return CMD, then {@code -Dpkram=<hex>} and {@code jvmOptions} for a java CMD, then ARGS without any
     *         {@code -Dpkram=} among the JVM's options; the arguments of a CMD that is not java as given.
     */
    static List<String> commandLine(final List<String> command, final OptionalLong pfn, final List<String> jvmOptions)
    {
        final List<String> argv = new ArrayList<>(command.size() + 1 + jvmOptions.size());
        final String cmd = command.get(0);
        argv.add(cmd);
        final boolean java = JavaCommandLine.isJava(cmd);
        if (pfn.isPresent() && java)
        {
            argv.add(PROPERTY_PREFIX + Long.toHexString(pfn.getAsLong()));
        }
        if (java)
        {
            argv.addAll(jvmOptions);
        }
        final int applicationArgs = java ? JavaCommandLine.applicationArgs(command) : 1;
        for (int i = 1; i < command.size(); i++)
        {
            final String arg = command.get(i);
            if (i >= applicationArgs || !arg.startsWith(PROPERTY_PREFIX))
            {
                argv.add(arg);
            }
        }
        return argv;
    }

    /**
     * {@code setpriv --pdeathsig KILL --}, to put before CMD, when this machine has a {@code setpriv} that knows
     * {@code --pdeathsig}; else nothing.
     *
     * @return the runner's argv prefix, or an empty list.
     */
    static List<String> deathSignalRunner()
    {
        final Path setpriv = findExecutable(SETPRIV, System.getenv("PATH"));
        if (setpriv == null || !knowsPdeathsig(setpriv))
        {
            return List.of();
        }
        return List.of(setpriv.toString(), "--pdeathsig", "KILL", "--");
    }

    private static boolean knowsPdeathsig(final Path setpriv)
    {
        try
        {
            final Process probe = new ProcessBuilder(setpriv.toString(), "--help").redirectErrorStream(true).start();
            probe.getOutputStream().close();
            final String help = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!probe.waitFor(SETPRIV_PROBE_SECONDS, TimeUnit.SECONDS))
            {
                probe.destroyForcibly();
                return false;
            }
            return probe.exitValue() == 0 && help.contains("--pdeathsig");
        }
        catch (final IOException ex)
        {
            return false;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Fail as {@link ProcessBuilder#start()} would when CMD cannot be run: looked up like {@code execvp}, in
     * {@code PATH} unless it names a path.
     */
    private static void checkRunnable(final String cmd, final String path)
    {
        final Path found = cmd.contains("/") ? executableOrNull(Path.of(cmd)) : findExecutable(cmd, path);
        if (found == null)
        {
            throw new PkramException(Errno.ENOENT, "cannot run command: cmd=" + cmd + ", cause=" +
                (cmd.contains("/") ? "no executable file there" : "not found in PATH"));
        }
    }

    /**
     * @return the first executable regular file named {@code name} in the directories of {@code path} (the
     *         {@code execvp} default, {@code /bin:/usr/bin}, when it is null; an empty entry is the current
     *         directory), or null.
     */
    private static Path findExecutable(final String name, final String path)
    {
        return findExecutable(name, path, Path.of(""));
    }

    /**
     * @param cmd  a command: a path when it contains a slash, else a name looked up in {@code path}.
     * @param path a {@code PATH} value, or null for the {@code execvp} default.
     * @param cwd  what relative paths are relative to.
     * @return the executable regular file {@code execvp} would run, or null.
     */
    static Path findExecutable(final String cmd, final String path, final Path cwd)
    {
        if (cmd.contains("/"))
        {
            return executableOrNull(cwd.resolve(cmd));
        }
        for (final String dir : (path == null ? "/bin:/usr/bin" : path).split(":", -1))
        {
            final Path found = executableOrNull(cwd.resolve(dir.isEmpty() ? "." : dir).resolve(cmd));
            if (found != null)
            {
                return found;
            }
        }
        return null;
    }

    private static Path executableOrNull(final Path candidate)
    {
        return Files.isRegularFile(candidate) && Files.isExecutable(candidate) ? candidate : null;
    }
}
