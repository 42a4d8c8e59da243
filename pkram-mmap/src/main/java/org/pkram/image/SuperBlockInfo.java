package org.pkram.image;

import org.agrona.DirectBuffer;
import org.pkram.layout.SuperBlockDescriptor;
import org.pkram.mem.PhysMem;

/**
 * Every field of a super block page, as read (not validated): what {@code inspect} prints.
 *
 * @param pfn            the page.
 * @param magic          {@code magic}: {@link #PKRAM_MAGIC} when sealed by a reboot or live.
 * @param nodePfn        {@code node_pfn}, the newest node of the chain.
 * @param regionListPfn  {@code region_list_pfn}.
 * @param nrRegions      {@code nr_regions}.
 * @param formatVersion  pkram's format version (0: written from the kernel's struct alone).
 * @param state          pkram's state word (see {@link #stateName()}).
 * @param fileSize       the memory file size recorded.
 * @param generation     the boot generation recorded.
 * @param preservedPages pages the regions list covers.
 */
public record SuperBlockInfo(
    long pfn,
    int magic,
    long nodePfn,
    long regionListPfn,
    long nrRegions,
    int formatVersion,
    int state,
    long fileSize,
    long generation,
    long preservedPages)
{
    /** The kernel's {@code PKRAM_MAGIC} ("pkrm"). */
    public static final int PKRAM_MAGIC = SuperBlockDescriptor.PKRAM_MAGIC;

    /**
     * @param mem the mapping.
     * @param pfn a page inside it.
     * @return that page read as a super block.
     */
    public static SuperBlockInfo read(final PhysMem mem, final long pfn)
    {
        final DirectBuffer sb = mem.page(pfn);
        return new SuperBlockInfo(pfn, SuperBlockDescriptor.magic(sb), SuperBlockDescriptor.nodePfn(sb),
            SuperBlockDescriptor.regionListPfn(sb), SuperBlockDescriptor.nrRegions(sb),
            SuperBlockDescriptor.formatVersion(sb), SuperBlockDescriptor.state(sb), SuperBlockDescriptor.fileSize(sb),
            SuperBlockDescriptor.generation(sb), SuperBlockDescriptor.preservedPages(sb));
    }

    /**
     * @return the state word with what it means.
     */
    public String stateName()
    {
        return switch (state)
        {
            case SuperBlockDescriptor.STATE_NONE -> "0 (none)";
            case SuperBlockDescriptor.STATE_SEALED -> "1 (sealed: written by an orderly reboot)";
            case SuperBlockDescriptor.STATE_LIVE -> "2 (live: booted, or the process died without a reboot)";
            case SuperBlockDescriptor.STATE_CONSUMED -> "3 (consumed by a kernel-faithful boot)";
            default -> state + " (unknown)";
        };
    }
}
