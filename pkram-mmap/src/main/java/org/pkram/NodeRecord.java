package org.pkram;

import org.agrona.concurrent.UnsafeBuffer;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;

/**
 * A node on the in-memory node list: the kernel's list of {@code struct pkram_node} pages linked through
 * {@code page->lru}, plus, in crash-safe mode, its place in the on-image chain, and the views of the folios
 * saved into it. State and chain links are guarded by the {@link NodeList}'s lock.
 */
final class NodeRecord
{
    enum State
    {
        /** Being saved (flags PKRAM_SAVE): on the list, not loadable, not chained. */
        SAVING,
        /** Committed (flags 0): on the list, loadable, chained in crash-safe mode. */
        COMMITTED,
        /** Being loaded (flags PKRAM_LOAD): off the list; still chained in crash-safe mode until finished. */
        LOADING,
        /** Discarded, truncated or loaded: its pages are no longer the node's. */
        GONE
    }

    final long pfn;
    final String name;
    State state;

    /** Crash-safe chain neighbours: {@code newer} is nearer the super block. */
    NodeRecord newer;
    NodeRecord older;
    boolean chained;

    /**
     * Views of folios saved by reference into this node, held weakly: a view its holder dropped needs no
     * detaching. Guarded by this record's monitor.
     */
    private List<WeakReference<UnsafeBuffer>> views;
    private int viewsAtLastPurge;
    private volatile boolean pagesGone;

    NodeRecord(final long pfn, final String name, final State state)
    {
        this.pfn = pfn;
        this.name = name;
        this.state = state;
    }

    /**
     * Remember a view of a folio saved into this node, so it can be detached when the node's pages go.
     *
     * @return false when the node's pages are already gone (the caller detaches the view itself).
     */
    synchronized boolean addView(final UnsafeBuffer view)
    {
        if (pagesGone)
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
            views.removeIf(ref -> ref.get() == null);
            viewsAtLastPurge = views.size();
        }
        views.add(new WeakReference<>(view));
        return true;
    }

    /**
     * The node's pages are about to be freed: point every view of its folios at harmless memory, so a
     * later use touches no page that may belong to someone else by then.
     */
    synchronized void detachViews()
    {
        pagesGone = true;
        if (views != null)
        {
            for (final WeakReference<UnsafeBuffer> ref : views)
            {
                final UnsafeBuffer view = ref.get();
                if (view != null)
                {
                    FolioViews.detach(view);
                }
            }
            views = null;
        }
    }

    /**
     * @return true once the node's pages were freed (discard, truncate, a finished load).
     */
    boolean pagesGone()
    {
        return pagesGone;
    }

    @Override
    public String toString()
    {
        return "node{name=" + name + ", pfn=0x" + Long.toHexString(pfn) + ", " + state + "}";
    }
}
