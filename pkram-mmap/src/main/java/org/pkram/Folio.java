package org.pkram;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.pkram.layout.Pfn;

/**
 * A folio: {@code 2^order} naturally aligned pages of pkram memory, with the mapping index it is
 * saved or was loaded at. Emulates {@code struct folio} as {@code pkram_save_folio} and
 * {@code pkram_load_folio} use it.
 * <p>
 * {@link #buffer()} is a zero-copy view straight into the memory file (an Agrona
 * {@link MutableDirectBuffer}, little-endian accessors take a {@code ByteOrder}). It is valid while the
 * pages are the caller's or the node's it was saved in. Once they are not (the folio freed; its node
 * discarded, truncated or loaded and finished; the instance closed or rebooted) the view is detached: it
 * then reads and writes scratch memory of the same size, never a page that belongs to something else, and
 * never faults, with Agrona's bounds checks on or off. {@link #buffer()} itself then throws.
 * <p>
 * Ownership: a folio from {@link Pkram#allocFolio(int)} or a finished load belongs to the caller, who frees
 * it ({@link Pkram#freeFolio(Folio)}) or saves it. Once saved it belongs to the node (the caller may keep using
 * the view until the node's pages go, as the kernel lets the caller keep using a saved folio). A folio from a
 * live handle is its node's from the start; saving it into a new version of that node
 * ({@link Pkram#prepareReplace(String)}) shares it, and once the replace finishes it is the new version's, its
 * view still valid. Not thread-safe: one owner at a time.
 */
public final class Folio
{
    /** Bytes in a page. */
    public static final int PAGE_SIZE = Pfn.PAGE_SIZE;

    /** log2 of {@link #PAGE_SIZE}. */
    public static final int PAGE_SHIFT = Pfn.PAGE_SHIFT;

    /** The largest order: a folio spans at most {@code 2^10} pages (4 MiB). */
    public static final int MAX_ORDER = Pfn.MAX_FOLIO_ORDER;

    /**
     * Who the folio's pages belong to.
     */
    public enum State
    {
        /** The caller's: allocated, or loaded. */
        OWNED,
        /** A node's: saved by reference. */
        SAVED,
        /** Given back: freed by the caller. */
        FREED
    }

    private final long pfn;
    private final int order;
    private final long index;
    private final Pkram pkram;
    private UnsafeBuffer buffer;
    private State state = State.OWNED;
    /** The node it was saved in, while {@link State#SAVED}. */
    private NodeRecord savedIn;
    /** Crash-safe mode: the load this folio came from, until that load finishes (see {@link NodeLoad}). */
    NodeLoad pendingLoad;

    Folio(final Pkram pkram, final long pfn, final int order, final long index)
    {
        this.pkram = pkram;
        this.pfn = pfn;
        this.order = order;
        this.index = index;
    }

    /**
     * @return the first page's pfn.
     */
    public long pfn()
    {
        return pfn;
    }

    /**
     * @return the order: the folio spans {@code 2^order} pages.
     */
    public int order()
    {
        return order;
    }

    /**
     * @return the mapping index it was loaded at (0 for a newly allocated folio).
     */
    public long index()
    {
        return index;
    }

    /**
     * @return pages in the folio.
     */
    public int pageCount()
    {
        return Pfn.pageCount(order);
    }

    /**
     * @return bytes in the folio.
     */
    public int byteLength()
    {
        return Pfn.PAGE_SIZE << order;
    }

    /**
     * @return who the pages belong to now.
     */
    public State state()
    {
        return state;
    }

    /**
     * @return a zero-copy view of the folio's bytes in the memory file.
     * @throws IllegalStateException the pages are not the caller's or the node's any more: the folio was freed,
     *                               or the node it was saved in was discarded, truncated or loaded (a caller's
     *                               programming error).
     * @throws org.pkram.error.PkramUnavailableException (ENODEV) the instance was closed or rebooted.
     */
    public MutableDirectBuffer buffer()
    {
        checkPagesHeld();
        if (buffer == null)
        {
            pkram.checkBooted();
            final UnsafeBuffer view = pkram.mem().folio(pfn, order);
            final FolioViewSet owner = state == State.SAVED ? savedIn.views :
                pendingLoad != null && pendingLoad.isOpen() ? pendingLoad.handedOut() : null;
            if (owner != null && !owner.add(view))
            {
                FolioViews.detach(view);
            }
            buffer = view;
        }
        return buffer;
    }

    /**
     * @throws IllegalStateException the pages are not the caller's or the node's any more (see {@link #buffer()}).
     */
    void checkPagesHeld()
    {
        if (state == State.FREED || (state == State.SAVED && savedIn.pagesGone()) ||
            (pendingLoad != null && pendingLoad.isAborted()))
        {
            throw new IllegalStateException("folio's pages are no longer the caller's or its node's: " + this +
                (savedIn != null ? ", node=" + savedIn.name : "") +
                (pendingLoad != null && pendingLoad.isAborted() ? ", its load was aborted" : ""));
        }
    }

    Pkram pkram()
    {
        return pkram;
    }

    /**
     * Saved by reference into a node: from now on the node's pages, and its view goes when they go.
     */
    void saved(final NodeRecord record)
    {
        state = State.SAVED;
        savedIn = record;
        if (buffer != null && !record.addView(buffer))
        {
            FolioViews.detach(buffer);
        }
    }

    /**
     * @return the node the folio is saved in, or null.
     */
    NodeRecord savedIn()
    {
        return savedIn;
    }

    /**
     * A replace shared this folio with the new version of its node, which is now the only one: the folio is
     * that version's (its view was handed over with the old version's views).
     */
    void movedTo(final NodeRecord record)
    {
        savedIn = record;
    }

    /**
     * The folio was freed: point a view handed out earlier at harmless scratch memory.
     */
    void detach()
    {
        state = State.FREED;
        if (buffer != null)
        {
            FolioViews.detach(buffer);
        }
    }

    @Override
    public String toString()
    {
        return "Folio{pfn=0x" + Long.toHexString(pfn) + ", order=" + order + ", index=" + index + ", " + state + "}";
    }
}
