package org.pkram;

import org.agrona.DirectBuffer;
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

    /**
     * @return true when the next entry goes into a new link whatever its index: there is no link yet, or it is full.
     */
    boolean atLinkBoundary()
    {
        return linkPfn == Pfn.NULL_PFN || entryIdx == LinkDescriptor.ENTRIES_MAX;
    }

    /**
     * Append a whole link's worth of folio entries at once: the first {@code count} entries of {@code from} (another
     * version's link, whose header is not read), with the entries at {@code patchSlots} replaced by
     * {@code patchEntries}, as one new link at {@code linkIndex}. The entries are what {@link #append} would have
     * written one by one, so the stream is the same; the link page is filled with one copy instead. The writer must
     * be at a link boundary ({@link #atLinkBoundary()}); the next {@link #append} continues this link when
     * {@code endIndex} is its index.
     *
     * @param pfn          the new link's page, from {@link Pages#allocUnzeroed(int)}; every byte of it is written.
     * @param from         the link page to copy the entries of.
     * @param count        entries to copy, 1..{@link LinkDescriptor#ENTRIES_MAX}.
     * @param linkIndex    the index of the first entry.
     * @param endIndex     the index after the last entry's pages.
     * @param patchSlots   slots whose entry is replaced.
     * @param patchEntries the entries that replace them.
     * @param patches      how many of {@code patchSlots} are used.
     */
    void appendLink(final long pfn, final DirectBuffer from, final int count, final long linkIndex, final long endIndex,
        final int[] patchSlots, final long[] patchEntries, final int patches)
    {
        // Every byte of the page is written here (header, entries, zeroed rest), so it need not come zeroed.
        pkram.mem().wrap(link, pfn, 0);
        LinkDescriptor.linkPfn(link, Pfn.NULL_PFN);
        LinkDescriptor.index(link, linkIndex);
        final int entriesBytes = count * LinkDescriptor.ENTRY_LENGTH;
        link.putBytes(LinkDescriptor.ENTRIES_OFFSET, from, LinkDescriptor.ENTRIES_OFFSET, entriesBytes);
        link.setMemory(LinkDescriptor.ENTRIES_OFFSET + entriesBytes, Pfn.PAGE_SIZE - LinkDescriptor.ENTRIES_OFFSET -
            entriesBytes, (byte)0);
        for (int i = 0; i < patches; i++)
        {
            LinkDescriptor.entry(link, patchSlots[i], patchEntries[i]);
        }
        chain(pfn);
        entryIdx = count;
        nextIndex = endIndex;
    }

    private void newLink(final long index)
    {
        final long pfn = pkram.pages().allocMeta();
        pkram.mem().wrap(link, pfn, 0);
        if (folios)
        {
            LinkDescriptor.index(link, index);
        }
        chain(pfn);
        entryIdx = 0;
    }

    /**
     * Make the link in {@link #link} the stream's last: the object's head when it is the first, else the next of
     * the last.
     */
    private void chain(final long pfn)
    {
        final long tail = obj.getLong(tailOffset, java.nio.ByteOrder.LITTLE_ENDIAN);
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
    }
}
