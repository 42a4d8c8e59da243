package org.pkram.fuzz;

import org.pkram.layout.Pfn;
import org.pkram.layout.RegionListDescriptor;
import org.pkram.layout.SuperBlockDescriptor;
import org.pkram.oracle.ImageOracle;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;

/**
 * A mutation helper: rewrite a sealed image's regions list so that it matches what the node chain
 * references now. After a mutation of the chain this makes an image whose damage, if any, only the chain
 * walk can find (the regions list would otherwise give it away first).
 */
final class Reseal
{
    private Reseal()
    {
    }

    /**
     * Rewrite the regions list (in its existing pages), {@code nr_regions} and {@code preserved_pages} of a
     * sealed super block so that they match what its node chain references now.
     *
     * @return false (and nothing changed) when the chain or the list cannot be walked, or the list pages
     *         cannot hold the runs.
     */
    static boolean reseal(final byte[] image, final long sbPfn)
    {
        if (image.length < Pfn.PAGE_SIZE)
        {
            return false;
        }
        final ImageOracle.Image chain = ImageOracle.readChain(image, sbPfn);
        if (!chain.valid())
        {
            return false;
        }
        // The chain's pages (oracle), then the list pages, each once and in range.
        final BitSet claimed = chain.preserved();
        final long pfnCount = image.length >>> Pfn.PAGE_SHIFT;
        final long sb = Le.page(sbPfn);
        final List<Long> listPages = new ArrayList<>();
        long list = Le.u64(image, sb + SuperBlockDescriptor.REGION_LIST_PFN_OFFSET);
        while (list != 0)
        {
            if (list < 0 || list >= pfnCount || claimed.get((int)list))
            {
                return false;
            }
            claimed.set((int)list);
            listPages.add(list);
            list = Le.u64(image, Le.page(list) + RegionListDescriptor.NEXT_PFN_OFFSET);
        }
        final List<long[]> runs = new ArrayList<>();
        for (int start = claimed.nextSetBit(0); start >= 0; )
        {
            final int end = claimed.nextClearBit(start);
            runs.add(new long[] {start, end});
            start = claimed.nextSetBit(end);
        }
        if (listPages.isEmpty() || runs.size() > (long)listPages.size() * RegionListDescriptor.REGIONS_MAX)
        {
            return false;
        }
        int run = 0;
        long lastPopulated = listPages.get(0);
        for (int p = 0; p < listPages.size(); p++)
        {
            final long at = Le.page(listPages.get(p));
            Arrays.fill(image, (int)at + RegionListDescriptor.REGIONS_OFFSET, (int)at + Pfn.PAGE_SIZE, (byte)0);
            Le.put64(image, at + RegionListDescriptor.PREV_PFN_OFFSET, p == 0 ? 0 : listPages.get(p - 1));
            for (int i = 0; i < RegionListDescriptor.REGIONS_MAX && run < runs.size(); i++, run++)
            {
                Le.put64(image, at + RegionListDescriptor.regionOffset(i), Le.page(runs.get(run)[0]));
                Le.put64(image, at + RegionListDescriptor.regionOffset(i) + 8,
                    Le.page(runs.get(run)[1] - runs.get(run)[0]));
                lastPopulated = listPages.get(p);
            }
        }
        Le.put64(image, Le.page(listPages.get(0)) + RegionListDescriptor.PREV_PFN_OFFSET, lastPopulated);
        Le.put64(image, sb + SuperBlockDescriptor.NR_REGIONS_OFFSET, runs.size());
        if (Le.u32(image, sb + SuperBlockDescriptor.FORMAT_VERSION_OFFSET) != 0)
        {
            Le.put64(image, sb + SuperBlockDescriptor.PRESERVED_PAGES_OFFSET, claimed.cardinality());
        }
        return true;
    }
}
