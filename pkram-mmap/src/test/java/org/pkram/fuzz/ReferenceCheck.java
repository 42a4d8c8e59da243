package org.pkram.fuzz;

import org.pkram.layout.FileHeaderDescriptor;
import org.pkram.layout.LinkDescriptor;
import org.pkram.layout.NodeDescriptor;
import org.pkram.layout.ObjDescriptor;
import org.pkram.layout.Pfn;
import org.pkram.layout.RegionListDescriptor;
import org.pkram.layout.SuperBlockDescriptor;
import org.pkram.mem.PhysMem;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * docs/FORMAT.md as a predicate over a file's bytes, written independently of
 * {@code org.pkram.boot.ImageScanner}: would a boot with {@code pkram=requested} accept this image? The
 * fuzzer requires the boot to agree, both ways: an image the format forbids must be refused, an image it
 * allows must boot.
 * <p>
 * Deliberately not checked, because the format or the library allow it: the super block's generation, the regions fields of a LIVE super block
 * (a crash during a reboot leaves them), a PKRAM_LOAD node in any state (a reboot from the shutdown hook
 * preserves a node being loaded), objects with both streams empty, folio link indices.
 */
final class ReferenceCheck
{
    /**
     * One object as a load will see it, in chain order.
     *
     * @param folioEntries the folio entries in stream order.
     * @param folioIndices the mapping index of each.
     * @param bytePfns     the byte stream's data pages in order.
     */
    record ObjFacts(long folios, long folioPages, long dataLen, boolean empty, long[] folioEntries,
        long[] folioIndices, long[] bytePfns)
    {
        @Override
        public String toString()
        {
            return "{folios=" + folios + ", pages=" + folioPages + ", dataLen=" + dataLen + ", empty=" + empty + "}";
        }
    }

    record NodeFacts(String name, List<ObjFacts> objs)
    {
    }

    /**
     * @param problem null when the image is valid, else the first rule it breaks.
     * @param nodes   the nodes a boot finds (valid images only).
     */
    record Result(String problem, boolean headerProblem, List<NodeFacts> nodes)
    {
        boolean valid()
        {
            return problem == null;
        }
    }

    private static final class Invalid extends RuntimeException
    {
        Invalid(final String message)
        {
            super(message, null, false, false);
        }
    }

    private final byte[] b;
    private final long size;
    private final long pfnCount;
    private final BitSet claimed;
    private final List<NodeFacts> nodes = new ArrayList<>();
    /** The file header passed: what fails later is the image, which dropInvalid may drop. */
    private boolean headerChecked;

    private ReferenceCheck(final byte[] image)
    {
        this.b = image;
        this.size = image.length & ~(long)(Pfn.PAGE_SIZE - 1);
        this.pfnCount = size >>> Pfn.PAGE_SHIFT;
        this.claimed = new BitSet((int)pfnCount);
    }

    static Result check(final byte[] image, final long requested)
    {
        final ReferenceCheck check = new ReferenceCheck(image);
        try
        {
            check.run(requested);
            return new Result(null, false, List.copyOf(check.nodes));
        }
        catch (final Invalid ex)
        {
            return new Result(ex.getMessage(), !check.headerChecked, List.of());
        }
    }

