package org.pkram.crash;

import org.agrona.MutableDirectBuffer;
import org.pkram.DataKind;
import org.pkram.Folio;
import org.pkram.NodeLoad;
import org.pkram.NodeSave;
import org.pkram.ObjLoad;
import org.pkram.ObjSave;
import org.pkram.Pkram;
import org.pkram.boot.NodeEntry;
import org.pkram.layout.LinkDescriptor;
import org.pkram.layout.Pfn;
import org.pkram.testing.SplitMix64;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.zip.CRC32C;

import static org.pkram.testing.SplitMix64.mix;

/**
 * Checksummed node content for the crash tests. Everything a node holds is derived from one seed: one
 * to three data objects (folios of orders 0..3 with index gaps, and/or a byte stream of up to three
 * pages), in one node in eight an object of 511..1020 folios (more than a link holds, so the save rolls
 * over to a new link), then a header object (saved last, so loaded first) recording the node's name, version and
 * seed under a CRC. A loader reads the header, regenerates the layout from the seed and checks every
 * folio (order, index, each word) and every byte, so any process can verify a node it did not save.
 */
final class CrashContent
{
    private static final long MAGIC = 0x3148534152434B50L; // "PKCRASH1", little-endian
    private static final int MAX_OBJS = 3;
    private static final int MAX_FOLIOS = 6;
    private static final int MAX_ORDER = 3;
    /** One node in this many gets an object of more folios than a link holds, so its save rolls links over. */
    private static final int ROLLOVER_ONE_IN = 8;

    /** One data object of a node: what it holds, in save order. */
    record ObjSpec(int[] orders, long[] indexes, int byteLength, long bytesSeed)
    {
        boolean hasFolios()
        {
            return orders.length > 0;
        }

        boolean hasBytes()
        {
            return byteLength > 0;
        }

        int folioPages()
        {
            int pages = 0;
            for (final int order : orders)
            {
                pages += 1 << order;
            }
            return pages;
        }

        /** Folio links: a new one at the start and wherever the next index is not the expected one. */
        int folioLinks()
        {
            int links = 0;
            int inLink = 0;
            long next = -1;
            for (int i = 0; i < orders.length; i++)
            {
                if (i == 0 || indexes[i] != next || inLink == LinkDescriptor.ENTRIES_MAX)
                {
                    links++;
                    inLink = 0;
                }
                inLink++;
                next = indexes[i] + (1L << orders[i]);
            }
            return links;
        }

        int bytePages()
        {
            return (byteLength + Pfn.PAGE_SIZE - 1) / Pfn.PAGE_SIZE;
        }

        /** More folios than one link holds: the save starts a new link when the first is full. */
        boolean rollsOver()
        {
            return orders.length > LinkDescriptor.ENTRIES_MAX;
        }
    }

    /** What a load found: the header's version and seed, and the folios kept (by object, save order). */
    record Loaded(long version, long seed, Folio[][] kept)
    {
    }

    /** How a load treats the folios it is handed. */
    enum FolioUse
    {
        /** Free each folio as soon as it is checked (deferred by the library until the load finishes). */
        FREE_AT_ONCE,
        /** Free every folio after the load finished. */
        FREE_AFTER_FINISH,
        /** Keep them (in {@link Loaded#kept()}) to save them again in another node. */
        KEEP
    }

    /** A content mismatch: what the node held is not what was saved. */
    static final class BadContentException extends RuntimeException
    {
        private static final long serialVersionUID = 1L;

        BadContentException(final String message)
        {
            super(message);
        }
    }

    private CrashContent()
    {
    }

