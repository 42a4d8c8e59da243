package org.pkram.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

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
import org.pkram.Pkram;

/**
 * The first boot in a fresh JVM against the second boot in the same JVM: what a restarted process pays for
 * class loading and cold code on top of the boot itself, without and with a JDK AOT cache.
 * <p>
 * The fresh JVM is a child ({@link FirstBootChild}) that each fork starts before its measurement, with pkram's
 * flags (and, for {@code cache=aot}, the cache): it loads nothing of pkram's until asked. Each fork's first measured
 * iteration asks it for the first {@link Pkram#boot} of its life and waits for the answer; the second asks for a
 * boot of the same image again, after an unmeasured reboot. A request and its answer cross two pipes, some tens of
 * microseconds of each figure. No warm-up, by design. In the JSON, each fork's raw data is {@code [first, second]};
 * the report takes the median of each.
 * <p>
 * The image ({@code sizeMiB × 256} order-0 folios in one node, as {@link PkramState} builds it) is made by another
 * process ({@link RestartChild} {@code build}). For {@code cache=aot}, the trial set-up then makes a JDK AOT cache
 * (JEP 483) with one training run of the child on the same image ({@code FirstBootChild train}: two boots and
 * reboots, {@code -XX:AOTCacheOutput}, JEP 514), outside the measurement, and the measured child must use it
 * ({@code -XX:AOTMode=on} fails its start otherwise): the restart {@code pkram exec --aot-cache} gives a service.
 */
@BenchmarkMode(Mode.SingleShotTime)
@Warmup(iterations = 0)
@Measurement(iterations = 2)
@Fork(value = 7, jvmArgsPrepend = BenchFlags.HEAP)
public class FirstBootBenchmark extends BaseBenchmark
{
    private static final long CHILD_TIMEOUT_SECONDS = 300;

    /** Preserved data in MiB, all in order-0 folios. */
    @Param({"1024"})
    int sizeMiB;

    /** {@code none}: a plain JVM; {@code aot}: a JVM started from a JDK AOT cache of the same work. */
    @Param({"none", "aot"})
    String cache;

    /** The fresh JVM's class path: this one's ({@code benchmarks.jar}); a test gives one of jars only. */
    String classPath = System.getProperty("java.class.path");

    private Path dir;
    private Path file;
    private String superBlockPfn;
    private Process child;
    private BufferedReader childOut;
    private PrintStream childIn;

    /**
     * Made by JMH.
     */
    public FirstBootBenchmark()
    {
    }

    /**
     * Have another process build the image, make the AOT cache for {@code cache=aot}, and start the fresh JVM.
     *
     * @throws Exception when a child fails.
     */
    @Setup(Level.Trial)
    public void start() throws Exception
    {
        dir = Files.createTempDirectory(Path.of("/dev/shm"), "pkram-firstboot-");
        file = dir.resolve("pkram.mem");
        try
        {
            superBlockPfn = run(List.of(), List.of("build", "pkram", dir.toString(), Integer.toString(sizeMiB * 256)),
                RestartChild.class);
            final List<String> jvm = new ArrayList<>();
            if ("aot".equals(cache))
            {
                final Path aot = dir.resolve("first-boot.aot");
                // The JVM's own lines about the cache go to standard error: standard output is the child's.
                superBlockPfn = run(List.of("-XX:AOTCacheOutput=" + aot, "-XX:+DisplayVMOutputToStderr",
                    "-Xlog:aot*=off", "-Xlog:aot*=warning:stderr"), List.of("train", file.toString(), superBlockPfn),
                    FirstBootChild.class);
                if (!Files.isRegularFile(aot))
                {
                    throw new IllegalStateException("the training run made no AOT cache at " + aot);
                }
                jvm.addAll(List.of("-XX:AOTCache=" + aot, "-XX:AOTMode=on"));
            }
            else if (!"none".equals(cache))
            {
                throw new IllegalArgumentException("cache is none or aot: " + cache);
            }
            final List<String> command = ProcessRestartBenchmark.childJvm(jvm, FirstBootChild.class, classPath);
            command.addAll(List.of(file.toString(), superBlockPfn));
            child = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.appendTo(childLog().toFile()))
                .start();
            childOut = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            childIn = new PrintStream(child.getOutputStream(), true, StandardCharsets.UTF_8);
            expect("ready");
        }
        catch (final Exception | Error ex)
        {
            // JMH runs no tear-down after a failed set-up: leave nothing behind on the tmpfs.
            removeFiles();
            throw ex;
        }
    }

    /**
     * Run a child to its end and return its first line.
     */
    private String run(final List<String> jvm, final List<String> args, final Class<?> main) throws Exception
    {
        final List<String> command = ProcessRestartBenchmark.childJvm(jvm, main, classPath);
        command.addAll(args);
        final Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.appendTo(
            childLog().toFile())).start();
        try
        {
            final BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8));
            final long timeout = TimeUnit.SECONDS.toMillis(CHILD_TIMEOUT_SECONDS);
            String first = null;
            for (String line; (line = ChildLines.next(out, process, timeout)) != null; )
            {
                first = first == null ? line : first;
            }
            if (!process.waitFor(CHILD_TIMEOUT_SECONDS, TimeUnit.SECONDS) || process.exitValue() != 0 || first == null)
            {
                throw new IllegalStateException(main.getSimpleName() + " " + args + " failed: said " + first + ": " +
                    ProcessRestartBenchmark.tail(childLog()));
            }
            return first.trim();
        }
        finally
        {
            process.destroyForcibly();
        }
    }

    private String expect(final String answer) throws Exception
    {
        final String line = ChildLines.next(childOut, child, TimeUnit.SECONDS.toMillis(CHILD_TIMEOUT_SECONDS));
        if (line == null || !line.startsWith(answer))
        {
            throw new IllegalStateException("the fresh JVM said " + line + " instead of " + answer + ": " +
                ProcessRestartBenchmark.tail(childLog()));
        }
        return line.substring(answer.length()).trim();
    }

    /**
     * @return where the children's standard error goes: the JVM's lines about the AOT cache, and any failure.
     */
    private Path childLog()
    {
        return dir.resolve("child.log");
    }

    /**
     * Have the fresh JVM boot the image: the first time in its life, then again.
     *
     * @return the instance's generation, so that the boot cannot be eliminated.
     * @throws Exception when the child fails.
     */
    @Benchmark
    public long boot() throws Exception
    {
        childIn.println("boot");
        return Long.parseLong(expect("booted "));
    }

    /**
     * Reboot, unmeasured, so that the next iteration boots the same image.
     *
     * @throws Exception when the child fails.
     */
    @TearDown(Level.Iteration)
    public void reboot() throws Exception
    {
        if (child != null)
        {
            childIn.println("reboot");
            superBlockPfn = expect("rebooted ");
        }
    }

    /**
     * End the fresh JVM and delete the image and the cache.
     *
     * @throws InterruptedException when interrupted while the child ends.
     */
    @TearDown(Level.Trial)
    public void removeFiles() throws InterruptedException
    {
        if (child != null)
        {
            childIn.close();
            if (!child.waitFor(CHILD_TIMEOUT_SECONDS, TimeUnit.SECONDS))
            {
                child.destroyForcibly();
            }
            child = null;
        }
        RestartState.deleteTree(dir);
        dir = null;
    }

    /**
     * @return the memory file (for the test).
     */
    Path file()
    {
        return file;
    }
}
