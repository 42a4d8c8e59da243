package org.pkram.layout;

/**
 * Page frame numbers: page {@code pfn} of the memory file is bytes
 * {@code [pfn * PAGE_SIZE, pfn * PAGE_SIZE + PAGE_SIZE)}. pfn 0 is never a page anyone is handed
 * ({@link #NULL_PFN} means "none" in every struct), as in the kernel's {@code PHYS_PFN}.
 * <p>
 * Units never mix: a {@code pfn} is a page number, an {@code addr} a byte offset in the file,
 * and the conversions are these functions.
 */
public final class Pfn
{
    /** log2 of the page size: x86-64's 4 KiB pages, the size the kernel structs are laid out for. */
    public static final int PAGE_SHIFT = 12;

    /** Bytes in a page. */
    public static final int PAGE_SIZE = 1 << PAGE_SHIFT;

    /** "No page": the end of a list, an empty head. */
    public static final long NULL_PFN = 0;

    /**
     * Highest folio order pkram accepts (a folio of order k is 2^k naturally aligned pages). The
     * kernel rejects {@code order >= MAX_ORDER}; on Linux 6.3, the v3 base, MAX_ORDER is 11.
     */
    public static final int MAX_FOLIO_ORDER = 10;

    private Pfn()
    {
    }

    /**
     * @param pfn a page frame number.
     * @return the byte offset of its first byte in the memory file.
     */
    public static long toAddr(final long pfn)
    {
        return pfn << PAGE_SHIFT;
    }

    /**
     * @param addr a byte offset in the memory file.
     * @return the page frame number of the page holding it.
     */
    public static long fromAddr(final long addr)
    {
        return addr >>> PAGE_SHIFT;
    }

    /**
     * @param order a folio order, 0..{@link #MAX_FOLIO_ORDER}.
     * @return the number of pages in a folio of that order.
     */
    public static int pageCount(final int order)
    {
        return 1 << order;
    }

    /**
     * @param order a folio order.
     * @return true when {@code 0 <= order <= MAX_FOLIO_ORDER}.
     */
    public static boolean isValidOrder(final int order)
    {
        return order >= 0 && order <= MAX_FOLIO_ORDER;
    }
}
