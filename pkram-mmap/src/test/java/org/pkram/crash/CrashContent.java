package org.pkram.crash;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.AtomicBuffer;
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
import java.util.function.IntFunction;
import java.util.zip.CRC32C;

import static org.pkram.testing.SplitMix64.mix;

/**
 * Checksummed node content for the crash tests. A node's layout is derived from one seed: one to three data
 * objects (folios of orders 0..3 with index gaps, and/or a byte stream of up to three pages), in one node in
 * eight an object of 511..1020 folios (more than a link holds, so the save rolls over to a new link), then a
 * header object (saved last, so loaded first) recording the node's name, version and seed under a CRC.
 * <p>
 * Versions are told apart by their content. The byte streams are a function of the seed and the version. Every
 * folio page carries a <em>stamp</em> in its first 8 bytes: {@code writeVersion << 1 | slot}, where
 * {@code writeVersion} is the (run-unique) version of the save, replace or in-place write that wrote the page.
 * The page's body is two slots, bytes 8..2047 and 2048..4095; the slot the stamp names holds words that are a
 * function of the seed, the object, the page's mapping index and the stamp; the other slot is not read. A write
 * in place ({@link #writePage}) fills the other slot first and then publishes it with one 8-byte release store
 * of the new stamp, so a page is always consistent with its stamp, whenever the writer dies (as LMDB flips its
 * meta pages). A page whose stamp does not match its body, or whose stamp is not the one the model expects,
 * is a finding.
 * <p>
 * A node's folio pages are numbered in save order (object 0 first, each folio's pages in order): the same
 * numbering for every version of a node, since a replace keeps the seed and so the layout. A loader reads the
 * header, regenerates the layout from the seed, checks every folio (order, index, each page against its stamp)
 * and every byte, and returns the stamps it read, so any process can verify a node it did not save and the
 * parent decides whether those stamps are the ones the node may hold.
 */
final class CrashContent
{
    private static final long MAGIC = 0x3248534152434B50L; // "PKCRASH2", little-endian
    private static final int MAX_OBJS = 3;
    private static final int MAX_FOLIOS = 6;
    private static final int MAX_ORDER = 3;
    /** One node in this many gets an object of more folios than a link holds, so its save rolls links over. */
    private static final int ROLLOVER_ONE_IN = 8;
    /** The second slot of a page starts here; the first one at byte 8, after the stamp. */
    private static final int SLOT_1 = Pfn.PAGE_SIZE / 2;
    /** An in-place write changes at most this many pages. */
    private static final int MAX_WRITE_PAGES = 32;

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

    /**
     * A node's layout and the numbering of its folio pages.
     *
     * @param objs      the data objects, in save order.
     * @param firstPage per object and folio, the number of the folio's first page.
     * @param pages     folio pages in all.
     */
    record Layout(List<ObjSpec> objs, int[][] firstPage, int pages)
    {
        /** @return the object of page {@code page}, its folio and the page's place in that folio. */
        int[] locate(final int page)
        {
            for (int j = 0; j < objs.size(); j++)
            {
                final int[] first = firstPage[j];
                for (int i = 0; i < first.length; i++)
                {
                    if (page >= first[i] && page < first[i] + (1 << objs.get(j).orders()[i]))
                    {
                        return new int[] {j, i, page - first[i]};
                    }
                }
            }
            throw new IllegalArgumentException("no folio page " + page + " in " + pages);
        }
    }

    /**
     * What a load or a live read found: the header's version and seed, the stamp of every folio page (0 where
     * a partial load did not get), and the folios kept (by object, save order).
     */
    record Loaded(long version, long seed, long[] stamps, boolean complete, Folio[][] kept)
    {
    }

    /** How a load treats the folios it is handed. */
    enum FolioUse
    {
        /** Free each folio as soon as it is checked (deferred by the library until the load finishes). */
        FREE_AT_ONCE,
        /** Free every folio after the load finished. */
        FREE_AFTER_FINISH,
        /** Keep them (in {@link Loaded#kept()}): to save them again in another node, or (live) to write them. */
        KEEP
    }

