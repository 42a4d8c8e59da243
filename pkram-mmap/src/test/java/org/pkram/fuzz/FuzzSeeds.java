package org.pkram.fuzz;

import org.pkram.DataKind;
import org.pkram.Folio;
import org.pkram.Mode;
import org.pkram.NodeLoad;
import org.pkram.NodeSave;
import org.pkram.ObjLoad;
import org.pkram.ObjSave;
import org.pkram.Pkram;
import org.pkram.PkramOptions;
import org.pkram.layout.SuperBlockDescriptor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The valid images the fuzzer mutates, each built through the public API in a memory file of its own
 * and kept as bytes:
 * <ul>
 * <li>{@code sealed}: crash-safe mode, closed (SEALED): mixed-order folios with index gaps (several
 * links), byte streams, an object with both streams empty, a node without objects, a 255-byte name and a
 * non-ASCII one;</li>
 * <li>{@code live}: a crash-safe process caught alive (LIVE, no regions list) after a committed save and
 * while a load is open (a node with PKRAM_LOAD);</li>
 * <li>{@code kernel-faithful}: kernel-faithful mode, rebooted twice (SEALED written as the kernel does);</li>
 * <li>{@code kernel-v0}: the same with pkram's super block fields cleared, as the kernel itself writes it;</li>
 * <li>{@code fragmented}: preserved pages in hundreds of runs (a regions list of several pages), a full
 * link of 510 entries and an order-10 folio;</li>
 * <li>{@code empty}: an orderly reboot that preserved nothing (all-zero super block);</li>
 * <li>{@code service-sealed}: a service's state, sealed: a node replaced by a version that shares half its folios
 * with the old one (the others copied, the byte streams new), pages of it written in place through a live
 * handle before and after, a load aborted (the node back whole), a node removed;</li>
 * <li>{@code service-live}: that image resumed and caught alive (LIVE): a live handle open on a node written in
 * place, a new version of another node saved (sharing its folios) but not swapped in, a load open.</li>
 * </ul>
 */
final class FuzzSeeds
{
    record Seed(String name, byte[] image, long sbPfn, ImageMap map)
    {
        @Override
        public String toString()
        {
            return name + " (" + (image.length >> 10) + " KiB, sb=0x" + Long.toHexString(sbPfn) + ", " +
                map.pages.size() + " metadata pages)";
        }
    }

    private FuzzSeeds()
    {
    }

    static List<Seed> build(final Path dir)
    {
        final List<Seed> seeds = new ArrayList<>();
        final Seed sealed = sealed(dir.resolve("sealed"));
        seeds.add(sealed);
        seeds.add(live(dir.resolve("live"), sealed));
        final Seed kernelFaithful = kernelFaithful(dir.resolve("kernel-faithful"));
        seeds.add(kernelFaithful);
        seeds.add(kernelV0(kernelFaithful));
        seeds.add(fragmented(dir.resolve("fragmented")));
        seeds.add(empty(dir.resolve("empty")));
        final Seed service = serviceSealed(dir.resolve("service-sealed"));
        seeds.add(service);
        seeds.add(serviceLive(dir.resolve("service-live"), service));
        return seeds;
    }

