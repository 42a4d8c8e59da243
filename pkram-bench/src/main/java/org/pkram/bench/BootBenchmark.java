package org.pkram.bench;

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
import org.openjdk.jmh.infra.Blackhole;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;
import org.pkram.DataKind;
import org.pkram.Folio;
import org.pkram.NodeLoad;
import org.pkram.NodeSave;
import org.pkram.ObjLoad;
import org.pkram.ObjSave;
import org.pkram.Pkram;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * Restart of a process that preserved {@code sizeMiB} of 4 KiB folios split across {@code nodes}
 * nodes: from {@link Pkram#boot} with the super block pfn to every folio loaded in place and its first
 * 8 bytes read ({@link #restartToReady(Blackhole)}), against two baselines measured in the same run:
 * <ul>
 * <li>{@link #bootOnly()}: boot alone (attach, validate the image, reserve its pages, rebuild the node
 * list), with nothing loaded;</li>
 * <li>{@link #touchBaseline()}: no pkram at all: map the memory file afresh and read the first 8 bytes
 * of every preserved page at pfns known in advance. The floor for any restart that reads each page
 * once through a new mapping. As for the pkram methods, the unmap comes after the measurement.</li>
 * <li>{@link #metadataBaseline()}: no pkram at all: map the memory file afresh and read every word of every
 * metadata page once, following the chains ({@link MetadataWalk}): the floor under {@link #bootOnly()}.</li>
 * </ul>
 * <p>
 * One image per trial, built once in a sparse memory file of {@code sizeMiB + 256} MiB on
 * {@code /dev/shm} and closed with an orderly reboot. Single-shot: each iteration is one restart of a
 * warm JVM. After the measured call, outside the measurement, the loaded folios are saved back by
 * reference into nodes of the same names and the instance rebooted, so the next iteration restarts from
 * the same image; the tear-down also checks that every folio came back with its content.
 * <p>
 * Heap: on the first measured iteration the heap in use after a full GC is printed twice, before the
 * call and after it with its result still held (for {@code restartToReady} that is one {@link Folio}
 * handle per page), as a line starting with {@code HEAP}. Goals: restart-to-ready of 4 GiB
 * &le; 50 ms with &le; 32 MiB of heap.
 */
@BenchmarkMode(Mode.SingleShotTime)
@Warmup(iterations = 5)
@Measurement(iterations = 15)
@Fork(jvmArgsPrepend = BenchFlags.HEAP)
public class BootBenchmark extends BaseBenchmark
{
    private static final long MIB = 1L << 20;
    private static final ValueLayout.OfLong LONG_LE = ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Preserved data in MiB, all in order-0 folios. */
    @Param({"64", "1024", "4096"})
    int sizeMiB;

    /** Nodes the folios are split across, as evenly as they go. */
    @Param({"1", "1000"})
    int nodes;

    private Path file;
    private long superBlockPfn;
    private String[] names;
    /** Per node, the folios loaded by the last call, in stream order; null when nothing is held. */
    private Folio[][] held;
    /** Every preserved data page, for the baseline; the folios never move, so these stay valid. */
    private long[] pfns;
    private long expectedSum;
    private long loadedSum;
    private long touchedSum;
    /** The baseline's mapping, closed (unmapped) after the measurement. */
    private Arena mapping;
    private Pkram pkram;
    private long heapBefore;
    private boolean reported;

    /**
     * Made by JMH.
     */
    public BootBenchmark()
    {
    }

    /**
     * Build the image: allocate every folio, write its global number in its first 8 bytes, save the
     * folios by reference at contiguous mapping indices, one object per node, then reboot.
     */
    @Setup(Level.Trial)
    public void setUp()
    {
        final int pages = (int)(sizeMiB * MIB / 4096);
        file = ShmFile.format("boot-" + sizeMiB + "-" + nodes, (sizeMiB + 256L) * MIB, false);
        names = new String[nodes];
        held = new Folio[nodes][];
        pfns = new long[pages];
        final Pkram image = Pkram.boot(ShmFile.options(file, 0));
        long number = 0;
        for (int k = 0; k < nodes; k++)
        {
            names[k] = String.format("node-%04d", k);
            final int count = pages / nodes + (k < pages % nodes ? 1 : 0);
            held[k] = new Folio[count];
            final NodeSave save = image.prepareSave(names[k]);
            final ObjSave obj = save.prepareSaveObj(DataKind.FOLIOS);
            for (int j = 0; j < count; j++)
            {
                final Folio folio = image.allocFolio(0);
                pfns[(int)number] = folio.pfn();
                folio.buffer().putLong(0, number++, ByteOrder.LITTLE_ENDIAN);
                obj.saveFolio(folio, j);
            }
            save.finish();
        }
        image.close();
        superBlockPfn = image.superBlockPfn();
        expectedSum = number * (number - 1) / 2;
    }

    /**
     * Close what a failed iteration may have left open and delete the memory file.
     */
    @TearDown(Level.Trial)
    public void tearDown()
    {
        ShmFile.release(mapping, pkram, file);
        mapping = null;
        pkram = null;
    }

    /**
     * Start each restart from a collected heap, and remember how much of it is in use.
     */
    @Setup(Level.Iteration)
    public void beforeRestart()
    {
        heapBefore = usedHeapAfterGc();
    }

    /**
     * Not measured: report the heap once, check and save back what was loaded, reboot.
     *
     * @param benchmark which benchmark ran.
     * @param iteration which iteration this was.
     */
    @TearDown(Level.Iteration)
    public void afterRestart(final BenchmarkParams benchmark, final IterationParams iteration)
    {
        final boolean loaded = held[0][0] != null;
        if (iteration.getType() == IterationType.MEASUREMENT && !reported)
        {
            reported = true;
            final long heapAfter = usedHeapAfterGc();
            System.out.printf("HEAP %s sizeMiB=%d nodes=%d: before=%.1f MiB, after=%.1f MiB, held by the " +
                "call=%.1f MiB%n", benchmark.getBenchmark().substring(benchmark.getBenchmark().lastIndexOf('.') + 1),
                sizeMiB, nodes, heapBefore / (double)MIB, heapAfter / (double)MIB,
                (heapAfter - heapBefore) / (double)MIB);
        }
        if (touchedSum != 0 && touchedSum != expectedSum)
        {
            throw new IllegalStateException("baseline read wrong bytes: sum=" + touchedSum + ", expected=" +
                expectedSum);
        }
        touchedSum = 0;
        if (mapping != null)
        {
            mapping.close();
            mapping = null;
        }
        if (pkram == null)
        {
            return;
        }
        if (loaded)
        {
            if (loadedSum != expectedSum)
            {
                throw new IllegalStateException("folios came back wrong: sum=" + loadedSum + ", expected=" +
                    expectedSum);
            }
            for (int k = 0; k < nodes; k++)
            {
                final Folio[] folios = held[k];
                final NodeSave save = pkram.prepareSave(names[k]);
                final ObjSave obj = save.prepareSaveObj(DataKind.FOLIOS);
                for (final Folio folio : folios)
                {
                    obj.saveFolio(folio, folio.index());
                }
                save.finish();
                Arrays.fill(folios, null);
            }
        }
        pkram.close();
        superBlockPfn = pkram.superBlockPfn();
        pkram = null;
        loadedSum = 0;
    }

    /**
     * Boot from the super block, load every folio of every node in place and read its first 8 bytes.
     *
     * @param bh takes the sum of the bytes read.
     */
    @Benchmark
    public void restartToReady(final Blackhole bh)
    {
        final Pkram booted = Pkram.boot(ShmFile.options(file, superBlockPfn));
        pkram = booted;
        long sum = 0;
        for (int k = 0; k < nodes; k++)
        {
            final Folio[] folios = held[k];
            try (NodeLoad load = booted.prepareLoad(names[k]))
            {
                final ObjLoad obj = load.prepareLoadObj();
                for (int j = 0; j < folios.length; j++)
                {
                    final Folio folio = obj.loadFolio();
                    folios[j] = folio;
                    sum += folio.buffer().getLong(0, ByteOrder.LITTLE_ENDIAN);
                }
                load.finish();
            }
        }
        loadedSum = sum;
        bh.consume(sum);
    }

    /**
     * Boot from the super block and load every folio of every node in place, without touching the data:
     * the cost that follows the metadata (about 2,000 link pages for 4 GiB), which is what the issue's
     * goal bounds. Reading the data adds one page fault per 4 KiB page; {@link #restartToReady} measures
     * that, and {@link #touchBaseline} the same faults without pkram.
     *
     * @param bh takes the number of folios handed back.
     */
    @Benchmark
    public void bootAndLoad(final Blackhole bh)
    {
        final Pkram booted = Pkram.boot(ShmFile.options(file, superBlockPfn));
        pkram = booted;
        long count = 0;
        long indexSum = 0;
        for (int k = 0; k < nodes; k++)
        {
            final Folio[] folios = held[k];
            try (NodeLoad load = booted.prepareLoad(names[k]))
            {
                final ObjLoad obj = load.prepareLoadObj();
                for (int j = 0; j < folios.length; j++)
                {
                    final Folio folio = obj.loadFolio();
                    folios[j] = folio;
                    indexSum += folio.index();
                    count++;
                }
                load.finish();
            }
        }
        loadedSum = expectedSum; // nothing read: the tear-down saves them back without a content check
        bh.consume(indexSum);
        bh.consume(count);
    }

    /**
     * Boot from the super block and stop: the image validated, its pages reserved, the node list rebuilt.
     *
     * @return the instance's generation, so the boot cannot be eliminated.
     */
    @Benchmark
    public long bootOnly()
    {
        final Pkram booted = Pkram.boot(ShmFile.options(file, superBlockPfn));
        pkram = booted;
        return booted.generation();
    }

    /**
     * Baseline without pkram: map the file and read the first 8 bytes of every preserved page.
     *
     * @return the sum of the bytes read.
     * @throws IOException when the file cannot be mapped.
     */
    @Benchmark
    public long touchBaseline() throws IOException
    {
        final long[] pages = pfns;
        final Arena arena = Arena.ofShared();
        mapping = arena;
        final MemorySegment memory;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ))
        {
            memory = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
        }
        long sum = 0;
        for (final long pfn : pages)
        {
            sum += memory.get(LONG_LE, pfn << 12);
        }
        touchedSum = sum;
        return sum;
    }

    /**
     * Baseline without pkram for the boot: map the file and read every word of every metadata page once
     * (super block, nodes, objects, links, regions list), following the chains as any reader must and checking
     * nothing ({@link MetadataWalk}). A boot validates at least these pages; the goal holds {@link #bootOnly()}
     * to a small multiple of this.
     *
     * @return the sum of the words read.
     * @throws IOException when the file cannot be mapped.
     */
    @Benchmark
    public long metadataBaseline() throws IOException
    {
        final Arena arena = Arena.ofShared();
        mapping = arena;
        final MemorySegment memory;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ))
        {
            memory = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
        }
        final MetadataWalk walk = new MetadataWalk(memory);
        final long sum = walk.everyPage(superBlockPfn);
        // A super block, the nodes, an object each and a link per 510 folios at least.
        if (walk.pagesRead() < 1 + 2L * nodes + pfns.length / 510)
        {
            throw new IllegalStateException("the walk missed metadata: pages=" + walk.pagesRead());
        }
        return sum;
    }

    private static long usedHeapAfterGc()
    {
        final Runtime runtime = Runtime.getRuntime();
        long used = Long.MAX_VALUE;
        // Two collections: the first may leave objects with finalizable or cleaner references behind.
        for (int i = 0; i < 2; i++)
        {
            System.gc();
            used = Math.min(used, runtime.totalMemory() - runtime.freeMemory());
        }
        return used;
    }
}
