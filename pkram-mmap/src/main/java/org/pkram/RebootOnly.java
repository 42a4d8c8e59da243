package org.pkram;

import org.agrona.concurrent.UnsafeBuffer;
import org.pkram.boot.RegionsList;
import org.pkram.boot.ScanResult;
import org.pkram.layout.NodeDescriptor;
import org.pkram.layout.Pfn;
import org.pkram.layout.SuperBlockDescriptor;

import java.util.List;

/**
 * Kernel-faithful publication: only an orderly reboot preserves anything. Boot consumes the super block
 * (state consumed, magic cleared, so booting it again without a reboot is refused); a commit only clears
 * the node's access mode ({@code pkram_finish_save}); reboot chains the committed nodes newest first and
 * writes the super block as {@code __pkram_reboot()} does: zeroed, filled, magic last.
 */
final class RebootOnly extends Publisher
{
    RebootOnly(final org.pkram.mem.PhysMem mem, final long sbPfn, final long generation, final boolean durable)
    {
        super(mem, sbPfn, generation, durable);
    }

    @Override
    void boot(final ScanResult scan, final List<NodeRecord> inherited)
    {
        if (!clearIfFresh(scan))
        {
            // The image may be booted once; the chain is rewritten at reboot. A version-0 page (the kernel's struct
            // alone) becomes a page pkram wrote, so the refusal of a second boot names the consuming boot.
            SuperBlockDescriptor.formatVersion(sb, SuperBlockDescriptor.FORMAT_VERSION);
            SuperBlockDescriptor.fileSize(sb, mem.size());
            SuperBlockDescriptor.generation(sb, generation);
            SuperBlockDescriptor.stateRelease(sb, SuperBlockDescriptor.STATE_CONSUMED);
            // A reader that knows only the kernel struct must refuse it too.
            SuperBlockDescriptor.magicRelease(sb, 0);
            SuperBlockDescriptor.nodePfn(sb, Pfn.NULL_PFN);
        }
        for (final NodeRecord record : inherited)
        {
            resetFlags(record);
        }
        forcePage(sbPfn);
    }

    @Override
    void commit(final NodeRecord record, final UnsafeBuffer node)
    {
        NodeDescriptor.flagsRelease(node, 0);
    }

    @Override
    void unlink(final NodeRecord record)
    {
        // Nothing is published before the reboot.
    }

    @Override
    long chainForReboot(final List<NodeRecord> committed)
    {
        // As __pkram_reboot(): walk the list oldest first, node_pfn = prev, so the newest node heads the chain.
        long prev = Pfn.NULL_PFN;
        final UnsafeBuffer node = new UnsafeBuffer(0, 0);
        for (final NodeRecord record : committed)
        {
            mem.wrap(node, record.pfn, 0);
            NodeDescriptor.nodePfn(node, prev);
            prev = record.pfn;
        }
        return prev;
    }

    @Override
    void seal(final long nodeHead, final RegionsList.Built regions)
    {
        SuperBlockDescriptor.magicRelease(sb, 0);
        sb.setMemory(0, Pfn.PAGE_SIZE, (byte)0);
        SuperBlockDescriptor.nodePfn(sb, nodeHead);
        SuperBlockDescriptor.regionListPfn(sb, regions.headPfn());
        SuperBlockDescriptor.nrRegions(sb, regions.nrRegions());
        writePkramFields(regions.pages());
        SuperBlockDescriptor.stateRelease(sb, SuperBlockDescriptor.STATE_SEALED);
        forceAll();
        SuperBlockDescriptor.magicRelease(sb, SuperBlockDescriptor.PKRAM_MAGIC);
        forcePage(sbPfn);
    }

    @Override
    void swap(final NodeRecord old, final NodeRecord replacement, final UnsafeBuffer node)
    {
        NodeDescriptor.flagsRelease(node, 0);
        FaultPoints.reach(FaultPoints.REPLACE_BEFORE_SWAP);
        FaultPoints.reach(FaultPoints.REPLACE_SWAPPED);
    }
}
