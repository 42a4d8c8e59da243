package org.pkram.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.pkram.mem.JvmFlags;

/**
 * A whole-process restart: a new JVM per measured invocation, from spawn to the child's "ready" line, so JVM
 * start, class loading, cold code and a fresh heap's page faults are all counted, as a restarted service pays
 * them. {@link RestartBenchmark} restarts inside one warmed-up JVM instead and sees none of that.
 * <p>
 * The trial builds the system's files once, as {@link RestartBenchmark} does, and each invocation starts
 * {@link RestartChild} on them with the same flags for every system: pkram's list, the peers' extra flags and
 * a 6 GiB heap limit (not committed up front: the child pays for the heap it touches). The child's shut-down
 * (for pkram, the re-save that loading consumed, and the reboot) runs after the clock stops, in the invocation
 * tear-down.
 * <p>
 * Systems: {@code jvm} is JVM start alone (the child says ready before loading anything of pkram's or a
 * peer's), the floor of every other row; {@code touch} is the page-touch floor ({@link TouchState});
 * {@code pkram-aot} is pkram with a JDK AOT cache (JEP 483, {@code -XX:AOTCache}) that the trial set-up makes
 * with one training run of the same child on the same files ({@code -XX:AOTCacheOutput}, JEP 514), outside
 * the measurement, and the measured children must use ({@code -XX:AOTMode=on} fails the start otherwise).
 */
@BenchmarkMode(Mode.SingleShotTime)
@Warmup(iterations = 1)
@Measurement(iterations = 5)
public class ProcessRestartBenchmark extends PeerForkBenchmark
{
    /** The heap limit of every child: {@code filechannel} holds a whole 4 GiB state on its heap. */
    static final String CHILD_HEAP = "-Xmx6g";

    private static final long READY_TIMEOUT_SECONDS = 300;

    /** The directory (a tmpfs) the trial's files go in. */
    @Param({"/dev/shm"})
    String dir;

    /** The process restarted: JVM start alone, the touch floor, pkram without and with an AOT cache, a peer. */
    @Param({"jvm", "touch", "pkram", "pkram-aot", "filechannel", "lmdb", "chronicle-map"})
    String system;

    /** Size of the values, MiB (256 values of 4 KiB a MiB). */
    @Param({"4096"})
    int sizeMiB;

    /** How far the child goes before it says ready: {@code warm} or {@code serve} ({@link Ready}). */
    @Param({"warm", "serve"})
    String ready;

    private Path trialDir;
    private RestartState state;
    private int count;
    private String handover;
    private Path aotCache;
    private Path childLog;
    private Process child;
    private BufferedReader childOut;

    /**
     * Made by JMH.
     */
    public ProcessRestartBenchmark()
    {
    }

    /**
     * @param system a system of {@link #system}.
     * @return the {@link RestartState} the child uses for it.
     */
    static String stateOf(final String system)
    {
        return "pkram-aot".equals(system) ? "pkram" : system;
    }

    /**
     * Build the system's files and, for {@code pkram-aot}, the AOT cache.
     *
     * @throws Exception when the files or the cache cannot be made.
     */
    @Setup(Level.Trial)
    public void build() throws Exception
    {
        count = sizeMiB * (int)((1L << 20) / RestartState.VALUE_SIZE);
        trialDir = Files.createTempDirectory(Path.of(dir), "pkram-process-");
        childLog = trialDir.resolve("child.log");
        handover = "-";
        try
        {
            buildState();
        }
        catch (final Exception | Error ex)
        {
            // JMH runs no tear-down after a failed set-up: leave nothing behind on the tmpfs.
            removeFiles();
            throw ex;
        }
    }

