package org.pkram;

import org.agrona.collections.LongArrayList;
import org.agrona.collections.LongHashSet;
import org.agrona.concurrent.UnsafeBuffer;
import org.pkram.error.InvalidArgumentException;
import org.pkram.layout.EntryCodec;
import org.pkram.layout.NodeDescriptor;
import org.pkram.layout.ObjDescriptor;

import org.pkram.boot.PageBitmap;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.function.LongPredicate;

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
    /**
     * A replace: first pfns of the folios shared with the version it replaces (each at most once). A bitmap of the
     * file, one bit a page: a hash set cost more than the rest of a checkpoint of a mostly shared state together.
     */
    private PageBitmap shared;
    private List<Folio> sharedFolios;
    /** A replace: objects of the old version whose folio streams were carried whole (shared or replaced). */
    private LongHashSet carriedObjs;
    /** The old entries those carries replaced: freed at the finish, unless shared into this version otherwise. */
    private LongArrayList replacedEntries;

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
     * @return the first pfns this save shares with the version it replaces.
     */
    private LongPredicate keep()
    {
        final PageBitmap bits = shared;
        return bits == null ? pfn -> false : pfn -> pfn >= 0 && pfn < bits.pfnCount() && bits.get(pfn);
    }

    /**
     * @return true when {@code folio} is a folio of the version this save replaces (it may be shared).
     */
    boolean shares(final Folio folio)
    {
        return record.replaces != null && folio.savedIn() == record.replaces;
    }

    /**
     * @return true when {@code cursor} is on a folio of a live handle of the version this save replaces.
     */
    boolean sharesFrom(final FolioCursor cursor)
    {
        return record.replaces != null && cursor.liveRecord() == record.replaces;
    }

    /**
     * @return true when {@code obj} is an object of a live handle on the version this save replaces.
     */
    boolean sharesFrom(final ObjLoad obj)
    {
        obj.checkOpen();
        return record.replaces != null && obj.liveRecord() == record.replaces;
    }

    /**
     * Share a folio of the old version: refused twice, since a page referenced twice is a corrupt image.
     *
     * @param pfn   its first pfn.
     * @param folio its object, to hand to the new version at the finish; null for one shared through a cursor.
     */
    void share(final long pfn, final Folio folio)
    {
        if (shared == null)
        {
            shared = new PageBitmap(pkram.mem().pfnCount());
            sharedFolios = new ArrayList<>();
        }
        if (!shared.claimPage(pfn))
        {
            throw new IllegalStateException("folio is already saved in this new version: pfn=0x" +
                Long.toHexString(pfn));
        }
        if (folio != null)
        {
            sharedFolios.add(folio);
        }
    }

    /**
     * Take back a {@link #share} of a folio that the new version did not take after all ({@link StreamCarry} stopped
     * by an error before appending it): the finish then frees it with the rest of the old version.
     *
     * @param pfn its first pfn.
     */
    void unshare(final long pfn)
    {
        shared.clear(pfn);
    }

    /**
     * Remember a folio stream of the old version carried whole by {@link ObjSave#shareFrom}: every entry shared, or
     * one of {@code replaced}.
     *
     * @param objPfn   the old object.
     * @param replaced its entries replaced by a new folio.
     */
    void carriedWhole(final long objPfn, final LongArrayList replaced)
    {
        if (carriedObjs == null)
        {
            carriedObjs = new LongHashSet();
            replacedEntries = new LongArrayList();
        }
        carriedObjs.add(objPfn);
        replacedEntries.addAll(replaced);
    }

    /**
     * Free the old version's pages that this version does not share: the whole old node but its shared folios,
     * reading the entries only of the streams not carried whole, and the entries those carries replaced.
     */
    private void freeOldVersion(final NodeRecord old, final LongPredicate keep)
    {
        final Pages pages = pkram.pages();
        final LongHashSet carried = carriedObjs;
        pages.truncator().truncateNode(old.pfn, keep, carried == null ? pfn -> false : carried::contains);
        for (int i = 0; replacedEntries != null && i < replacedEntries.size(); i++)
        {
            final long entry = replacedEntries.getLong(i);
            // A replaced folio may still be in this version, saved through another handle: then it is kept.
            if (!keep.test(EntryCodec.pfn(entry)))
            {
                pages.free(EntryCodec.pfn(entry), EntryCodec.order(entry));
            }
        }
    }

    /**
     * Commit the node ({@code pkram_finish_save}): from now on it can be loaded, and (crash-safe mode) it
     * survives a crash. Finishes an object still open.
     * <p>
     * A replace ({@link Pkram#prepareReplace(String)}) swaps the new version in for the old one with one release
     * store, the commit point: a crash at any instant leaves exactly one of them. Then the pages only the old
     * version referenced are freed, and views of them detached; shared folios are the new version's.
     */
    public void finish()
    {
        checkOpen();
        if (current != null)
        {
            current.finish();
        }
        if (record.replaces == null)
        {
            Faults.guarded(pkram.mem(), () -> pkram.nodes().commit(record, node));
            state = State.FINISHED;
            return;
        }
        final NodeList nodes = pkram.nodes();
        Faults.guarded(pkram.mem(), () ->
        {
            nodes.beginWalk();
            try
            {
                final NodeRecord old = nodes.commitReplace(record, node);
                state = State.FINISHED;
                final LongPredicate keep = keep();
                old.views.detachAllBut(keep, record.views, pkram.mem().segment().address());
                if (sharedFolios != null)
                {
                    for (final Folio folio : sharedFolios)
                    {
                        folio.movedTo(record);
                    }
                }
                freeOldVersion(old, keep);
            }
            finally
            {
                nodes.endWalk();
            }
            return null;
        });
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
        // Folios shared with the version a replace would have replaced stay that version's.
        final LongPredicate keep = keep();
        Truncator.reclaim(pkram.nodes(), () ->
        {
            pkram.nodes().discard(record);
            return List.of(record);
        }, taken -> truncator.truncateNode(taken.pfn, keep));
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