    /**
     * Rewrite the regions list (in its existing pages), {@code nr_regions} and {@code preserved_pages} of a
     * sealed super block so that they match what its node chain references now: after a mutation of the
     * chain, this makes an image whose damage, if any, only the chain walk can find.
     *
     * @return false (and nothing changed) when the chain or the list cannot be walked, or the list pages
     *         cannot hold the runs.
     */
    static boolean reseal(final byte[] image, final long sbPfn)
    {
        final ReferenceCheck check = new ReferenceCheck(image);
        final long sb = Le.page(sbPfn);
        if (sbPfn <= 0 || sbPfn >= check.pfnCount || image.length < Pfn.PAGE_SIZE)
        {
            return false;
        }
        final List<Long> listPages = new ArrayList<>();
        try
        {
            check.claimed.set((int)sbPfn);
            check.walkNodes(Le.u64(image, sb + SuperBlockDescriptor.NODE_PFN_OFFSET));
            long list = Le.u64(image, sb + SuperBlockDescriptor.REGION_LIST_PFN_OFFSET);
            while (list != 0)
            {
                check.claimMeta(list, "regions list");
                listPages.add(list);
                list = Le.u64(image, Le.page(list) + RegionListDescriptor.NEXT_PFN_OFFSET);
            }
        }
        catch (final Invalid ex)
        {
            return false;
        }
        final List<long[]> runs = new ArrayList<>();
        for (int start = check.claimed.nextSetBit(0); start >= 0; )
        {
            final int end = check.claimed.nextClearBit(start);
            runs.add(new long[] {start, end});
            start = check.claimed.nextSetBit(end);
        }
        if (listPages.isEmpty() || runs.size() > (long)listPages.size() * RegionListDescriptor.REGIONS_MAX)
        {
            return false;
        }
        int run = 0;
        long lastPopulated = listPages.get(0);
        for (int p = 0; p < listPages.size(); p++)
        {
            final long at = Le.page(listPages.get(p));
            java.util.Arrays.fill(image, (int)at + RegionListDescriptor.REGIONS_OFFSET, (int)at + Pfn.PAGE_SIZE, (byte)0);
            Le.put64(image, at + RegionListDescriptor.PREV_PFN_OFFSET, p == 0 ? 0 : listPages.get(p - 1));
            for (int i = 0; i < RegionListDescriptor.REGIONS_MAX && run < runs.size(); i++, run++)
            {
                Le.put64(image, at + RegionListDescriptor.regionOffset(i), Le.page(runs.get(run)[0]));
                Le.put64(image, at + RegionListDescriptor.regionOffset(i) + 8,
                    Le.page(runs.get(run)[1] - runs.get(run)[0]));
                lastPopulated = listPages.get(p);
            }
        }
        Le.put64(image, Le.page(listPages.get(0)) + RegionListDescriptor.PREV_PFN_OFFSET, lastPopulated);
        Le.put64(image, sb + SuperBlockDescriptor.NR_REGIONS_OFFSET, runs.size());
        if (Le.u32(image, sb + SuperBlockDescriptor.FORMAT_VERSION_OFFSET) != 0)
        {
            Le.put64(image, sb + SuperBlockDescriptor.PRESERVED_PAGES_OFFSET, check.claimed.cardinality());
        }
        return true;
    }

    private static void require(final boolean rule, final String what)
    {
        if (!rule)
        {
            throw new Invalid(what);
        }
    }

