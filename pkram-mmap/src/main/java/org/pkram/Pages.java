package org.pkram;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.pkram.layout.Pfn;
import org.pkram.mem.PageAllocator;
import org.pkram.mem.PhysMem;

/**
 * Page allocation for the structures and the data: the kernel's {@code pkram_alloc_page} (zeroed metadata
 * pages) and {@code alloc_page} for data, over the allocator rebuilt at boot.
 */
final class Pages
{
    private final PhysMem mem;
    private final PageAllocator allocator;

    Pages(final PhysMem mem, final PageAllocator allocator)
    {
        this.mem = mem;
        this.allocator = allocator;
    }

    /**
     * @return a zeroed page for a node, obj, link or regions list page.
     */
    long allocMeta()
    {
        return allocZeroed(0);
    }

    /**
     * @return a page for byte-stream data (every byte is written before it is preserved).
     */
    long allocData()
    {
        return allocator.alloc(0);
    }

    /**
     * @return a zeroed folio of that order.
     */
    long allocZeroed(final int order)
    {
        final long pfn = allocator.alloc(order);
        // Pages come back from the allocator with whatever an earlier owner left in them.
        mem.zero(pfn, order);
        return pfn;
    }

    /**
     * @return a folio holding whatever an earlier owner left in it, for a caller that writes every byte of it before
     *         anyone can read it ({@link FileTransfer}: zeroing it through the mapping first would fault in every
     *         page the copy is there to spare).
     */
    long allocUnzeroed(final int order)
    {
        return allocator.alloc(order);
    }

    /**
     * @return a folio of that order holding a copy of {@code src}'s bytes from {@code offset} (bounds checked by the
     *         caller): every byte written once, so no zeroing pass.
     */
    long allocCopy(final int order, final DirectBuffer src, final int offset)
    {
        final long pfn = allocUnzeroed(order);
        try
        {
            final UnsafeBuffer folio = new UnsafeBuffer(0, 0);
            mem.wrap(folio, pfn, order);
            folio.putBytes(0, src, offset, Pfn.PAGE_SIZE << order);
            return pfn;
        }
        catch (final RuntimeException ex)
        {
            allocator.free(pfn, order);
            throw ex;
        }
    }

    void free(final long pfn, final int order)
    {
        allocator.free(pfn, order);
    }

    boolean isBanned(final long pfn, final int order)
    {
        return allocator.isBanned(pfn, order);
    }

    Truncator truncator()
    {
        return new Truncator(mem, allocator);
    }

    PageAllocator allocator()
    {
        return allocator;
    }

    PageCounts counts()
    {
        return new PageCounts(allocator.totalPages(), allocator.freePages(), allocator.usedPages(),
            allocator.reservedPages(), allocator.bannedPages());
    }
}
