package org.pkram;

import org.agrona.concurrent.UnsafeBuffer;
import org.pkram.error.InvalidArgumentException;
import org.pkram.layout.NodeDescriptor;
import org.pkram.layout.ObjDescriptor;
import org.pkram.layout.Pfn;

import java.util.ArrayList;
import java.util.List;

/**
 * A node being loaded: the load side of {@code struct pkram_stream}. Take objects with
 * {@link #prepareLoadObj()} (they come back in reverse order of saving) until it returns null, then
 * {@link #finish()} ({@code pkram_finish_load}), which frees whatever was not loaded; {@link #close()}
 * finishes.
 * <p>
 * Crash-safe mode: the node stays in the image's chain, untouched, until {@link #finish()}; if the
 * process dies first, the next boot brings it back whole, with the folios already handed out as they
 * are then. Folios handed out are the caller's once the load finishes; freeing one before that is
 * deferred until the finish. Kernel-faithful mode takes the node apart as it is read, as the kernel does.
 * <p>
 * Lifecycle: OPEN → FINISHED; one thread at a time.
 */
public final class NodeLoad implements AutoCloseable
{
    /**
     * Where a load handle is in its lifecycle.
     */
    public enum State
    {
        /** Objects may be taken. */
        OPEN,
        /** Ended by {@link #finish()} or {@link #close()}: the node is gone, what was handed out is the caller's. */
        FINISHED
    }

    private final Pkram pkram;
    private final NodeRecord record;
    private final UnsafeBuffer node;
    private final boolean consumes;
    /** Crash-safe: the next object to hand out (the image's node page is not changed). */
    private long nextObj;
    /** Crash-safe: objects handed out, with where their folio streams stopped. */
    private final List<long[]> visited = new ArrayList<>();
    private final List<Folio> deferredFrees = new ArrayList<>();
    private ObjLoad current;
    private State state = State.OPEN;

    NodeLoad(final Pkram pkram, final NodeRecord record, final UnsafeBuffer node)
    {
        this.pkram = pkram;
        this.record = record;
        this.node = node;
        this.consumes = pkram.publisher().consumesOnLoad();
        this.nextObj = NodeDescriptor.objPfn(node);
    }

    /**
     * Take the next object ({@code pkram_prepare_load_obj}); a previous object still open is finished.
     * <p>
     * Errors: EINVAL the object holds neither folios nor bytes (as the kernel, the node is not advanced);
     * ENODEV the instance was closed or sealed.
     *
     * @return the object, or null when none is left (the kernel's ENODATA).
     * @throws IllegalStateException the load is finished (a caller's programming error).
     */
    public ObjLoad prepareLoadObj()
    {
        checkOpen();
        if (current != null)
        {
            current.finish();
        }
        final long objPfn = consumes ? NodeDescriptor.objPfn(node) : nextObj;
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
        if (consumes)
        {
            // Pop the head object, as the kernel does.
            NodeDescriptor.objPfn(node, ObjDescriptor.objPfn(obj));
        }
        else
        {
            nextObj = ObjDescriptor.objPfn(obj);
        }
        current = new ObjLoad(pkram, this, objPfn, obj, consumes);
        return current;
    }

    /** An object was finished: free it now (kernel-faithful) or remember where it stopped (crash-safe). */
    void objFinished(final ObjLoad obj, final long resumeLink, final int resumeSlot)
    {
        if (current == obj)
        {
            current = null;
        }
        if (consumes)
        {
            pkram.nodes().beginWalk();
            try
            {
                pkram.pages().truncator().truncateObj(obj.objPfn(), resumeLink, resumeSlot);
            }
            finally
            {
                pkram.nodes().endWalk();
            }
        }
        else
        {
            visited.add(new long[] {obj.objPfn(), resumeLink, resumeSlot});
        }
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

    /**
     * Finish the load ({@code pkram_finish_load}): the node is gone from the image (crash-safe: one store
     * unlinks it, the commit point), and every page not handed out is freed. Handed-out folios are now the
     * caller's. Idempotent.
     * <p>
     * Errors: ENODEV the instance was closed or sealed (the node stays in the sealed image, whole).
     */
    public void finish()
    {
        if (state != State.OPEN)
        {
            return;
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
        if (consumes)
        {
            truncator.truncateNode(record.pfn, NodeDescriptor.objPfn(node));
            return;
        }
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
     * Same as {@link #finish()}.
     */
    @Override
    public void close()
    {
        finish();
    }

    void checkOpen()
    {
        if (state != State.OPEN)
        {
            throw new IllegalStateException("node load is finished: name=" + record.name);
        }
        pkram.checkBooted();
    }
}
