package org.pkram.bench;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
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
import org.openjdk.jmh.infra.BenchmarkParams;
import org.pkram.DataKind;
import org.pkram.Folio;
import org.pkram.NodeSave;
import org.pkram.ObjSave;
import org.pkram.Pkram;
import org.pkram.PkramOptions;

/**
 * Warm-up as a choice: {@link Pkram#prefault(int, boolean)} of a booted image on 1 and 2 threads, reading
 * ({@code MADV_POPULATE_READ}) or writing ({@code _WRITE}), against two floors measured in the same run on the same
 * pages, with no pkram code: {@link #populate()}, the kernel's populate over the whole file split in one range per
 * thread (the least any prefault can cost), and {@link #touch()}, a Java loop touching one byte of every page
 * (reading it, or writing back the byte it read), a thread per range.
 * <p>
 * The memory file is {@code sizeMiB} MiB of order-9 folios saved in one node, plus two 2 MiB blocks that hold the
 * header, the super block and the node's metadata, all resident in the tmpfs: formatted with every page
 * allocated, then written (each folio's first 8 bytes: its number). Each invocation starts cold, its pages
 * resident but mapped nowhere in this process: the set-up, not measured, boots the image (for
 * {@link #prefault()}) or maps the file afresh (for the floors), and the tear-down reboots or unmaps. The floors
 * cover the whole file, the prefault every page the allocator has taken: the same pages but the free ones of the
 * two blocks beyond the data (0.4% at 1 GiB). The goal (issue 15): 2 threads at least 1.6× faster than one.
 */
@BenchmarkMode(Mode.SingleShotTime)
@Warmup(iterations = 3)
@Measurement(iterations = 10)
@Fork(value = 1, jvmArgsPrepend = BenchFlags.HEAP)
public class PrefaultBenchmark extends BaseBenchmark
{
    /**
     * Room beyond the data, two 2 MiB blocks: one for the header page and the node's metadata, one for the super
     * block page, which a fresh image may take anywhere; the rest of them is free.
     */
    static final long HEAD_BYTES = 4L << 20;

    private static final int FOLIO_ORDER = 9;
    private static final long PAGE = Folio.PAGE_SIZE;
    private static final String NODE = "data";

    /** The directory (a tmpfs) of the memory file. */
    @Param({"/dev/shm"})
    String dir;

    /** The data prefaulted, MiB, in order-9 folios. */
    @Param({"1024"})
    int sizeMiB;

    /** Threads that prefault (or touch, or populate). */
    @Param({"1", "2"})
    int threads;

    /** Fault the pages in writable ({@code MADV_POPULATE_WRITE}, a byte written back) rather than readable. */
    @Param({"false", "true"})
    boolean write;

    private Path trialDir;
    private Path file;
    private long fileBytes;
    private Pkram pkram;
    private Arena arena;
    private MemorySegment mapping;
    private ExecutorService workers;

    /**
     * Made by JMH.
     */
    public PrefaultBenchmark()
    {
    }

    /**
     * Build the image: format the file with every page allocated, fill it with order-9 folios saved in one node,
     * reboot.
     *
     * @throws IOException when the directory cannot be made.
     */
    @Setup(Level.Trial)
    public void build() throws IOException
    {
        trialDir = Files.createTempDirectory(Path.of(dir), "pkram-prefault-");
        file = trialDir.resolve("pkram.mem");
        fileBytes = ((long)sizeMiB << 20) + HEAD_BYTES;
        Pkram.format(file, fileBytes, true);
        try (Pkram image = Pkram.boot(PkramOptions.of(file).shutdownHook(false)))
        {
            // The folios first, while every 2 MiB block but the header's is free; the metadata then goes there.
            final List<Folio> folios = new ArrayList<>();
            for (int i = 0; i < sizeMiB >> 1; i++)
            {
                final Folio folio = image.allocFolio(FOLIO_ORDER);
                folio.buffer().putLong(0, i);
                folios.add(folio);
            }
            try (NodeSave save = image.prepareSave(NODE); ObjSave obj = save.prepareSaveObj(DataKind.FOLIOS))
            {
                for (final Folio folio : folios)
                {
                    obj.saveFolio(folio, folio.buffer().getLong(0) << FOLIO_ORDER);
                }
                obj.finish();
                save.finish();
            }
        }
        workers = Executors.newFixedThreadPool(threads);
    }