    /**
     * @param seed the node's content seed.
     * @return its data objects, in save order.
     */
    static List<ObjSpec> spec(final long seed)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        final int objs = 1 + random.nextInt(MAX_OBJS);
        final List<ObjSpec> specs = new ArrayList<>(objs);
        for (int j = 0; j < objs; j++)
        {
            final int kind = random.nextInt(3); // 0 folios and bytes, 1 folios only, 2 bytes only
            final int folios = kind == 2 ? 0 : 1 + random.nextInt(MAX_FOLIOS);
            final int[] orders = new int[folios];
            final long[] indexes = new long[folios];
            long index = random.nextInt(16);
            for (int i = 0; i < folios; i++)
            {
                orders[i] = random.nextInt(MAX_ORDER + 1);
                if (random.nextInt(3) == 0)
                {
                    index += 1 + random.nextInt(5); // a gap: the next folio starts a new link
                }
                indexes[i] = index;
                index += 1L << orders[i];
            }
            final int byteLength = kind == 1 ? 0 : 1 + random.nextInt(3 * Pfn.PAGE_SIZE);
            specs.add(new ObjSpec(orders, indexes, byteLength, random.nextLong()));
        }
        if (random.nextInt(ROLLOVER_ONE_IN) == 0)
        {
            // 511..1020 order-0 folios, one index gap somewhere: links roll over at 510 entries and at the gap.
            final int folios = LinkDescriptor.ENTRIES_MAX + 1 + random.nextInt(LinkDescriptor.ENTRIES_MAX);
            final int gapAt = random.nextInt(folios);
            final int[] orders = new int[folios];
            final long[] indexes = new long[folios];
            long index = random.nextInt(16);
            for (int i = 0; i < folios; i++)
            {
                index += i == gapAt ? 1 + random.nextInt(5) : 0;
                indexes[i] = index++;
            }
            specs.add(new ObjSpec(orders, indexes, 0, random.nextLong()));
        }
        return specs;
    }

    /**
     * @return true when a node of this seed has an object whose folio stream rolls over to a second link.
     */
    static boolean rollsOver(final long seed)
    {
        for (final ObjSpec obj : spec(seed))
        {
            if (obj.rollsOver())
            {
                return true;
            }
        }
        return false;
    }

    /**
     * @return pages a committed node of this seed and name occupies in the image: node, objs, links, folios
     *         and byte pages.
     */
    static long pages(final String name, final long seed)
    {
        long pages = 1; // node page
        for (final ObjSpec obj : spec(seed))
        {
            pages += 1 + obj.folioPages() + obj.folioLinks() + obj.bytePages() + byteLinks(obj.bytePages());
        }
        final int headerPages = (header(name, 0, seed).length + Pfn.PAGE_SIZE - 1) / Pfn.PAGE_SIZE;
        return pages + 1 + headerPages + byteLinks(headerPages);
    }

    /**
     * Compare what the image's walk found for a node with what its seed says: null when they agree.
     */
    static String checkEntry(final NodeEntry entry, final long seed)
    {
        final List<ObjSpec> specs = spec(seed);
        long folios = 0;
        long folioPages = 0;
        final int headerLength = header(entry.name(), 0, seed).length;
        long dataLen = headerLength;
        long links = byteLinks((headerLength + Pfn.PAGE_SIZE - 1) / Pfn.PAGE_SIZE);
        for (final ObjSpec obj : specs)
        {
            folios += obj.orders().length;
            folioPages += obj.folioPages();
            dataLen += obj.byteLength();
            links += obj.folioLinks() + byteLinks(obj.bytePages());
        }
        final String found = "objs=" + entry.objs() + " folios=" + entry.folios() + " folioPages=" +
            entry.folioPages() + " dataLen=" + entry.dataLen() + " links=" + entry.links();
        final String expected = "objs=" + (specs.size() + 1) + " folios=" + folios + " folioPages=" + folioPages +
            " dataLen=" + dataLen + " links=" + links;
        return found.equals(expected) ? null : entry.name() + ": walk found " + found + ", seed says " + expected;
    }

    private static int byteLinks(final int bytePages)
    {
        return (bytePages + LinkDescriptor.ENTRIES_MAX - 1) / LinkDescriptor.ENTRIES_MAX;
    }

    /**
     * Save a node, or discard it half way.
     *
     * @param pk        where.
     * @param name      its name.
     * @param version   recorded in the header.
     * @param seed      the content seed.
     * @param reuse     folios to save again (from a load with {@link FolioUse#KEEP} of a node of the same
     *                  seed), or null to allocate and fill new ones.
     * @param discardAt the step (a folio saved or a chunk written) at which to stop and discard, or -1 to
     *                  finish.
     * @param random    choices that do not change the content (chunking, how to discard).
     * @return true when the node was committed.
     */
    static boolean save(
        final Pkram pk,
        final String name,
        final long version,
        final long seed,
        final Folio[][] reuse,
        final int discardAt,
        final SplittableRandom random)
    {
        return save(pk, name, version, seed, reuse, discardAt, random, Runnable::run);
    }

    /**
     * Save a node as {@link #save(Pkram, String, long, long, Folio[][], int, SplittableRandom)}, with its
     * {@code finish()} run through {@code commit} (a workload runs it under a lock, with what it reports).
     *
     * @param commit called once with the action that commits the node; it must run it.
     * @return true when the node was committed.
     */
    static boolean save(
        final Pkram pk,
        final String name,
        final long version,
        final long seed,
        final Folio[][] reuse,
        final int discardAt,
        final SplittableRandom random,
        final Consumer<Runnable> commit)
    {
        final List<ObjSpec> specs = spec(seed);
        int step = 0;
        final NodeSave save = pk.prepareSave(name);
        try
        {
            for (int j = 0; j < specs.size(); j++)
            {
                final ObjSpec spec = specs.get(j);
                final ObjSave obj = spec.hasFolios() && spec.hasBytes() ?
                    save.prepareSaveObj(DataKind.FOLIOS, DataKind.BYTES) :
                    spec.hasFolios() ? save.prepareSaveObj(DataKind.FOLIOS) : save.prepareSaveObj(DataKind.BYTES);
                for (int i = 0; i < spec.orders().length; i++)
                {
                    if (step++ == discardAt)
                    {
                        return discard(save, random);
                    }
                    final Folio folio;
                    if (reuse != null)
                    {
                        folio = reuse[j][i];
                    }
                    else
                    {
                        folio = pk.allocFolio(spec.orders()[i]);
                        fill(folio.buffer(), folio.byteLength(), seed, j, spec.indexes()[i]);
                    }
                    obj.saveFolio(folio, spec.indexes()[i]);
                }
                if (spec.hasBytes())
                {
                    final byte[] bytes = bytes(spec);
                    int done = 0;
                    while (done < bytes.length)
                    {
                        if (step++ == discardAt)
                        {
                            return discard(save, random);
                        }
                        final int chunk = Math.min(bytes.length - done, 1 + random.nextInt(bytes.length));
                        obj.write(bytes, done, chunk);
                        done += chunk;
                    }
                }
                if (random.nextBoolean())
                {
                    obj.finish(); // else the next prepareSaveObj or finish() does it
                }
            }
            if (step == discardAt)
            {
                return discard(save, random);
            }
            try (ObjSave header = save.prepareSaveObj(DataKind.BYTES))
            {
                final byte[] bytes = header(name, version, seed);
                header.write(bytes, 0, bytes.length);
            }
            commit.accept(save::finish);
            return true;
        }
        finally
        {
            save.close(); // discards unless finished; a no-op after finish or discard
        }
    }

    /**
     * @return steps a save of this seed has (the range of {@code discardAt}).
     */
    static int saveSteps(final long seed)
    {
        int steps = 1;
        for (final ObjSpec spec : spec(seed))
        {
            steps += spec.orders().length + (spec.hasBytes() ? 1 : 0);
        }
        return steps;
    }

    private static boolean discard(final NodeSave save, final SplittableRandom random)
    {
        if (random.nextBoolean())
        {
            save.discard();
        }
        else
        {
            save.close();
        }
        return false;
    }

    /**
     * Load node {@code name} and check what it hands out.
     *
     * @param pk        where.
     * @param name      the node.
     * @param use       what to do with the folios.
     * @param stopAfter stop after this many folios and objects and finish the load (the rest is freed), -1
     *                  to read everything (and check that nothing more is there).
     * @return the header's version and seed.
     * @throws BadContentException when a byte differs.
     */
    static Loaded load(final Pkram pk, final String name, final FolioUse use, final int stopAfter)
    {
        return load(pk, pk.prepareLoad(name), name, use, stopAfter);
    }

    /**
     * As {@link #load(Pkram, String, FolioUse, int)}, for a load the caller opened (and this call finishes).
     */
    static Loaded load(final Pkram pk, final NodeLoad opened, final String name, final FolioUse use,
        final int stopAfter)
    {
        final List<Folio> toFree = new ArrayList<>();
        final Loaded loaded;
        try (NodeLoad load = opened)
        {
            loaded = verify(pk, load, name, use, stopAfter, toFree);
        }
        for (final Folio folio : toFree)
        {
            pk.freeFolio(folio);
        }
        return loaded;
    }

    private static Loaded verify(
        final Pkram pk,
        final NodeLoad load,
        final String name,
        final FolioUse use,
        final int stopAfter,
        final List<Folio> toFree)
    {
        int step = 0;
        final long version;
        final long seed;
        try (ObjLoad header = load.prepareLoadObj())
        {
            check(header != null, name, "no header object");
            check(header.loadFolio() == null, name, "header object has folios");
            final byte[] bytes = new byte[(int)header.dataLength()];
            check(readFully(header, bytes), name, "header shorter than its data_len");
            final ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            check(bytes.length > 28 && in.getLong() == MAGIC, name, "header magic");
            version = in.getLong();
            seed = in.getLong();
            check(Arrays.equals(bytes, header(name, version, seed)), name, "header bytes (name or CRC)");
        }
        final List<ObjSpec> specs = spec(seed);
        final Folio[][] kept = new Folio[specs.size()][];
        for (int j = specs.size() - 1; j >= 0; j--)
        {
            if (stopAfter >= 0 && step++ >= stopAfter)
            {
                return new Loaded(version, seed, null);
            }
            final ObjSpec spec = specs.get(j);
            kept[j] = new Folio[spec.orders().length];
            try (ObjLoad obj = load.prepareLoadObj())
            {
                check(obj != null, name, "object " + j + " missing");
                for (int i = 0; i < spec.orders().length; i++)
                {
                    if (stopAfter >= 0 && step++ >= stopAfter)
                    {
                        return new Loaded(version, seed, null);
                    }
                    final Folio folio = obj.loadFolio();
                    check(folio != null, name, "object " + j + ": folio " + i + " missing");
                    check(folio.order() == spec.orders()[i] && folio.index() == spec.indexes()[i], name,
                        "object " + j + ": folio " + i + " is " + folio + ", expected order=" + spec.orders()[i] +
                        " index=" + spec.indexes()[i]);
                    check(matches(folio.buffer(), folio.byteLength(), seed, j, folio.index()), name,
                        "object " + j + ": content of " + folio);
                    switch (use)
                    {
                        case FREE_AT_ONCE -> pk.freeFolio(folio);
                        case FREE_AFTER_FINISH -> toFree.add(folio);
                        case KEEP -> kept[j][i] = folio;
                    }
                }
                check(obj.loadFolio() == null, name, "object " + j + ": more folios than saved");
                check(obj.dataLength() == spec.byteLength(), name, "object " + j + ": data_len " +
                    obj.dataLength() + ", expected " + spec.byteLength());
                if (spec.hasBytes())
                {
                    final byte[] back = new byte[spec.byteLength()];
                    check(readFully(obj, back), name, "object " + j + ": byte stream short");
                    check(Arrays.equals(back, bytes(spec)), name, "object " + j + ": byte stream content");
                }
                final byte[] one = new byte[1];
                check(obj.read(one, 0, 1) == -1, name, "object " + j + ": byte stream longer than data_len");
            }
        }
        check(load.prepareLoadObj() == null, name, "more objects than saved");
        return new Loaded(version, seed, use == FolioUse.KEEP ? kept : null);
    }

    private static boolean readFully(final ObjLoad obj, final byte[] into)
    {
        int done = 0;
        while (done < into.length)
        {
            final int n = obj.read(into, done, into.length - done);
            if (n <= 0)
            {
                return false;
            }
            done += n;
        }
        return true;
    }

    private static void check(final boolean ok, final String name, final String what)
    {
        if (!ok)
        {
            throw new BadContentException("node " + name + ": " + what);
        }
    }

    static byte[] header(final String name, final long version, final long seed)
    {
        final byte[] utf8 = name.getBytes(StandardCharsets.UTF_8);
        final ByteBuffer out = ByteBuffer.allocate(8 + 8 + 8 + 4 + utf8.length + 4).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(MAGIC).putLong(version).putLong(seed).putInt(utf8.length).put(utf8);
        final CRC32C crc = new CRC32C();
        crc.update(out.array(), 0, out.position());
        out.putInt((int)crc.getValue());
        return out.array();
    }

    private static byte[] bytes(final ObjSpec spec)
    {
        final byte[] data = new byte[spec.byteLength()];
        for (int i = 0; i < data.length; i++)
        {
            data[i] = (byte)(mix(spec.bytesSeed(), i >>> 3) >>> ((i & 7) << 3));
        }
        return data;
    }

    private static void fill(final MutableDirectBuffer buffer, final int length, final long seed, final int obj,
        final long index)
    {
        final long stream = stream(seed, obj);
        for (int i = 0; i < length; i += Long.BYTES)
        {
            buffer.putLong(i, mix(stream, index * Pfn.PAGE_SIZE + i));
        }
    }

    private static boolean matches(final MutableDirectBuffer buffer, final int length, final long seed,
        final int obj, final long index)
    {
        final long stream = stream(seed, obj);
        for (int i = 0; i < length; i += Long.BYTES)
        {
            if (buffer.getLong(i) != mix(stream, index * Pfn.PAGE_SIZE + i))
            {
                return false;
            }
        }
        return true;
    }

    /** The content stream of object {@code obj} of a node saved with {@code seed}. */
    private static long stream(final long seed, final int obj)
    {
        return seed + SplitMix64.GOLDEN_GAMMA * (obj + 1);
    }
}
