package org.pkram;

import org.agrona.concurrent.UnsafeBuffer;
import org.pkram.layout.EntryCodec;
import org.pkram.layout.LinkDescriptor;
import org.pkram.layout.Pfn;

/**
 * Appends entries to one stream of an object (the kernel's {@code pkram_data_stream} on the save
 * side, {@code pkram_add_link_entry} / {@code pkram_new_link}): links FIFO, entries in order, a new
 * link when there is none, when the current one is full (510 entries), or, for folios, when the
 * next index is not the expected one. Unused entries stay zero (pages come zeroed).
 */
final class StreamWriter
{
    private final Pkram pkram;
    private final UnsafeBuffer obj;
    private final int headOffset;
    private final int tailOffset;
    private final boolean folios;
    private final UnsafeBuffer link = new UnsafeBuffer(0, 0);
    private long linkPfn = Pfn.NULL_PFN;
    private int entryIdx;
    private long nextIndex;

    StreamWriter(final Pkram pkram, final UnsafeBuffer obj, final int headOffset, final int tailOffset,
        final boolean folios)
    {
        this.pkram = pkram;
        this.obj = obj;
        this.headOffset = headOffset;
        this.tailOffset = tailOffset;
        this.folios = folios;
    }

    /**
     * Record a folio (or, for a byte stream, a data page) at {@code index}.
     */
    void append(final long pfn, final int order, final long index)
    {
        if (linkPfn == Pfn.NULL_PFN || entryIdx == LinkDescriptor.ENTRIES_MAX || (folios && index != nextIndex))
        {
            newLink(index);
        }
        LinkDescriptor.entry(link, entryIdx++, EntryCodec.encode(pfn, order));
        nextIndex = index + Pfn.pageCount(order);
    }

    private void newLink(final long index)
    {
        final long pfn = pkram.pages().allocMeta();
        final long tail = obj.getLong(tailOffset, java.nio.ByteOrder.LITTLE_ENDIAN);
        pkram.mem().wrap(link, pfn, 0);
        if (folios)
        {
            LinkDescriptor.index(link, index);
        }
        if (tail == Pfn.NULL_PFN)
        {
            obj.putLong(headOffset, pfn, java.nio.ByteOrder.LITTLE_ENDIAN);
        }
        else
        {
            LinkDescriptor.linkPfn(pkram.mem().page(tail), pfn);
        }
        obj.putLong(tailOffset, pfn, java.nio.ByteOrder.LITTLE_ENDIAN);
        linkPfn = pfn;
        entryIdx = 0;
    }
}
