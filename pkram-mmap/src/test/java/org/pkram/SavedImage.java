package org.pkram;

import org.pkram.testing.Fnv1a64;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import static org.pkram.testing.SplitMix64.mix;

/**
 * A test's own record of what it saved, kept beside the library and never read back from it: per node
 * (in chain order, newest first), its objects in save order, each folio's pfn, order, index and the digest
 * of the content the test wrote into it, and each byte stream's length and digest. The C walker's output
 * is judged against this record ({@link KernelWalkCheck}), so a library that agrees with itself but not
 * with what was saved fails.
 * <p>
 * The save helpers write deterministic content: a folio saved at {@code index} with {@code seed} holds,
 * at byte offset {@code i} (a multiple of 8), the little-endian long {@code mix(seed, index * 4096 + i)}.
 */
final class SavedImage
{
    /** {@code PKRAM_LINK_ENTRIES_MAX} of the v3 struct: (4096 - 16) / 8. */
    static final int LINK_ENTRIES_MAX = 510;

    static final int PAGE_SIZE = 4096;

    /** A pfn the test does not know: a folio copied into pages the library chose. */
    static final long PFN_CHOSEN_BY_LIBRARY = -1;

    /**
     * One folio entry as saved.
     *
     * @param pfn   its first page, or {@link #PFN_CHOSEN_BY_LIBRARY} for a copy.
     * @param order its order.
     * @param index its mapping index.
     * @param fnv   FNV-1a of its 4096 << order bytes as written by the test.
     */
    record SavedFolio(long pfn, int order, long index, long fnv)
    {
    }

    /**
     * A link of a folio stream as the kernel's rule builds it from the saved folios.
     *
     * @param index   the index of entry 0.
     * @param entries the folios, in order.
     */
    record ExpectedLink(long index, List<SavedFolio> entries)
    {
    }

    static final class Obj
    {
        final boolean hasFolios;
        final boolean hasBytes;
        final List<SavedFolio> folios = new ArrayList<>();
        private final Fnv1a64 bytesFnv = new Fnv1a64();
        private long dataLen;

        Obj(final boolean hasFolios, final boolean hasBytes)
        {
            this.hasFolios = hasFolios;
            this.hasBytes = hasBytes;
        }

        long dataLen()
        {
            return dataLen;
        }

        long bytesFnv()
        {
            return bytesFnv.digest();
        }

        long bytePages()
        {
            return (dataLen + PAGE_SIZE - 1) / PAGE_SIZE;
        }

        /**
         * @return the folio stream's links by the rule of {@code __pkram_save_page}: a new link when there is
         *         none, when the current one holds 510 entries, or when the folio's index is not the next one.
         */
        List<ExpectedLink> folioLinks()
        {
            final List<ExpectedLink> links = new ArrayList<>();
            List<SavedFolio> current = null;
            long next = 0;
            for (final SavedFolio folio : folios)
            {
                if (current == null || current.size() == LINK_ENTRIES_MAX || folio.index() != next)
                {
                    current = new ArrayList<>();
                    links.add(new ExpectedLink(folio.index(), current));
                }
                current.add(folio);
                next = folio.index() + (1L << folio.order());
            }
            return links;
        }
    }

    static final class Node
    {
        final String name;
        final long pfn;
        /** In save order; the image holds them newest first (LIFO). */
        final List<Obj> objs = new ArrayList<>();

        Node(final String name, final long pfn)
        {
            this.name = name;
            this.pfn = pfn;
        }
    }

    /** Committed nodes, newest first: the chain a reboot writes. */
    private final List<Node> chain = new ArrayList<>();

    List<Node> chain()
    {
        return chain;
    }

    /**
     * Open node {@code name} for saving and record it (committed by {@link #finish}).
     */
    static Node begin(final NodeSave save)
    {
        return new Node(save.name(), save.pfn());
    }

    static Obj obj(final Node node, final boolean folios, final boolean bytes)
    {
        final Obj obj = new Obj(folios, bytes);
        node.objs.add(obj);
        return obj;
    }

    /**
     * Allocate a folio of {@code order}, fill it with the content of ({@code seed}, {@code index}), save it by
     * reference and record it.
     *
     * @return the folio saved.
     */
    static Folio saveFolio(final Pkram pk, final ObjSave save, final Obj obj, final int order, final long index,
        final long seed)
    {
        final Folio folio = pk.allocFolio(order);
        final Fnv1a64 fnv = new Fnv1a64();
        for (int i = 0; i < folio.byteLength(); i += 8)
        {
            final long value = mix(seed, index * PAGE_SIZE + i);
            folio.buffer().putLong(i, value, ByteOrder.LITTLE_ENDIAN);
            fnv.updateLongLe(value);
        }
        save.saveFolio(folio, index);
        obj.folios.add(new SavedFolio(folio.pfn(), order, index, fnv.digest()));
        return folio;
    }

    /**
     * @return the digest of the content {@link #saveFolio} writes for ({@code seed}, {@code index}, order).
     */
    static long folioFnv(final long seed, final long index, final int order)
    {
        final Fnv1a64 fnv = new Fnv1a64();
        for (long i = 0; i < (long)PAGE_SIZE << order; i += 8)
        {
            fnv.updateLongLe(mix(seed, index * PAGE_SIZE + i));
        }
        return fnv.digest();
    }

    /**
     * Save {@code data} by copy (the library picks order-0 pages, the last one zero-filled) and record it.
     */
    static void saveCopy(final ObjSave save, final Obj obj, final byte[] data, final long index)
    {
        save.saveFolio(data, index);
        for (int page = 0; page * PAGE_SIZE < data.length; page++)
        {
            final int from = page * PAGE_SIZE;
            final int length = Math.min(PAGE_SIZE, data.length - from);
            final long fnv = new Fnv1a64().update(data, from, length).updateZeros(PAGE_SIZE - length).digest();
            obj.folios.add(new SavedFolio(PFN_CHOSEN_BY_LIBRARY, 0, index + page, fnv));
        }
    }

    static void write(final ObjSave save, final Obj obj, final byte[] data)
    {
        save.write(data, 0, data.length);
        obj.bytesFnv.update(data, 0, data.length);
        obj.dataLen += data.length;
    }

    /**
     * Finish the save ({@code pkram_finish_save}): the node heads the chain.
     */
    void finish(final NodeSave save, final Node node)
    {
        save.finish();
        chain.addFirst(node);
    }

    /**
     * A node was loaded to the end: it left the image.
     */
    void loaded(final String name)
    {
        if (!chain.removeIf(node -> node.name.equals(name)))
        {
            throw new IllegalStateException("not saved: " + name);
        }
    }

    /**
     * {@link Pkram#truncate()} with nothing open: every committed node left the image.
     */
    void truncated()
    {
        chain.clear();
    }
}