    private void buildState() throws Exception
    {
        if (!"jvm".equals(system))
        {
            state = RestartState.of(stateOf(system));
            state.build(trialDir, count);
            handover = state.handover();
            state.delete();
        }
        if ("pkram-aot".equals(system))
        {
            aotCache = trialDir.resolve("pkram.aot");
            final long start = System.nanoTime();
            final Process training = start(List.of("-XX:AOTCacheOutput=" + aotCache));
            awaitReady(training);
            handover = shutDown(training);
            if (!Files.isRegularFile(aotCache))
            {
                throw new IllegalStateException("the training run made no AOT cache at " + aotCache + ": " +
                    tail(childLog));
            }
            System.out.println();
            System.out.println("aot: cache=" + Files.size(aotCache) + " bytes, trainingMillis=" +
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        }
    }

    /**
     * One process restart: spawn, and wait for the child's "ready".
     *
     * @return the child's check value.
     * @throws Exception when the child fails or says something else.
     */
    @Benchmark
    public long restart() throws Exception
    {
        final List<String> extra = new ArrayList<>();
        if (aotCache != null)
        {
            extra.add("-XX:AOTCache=" + aotCache);
            extra.add("-XX:AOTMode=on");
        }
        child = start(extra);
        return awaitReady(child);
    }

    /**
     * Tell the child to shut down (unmeasured) and keep what the next one needs.
     *
     * @throws Exception when the child fails to shut down cleanly.
     */
    @TearDown(Level.Invocation)
    public void shutDownChild() throws Exception
    {
        if (child != null)
        {
            handover = shutDown(child);
            child = null;
        }
    }

    /**
     * Delete the trial's files.
     */
    @TearDown(Level.Trial)
    public void removeFiles()
    {
        if (child != null)
        {
            child.destroyForcibly();
            child = null;
        }
        RestartState.deleteTree(trialDir);
        trialDir = null;
        aotCache = null;
    }

    /**
     * The command line of a {@link RestartChild}: this JVM's {@code java} and class path, pkram's flags, the peers'
     * flags, {@link #CHILD_HEAP}, then {@code extra}.
     *
     * @param system   the system restarted.
     * @param dir      its files.
     * @param count    values in them.
     * @param ready    {@code warm} or {@code serve}.
     * @param handover what the last process left ({@link RestartState#handover()}).
     * @param extra    more JVM options (the AOT cache's).
     * @return the command.
     */
    static List<String> childCommand(final String system, final Path dir, final int count, final String ready,
        final String handover, final List<String> extra)
    {
        final List<String> command = childJvm(extra);
        command.addAll(List.of(system, dir.toString(), Integer.toString(count), ready, handover));
        return command;
    }

    /**
     * @param extra more JVM options.
     * @return the command line of a {@link RestartChild} up to its arguments.
     */
    static List<String> childJvm(final List<String> extra)
    {
        return childJvm(extra, RestartChild.class, System.getProperty("java.class.path"));
    }

    /**
     * @param extra     more JVM options.
     * @param main      the child's main class.
     * @param classPath the child's class path (a JDK AOT cache needs one of jars only).
     * @return the command line of a child with the flags of a {@link RestartChild}, up to its arguments.
     */
    static List<String> childJvm(final List<String> extra, final Class<?> main, final String classPath)
    {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(JvmFlags.required());
        command.addAll(List.of(PeerForkBenchmark.class.getAnnotation(Fork.class).jvmArgsPrepend()));
        command.removeIf(flag -> flag.startsWith("-Xms") || flag.startsWith("-Xmx"));
        command.add(CHILD_HEAP);
        command.addAll(extra);
        command.addAll(List.of("-cp", classPath, main.getName()));
        return command;
    }

    private Process start(final List<String> extra) throws IOException
    {
        final List<String> command = childCommand(system, trialDir, count, ready, handover, extra);
        final Process process = new ProcessBuilder(command)
            .redirectError(ProcessBuilder.Redirect.appendTo(childLog.toFile()))
            .start();
        childOut = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        return process;
    }

    /**
     * The child's next line; a child that says nothing for {@link #READY_TIMEOUT_SECONDS} is killed, so that a
     * hung child fails the trial instead of hanging the run.
     */
    private String readLine(final Process process, final String awaited) throws IOException
    {
        try
        {
            return ChildLines.next(childOut, process, TimeUnit.SECONDS.toMillis(READY_TIMEOUT_SECONDS));
        }
        catch (final TimeoutException ex)
        {
            throw new IllegalStateException("child of system " + system + " did not say " + awaited + ": " +
                ex.getMessage() + ": " + tail(childLog), ex);
        }
    }

    private long awaitReady(final Process process) throws Exception
    {
        final String line = readLine(process, "ready");
        if (line == null || !line.startsWith("ready "))
        {
            // Its standard error, the reason, is in the log; a child that said something else need not finish.
            process.destroyForcibly().waitFor(READY_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            throw new IllegalStateException("child of system " + system + " said " + line + " instead of ready: " +
                tail(childLog));
        }
        return Long.parseLong(line.substring("ready ".length()));
    }

    private String shutDown(final Process process) throws Exception
    {
        final OutputStream in = process.getOutputStream();
        in.write('\n');
        in.flush();
        final String line = readLine(process, "closed");
        if (!process.waitFor(READY_TIMEOUT_SECONDS, TimeUnit.SECONDS))
        {
            process.destroyForcibly();
            throw new IllegalStateException("child of system " + system + " did not exit after shut-down");
        }
        if (line == null || !line.startsWith("closed ") || process.exitValue() != 0)
        {
            throw new IllegalStateException("child of system " + system + " said " + line + " and exited " +
                process.exitValue() + " at shut-down: " + tail(childLog));
        }
        return line.substring("closed ".length());
    }

    /**
     * @param log a child's standard error.
     * @return its last 8 lines, joined, for a failure's message.
     * @throws IOException when it cannot be read.
     */
    static String tail(final Path log) throws IOException
    {
        if (!Files.exists(log))
        {
            return "(no standard error)";
        }
        final List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        return String.join(" | ", lines.subList(Math.max(0, lines.size() - 8), lines.size()));
    }
}
