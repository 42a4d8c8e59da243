package org.pkram.layout;

import java.nio.ByteOrder;
import java.util.Objects;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Emulates struct pkram_region_list and struct pkram_region (mm/pkram.c, v3). Occupies one page.
 * <p>
 * The regions list tells the next boot which pages to reserve: every preserved page (data, node,
 * obj and link pages, the super block page and the list pages themselves) lies in exactly one
 * region. A region is a {@code base} and a {@code size}, both in <em>bytes</em> and page aligned
 * ({@code phys_addr_t}), naming a maximal run of contiguous preserved pages; regions ascend by
 * address within a page and across pages.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                            Prev PFN                           |   0
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                            Next PFN                           |   8
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                     Region 0 Base (bytes)                     |  16
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                     Region 0 Size (bytes)                     |  24
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |        Regions 1..254, zero when unused, to end of page     ...  32
 * ...                                                              |
 *  +---------------------------------------------------------------+
 * </pre>
 * The pages are chained by {@code next_pfn}, the regions ascending along the chain. The first page's
 * {@code prev_pfn} points to the last populated page (for top-down iteration); every other page's
 * {@code prev_pfn} points to its predecessor. Iteration ends after {@code nr_regions} regions (in
 * the super block), at a region of size 0, or at {@code next_pfn == 0}.
 * <p>
 * The accessors index a buffer that views exactly this page (index 0 = the page's first byte), and
 * are all little-endian.
 */
public final class RegionListDescriptor
{
    /** Offset of {@code __u64 prev_pfn}: in the first page the last populated page, else the previous page. */
    public static final int PREV_PFN_OFFSET = 0;

    /** Offset of {@code __u64 next_pfn}: the next list page (0 = last). */
    public static final int NEXT_PFN_OFFSET = PREV_PFN_OFFSET + Long.BYTES;

    /** Offset of {@code struct pkram_region regions[]}: the regions, to the end of the page. */
    public static final int REGIONS_OFFSET = NEXT_PFN_OFFSET + Long.BYTES;

    /** Offset of {@code phys_addr_t base} within a region: the first byte of the run, page aligned. */
    public static final int REGION_BASE_OFFSET = 0;

    /** Offset of {@code phys_addr_t size} within a region: the run's length in bytes, a page multiple. */
    public static final int REGION_SIZE_OFFSET = REGION_BASE_OFFSET + Long.BYTES;

    /** {@code sizeof(struct pkram_region)}. */
    public static final int REGION_LENGTH = REGION_SIZE_OFFSET + Long.BYTES;

    /** {@code PKRAM_REGIONS_LIST_MAX}: regions in one list page, (4096 - 16) / 16 = 255. */
    public static final int REGIONS_MAX = regionsMax(Pfn.PAGE_SIZE);

    private RegionListDescriptor()
    {
    }

    /**
     * {@code PKRAM_REGIONS_LIST_MAX} for a page size, derived as the kernel derives it.
     *
     * @param pageSize bytes in a page.
     * @return the number of regions a list page of that size holds.
     */
    public static int regionsMax(final int pageSize)
    {
        return (pageSize - REGIONS_OFFSET) / REGION_LENGTH;
    }

    /**
     * Locates a region in the list page.
     *
     * @param i a region number, {@code 0 <= i < REGIONS_MAX}.
     * @return the byte offset of region {@code i} in the list page.
     * @throws IndexOutOfBoundsException when {@code i} is outside the page.
     */
    public static int regionOffset(final int i)
    {
        return REGIONS_OFFSET + Objects.checkIndex(i, REGIONS_MAX) * REGION_LENGTH;
    }

    /**
     * Reads {@code prev_pfn}.
     *
     * @param page a view of the list page.
     * @return the pfn of the previous list page (in the first page: the last populated one).
     */
    public static long prevPfn(final DirectBuffer page)
    {
        return page.getLong(PREV_PFN_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Writes {@code prev_pfn}.
     *
     * @param page a view of the list page.
     * @param pfn  the pfn of the previous list page (in the first page: the last populated one).
     */
    public static void prevPfn(final MutableDirectBuffer page, final long pfn)
    {
        page.putLong(PREV_PFN_OFFSET, pfn, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Reads {@code next_pfn}.
     *
     * @param page a view of the list page.
     * @return the pfn of the next list page, 0 when last.
     */
    public static long nextPfn(final DirectBuffer page)
    {
        return page.getLong(NEXT_PFN_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Writes {@code next_pfn}.
     *
     * @param page a view of the list page.
     * @param pfn  the pfn of the next list page, 0 when last.
     */
    public static void nextPfn(final MutableDirectBuffer page, final long pfn)
    {
        page.putLong(NEXT_PFN_OFFSET, pfn, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Reads {@code regions[i].base}.
     *
     * @param page a view of the list page.
     * @param i    a region number, {@code 0 <= i < REGIONS_MAX}.
     * @return the region's base address in bytes (a file offset), page aligned.
     * @throws IndexOutOfBoundsException when {@code i} is outside the page.
     */
    public static long regionBase(final DirectBuffer page, final int i)
    {
        return page.getLong(regionOffset(i) + REGION_BASE_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Writes {@code regions[i].base}.
     *
     * @param page a view of the list page.
     * @param i    a region number, {@code 0 <= i < REGIONS_MAX}.
     * @param addr the region's base address in bytes, page aligned.
     * @throws IndexOutOfBoundsException when {@code i} is outside the page.
     */
    public static void regionBase(final MutableDirectBuffer page, final int i, final long addr)
    {
        page.putLong(regionOffset(i) + REGION_BASE_OFFSET, addr, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Reads {@code regions[i].size}.
     *
     * @param page a view of the list page.
     * @param i    a region number, {@code 0 <= i < REGIONS_MAX}.
     * @return the region's size in bytes, a multiple of the page size; 0 ends the list.
     * @throws IndexOutOfBoundsException when {@code i} is outside the page.
     */
    public static long regionSize(final DirectBuffer page, final int i)
    {
        return page.getLong(regionOffset(i) + REGION_SIZE_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Writes {@code regions[i].size}.
     *
     * @param page   a view of the list page.
     * @param i      a region number, {@code 0 <= i < REGIONS_MAX}.
     * @param length the region's size in bytes, a multiple of the page size.
     * @throws IndexOutOfBoundsException when {@code i} is outside the page.
     */
    public static void regionSize(final MutableDirectBuffer page, final int i, final long length)
    {
        page.putLong(regionOffset(i) + REGION_SIZE_OFFSET, length, ByteOrder.LITTLE_ENDIAN);
    }
}
