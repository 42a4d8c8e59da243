package org.pkram.boot;

/**
 * One node found in a preserved image, with what it holds: the boot's node list and the figures
 * {@code ls} and {@code inspect} print.
 */
public final class NodeEntry
{
    private final long pfn;
    private final String name;
    private final int flags;
    long objs;
    long links;
    long folios;
    long folioPages;
    long dataLen;
    final long[] orders = new long[org.pkram.layout.Pfn.MAX_FOLIO_ORDER + 1];

    NodeEntry(final long pfn, final String name, final int flags)
    {
        this.pfn = pfn;
        this.name = name;
        this.flags = flags;
    }

    /** @return the node page's pfn. */
    public long pfn()
    {
        return pfn;
    }

    /** @return the node's name. */
    public String name()
    {
        return name;
    }

    /** @return the flags word found on the page (PKRAM_LOAD when a crash interrupted a load). */
    public int flags()
    {
        return flags;
    }

    /** @return number of objects. */
    public long objs()
    {
        return objs;
    }

    /** @return number of link pages, folio and byte streams together. */
    public long links()
    {
        return links;
    }

    /** @return number of folios. */
    public long folios()
    {
        return folios;
    }

    /** @return pages in folios. */
    public long folioPages()
    {
        return folioPages;
    }

    /** @return bytes in byte streams. */
    public long dataLen()
    {
        return dataLen;
    }

    /**
     * @param order 0..10.
     * @return folios of that order.
     */
    public long foliosOfOrder(final int order)
    {
        return orders[order];
    }
}