    static Path format(final Path dir, final long size)
    {
        try
        {
            Files.createDirectories(dir);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        final Path file = dir.resolve("pkram.mem");
        Pkram.format(file, size, false);
        return file;
    }

    static Pkram boot(final Path file, final long pfn, final Mode mode)
    {
        return Pkram.boot(PkramOptions.of(file).superBlockPfn(pfn).mode(mode).shutdownHook(false));
    }

    static Seed sealed(final Path dir)
    {
        final Path file = format(dir, 4L << 20);
        final long pfn;
        try (Pkram pk = boot(file, 0, Mode.CRASH_SAFE))
        {
            saveMixed(pk, "alpha", 1, 14, 9_000);
            saveMixed(pk, "beta", 2, 6, 4_096);
            saveBytes(pk, "ünïcødé-ノード", 3, 300);
            saveBytes(pk, "n".repeat(255), 4, 1);
            try (NodeSave save = pk.prepareSave("odd"))
            {
                save.prepareSaveObj(DataKind.FOLIOS).finish(); // both streams empty
                try (ObjSave obj = save.prepareSaveObj(DataKind.BYTES))
                {
                    obj.write(new byte[] {7}, 0, 1);
                }
                save.finish();
            }
            try (NodeSave save = pk.prepareSave("no-objects"))
            {
                save.finish();
            }
            pfn = pk.superBlockPfn();
        }
        return seed("sealed", file, pfn);
    }

    static Seed live(final Path dir, final Seed sealed)
    {
        final Path file = format(dir, sealed.image().length);
        write(file, sealed.image());
        final Pkram pk = boot(file, sealed.sbPfn(), Mode.CRASH_SAFE);
        try
        {
            saveMixed(pk, "gamma", 5, 5, 5_000);
            pk.prepareLoad("no-objects").finish();
            final NodeLoad load = pk.prepareLoad("alpha");
            final ObjLoad obj = load.prepareLoadObj();
            obj.loadFolio();
            // The process "dies" here: a committed save, a finished load and one still open.
            final Seed seed = seed("live", file, pk.superBlockPfn());
            obj.finish();
            load.finish();
            return seed;
        }
        finally
        {
            pk.close();
        }
    }

    static Seed kernelFaithful(final Path dir)
    {
        final Path file = format(dir, 4L << 20);
        long pfn;
        try (Pkram pk = boot(file, 0, Mode.KERNEL_FAITHFUL))
        {
            saveMixed(pk, "kf-1", 11, 9, 3_000);
            saveMixed(pk, "kf-2", 12, 4, 0);
            saveBytes(pk, "kf-3", 13, 20_000);
            pfn = pk.superBlockPfn();
        }
        try (Pkram pk = boot(file, pfn, Mode.KERNEL_FAITHFUL))
        {
            try (NodeLoad load = pk.prepareLoad("kf-2"))
            {
                ObjLoad obj;
                while ((obj = load.prepareLoadObj()) != null)
                {
                    while (obj.loadFolio() != null)
                    {
                        // drain
                    }
                    obj.finish();
                }
                load.finish(); // consumed: a load closed without finishing would put the node back
            }
            saveMixed(pk, "kf-4", 14, 3, 100);
            pfn = pk.superBlockPfn();
        }
        return seed("kernel-faithful", file, pfn);
    }

    static Seed kernelV0(final Seed kernelFaithful)
    {
        final byte[] image = kernelFaithful.image().clone();
        final long sb = Le.page(kernelFaithful.sbPfn());
        java.util.Arrays.fill(image, (int)(sb + SuperBlockDescriptor.KERNEL_LENGTH),
            (int)(sb + SuperBlockDescriptor.PKRAM_LENGTH), (byte)0);
        return new Seed("kernel-v0", image, kernelFaithful.sbPfn(), ImageMap.decode(image, kernelFaithful.sbPfn()));
    }

    static Seed fragmented(final Path dir)
    {
        final Path file = format(dir, 16L << 20);
        final long pfn;
        try (Pkram pk = boot(file, 0, Mode.CRASH_SAFE))
        {
            final Folio big = pk.allocFolio(10);
            big.buffer().putLong(0, 0x1010);
            final List<Folio> small = new ArrayList<>();
            for (int i = 0; i < 1300; i++)
            {
                small.add(pk.allocFolio(0));
            }
            try (NodeSave save = pk.prepareSave("fragments"))
            {
                try (ObjSave obj = save.prepareSaveObj(DataKind.FOLIOS))
                {
                    obj.saveFolio(big, 1 << 20);
                }
                try (ObjSave obj = save.prepareSaveObj(DataKind.FOLIOS, DataKind.BYTES))
                {
                    for (int i = 0; i < small.size(); i += 2)
                    {
                        small.get(i).buffer().putLong(0, i);
                        obj.saveFolio(small.get(i), i / 2);
                    }
                    obj.write(new byte[100], 0, 100);
                }
                save.finish();
            }
            for (int i = 1; i < small.size(); i += 2)
            {
                pk.freeFolio(small.get(i));
            }
            pfn = pk.superBlockPfn();
        }
        return seed("fragmented", file, pfn);
    }

    static Seed empty(final Path dir)
    {
        final Path file = format(dir, 64L << 10);
        final long pfn;
        try (Pkram pk = boot(file, 0, Mode.CRASH_SAFE))
        {
            pfn = pk.superBlockPfn();
        }
        return seed("empty", file, pfn);
    }

    static Seed serviceSealed(final Path dir)
    {
        final Path file = format(dir, 4L << 20);
        final long pfn;
        try (Pkram pk = boot(file, 0, Mode.CRASH_SAFE))
        {
            saveMixed(pk, "data", 21, 12, 6_000);
            saveMixed(pk, "index", 22, 3, 300);
            saveMixed(pk, "gone", 23, 2, 10);
            writeLive(pk, "data", 0xD1);
            replaceSharing(pk, "data", 24);
            writeLive(pk, "data", 0xD2);
            try (NodeLoad load = pk.prepareLoad("index"))
            {
                load.prepareLoadObj().loadFolio();
                // closed without finish(): aborted, the node is back whole
            }
            pk.remove("gone");
            pfn = pk.superBlockPfn();
        }
        return seed("service-sealed", file, pfn);
    }

    static Seed serviceLive(final Path dir, final Seed serviceSealed)
    {
        final Path file = format(dir, serviceSealed.image().length);
        write(file, serviceSealed.image());
        // Resume, the default: the image the file header names.
        final Pkram pk = Pkram.boot(PkramOptions.of(file).shutdownHook(false));
        try
        {
            saveMixed(pk, "loading", 25, 2, 50);
            final NodeLoad live = pk.openLive("data");
            stampFolios(live, 0xD3);
            final NodeLoad indexLive = pk.openLive("index");
            final NodeSave next = pk.prepareReplace("index");
            saveSharing(pk, indexLive, next, 26);
            final NodeLoad load = pk.prepareLoad("loading");
            load.prepareLoadObj().loadFolio();
            // The process "dies" here: a live handle open, a new version written but not swapped in, a load open.
            final Seed seed = seed("service-live", file, pk.superBlockPfn());
            next.discard();
            indexLive.close();
            live.close();
            load.close();
            return seed;
        }
        finally
        {
            pk.close();
        }
    }

    /** Write every other folio of a node in place through a live handle. */
    static void writeLive(final Pkram pk, final String name, final long salt)
    {
        try (NodeLoad live = pk.openLive(name))
        {
            stampFolios(live, salt);
        }
    }

    private static void stampFolios(final NodeLoad live, final long salt)
    {
        ObjLoad obj;
        int n = 0;
        while ((obj = live.prepareLoadObj()) != null)
        {
            Folio folio;
            while ((folio = obj.loadFolio()) != null)
            {
                if (n++ % 2 == 0)
                {
                    folio.buffer().putLong(8, salt * 1_000 + n);
                }
            }
            obj.finish();
        }
    }

    /** Replace a node with a version that shares every other folio of the old one and copies the rest. */
    static void replaceSharing(final Pkram pk, final String name, final long salt)
    {
        try (NodeLoad live = pk.openLive(name); NodeSave next = pk.prepareReplace(name))
        {
            saveSharing(pk, live, next, salt);
            next.finish();
        }
    }

    /**
     * Save into {@code next} the objects of the live node, in the same order: every other folio shared, the
     * others copied into new folios, each byte stream replaced by new bytes of the same length.
     */
    private static void saveSharing(final Pkram pk, final NodeLoad live, final NodeSave next, final long salt)
    {
        final List<List<Folio>> folios = new ArrayList<>();
        final List<Integer> lengths = new ArrayList<>();
        ObjLoad obj;
        while ((obj = live.prepareLoadObj()) != null)
        {
            final List<Folio> list = new ArrayList<>();
            Folio folio;
            while ((folio = obj.loadFolio()) != null)
            {
                list.add(folio);
            }
            folios.add(list);
            lengths.add((int)obj.dataLength());
            obj.finish();
        }
        int n = 0;
        for (int i = folios.size() - 1; i >= 0; i--)
        {
            final boolean bytes = lengths.get(i) > 0;
            try (ObjSave out = bytes ? next.prepareSaveObj(DataKind.FOLIOS, DataKind.BYTES) :
                next.prepareSaveObj(DataKind.FOLIOS))
            {
                for (final Folio folio : folios.get(i))
                {
                    if (n++ % 2 == 0)
                    {
                        out.saveFolio(folio, folio.index());
                    }
                    else
                    {
                        final Folio copy = pk.allocFolio(folio.order());
                        copy.buffer().putBytes(0, folio.buffer(), 0, copy.byteLength());
                        copy.buffer().putLong(0, salt);
                        out.saveFolio(copy, folio.index());
                    }
                }
                if (bytes)
                {
                    out.write(pattern(salt, lengths.get(i)), 0, lengths.get(i));
                }
            }
        }
    }

    /** A node of folios of orders 0..3 with index gaps (so several links) and a byte stream. */
    static void saveMixed(final Pkram pk, final String name, final long salt, final int folios, final int bytes)
    {
        try (NodeSave save = pk.prepareSave(name))
        {
            try (ObjSave obj = save.prepareSaveObj(DataKind.FOLIOS))
            {
                long index = salt * 100;
                for (int i = 0; i < folios; i++)
                {
                    final int order = (int)((i + salt) % 4);
                    final Folio folio = pk.allocFolio(order);
                    folio.buffer().putLong(0, salt * 1_000 + i);
                    obj.saveFolio(folio, index);
                    index += folio.pageCount() + (i % 4 == 3 ? 5 : 0);
                }
                obj.saveFolio(("copied " + name).getBytes(StandardCharsets.UTF_8), index + 9);
            }
            if (bytes > 0)
            {
                try (ObjSave obj = save.prepareSaveObj(DataKind.BYTES, DataKind.FOLIOS))
                {
                    obj.write(pattern(salt, bytes), 0, bytes);
                    obj.saveFolio(pk.allocFolio(0), 3);
                }
            }
            save.finish();
        }
    }

    static void saveBytes(final Pkram pk, final String name, final long salt, final int bytes)
    {
        try (NodeSave save = pk.prepareSave(name))
        {
            try (ObjSave obj = save.prepareSaveObj(DataKind.BYTES))
            {
                obj.write(pattern(salt, bytes), 0, bytes);
            }
            save.finish();
        }
    }

    static byte[] pattern(final long salt, final int length)
    {
        final byte[] data = new byte[length];
        for (int i = 0; i < length; i++)
        {
            data[i] = (byte)(salt * 31 + i * 7);
        }
        return data;
    }

    private static Seed seed(final String name, final Path file, final long pfn)
    {
        final byte[] image = read(file);
        return new Seed(name, image, pfn, ImageMap.decode(image, pfn));
    }

    static byte[] read(final Path file)
    {
        try
        {
            return Files.readAllBytes(file);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    static void write(final Path file, final byte[] image)
    {
        try (var channel = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE))
        {
            channel.truncate(image.length);
            final java.nio.ByteBuffer buffer = java.nio.ByteBuffer.wrap(image);
            long at = 0;
            while (buffer.hasRemaining())
            {
                at += channel.write(buffer, at);
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
