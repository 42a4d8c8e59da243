package org.pkram.image;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.pkram.error.CorruptImageException;
import org.pkram.layout.EntryCodec;
import org.pkram.layout.LinkDescriptor;
import org.pkram.layout.Pfn;
import org.pkram.mem.PhysMem;

/**
 * A bounded cursor over one stream's chain of {@code struct pkram_link} pages: the kernel's
 * {@code pkram_next_link} and {@code pkram_next_entry}, as a flyweight. It yields each entry's pfn, order,
 * flags and mapping index without an object per entry, and walks the chain by link
 * ({@link #nextLink()} then {@link #nextEntry()}) or straight through ({@link #next()}).
 * <p>
 * Every walk of a stream goes through this class: loads, views, truncate and the boot scan. A walk is
 * bounded: a chain longer than the file has pages is a cycle, reported as {@link CorruptImageException}
 * (EUCLEAN) instead of a hang, and a link pfn outside the file is refused before it is read.
 * <p>
 * A link's next pointer is read when the cursor enters the link, so a caller freeing a stream (truncate) may
 * free a link as soon as the cursor has left it. The cursor reads only.
 * Single-threaded; reusable through {@link #reset(long)}.
 */
public final class LinkCursor
{
    /** {@link #resumeLinkPfn(long)} once every entry of the stream was handed out. */
    public static final long ALL_TAKEN = -1;

    private final PhysMem mem;
    private final long maxLinks;
    private final UnsafeBuffer link = new UnsafeBuffer(0, 0);
    private long nextLinkPfn;
    private long linkPfn;
    private long linkIndex;
    private long linksVisited;
    private int slot;
    private long entry;
    private long index;
    private long nextIndex;
    private boolean started;

    /**
     * @param mem the mapping the stream lives in.
     */
    public LinkCursor(final PhysMem mem)
    {
        this.mem = mem;
        this.maxLinks = mem.pfnCount();
    }

    /**
     * Position before the first link of a stream, reading without consuming.
     *
     * @param headLinkPfn the stream's first link, 0 for an empty stream.
     * @return this.
     */
    public LinkCursor reset(final long headLinkPfn)
    {
        nextLinkPfn = headLinkPfn;
        linkPfn = Pfn.NULL_PFN;
        linkIndex = 0;
        linksVisited = 0;
        slot = -1;
        entry = 0;
        index = 0;
        nextIndex = 0;
        started = false;
        return this;
    }

    /**
     * @return true when {@link #nextLink()} would enter another link.
     */
    public boolean hasNextLink()
    {
        return nextLinkPfn != Pfn.NULL_PFN;
    }

    /**
     * @return the link {@link #nextLink()} would enter, 0 at the end.
     */
    public long nextLinkPfn()
    {
        return nextLinkPfn;
    }

    /**
     * Enter the next link of the chain (the first one on the first call).
     *
     * @return false at the end of the chain.
     * @throws CorruptImageException (EUCLEAN) the link lies outside the file, or the chain is longer than the
     *                               file has pages (a cycle).
     */
    public boolean nextLink()
    {
        started = true;
        if (nextLinkPfn == Pfn.NULL_PFN)
        {
            linkPfn = Pfn.NULL_PFN;
            slot = -1;
            return false;
        }
        if (++linksVisited > maxLinks)
        {
            throw new CorruptImageException("stream has more links than the file has pages (a cycle): link=0x" +
                Long.toHexString(nextLinkPfn));
        }
        if (nextLinkPfn <= 0 || nextLinkPfn >= maxLinks)
        {
            throw new CorruptImageException("link pfn out of range: pfn=0x" + Long.toHexString(nextLinkPfn) +
                ", pfnCount=0x" + Long.toHexString(maxLinks));
        }
        linkPfn = nextLinkPfn;
        mem.wrap(link, linkPfn, 0);
        linkIndex = LinkDescriptor.index(link);
        nextIndex = linkIndex;
        nextLinkPfn = LinkDescriptor.linkPfn(link);
        slot = -1;
        entry = 0;
        return true;
    }

