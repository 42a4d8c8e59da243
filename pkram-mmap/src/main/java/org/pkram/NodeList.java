package org.pkram;

import org.pkram.error.NodeBusyException;
import org.pkram.error.NodeExistsException;
import org.pkram.error.NoSuchNodeException;
import org.pkram.error.PkramUnavailableException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.LongSupplier;

/**
 * The node list and its lock: the kernel's {@code pkram_nodes} and {@code pkram_mutex}. Every change to the
 * list, and every publication the {@link Publisher} makes, happens under the lock; once the image is sealed
 * (an orderly reboot, from any thread, the shutdown hook included) every mutation is refused, so a sealed
 * image stays exactly as the reboot wrote it.
 * <p>
 * Freeing a node's pages walks the mapping outside the lock; such walks hold the mapping's read lock
 * ({@link #beginWalk()}), and unmapping takes the write lock ({@link #awaitWalks()}), so the mapping never goes
 * away under a running walk.
 */
final class NodeList
{
    private final Publisher publisher;
    private final ReentrantLock lock = new ReentrantLock();
    private final ReentrantReadWriteLock mapping = new ReentrantReadWriteLock();
    /**
     * Nodes being saved, committed and being loaded, oldest first. A node being loaded keeps its place (and
     * its name), so a load closed without a finish puts it back exactly as it was.
     */
    private final Map<String, NodeRecord> nodes = new LinkedHashMap<>();
    private final AtomicInteger openHandles = new AtomicInteger();
    private volatile boolean sealed;
    private String sealedBy = "";

    /**
     * @param publisher the mode's publication strategy.
     * @param inherited the booted image's nodes, oldest first.
     */
    NodeList(final Publisher publisher, final List<NodeRecord> inherited)
    {
        this.publisher = publisher;
        for (final NodeRecord record : inherited)
        {
            nodes.put(record.name, record);
        }
    }

    /**
     * {@code pkram_prepare_save}: a new node on the list, being saved.
     *
     * @param name      its name, already validated.
     * @param allocNode allocates and fills the node page, under the lock, once the name is known to be free.
     */
    NodeRecord prepareSave(final String name, final LongSupplier allocNode)
    {
        lock.lock();
        try
        {
            checkUnsealed();
            if (nodes.containsKey(name))
            {
                throw new NodeExistsException("node already exists: name=" + name);
            }
            final NodeRecord record = newSave(name, allocNode);
            nodes.put(name, record);
            return record;
        }
        finally
        {
            lock.unlock();
        }
    }

    /**
     * {@code pkram_prepare_load}: the node can be neither found nor saved over while it is loaded.
     */
    NodeRecord prepareLoad(final String name)
    {
        lock.lock();
        try
        {
            final NodeRecord record = idle(name);
            record.state = NodeRecord.State.LOADING;
            publisher.markLoading(record);
            openHandles.incrementAndGet();
            return record;
        }
        finally
        {
            lock.unlock();
        }
    }

    /**
     * {@code pkram_finish_save}: publish the node.
     */
    void commit(final NodeRecord record, final org.agrona.concurrent.UnsafeBuffer node)
    {
        lock.lock();
        try
        {
            checkUnsealed();
            FaultPoints.reach(FaultPoints.SAVE_BEFORE_COMMIT);
            publisher.commit(record, node);
            record.state = NodeRecord.State.COMMITTED;
            openHandles.decrementAndGet();
        }
        finally
        {
            lock.unlock();
        }
    }

    /**
     * {@code pkram_discard_save}: off the list; the caller frees the pages (never published, so after a seal
     * too).
     */
    void discard(final NodeRecord record)
    {
        lock.lock();
        try
        {
            if (record.replaces != null)
            {
                record.replaces.replacement = null;
                record.replaces = null;
            }
            else
            {
                nodes.remove(record.name);
            }
            record.state = NodeRecord.State.GONE;
            openHandles.decrementAndGet();
        }
        finally
        {
            lock.unlock();
        }
    }

    /**
     * {@code pkram_finish_load}: out of the image first (the commit point); the caller then frees.
     */
    void loadFinished(final NodeRecord record)
    {
        lock.lock();
        try
        {
            checkUnsealed();
            nodes.remove(record.name);
            FaultPoints.reach(FaultPoints.LOAD_BEFORE_UNLINK);
            publisher.unlink(record);
            FaultPoints.reach(FaultPoints.LOAD_UNLINKED);
            record.state = NodeRecord.State.GONE;
            openHandles.decrementAndGet();
        }
        finally
        {
            lock.unlock();
        }
    }

