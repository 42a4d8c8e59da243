package org.pkram;

import org.agrona.concurrent.UnsafeBuffer;
import org.pkram.error.InvalidArgumentException;
import org.pkram.layout.NodeDescriptor;
import org.pkram.layout.ObjDescriptor;
import org.pkram.layout.Pfn;

import java.util.ArrayList;
import java.util.List;

/**
 * A committed node opened for reading its objects in place: a load ({@link Pkram#prepareLoad(String)}, the
 * load side of {@code struct pkram_stream}) or a live handle ({@link Pkram#openLive(String)}). Take objects
 * with {@link #prepareLoadObj()} (they come back in reverse order of saving) until it returns null.
 * <p>
 * A load ends with {@link #finish()} ({@code pkram_finish_load}): the node leaves the image (crash-safe: one
 * store unlinks it, the commit point), whatever was not handed out is freed, and the folios handed out are the
 * caller's. Until then the image is untouched, in both modes: if the process dies, the next boot brings the node
 * back whole, and {@link #close()} without a finish aborts, putting the node back whole (views of the folios
 * handed out are detached; they are the node's again). Freeing a handed-out folio before the finish is
 * deferred until the finish.
 * <p>
 * A live handle never consumes: the node stays committed while it is open, its folios come back in place as
 * the node's ({@link Folio.State#SAVED}) and may be written in place; whatever instant the process dies at, the
 * next boot finds the node with its pages as they were. {@link #close()} releases the handle. A live node can
 * be replaced ({@link Pkram#prepareReplace(String)}) while open; the handle then refuses further objects.
 * <p>
 * Lifecycle: OPEN → FINISHED | ABORTED (a load), OPEN → CLOSED (a live handle); one thread at a time.
 */
public final class NodeLoad implements AutoCloseable
{
    /**
     * Where a handle is in its lifecycle.
     */
    public enum State
    {
        /** Objects may be taken. */
        OPEN,
        /** A load ended by {@link #finish()}: the node is gone, what was handed out is the caller's. */
        FINISHED,
        /** A load closed without a finish: the node is back, whole; nothing was consumed. */
        ABORTED,
        /** A live handle closed: the node stays committed. */
        CLOSED
    }

    private final Pkram pkram;
    private final NodeRecord record;
    private final boolean live;
    /** The next object to hand out (the image's node page is not changed). */
    private long nextObj;
    /** Objects handed out, with where their folio streams stopped. */
    private final List<long[]> visited = new ArrayList<>();
    private final List<Folio> deferredFrees = new ArrayList<>();
    /** Views of the folios handed out by a load: detached if it aborts. */
    private final FolioViewSet handedOut = new FolioViewSet();
    private ObjLoad current;
    private State state = State.OPEN;

    NodeLoad(final Pkram pkram, final NodeRecord record, final UnsafeBuffer node, final boolean live)
    {
        this.pkram = pkram;
        this.record = record;
        this.live = live;
        this.nextObj = NodeDescriptor.objPfn(node);
    }

    /**
     * Take the next object ({@code pkram_prepare_load_obj}); a previous object still open is finished.
     * <p>
     * Errors: EINVAL the object holds neither folios nor bytes (as the kernel, the node is not advanced);
     * ENODEV the instance was closed or sealed.
     *
     * @return the object, or null when none is left (the kernel's ENODATA).
     * @throws IllegalStateException the handle is finished or closed, or (live) the node was replaced (a
     *                               caller's programming error).
     */
    public ObjLoad prepareLoadObj()
    {
        checkOpen();
        if (current != null)
        {
            current.finish();
        }
        final long objPfn = nextObj;
        if (objPfn == Pfn.NULL_PFN)
        {
            return null;
        }
        final UnsafeBuffer obj = pkram.mem().page(objPfn);
        if (ObjDescriptor.foliosHeadLinkPfn(obj) == Pfn.NULL_PFN && ObjDescriptor.bytesHeadLinkPfn(obj) == Pfn.NULL_PFN)
        {
            throw new InvalidArgumentException("object holds neither folios nor bytes: node=" + record.name +
                ", obj=0x" + Long.toHexString(objPfn));
        }
        nextObj = ObjDescriptor.objPfn(obj);
        current = new ObjLoad(pkram, this, objPfn, obj);
        return current;
    }

    /** An object was finished: remember where its folio stream stopped (a load frees the rest at its finish). */
    void objFinished(final ObjLoad obj, final long resumeLink, final int resumeSlot)
    {
        if (current == obj)
        {
            current = null;
        }
        if (!live && state == State.OPEN)
        {
            visited.add(new long[] {obj.objPfn(), resumeLink, resumeSlot});
        }
    }

