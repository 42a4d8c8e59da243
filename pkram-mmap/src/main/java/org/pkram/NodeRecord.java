package org.pkram;

/**
 * A node on the in-memory node list: the kernel's list of {@code struct pkram_node} pages linked
 * through {@code page->lru}, plus, in crash-safe mode, its place in the on-image chain.
 * Guarded by {@link Pkram}'s node-list lock.
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
        LOADING
    }

    final long pfn;
    final String name;
    State state;

    /** Crash-safe chain neighbours: {@code newer} is nearer the super block. */
    NodeRecord newer;
    NodeRecord older;
    boolean chained;

    NodeRecord(final long pfn, final String name, final State state)
    {
        this.pfn = pfn;
        this.name = name;
        this.state = state;
    }

    @Override
    public String toString()
    {
        return "node{name=" + name + ", pfn=0x" + Long.toHexString(pfn) + ", " + state + "}";
    }
}
