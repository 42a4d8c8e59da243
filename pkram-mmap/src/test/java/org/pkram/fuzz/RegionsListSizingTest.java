package org.pkram.fuzz;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pkram.boot.PageBitmap;
import org.pkram.boot.RegionsList;
import org.pkram.layout.Pfn;
import org.pkram.layout.RegionListDescriptor;
import org.pkram.mem.PhysMem;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The regions list must always fit the runs it has to describe, its own pages included, whatever
 * pages the allocator hands out for it. Found while sizing images for the boot fuzzer.
 */
class RegionsListSizingTest
{
    @TempDir
    Path dir;

    @Test
    void regressionListHoldsEveryRunWhenEachOfItsPagesAddsARun()
    {
        // 65,025 single-page runs (255 * 255): the kernel's two-step estimate gives 256 list pages, 65,280
        // slots; if every list page lands apart from the others, the runs become 65,281 and the list
        // overflowed with IllegalStateException ("regions list estimate too small") at reboot.
        final long runs = (long)RegionListDescriptor.REGIONS_MAX * RegionListDescriptor.REGIONS_MAX;
        final long listArea = 2 * runs + 2;
        final long pfnCount = listArea + 2 * 1024;
        try (PhysMem mem = PhysMem.create(dir.resolve("sparse.mem"), pfnCount << Pfn.PAGE_SHIFT, false))
        {
            final PageBitmap preserved = new PageBitmap(pfnCount);
            for (long i = 0; i < runs; i++)
            {
                preserved.set(1 + 2 * i);
            }
            final long[] next = {listArea};
            final RegionsList.Built built = RegionsList.build(mem, preserved, () ->
            {
                final long pfn = next[0];
                next[0] += 2; // every list page on its own: one more run each
                return pfn;
            });
            assertEquals(runs + built.listPfns().length, built.nrRegions());
            assertTrue(built.listPfns().length * (long)RegionListDescriptor.REGIONS_MAX >= built.nrRegions());
            assertEquals(preserved.runCount(), built.nrRegions());
        }
    }

    @Test
    void estimateIsTheKernelsWheneverTheKernelsIsLargeEnough()
    {
        final long max = RegionListDescriptor.REGIONS_MAX;
        for (long runs = 0; runs < 300_000; runs++)
        {
            long kernel = (runs + max - 1) / max;
            kernel = (runs + kernel + max - 1) / max;
            final long pages = RegionsList.pagesFor(runs);
            if (runs + kernel <= kernel * max)
            {
                assertEquals(kernel, pages, "runs=" + runs);
            }
            assertTrue(runs + pages <= pages * max, "runs=" + runs);
        }
    }
}