    /**
     * Unmeasured: boot the image, or map the file afresh, as the method about to run needs; its pages are resident
     * but mapped nowhere in this process.
     *
     * @param params which method runs.
     * @throws IOException when the file cannot be mapped.
     */
    @Setup(Level.Invocation)
    public void coldStart(final BenchmarkParams params) throws IOException
    {
        coldStart(params.getBenchmark());
    }

    /**
     * {@link #coldStart(BenchmarkParams)} for the method named {@code benchmark}.
     *
     * @param benchmark the benchmark's full name, ending in {@code .prefault}, {@code .populate} or {@code .touch}.
     * @throws IOException when the file cannot be mapped.
     */
    void coldStart(final String benchmark) throws IOException
    {
        if (benchmark.endsWith(".prefault"))
        {
            pkram = Pkram.boot(PkramOptions.of(file).shutdownHook(false));
            return;
        }
        arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE))
        {
            mapping = channel.map(FileChannel.MapMode.READ_WRITE, 0, fileBytes, arena);
        }
    }

    /**
     * pkram's prefault of every taken page, on {@link #threads} threads.
     *
     * @return the pages prefaulted.
     * @throws Exception when it fails.
     */
    @Benchmark
    public long prefault() throws Exception
    {
        return pkram.prefault(threads, write).get();
    }

    /**
     * The kernel's floor: {@code madvise(MADV_POPULATE_READ / _WRITE)} over the whole file, one contiguous range
     * per thread.
     *
     * @return the pages populated.
     * @throws Exception when a call fails.
     */
    @Benchmark
    public long populate() throws Exception
    {
        return inRanges((from, to) ->
        {
            BenchNative.populate(mapping.asSlice(from * PAGE, (to - from) * PAGE), write);
            return to - from;
        });
    }

    /**
     * The Java floor: one byte of every page read (or read and written back), a thread per contiguous range.
     *
     * @return the sum of the bytes read, so that the reads cannot be eliminated.
     * @throws Exception when a thread fails.
     */
    @Benchmark
    public long touch() throws Exception
    {
        final MemorySegment memory = mapping;
        final boolean store = write;
        return inRanges((from, to) ->
        {
            long sum = 0;
            for (long page = from; page < to; page++)
            {
                final byte value = memory.get(ValueLayout.JAVA_BYTE, page * PAGE);
                if (store)
                {
                    // The byte it holds: a write fault without changing the image (metadata pages too).
                    memory.set(ValueLayout.JAVA_BYTE, page * PAGE, value);
                }
                sum += value;
            }
            return sum;
        });
    }

    /** Work on the pages {@code [from, to)} of the file. */
    @FunctionalInterface
    interface Range
    {
        long run(long from, long to) throws Exception;
    }

    /**
     * Split the file's pages into {@link #threads} contiguous ranges and run {@code range} on each in its own thread.
     *
     * @return the sum of what the ranges returned.
     */
    private long inRanges(final Range range) throws Exception
    {
        final long pages = fileBytes / PAGE;
        final List<Future<Long>> parts = new ArrayList<>(threads);
        for (int t = 0; t < threads; t++)
        {
            final long from = pages * t / threads;
            final long to = pages * (t + 1) / threads;
            parts.add(workers.submit(() -> range.run(from, to)));
        }
        long sum = 0;
        for (final Future<Long> part : parts)
        {
            try
            {
                sum += part.get();
            }
            catch (final ExecutionException ex)
            {
                throw ex.getCause() instanceof Exception cause ? cause : ex;
            }
        }
        return sum;
    }

    /**
     * Unmeasured: reboot, or unmap, so that the next invocation starts cold again.
     */
    @TearDown(Level.Invocation)
    public void release()
    {
        if (pkram != null)
        {
            pkram.close();
            pkram = null;
        }
        if (arena != null)
        {
            arena.close();
            arena = null;
            mapping = null;
        }
    }

    /**
     * Delete the memory file.
     *
     * @throws InterruptedException when interrupted while the workers stop.
     */
    @TearDown(Level.Trial)
    public void removeFiles() throws InterruptedException
    {
        release();
        if (workers != null)
        {
            workers.shutdownNow();
            workers.awaitTermination(1, TimeUnit.MINUTES);
            workers = null;
        }
        RestartState.deleteTree(trialDir);
        trialDir = null;
    }

    /**
     * @return the pages of the memory file (for the test).
     */
    long filePages()
    {
        return fileBytes / PAGE;
    }

    /**
     * @return the instance {@link #coldStart} booted for {@link #prefault()} (for the test).
     */
    Pkram pkram()
    {
        return pkram;
    }

    /**
     * @return the memory file (for the test).
     */
    Path file()
    {
        return file;
    }
}