    /**
     * A load closed without its finish: the node is committed again, where it was, with every page (crash-safe:
     * the image never stopped naming it). Once the image is sealed nothing changes: a crash-safe image sealed
     * it whole already; a kernel-faithful one dropped it, as the kernel drops a node being loaded.
     */
    void loadAborted(final NodeRecord record)
    {
        lock.lock();
        try
        {
            if (sealed)
            {
                return;
            }
            publisher.resetFlags(record);
            record.state = NodeRecord.State.COMMITTED;
            openHandles.decrementAndGet();
        }
        finally
        {
            lock.unlock();
        }
    }

    /**
     * A live handle opens on a committed node: it stays committed, and may not be loaded, removed or
     * truncated while the handle is open (a replace may publish a new version).
     */
    NodeRecord openLive(final String name)
    {
        lock.lock();
        try
        {
            checkUnsealed();
            final NodeRecord record = existing(name);
            checkCommitted(record);
            record.liveOpens++;
            return record;
        }
        finally
        {
            lock.unlock();
        }
    }

    void closeLive(final NodeRecord record)
    {
        lock.lock();
        try
        {
            record.liveOpens--;
        }
        finally
        {
            lock.unlock();
        }
    }

    /**
     * Drop a committed node: out of the list and the image (one release store, crash-safe), its pages for
     * the caller to free.
     */
    NodeRecord remove(final String name)
    {
        lock.lock();
        try
        {
            final NodeRecord record = idle(name);
            nodes.remove(name);
            publisher.unlink(record);
            FaultPoints.reach(FaultPoints.REMOVE_UNLINKED);
            record.state = NodeRecord.State.GONE;
            return record;
        }
        finally
        {
            lock.unlock();
        }
    }

    /**
     * Start a new version of node {@code name}: a node being saved, off the list until its finish swaps it in.
     * With no committed node of that name, a plain save.
     *
     * @param allocNode allocates and fills the node page, under the lock.
     */
    NodeRecord prepareReplace(final String name, final LongSupplier allocNode)
    {
        lock.lock();
        try
        {
            checkUnsealed();
            final NodeRecord old = nodes.get(name);
            if (old == null)
            {
                final NodeRecord record = newSave(name, allocNode);
                nodes.put(name, record);
                return record;
            }
            checkCommitted(old);
            if (old.replacement != null)
            {
                throw new NodeBusyException("a new version of the node is being saved already: name=" + name);
            }
            final NodeRecord record = newSave(name, allocNode);
            record.replaces = old;
            old.replacement = record;
            return record;
        }
        finally
        {
            lock.unlock();
        }
    }

    /**
     * Finish a replace: the new version takes the old one's place on the list and in the image with one
     * release store; the caller frees the pages only the old version referenced.
     *
     * @return the old version, now off the list and out of the image.
     */
    NodeRecord commitReplace(final NodeRecord record, final org.agrona.concurrent.UnsafeBuffer node)
    {
        lock.lock();
        try
        {
            checkUnsealed();
            final NodeRecord old = record.replaces;
            publisher.swap(old, record, node);
            nodes.put(record.name, record);
            old.state = NodeRecord.State.GONE;
            old.replacement = null;
            record.replaces = null;
            record.state = NodeRecord.State.COMMITTED;
            openHandles.decrementAndGet();
            return old;
        }
        finally
        {
            lock.unlock();
        }
    }

    /**
     * @return the committed node of that name, not in use by a load, a live handle or a replace.
     */
    private NodeRecord idle(final String name)
    {
        checkUnsealed();
        final NodeRecord record = existing(name);
        checkCommitted(record);
        if (record.liveOpens != 0)
        {
            throw new NodeBusyException("node is open live (close its handles first): name=" + name +
                ", handles=" + record.liveOpens);
        }
        if (record.replacement != null)
        {
            throw new NodeBusyException("a new version of the node is being saved: name=" + name);
        }
        return record;
    }

    /**
     * A node being saved, its page allocated and filled, counted as an open handle; the caller files it.
     */
    private NodeRecord newSave(final String name, final LongSupplier allocNode)
    {
        final NodeRecord record = new NodeRecord(allocNode.getAsLong(), name, NodeRecord.State.SAVING);
        openHandles.incrementAndGet();
        return record;
    }

    private static void checkCommitted(final NodeRecord record)
    {
        if (record.state != NodeRecord.State.COMMITTED)
        {
            throw new NodeBusyException("node is being " + record.state.name().toLowerCase() + ": name=" +
                record.name);
        }
    }

