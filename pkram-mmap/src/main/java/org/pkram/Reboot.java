package org.pkram;

import org.pkram.boot.ImageScanner;
import org.pkram.boot.PfnFile;
import org.pkram.boot.RegionsList;
import org.pkram.boot.ScanResult;
import org.pkram.mem.PhysMem;

import java.nio.file.Path;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The reboot notifier ({@code pkram_reboot()} → {@code __pkram_reboot()}): under the node-list lock, chain
 * the committed nodes, build the regions list over every preserved page ({@code pkram_init_regions_list()},
 * {@code pkram_populate_regions_list()}), seal the super block with its commit word last, and export the pfn.
 * Nodes still being saved are skipped, as the kernel WARNs and skips them. After the seal the node list
 * refuses every mutation.
 */
final class Reboot
{
    private final PhysMem mem;
    private final Publisher publisher;
    private final long sbPfn;
    private final Path pfnFile;
    private final LongSupplier allocMetaPage;

    Reboot(final PhysMem mem, final Publisher publisher, final long sbPfn, final Path pfnFile,
        final LongSupplier allocMetaPage)
    {
        this.mem = mem;
        this.publisher = publisher;
        this.sbPfn = sbPfn;
        this.pfnFile = pfnFile;
        this.allocMetaPage = allocMetaPage;
    }

    /**
     * @param nodes      the node list to seal.
     * @param refuseBusy refuse (EBUSY, nothing changed) while handles are open; the shutdown hook seals
     *                   whatever is committed instead.
     * @param who        what reboots, for the message later mutations get.
     * @return false when the image was sealed already.
     */
    boolean run(final NodeList nodes, final boolean refuseBusy, final String who)
    {
        return nodes.seal(refuseBusy, who, this::seal);
    }

    private void seal(final List<NodeRecord> committed)
    {
        final long nodeHead = publisher.chainForReboot(committed);
        if (nodeHead == 0)
        {
            publisher.sealEmpty();
        }
        else
        {
            final ScanResult preserved = ImageScanner.collect(mem, sbPfn, nodeHead);
            final RegionsList.Built regions = RegionsList.build(mem, preserved.pages(), allocMetaPage);
            FaultPoints.reach(FaultPoints.REBOOT_REGIONS_BUILT);
            publisher.seal(nodeHead, regions);
        }
        FaultPoints.reach(FaultPoints.REBOOT_SEALED);
        PfnFile.write(pfnFile, sbPfn);
    }
}
