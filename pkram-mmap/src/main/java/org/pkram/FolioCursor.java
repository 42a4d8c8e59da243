package org.pkram;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.pkram.image.LinkCursor;

/**
 * The folios of an object, one at a time, with no object per folio: {@link #next()} moves to the next entry of
 * the folio stream, and {@link #pfn()}, {@link #order()}, {@link #index()} and {@link #buffer()} (one view, moved
 * from folio to folio) describe it. What {@link ObjLoad#loadFolio()} does with a {@link Folio} per page, for a
 * walk of a million folios that allocates nothing per folio.
 * <p>
 * A folio the cursor passes is handed out exactly as one {@code loadFolio()} returns: the caller's once a load
 * finishes, the node's under a live handle. {@link #folio()} makes a {@link Folio} of the current one for a caller
 * that keeps it (to free it, or to save it into a new version). The view is detached like a folio's when the
 * pages stop being the holder's (the load aborted, the node replaced or removed, the instance closed).
 * <p>
 * One per {@link ObjLoad} ({@link ObjLoad#folioCursor()}); it shares the object's position with
 * {@code loadFolio()}. Not thread-safe.
 */
public final class FolioCursor
{
    private final Pkram pkram;
    private final ObjLoad obj;
    private final LinkCursor entries;
    private final UnsafeBuffer view = new UnsafeBuffer(0, 0);
    private boolean registered;
    private boolean positioned;
    /** The view shows the current folio: it is moved only when asked for, so a walk that reads no bytes skips it. */
    private boolean wrapped;

    FolioCursor(final Pkram pkram, final ObjLoad obj, final LinkCursor entries)
    {
        this.pkram = pkram;
        this.obj = obj;
        this.entries = entries;
    }

    /**
     * Move to the next folio of the stream.
     * <p>
     * Errors: EUCLEAN the stream's links are damaged; ENODEV the instance was closed or sealed. The handle's own
     * state is checked at every call; the instance's, which another thread may change, at every link (510 folios):
     * a close or seal from another thread is reported by the next link at the latest (until then the cursor reads
     * the sealed entries, or after a close the zeros the mapping was replaced by, harmlessly), and {@link #buffer()}
     * checks it before every view it moves.
     *
     * @return false at the end of the stream.
     * @throws IllegalStateException the object or its handle is finished, or the node was replaced.
     */
    public boolean next()
    {
        // A walk of a million folios: the instance's volatile flags once a link, not once a folio (they cost the
        // cursor as much as reading the entry).
        obj.checkHandle();
        wrapped = false;
        if (entries.nextEntry())
        {
            positioned = true;
            return true;
        }
        obj.checkOpen();
        positioned = entries.next();
        return positioned;
    }

    /**
     * @return the current folio's first pfn.
     */
    public long pfn()
    {
        checkPositioned();
        return entries.pfn();
    }

    /**
     * @return the current folio's order.
     */
    public int order()
    {
        checkPositioned();
        return entries.order();
    }

    /**
     * @return the current folio's mapping index.
     */
    public long index()
    {
        checkPositioned();
        return entries.index();
    }

    /**
     * A view of the current folio's bytes, in place: the same view object at every step, so keep the bytes, not the
     * view, beyond the next call to {@link #next()}. Once the pages stop being the holder's, a view handed out shows
     * them no more (see {@link Folio#buffer()}), and asking for the next folio's is refused.
     *
     * @return the view.
     * @throws IllegalStateException the cursor is not on a folio, the object or its handle is finished, or the node
     *                               was replaced.
     */
    public MutableDirectBuffer buffer()
    {
        checkPositioned();
        if (!wrapped)
        {
            obj.checkOpen();
            pkram.mem().wrap(view, entries.pfn(), entries.order());
            wrapped = true;
            if (!registered)
            {
                // One view for the whole walk: remembered once, detached with the pages it may show.
                registered = true;
                if (!obj.viewSet().add(view))
                {
                    FolioViews.detach(view);
                }
            }
        }
        return view;
    }

    /**
     * @return a {@link Folio} of the current folio, as {@link ObjLoad#loadFolio()} would have returned it.
     */
    public Folio folio()
    {
        checkPositioned();
        return obj.folioAt(entries.pfn(), entries.order(), entries.index());
    }

    /**
     * @return the node a live handle's cursor walks (its folios are that node's), or null for a load's.
     */
    NodeRecord liveRecord()
    {
        return positioned ? obj.liveRecord() : null;
    }

    @Override
    public String toString()
    {
        return positioned ? "FolioCursor{pfn=0x" + Long.toHexString(entries.pfn()) + ", order=" + entries.order() +
            ", index=" + entries.index() + "}" : "FolioCursor{not on a folio}";
    }

    private void checkPositioned()
    {
        if (!positioned)
        {
            throw new IllegalStateException("the cursor is not on a folio: call next() first, and stop when it " +
                "returns false");
        }
    }
}