    private NodeRecord existing(final String name)
    {
        final NodeRecord record = nodes.get(name);
        if (record == null)
        {
            throw new NoSuchNodeException("no such node: name=" + name);
        }
        return record;
    }

    /**
     * {@code pkram_truncate}: every committed node off the list and out of the image; the caller frees them.
     */
    List<NodeRecord> truncate()
    {
        final List<NodeRecord> disposed = new ArrayList<>();
        lock.lock();
        try
        {
            checkUnsealed();
            for (final NodeRecord record : List.copyOf(nodes.values()))
            {
                if (record.state == NodeRecord.State.COMMITTED && record.liveOpens == 0 && record.replacement == null)
                {
                    nodes.remove(record.name);
                    publisher.unlink(record);
                    FaultPoints.reach(FaultPoints.TRUNCATE_UNLINKED);
                    record.state = NodeRecord.State.GONE;
                    disposed.add(record);
                }
            }
            return disposed;
        }
        finally
        {
            lock.unlock();
        }
    }

    /**
     * @return the node page of committed node {@code name}.
     */
    long committedPfn(final String name)
    {
        lock.lock();
        try
        {
            checkUnsealed();
            final NodeRecord record = existing(name);
            if (record.state != NodeRecord.State.COMMITTED)
            {
                throw new NoSuchNodeException("no such committed node: name=" + name + " (being " +
                    record.state.name().toLowerCase() + ")");
            }
            return record.pfn;
        }
        finally
        {
            lock.unlock();
        }
    }

    /**
     * @return the committed nodes' names, oldest first.
     */
    List<String> committedNames()
    {
        lock.lock();
        try
        {
            final List<String> names = new ArrayList<>();
            for (final NodeRecord record : nodes.values())
            {
                if (record.state == NodeRecord.State.COMMITTED)
                {
                    names.add(record.name);
                }
            }
            return names;
        }
        finally
        {
            lock.unlock();
        }
    }

    /**
     * Seal the image (an orderly reboot): under the lock, refuse when handles are open and {@code refuseBusy}
     * asks for it, then run the sealer over the committed nodes (oldest first) and refuse every later mutation.
     *
     * @param refuseBusy fail with EBUSY, changing nothing, while handles are open.
     * @param who        what sealed, for the message later mutations get.
     * @param sealer     writes the image.
     * @return false when the image was already sealed.
     */
    boolean seal(final boolean refuseBusy, final String who, final Sealer sealer)
    {
        lock.lock();
        try
        {
            if (sealed)
            {
                return false;
            }
            if (refuseBusy && openHandles.get() != 0)
            {
                throw new NodeBusyException("handles still open, close them before reboot: nodes=" + openNodes());
            }
            final List<NodeRecord> committed = new ArrayList<>();
            for (final NodeRecord record : nodes.values())
            {
                if (record.state == NodeRecord.State.COMMITTED)
                {
                    committed.add(record); // the kernel: WARN_ON and skip a node still being saved
                }
            }
            sealer.seal(committed);
            sealedBy = who;
            sealed = true;
            return true;
        }
        finally
        {
            lock.unlock();
        }
    }

    /**
     * Writes the image at a seal.
     */
    @FunctionalInterface
    interface Sealer
    {
        /**
         * @param committed the committed nodes, oldest first.
         */
        void seal(List<NodeRecord> committed);
    }

    boolean isSealed()
    {
        return sealed;
    }

    int openHandles()
    {
        return openHandles.get();
    }

    /**
     * Start a walk of the mapping outside the list lock (freeing a node's pages).
     */
    void beginWalk()
    {
        mapping.readLock().lock();
    }

    void endWalk()
    {
        mapping.readLock().unlock();
    }

    /**
     * Wait for the walks under way to end, then run {@code unmap} with no walk able to start.
     */
    void awaitWalks(final Runnable unmap)
    {
        mapping.writeLock().lock();
        try
        {
            unmap.run();
        }
        finally
        {
            mapping.writeLock().unlock();
        }
    }

    void checkUnsealed()
    {
        if (sealed)
        {
            throw new PkramUnavailableException("pkram is not booted: the image was sealed by " + sealedBy +
                "; nothing can change it any more");
        }
    }

    private List<String> openNodes()
    {
        final List<String> names = new ArrayList<>();
        for (final NodeRecord record : nodes.values())
        {
            if (record.state == NodeRecord.State.SAVING)
            {
                names.add("save:" + record.name);
            }
            else if (record.state == NodeRecord.State.LOADING)
            {
                names.add("load:" + record.name);
            }
            if (record.replacement != null)
            {
                names.add("replace:" + record.name);
            }
        }
        return names;
    }
}
