package org.pkram.mem;

import org.pkram.error.InvalidArgumentException;
import org.pkram.layout.Pfn;

/**
 * The argument checks of the {@link PageAllocator} and the exceptions they throw. An order out of range
 * is the kernel's EINVAL ({@link InvalidArgumentException}), as {@code pkram_alloc_page} would report
 * it; a pfn, folio or range outside the memory file is a caller bug ({@link IllegalArgumentException}),
 * like freeing a folio that is not taken ({@link IllegalStateException}). Every message names the
 * values that failed, {@code key=value}.
 */
final class FolioChecks
{
    private FolioChecks()
    {
    }

    static void checkTotalPfns(final long totalPfns)
    {
        if (totalPfns < 2 || totalPfns > PageAllocator.MAX_TOTAL_PFNS)
        {
            throw new IllegalArgumentException("page allocator size out of range: totalPfns=" + totalPfns +
                ", min=2, max=" + PageAllocator.MAX_TOTAL_PFNS);
        }
    }

    static void checkOrder(final int order, final String operation)
    {
        if (!Pfn.isValidOrder(order))
        {
            throw new InvalidArgumentException(operation + " order out of range: order=" + order +
                ", max=" + Pfn.MAX_FOLIO_ORDER);
        }
    }

    static void checkPfn(final long pfn, final long totalPfns)
    {
        if (pfn < 0 || pfn >= totalPfns)
        {
            throw new IllegalArgumentException("pfn out of range: pfn=" + pfn + ", totalPfns=" + totalPfns);
        }
    }

    /** A folio must lie inside the file, past pfn 0, and start at a multiple of its size. */
    static void checkFolio(final long pfn, final int order, final long totalPfns, final String operation)
    {
        final int pages = Pfn.pageCount(order);
        if (pfn <= Pfn.NULL_PFN || pfn > totalPfns - pages || (pfn & (pages - 1)) != 0)
        {
            throw new IllegalArgumentException(operation + " folio out of range or misaligned: pfn=" + pfn +
                ", order=" + order + ", totalPfns=" + totalPfns);
        }
    }

    static void checkBanRange(final long startPfn, final long endPfnInclusive, final long totalPfns)
    {
        if (startPfn < 0 || startPfn > endPfnInclusive || endPfnInclusive >= totalPfns)
        {
            throw new IllegalArgumentException("ban region out of range: start=" + startPfn +
                ", end=" + endPfnInclusive + ", totalPfns=" + totalPfns);
        }
    }

    static IllegalStateException doubleFree(final long pfn, final int order)
    {
        return new IllegalStateException("double free: pfn=" + pfn + ", order=" + order);
    }
}
