package org.pkram.bench;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;
import org.pkram.DataKind;
import org.pkram.Folio;
import org.pkram.NodeLoad;
import org.pkram.NodeSave;
import org.pkram.ObjLoad;
import org.pkram.ObjSave;
import org.pkram.Pkram;
import org.pkram.PkramOptions;

/**
 * Saving 4 nodes of 64 MiB or 256 MiB each ({@code pagesPerNode}) from 1 thread or split over 2 threads
 * (2 nodes each),
 * on one booted pkram; the threads share the allocator and the node-list lock.
 * <p>
 * {@code source}: {@code folios} saves state that already lives in pkram folios, by reference (link
 * pages only, no data copied); {@code heap} saves heap arrays, copied into fresh pages (the
 * path for state kept on the Java heap). Both thread counts run their saves on the same executor, so
 * the hand-off is in both. An invocation tear-down, not measured, loads the nodes back (and frees the
 * copies).
 */
@Fork(jvmArgsPrepend = BenchFlags.HEAP)
public class ParallelSaveBenchmark extends AverageTimeBenchmark
{
    /** Nodes saved per operation. */
    static final int NODES = 4;

    /** Pages per node: 16384 is 64 MiB, 65536 is 256 MiB. */
    @Param({"16384", "65536"})
    int pagesPerNode;

    /** Threads saving: 1 saves all 4 nodes, 2 save 2 each. */
    @Param({"1", "2"})
    int threads;

    /** Where the state lives: pkram folios (saved by reference) or heap arrays (copied). */
    @Param({"folios", "heap"})
    String source;

    private Path dir;
    private Pkram pkram;
    private ExecutorService executor;
    private final List<List<Folio>> folios = new ArrayList<>();
    private final List<byte[]> arrays = new ArrayList<>();

    /**
     * Made by JMH.
     */
    public ParallelSaveBenchmark()
    {
    }

    /**
     * Format and boot a memory file on /dev/shm, make the state, start the threads.
     *
     * @throws IOException when the directory cannot be made.
     */
    @Setup(Level.Trial)
    public void setUp() throws IOException
    {
        dir = Files.createTempDirectory(RestartBenchmark.SHM, "pkram-parallel-");
        final Path file = dir.resolve("pkram.mem");
        final long pages = 2L * NODES * pagesPerNode;
        Pkram.format(file, (pages << 12) + (64L << 20), true);
        pkram = Pkram.boot(PkramOptions.of(file).shutdownHook(false));
        executor = Executors.newFixedThreadPool(2);
        for (int n = 0; n < NODES; n++)
        {
            if ("folios".equals(source))
            {
                final List<Folio> node = new ArrayList<>(pagesPerNode);
                for (int i = 0; i < pagesPerNode; i++)
                {
                    final Folio folio = pkram.allocFolio(0);
                    folio.buffer().putLong(0, i, ByteOrder.LITTLE_ENDIAN);
                    node.add(folio);
                }
                folios.add(node);
            }
            else if ("heap".equals(source))
            {
                final byte[] array = new byte[pagesPerNode << 12];
                for (int i = 0; i < array.length; i += 4096)
                {
                    array[i] = (byte)i;
                }
                arrays.add(array);
            }
            else
            {
                throw new IllegalArgumentException("unknown source: " + source);
            }
        }
    }

    /**
     * Save the 4 nodes on {@code threads} threads and wait for all of them to commit.
     *
     * @return the number of nodes saved.
     * @throws Exception when a save fails.
     */
    @Benchmark
    public int save() throws Exception
    {
        final int perThread = NODES / threads;
        final List<Future<?>> done = new ArrayList<>(threads);
        for (int t = 0; t < threads; t++)
        {
            final int first = t * perThread;
            done.add(executor.submit(() ->
            {
                for (int n = first; n < first + perThread; n++)
                {
                    saveNode(n);
                }
            }));
        }
        for (final Future<?> future : done)
        {
            try
            {
                future.get();
            }
            catch (final ExecutionException ex)
            {
                throw new IllegalStateException("save failed: " + ex.getCause(), ex.getCause());
            }
        }
        return NODES;
    }

    private void saveNode(final int n)
    {
        try (NodeSave node = pkram.prepareSave("node-" + n); ObjSave obj = node.prepareSaveObj(DataKind.FOLIOS))
        {
            if (folios.isEmpty())
            {
                obj.saveFolio(arrays.get(n), 0);
            }
            else
            {
                final List<Folio> list = folios.get(n);
                for (int i = 0; i < list.size(); i++)
                {
                    obj.saveFolio(list.get(i), i);
                }
            }
            obj.finish();
            node.finish();
        }
    }

    /**
     * Load the nodes back: the folios are the caller's again (heap: the copies are freed).
     */
    @TearDown(Level.Invocation)
    public void takeBack()
    {
        for (int n = 0; n < NODES; n++)
        {
            final List<Folio> loaded = new ArrayList<>(pagesPerNode);
            try (NodeLoad node = pkram.prepareLoad("node-" + n))
            {
                ObjLoad obj;
                while ((obj = node.prepareLoadObj()) != null)
                {
                    Folio folio;
                    while ((folio = obj.loadFolio()) != null)
                    {
                        loaded.add(folio);
                    }
                    obj.finish();
                }
                node.finish();
            }
            if (folios.isEmpty())
            {
                for (final Folio folio : loaded)
                {
                    pkram.freeFolio(folio);
                }
            }
            else
            {
                folios.set(n, loaded);
            }
        }
    }

    /**
     * Stop the threads, reboot and delete the memory file.
     *
     * @throws InterruptedException when interrupted while the threads stop.
     */
    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException
    {
        try
        {
            executor.shutdown();
            executor.awaitTermination(10, TimeUnit.SECONDS);
            for (final List<Folio> node : folios)
            {
                for (final Folio folio : node)
                {
                    pkram.freeFolio(folio);
                }
            }
            folios.clear();
            arrays.clear();
            pkram.close();
        }
        finally
        {
            RestartState.deleteTree(dir);
        }
    }
}
