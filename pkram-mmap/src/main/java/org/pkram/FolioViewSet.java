package org.pkram;

import org.agrona.concurrent.UnsafeBuffer;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongPredicate;

/**
 * The views handed out over a set of pages that may stop being their holders' all at once: the folios saved
 * into a node, or handed out by a load that may be aborted. Held weakly (a view its holder dropped needs no
 * detaching) and detached together when the pages go. Thread safe: guarded by this object's monitor.
 */
final class FolioViewSet
{
    private List<WeakReference<UnsafeBuffer>> views;
    private int viewsAtLastPurge;
    private volatile boolean gone;

    /**
     * Remember a view so it can be detached when the pages go.
     *
     * @return false when the pages are already gone (the caller detaches the view itself).
     */
    synchronized boolean add(final UnsafeBuffer view)
    {
        return addRef(new WeakReference<>(view));
    }

    private synchronized boolean addRef(final WeakReference<UnsafeBuffer> ref)
    {
        if (gone)
        {
            return false;
        }
        if (views == null)
        {
            views = new ArrayList<>();
        }
        if (views.size() >= 2 * Math.max(16, viewsAtLastPurge))
        {
            // Views their holders dropped are cleared by the GC; drop them from the list as it grows, so
            // the list stays proportional to the views still held.
            views.removeIf(r -> r.get() == null);
            viewsAtLastPurge = views.size();
        }
        views.add(ref);
        return true;
    }

    /**
     * The pages are about to be freed: point every view at harmless memory.
     */
    void detachAll()
    {
        detachAllBut(pfn -> false, null, 0);
    }

    /**
     * The pages are about to be freed, except those {@code keep} names, which now belong to {@code heir}: detach
     * every other view, and hand the kept ones to the heir's set (a replace sharing folios with the old version).
     *
     * @param keep  pfns whose pages live on.
     * @param heir  where views of those pages are remembered from now on.
     * @param base  address of pfn 0 in the mapping, to tell a view's pfn from its address.
     */
    void detachAllBut(final LongPredicate keep, final FolioViewSet heir, final long base)
    {
        final List<WeakReference<UnsafeBuffer>> held;
        synchronized (this)
        {
            gone = true;
            held = views;
            views = null;
        }
        if (held == null)
        {
            return;
        }
        for (final WeakReference<UnsafeBuffer> ref : held)
        {
            final UnsafeBuffer view = ref.get();
            if (view == null)
            {
                continue;
            }
            final long pfn = (view.addressOffset() - base) >>> org.pkram.layout.Pfn.PAGE_SHIFT;
            // A kept view moves to the heir as it is: its reference is reused, nothing is allocated per view.
            if (heir == null || !keep.test(pfn) || !heir.addRef(ref))
            {
                FolioViews.detach(view);
            }
        }
    }

    /**
     * @return true once the pages were given up.
     */
    boolean isGone()
    {
        return gone;
    }
}
