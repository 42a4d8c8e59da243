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
 * deferred until the finish.
 * <p>
 * Lifecycle: OPEN → FINISHED; one thread at a time.
 */
public final class NodeLoad implements AutoCloseable
{
    private final Pkram pkram;
    private final NodeRecord record;
    private final UnsafeBuffer node;
    private final boolean crashSafe;
    /** Crash-safe: the next object to hand out (the image's node page is not changed). */
    private long nextObj;
    /** Crash-safe: objects handed out, with where their folio streams stopped. */
    private final List<long[]> visited = new ArrayList<>();
    private final List<Folio> deferredFrees = new ArrayList<>();
    private ObjLoad current;
    private boolean open = true;

    NodeLoad(final Pkram pkram, final NodeRecord record, final UnsafeBuffer node)
    {
        this.pkram = pkram;
        this.record = record;
        this.node = node;
        this.crashSafe = pkram.modeInternal() == Mode.CRASH_SAFE;
        this.nextObj = NodeDescriptor.objPfn(node);
    }

    /**
     * Take the next object ({@code pkram_prepare_load_obj}); a previous object still open is finished.
     * <p>
     * Errors: EINVAL the object holds neither folios nor bytes (as the kernel, the node is not advanced).
     *
     * @return the object, or null when none is left (the kernel's ENODATA).
     */
    public ObjLoad prepareLoadObj()
    {
        checkOpen();
        if (current != null)
        {
            current.finish();
        }
        final long objPfn = crashSafe ? nextObj : NodeDescriptor.objPfn(node);
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
        if (crashSafe)
        {
            nextObj = ObjDescriptor.objPfn(obj);
        }
        else
        {
            // Pop the head object, as the kernel does.
            NodeDescriptor.objPfn(node, ObjDescriptor.objPfn(obj));
        }
        current = new ObjLoad(pkram, this, objPfn, obj, !crashSafe);
        return current;
    }

    /** An object was finished: free it now (kernel-faithful) or remember where it stopped (crash-safe). */
    void objFinished(final ObjLoad obj, final long cursorLink, final int cursorIdx)
    {
        if (current == obj)
        {
            current = null;
        }
        if (crashSafe)
        {
            visited.add(new long[] {obj.objPfn(), cursorLink, cursorIdx});
        }
        else
        {
            pkram.truncator().truncateObj(obj.objPfn(), cursorLink, cursorIdx);
        }
    }

    boolean deferFree(final Folio folio)
    {
        if (!open)
        {
            return false;
        }
        deferredFrees.add(folio);
        return true;
    }

    boolean isOpen()
    {
        return open;
    }

    /**
     * Finish the load ({@code pkram_finish_load}): the node is gone from the image (crash-safe: one store
     * unlinks it, the commit point), and every page not handed out is freed. Handed-out folios are now the
     * caller's. Idempotent.
     */
    public void finish()
    {
        if (!open)
        {
            return;
        }
        pkram.checkBooted();
        if (current != null)
        {
            current.finish();
        }
        open = false;
        pkram.loadFinished(record);
        final Truncator truncator = pkram.truncator();
        if (crashSafe)
        {
            for (final long[] obj : visited)
            {
                truncator.truncateObj(obj[0], obj[1], (int)obj[2]);
            }
            truncator.truncateNode(record.pfn, nextObj);
            for (final Folio folio : deferredFrees)
            {
                pkram.freePage(folio.pfn(), folio.order());
            }
            deferredFrees.clear();
        }
        else
        {
            truncator.truncateNode(record.pfn, NodeDescriptor.objPfn(node));
        }
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
        if (!open)
        {
            throw new IllegalStateException("node load is finished: name=" + record.name);
        }
        pkram.checkBooted();
    }
}