    private void run(final long requested)
    {
        require(b.length >= Pfn.PAGE_SIZE, "file shorter than its header page");
        require(Le.u64(b, FileHeaderDescriptor.MAGIC_OFFSET) == FileHeaderDescriptor.FILE_MAGIC, "header magic");
        require(Le.u32(b, FileHeaderDescriptor.FORMAT_VERSION_OFFSET) == FileHeaderDescriptor.FORMAT_VERSION,
            "header format_version");
        require(Le.u32(b, FileHeaderDescriptor.PAGE_SIZE_OFFSET) == Pfn.PAGE_SIZE, "header page_size");
        final long headerSize = Le.u64(b, FileHeaderDescriptor.FILE_SIZE_OFFSET);
        require(Long.compareUnsigned(headerSize, b.length) <= 0, "file shorter than the header's file_size");
        for (int offset = FileHeaderDescriptor.LENGTH; offset < Pfn.PAGE_SIZE; offset++)
        {
            require(b[offset] == 0, "header reserved bytes not zero");
        }
        require(headerSize >= PhysMem.MIN_SIZE && headerSize % Pfn.PAGE_SIZE == 0, "header file_size impossible");
        headerChecked = true;
        require(Le.u64(b, FileHeaderDescriptor.SUPER_BLOCK_PFN_OFFSET) == requested,
            "pkram= is not the header's super_block_pfn (stale)");
        require(requested > 0 && requested < pfnCount, "super block pfn out of range");
        final long sb = Le.page(requested);
        if (Le.zero(b, sb, sb + Pfn.PAGE_SIZE))
        {
            return; // nothing preserved
        }
        final int magic = Le.u32(b, sb + SuperBlockDescriptor.MAGIC_OFFSET);
        final int version = Le.u32(b, sb + SuperBlockDescriptor.FORMAT_VERSION_OFFSET);
        int state = Le.u32(b, sb + SuperBlockDescriptor.STATE_OFFSET);
        require(!(version == SuperBlockDescriptor.FORMAT_VERSION && state == SuperBlockDescriptor.STATE_CONSUMED),
            "super block consumed");
        if (magic == 0 && Le.zero(b, sb, sb + SuperBlockDescriptor.KERNEL_LENGTH) &&
            Le.u64(b, sb + SuperBlockDescriptor.PRESERVED_PAGES_OFFSET) == 0 &&
            (version == 0 || version == SuperBlockDescriptor.FORMAT_VERSION) &&
            (state == SuperBlockDescriptor.STATE_NONE || state == SuperBlockDescriptor.STATE_LIVE) &&
            Le.zero(b, sb + SuperBlockDescriptor.PKRAM_LENGTH, sb + Pfn.PAGE_SIZE))
        {
            return; // no magic, no kernel field: nothing preserved (an empty image's boot or reboot cut short)
        }
        require(magic == SuperBlockDescriptor.PKRAM_MAGIC, "super block magic");
        require(version == 0 || version == SuperBlockDescriptor.FORMAT_VERSION, "super block format_version");
        if (version == 0)
        {
            require(Le.zero(b, sb + SuperBlockDescriptor.KERNEL_LENGTH, sb + SuperBlockDescriptor.PKRAM_LENGTH),
                "kernel super block (version 0) with pkram fields set");
            state = SuperBlockDescriptor.STATE_SEALED;
        }
        else
        {
            require(state == SuperBlockDescriptor.STATE_SEALED || state == SuperBlockDescriptor.STATE_LIVE,
                "super block state");
            final long fileSize = Le.u64(b, sb + SuperBlockDescriptor.FILE_SIZE_OFFSET);
            require(Long.compareUnsigned(fileSize, size) <= 0 && fileSize >= PhysMem.MIN_SIZE &&
                fileSize % Pfn.PAGE_SIZE == 0, "super block file_size impossible or above the file's length");
        }
        require(Le.u32(b, sb + SuperBlockDescriptor.PAD0_OFFSET) == 0, "super block padding");
        require(Le.zero(b, sb + SuperBlockDescriptor.PKRAM_LENGTH, sb + Pfn.PAGE_SIZE), "super block reserved bytes");
        claimed.set((int)requested);
        final long nodeHead = Le.u64(b, sb + SuperBlockDescriptor.NODE_PFN_OFFSET);
        walkNodes(nodeHead);
        if (state == SuperBlockDescriptor.STATE_SEALED)
        {
            require(nodeHead != 0, "sealed super block without a node");
            final long listHead = Le.u64(b, sb + SuperBlockDescriptor.REGION_LIST_PFN_OFFSET);
            require(listHead != 0, "sealed super block without a regions list");
            walkRegions(listHead, Le.u64(b, sb + SuperBlockDescriptor.NR_REGIONS_OFFSET));
            if (version != 0)
            {
                require(Le.u64(b, sb + SuperBlockDescriptor.PRESERVED_PAGES_OFFSET) == claimed.cardinality(),
                    "preserved_pages is not the number of preserved pages");
            }
        }
    }

