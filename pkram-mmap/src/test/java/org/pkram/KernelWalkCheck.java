package org.pkram;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Judges a C walk ({@link KernelWalk}) of a sealed image against the test's own record of what it saved
 * ({@link SavedImage}), with the rules of the v3 structs as docs/FORMAT.md states them, not with the
 * library's reading: every field of every struct, every byte of every folio and byte stream (by digest),
 * and the regions list against the pages the walk found.
 */
final class KernelWalkCheck
{
    static final long PKRAM_MAGIC = 0x706B726DL;

    /** {@code PKRAM_REGIONS_LIST_MAX}: (4096 - 16) / 16. */
    static final int REGIONS_LIST_MAX = 255;

    private final SavedImage saved;
    private final KernelWalk walk;
    private final long filePages;
    /** Every page the walk reached, with what it is: each page at most once. */
    private final Map<Long, String> pages = new HashMap<>();

    private KernelWalkCheck(final SavedImage saved, final KernelWalk walk, final long filePages)
    {
        this.saved = saved;
        this.walk = walk;
        this.filePages = filePages;
    }

    /**
     * @param saved     what the test saved and did not load or truncate since.
     * @param walk      the C walker's reading of the sealed image.
     * @param sbPfn     the super block pfn the walker was given.
     * @param filePages pages in the memory file.
     */
    static void check(final SavedImage saved, final KernelWalk walk, final long sbPfn, final long filePages)
    {
        new KernelWalkCheck(saved, walk, filePages).run(sbPfn);
    }

    private void run(final long sbPfn)
    {
        final KernelWalk.Sb sb = walk.sb;
        assertEquals(sbPfn, sb.pfn(), "super block pfn");
        assertEquals(PKRAM_MAGIC, sb.magic(), "super block magic");
        assertEquals(0, sb.pad(), "super block padding (bytes 4..7)");
        claim(sbPfn, 0, "super block");

        final List<SavedImage.Node> chain = saved.chain();
        assertEquals(names(chain), walk.nodes.stream().map(n -> n.name).toList(), "node chain, newest first");
        assertEquals(chain.isEmpty() ? 0 : walk.nodes.getFirst().pfn, sb.nodePfn(), "super block node_pfn");
        for (int i = 0; i < chain.size(); i++)
        {
            final long next = i + 1 < chain.size() ? walk.nodes.get(i + 1).pfn : 0;
            checkNode(chain.get(i), walk.nodes.get(i), next);
        }
        checkRegions(sb);
    }

    private void checkNode(final SavedImage.Node expected, final KernelWalk.Node node, final long nextPfn)
    {
        final String what = "node " + expected.name;
        assertEquals(expected.pfn, node.pfn, what + ": pfn");
        assertEquals(0, node.flags, what + ": flags (committed)");
        assertEquals(0, node.pad, what + ": padding (bytes 4..7)");
        assertEquals(nextPfn, node.nodePfn, what + ": node_pfn (the next node of the chain)");
        assertEquals("0", node.nameTail, what + ": name bytes after the NUL");
        assertEquals(0, node.rest, what + ": bytes 280..4095");
        claim(node.pfn, 0, what);

        // Objects are LIFO: the image holds the last saved first.
        final List<SavedImage.Obj> objs = expected.objs.reversed();
        assertEquals(objs.size(), node.objs.size(), what + ": objects");
        assertEquals(objs.isEmpty() ? 0 : node.objs.getFirst().pfn, node.objPfn, what + ": obj_pfn");
        for (int i = 0; i < objs.size(); i++)
        {
            final long next = i + 1 < objs.size() ? node.objs.get(i + 1).pfn : 0;
            checkObj(what + ", obj " + (objs.size() - 1 - i) + " in save order", objs.get(i), node.objs.get(i), next);
        }
    }

