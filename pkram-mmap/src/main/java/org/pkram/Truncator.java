package org.pkram;

import org.agrona.concurrent.UnsafeBuffer;
import org.pkram.layout.EntryCodec;
import org.pkram.layout.LinkDescriptor;
import org.pkram.layout.NodeDescriptor;
import org.pkram.layout.ObjDescriptor;
import org.pkram.layout.Pfn;
import org.pkram.mem.PageAllocator;
import org.pkram.mem.PhysMem;

/**
 * Frees what a node, an object or a stream still holds: the kernel's {@code pkram_truncate_link}
 * → {@code _links} → {@code _obj} → {@code _node} helpers. Used by discard, truncate and finish-load.
 * <p>
 * Only call on structures no longer reachable from the image (unlinked, or never chained), so a
 * crash half way leaves nothing referencing a freed page.
 */
final class Truncator
{
    /** Cursor value meaning "every folio of the stream was handed out". */
    static final long ALL_CONSUMED = -1;

    private final PhysMem mem;
    private final PageAllocator allocator;
    private final UnsafeBuffer view = new UnsafeBuffer(0, 0);
    private final UnsafeBuffer link = new UnsafeBuffer(0, 0);

    Truncator(final PhysMem mem, final PageAllocator allocator)
    {
        this.mem = mem;
        this.allocator = allocator;
    }

    /**
     * Free a node page and every object from {@code firstObjPfn} on.
     */
    void truncateNode(final long nodePfn, final long firstObjPfn)
    {
        long obj = firstObjPfn;
        while (obj != Pfn.NULL_PFN)
        {
            mem.wrap(view, obj, 0);
            final long next = ObjDescriptor.objPfn(view);
            truncateObj(obj, Pfn.NULL_PFN, 0);
            obj = next;
        }
        allocator.free(nodePfn, 0);
    }

    /**
     * Free an object: its folios from the cursor on, every link, every byte-data page, the obj page.
     *
     * @param objPfn     the object.
     * @param cursorLink folio link where the caller stopped loading (folios before it, and before
     *                   {@code cursorIdx} in it, were handed out and are the caller's); 0 when none was
     *                   handed out; {@link #ALL_CONSUMED} when all were.
     * @param cursorIdx  entry index in {@code cursorLink}.
     */
    void truncateObj(final long objPfn, final long cursorLink, final int cursorIdx)
    {
        mem.wrap(view, objPfn, 0);
        final long foliosHead = ObjDescriptor.foliosHeadLinkPfn(view);
        final long bytesHead = ObjDescriptor.bytesHeadLinkPfn(view);
        truncateLinks(foliosHead, cursorLink, cursorIdx);
        truncateLinks(bytesHead, Pfn.NULL_PFN, 0);
        allocator.free(objPfn, 0);
    }

    private void truncateLinks(final long head, final long cursorLink, final int cursorIdx)
    {
        boolean consumed = cursorLink != Pfn.NULL_PFN;
        long pfn = head;
        while (pfn != Pfn.NULL_PFN)
        {
            mem.wrap(link, pfn, 0);
            final long next = LinkDescriptor.linkPfn(link);
            final int from;
            if (!consumed)
            {
                from = 0;
            }
            else if (pfn == cursorLink)
            {
                from = cursorIdx;
                consumed = false;
            }
            else
            {
                from = LinkDescriptor.ENTRIES_MAX;
            }
            for (int i = from; i < LinkDescriptor.ENTRIES_MAX; i++)
            {
                final long entry = LinkDescriptor.entry(link, i);
                if (entry == 0)
                {
                    // Unused, or consumed by a kernel-faithful load (zeroed to avoid a double free).
                    continue;
                }
                allocator.free(EntryCodec.pfn(entry), EntryCodec.order(entry));
            }
            allocator.free(pfn, 0);
            pfn = next;
        }
    }

    /**
     * @return the first object of a node page.
     */
    long firstObj(final long nodePfn)
    {
        mem.wrap(view, nodePfn, 0);
        return NodeDescriptor.objPfn(view);
    }
}