    /**
     * A folio this handle hands out: the node's (live) or the caller's once the load finishes.
     */
    Folio folio(final long pfn, final int order, final long index)
    {
        final Folio folio = new Folio(pkram, pfn, order, index);
        if (live)
        {
            folio.saved(record);
        }
        else
        {
            folio.pendingLoad = this;
        }
        return folio;
    }

    boolean deferFree(final Folio folio)
    {
        if (state != State.OPEN)
        {
            return false;
        }
        deferredFrees.add(folio);
        return true;
    }

    boolean isOpen()
    {
        return state == State.OPEN;
    }

    boolean isFinished()
    {
        return state == State.FINISHED;
    }

    boolean isAborted()
    {
        return state == State.ABORTED;
    }

    FolioViewSet handedOut()
    {
        return handedOut;
    }

    /**
     * @return where views of this handle's folios are remembered: the node's (live), or the load's (detached if it
     *         aborts).
     */
    NodeRecord liveRecord()
    {
        return live ? record : null;
    }

    FolioViewSet viewSet()
    {
        return live ? record.views : handedOut;
    }

    /**
     * @return true for a live handle ({@link Pkram#openLive(String)}), false for a load.
     */
    public boolean isLive()
    {
        return live;
    }

    /**
     * Finish the load ({@code pkram_finish_load}): the node is gone from the image (crash-safe: one store
     * unlinks it, the commit point), and every page not handed out is freed. Handed-out folios are now the
     * caller's. Idempotent.
     * <p>
     * Errors: ENODEV the instance was closed or sealed (the node stays in the sealed image, whole).
     *
     * @throws IllegalStateException a live handle (it is closed, never finished) or an aborted load.
     */
    public void finish()
    {
        if (state == State.FINISHED)
        {
            return;
        }
        if (live || state != State.OPEN)
        {
            throw new IllegalStateException((live ? "a live handle is closed, not finished" : "node load is " +
                state.name().toLowerCase()) + ": name=" + record.name);
        }
        pkram.checkBooted();
        if (current != null)
        {
            current.finish();
        }
        final NodeList nodes = pkram.nodes();
        final Truncator truncator = pkram.pages().truncator();
        Faults.guarded(pkram.mem(), () -> Truncator.reclaim(nodes, () ->
        {
            nodes.loadFinished(record);
            state = State.FINISHED;
            return List.of(record);
        }, taken -> freeRest(truncator)));
    }

    private void freeRest(final Truncator truncator)
    {
        for (final long[] obj : visited)
        {
            truncator.truncateObj(obj[0], obj[1], (int)obj[2]);
        }
        truncator.truncateNode(record.pfn, nextObj);
        for (final Folio folio : deferredFrees)
        {
            pkram.pages().allocator().free(folio.pfn(), folio.order());
        }
        deferredFrees.clear();
    }

    /**
     * Abort the load: the node is committed again, whole, in its place; nothing it held is freed, and views of
     * the folios handed out are detached (their pages are the node's again). Idempotent; a no-op once finished.
     */
    public void abort()
    {
        if (live || state != State.OPEN)
        {
            return;
        }
        state = State.ABORTED;
        current = null;
        deferredFrees.clear();
        handedOut.detachAll();
        pkram.nodes().loadAborted(record);
    }

    /**
     * @return where the handle is in its lifecycle.
     */
    public State state()
    {
        return state;
    }

    /**
     * @return the node's name.
     */
    public String name()
    {
        return record.name;
    }

    /**
     * A load not finished is aborted (the node comes back whole); a live handle is released (the node stays
     * committed). Idempotent.
     */
    @Override
    public void close()
    {
        if (state != State.OPEN)
        {
            return;
        }
        if (live)
        {
            state = State.CLOSED;
            current = null;
            pkram.nodes().closeLive(record);
        }
        else
        {
            abort();
        }
    }

    void checkOpen()
    {
        checkHandle();
        pkram.checkBooted();
    }

    /**
     * The instance still booted: it is closed or sealed by any thread (volatile flags), so a walk reads this once per
     * link and {@link #checkHandle()} per folio.
     */
    void checkBooted()
    {
        pkram.checkBooted();
    }

    /**
     * {@link #checkOpen()} without the instance's state: the handle closed or finished, a live node replaced.
     */
    void checkHandle()
    {
        if (state != State.OPEN)
        {
            throw new IllegalStateException("node " + (live ? "handle" : "load") + " is " +
                state.name().toLowerCase() + ": name=" + record.name);
        }
        if (live && record.state != NodeRecord.State.COMMITTED)
        {
            throw new IllegalStateException("live node was replaced or is gone; open it again: name=" + record.name);
        }
    }
}
