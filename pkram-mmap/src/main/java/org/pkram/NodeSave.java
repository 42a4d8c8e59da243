package org.pkram;

import org.agrona.concurrent.UnsafeBuffer;
import org.pkram.error.InvalidArgumentException;
import org.pkram.layout.NodeDescriptor;
import org.pkram.layout.ObjDescriptor;

import java.util.EnumSet;
import java.util.List;

/**
 * A node being saved: the save side of {@code struct pkram_stream}. Add objects, then
 * {@link #finish()} to commit ({@code pkram_finish_save}); {@link #close()} without finishing
 * discards ({@code pkram_discard_save}), so forgetting to finish is safe.
 * <p>
 * Lifecycle: OPEN → FINISHED | DISCARDED; one thread at a time.
 */
public final class NodeSave implements AutoCloseable
{
    /**
     * Where a save handle is in its lifecycle.
     */
    public enum State
    {
        /** Objects may be added. */
        OPEN,
        /** Committed by {@link #finish()}. */
        FINISHED,
        /** Dropped by {@link #discard()} or {@link #close()} without a finish. */
        DISCARDED
    }

    private final Pkram pkram;
    private final NodeRecord record;
    private final UnsafeBuffer node;
    private ObjSave current;
    private State state = State.OPEN;

    NodeSave(final Pkram pkram, final NodeRecord record, final UnsafeBuffer node)
    {
        this.pkram = pkram;
        this.record = record;
        this.node = node;
    }

    /**
     * Add an object ({@code pkram_prepare_save_obj}): it is prepended, so objects come back in reverse
     * order (LIFO). A previous object still open is finished first.
     * <p>
     * Errors: EINVAL no data kind given; ENOMEM no page for the obj.
     *
     * @param kinds the streams the object will hold: {@link DataKind#FOLIOS} and/or {@link DataKind#BYTES}.
     * @return the object's save handle; {@link ObjSave#finish()} or close it.
     */
    public ObjSave prepareSaveObj(final DataKind... kinds)
    {
        checkOpen();
        if (kinds.length == 0)
        {
            throw new InvalidArgumentException("an object needs folios, bytes or both: kinds=[]");
        }
        final EnumSet<DataKind> set = EnumSet.noneOf(DataKind.class);
        for (final DataKind kind : kinds)
        {
            set.add(java.util.Objects.requireNonNull(kind, "kind"));
        }
        if (current != null)
        {
            current.finish();
        }
        final long objPfn = pkram.pages().allocMeta();
        final UnsafeBuffer obj = pkram.mem().page(objPfn);
        ObjDescriptor.objPfn(obj, NodeDescriptor.objPfn(node));
        NodeDescriptor.objPfn(node, objPfn);
        current = new ObjSave(pkram, this, obj, set);
        return current;
    }

    void objFinished(final ObjSave obj)
    {
        if (current == obj)
        {
            current = null;
        }
    }

    /**
     * Commit the node ({@code pkram_finish_save}): from now on it can be loaded, and (crash-safe mode) it
     * survives a crash. Finishes an object still open.
     */
    public void finish()
    {
        checkOpen();
        if (current != null)
        {
            current.finish();
        }
        Faults.guarded(pkram.mem(), () -> pkram.nodes().commit(record, node));
        state = State.FINISHED;
    }

    /**
     * Drop the node and give back every page it took ({@code pkram_discard_save}). Saved folios are freed
     * with it.
     */
    public void discard()
    {
        checkOpen();
        if (current != null)
        {
            current.finish();
        }
        state = State.DISCARDED;
        final Truncator truncator = pkram.pages().truncator();
        Truncator.reclaim(pkram.nodes(), () ->
        {
            pkram.nodes().discard(record);
            return List.of(record);
        }, taken -> truncator.truncateNode(taken.pfn));
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
     * @return the node page's pfn.
     */
    public long pfn()
    {
        return record.pfn;
    }

    /**
     * Discard unless finished. Idempotent.
     */
    @Override
    public void close()
    {
        if (state == State.OPEN)
        {
            discard();
        }
    }

    void checkOpen()
    {
        if (state != State.OPEN)
        {
            throw new IllegalStateException("node save is " + state.name().toLowerCase() + ": name=" + record.name);
        }
        pkram.checkBooted();
    }

    /**
     * A folio was saved into this node by reference: its view, if it has one, is detached when the node's
     * pages are freed.
     */
    NodeRecord record()
    {
        return record;
    }
}
