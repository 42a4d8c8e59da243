package org.pkram.bench;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OutputTimeUnit;
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
 * What durable mode costs per committed node, on a memory file on disk (ext4 under /tmp, not tmpfs):
 * {@code PkramOptions.durable(true)} forces the mapping to storage at every commit point, durable(false)
 * leaves it to the page cache.
 * <p>
 * One operation updates the first 8 bytes of each of {@code folios} folios (dirtying them, as an
 * application that changed its state), saves them by reference in a new node and commits it
 * ({@link NodeSave#finish()}). An invocation tear-down, not measured, loads the node back so the same
 * folios are saved again next time.
 */
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(jvmArgsPrepend = BenchFlags.HEAP)
public class DurableCommitBenchmark extends AverageTimeBenchmark
{
    /** A disk file system (the root ext4 here), not tmpfs. */
    static final Path DISK = Path.of("/tmp");

    private static final String NODE = "commit";

    /** Force to storage at every commit point. */
    @Param({"false", "true"})
    boolean durable;

    /** Size of the memory file, MiB (populated: every block allocated on disk). */
    @Param({"64"})
    int fileMiB;

    /** Folios updated and saved in each committed node. */
    @Param({"1", "256"})
    int folios;

    private Path dir;
    private Pkram pkram;
    private List<Folio> owned = new ArrayList<>();
    private long generation;

    /**
     * Made by JMH.
     */
    public DurableCommitBenchmark()
    {
    }

    /**
     * Format a memory file on disk (every block allocated now), boot it and allocate the folios.
     *
     * @throws IOException when the directory cannot be made.
     */
    @Setup(Level.Trial)
    public void setUp() throws IOException
    {
        dir = Files.createTempDirectory(DISK, "pkram-durable-");
        final Path file = dir.resolve("pkram.mem");
        Pkram.format(file, (long)fileMiB << 20, true);
        pkram = Pkram.boot(PkramOptions.of(file).durable(durable).shutdownHook(false));
        for (int i = 0; i < folios; i++)
        {
            owned.add(pkram.allocFolio(0));
        }
    }

    /**
     * Update every folio, save them in a node and commit it.
     *
     * @return the node page's pfn.
     */
    @Benchmark
    public long commit()
    {
        generation++;
        try (NodeSave node = pkram.prepareSave(NODE); ObjSave obj = node.prepareSaveObj(DataKind.FOLIOS))
        {
            for (int i = 0; i < owned.size(); i++)
            {
                final Folio folio = owned.get(i);
                folio.buffer().putLong(0, generation, ByteOrder.LITTLE_ENDIAN);
                obj.saveFolio(folio, i);
            }
            obj.finish();
            node.finish();
            return node.pfn();
        }
    }

    /**
     * Load the node back, so its folios are the caller's again.
     */
    @TearDown(Level.Invocation)
    public void takeBack()
    {
        final List<Folio> loaded = new ArrayList<>(owned.size());
        try (NodeLoad node = pkram.prepareLoad(NODE))
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
        owned = loaded;
    }

    /**
     * Reboot and delete the memory file.
     */
    @TearDown(Level.Trial)
    public void tearDown()
    {
        try
        {
            for (final Folio folio : owned)
            {
                pkram.freeFolio(folio);
            }
            owned.clear();
            pkram.close();
        }
        finally
        {
            RestartState.deleteTree(dir);
        }
    }
}
