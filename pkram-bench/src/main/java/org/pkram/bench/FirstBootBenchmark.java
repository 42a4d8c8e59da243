package org.pkram.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * class loading and cold code on top of the boot itself. Each of the forks is a new JVM whose first measured
 * iteration is the first {@link Pkram#boot} of its life and whose second is a boot of the same image again.
 * No warm-up, by design.
 * <p>
 * The image ({@code sizeMiB × 256} order-0 folios in one node, as {@link PkramState} builds it) is made by a
 * separate process ({@link RestartChild} {@code build}), so that the fork loads none of pkram's boot path
 * before the first measured boot. Between the iterations, unmeasured, the instance is rebooted. In the JSON,
 * each fork's raw data is {@code [first, second]}; the report takes the median of each.
 */
@BenchmarkMode(Mode.SingleShotTime)
@Warmup(iterations = 0)
@Measurement(iterations = 2)
@Fork(value = 7, jvmArgsPrepend = BenchFlags.HEAP)
public class FirstBootBenchmark extends BaseBenchmark
{
    private static final long BUILD_TIMEOUT_SECONDS = 300;

    /** Preserved data in MiB, all in order-0 folios. */
    @Param({"1024"})
    int sizeMiB;

    private Path dir;
    private Path file;
    private long superBlockPfn;
    private Pkram pkram;

    /**
     * Made by JMH.
     */
    public FirstBootBenchmark()
    {
    }

    /**
     * Have another process build the image, and take its super block pfn.
     *
     * @throws Exception when the child fails.
     */
    @Setup(Level.Trial)
    public void buildElsewhere() throws Exception
    {
        dir = Files.createTempDirectory(Path.of("/dev/shm"), "pkram-firstboot-");
        file = dir.resolve("pkram.mem");
        final List<String> command = ProcessRestartBenchmark.childJvm(List.of());
        command.addAll(List.of("build", "pkram", dir.toString(), Integer.toString(sizeMiB * 256)));
        final Process child = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        final String line;
        try
        {
            line = ChildLines.next(new BufferedReader(new InputStreamReader(child.getInputStream(),
                StandardCharsets.UTF_8)), child, TimeUnit.SECONDS.toMillis(BUILD_TIMEOUT_SECONDS));
            if (!child.waitFor(BUILD_TIMEOUT_SECONDS, TimeUnit.SECONDS) || child.exitValue() != 0 || line == null)
            {
                throw new IllegalStateException("the build child failed: said " + line);
            }
        }
        catch (final Exception ex)
        {
            // JMH runs no tear-down after a failed set-up: leave nothing behind on the tmpfs.
            child.destroyForcibly();
            RestartState.deleteTree(dir);
            throw ex;
        }
        superBlockPfn = Long.parseUnsignedLong(line.trim(), 16);
    }

    /**
     * Boot the image: the first time in this JVM, then again.
     *
     * @return the instance's generation, so that the boot cannot be eliminated.
     */
    @Benchmark
    public long boot()
    {
        pkram = Pkram.boot(ShmFile.options(file, superBlockPfn));
        return pkram.generation();
    }

    /**
     * Reboot, unmeasured, so that the next iteration boots the same image.
     */
    @TearDown(Level.Iteration)
    public void reboot()
    {
        if (pkram != null)
        {
            pkram.close();
            superBlockPfn = pkram.superBlockPfn();
            pkram = null;
        }
    }

    /**
     * Delete the image.
     */
    @TearDown(Level.Trial)
    public void removeFiles()
    {
        reboot();
        RestartState.deleteTree(dir);
    }
}
