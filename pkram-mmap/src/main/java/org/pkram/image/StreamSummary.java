package org.pkram.image;

import org.pkram.layout.Pfn;

/**
 * The shape of one stream of an object: its links and entries, counted by one bounded walk.
 *
 * @param headLinkPfn the first link, 0 for an empty stream.
 * @param tailLinkPfn the last link as the obj records it.
 * @param links       links walked.
 * @param entries     entries in them.
 * @param pages       pages the entries span.
 * @param firstIndex  the first link's mapping index, -1 for an empty stream.
 * @param orders      entries of each order, 0..10.
 */
public record StreamSummary(
    long headLinkPfn,
    long tailLinkPfn,
    long links,
    long entries,
    long pages,
    long firstIndex,
    long[] orders)
{
    /**
     * @return true when the stream has no link.
     */
    public boolean isEmpty()
    {
        return headLinkPfn == Pfn.NULL_PFN;
    }

    static StreamSummary of(final LinkCursor cursor, final long head, final long tail)
    {
        long links = 0;
        long entries = 0;
        long pages = 0;
        long firstIndex = -1;
        final long[] orders = new long[Pfn.MAX_FOLIO_ORDER + 1];
        cursor.reset(head);
        while (cursor.nextLink())
        {
            if (links++ == 0)
            {
                firstIndex = cursor.linkIndex();
            }
            while (cursor.nextEntry())
            {
                entries++;
                final int order = cursor.order();
                if (Pfn.isValidOrder(order))
                {
                    orders[order]++;
                    pages += Pfn.pageCount(order);
                }
            }
        }
        return new StreamSummary(head, tail, links, entries, pages, firstIndex, orders);
    }
}