    private void claimMeta(final long pfn, final String what)
    {
        require(pfn > 0 && pfn < pfnCount, what + " pfn out of range");
        require(!claimed.get((int)pfn), what + " page referenced twice");
        claimed.set((int)pfn);
    }

    private void walkNodes(final long head)
    {
        final Set<String> names = new HashSet<>();
        long pfn = head;
        while (pfn != 0)
        {
            claimMeta(pfn, "node");
            final long at = Le.page(pfn);
            final int flags = Le.u32(b, at + NodeDescriptor.FLAGS_OFFSET);
            require(flags == 0 || flags == NodeDescriptor.PKRAM_LOAD, "node flags");
            require(Le.u32(b, at + NodeDescriptor.PAD0_OFFSET) == 0, "node padding");
            final int length = ImageMap.nameLength(b, at);
            require(length >= 0, "node name without NUL");
            require(Le.zero(b, at + NodeDescriptor.NAME_OFFSET + length, at + Pfn.PAGE_SIZE),
                "node bytes after the name's NUL");
            final String name;
            try
            {
                name = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(b, (int)(at + NodeDescriptor.NAME_OFFSET), length))
                    .toString();
            }
            catch (final CharacterCodingException ex)
            {
                throw new Invalid("node name not UTF-8");
            }
            require(names.add(name), "two nodes with one name");
            final List<ObjFacts> objs = new ArrayList<>();
            long obj = Le.u64(b, at + NodeDescriptor.OBJ_PFN_OFFSET);
            while (obj != 0)
            {
                claimMeta(obj, "obj");
                final long o = Le.page(obj);
                require(Le.zero(b, o + ObjDescriptor.LENGTH, o + Pfn.PAGE_SIZE), "obj reserved bytes");
                final List<long[]> folioList = new ArrayList<>();
                final List<long[]> byteList = new ArrayList<>();
                final long[] folios = walkStream(Le.u64(b, o + ObjDescriptor.FOLIOS_HEAD_LINK_PFN_OFFSET),
                    Le.u64(b, o + ObjDescriptor.FOLIOS_TAIL_LINK_PFN_OFFSET), true, folioList);
                final long[] bytes = walkStream(Le.u64(b, o + ObjDescriptor.BYTES_HEAD_LINK_PFN_OFFSET),
                    Le.u64(b, o + ObjDescriptor.BYTES_TAIL_LINK_PFN_OFFSET), false, byteList);
                final long dataLen = Le.u64(b, o + ObjDescriptor.DATA_LEN_OFFSET);
                require(dataLen >= 0 && bytes[1] == dataLen / Pfn.PAGE_SIZE + (dataLen % Pfn.PAGE_SIZE == 0 ? 0 : 1),
                    "obj data_len does not match its byte pages");
                objs.add(new ObjFacts(folios[0], folios[1], dataLen,
                    Le.u64(b, o + ObjDescriptor.FOLIOS_HEAD_LINK_PFN_OFFSET) == 0 &&
                    Le.u64(b, o + ObjDescriptor.BYTES_HEAD_LINK_PFN_OFFSET) == 0,
                    folioList.stream().mapToLong(e -> e[0]).toArray(), folioList.stream().mapToLong(e -> e[1]).toArray(),
                    byteList.stream().mapToLong(e -> e[0] >>> Pfn.PAGE_SHIFT).toArray()));
                obj = Le.u64(b, o + ObjDescriptor.OBJ_PFN_OFFSET);
            }
            nodes.add(new NodeFacts(name, List.copyOf(objs)));
            pfn = Le.u64(b, at + NodeDescriptor.NODE_PFN_OFFSET);
        }
    }

    /** @return {entries, pages}; {@code found} receives {entry, index} for each entry. */
    private long[] walkStream(final long head, final long tail, final boolean folios, final List<long[]> found)
    {
        require((head == 0) == (tail == 0), "stream head without tail or the reverse");
        long entries = 0;
        long pages = 0;
        long link = head;
        long last = 0;
        while (link != 0)
        {
            claimMeta(link, "link");
            final long at = Le.page(link);
            require(folios || Le.u64(b, at + LinkDescriptor.INDEX_OFFSET) == 0, "bytes link index not zero");
            boolean ended = false;
            int used = 0;
            long index = Le.u64(b, at + LinkDescriptor.INDEX_OFFSET);
            for (int i = 0; i < LinkDescriptor.ENTRIES_MAX; i++)
            {
                final long entry = Le.u64(b, at + LinkDescriptor.entryOffset(i));
                if (entry == 0)
                {
                    ended = true;
                    continue;
                }
                require(!ended, "entry after an empty one");
                final int order = (int)(entry & 0x1f);
                final int flags = (int)((entry >>> 5) & 0x7f);
                final long pfn = entry >>> Pfn.PAGE_SHIFT;
                require(order <= Pfn.MAX_FOLIO_ORDER && (folios || order == 0), "entry order");
                require(flags == 0, "entry flags");
                final long count = 1L << order;
                require(pfn > 0 && pfn + count <= pfnCount && pfn % count == 0, "entry pfn out of range or misaligned");
                for (long p = pfn; p < pfn + count; p++)
                {
                    require(!claimed.get((int)p), "data page referenced twice");
                    claimed.set((int)p);
                }
                used++;
                pages += count;
                found.add(new long[] {entry, index});
                index += count;
            }
            require(used > 0, "link without entries");
            entries += used;
            last = link;
            link = Le.u64(b, at + LinkDescriptor.LINK_PFN_OFFSET);
        }
        require(last == tail, "stream tail is not the last link");
        return new long[] {entries, pages};
    }

    private void walkRegions(final long head, final long nrRegions)
    {
        long list = head;
        long previousList = 0;
        long firstPrev = 0;
        long lastPopulated = 0;
        long seen = 0;
        long previousEnd = 0;
        boolean ended = false;
        final List<long[]> runs = new ArrayList<>();
        while (list != 0)
        {
            claimMeta(list, "regions list");
            final long at = Le.page(list);
            final long prev = Le.u64(b, at + RegionListDescriptor.PREV_PFN_OFFSET);
            if (previousList == 0)
            {
                firstPrev = prev;
            }
            else
            {
                require(prev == previousList, "regions list prev_pfn");
            }
            for (int i = 0; i < RegionListDescriptor.REGIONS_MAX; i++)
            {
                final long base = Le.u64(b, at + RegionListDescriptor.regionOffset(i));
                final long length = Le.u64(b, at + RegionListDescriptor.regionOffset(i) + 8);
                if (ended || length == 0 || Long.compareUnsigned(seen, nrRegions) >= 0)
                {
                    ended = true;
                    require(base == 0 && length == 0, "unused region not zero");
                    continue;
                }
                require(base % Pfn.PAGE_SIZE == 0 && length % Pfn.PAGE_SIZE == 0, "region not page aligned");
                require(base >= Pfn.PAGE_SIZE && base <= size && length > 0 && length <= size - base,
                    "region outside the file");
                require(base > previousEnd, "regions not ascending, overlapping or adjacent");
                runs.add(new long[] {base >>> Pfn.PAGE_SHIFT, (base + length) >>> Pfn.PAGE_SHIFT});
                previousEnd = base + length;
                seen++;
                lastPopulated = list;
            }
            previousList = list;
            list = Le.u64(b, at + RegionListDescriptor.NEXT_PFN_OFFSET);
        }
        require(seen == nrRegions, "nr_regions is not the number of regions");
        require(firstPrev == lastPopulated, "first regions list page's prev_pfn is not the last populated page");
        long covered = 0;
        for (final long[] run : runs)
        {
            for (long p = run[0]; p < run[1]; p++)
            {
                require(claimed.get((int)p), "region covers a page nothing references");
            }
            covered += run[1] - run[0];
        }
        require(covered == claimed.cardinality(), "regions do not cover every preserved page");
    }
}
