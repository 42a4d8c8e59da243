package org.pkram.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
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

import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Saving folios by reference and loading them back in place, per folio, for order 0 (4 KiB) and
 * order 9 (2 MiB). One call handles a batch of 1024 folios allocated once per trial: prepare a node,
 * one {@link DataKind#FOLIOS} object, save the 1024 folios at contiguous mapping indices, finish
 * (commit); prepare the load, take the object, load the 1024 folios, finish the load. The loaded
 * folios are the caller's again and are saved by the next call, so nothing is allocated or freed but
 * the node's own metadata pages. The node, object and link pages are part of the cost, spread over
 * the batch.
 * <p>
 * Baseline: {@link #copyBaseline()}, copying each folio's bytes out to the heap, the least a
 * by-copy save would do per folio. Goal: save + load of an order-0 folio &le; 100 ns.
 */
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(jvmArgsPrepend = BenchFlags.HEAP)
public class FolioBenchmark extends AverageTimeBenchmark
{
    /** Folios saved and loaded per call. */
    static final int BATCH = 1024;

    private static final String NODE = "folios";

    /** Folio order: 0 is one 4 KiB page, 9 a 2 MiB folio. */
    @Param({"0", "9"})
    int order;

    private Path file;
    private Pkram pkram;
    private Folio[] folios;
    private byte[] copy;

    /**
     * Made by JMH.
     */
    public FolioBenchmark()
    {
    }

    /**
     * Format a sparse memory file with room for the batch and the metadata, boot it and allocate the
     * batch, each folio holding its number in its first 8 bytes.
     */
    @Setup(Level.Trial)
    public void setUp()
    {
        final long folioBytes = 4096L << order;
        file = ShmFile.format("folio-" + order, BATCH * folioBytes + (64L << 20), false);
        pkram = Pkram.boot(ShmFile.options(file, 0));
        folios = new Folio[BATCH];
        for (int i = 0; i < BATCH; i++)
        {
            folios[i] = pkram.allocFolio(order);
            folios[i].buffer().putLong(0, i, ByteOrder.LITTLE_ENDIAN);
        }
        copy = new byte[(int)folioBytes];
    }

    /**
     * Check the batch came through intact, free it, reboot and delete the file.
     */
    @TearDown(Level.Trial)
    public void tearDown()
    {
        try
        {
            // Folios that went through a load carry their mapping index; fresh ones index 0.
            final boolean cycled = folios[BATCH - 1].index() != 0;
            for (int i = 0; i < BATCH; i++)
            {
                final long value = folios[i].buffer().getLong(0, ByteOrder.LITTLE_ENDIAN);
                final long index = cycled ? (long)i << order : 0;
                if (value != i || folios[i].index() != index)
                {
                    throw new IllegalStateException("folio " + i + " came back wrong: " + folios[i] + " holds " +
                        value);
                }
                pkram.freeFolio(folios[i]);
            }
            pkram.close();
        }
        finally
        {
            ShmFile.delete(file);
        }
    }

    /**
     * Save the batch by reference into a new node and load it back in place.
     *
     * @return the sum of the loaded pfns, so the work cannot be eliminated.
     */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long saveLoadByReference()
    {
        return cycle(false);
    }

    /**
     * As {@link #saveLoadByReference()}, but each loaded folio's view is taken (and its first word read), as a
     * service that works on its folios does: every save then registers the view with its node, and every
     * finished load detaches the views of the node's folios. The difference from
     * {@link #saveLoadByReference()} is the cost of keeping stale views harmless, plus reading one word of
     * each page.
     *
     * @return the sum of the loaded pfns and first words, so the work cannot be eliminated.
     */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long saveLoadByReferenceWithViews()
    {
        return cycle(true);
    }

    private long cycle(final boolean takeViews)
    {
        final Folio[] batch = folios;
        final long pagesPerFolio = 1L << order;
        final NodeSave save = pkram.prepareSave(NODE);
        final ObjSave out = save.prepareSaveObj(DataKind.FOLIOS);
        for (int i = 0; i < BATCH; i++)
        {
            out.saveFolio(batch[i], i * pagesPerFolio);
        }
        save.finish();

        long sum = 0;
        final NodeLoad load = pkram.prepareLoad(NODE);
        final ObjLoad in = load.prepareLoadObj();
        for (int i = 0; i < BATCH; i++)
        {
            final Folio folio = in.loadFolio();
            if (folio == null)
            {
                throw new IllegalStateException("folio stream ended early: loaded=" + i);
            }
            batch[i] = folio;
            sum += folio.pfn();
            if (takeViews)
            {
                sum += folio.buffer().getLong(0, ByteOrder.LITTLE_ENDIAN);
            }
        }
        load.finish();
        return sum;
    }

    /**
     * Baseline: copy each folio of the batch out to a heap array of the folio's size.
     *
     * @return a byte of the last copy, so the copies cannot be eliminated.
     */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long copyBaseline()
    {
        final Folio[] batch = folios;
        final byte[] dst = copy;
        long check = 0;
        for (int i = 0; i < BATCH; i++)
        {
            batch[i].buffer().getBytes(0, dst, 0, dst.length);
            check += dst[i & 7];
        }
        return check;
    }
}