    /**
     * Step to the next used entry of the current link: entries are used from slot 0 up, and the first empty
     * (zero) one ends the link.
     *
     * @return false at the end of the link.
     */
    public boolean nextEntry()
    {
        if (linkPfn == Pfn.NULL_PFN)
        {
            return false;
        }
        final int next = slot + 1;
        if (next >= LinkDescriptor.ENTRIES_MAX)
        {
            return false;
        }
        final long value = LinkDescriptor.entry(link, next);
        if (value == 0)
        {
            return false;
        }
        slot = next;
        entry = value;
        index = nextIndex;
        nextIndex += 1L << (value & EntryCodec.ORDER_MASK);
        return true;
    }

    /**
     * Step to the next entry of the stream, entering links as needed.
     *
     * @return false at the end of the stream.
     */
    public boolean next()
    {
        while (true)
        {
            if (nextEntry())
            {
                return true;
            }
            if (!nextLink())
            {
                return false;
            }
        }
    }

    /**
     * @return the slot of the first non-zero entry after the current link's first empty one, or -1 (an image
     *         pkram or the kernel wrote has none: unused entries are zero).
     */
    public int strayEntryAfterEnd()
    {
        int i = slot + 1;
        while (i < LinkDescriptor.ENTRIES_MAX && LinkDescriptor.entry(link, i) != 0)
        {
            i++;
        }
        for (; i < LinkDescriptor.ENTRIES_MAX; i++)
        {
            if (LinkDescriptor.entry(link, i) != 0)
            {
                return i;
            }
        }
        return -1;
    }

    /**
     * @return the current link, 0 before the first or after the last.
     */
    public long linkPfn()
    {
        return linkPfn;
    }

    /**
     * @return the current link's {@code index} field.
     */
    public long linkIndex()
    {
        return linkIndex;
    }

    /**
     * @return the current link's page, read-only.
     */
    public DirectBuffer link()
    {
        return link;
    }

    /**
     * @return the current entry's slot in its link, -1 before the first.
     */
    public int slot()
    {
        return slot;
    }

    /**
     * @return the current entry, encoded ({@code phys | order | flags << 5}).
     */
    public long entry()
    {
        return entry;
    }

    /**
     * @return the current entry's first pfn.
     */
    public long pfn()
    {
        return EntryCodec.pfn(entry);
    }

    /**
     * @return the current entry's folio order.
     */
    public int order()
    {
        return EntryCodec.order(entry);
    }

    /**
     * @return the current entry's flags (v3 defines none).
     */
    public int flags()
    {
        return EntryCodec.flags(entry);
    }

    /**
     * @return the current entry's mapping index: the link's index plus the pages of the entries before it.
     */
    public long index()
    {
        return index;
    }

    /**
     * @return true once the walk has moved (to a link or an entry) since the last {@link #reset(long)}: false means
     *         every entry of the stream is still ahead.
     */
    public boolean isStarted()
    {
        return started;
    }

    /**
     * Where a walk that stopped here resumes, for freeing what was not handed out: the link holding the next
     * entry, the whole stream's head when nothing was taken, or {@link #ALL_TAKEN} at the end.
     *
     * @param headLinkPfn the stream's head (returned when the walk has not started).
     * @return a link pfn, or {@link #ALL_TAKEN}.
     */
    public long resumeLinkPfn(final long headLinkPfn)
    {
        if (!started)
        {
            return headLinkPfn;
        }
        return linkPfn == Pfn.NULL_PFN ? ALL_TAKEN : linkPfn;
    }

    /**
     * @return the slot of the next entry in {@link #resumeLinkPfn(long)}'s link.
     */
    public int resumeSlot()
    {
        return slot + 1;
    }
}
