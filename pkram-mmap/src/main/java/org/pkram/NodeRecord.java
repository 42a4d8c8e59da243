package org.pkram;

import org.agrona.concurrent.UnsafeBuffer;


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
        /** Being loaded (flags PKRAM_LOAD): not loadable, its name taken; chained in crash-safe mode until finished. */
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

    /** Live handles open on this committed node ({@link Pkram#openLive(String)}). */
    int liveOpens;
    /** A new version being saved to replace this node, or null. */
    NodeRecord replacement;
    /** For a replacement: the committed node it replaces (null when it replaces nothing). */
    NodeRecord replaces;

    /** Views of folios saved by reference into this node, or handed out in place by a live handle. */
    final FolioViewSet views = new FolioViewSet();

    NodeRecord(final long pfn, final String name, final State state)
    {
        this.pfn = pfn;
        this.name = name;
        this.state = state;
    }

    /**
     * Remember a view of a folio of this node, so it can be detached when the node's pages go.
     *
     * @return false when the node's pages are already gone (the caller detaches the view itself).
     */
    boolean addView(final UnsafeBuffer view)
    {
        return views.add(view);
    }

    /**
     * The node's pages are about to be freed: point every view of its folios at harmless memory, so a
     * later use touches no page that may belong to someone else by then.
     */
    void detachViews()
    {
        views.detachAll();
    }

    /**
     * @return true once the node's pages were freed (discard, truncate, a finished load, a remove or replace).
     */
    boolean pagesGone()
    {
        return views.isGone();
    }

    @Override
    public String toString()
    {
        return "node{name=" + name + ", pfn=0x" + Long.toHexString(pfn) + ", " + state + "}";
    }
}
