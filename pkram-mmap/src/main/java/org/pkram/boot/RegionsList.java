package org.pkram.boot;

import org.agrona.concurrent.UnsafeBuffer;
import org.pkram.layout.Pfn;
import org.pkram.layout.RegionListDescriptor;
import org.pkram.mem.PhysMem;

import java.util.function.LongSupplier;

/**
 * Builds the regions list at reboot exactly as {@code pkram_init_regions_list()} and
 * {@code pkram_populate_regions_list()} do (mm/pkram.c, v3 patch 09): count the runs, size the list
 * so that it can also cover its own pages, allocate the pages by head insertion, fill ascending
 * maximal runs, and point the first page's {@code prev_pfn} at the last populated page.
 */
public final class RegionsList
{
    /**
     * The list written.
     *
     * @param headPfn    first (lowest-address runs) page, 0 when nothing is preserved.
     * @param nrRegions  regions written.
     * @param pages      pages preserved, the list's own pages included.
     * @param listPfns   the list pages, in list order.
     */
    public record Built(long headPfn, long nrRegions, long pages, long[] listPfns)
    {
    }

    private RegionsList()
    {
    }

    /**
     * Size the list as the kernel does: {@code n} runs need {@code ceil(n / 255)} pages, each of
     * which may add a run of its own, so {@code n += pages} and size again. The kernel sizes twice;
     * from 65,025 runs on that can fall one page short when every list page adds a run, so the step is
     * repeated until the size no longer grows (the same result as the kernel's whenever the kernel's
     * is large enough).
     *
     * @param runs runs of preserved pages before the list exists.
     * @return list pages to allocate.
     */
    public static long pagesFor(final long runs)
    {
        final long max = RegionListDescriptor.REGIONS_MAX;
        long pages = (runs + max - 1) / max;
        while (true)
        {
            final long next = (runs + pages + max - 1) / max;
            if (next <= pages)
            {
                return pages;
            }
            pages = next;
        }
    }

    /**
     * Allocate, link and fill the regions list covering {@code preserved}, to which the list's own
     * pages are added.
     *
     * @param mem       the memory file.
     * @param preserved every preserved page (super block included); the list pages are added to it.
     * @param allocPage allocates one page and returns its pfn (throws when none is left).
     * @return the list.
     */
    public static Built build(final PhysMem mem, final PageBitmap preserved, final LongSupplier allocPage)
    {
        if (preserved.cardinality() == 0)
        {
            return new Built(Pfn.NULL_PFN, 0, 0, new long[0]);
        }
        final int count = Math.toIntExact(pagesFor(preserved.runCount()));
        final long[] listPfns = new long[count];
        final UnsafeBuffer page = new UnsafeBuffer(0, 0);
        long head = Pfn.NULL_PFN;
        for (int i = 0; i < count; i++)
        {
            final long pfn = allocPage.getAsLong();
            mem.wrap(page, pfn, 0);
            page.setMemory(0, Pfn.PAGE_SIZE, (byte)0);
            RegionListDescriptor.nextPfn(page, head);
            if (head != Pfn.NULL_PFN)
            {
                mem.wrap(page, head, 0);
                RegionListDescriptor.prevPfn(page, pfn);
            }
            head = pfn;
            preserved.set(pfn);
        }
        // Head insertion: the last page allocated is the head, and list order follows next_pfn from it.
        long listPfn = head;
        for (int i = 0; i < count; i++)
        {
            listPfns[i] = listPfn;
            mem.wrap(page, listPfn, 0);
            listPfn = RegionListDescriptor.nextPfn(page);
        }
        long nr = 0;
        int listIndex = 0;
        int slot = 0;
        long lastPopulated = head;
        long start = preserved.nextSet(0);
        mem.wrap(page, listPfns[0], 0);
        while (start >= 0)
        {
            final long end = preserved.nextClear(start);
            if (slot == RegionListDescriptor.REGIONS_MAX)
            {
                listIndex++;
                if (listIndex == count)
                {
                    throw new IllegalStateException("regions list estimate too small: pages=" + count);
                }
                slot = 0;
                mem.wrap(page, listPfns[listIndex], 0);
            }
            RegionListDescriptor.regionBase(page, slot, Pfn.toAddr(start));
            RegionListDescriptor.regionSize(page, slot, Pfn.toAddr(end - start));
            lastPopulated = listPfns[listIndex];
            slot++;
            nr++;
            start = preserved.nextSet(end);
        }
        mem.wrap(page, head, 0);
        RegionListDescriptor.prevPfn(page, lastPopulated);
        return new Built(head, nr, preserved.cardinality(), listPfns);
    }
}