    private void checkObj(final String what, final SavedImage.Obj expected, final KernelWalk.Obj obj,
        final long nextPfn)
    {
        assertEquals(nextPfn, obj.objPfn, what + ": obj_pfn (the next object)");
        assertEquals(0, obj.rest, what + ": bytes 48..4095");
        claim(obj.pfn, 0, what);

        final List<SavedImage.ExpectedLink> links = expected.folioLinks();
        checkChain(what + ": folio stream", obj.folioLinks, links.size(), obj.foliosHead, obj.foliosTail);
        for (int l = 0; l < links.size(); l++)
        {
            final KernelWalk.Link link = obj.folioLinks.get(l);
            final SavedImage.ExpectedLink want = links.get(l);
            final String where = what + ", folio link " + l;
            assertEquals(want.index(), link.index, where + ": index");
            assertEquals(want.entries().size(), link.entries.size(), where + ": entries");
            for (int e = 0; e < want.entries().size(); e++)
            {
                final SavedImage.SavedFolio folio = want.entries().get(e);
                final KernelWalk.Entry entry = link.entries.get(e);
                final String at = where + ", entry " + e + " (index " + folio.index() + ")";
                if (folio.pfn() != SavedImage.PFN_CHOSEN_BY_LIBRARY)
                {
                    assertEquals(folio.pfn(), entry.pfn(), at + ": pfn");
                }
                assertEquals(folio.order(), entry.order(), at + ": order");
                assertEquals(0, entry.flags(), at + ": flags (v3 defines none)");
                assertEquals(String.format("%016x", folio.fnv()), entry.fnv(), at + ": FNV-1a of the whole folio");
                claim(entry.pfn(), entry.order(), at);
            }
        }

        final long bytePages = expected.bytePages();
        final long byteLinks = (bytePages + SavedImage.LINK_ENTRIES_MAX - 1) / SavedImage.LINK_ENTRIES_MAX;
        checkChain(what + ": byte stream", obj.byteLinks, byteLinks, obj.bytesHead, obj.bytesTail);
        for (int l = 0; l < byteLinks; l++)
        {
            final KernelWalk.Link link = obj.byteLinks.get(l);
            final String where = what + ", byte link " + l;
            assertEquals(0, link.index, where + ": index (0 in a byte stream)");
            assertEquals(Math.min(SavedImage.LINK_ENTRIES_MAX, bytePages - (long)l * SavedImage.LINK_ENTRIES_MAX),
                link.entries.size(), where + ": entries");
            for (int e = 0; e < link.entries.size(); e++)
            {
                final KernelWalk.Entry entry = link.entries.get(e);
                assertEquals(0, entry.order(), where + ", entry " + e + ": order");
                assertEquals(0, entry.flags(), where + ", entry " + e + ": flags");
                claim(entry.pfn(), 0, where + ", entry " + e);
            }
        }
        assertEquals(expected.dataLen(), obj.dataLen, what + ": data_len");
        assertEquals(bytePages, obj.bytes.pages(), what + ": byte pages");
        assertEquals(expected.bytesFnv(), obj.bytes.fnv(), what + ": FNV-1a of the byte stream's data_len bytes");
        assertEquals(0, obj.bytes.tail(), what + ": bytes after data_len in the last data page (zeroed pages)");
    }

    /** Head, tail, link_pfn chain, link count, and each link's own page and full-entry bookkeeping. */
    private void checkChain(final String what, final List<KernelWalk.Link> links, final long expectedLinks,
        final long head, final long tail)
    {
        assertEquals(expectedLinks, links.size(), what + ": links");
        assertEquals(links.isEmpty() ? 0 : links.getFirst().pfn, head, what + ": head link pfn");
        assertEquals(links.isEmpty() ? 0 : links.getLast().pfn, tail, what + ": tail link pfn (the last link)");
        for (int l = 0; l < links.size(); l++)
        {
            final KernelWalk.Link link = links.get(l);
            final long next = l + 1 < links.size() ? links.get(l + 1).pfn : 0;
            assertEquals(next, link.linkPfn, what + ", link " + l + ": link_pfn");
            assertEquals(link.entries.size(), link.entryCount, what + ", link " + l + ": entries printed");
            assertTrue(link.entryCount > 0, what + ", link " + l + ": a link holds at least one entry");
            assertEquals(0, link.stray, what + ", link " + l + ": non-zero entries after the first empty one");
            claim(link.pfn, 0, what + ", link " + l);
        }
    }

