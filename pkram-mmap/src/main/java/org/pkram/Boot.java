package org.pkram;

import org.pkram.boot.ImageScanner;
import org.pkram.boot.NodeEntry;
import org.pkram.boot.PageBitmap;
import org.pkram.boot.PfnFile;
import org.pkram.boot.ScanResult;
import org.pkram.error.CorruptImageException;
import org.pkram.error.InvalidSuperBlockException;
import org.pkram.layout.FileHeaderDescriptor;
import org.pkram.layout.Pfn;
import org.pkram.layout.SuperBlockDescriptor;
import org.pkram.mem.PageAllocator;
import org.pkram.mem.PhysMem;

import java.util.ArrayList;
import java.util.List;

/**
 * Boot: {@code pkram_reserve()} and {@code pkram_init_sb()} for a process. Validate the image without
 * writing a byte (a refusal leaves the file byte-identical), reserve exactly the preserved pages in a new
 * allocator, record a new generation before any page is handed out, take over the node list, free the
 * regions list ({@code pkram_cleanup()}), and name the super block in the file header and the pfn file.
 */
final class Boot
{
    private Boot()
    {
    }

    static Pkram boot(final PkramOptions options)
    {
        final PhysMem mem = PhysMem.open(options.memoryFile());
        try
        {
            return Faults.guarded(mem, () -> boot(mem, options));
        }
        catch (final RuntimeException | Error ex)
        {
            try
            {
                mem.close();
            }
            catch (final RuntimeException closeFailure)
            {
                ex.addSuppressed(closeFailure);
            }
            throw ex;
        }
    }

    private static Pkram boot(final PhysMem mem, final PkramOptions options)
    {
        final List<String> messages = new ArrayList<>();
        final ScanResult scan = validate(mem, options, messages);
        final PageAllocator allocator = new PageAllocator(mem.pfnCount());
        final long sbPfn;
        final long generation;
        if (scan != null)
        {
            reserve(allocator, scan.pages());
            sbPfn = scan.superBlockPfn();
            generation = scan.generation() + 1;
        }
        else
        {
            Publisher.clearHeader(mem);
            sbPfn = allocator.alloc(0);
            generation = 1;
        }
        final Publisher publisher = Publisher.of(options.mode(), mem, sbPfn, generation, options.durable());
        final List<NodeRecord> inherited = inherit(scan);
        publisher.boot(scan, inherited);
        if (scan != null)
        {
            // pkram_cleanup(): the regions list has served its purpose.
            for (final long listPfn : scan.regionListPfns())
            {
                allocator.free(listPfn, 0);
            }
        }
        FaultPoints.reach(FaultPoints.BOOT_DONE);
        final Pkram pkram = new Pkram(mem, allocator, options, publisher, new NodeList(publisher,
            inherited.reversed()), messages);
        publisher.publishHeader();
        PfnFile.write(PfnFile.of(options.memoryFile()), sbPfn);
        return pkram;
    }

    /**
     * @return the validated image, or null to start on a fresh super block.
     */
    private static ScanResult validate(final PhysMem mem, final PkramOptions options, final List<String> messages)
    {
        final long requested = options.superBlockPfn();
        if (requested == Pfn.NULL_PFN)
        {
            return null;
        }
        try
        {
            checkCurrent(mem, requested);
            return ImageScanner.scan(mem, requested);
        }
        catch (final InvalidSuperBlockException | CorruptImageException ex)
        {
            if (!options.dropInvalid())
            {
                throw ex;
            }
            messages.add("dropped the preserved image: " + ex.getMessage());
            return null;
        }
    }

    private static void checkCurrent(final PhysMem mem, final long requested)
    {
        final long current = FileHeaderDescriptor.superBlockPfn(mem.page(0));
        if (current != requested)
        {
            throw new InvalidSuperBlockException("invalid super block: stale: the memory file's current super " +
                "block is pfn=0x" + Long.toHexString(current) + ", not 0x" + Long.toHexString(requested) +
                (current == 0 ? " (no image recorded)" : ""));
        }
    }

    /**
     * Reserve every preserved page, in the largest naturally aligned folios each run allows.
     */
    private static void reserve(final PageAllocator allocator, final PageBitmap pages)
    {
        long start = pages.nextSet(0);
        while (start >= 0)
        {
            final long end = pages.nextClear(start);
            long pfn = start;
            while (pfn < end)
            {
                int order = Math.min(Long.numberOfTrailingZeros(pfn), Pfn.MAX_FOLIO_ORDER);
                while (pfn + Pfn.pageCount(order) > end)
                {
                    order--;
                }
                if (!allocator.reserve(pfn, order))
                {
                    throw new CorruptImageException("page reserved twice at boot: pfn=0x" + Long.toHexString(pfn));
                }
                pfn += Pfn.pageCount(order);
            }
            start = pages.nextSet(end);
        }
    }

    /**
     * @return the image's nodes as committed records, newest first (chain order); none for a fresh boot.
     */
    private static List<NodeRecord> inherit(final ScanResult scan)
    {
        final List<NodeRecord> records = new ArrayList<>();
        if (scan != null && scan.state() != SuperBlockDescriptor.STATE_NONE)
        {
            for (final NodeEntry entry : scan.nodes())
            {
                records.add(new NodeRecord(entry.pfn(), entry.name(), NodeRecord.State.COMMITTED));
            }
        }
        return records;
    }
}
