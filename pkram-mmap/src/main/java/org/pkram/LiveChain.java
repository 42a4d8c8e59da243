package org.pkram;

import org.agrona.concurrent.UnsafeBuffer;
import org.pkram.boot.RegionsList;
import org.pkram.boot.ScanResult;
import org.pkram.layout.NodeDescriptor;
import org.pkram.layout.Pfn;
import org.pkram.layout.SuperBlockDescriptor;

import java.util.List;

/**
 * Crash-safe publication (pkram's default, beyond the kernel): the super block stays live, naming the
 * chain of committed nodes at every instant. A commit links the node at the head with one release store of
 * the super block's {@code node_pfn}; an unlink takes it out with one release store of its newer neighbour's
 * (or the super block's) pointer. A boot after kill -9 walks the chain and recovers exactly the committed
 * nodes. An orderly reboot only adds the regions list and flips the state word to sealed.
 */
final class LiveChain extends Publisher
{
    /** The node the super block's node_pfn points at. */
    private NodeRecord head;

    LiveChain(final org.pkram.mem.PhysMem mem, final long sbPfn, final long generation, final boolean durable)
    {
        super(mem, sbPfn, generation, durable);
    }

    @Override
    void boot(final ScanResult scan, final List<NodeRecord> inherited)
    {
        final boolean fresh = clearIfFresh(scan);
        // Live from now on: the state first, so a crash during the rest of boot recovers by walking.
        writePkramFields(0);
        SuperBlockDescriptor.stateRelease(sb, SuperBlockDescriptor.STATE_LIVE);
        FaultPoints.reach(FaultPoints.BOOT_LIVE);
        SuperBlockDescriptor.regionListPfn(sb, Pfn.NULL_PFN);
        SuperBlockDescriptor.nrRegions(sb, 0);
        if (fresh)
        {
            SuperBlockDescriptor.magicRelease(sb, SuperBlockDescriptor.PKRAM_MAGIC);
        }
        NodeRecord older = null;
        for (int i = inherited.size() - 1; i >= 0; i--)
        {
            final NodeRecord record = inherited.get(i);
            resetFlags(record);
            record.chained = true;
            record.older = older;
            if (older != null)
            {
                older.newer = record;
            }
            older = record;
        }
        head = older;
        forcePage(sbPfn);
    }

    @Override
    void commit(final NodeRecord record, final UnsafeBuffer node)
    {
        NodeDescriptor.nodePfn(node, head == null ? Pfn.NULL_PFN : head.pfn);
        NodeDescriptor.flagsRelease(node, 0);
        FaultPoints.reach(FaultPoints.SAVE_FLAGS_CLEARED);
        forceAll();
        SuperBlockDescriptor.nodePfnRelease(sb, record.pfn);
        FaultPoints.reach(FaultPoints.SAVE_COMMITTED);
        forcePage(sbPfn);
        record.older = head;
        if (head != null)
        {
            head.newer = record;
        }
        head = record;
        record.chained = true;
    }

    @Override
    void unlink(final NodeRecord record)
    {
        if (!record.chained)
        {
            return;
        }
        final long next = NodeDescriptor.nodePfn(mem.page(record.pfn));
        if (record.newer == null)
        {
            SuperBlockDescriptor.nodePfnRelease(sb, next);
            head = record.older;
            forcePage(sbPfn);
        }
        else
        {
            NodeDescriptor.nodePfnRelease(mem.page(record.newer.pfn), next);
            record.newer.older = record.older;
            forcePage(record.newer.pfn);
        }
        if (record.older != null)
        {
            record.older.newer = record.newer;
        }
        record.chained = false;
        record.newer = null;
        record.older = null;
    }

    @Override
    long chainForReboot(final List<NodeRecord> committed)
    {
        return head == null ? Pfn.NULL_PFN : head.pfn;
    }

    @Override
    void seal(final long nodeHead, final RegionsList.Built regions)
    {
        SuperBlockDescriptor.regionListPfn(sb, regions.headPfn());
        SuperBlockDescriptor.nrRegions(sb, regions.nrRegions());
        SuperBlockDescriptor.preservedPages(sb, regions.pages());
        forceAll();
        // The commit word of a sealed image: until it flips, a boot walks the live chain.
        SuperBlockDescriptor.stateRelease(sb, SuperBlockDescriptor.STATE_SEALED);
        forcePage(sbPfn);
    }

    @Override
    void swap(final NodeRecord old, final NodeRecord replacement, final UnsafeBuffer node)
    {
        // The new version continues the chain where the old one did, before anything can reach it.
        NodeDescriptor.nodePfn(node, NodeDescriptor.nodePfn(mem.page(old.pfn)));
        NodeDescriptor.flagsRelease(node, 0);
        forceAll();
        FaultPoints.reach(FaultPoints.REPLACE_BEFORE_SWAP);
        // The commit point: one release store re-points the old version's predecessor at the new one.
        if (old.newer == null)
        {
            SuperBlockDescriptor.nodePfnRelease(sb, replacement.pfn);
            head = replacement;
            forcePage(sbPfn);
        }
        else
        {
            NodeDescriptor.nodePfnRelease(mem.page(old.newer.pfn), replacement.pfn);
            old.newer.older = replacement;
            forcePage(old.newer.pfn);
        }
        FaultPoints.reach(FaultPoints.REPLACE_SWAPPED);
        replacement.newer = old.newer;
        replacement.older = old.older;
        if (old.older != null)
        {
            old.older.newer = replacement;
        }
        replacement.chained = true;
        old.chained = false;
        old.newer = null;
        old.older = null;
    }
}
