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
 * {@link MutableDirectBuffer}, little-endian accessors take a {@code ByteOrder}); it stays valid until
 * the folio is freed (then it is detached: any use fails its bounds check) or its {@link Pkram} closes.
 * <p>
 * Ownership: a folio from {@link Pkram#allocFolio(int)} or {@link ObjLoad#loadFolio()} belongs to the
 * caller, who frees it ({@link Pkram#freeFolio(Folio)}) or saves it. Once saved it belongs to the node
 * (the caller may keep using the view until the node is discarded or loaded, as the kernel lets the
 * caller keep using a saved folio). Not thread-safe: one owner at a time.
 */
public final class Folio
{
    enum State
    {
        OWNED, SAVED, FREED
    }

    private final long pfn;
    private final int order;
    private final long index;
    private final Pkram pkram;
    private UnsafeBuffer buffer;
    State state = State.OWNED;
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
     * @return a zero-copy view of the folio's bytes in the memory file.
     * @throws IllegalStateException when the folio was freed.
     */
    public MutableDirectBuffer buffer()
    {
        if (state == State.FREED)
        {
            throw new IllegalStateException("folio was freed: pfn=0x" + Long.toHexString(pfn));
        }
        if (buffer == null)
        {
            buffer = pkram.mem().folio(pfn, order);
        }
        return buffer;
    }

    Pkram pkram()
    {
        return pkram;
    }

    /**
     * The folio was freed: point a view handed out earlier at nothing, so a stale use fails its bounds
     * check instead of touching pages that may belong to someone else by now.
     */
    void detach()
    {
        state = State.FREED;
        if (buffer != null)
        {
            buffer.wrap(0, 0);
        }
    }

    @Override
    public String toString()
    {
        return "Folio{pfn=0x" + Long.toHexString(pfn) + ", order=" + order + ", index=" + index + ", " + state + "}";
    }
}
