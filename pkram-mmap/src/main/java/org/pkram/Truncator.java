package org.pkram;

import org.agrona.concurrent.UnsafeBuffer;
import org.pkram.image.LinkCursor;
import org.pkram.layout.EntryCodec;
import org.pkram.layout.LinkDescriptor;
import org.pkram.layout.NodeDescriptor;
import org.pkram.layout.ObjDescriptor;
import org.pkram.layout.Pfn;
import org.pkram.mem.PageAllocator;
import org.pkram.mem.PhysMem;

import java.util.List;
import java.util.function.LongPredicate;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Frees what a node, an object or a stream still holds: the kernel's {@code pkram_truncate_link}
 * → {@code _links} → {@code _obj} → {@code _node} helpers. Used by discard, truncate and finish-load.
 * <p>
 * Only call on structures no longer reachable from the image (unlinked, or never chained), so a
 * crash half way leaves nothing referencing a freed page.
 */
final class Truncator
{
    private static final LongPredicate NONE = pfn -> false;

    private final PhysMem mem;
    private final PageAllocator allocator;
    private final UnsafeBuffer view = new UnsafeBuffer(0, 0);
    private final LinkCursor cursor;

    Truncator(final PhysMem mem, final PageAllocator allocator)
    {
        this.mem = mem;
        this.allocator = allocator;
        this.cursor = new LinkCursor(mem);
    }

    /**
     * Take nodes out of the list and the image, detach the views of their folios, and free their pages. The
     * walk holds the mapping's read lock, so the instance cannot unmap under it.
     *
     * @param nodes  the node list.
     * @param unlink takes the nodes off the list and out of the image, under its lock (refused once sealed).
     * @param free   frees one taken node's pages.
     * @return the nodes freed.
     */
    static List<NodeRecord> reclaim(final NodeList nodes, final Supplier<List<NodeRecord>> unlink,
        final Consumer<NodeRecord> free)
    {
        nodes.beginWalk();
        try
        {
            final List<NodeRecord> taken = unlink.get();
            for (final NodeRecord record : taken)
            {
                record.detachViews();
                free.accept(record);
            }
            return taken;
        }
        finally
        {
            nodes.endWalk();
        }
    }

    /**
     * Free a node page and every object from {@code firstObjPfn} on.
     */
    void truncateNode(final long nodePfn, final long firstObjPfn)
    {
        truncateNode(nodePfn, firstObjPfn, NONE, NONE);
    }

    /**
     * Free a whole node but the folios {@code keep} names (shared with another version of the node).
     */
    void truncateNode(final long nodePfn, final LongPredicate keep)
    {
        truncateNode(nodePfn, keep, NONE);
    }

    /**
     * Free a whole node but the folios {@code keep} names; of the objects {@code linksOnly} names, only the folio
     * links, not the folios: a replace carried those streams whole, so each of their folios is shared with the new
     * version or freed by the replace itself, and reading a large stream's entries again would be wasted.
     */
    void truncateNode(final long nodePfn, final LongPredicate keep, final LongPredicate linksOnly)
    {
        mem.wrap(view, nodePfn, 0);
        truncateNode(nodePfn, NodeDescriptor.objPfn(view), keep, linksOnly);
    }

    private void truncateNode(final long nodePfn, final long firstObjPfn, final LongPredicate keep,
        final LongPredicate linksOnly)
    {
        long obj = firstObjPfn;
        while (obj != Pfn.NULL_PFN)
        {
            mem.wrap(view, obj, 0);
            final long next = ObjDescriptor.objPfn(view);
            // ALL_TAKEN: every folio counts as handed out, so the walk frees the links and reads no entry.
            truncateObj(obj, linksOnly.test(obj) ? LinkCursor.ALL_TAKEN : Pfn.NULL_PFN, 0, keep);
            obj = next;
        }
        allocator.free(nodePfn, 0);
    }

    /**
     * Free a whole node: its page and every object.
     */
    void truncateNode(final long nodePfn)
    {
        mem.wrap(view, nodePfn, 0);
        truncateNode(nodePfn, NodeDescriptor.objPfn(view));
    }

    /**
     * Free an object: its folios from the resume point on, every link, every byte-data page, the obj page.
     *
     * @param objPfn     the object.
     * @param resumeLink folio link holding the first folio not handed out (folios before it were, and are the
     *                   caller's); 0 when none was handed out; {@link LinkCursor#ALL_TAKEN} when all were.
     * @param resumeSlot that folio's slot in {@code resumeLink}.
     */
    void truncateObj(final long objPfn, final long resumeLink, final int resumeSlot)
    {
        truncateObj(objPfn, resumeLink, resumeSlot, NONE);
    }

    private void truncateObj(final long objPfn, final long resumeLink, final int resumeSlot, final LongPredicate keep)
    {
        mem.wrap(view, objPfn, 0);
        final long foliosHead = ObjDescriptor.foliosHeadLinkPfn(view);
        final long bytesHead = ObjDescriptor.bytesHeadLinkPfn(view);
        truncateLinks(foliosHead, resumeLink, resumeSlot, keep);
        truncateLinks(bytesHead, Pfn.NULL_PFN, 0, NONE);
        allocator.free(objPfn, 0);
    }

    private void truncateLinks(final long head, final long resumeLink, final int resumeSlot, final LongPredicate keep)
    {
        boolean handedOut = resumeLink != Pfn.NULL_PFN;
        cursor.reset(head);
        while (cursor.nextLink())
        {
            int from = 0;
            if (handedOut)
            {
                from = cursor.linkPfn() == resumeLink ? resumeSlot : LinkDescriptor.ENTRIES_MAX;
                handedOut = cursor.linkPfn() != resumeLink;
            }
            for (int i = from; i < LinkDescriptor.ENTRIES_MAX; i++)
            {
                // Every slot, not only up to the first empty one: the kernel's load zeroes the entries it hands
                // out (no double free), so a stream another implementation read in part has empty slots.
                final long entry = LinkDescriptor.entry(cursor.link(), i);
                if (entry != 0 && !keep.test(EntryCodec.pfn(entry)))
                {
                    allocator.free(EntryCodec.pfn(entry), EntryCodec.order(entry));
                }
            }
            // The cursor read the next link's pfn on entering this one: freeing it now is safe.
            allocator.free(cursor.linkPfn(), 0);
        }
    }
}