    /**
     * The regions list: chained by next_pfn, the first page's prev_pfn at the last populated one, every
     * other's at its predecessor; regions ascending maximal runs covering exactly the pages the walk found
     * (the list pages included); as many list pages as {@code pkram_init_regions_list()} sizes.
     */
    private void checkRegions(final KernelWalk.Sb sb)
    {
        final List<KernelWalk.RegionsPage> list = walk.regionsPages;
        assertFalse(list.isEmpty(), "a sealed image has a regions list");
        assertEquals(list.getFirst().pfn, sb.regionListPfn(), "super block region_list_pfn");
        final TreeMap<Long, String> withoutList = new TreeMap<>(pages);
        int lastPopulated = 0;
        boolean emptySeen = false;
        final List<KernelWalk.Region> regions = new ArrayList<>();
        for (int p = 0; p < list.size(); p++)
        {
            final KernelWalk.RegionsPage page = list.get(p);
            final String what = "regions list page " + p;
            assertEquals(p + 1 < list.size() ? list.get(p + 1).pfn : 0, page.nextPfn, what + ": next_pfn");
            if (p > 0)
            {
                assertEquals(list.get(p - 1).pfn, page.prevPfn, what + ": prev_pfn (the previous page)");
            }
            assertEquals(page.regions.size(), page.used, what + ": regions printed");
            assertEquals(0, page.rest, what + ": bytes after the last region");
            if (page.used == 0)
            {
                emptySeen = true;
            }
            else
            {
                assertFalse(emptySeen, what + ": populated after an empty page");
                lastPopulated = p;
            }
            if (p < list.size() - 1 && list.get(p + 1).used > 0)
            {
                assertEquals(REGIONS_LIST_MAX, page.used, what + ": full before the next populated page");
            }
            regions.addAll(page.regions);
            claim(page.pfn, 0, what);
        }
        assertEquals(list.get(lastPopulated).pfn, list.getFirst().prevPfn,
            "first regions list page: prev_pfn (the last populated page)");
        assertEquals(regions.size(), sb.nrRegions(), "super block nr_regions");
        assertEquals(runs(new TreeMap<>(pages)), regions, "regions: maximal ascending runs of the preserved pages");
        assertEquals(listPages(runs(withoutList).size()), list.size(),
            "regions list pages, as pkram_init_regions_list() sizes them");
    }

    /** {@code pkram_init_regions_list()}: ceil(n / 255) pages, n += pages, ceil(n / 255) again. */
    private static long listPages(final long runs)
    {
        final long pages = (runs + REGIONS_LIST_MAX - 1) / REGIONS_LIST_MAX;
        return (runs + pages + REGIONS_LIST_MAX - 1) / REGIONS_LIST_MAX;
    }

    private static List<KernelWalk.Region> runs(final TreeMap<Long, String> pages)
    {
        final List<KernelWalk.Region> runs = new ArrayList<>();
        long start = -1;
        long end = -1;
        for (final long pfn : pages.keySet())
        {
            if (pfn != end)
            {
                if (start >= 0)
                {
                    runs.add(new KernelWalk.Region(start << 12, (end - start) << 12));
                }
                start = pfn;
            }
            end = pfn + 1;
        }
        if (start >= 0)
        {
            runs.add(new KernelWalk.Region(start << 12, (end - start) << 12));
        }
        return runs;
    }

    private void claim(final long pfn, final int order, final String what)
    {
        final long count = 1L << order;
        assertTrue(pfn > 0 && pfn + count <= filePages, what + ": pfn in the file: pfn=0x" + Long.toHexString(pfn));
        assertEquals(0, pfn & (count - 1), what + ": naturally aligned: pfn=0x" + Long.toHexString(pfn));
        for (long p = pfn; p < pfn + count; p++)
        {
            final String before = pages.put(p, what);
            if (before != null)
            {
                fail("page 0x" + Long.toHexString(p) + " referenced twice: as " + before + " and as " + what);
            }
        }
    }

    private static List<String> names(final List<SavedImage.Node> nodes)
    {
        return nodes.stream().map(n -> n.name).toList();
    }
}