    /** What a new version does with each folio of the version it replaces. */
    enum Share
    {
        /** Saved again by reference: the two versions share the pages. */
        SHARE,
        /** A new folio with the same bytes (so the same stamps). */
        COPY,
        /** A new folio written anew, stamped with the new version. */
        REWRITE
    }

    /** Where a save takes the folio for object {@code obj}, folio {@code i}. */
    interface FolioSource
    {
        Folio folio(int obj, int i, int order, long index);
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
     * @param seed the node's content seed.
     * @return its layout and folio page numbering.
     */
    static Layout layout(final long seed)
    {
        final List<ObjSpec> objs = spec(seed);
        final int[][] first = new int[objs.size()][];
        int pages = 0;
        for (int j = 0; j < objs.size(); j++)
        {
            final int[] orders = objs.get(j).orders();
            first[j] = new int[orders.length];
            for (int i = 0; i < orders.length; i++)
            {
                first[j][i] = pages;
                pages += 1 << orders[i];
            }
        }
        return new Layout(objs, first, pages);
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

    // ------------------------------------------------------------------------------------------------
    // Stamps: which write a page holds

    /**
     * @param writeVersion the version of the save, replace or write.
     * @param slot         the body slot, 0 or 1.
     * @return the stamp.
     */
    static long stamp(final long writeVersion, final int slot)
    {
        return writeVersion << 1 | slot;
    }

    /**
     * @return the stamps of a node saved anew with {@code version}: every page in slot 0.
     */
    static long[] freshStamps(final long seed, final long version)
    {
        final long[] stamps = new long[layout(seed).pages()];
        Arrays.fill(stamps, stamp(version, 0));
        return stamps;
    }

    /**
     * @return one number for a node's page stamps, for the lines a child prints.
     */
    static long digest(final long[] stamps)
    {
        long digest = stamps.length;
        for (final long stamp : stamps)
        {
            digest = mix(digest, stamp);
        }
        return digest;
    }

    /**
     * @param seed      the node's seed.
     * @param shareSeed the replace's choice seed.
     * @return per folio (objects in save order, folios in order), what the new version does with it.
     */
    static Share[][] shareChoices(final long seed, final long shareSeed)
    {
        final List<ObjSpec> objs = spec(seed);
        final SplittableRandom random = new SplittableRandom(shareSeed);
        // Some replaces share everything, some nothing, most a mix.
        final int mode = random.nextInt(6);
        final Share[][] choices = new Share[objs.size()][];
        for (int j = 0; j < objs.size(); j++)
        {
            choices[j] = new Share[objs.get(j).orders().length];
            for (int i = 0; i < choices[j].length; i++)
            {
                choices[j][i] = switch (mode)
                {
                    case 0 -> Share.SHARE;
                    case 1 -> Share.REWRITE;
                    default -> Share.values()[random.nextInt(Share.values().length)];
                };
            }
        }
        return choices;
    }

    /**
     * @return the stamps of a new version made from a version with {@code old} stamps by {@link #shareChoices}.
     */
    static long[] replacedStamps(final long seed, final long[] old, final long shareSeed, final long newVersion)
    {
        final Layout layout = layout(seed);
        final Share[][] choices = shareChoices(seed, shareSeed);
        final long[] stamps = old.clone();
        for (int j = 0; j < choices.length; j++)
        {
            for (int i = 0; i < choices[j].length; i++)
            {
                if (choices[j][i] == Share.REWRITE)
                {
                    final int first = layout.firstPage()[j][i];
                    Arrays.fill(stamps, first, first + (1 << layout.objs().get(j).orders()[i]), stamp(newVersion, 0));
                }
            }
        }
        return stamps;
    }

    /**
     * @return the folio pages an in-place write of this seed changes, distinct, in the order it writes them.
     */
    static int[] writePages(final long seed, final long writeSeed)
    {
        final int pages = layout(seed).pages();
        if (pages == 0)
        {
            return new int[0];
        }
        final SplittableRandom random = new SplittableRandom(writeSeed);
        final int[] all = new int[pages];
        for (int p = 0; p < pages; p++)
        {
            all[p] = p;
        }
        final int count = 1 + random.nextInt(Math.min(pages, MAX_WRITE_PAGES));
        for (int k = 0; k < count; k++)
        {
            final int pick = k + random.nextInt(pages - k);
            final int t = all[k];
            all[k] = all[pick];
            all[pick] = t;
        }
        return Arrays.copyOf(all, count);
    }

    /**
     * @return the stamp each page of {@code pages} gets from an in-place write of {@code writeVersion} over
     *         pages stamped {@code old}: the other slot.
     */
    static long[] written(final long[] old, final int[] pages, final long writeVersion)
    {
        final long[] stamps = new long[pages.length];
        for (int k = 0; k < pages.length; k++)
        {
            stamps[k] = stamp(writeVersion, 1 - (int)(old[pages[k]] & 1));
        }
        return stamps;
    }

    // ------------------------------------------------------------------------------------------------
    // Image accounting

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

    // ------------------------------------------------------------------------------------------------
    // Saving

    /**
     * @return new folios filled as a save of {@code version} writes them (every page stamped in slot 0).
     */
    static FolioSource fresh(final Pkram pk, final long seed, final long version)
    {
        return (j, i, order, index) ->
        {
            final Folio folio = pk.allocFolio(order);
            fill(folio, seed, j, index, stamp(version, 0));
            return folio;
        };
    }

    /**
     * @return the folios of a new version made from {@code old} (a live read of the version it replaces):
     *         shared, copied or written anew as {@link #shareChoices} says.
     */
    static FolioSource replacing(final Pkram pk, final long seed, final Folio[][] old, final long shareSeed,
        final long newVersion)
    {
        final Share[][] choices = shareChoices(seed, shareSeed);
        return (j, i, order, index) -> switch (choices[j][i])
        {
            case SHARE -> old[j][i];
            case COPY ->
            {
                final Folio copy = pk.allocFolio(order);
                copy.buffer().putBytes(0, old[j][i].buffer(), 0, copy.byteLength());
                yield copy;
            }
            case REWRITE ->
            {
                final Folio folio = pk.allocFolio(order);
                fill(folio, seed, j, index, stamp(newVersion, 0));
                yield folio;
            }
        };
    }

    /**
     * Save a node into {@code save} (from {@link Pkram#prepareSave} or {@link Pkram#prepareReplace}), or discard
     * it half way, with its {@code finish()} run through {@code commit} (a workload runs it under a lock, with
     * what it reports).
     *
     * @param pk        where.
     * @param save      the open save handle; closed here.
     * @param name      its name.
     * @param version   recorded in the header; the byte streams depend on it.
     * @param seed      the content seed.
     * @param folios    where each folio comes from.
     * @param discardAt the step (a folio saved or a chunk written) at which to stop and discard, or -1 to
     *                  finish.
     * @param random    choices that do not change the content (chunking, how to discard).
     * @param commit    called once with the action that commits the node; it must run it.
     * @return true when the node was committed.
     */
    static boolean save(
        final Pkram pk,
        final NodeSave save,
        final String name,
        final long version,
        final long seed,
        final FolioSource folios,
        final int discardAt,
        final SplittableRandom random,
        final Consumer<Runnable> commit)
    {
        return save(pk, save, name, version, seed, folios, null, discardAt, random, commit);
    }

    /**
     * As {@link #save(Pkram, NodeSave, String, long, long, FolioSource, int, SplittableRandom, Consumer)}, for a
     * replace: with {@code carryFrom}, an object's folios are carried in one {@link ObjSave#shareFrom} call from the
     * old version's object ({@code carryFrom.apply(j)}, a live handle's object of the same layout), each folio the
     * source hands out of the old version shared and each other one saved in its place. Half the objects go this
     * way (by the version, so the run's random choices stay what they were), those in which the save is to be
     * discarded never.
     */
    static boolean save(
        final Pkram pk,
        final NodeSave save,
        final String name,
        final long version,
        final long seed,
        final FolioSource folios,
        final IntFunction<ObjLoad> carryFrom,
        final int discardAt,
        final SplittableRandom random,
        final Consumer<Runnable> commit)
    {
        final List<ObjSpec> specs = spec(seed);
        int step = 0;
        try (save)
        {
            for (int j = 0; j < specs.size(); j++)
            {
                final ObjSpec spec = specs.get(j);
                final ObjSave obj = spec.hasFolios() && spec.hasBytes() ?
                    save.prepareSaveObj(DataKind.FOLIOS, DataKind.BYTES) :
                    spec.hasFolios() ? save.prepareSaveObj(DataKind.FOLIOS) : save.prepareSaveObj(DataKind.BYTES);
                final int folioSteps = spec.orders().length;
                final boolean carried = carryFrom != null && folioSteps > 0 &&
                    (discardAt < step || discardAt >= step + folioSteps) && (mix(version, j) & 1) == 0;
                if (carried)
                {
                    final int objIndex = j;
                    obj.shareFrom(carryFrom.apply(j), index ->
                    {
                        final int i = Arrays.binarySearch(spec.indexes(), index);
                        final Folio folio = folios.folio(objIndex, i, spec.orders()[i], index);
                        return folio.state() == Folio.State.SAVED ? null : folio;
                    });
                    step += folioSteps;
                }
                for (int i = 0; i < folioSteps && !carried; i++)
                {
                    if (step++ == discardAt)
                    {
                        return discard(save, random);
                    }
                    obj.saveFolio(folios.folio(j, i, spec.orders()[i], spec.indexes()[i]), spec.indexes()[i]);
                }
                if (spec.hasBytes())
                {
                    final byte[] bytes = bytes(spec, version);
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
        // close() discards unless finished; a no-op after finish or discard
    }

    /**
     * @return data object {@code j} of a node of this seed, through a handle on it that has handed out no object
     *         yet: objects come back newest first, the header, then the last data object down to the first.
     */
    static ObjLoad dataObject(final NodeLoad handle, final long seed, final int j)
    {
        final int objs = spec(seed).size();
        handle.prepareLoadObj(); // the header
        for (int k = objs - 1; k > j; k--)
        {
            handle.prepareLoadObj();
        }
        return handle.prepareLoadObj();
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

    // ------------------------------------------------------------------------------------------------
    // Loading and reading

    /**
     * Load node {@code name}, check what it hands out, finish the load.
     *
     * @param pk        where.
     * @param name      the node.
     * @param use       what to do with the folios.
     * @param stopAfter stop after this many folios and objects and finish the load (the rest is freed), -1
     *                  to read everything (and check that nothing more is there).
     * @return the header's version and seed, the stamps read.
     * @throws BadContentException when a byte differs (the load is then aborted).
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
            loaded = verify(pk, load, name, use, stopAfter, toFree, null);
            load.finish();
        }
        for (final Folio folio : toFree)
        {
            pk.freeFolio(folio);
        }
        return loaded;
    }

    /**
     * Read a node through a handle that the caller keeps open and closes (a live handle, or a load to abort),
     * checking everything it reads; the folios are kept.
     *
     * @param views     collects the view of every folio read, or null.
     * @param stopAfter as for a load, -1 to read everything.
     */
    static Loaded read(final Pkram pk, final NodeLoad handle, final String name, final int stopAfter,
        final List<MutableDirectBuffer> views)
    {
        return verify(pk, handle, name, FolioUse.KEEP, stopAfter, new ArrayList<>(), views);
    }

    private static Loaded verify(
        final Pkram pk,
        final NodeLoad load,
        final String name,
        final FolioUse use,
        final int stopAfter,
        final List<Folio> toFree,
        final List<MutableDirectBuffer> views)
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
        final Layout layout = layout(seed);
        final List<ObjSpec> specs = layout.objs();
        final long[] stamps = new long[layout.pages()];
        final Folio[][] kept = new Folio[specs.size()][];
        for (int j = specs.size() - 1; j >= 0; j--)
        {
            if (stopAfter >= 0 && step++ >= stopAfter)
            {
                return new Loaded(version, seed, stamps, false, null);
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
                        return new Loaded(version, seed, stamps, false, null);
                    }
                    final Folio folio = obj.loadFolio();
                    check(folio != null, name, "object " + j + ": folio " + i + " missing");
                    check(folio.order() == spec.orders()[i] && folio.index() == spec.indexes()[i], name,
                        "object " + j + ": folio " + i + " is " + folio + ", expected order=" + spec.orders()[i] +
                        " index=" + spec.indexes()[i]);
                    final MutableDirectBuffer buffer = folio.buffer();
                    if (views != null)
                    {
                        views.add(buffer);
                    }
                    for (int k = 0; k < folio.pageCount(); k++)
                    {
                        final long stamp = checkPage(buffer, k * Pfn.PAGE_SIZE, seed, j, folio.index() + k);
                        check(stamp != 0, name, "object " + j + ": page " + k + " of " + folio +
                            " does not match its stamp 0x" + Long.toHexString(buffer.getLong(k * Pfn.PAGE_SIZE)));
                        stamps[layout.firstPage()[j][i] + k] = stamp;
                    }
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
                    check(Arrays.equals(back, bytes(spec, version)), name, "object " + j +
                        ": byte stream content (not version " + version + "'s)");
                }
                final byte[] one = new byte[1];
                check(obj.read(one, 0, 1) == -1, name, "object " + j + ": byte stream longer than data_len");
            }
        }
        check(load.prepareLoadObj() == null, name, "more objects than saved");
        return new Loaded(version, seed, stamps, true, use == FolioUse.KEEP ? kept : null);
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

    /** A byte stream: a function of the object's seed and the node's version. */
    private static byte[] bytes(final ObjSpec spec, final long version)
    {
        final long stream = mix(spec.bytesSeed(), version);
        final byte[] data = new byte[spec.byteLength()];
        for (int i = 0; i < data.length; i++)
        {
            data[i] = (byte)(mix(stream, i >>> 3) >>> ((i & 7) << 3));
        }
        return data;
    }

    // ------------------------------------------------------------------------------------------------
    // Pages

    private static void fill(final Folio folio, final long seed, final int obj, final long index, final long stamp)
    {
        final AtomicBuffer buffer = (AtomicBuffer)folio.buffer();
        for (int k = 0; k < folio.pageCount(); k++)
        {
            writePage(buffer, k * Pfn.PAGE_SIZE, seed, obj, index + k, stamp);
        }
    }

    /**
     * Write one folio page in place as a service would: the slot {@code stamp} names with the body of that stamp,
     * then the stamp itself with one 8-byte release store. The slot the page's current stamp names is not
     * touched, so the page matches its stamp at every instant.
     *
     * @param buffer    the folio's view.
     * @param at        the page's offset in the folio.
     * @param pageIndex the page's mapping index (the folio's index plus its place in the folio).
     */
    static void writePage(final AtomicBuffer buffer, final int at, final long seed, final int obj,
        final long pageIndex, final long stamp)
    {
        final long body = bodySeed(seed, obj, stamp);
        final int end = slotEnd(stamp);
        for (int b = slotStart(stamp); b < end; b += Long.BYTES)
        {
            buffer.putLong(at + b, mix(body, pageIndex * Pfn.PAGE_SIZE + b));
        }
        buffer.putLongRelease(at, stamp);
    }

    /**
     * @return the page's stamp when the slot it names holds that stamp's body, else 0.
     */
    private static long checkPage(final DirectBuffer buffer, final int at, final long seed, final int obj,
        final long pageIndex)
    {
        final long stamp = buffer.getLong(at);
        if (stamp >>> 1 == 0)
        {
            return 0;
        }
        final long body = bodySeed(seed, obj, stamp);
        final int end = slotEnd(stamp);
        for (int b = slotStart(stamp); b < end; b += Long.BYTES)
        {
            if (buffer.getLong(at + b) != mix(body, pageIndex * Pfn.PAGE_SIZE + b))
            {
                return 0;
            }
        }
        return stamp;
    }

    private static int slotStart(final long stamp)
    {
        return (stamp & 1) == 0 ? Long.BYTES : SLOT_1;
    }

    private static int slotEnd(final long stamp)
    {
        return (stamp & 1) == 0 ? SLOT_1 : Pfn.PAGE_SIZE;
    }

    /** The body stream of a page of object {@code obj} of a node saved with {@code seed}, stamped {@code stamp}. */
    private static long bodySeed(final long seed, final int obj, final long stamp)
    {
        return mix(seed + SplitMix64.GOLDEN_GAMMA * (obj + 1), stamp);
    }
}
