package org.pkram.bench;

import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.agrona.MutableDirectBuffer;
import org.pkram.DataKind;
import org.pkram.Folio;
import org.pkram.NodeLoad;
import org.pkram.NodeSave;
import org.pkram.ObjLoad;
import org.pkram.ObjSave;
import org.pkram.Pkram;
import org.pkram.PkramOptions;

/**
 * pkram: the values are order-0 folios saved by reference in one node of one object; the state is
 * the memory file (sparse, 64 MiB larger than the values) and the super block pfn.
 * <p>
 * Restart to ready is {@link Pkram#boot} from the pfn, {@link Pkram#prepareLoad} and
 * {@link ObjLoad#loadFolio()} of every folio (reading its first 8 bytes in place when warm; only indexing
 * the folio when ready to serve), then {@link NodeLoad#finish()}. Loading consumes the node, so {@link #shutDown()} saves the same folios
 * again by reference into a node of the same name and reboots ({@link Pkram#close()}): that part is
 * not measured, as a process's own save-and-exit is not part of the next process's start.
 */
final class PkramState implements RestartState
{
    /** Memory file beyond the values: the node, object and link pages, and slack. */
    static final long SLACK = 64L << 20;

    private static final String NODE = "values";

    private Path file;
    private long pfn;
    private Pkram pkram;
    private final List<Folio> folios = new ArrayList<>();
    private long[] valuePfns = new long[0];

    @Override
    public void build(final Path dir, final int count)
    {
        file = dir.resolve("pkram.mem");
        Pkram.format(file, (long)count * VALUE_SIZE + SLACK, false);
        final byte[] template = RestartState.template();
        valuePfns = new long[count];
        try (Pkram fresh = Pkram.boot(PkramOptions.of(file).shutdownHook(false)))
        {
            try (NodeSave node = fresh.prepareSave(NODE); ObjSave obj = node.prepareSaveObj(DataKind.FOLIOS))
            {
                for (int i = 0; i < count; i++)
                {
                    final Folio folio = fresh.allocFolio(0);
                    final MutableDirectBuffer buffer = folio.buffer();
                    buffer.putBytes(0, template);
                    buffer.putLong(0, i, ByteOrder.LITTLE_ENDIAN);
                    obj.saveFolio(folio, i);
                    valuePfns[i] = folio.pfn();
                }
                obj.finish();
                node.finish();
            }
            pfn = fresh.superBlockPfn();
        }
    }

    /**
     * @return the memory file {@link #build(Path, int)} wrote.
     */
    Path file()
    {
        return file;
    }

    /**
     * @return the pfn of each value's page, by value index, as {@link #build(Path, int)} allocated them.
     */
    long[] valuePfns()
    {
        return valuePfns;
    }

    @Override
    public void adopt(final Path dir, final int count, final String handover)
    {
        file = dir.resolve("pkram.mem");
        pfn = Long.parseUnsignedLong(handover, 16);
    }

    @Override
    public String handover()
    {
        return Long.toHexString(pfn);
    }

    @Override
    public long restartToReady(final Ready ready)
    {
        pkram = Pkram.boot(PkramOptions.of(file).superBlockPfn(pfn).shutdownHook(false));
        final boolean warm = ready == Ready.WARM;
        long sum = 0;
        try (NodeLoad node = pkram.prepareLoad(NODE))
        {
            ObjLoad obj;
            while ((obj = node.prepareLoadObj()) != null)
            {
                Folio folio;
                while ((folio = obj.loadFolio()) != null)
                {
                    if (warm)
                    {
                        sum += folio.buffer().getLong(0, ByteOrder.LITTLE_ENDIAN);
                    }
                    folios.add(folio);
                }
                obj.finish();
            }
            node.finish();
        }
        return warm ? sum : folios.size();
    }

    @Override
    public void shutDown()
    {
        if (pkram == null)
        {
            return;
        }
        try (NodeSave node = pkram.prepareSave(NODE); ObjSave obj = node.prepareSaveObj(DataKind.FOLIOS))
        {
            for (final Folio folio : folios)
            {
                obj.saveFolio(folio, folio.index());
            }
            obj.finish();
            node.finish();
        }
        folios.clear();
        pkram.close();
        pfn = pkram.superBlockPfn();
        pkram = null;
    }

    @Override
    public void delete()
    {
        if (pkram != null)
        {
            pkram.close();
            pkram = null;
        }
    }
}
