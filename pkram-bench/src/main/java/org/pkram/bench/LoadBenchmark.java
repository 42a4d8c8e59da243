package org.pkram.bench;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

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
import org.pkram.FolioCursor;
import org.pkram.NodeLoad;
import org.pkram.NodeSave;
import org.pkram.ObjLoad;
import org.pkram.ObjSave;
import org.pkram.Pkram;

/**
 * Loading a booted image's folios, without the boot: {@link Pkram#prepareLoad}, {@link ObjLoad#loadFolio()} of
 * every folio and the finish, against the floor measured in the same run: reading the same link entries once
 * from pages already touched, as a boot leaves them ({@link #linkEntriesBaseline()}, no pkram code).
 * <p>
 * One node of one object of {@code sizeMiB × 256} order-0 folios, built once per trial. The set-up of each
 * invocation, unmeasured, boots the image (for {@link #load()}) or maps the file and reads the link pages once
 * (for the baseline); the tear-down saves the loaded folios back by reference and reboots. With
 * {@code -prof gc}, {@code gc.alloc.rate.norm} divided by the folios is the bytes allocated per folio loaded.
 */
@BenchmarkMode(Mode.SingleShotTime)
@Warmup(iterations = 5)
@Measurement(iterations = 10)
@Fork(jvmArgsPrepend = BenchFlags.HEAP)
public class LoadBenchmark extends BaseBenchmark
{
    private static final String NODE = "values";

    /** Preserved data in MiB, all in order-0 folios: 4096 is 1M folios. */
    @Param({"4096"})
    int sizeMiB;

    private Path file;
    private long superBlockPfn;
    private int count;
    private Folio[] held;
    private Pkram pkram;
    private Arena mapping;
    private MetadataWalk walk;
    private long head;
    private long check;
    private boolean live;

    /**
     * Made by JMH.
     */
    public LoadBenchmark()
    {
    }

    /**
     * Build the image: {@code sizeMiB × 256} order-0 folios saved by reference at indices 0.., then reboot.
     */
    @Setup(Level.Trial)
    public void build()
    {
        count = sizeMiB * 256;
        held = new Folio[count];
        file = ShmFile.format("load-" + sizeMiB, (sizeMiB + 256L) << 20, false);
        final Pkram image = Pkram.boot(ShmFile.options(file, 0));
        try (NodeSave save = image.prepareSave(NODE); ObjSave obj = save.prepareSaveObj(DataKind.FOLIOS))
        {
            for (int i = 0; i < count; i++)
            {
                obj.saveFolio(image.allocFolio(0), i);
            }
            obj.finish();
            save.finish();
        }
        image.close();
        superBlockPfn = image.superBlockPfn();
    }

    /**
     * Unmeasured: boot, or map the file and read its link pages once, as the method about to run needs.
     *
     * @param params which method runs.
     * @throws IOException when the file cannot be mapped.
     */
    @Setup(Level.Invocation)
    public void prepare(final BenchmarkParams params) throws IOException
    {
        check = -1;
        if (params.getBenchmark().endsWith(".load") || params.getBenchmark().endsWith(".liveCursor"))
        {
            pkram = Pkram.boot(ShmFile.options(file, superBlockPfn));
            return;
        }
        mapping = Arena.ofShared();
        final MemorySegment memory;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ))
        {
            memory = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), mapping);
        }
        walk = new MetadataWalk(memory);
        head = walk.firstFolioStream(superBlockPfn, 0);
        walk.linkEntries(head);
    }

    /**
     * Load every folio of the node in place: the handle per folio is kept, as a caller that uses them keeps it.
     *
     * @return the sum of the folios' indices.
     */
    @Benchmark
    public long load()
    {
        long sum = 0;
        int i = 0;
        try (NodeLoad load = pkram.prepareLoad(NODE))
        {
            final ObjLoad obj = load.prepareLoadObj();
            Folio folio;
            while ((folio = obj.loadFolio()) != null)
            {
                held[i++] = folio;
                sum += folio.index();
            }
            obj.finish();
            load.finish();
        }
        check = sum;
        return sum;
    }

    /**
     * Visit every folio of the node in place through the folio cursor of a live handle: no object per folio, and
     * nothing consumed (the service's path).
     *
     * @return the sum of the folios' indices.
     */
    @Benchmark
    public long liveCursor()
    {
        long sum = 0;
        try (NodeLoad live = pkram.openLive(NODE))
        {
            final FolioCursor cursor = live.prepareLoadObj().folioCursor();
            while (cursor.next())
            {
                sum += cursor.index();
            }
        }
        check = sum;
        live = true;
        return sum;
    }

    /**
     * The floor: read the node's link entries once, from pages already touched, checking nothing.
     *
     * @return the sum of the entries.
     */
    @Benchmark
    public long linkEntriesBaseline()
    {
        final long entriesBefore = walk.entries();
        final long sum = walk.linkEntries(head);
        check = walk.entries() - entriesBefore;
        return sum;
    }

    /**
     * Unmeasured: check the result; save the loaded folios back by reference and reboot, or unmap.
     */
    @TearDown(Level.Invocation)
    public void restore()
    {
        if (mapping != null)
        {
            mapping.close();
            mapping = null;
            if (check != count)
            {
                throw new IllegalStateException("the baseline read " + check + " entries, not " + count);
            }
            return;
        }
        if (check != (long)count * (count - 1) / 2)
        {
            throw new IllegalStateException("the load gave back the wrong folios: index sum " + check);
        }
        if (live)
        {
            // Nothing was consumed: an orderly reboot is all there is to undo.
            live = false;
            pkram.close();
            superBlockPfn = pkram.superBlockPfn();
            pkram = null;
            return;
        }
        try (NodeSave save = pkram.prepareSave(NODE); ObjSave obj = save.prepareSaveObj(DataKind.FOLIOS))
        {
            for (int i = 0; i < count; i++)
            {
                obj.saveFolio(held[i], held[i].index());
                held[i] = null;
            }
            obj.finish();
            save.finish();
        }
        pkram.close();
        superBlockPfn = pkram.superBlockPfn();
        pkram = null;
    }

    /**
     * Close what a failed invocation left and delete the memory file.
     */
    @TearDown(Level.Trial)
    public void removeFile()
    {
        ShmFile.release(mapping, pkram, file);
        mapping = null;
        pkram = null;
    }
}
