package org.pkram;

import org.agrona.concurrent.UnsafeBuffer;
import org.pkram.layout.LinkDescriptor;
import org.pkram.layout.Pfn;

import java.nio.ByteOrder;

/**
 * Takes entries from one stream of an object in order (the kernel's {@code pkram_next_entry} /
 * {@code pkram_next_link} on the load side), tracking each folio's mapping index.
 * <p>
 * Kernel-faithful mode consumes as the kernel does: each entry taken is zeroed (no double free) and a
 * link page is freed, and the obj's head advanced, as soon as it is exhausted. Crash-safe mode leaves
 * the image untouched until the load finishes, so a crash brings the node back whole; the position
 * reached is kept here instead ({@link #cursorLink()}, {@link #cursorIdx()}).
 */
final class StreamReader
{
    private final Pkram pkram;
    private final UnsafeBuffer obj;
    private final int headOffset;
    private final boolean consume;
    private final UnsafeBuffer link = new UnsafeBuffer(0, 0);
    private long linkPfn;
    private int entryIdx;
    private long index;
    private long entryIndex;

    StreamReader(final Pkram pkram, final UnsafeBuffer obj, final int headOffset, final boolean consume)
    {
        this.pkram = pkram;
        this.obj = obj;
        this.headOffset = headOffset;
        this.consume = consume;
        this.linkPfn = obj.getLong(headOffset, ByteOrder.LITTLE_ENDIAN);
        if (linkPfn != Pfn.NULL_PFN)
        {
            pkram.mem().wrap(link, linkPfn, 0);
            index = LinkDescriptor.index(link);
        }
    }

    /**
     * @return the next entry (its index in {@link #entryIndex()}), or 0 at the end of the stream.
     */
    long next()
    {
        while (linkPfn != Pfn.NULL_PFN)
        {
            if (entryIdx < LinkDescriptor.ENTRIES_MAX)
            {
                final long entry = LinkDescriptor.entry(link, entryIdx);
                if (entry != 0)
                {
                    if (consume)
                    {
                        LinkDescriptor.entry(link, entryIdx, 0);
                    }
                    entryIdx++;
                    entryIndex = index;
                    index += Pfn.pageCount((int)(entry & 0x1f));
                    return entry;
                }
            }
            advanceLink();
        }
        return 0;
    }

    private void advanceLink()
    {
        final long next = LinkDescriptor.linkPfn(link);
        if (consume)
        {
            obj.putLong(headOffset, next, ByteOrder.LITTLE_ENDIAN);
            pkram.freePage(linkPfn, 0);
        }
        linkPfn = next;
        entryIdx = 0;
        if (next != Pfn.NULL_PFN)
        {
            pkram.mem().wrap(link, next, 0);
            index = LinkDescriptor.index(link);
        }
    }

    /**
     * @return the mapping index of the entry {@link #next()} returned last.
     */
    long entryIndex()
    {
        return entryIndex;
    }

    /**
     * @return the link holding the next entry, or {@link Truncator#ALL_CONSUMED} at the end.
     */
    long cursorLink()
    {
        return linkPfn == Pfn.NULL_PFN ? Truncator.ALL_CONSUMED : linkPfn;
    }

    /**
     * @return the index of the next entry in {@link #cursorLink()}.
     */
    int cursorIdx()
    {
        return entryIdx;
    }
}
