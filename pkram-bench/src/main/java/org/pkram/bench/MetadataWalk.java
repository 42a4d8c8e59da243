package org.pkram.bench;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The least a reader of a pkram image can do: follow the chains from the super block (nodes, objects, the
 * links of every stream, the regions list) and read every 8-byte word of every metadata page once, checking
 * nothing. The floor the benchmarks hold boot and load to, in the same run: a boot validates these pages, a
 * load reads their entries. Written from {@code docs/FORMAT.md} (sections 3 to 7) with its own offsets, so
 * that no pkram code is in the floor.
 * <p>
 * Every chain is bounded by the number of pages in the mapping, so a damaged image ends the walk instead of
 * looping; the benchmarks walk images pkram has just written.
 */
final class MetadataWalk
{
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int PAGE_SHIFT = 12;
    private static final int WORDS = 512;

    private static final long SB_NODE_PFN = 8;
    private static final long SB_REGION_LIST_PFN = 16;
    private static final long NODE_OBJ_PFN = 8;
    private static final long NODE_NEXT_PFN = 16;
    private static final long OBJ_FOLIOS_HEAD = 0;
    private static final long OBJ_BYTES_HEAD = 16;
    private static final long OBJ_NEXT_PFN = 40;
    private static final long LINK_NEXT_PFN = 0;
    private static final long LINK_FIRST_ENTRY = 16;
    private static final long REGIONS_NEXT_PFN = 8;

    private final MemorySegment memory;
    private final long pages;
    private long pagesRead;
    private long entries;

    /**
     * @param memory the whole memory file, mapped.
     */
    MetadataWalk(final MemorySegment memory)
    {
        this.memory = memory;
        this.pages = memory.byteSize() >>> PAGE_SHIFT;
    }

    /**
     * Read every word of every metadata page of the image whose super block is at {@code superBlockPfn}.
     *
     * @param superBlockPfn the super block.
     * @return the sum of the words read, which keeps the reads from being optimised away.
     */
    long everyPage(final long superBlockPfn)
    {
        long sum = page(superBlockPfn);
        long budget = pages;
        for (long node = word(superBlockPfn, SB_NODE_PFN); node != 0 && budget-- > 0; node = word(node, NODE_NEXT_PFN))
        {
            sum += page(node);
            for (long obj = word(node, NODE_OBJ_PFN); obj != 0 && budget-- > 0; obj = word(obj, OBJ_NEXT_PFN))
            {
                sum += page(obj) + chain(word(obj, OBJ_FOLIOS_HEAD), LINK_NEXT_PFN) +
                    chain(word(obj, OBJ_BYTES_HEAD), LINK_NEXT_PFN);
            }
        }
        return sum + chain(word(superBlockPfn, SB_REGION_LIST_PFN), REGIONS_NEXT_PFN);
    }

    /**
     * Every page of a chain whose next pointer is at {@code nextOffset}, bounded by the pages in the mapping.
     */
    private long chain(final long head, final long nextOffset)
    {
        long sum = 0;
        long budget = pages;
        for (long pfn = head; pfn != 0 && budget-- > 0; pfn = word(pfn, nextOffset))
        {
            sum += page(pfn);
        }
        return sum;
    }

    /**
     * Read the entries of a folio stream's links, as a load hands them out: each link's next pointer and its
     * non-zero entries, nothing else.
     *
     * @param headLinkPfn the stream's first link.
     * @return the sum of the entries read.
     */
    long linkEntries(final long headLinkPfn)
    {
        long sum = 0;
        long budget = pages;
        for (long link = headLinkPfn; link != 0 && budget-- > 0; link = word(link, LINK_NEXT_PFN))
        {
            final long base = link << PAGE_SHIFT;
            for (long at = LINK_FIRST_ENTRY; at < 1L << PAGE_SHIFT; at += Long.BYTES)
            {
                final long entry = memory.get(U64, base + at);
                if (entry == 0)
                {
                    break;
                }
                sum += entry;
                entries++;
            }
        }
        return sum;
    }

    /**
     * @param superBlockPfn the super block.
     * @param nodeIndex     which node of the chain, from 0.
     * @return the folio stream head of that node's first object, or 0.
     */
    long firstFolioStream(final long superBlockPfn, final int nodeIndex)
    {
        long node = word(superBlockPfn, SB_NODE_PFN);
        for (int i = 0; i < nodeIndex && node != 0; i++)
        {
            node = word(node, NODE_NEXT_PFN);
        }
        final long obj = node == 0 ? 0 : word(node, NODE_OBJ_PFN);
        return obj == 0 ? 0 : word(obj, OBJ_FOLIOS_HEAD);
    }

    /**
     * @return metadata pages read so far.
     */
    long pagesRead()
    {
        return pagesRead;
    }

    /**
     * @return link entries read so far.
     */
    long entries()
    {
        return entries;
    }

    private long word(final long pfn, final long offset)
    {
        return memory.get(U64, (pfn << PAGE_SHIFT) + offset);
    }

    private long page(final long pfn)
    {
        final long base = pfn << PAGE_SHIFT;
        long sum = 0;
        for (int i = 0; i < WORDS; i++)
        {
            sum += memory.get(U64, base + ((long)i << 3));
        }
        pagesRead++;
        return sum;
    }
}
