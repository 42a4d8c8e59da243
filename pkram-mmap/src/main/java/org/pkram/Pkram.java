package org.pkram;

import org.agrona.concurrent.UnsafeBuffer;
import org.pkram.boot.ImageScanner;
import org.pkram.boot.PageBitmap;
import org.pkram.boot.PfnFile;
import org.pkram.boot.RegionsList;
import org.pkram.boot.ScanResult;
import org.pkram.error.CorruptImageException;
import org.pkram.error.InvalidArgumentException;
import org.pkram.error.InvalidSuperBlockException;
import org.pkram.error.NameTooLongException;
import org.pkram.error.NodeBusyException;
import org.pkram.error.NodeExistsException;
import org.pkram.error.NoSuchNodeException;
import org.pkram.error.PkramUnavailableException;
import org.pkram.layout.FileHeaderDescriptor;
import org.pkram.layout.NodeDescriptor;
import org.pkram.layout.Pfn;
import org.pkram.layout.SuperBlockDescriptor;
import org.pkram.mem.PageAllocator;
import org.pkram.mem.PhysMem;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A booted pkram: the "kernel" that owns the memory file, its page allocator and the node list.
 * Emulates {@code mm/pkram.c} (RFC v3): {@link #prepareSave(String)} / {@link #prepareLoad(String)}
 * open nodes; {@link #reboot()} (also {@link #close()} and the shutdown hook) is the reboot notifier
 * that chains the nodes, builds the regions list and writes the super block; {@link #boot} is
 * {@code pkram_reserve()} plus {@code pkram_init_sb()} for the next process.
 * <p>
 * Threading: different nodes may be saved and loaded from different threads at once (the allocator
 * is lock-free, the node list is guarded by one lock, the kernel's {@code pkram_mutex}); a node
 * handle and its streams belong to one thread at a time. {@link #close()} must not race with open
 * handles: it refuses (EBUSY) while any is open.
 */
public final class Pkram implements AutoCloseable
{
    private final PhysMem mem;
    private final PageAllocator allocator;
    private final Mode mode;
    private final boolean durable;
    private final Path pfnFile;
    private final long sbPfn;
    private final long generation;
    private final UnsafeBuffer sb;
    private final List<String> bootMessages;

    private final ReentrantLock listLock = new ReentrantLock();
    /** The kernel's node list: nodes being saved and committed nodes, by name. */
    private final Map<String, NodeRecord> list = new LinkedHashMap<>();
    /** Nodes being loaded: off the list, but (crash-safe) still in the image's chain. */
    private final Map<String, NodeRecord> loading = new HashMap<>();
    /** Crash-safe: the node the super block's node_pfn points at. */
    private NodeRecord chainHead;

    private final AtomicInteger openHandles = new AtomicInteger();
    private volatile boolean closed;
    private Thread shutdownHook;

    private Pkram(
        final PhysMem mem,
        final PageAllocator allocator,
        final PkramOptions options,
        final long sbPfn,
        final long generation,
        final List<String> bootMessages)
    {
        this.mem = mem;
        this.allocator = allocator;
        this.mode = options.mode();
        this.durable = options.durable();
        this.pfnFile = PfnFile.of(options.memoryFile());
        this.sbPfn = sbPfn;
        this.generation = generation;
        this.sb = mem.page(sbPfn);
        this.bootMessages = bootMessages;
    }

    /**
     * Format a new memory file: create it (mode 0600), write its header, and leave it with nothing
     * preserved. Errors as {@link PhysMem#create(Path, long, boolean)}: EEXIST, EINVAL, ENOSPC, EIO.
     *
     * @param memoryFile where to create it.
     * @param size       bytes, a multiple of 4096.
     * @param populate   allocate every page now, so an over-sized file fails here with ENOSPC.
     */
    public static void format(final Path memoryFile, final long size, final boolean populate)
    {
        // The header is written; nothing is preserved, so there is no super block yet.
        PhysMem.create(memoryFile, size, populate).close();
    }

    /**
     * Boot: attach the memory file, validate the image under {@code options.superBlockPfn()} without
     * writing a byte, reserve every preserved page, consume the super block (a new generation, so an old
     * state is never replayed) and rebuild the node list. With no pfn, start empty on a fresh super block.
     * <p>
     * Errors: ENOENT / EACCES / EBUSY / EINVAL / EUCLEAN from attaching ({@link PhysMem#open(Path)});
     * EINVAL ({@link InvalidSuperBlockException}) pfn out of range, bad magic, newer format, a stale
     * super block (not the memory file's current one), or one consumed by a kernel-faithful boot with no
     * orderly reboot since; EUCLEAN ({@link CorruptImageException}) damaged structures. On any of these
     * the file is left byte-identical, unless {@code dropInvalid} asked to drop the image and start empty.
     * Call {@link #reboot()} or {@link #close()} when done.
     *
     * @param options what to boot.
     * @return the booted instance.
     */
    public static Pkram boot(final PkramOptions options)
    {
        final PhysMem mem = PhysMem.open(options.memoryFile());
        try
        {
            return boot(mem, options);
        }
        catch (final RuntimeException ex)
        {
            try
            {
                mem.close();
            }
            catch (final RuntimeException closeFailure)
            {
                ex.addSuppressed(closeFailure);
            }
            throw ex;
        }
    }

    private static Pkram boot(final PhysMem mem, final PkramOptions options)
    {
        final List<String> messages = new ArrayList<>();
        final UnsafeBuffer header = mem.page(0);
        ScanResult scan = null;
        final long requested = options.superBlockPfn();
        if (requested != Pfn.NULL_PFN)
        {
            try
            {
                checkCurrent(header, requested);
                scan = ImageScanner.scan(mem, requested);
            }
            catch (final InvalidSuperBlockException | CorruptImageException ex)
            {
                if (!options.dropInvalid())
                {
                    throw ex;
                }
                messages.add("dropped the preserved image: " + ex.getMessage());
                scan = null;
            }
        }
        final PageAllocator allocator = new PageAllocator(mem.pfnCount());
        final long sbPfn;
        final long generation;
        if (scan != null)
        {
            reserve(allocator, scan.pages());
            sbPfn = scan.superBlockPfn();
            generation = scan.generation() + 1;
        }
        else
        {
            // A fresh super block. First make the file record "no image", so that if this boot dies
            // half way, no older super block can be booted over pages this one hands out.
            FileHeaderDescriptor.superBlockPfnRelease(header, Pfn.NULL_PFN);
            FaultPoints.reach(FaultPoints.BOOT_FRESH_HEADER_CLEARED);
            sbPfn = allocator.alloc(0);
            generation = 1;
        }
        final Pkram pkram = new Pkram(mem, allocator, options, sbPfn, generation, messages);
        pkram.start(scan);
        FileHeaderDescriptor.superBlockPfnRelease(header, sbPfn);
        if (options.durable())
        {
            mem.force(0, 1);
        }
        PfnFile.write(pkram.pfnFile, sbPfn);
        if (options.shutdownHook())
        {
            pkram.installShutdownHook();
        }
        return pkram;
    }

    private static void checkCurrent(final UnsafeBuffer header, final long requested)
    {
        final long current = FileHeaderDescriptor.superBlockPfn(header);
        if (current != requested)
        {
            throw new InvalidSuperBlockException("invalid super block: stale: the memory file's current super " +
                "block is pfn=0x" + Long.toHexString(current) + ", not 0x" + Long.toHexString(requested) +
                (current == 0 ? " (no image recorded)" : ""));
        }
    }

    private static void reserve(final PageAllocator allocator, final PageBitmap pages)
    {
        long start = pages.nextSet(0);
        while (start >= 0)
        {
            final long end = pages.nextClear(start);
            long pfn = start;
            while (pfn < end)
            {
                // Largest naturally aligned folio that starts at pfn and fits the run.
                int order = Math.min(Long.numberOfTrailingZeros(pfn), Pfn.MAX_FOLIO_ORDER);
                while (pfn + Pfn.pageCount(order) > end)
                {
                    order--;
                }
                if (!allocator.reserve(pfn, order))
                {
                    throw new IllegalStateException("page reserved twice at boot: pfn=0x" + Long.toHexString(pfn));
                }
                pfn += Pfn.pageCount(order);
            }
            start = pages.nextSet(end);
        }
    }

    /**
     * Consume the super block and rebuild the node list (the new generation is recorded before any
     * page is handed out).
     */
    private void start(final ScanResult scan)
    {
        final boolean inherited = scan != null && scan.state() != SuperBlockDescriptor.STATE_NONE;
        if (!inherited)
        {
            sb.setMemory(0, Pfn.PAGE_SIZE, (byte)0);
        }
        if (mode == Mode.CRASH_SAFE)
        {
            // Live from now on: state first, so a crash during the rest of boot recovers by walking.
            SuperBlockDescriptor.formatVersion(sb, SuperBlockDescriptor.FORMAT_VERSION);
            SuperBlockDescriptor.fileSize(sb, mem.size());
            SuperBlockDescriptor.generation(sb, generation);
            SuperBlockDescriptor.stateRelease(sb, SuperBlockDescriptor.STATE_LIVE);
            FaultPoints.reach(FaultPoints.BOOT_LIVE);
            SuperBlockDescriptor.regionListPfn(sb, Pfn.NULL_PFN);
            SuperBlockDescriptor.nrRegions(sb, 0);
            SuperBlockDescriptor.preservedPages(sb, 0);
            if (!inherited)
            {
                SuperBlockDescriptor.magicRelease(sb, SuperBlockDescriptor.PKRAM_MAGIC);
            }
        }
        else if (inherited)
        {
            // Kernel-faithful: the image may be booted once; the chain is rewritten at reboot.
            SuperBlockDescriptor.generation(sb, generation);
            SuperBlockDescriptor.stateRelease(sb, SuperBlockDescriptor.STATE_CONSUMED);
            // A reader that knows only the kernel struct must refuse it too.
            SuperBlockDescriptor.magicRelease(sb, 0);
        }
        if (inherited)
        {
            final UnsafeBuffer node = new UnsafeBuffer(0, 0);
            NodeRecord older = null;
            final List<org.pkram.boot.NodeEntry> nodes = scan.nodes();
            for (int i = nodes.size() - 1; i >= 0; i--)
            {
                final org.pkram.boot.NodeEntry entry = nodes.get(i);
                mem.wrap(node, entry.pfn(), 0);
                if (NodeDescriptor.flags(node) != 0)
                {
                    // A load that a crash interrupted: the node comes back whole, as committed.
                    NodeDescriptor.flags(node, 0);
                }
                final NodeRecord record = new NodeRecord(entry.pfn(), entry.name(), NodeRecord.State.COMMITTED);
                list.put(entry.name(), record);
                if (mode == Mode.CRASH_SAFE)
                {
                    record.chained = true;
                    record.older = older;
                    if (older != null)
                    {
                        older.newer = record;
                    }
                    older = record;
                }
            }
            chainHead = mode == Mode.CRASH_SAFE ? older : null;
            if (mode == Mode.KERNEL_FAITHFUL)
            {
                SuperBlockDescriptor.nodePfn(sb, Pfn.NULL_PFN);
            }
            // pkram_cleanup(): the regions list has served its purpose.
            for (final long listPfn : scan.regionListPfns())
            {
                allocator.free(listPfn, 0);
            }
        }
        if (durable)
        {
            mem.force(sbPfn, 1);
        }
        FaultPoints.reach(FaultPoints.BOOT_DONE);
    }

    private void installShutdownHook()
    {
        final Thread hook = new Thread(this::rebootFromHook, "pkram-reboot");
        Runtime.getRuntime().addShutdownHook(hook);
        shutdownHook = hook;
    }

    private void rebootFromHook()
    {
        if (!closed)
        {
            try
            {
                // The process is exiting: handles may be open on other threads, so write the image but do
                // not unmap under them; the mapping goes with the process.
                doReboot(false);
            }
            catch (final RuntimeException ex)
            {
                System.err.println("pkram: reboot at exit failed: " + ex.getMessage());
            }
        }
    }

    // ------------------------------------------------------------------------------------------------
    // Nodes

    /**
     * Create node {@code name} and open it for saving ({@code pkram_prepare_save}).
     * <p>
     * Errors: ENODEV not booted or closed; ENAMETOOLONG UTF-8 length &gt;= 256 (PKRAM_NAME_MAX incl. NUL);
     * ENOMEM no free page; EEXIST a node of that name is being saved, is committed, was inherited, or
     * (crash-safe mode) is being loaded.
     * Then add objects with {@link NodeSave#prepareSaveObj(DataKind...)} and call {@link NodeSave#finish()};
     * closing the handle without finishing discards the node ({@code pkram_discard_save}).
     *
     * @param name the node's name.
     * @return the save handle.
     * @throws NameTooLongException (ENAMETOOLONG)
     * @throws NodeExistsException  (EEXIST)
     */
    public NodeSave prepareSave(final String name)
    {
        checkBooted();
        final byte[] utf8 = nameBytes(name);
        listLock.lock();
        try
        {
            checkBooted();
            if (list.containsKey(name) || (mode == Mode.CRASH_SAFE && loading.containsKey(name)))
            {
                throw new NodeExistsException("node already exists: name=" + name);
            }
            final long pfn = allocMetaPage();
            final UnsafeBuffer node = mem.page(pfn);
            NodeDescriptor.putName(node, utf8);
            NodeDescriptor.flags(node, NodeDescriptor.PKRAM_SAVE);
            final NodeRecord record = new NodeRecord(pfn, name, NodeRecord.State.SAVING);
            list.put(name, record);
            openHandles.incrementAndGet();
            return new NodeSave(this, record, node);
        }
        finally
        {
            listLock.unlock();
        }
    }

    /**
     * Open committed node {@code name} for loading ({@code pkram_prepare_load}); it leaves the node list,
     * so it can be neither found nor saved over while loaded.
     * <p>
     * Errors: ENODEV not booted; ENOENT no such node; EBUSY the node is still being saved.
     * Then take objects with {@link NodeLoad#prepareLoadObj()} and call {@link NodeLoad#finish()} (closing
     * the handle does), which frees whatever was not loaded.
     *
     * @param name the node's name.
     * @return the load handle.
     * @throws NoSuchNodeException (ENOENT)
     * @throws NodeBusyException   (EBUSY)
     */
    public NodeLoad prepareLoad(final String name)
    {
        checkBooted();
        listLock.lock();
        try
        {
            checkBooted();
            final NodeRecord record = list.get(name);
            if (record == null)
            {
                throw new NoSuchNodeException("no such node: name=" + name);
            }
            if (record.state == NodeRecord.State.SAVING)
            {
                throw new NodeBusyException("node is being saved: name=" + name);
            }
            list.remove(name);
            loading.put(name, record);
            record.state = NodeRecord.State.LOADING;
            final UnsafeBuffer node = mem.page(record.pfn);
            NodeDescriptor.flags(node, NodeDescriptor.flags(node) | NodeDescriptor.PKRAM_LOAD);
            openHandles.incrementAndGet();
            return new NodeLoad(this, record, node);
        }
        finally
        {
            listLock.unlock();
        }
    }

    /**
     * Free every committed node that is not being saved or loaded ({@code pkram_truncate}, the
     * {@code echo 0 > /sys/kernel/pkram} of the kernel).
     *
     * @return the number of nodes freed.
     */
    public int truncate()
    {
        checkBooted();
        final List<NodeRecord> disposed = new ArrayList<>();
        listLock.lock();
        try
        {
            for (final NodeRecord record : List.copyOf(list.values()))
            {
                if (record.state == NodeRecord.State.COMMITTED)
                {
                    list.remove(record.name);
                    unchain(record);
                    FaultPoints.reach(FaultPoints.TRUNCATE_UNLINKED);
                    disposed.add(record);
                }
            }
        }
        finally
        {
            listLock.unlock();
        }
        final Truncator truncator = truncator();
        for (final NodeRecord record : disposed)
        {
            truncator.truncateNode(record.pfn, truncator.firstObj(record.pfn));
        }
        return disposed.size();
    }

    /**
     * Ban a range of pfns from allocation ({@code pkram_ban_region}): no page in it is handed out again,
     * and a folio in it is copied into fresh pages when saved (the kernel's relocation path).
     *
     * @param startPfn       first pfn.
     * @param endPfnInclusive last pfn.
     * @return false when the banned-region table is full and nothing was banned (the kernel logs it).
     */
    public boolean banRegion(final long startPfn, final long endPfnInclusive)
    {
        checkBooted();
        return allocator.banRegion(startPfn, endPfnInclusive);
    }

    /**
     * @return the names of the committed nodes (those {@link #prepareLoad(String)} would find).
     */
    public List<String> nodeNames()
    {
        checkBooted();
        listLock.lock();
        try
        {
            final List<String> names = new ArrayList<>();
            for (final NodeRecord record : list.values())
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
            listLock.unlock();
        }
    }

    // ------------------------------------------------------------------------------------------------
    // Folios

    /**
     * Allocate a zeroed folio of {@code 2^order} naturally aligned pages from pkram memory: fill it
     * through {@link Folio#buffer()} and save it by reference.
     * <p>
     * Errors: ENODEV; EINVAL order outside 0..10; ENOMEM no free folio of that order.
     *
     * @param order 0..10.
     * @return the folio, owned by the caller.
     */
    public Folio allocFolio(final int order)
    {
        checkBooted();
        if (!Pfn.isValidOrder(order))
        {
            throw new InvalidArgumentException("folio order out of range: order=" + order + ", max=" +
                Pfn.MAX_FOLIO_ORDER);
        }
        final long pfn = allocator.alloc(order);
        zero(pfn, order);
        return new Folio(this, pfn, order, 0);
    }

    /**
     * Give a folio back to the allocator. In crash-safe mode a folio from a load that has not finished yet
     * is freed when that load finishes (until then the image still references it).
     *
     * @param folio a folio owned by the caller.
     * @throws IllegalStateException when it is saved in a node or already freed.
     */
    public void freeFolio(final Folio folio)
    {
        checkBooted();
        if (folio.pkram() != this)
        {
            throw new IllegalArgumentException("folio belongs to another pkram instance: " + folio);
        }
        if (folio.state != Folio.State.OWNED)
        {
            throw new IllegalStateException("folio is not the caller's to free: " + folio);
        }
        folio.detach();
        final NodeLoad pending = folio.pendingLoad;
        if (pending != null && pending.deferFree(folio))
        {
            return;
        }
        allocator.free(folio.pfn(), folio.order());
    }

    // ------------------------------------------------------------------------------------------------
    // Reboot

    /**
     * Orderly reboot (the reboot notifier, {@code SYS_RESTART}): chain the committed nodes, build the
     * regions list covering every preserved page, write the super block with its commit word last,
     * export the pfn to the pfn file, and unmap. Nodes still being saved are not preserved (the kernel
     * WARNs and skips them); a node being loaded is preserved whole in crash-safe mode, dropped in
     * kernel-faithful mode. With nothing preserved the super block page is left all zero.
     * <p>
     * Errors: EBUSY handles are still open (close them first; nothing was changed); ENOMEM no page left
     * for the regions list (crash-safe: the image stays live and bootable by walking).
     * Idempotent once it succeeded.
     */
    public void reboot()
    {
        if (closed)
        {
            return;
        }
        doReboot(true);
    }

    /**
     * Same as {@link #reboot()}.
     */
    @Override
    public void close()
    {
        reboot();
    }

    private void doReboot(final boolean unmap)
    {
        listLock.lock();
        try
        {
            if (closed)
            {
                return;
            }
            if (unmap && openHandles.get() != 0)
            {
                throw new NodeBusyException("handles still open, close them before reboot: nodes=" + openNodes());
            }
            final long nodeHead = linkNodesForReboot();
            writeSuperBlock(nodeHead);
            FaultPoints.reach(FaultPoints.REBOOT_SEALED);
            PfnFile.write(pfnFile, sbPfn);
            closed = true;
        }
        finally
        {
            listLock.unlock();
        }
        if (unmap)
        {
            removeShutdownHook();
            mem.close();
        }
    }

    private long linkNodesForReboot()
    {
        if (mode == Mode.CRASH_SAFE)
        {
            return chainHead == null ? Pfn.NULL_PFN : chainHead.pfn;
        }
        long prev = Pfn.NULL_PFN;
        final UnsafeBuffer node = new UnsafeBuffer(0, 0);
        final List<NodeRecord> records = new ArrayList<>(list.values());
        for (int i = records.size() - 1; i >= 0; i--)
        {
            final NodeRecord record = records.get(i);
            if (record.state != NodeRecord.State.COMMITTED)
            {
                continue; // the kernel: WARN_ON and skip a node still being saved
            }
            mem.wrap(node, record.pfn, 0);
            NodeDescriptor.nodePfn(node, prev);
            prev = record.pfn;
        }
        return prev;
    }

    private void writeSuperBlock(final long nodeHead)
    {
        if (nodeHead == Pfn.NULL_PFN)
        {
            // Nothing preserved: the kernel leaves the super block all zero (no magic).
            SuperBlockDescriptor.magicRelease(sb, 0);
            sb.setMemory(0, Pfn.PAGE_SIZE, (byte)0);
            forceIfDurable();
            return;
        }
        final ScanResult preserved = ImageScanner.collect(mem, sbPfn, nodeHead);
        final RegionsList.Built regions = RegionsList.build(mem, preserved.pages(), this::allocMetaPage);
        FaultPoints.reach(FaultPoints.REBOOT_REGIONS_BUILT);
        if (mode == Mode.CRASH_SAFE)
        {
            SuperBlockDescriptor.regionListPfn(sb, regions.headPfn());
            SuperBlockDescriptor.nrRegions(sb, regions.nrRegions());
            SuperBlockDescriptor.preservedPages(sb, regions.pages());
            forceIfDurable();
            // The commit word of a sealed image: until it flips, a boot walks the live chain.
            SuperBlockDescriptor.stateRelease(sb, SuperBlockDescriptor.STATE_SEALED);
        }
        else
        {
            // As __pkram_reboot(): zero the super block, fill it, magic last.
            SuperBlockDescriptor.magicRelease(sb, 0);
            sb.setMemory(0, Pfn.PAGE_SIZE, (byte)0);
            SuperBlockDescriptor.nodePfn(sb, nodeHead);
            SuperBlockDescriptor.regionListPfn(sb, regions.headPfn());
            SuperBlockDescriptor.nrRegions(sb, regions.nrRegions());
            SuperBlockDescriptor.formatVersion(sb, SuperBlockDescriptor.FORMAT_VERSION);
            SuperBlockDescriptor.fileSize(sb, mem.size());
            SuperBlockDescriptor.generation(sb, generation);
            SuperBlockDescriptor.preservedPages(sb, regions.pages());
            SuperBlockDescriptor.stateRelease(sb, SuperBlockDescriptor.STATE_SEALED);
            forceIfDurable();
            SuperBlockDescriptor.magicRelease(sb, SuperBlockDescriptor.PKRAM_MAGIC);
        }
        if (durable)
        {
            mem.force(sbPfn, 1);
        }
    }

    private void removeShutdownHook()
    {
        final Thread hook = shutdownHook;
        if (hook != null && Thread.currentThread() != hook)
        {
            try
            {
                Runtime.getRuntime().removeShutdownHook(hook);
            }
            catch (final IllegalStateException ignored)
            {
                // Already shutting down: the hook will see closed == true and do nothing.
            }
        }
        shutdownHook = null;
    }

    private List<String> openNodes()
    {
        final List<String> names = new ArrayList<>();
        for (final NodeRecord record : list.values())
        {
            if (record.state == NodeRecord.State.SAVING)
            {
                names.add("save:" + record.name);
            }
        }
        for (final NodeRecord record : loading.values())
        {
            names.add("load:" + record.name);
        }
        return names;
    }

    // ------------------------------------------------------------------------------------------------
    // Facts

    /**
     * @return the super block pfn: what {@code /sys/kernel/pkram} shows, and the next boot's {@code pkram=}.
     */
    public long superBlockPfn()
    {
        return sbPfn;
    }

    /**
     * @return the boot generation this instance recorded in the super block.
     */
    public long generation()
    {
        return generation;
    }

    /**
     * @return the mode this instance runs in.
     */
    public Mode mode()
    {
        return mode;
    }

    /**
     * @return what boot reported (e.g. an image dropped on request), one line each.
     */
    public List<String> bootMessages()
    {
        return List.copyOf(bootMessages);
    }

    /**
     * @return the page allocator, for its counts (free, used, reserved, banned).
     */
    public PageAllocator allocator()
    {
        return allocator;
    }

    /**
     * @return node handles (save or load) still open.
     */
    public int openHandles()
    {
        return openHandles.get();
    }

    /**
     * @return true once rebooted or closed.
     */
    public boolean isClosed()
    {
        return closed;
    }

    // ------------------------------------------------------------------------------------------------
    // Internals shared with the handles

    PhysMem mem()
    {
        return mem;
    }

    Mode modeInternal()
    {
        return mode;
    }

    void checkBooted()
    {
        if (closed)
        {
            throw new PkramUnavailableException("pkram is not booted (closed or rebooted): memoryFile=" + mem.path());
        }
    }

    long allocMetaPage()
    {
        final long pfn = allocator.alloc(0);
        zero(pfn, 0);
        return pfn;
    }

    /** Pages come back from the allocator with whatever an earlier owner left in them. */
    private void zero(final long pfn, final int order)
    {
        mem.segment().asSlice(Pfn.toAddr(pfn), (long)Pfn.PAGE_SIZE << order).fill((byte)0);
    }

    long allocDataPage()
    {
        return allocator.alloc(0);
    }

    void freePage(final long pfn, final int order)
    {
        allocator.free(pfn, order);
    }

    boolean isBanned(final long pfn, final int order)
    {
        return allocator.isBanned(pfn, order);
    }

    Truncator truncator()
    {
        return new Truncator(mem, allocator);
    }

    void forceIfDurable()
    {
        if (durable)
        {
            mem.force(0, mem.pfnCount());
        }
    }

    /**
     * Commit a finished save: clear the access mode (publishes the node, as pkram_finish_save's
     * smp_wmb then flags = 0) and, crash-safe, link it at the head of the image's chain, commit word last.
     */
    void commit(final NodeRecord record, final UnsafeBuffer node)
    {
        listLock.lock();
        try
        {
            checkBooted();
            FaultPoints.reach(FaultPoints.SAVE_BEFORE_COMMIT);
            if (mode == Mode.CRASH_SAFE)
            {
                NodeDescriptor.nodePfn(node, chainHead == null ? Pfn.NULL_PFN : chainHead.pfn);
                NodeDescriptor.flagsRelease(node, 0);
                FaultPoints.reach(FaultPoints.SAVE_FLAGS_CLEARED);
                forceIfDurable();
                SuperBlockDescriptor.nodePfnRelease(sb, record.pfn);
                FaultPoints.reach(FaultPoints.SAVE_COMMITTED);
                if (durable)
                {
                    mem.force(sbPfn, 1);
                }
                record.older = chainHead;
                if (chainHead != null)
                {
                    chainHead.newer = record;
                }
                chainHead = record;
                record.chained = true;
            }
            else
            {
                NodeDescriptor.flagsRelease(node, 0);
            }
            record.state = NodeRecord.State.COMMITTED;
            openHandles.decrementAndGet();
        }
        finally
        {
            listLock.unlock();
        }
    }

    /** Discard a save: off the list, every page back. */
    void discard(final NodeRecord record)
    {
        listLock.lock();
        try
        {
            list.remove(record.name);
            openHandles.decrementAndGet();
        }
        finally
        {
            listLock.unlock();
        }
        final Truncator truncator = truncator();
        truncator.truncateNode(record.pfn, truncator.firstObj(record.pfn));
    }

    /** A load finished: out of the image's chain first (the commit point), then the caller frees. */
    void loadFinished(final NodeRecord record)
    {
        listLock.lock();
        try
        {
            loading.remove(record.name);
            FaultPoints.reach(FaultPoints.LOAD_BEFORE_UNLINK);
            unchain(record);
            FaultPoints.reach(FaultPoints.LOAD_UNLINKED);
            openHandles.decrementAndGet();
        }
        finally
        {
            listLock.unlock();
        }
    }

    /** Crash-safe: unlink from the image's chain with one release store; caller holds the list lock. */
    private void unchain(final NodeRecord record)
    {
        if (!record.chained)
        {
            return;
        }
        final UnsafeBuffer node = mem.page(record.pfn);
        final long next = NodeDescriptor.nodePfn(node);
        if (record.newer == null)
        {
            SuperBlockDescriptor.nodePfnRelease(sb, next);
            chainHead = record.older;
            if (durable)
            {
                mem.force(sbPfn, 1);
            }
        }
        else
        {
            final UnsafeBuffer newer = mem.page(record.newer.pfn);
            NodeDescriptor.nodePfnRelease(newer, next);
            record.newer.older = record.older;
            if (durable)
            {
                mem.force(record.newer.pfn, 1);
            }
        }
        if (record.older != null)
        {
            record.older.newer = record.newer;
        }
        record.chained = false;
        record.newer = null;
        record.older = null;
    }

    private static byte[] nameBytes(final String name)
    {
        final byte[] utf8;
        try
        {
            // Strict: getBytes would turn an unpaired surrogate into '?', so two different names could
            // collide in the image (and fail the next boot's duplicate check).
            final java.nio.ByteBuffer encoded = StandardCharsets.UTF_8.newEncoder()
                .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
                .encode(java.nio.CharBuffer.wrap(name));
            utf8 = new byte[encoded.remaining()];
            encoded.get(utf8);
        }
        catch (final java.nio.charset.CharacterCodingException ex)
        {
            throw new InvalidArgumentException("node name is not valid Unicode (an unpaired surrogate): name=" +
                name.replaceAll("[\\uD800-\\uDFFF]", "?"));
        }
        if (utf8.length >= NodeDescriptor.NAME_MAX)
        {
            throw new NameTooLongException("node name too long: utf8Length=" + utf8.length + ", max=" +
                (NodeDescriptor.NAME_MAX - 1));
        }
        if (name.indexOf('\0') >= 0)
        {
            throw new InvalidArgumentException("node name contains NUL: name=" + name.replace('\0', '?'));
        }
        return utf8;
    }
}
