package org.pkram.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Restart to ready: pkram against what users would pick instead, on the same data in the same run.
 * <p>
 * The data is {@code sizeMiB * 256} values of 4 KiB (value {@code i} holds {@code i} in its first 8
 * bytes), built once per trial in each system's own persisted form in a directory on /dev/shm, and
 * closed (nothing mapped, nothing open: the state a process restart leaves). Each measured invocation
 * is one cold start of the library on those files up to {@link #ready}: every value reachable and, when
 * warm, its first 8 bytes read (summed, and the sum checked; ready to serve checks the number of values
 * reachable). The system {@code touch} is the floor under pkram, measured in the same run: the same memory
 * file mapped and 8 bytes of every value's page read, nothing else ({@link TouchState}). Closing afterwards,
 * and pkram's re-save of the node that
 * loading consumed, are in an invocation tear-down, outside the measurement. All files stay in RAM
 * (tmpfs), so there is no page cache to drop: what is measured is the software path from the files to
 * usable values. See {@link RestartState} and its four implementations for what each system does.
 * <p>
 * Only one system's files exist at a time: each trial deletes its directory in its tear-down (and when
 * its set-up fails).
 */
@BenchmarkMode(Mode.SingleShotTime)
@Warmup(iterations = 3)
@Measurement(iterations = 5)
public class RestartBenchmark extends PeerForkBenchmark
{
    /** Where every system keeps its files by default: RAM. */
    static final Path SHM = Path.of("/dev/shm");

    /**
     * The directory (a tmpfs) the trial's files go in: /dev/shm for the comparison; another tmpfs, such
     * as one mounted with {@code huge=always}, for experiments ({@code -p dir=...}).
     */
    @Param({"/dev/shm"})
    String dir;

    /** The system restarted: pkram, its floor ({@code touch}), or a peer. */
    @Param({"touch", "pkram", "filechannel", "lmdb", "chronicle-map"})
    String system;

    /** How far a restart goes: {@code warm} (every value read) or {@code serve} (every value reachable). */
    @Param({"warm", "serve"})
    String ready;

    /** Size of the values, MiB (256 values of 4 KiB a MiB). */
    @Param({"256", "1024", "4096"})
    int sizeMiB;

    private Path trialDir;
    private RestartState state;
    private Ready readiness;
    private int count;

    /**
     * Made by JMH.
     */
    public RestartBenchmark()
    {
    }

    /**
     * Build this system's state on /dev/shm and close it.
     *
     * @throws Exception when the system cannot build it; the message names the system and the JDK.
     */
    @Setup(Level.Trial)
    public void build() throws Exception
    {
        count = sizeMiB * (int)((1L << 20) / RestartState.VALUE_SIZE);
        readiness = Ready.of(ready);
        final Path parent = Path.of(dir);
        final long usable = Files.getFileStore(parent).getUsableSpace();
        // LMDB takes two pages per value; the others little more than the data.
        final long needed = 2L * sizeMiB * (1L << 20) + (256L << 20);
        if (usable < needed)
        {
            throw new IllegalStateException("not enough room in " + parent + ": usable=" + usable + ", needed=" +
                needed +
                " (remove leftover pkram-restart-* directories there)");
        }
        trialDir = Files.createTempDirectory(parent, "pkram-restart-");
        state = RestartState.of(system);
        try
        {
            final long start = System.nanoTime();
            state.build(trialDir, count);
            final long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            System.out.println();
            System.out.println("footprint: system=" + system + ", sizeMiB=" + sizeMiB + ", values=" + count +
                ", bytesOnShm=" + RestartState.allocatedBytes(trialDir) + ", buildMillis=" + millis);
        }
        catch (final Throwable ex)
        {
            removeFiles();
            throw new IllegalStateException("system " + system + " cannot build its state on JDK " +
                Runtime.version() + ": " + ex, ex);
        }
    }

    /**
     * One restart: from closed files to ready.
     *
     * @return the sum of the first 8 bytes of every value (warm), or the number of values reachable (serve).
     * @throws Exception whatever the system throws.
     */
    @Benchmark
    public long restart() throws Exception
    {
        final long check = state.restartToReady(readiness);
        if (check != readiness.expected(count))
        {
            throw new IllegalStateException("wrong values after restart: system=" + system + ", ready=" + ready +
                ", check=" + check + ", expected=" + readiness.expected(count));
        }
        return check;
    }

    /**
     * Close what the restart opened (pkram: save the folios again and reboot), unmeasured.
     *
     * @throws Exception whatever the system throws.
     */
    @TearDown(Level.Invocation)
    public void shutDown() throws Exception
    {
        state.shutDown();
    }

    /**
     * Close anything left and delete this trial's files.
     *
     * @throws IOException when they cannot be deleted.
     */
    @TearDown(Level.Trial)
    public void removeFiles() throws IOException
    {
        try
        {
            if (state != null)
            {
                state.delete();
            }
        }
        finally
        {
            RestartState.deleteTree(trialDir);
            trialDir = null;
        }
    }
}
