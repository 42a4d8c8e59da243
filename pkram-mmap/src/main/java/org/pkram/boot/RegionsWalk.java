package org.pkram.boot;

import org.agrona.concurrent.UnsafeBuffer;
import org.pkram.layout.Pfn;
import org.pkram.layout.RegionListDescriptor;
import org.pkram.mem.PhysMem;

import java.util.ArrayList;
import java.util.List;

/**
 * The scanner's walk of a sealed image's regions list ({@code struct pkram_region_list} pages): every region
 * ascending, page aligned, inside the file, maximal, and together exactly the pages the structures reference.
 * What {@code pkram_reserve()} reads, with the checks the kernel does not make. Problems go to the scanner.
 */
final class RegionsWalk
{
    private final PhysMem mem;
    private final long pfnCount;
    private final PageBitmap pages;
    private final ImageScanner scanner;
    private final UnsafeBuffer view = new UnsafeBuffer(0, 0);
    private final List<long[]> regions = new ArrayList<>();
    private final List<Long> regionListPfns = new ArrayList<>();

    RegionsWalk(final PhysMem mem, final PageBitmap pages, final ImageScanner scanner)
    {
        this.mem = mem;
        this.pfnCount = mem.pfnCount();
        this.pages = pages;
        this.scanner = scanner;
    }

    /**
     * @return the regions found, each {@code [startPfn, endPfn)}.
     */
    List<long[]> regions()
    {
        return List.copyOf(regions);
    }

    /**
     * @return the list pages walked, in list order.
     */
    long[] listPfns()
    {
        final long[] listPfns = new long[regionListPfns.size()];
        for (int i = 0; i < listPfns.length; i++)
        {
            listPfns[i] = regionListPfns.get(i);
        }
        return listPfns;
    }

    void walk(final long head, final long nrRegions)
    {
        final long fileSize = mem.size();
        long pfn = head;
        long seen = 0;
        long prevEnd = 0;
        boolean ended = false;
        long prevListPfn = Pfn.NULL_PFN;
        long firstPrev = Pfn.NULL_PFN;
        long lastPopulated = Pfn.NULL_PFN;
        // Walk every list page, also those past the last populated one: the kernel sizes the list with
        // an estimate, and pages it did not fill are preserved (and listed) all the same.
        while (pfn != Pfn.NULL_PFN)
        {
            if (!scanner.claimMeta(pfn, "regions list page", null))
            {
                return;
            }
            regionListPfns.add(pfn);
            mem.wrap(view, pfn, 0);
            final long prev = RegionListDescriptor.prevPfn(view);
            if (prevListPfn == Pfn.NULL_PFN)
            {
                firstPrev = prev;
            }
            else if (prev != prevListPfn)
            {
                scanner.problem("regions list page prev_pfn does not point at its predecessor: page=0x" +
                    Long.toHexString(pfn) + ", prev=0x" + Long.toHexString(prev));
            }
            for (int i = 0; i < RegionListDescriptor.REGIONS_MAX; i++)
            {
                final long base = RegionListDescriptor.regionBase(view, i);
                final long size = RegionListDescriptor.regionSize(view, i);
                if (!ended && (size == 0 || Long.compareUnsigned(seen, nrRegions) >= 0))
                {
                    // The list ends after nr_regions regions or at a region of size 0, whichever comes first;
                    // every region after the end, in this page and the following ones, is zero.
                    ended = true;
                    if (seen != nrRegions)
                    {
                        scanner.problem("regions list ends before nr_regions: nrRegions=" +
                            Long.toUnsignedString(nrRegions) + ", found=" + seen);
                    }
                }
                if (ended)
                {
                    if (base != 0 || size != 0)
                    {
                        scanner.problem("regions list has a non-zero region after its end: page=0x" +
                            Long.toHexString(pfn) + ", region=" + i + ", base=0x" + Long.toHexString(base) +
                            ", size=0x" + Long.toHexString(size));
                        return;
                    }
                    continue;
                }
                // Unsigned-safe: base and size are each checked against the file before they are added.
                if ((base & (Pfn.PAGE_SIZE - 1)) != 0 || (size & (Pfn.PAGE_SIZE - 1)) != 0 ||
                    base < Pfn.PAGE_SIZE || base > fileSize || size < 0 || size > fileSize - base || base <= prevEnd)
                {
                    scanner.problem("region not page aligned, not ascending, overlapping or out of range: page=0x" +
                        Long.toHexString(pfn) + ", region=" + i + ", base=0x" + Long.toHexString(base) + ", size=0x" +
                        Long.toHexString(size));
                    return;
                }
                regions.add(new long[] {Pfn.fromAddr(base), Pfn.fromAddr(base + size)});
                prevEnd = base + size;
                seen++;
                lastPopulated = pfn;
            }
            prevListPfn = pfn;
            pfn = RegionListDescriptor.nextPfn(view);
        }
        if (!ended && seen != nrRegions)
        {
            scanner.problem("regions list holds fewer regions than the super block says: nrRegions=" +
                Long.toUnsignedString(nrRegions) + ", found=" + seen);
        }
        if (!regionListPfns.isEmpty() && firstPrev != lastPopulated)
        {
            scanner.problem("first regions list page's prev_pfn does not point at the last populated page: prev=0x" +
                Long.toHexString(firstPrev) + ", lastPopulated=0x" + Long.toHexString(lastPopulated));
        }
    }

    void checkCoverage()
    {
        long covered = 0;
        for (final long[] region : regions)
        {
            for (long p = region[0]; p < region[1]; p++)
            {
                if (!pages.get(p))
                {
                    scanner.problem("regions list covers a page no structure references: pfn=0x" + Long.toHexString(p));
                    return;
                }
            }
            if (region[1] < pfnCount && pages.get(region[1]))
            {
                scanner.problem("regions list run is not maximal: run ends at 0x" + Long.toHexString(region[1]));
            }
            covered += region[1] - region[0];
        }
        if (covered != pages.cardinality())
        {
            scanner.problem("regions list does not cover every preserved page: covered=" + covered + ", preserved=" +
                pages.cardinality());
        }
    }
}
