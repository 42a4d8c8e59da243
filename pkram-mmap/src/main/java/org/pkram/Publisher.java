package org.pkram;

import org.agrona.concurrent.UnsafeBuffer;
import org.pkram.boot.RegionsList;
import org.pkram.boot.ScanResult;
import org.pkram.layout.FileHeaderDescriptor;
import org.pkram.layout.NodeDescriptor;
import org.pkram.layout.Pfn;
import org.pkram.layout.SuperBlockDescriptor;
import org.pkram.mem.PhysMem;

import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * Where and when the image is published: the one owner of every write to the super block, the file
 * header's super block pfn and the node chain, and of every {@code force()}. One strategy per {@link Mode}:
 * {@link LiveChain} publishes each commit and unlink as it happens (crash-safe), {@link RebootOnly}
 * publishes only at an orderly reboot, as {@code __pkram_reboot()} does.
 * <p>
 * Every call is made under the {@link NodeList}'s lock (the kernel's {@code pkram_mutex}), or during boot
 * before the instance is shared.
 */
abstract class Publisher
{
    /**
     * Test hook: one count per {@code force()} (msync) this class issues, in every instance of the process. Only
     * tests read it, to observe that durable mode forces at its commit points and that the default never does.
     */
    static final LongAdder FORCES = new LongAdder();

    protected final PhysMem mem;
    protected final long sbPfn;
    protected final UnsafeBuffer sb;
    protected final boolean durable;
    protected final long generation;

    Publisher(final PhysMem mem, final long sbPfn, final long generation, final boolean durable)
    {
        this.mem = mem;
        this.sbPfn = sbPfn;
        this.sb = mem.page(sbPfn);
        this.generation = generation;
        this.durable = durable;
    }

    static Publisher of(final Mode mode, final PhysMem mem, final long sbPfn, final long generation,
        final boolean durable)
    {
        return mode == Mode.CRASH_SAFE ?
            new LiveChain(mem, sbPfn, generation, durable) :
            new RebootOnly(mem, sbPfn, generation, durable);
    }

    /**
     * Boot, before any page is handed out: record the new generation in the super block as this mode does,
     * and take over the inherited nodes.
     *
     * @param scan      the validated image, or null for a fresh super block.
     * @param inherited the image's nodes, newest first (its chain order); their flags are reset to committed.
     */
    abstract void boot(ScanResult scan, List<NodeRecord> inherited);

    /**
     * A save finished ({@code pkram_finish_save}): publish the node.
     */
    abstract void commit(NodeRecord record, UnsafeBuffer node);

    /**
     * A replace finished: the new version takes the old one's place in the image with one release store (crash-safe),
     * or on the list only (kernel-faithful: the next reboot seals it). Fault points before and after the store.
     *
     * @param old         the committed version.
     * @param replacement the new version, fully written.
     * @param node        the new version's node page.
     */
    abstract void swap(NodeRecord old, NodeRecord replacement, UnsafeBuffer node);

    /**
     * A node leaves the image (a finished load, truncate, remove): unpublish it before its pages are freed.
     */
    abstract void unlink(NodeRecord record);

    /**
     * Orderly reboot: the chain the super block will name.
     *
     * @param committed the committed nodes, oldest first.
     * @return the newest node's pfn, 0 when nothing is committed.
     */
    abstract long chainForReboot(List<NodeRecord> committed);

    /**
     * Orderly reboot: write the super block over the chain and the regions list, commit word last.
     */
    abstract void seal(long nodeHead, RegionsList.Built regions);

    /**
     * A fresh super block (no image, or an empty one) starts all zero.
     *
     * @return true when the boot is fresh.
     */
    final boolean clearIfFresh(final ScanResult scan)
    {
        final boolean fresh = scan == null || scan.state() == SuperBlockDescriptor.STATE_NONE;
        if (fresh)
        {
            sb.setMemory(0, Pfn.PAGE_SIZE, (byte)0);
        }
        return fresh;
    }

    /**
     * Nothing preserved: the kernel leaves the super block all zero (no magic).
     */
    final void sealEmpty()
    {
        SuperBlockDescriptor.magicRelease(sb, 0);
        sb.setMemory(0, Pfn.PAGE_SIZE, (byte)0);
        forceAll();
    }

    /**
     * Fresh boot, before the new super block is allocated: make the file record "no image", so that a boot
     * dying half way cannot leave an older super block bootable over pages this one hands out.
     */
    static void clearHeader(final PhysMem mem)
    {
        FileHeaderDescriptor.superBlockPfnRelease(mem.page(0), Pfn.NULL_PFN);
        FaultPoints.reach(FaultPoints.BOOT_FRESH_HEADER_CLEARED);
    }

    /**
     * The file header names this super block as the only bootable one.
     */
    final void publishHeader()
    {
        FileHeaderDescriptor.superBlockPfnRelease(mem.page(0), sbPfn);
        if (durable)
        {
            mem.force(0, 1);
            FORCES.increment();
        }
    }

    /**
     * A load starts: the node page says so ({@code PKRAM_LOAD}), as the kernel's does.
     */
    final void markLoading(final NodeRecord record)
    {
        final UnsafeBuffer node = mem.page(record.pfn);
        NodeDescriptor.flags(node, NodeDescriptor.flags(node) | NodeDescriptor.PKRAM_LOAD);
    }

    /**
     * A node the previous process was loading or saving when it died comes back as committed.
     */
    final void resetFlags(final NodeRecord record)
    {
        final UnsafeBuffer node = mem.page(record.pfn);
        if (NodeDescriptor.flags(node) != 0)
        {
            NodeDescriptor.flags(node, 0);
        }
    }

    final void forceAll()
    {
        if (durable)
        {
            mem.force(0, mem.pfnCount());
            FORCES.increment();
        }
    }

    final void forcePage(final long pfn)
    {
        if (durable)
        {
            mem.force(pfn, 1);
            FORCES.increment();
        }
    }

    /**
     * pkram's own super block fields, kept in bytes the kernel leaves zero.
     */
    final void writePkramFields(final long preservedPages)
    {
        SuperBlockDescriptor.formatVersion(sb, SuperBlockDescriptor.FORMAT_VERSION);
        SuperBlockDescriptor.fileSize(sb, mem.size());
        SuperBlockDescriptor.generation(sb, generation);
        SuperBlockDescriptor.preservedPages(sb, preservedPages);
    }
}
