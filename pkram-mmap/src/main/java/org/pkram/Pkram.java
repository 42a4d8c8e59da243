package org.pkram;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.pkram.boot.PfnFile;
import org.pkram.error.CorruptImageException;
import org.pkram.error.InvalidArgumentException;
import org.pkram.error.InvalidSuperBlockException;
import org.pkram.error.NameTooLongException;
import org.pkram.error.NodeBusyException;
import org.pkram.error.NodeExistsException;
import org.pkram.error.NoSuchNodeException;
import org.pkram.error.PkramUnavailableException;
import org.pkram.image.NodeView;
import org.pkram.layout.NodeDescriptor;
import org.pkram.layout.Pfn;
import org.pkram.mem.Handover;
import org.pkram.mem.HugePages;
import org.pkram.mem.Memfd;
import org.pkram.mem.PageAllocator;
import org.pkram.mem.PhysMem;
import org.pkram.service.SdNotify;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * A booted pkram: the "kernel" that owns the memory file, its page allocator and the node list.
 * Emulates {@code mm/pkram.c} (RFC v3): {@link #prepareSave(String)} / {@link #prepareLoad(String)} open
 * nodes; {@link #reboot()} (also {@link #close()} and the shutdown hook) is the reboot notifier; {@link #boot}
 * is {@code pkram_reserve()} plus {@code pkram_init_sb()} for the next process.
 * The parts are laid out the kernel's way in docs/ARCHITECTURE.md.
 * <p>
 * Threading: different nodes may be saved and loaded from different threads at once (the allocator is
 * lock-free, the node list is guarded by one lock); a node handle and its streams belong to one thread at a
 * time. Once the image is sealed (reboot, close, the shutdown hook) every mutation is refused (ENODEV) and the
 * sealed image stays bootable. Memory safety: a page view used after its pages stop being the caller's
 * (freed, discarded, truncated, loaded, the instance closed) reads and writes harmless scratch memory; it
 * never faults and never touches a page that belongs to something else.
 */
public final class Pkram implements AutoCloseable
{
    private final PhysMem mem;
    private final Pages pages;
    private final Mode mode;
    private final Publisher publisher;
    private final NodeList nodes;
    private final Reboot reboot;
    private final List<String> bootMessages;
    /** Set once a handle or a folio was handed out: from then on views may exist, so close never unmaps. */
    private final AtomicBoolean viewsHandedOut = new AtomicBoolean();
    /** The service's own work at shutdown, run in registration order before the seal. */
    private final List<Runnable> shutdownCallbacks = new CopyOnWriteArrayList<>();
    private final AtomicBoolean shutdownWorkDone = new AtomicBoolean();
    private volatile SdNotify notify = SdNotify.of(null);
    private volatile boolean closed;
    private Thread shutdownHook;

    Pkram(final PhysMem mem, final PageAllocator allocator, final PkramOptions options, final Publisher publisher,
        final NodeList nodes, final List<String> bootMessages)
    {
        this.mem = mem;
        this.pages = new Pages(mem, allocator);
        this.mode = options.mode();
        this.publisher = publisher;
        this.nodes = nodes;
        this.bootMessages = List.copyOf(bootMessages);
        this.reboot = new Reboot(mem, publisher, publisher.sbPfn, PfnFile.of(options.memoryFile()),
            pages::allocMeta);
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
        PhysMem.create(memoryFile, size, populate).close();
    }

    /**
     * Boot: attach the memory file, take the image its header names (resume is the default), validate it
     * without writing a byte, reserve every preserved page, record a new generation (so an old state is never
     * replayed) and rebuild the node list. A file that holds no image starts empty; so does one whose image the
     * options drop by name ({@link PkramOptions#fresh(boolean)}). {@link #bootMessages()} says which happened:
     * resumed generation N with K nodes, or started empty and why.
     * <p>
     * A super block pfn from the options, {@code -Dpkram} / {@code PKRAM}, or the pfn file is a cross-check: a
     * different one is refused as stale. {@link PkramOptions#createIfAbsent(long)} creates a missing file first.
     * <p>
     * Errors: ENOENT / EACCES / EBUSY / EINVAL / EUCLEAN from attaching ({@link PhysMem#open(Path)});
     * EINVAL ({@link InvalidSuperBlockException}) pfn out of range, bad magic, newer format, a stale pfn, or a
     * super block consumed by a kernel-faithful boot with no orderly reboot since; EUCLEAN damaged structures. On
     * any of these the file is left byte-identical, unless {@code dropInvalid} asked to drop the image and start
     * empty. Call {@link #reboot()} or {@link #close()} when done.
     *
     * @param options what to boot.
     * @return the booted instance.
     */
    public static Pkram boot(final PkramOptions options)
    {
        final Pkram pkram = Boot.boot(options);
        if (options.shutdownHook())
        {
            pkram.shutdownHook = ShutdownHook.install(pkram);
        }
        return pkram;
    }

    /**
     * Boot a service's memory: the memory file from {@code -Dpkram.mem} / {@code $PKRAM_MEM} (else a memfd
     * systemd passed as {@code pkram}, else {@code /dev/shm/pkram.mem}), created on a first start with
     * {@code -Dpkram.size} / {@code $PKRAM_SIZE} when given, its image resumed, crash-safe, with the shutdown
     * hook. {@code memfd:NAME} as the memory means a memfd: the one systemd passed under NAME
     * ({@code LISTEN_FDNAMES}), or a new one of the configured size. When {@code $NOTIFY_SOCKET} is set (a
     * systemd {@code Type=notify} unit), a memfd is first stored in systemd's fd store ({@code FDSTORE=1},
     * {@code FDNAME=NAME}, the descriptor by {@code SCM_RIGHTS}), then {@code READY=1} is sent; {@code STOPPING=1}
     * goes at the reboot. Exit with {@link ServiceEnvironment#RESTART_EXIT_CODE} to be run again by
     * {@code pkram exec}.
     * <p>
     * Errors: as {@link #boot(PkramOptions)}; EINVAL a size that is not one, a new memfd with no size, a
     * descriptor name systemd did not pass; EIO the notification failed (the instance is closed again, nothing
     * changed but the generation).
     *
     * @return the booted instance.
     */
    public static Pkram fromEnvironment()
    {
        return fromEnvironment(pkram ->
        {
        });
    }

    /**
     * {@link #fromEnvironment()}, with the service's own start-up (open its nodes live, rebuild an index) run
     * between the boot and {@code READY=1}, so that systemd counts the service started only once it can serve.
     * A start-up that throws closes the instance again (an orderly reboot: nothing is lost) and is rethrown.
     *
     * @param startup the service's start-up, given the booted instance.
     * @return the booted instance.
     */
    public static Pkram fromEnvironment(final Consumer<Pkram> startup)
    {
        final Map<String, String> env = System.getenv();
        final Properties props = System.getProperties();
        // A notify socket systemd could not have given is refused before anything is touched.
        final SdNotify systemd = SdNotify.fromEnvironment();
        final String newMemfd = ServiceEnvironment.newMemfdName(env, props);
        final PkramOptions options;
        Memfd created = null;
        if (newMemfd != null)
        {
            final long size = ServiceEnvironment.size(env, props);
            if (size == 0)
            {
                throw new InvalidArgumentException("a new memfd needs a size: set -Dpkram.size or PKRAM_SIZE: " +
                    "memory=memfd:" + newMemfd);
            }
            created = Memfd.create(newMemfd, size);
            options = PkramOptions.of(created.path());
        }
        else
        {
            options = ServiceEnvironment.options(env, props);
        }
        final Pkram pkram;
        try
        {
            pkram = boot(options);
        }
        catch (final RuntimeException ex)
        {
            closeQuietly(created, ex);
            throw ex;
        }
        try
        {
            startup.accept(pkram);
            if (systemd.isEnabled())
            {
                final Path memory = options.memoryFile();
                if (Handover.isMemfd(memory))
                {
                    // Kept by systemd over a restart (and, with FileDescriptorStorePreserve=, over a kexec with LUO).
                    systemd.sendWithFd("FDSTORE=1\nFDNAME=" + (newMemfd != null ? newMemfd :
                        ServiceEnvironment.DEFAULT_FD_NAME), Handover.descriptorOf(memory));
                }
                systemd.ready(pkram.bootMessages.isEmpty() ? "booted" : pkram.bootMessages.getLast());
                pkram.notify = systemd;
            }
        }
        catch (final RuntimeException ex)
        {
            pkram.close();
            closeQuietly(created, ex);
            throw ex;
        }
        if (created != null)
        {
            // The attach holds its own description of the memfd; this one was only for creating and storing it.
            created.close();
        }
        return pkram;
    }

    private static void closeQuietly(final Memfd memfd, final RuntimeException primary)
    {
        if (memfd != null)
        {
            try
            {
                memfd.close();
            }
            catch (final RuntimeException ex)
            {
                primary.addSuppressed(ex);
            }
        }
    }

    /**
     * Register the service's own work at shutdown (save a node, flush an index): it runs in pkram's reboot, first,
     * in registration order, before the image is sealed, whether the reboot comes from {@link #close()},
     * {@link #reboot()} or the shutdown hook. So the service needs no shutdown hook of its own, which would race
     * pkram's (the JVM runs hooks concurrently). Each callback runs once; one that throws is reported on standard
     * error and the reboot goes on.
     *
     * @param callback the work; it may save, replace and finish nodes on this instance.
     */
    public void onShutdown(final Runnable callback)
    {
        shutdownCallbacks.add(Objects.requireNonNull(callback, "callback"));
    }

    private void runShutdownWork()
    {
        if (!shutdownWorkDone.compareAndSet(false, true))
        {
            return;
        }
        try
        {
            notify.stopping();
        }
        catch (final RuntimeException ex)
        {
            System.err.println("pkram: STOPPING=1 not sent to systemd: " + ex.getMessage());
        }
        for (final Runnable callback : shutdownCallbacks)
        {
            try
            {
                callback.run();
            }
            catch (final RuntimeException ex)
            {
                System.err.println("pkram: shutdown callback failed, rebooting anyway: " + ex);
            }
        }
    }

    /**
     * Create node {@code name} and open it for saving ({@code pkram_prepare_save}).
     * <p>
     * Errors: ENODEV not booted, closed or sealed; ENAMETOOLONG UTF-8 length &gt;= 256 (PKRAM_NAME_MAX incl.
     * NUL); EINVAL an unpaired surrogate or a NUL in the name; ENOMEM no free page; EEXIST a node of that name
     * is being saved, is committed, or is being loaded (the load may still be aborted).
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
        final byte[] utf8 = Names.utf8(name);
        viewsHandedOut.set(true);
        final NodeRecord record = Faults.guarded(mem, () -> nodes.prepareSave(name, () -> allocNode(utf8)));
        return new NodeSave(this, record, mem.page(record.pfn));
    }

    private long allocNode(final byte[] utf8)
    {
        final long pfn = pages.allocMeta();
        final UnsafeBuffer node = mem.page(pfn);
        NodeDescriptor.putName(node, utf8);
        NodeDescriptor.flags(node, NodeDescriptor.PKRAM_SAVE);
        return pfn;
    }

    /**
     * Save a new version of node {@code name} (a plain save when there is none): the service's commit point.
     * Add objects as to any save; folios of the current version (from {@link #openLive(String)}) may be saved
     * into it by reference, so the versions share them. {@link NodeSave#finish()} swaps the new version in with
     * one release store: after a crash at any instant exactly one of the two versions is in the image, never both,
     * never neither. Then the pages only the old version referenced are freed. Closing the handle without a
     * finish drops the new version and leaves the old one as it was. In kernel-faithful mode the swap is what the
     * next reboot seals.
     * <p>
     * Errors: as {@link #prepareSave(String)}; EBUSY the node is being saved, loaded or replaced already.
     *
     * @param name the node's name.
     * @return the save handle of the new version.
     * @throws NodeBusyException (EBUSY)
     */
    public NodeSave prepareReplace(final String name)
    {
        checkBooted();
        final byte[] utf8 = Names.utf8(name);
        viewsHandedOut.set(true);
        final NodeRecord record = Faults.guarded(mem, () -> nodes.prepareReplace(name, () -> allocNode(utf8)));
        return new NodeSave(this, record, mem.page(record.pfn));
    }

    /**
     * Open committed node {@code name} for use, in place: its objects and folios come back as from a load, but
     * nothing is consumed. The folios stay the node's and may be written in place; the node stays committed,
     * so whatever instant the process dies at, the next boot finds it with its pages as they were then, and an
     * orderly reboot seals it like any other node. Closing the instance is never refused because a live handle
     * is open. While one is, the node cannot be loaded, removed or truncated; it can be replaced.
     * <p>
     * Errors: ENODEV not booted or sealed; ENOENT no such node; EBUSY the node is being saved or loaded.
     *
     * @param name the node's name.
     * @return the live handle; close it when done.
     * @throws NoSuchNodeException (ENOENT)
     * @throws NodeBusyException   (EBUSY)
     */
    public NodeLoad openLive(final String name)
    {
        checkBooted();
        viewsHandedOut.set(true);
        final NodeRecord record = Faults.guarded(mem, () -> nodes.openLive(name));
        return new NodeLoad(this, record, mem.page(record.pfn), true);
    }

    /**
     * Read committed node {@code name} in place without consuming anything: its objects, folio streams (a
     * cursor, no object per folio) and byte streams. The view is read-only. It reads the node as it is at each
     * call; once the node is loaded, removed, replaced or the instance closed, it reads stale or scratch memory,
     * harmlessly (never a fault, never a write), and may report EUCLEAN for a structure that changed under it.
     * <p>
     * Errors: ENODEV not booted or sealed; ENOENT no such committed node.
     *
     * @param name the node's name.
     * @return the view.
     */
    public NodeView view(final String name)
    {
        checkBooted();
        viewsHandedOut.set(true);
        return new NodeView(mem, nodes.committedPfn(name));
    }

    /**
     * Drop committed node {@code name}: it leaves the image with one release store (crash-safe), then its pages
     * are freed and views of its folios detached.
     * <p>
     * Errors: ENODEV not booted or sealed; ENOENT no such node; EBUSY it is being saved, loaded or replaced, or a
     * live handle is open on it.
     *
     * @param name the node's name.
     * @throws NoSuchNodeException (ENOENT)
     * @throws NodeBusyException   (EBUSY)
     */
    public void remove(final String name)
    {
        checkBooted();
        final Truncator truncator = pages.truncator();
        Faults.guarded(mem, () -> Truncator.reclaim(nodes, () -> List.of(nodes.remove(name)),
            record -> truncator.truncateNode(record.pfn)));
    }

    /**
     * Open committed node {@code name} for loading ({@code pkram_prepare_load}): it can be neither found nor
     * saved over while loaded.
     * <p>
     * Errors: ENODEV not booted or sealed; ENOENT no such node; EBUSY the node is being saved, loaded or
     * replaced, or a live handle is open on it.
     * Then take objects with {@link NodeLoad#prepareLoadObj()} and call {@link NodeLoad#finish()}, which takes
     * the node out of the image and frees whatever was not loaded. Closing the handle without a finish aborts:
     * the node is back, whole.
     *
     * @param name the node's name.
     * @return the load handle.
     * @throws NoSuchNodeException (ENOENT)
     * @throws NodeBusyException   (EBUSY)
     */
    public NodeLoad prepareLoad(final String name)
    {
        checkBooted();
        viewsHandedOut.set(true);
        final NodeRecord record = Faults.guarded(mem, () -> nodes.prepareLoad(name));
        return new NodeLoad(this, record, mem.page(record.pfn), false);
    }

    /**
     * Free every committed node that is not being saved or loaded ({@code pkram_truncate}, the
     * {@code echo 0 > /sys/kernel/pkram} of the kernel). Views of the folios saved in them are detached.
     * <p>
     * Errors: ENODEV not booted or sealed.
     *
     * @return the number of nodes freed.
     */
    public int truncate()
    {
        checkBooted();
        final Truncator truncator = pages.truncator();
        return Faults.guarded(mem, () -> Truncator.reclaim(nodes, nodes::truncate,
            record -> truncator.truncateNode(record.pfn))).size();
    }

    /**
     * Ban a range of pfns from allocation ({@code pkram_ban_region}): no page in it is handed out again,
     * and a folio in it is copied into fresh pages when saved (the kernel's relocation path).
     *
     * @param startPfn        first pfn.
     * @param endPfnInclusive last pfn.
     * @return false when the banned-region table is full and nothing was banned (the kernel logs it).
     */
    public boolean banRegion(final long startPfn, final long endPfnInclusive)
    {
        checkBooted();
        return pages.allocator().banRegion(startPfn, endPfnInclusive);
    }

    /**
     * @return the names of the committed nodes, oldest first (those {@link #prepareLoad(String)} would find).
     */
    public List<String> nodeNames()
    {
        checkBooted();
        return nodes.committedNames();
    }

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
        checkOrder(order);
        return handOut(pages.allocZeroed(order), order);
    }

    /**
     * Open a {@link FileTransfer}: file bytes into new folios, and folios out to files, copied in the kernel
     * ({@code copy_file_range(2)}) rather than through the mapping.
     * <p>
     * Errors: ENODEV not booted or sealed; EIO the memory file cannot be opened again through the attach's
     * descriptor ({@code /proc/self/fd}).
     *
     * @return the transfer, used by one thread at a time; close it when done.
     */
    public FileTransfer openFileTransfer()
    {
        checkBooted();
        return new FileTransfer(this, mem.openChannel());
    }

    /**
     * Allocate a folio of {@code 2^order} pages holding a copy of {@code 4096 << order} bytes of {@code src}: the
     * copy-on-write of a changed page in a checkpoint ({@link ObjSave#shareFrom(ObjLoad, java.util.function.LongFunction)}).
     * Each byte of the new folio is written once, where {@link #allocFolio(int)} and a copy write it twice (the
     * zeroing, then the copy); no view is made until {@link Folio#buffer()} is called.
     * <p>
     * Errors: ENODEV; EINVAL order outside 0..10; ENOMEM no free folio of that order.
     *
     * @param src    the bytes: any Agrona buffer, a folio's view included.
     * @param offset first byte in {@code src}.
     * @param order  0..10.
     * @return the folio, owned by the caller.
     * @throws IndexOutOfBoundsException {@code src} holds fewer than {@code 4096 << order} bytes from {@code offset}.
     */
    public Folio copyFolio(final DirectBuffer src, final int offset, final int order)
    {
        checkBooted();
        checkOrder(order);
        Objects.checkFromIndexSize(offset, Pfn.PAGE_SIZE << order, src.capacity());
        return handOut(pages.allocCopy(order, src, offset), order);
    }

    /**
     * Give a folio back to the allocator; its view is detached. In crash-safe mode a folio from a load that
     * has not finished yet is freed when that load finishes (until then the image still references it).
     * <p>
     * Errors: ENODEV not booted or sealed.
     *
     * @param folio a folio owned by the caller.
     * @throws IllegalArgumentException a folio of another instance (a caller's programming error).
     * @throws IllegalStateException    the folio is saved in a node or already freed (a programming error).
     */
    public void freeFolio(final Folio folio)
    {
        checkBooted();
        if (folio.pkram() != this)
        {
            throw new IllegalArgumentException("folio belongs to another pkram instance: " + folio);
        }
        if (folio.state() != Folio.State.OWNED)
        {
            throw new IllegalStateException("folio is not the caller's to free: " + folio);
        }
        final NodeLoad pending = folio.pendingLoad;
        if (pending != null && pending.isAborted())
        {
            throw new IllegalStateException("folio comes from an aborted load; it is its node's again: " + folio);
        }
        folio.detach();
        if (pending != null && pending.deferFree(folio))
        {
            return;
        }
        pages.free(folio.pfn(), folio.order());
    }

    /**
     * Warm the pages that hold data: fault in every page the allocator has taken (the preserved image and what
     * was saved since) on {@code threads} threads, with {@code MADV_POPULATE_READ} (or {@code _WRITE}, for pages
     * about to be written in place) over each run of them. Boot does not need it: an instance is ready to serve
     * with no data page touched. Join the future before saying ready for first requests free of page faults, or
     * let it run in the background. Closing the instance stops it (the future then completes with the pages done).
     * <p>
     * Errors: ENODEV not booted or sealed; EINVAL threads below 1; the future completes exceptionally with EIO when
     * madvise fails.
     *
     * @param threads threads to fault with, 1 or more.
     * @param write   populate for writing.
     * @return the pages faulted in, once done.
     */
    public CompletableFuture<Long> prefault(final int threads, final boolean write)
    {
        checkBooted();
        if (threads < 1)
        {
            throw new InvalidArgumentException("prefault needs at least one thread: threads=" + threads);
        }
        return Prefault.start(mem, pages.allocator(), nodes, this::isClosed, threads, write);
    }

    /**
     * Orderly reboot (the reboot notifier, {@code SYS_RESTART}): chain the committed nodes, build the
     * regions list covering every preserved page, write the super block with its commit word last,
     * export the pfn to the pfn file, and release the memory file. With nothing preserved the super block
     * page is left all zero. After it, every call on this instance or its handles fails (ENODEV), and
     * every page view it handed out is harmless (see the class doc).
     * <p>
     * First the service's work registered with {@link #onShutdown(Runnable)} runs (and {@code STOPPING=1} goes to
     * systemd for an instance from {@link #fromEnvironment()}). Live handles ({@link #openLive(String)}) never
     * hold a reboot up: their nodes are committed and sealed like any other.
     * <p>
     * Errors: EBUSY save or load handles are still open (close them first; nothing was changed); ENOMEM no page left
     * for the regions list (crash-safe: the image stays live and bootable by walking; the instance stays
     * open); EUCLEAN the memory file was truncated under the mapping (nothing can be sealed; the instance is
     * released). Idempotent once it succeeded.
     * The shutdown hook reboots without waiting for handles (see {@link #rebootAtExit()}).
     */
    public void reboot()
    {
        if (closed)
        {
            return;
        }
        if (!nodes.isSealed())
        {
            runShutdownWork();
        }
        try
        {
            mem.checkIntact();
        }
        catch (final CorruptImageException truncated)
        {
            // Nothing can be sealed in a file cut short under the mapping: release it, and say why.
            release();
            throw truncated;
        }
        Faults.guarded(mem, () -> reboot.run(nodes, true, "reboot()"));
        release();
    }

    private void release()
    {
        closed = true;
        ShutdownHook.remove(shutdownHook);
        shutdownHook = null;
        nodes.awaitWalks(viewsHandedOut.get() ? mem::closeDetached : mem::close);
    }

    /**
     * Same as {@link #reboot()}.
     */
    @Override
    public void close()
    {
        reboot();
    }

    /**
     * The shutdown hook's reboot: run the service's shutdown callbacks, then seal what is committed now, without
     * waiting for handles (a node still being saved is skipped, as the kernel skips one; a node being loaded is
     * preserved whole in crash-safe mode, dropped in kernel-faithful mode, as the kernel drops one), and leave
     * the mapping to the exiting process.
     */
    void rebootAtExit()
    {
        try
        {
            if (!closed && !nodes.isSealed())
            {
                runShutdownWork();
            }
            if (reboot.run(nodes, false, "the shutdown hook"))
            {
                closed = true;
            }
        }
        catch (final RuntimeException ex)
        {
            System.err.println("pkram: reboot at exit failed: " + ex.getMessage());
        }
    }

    /**
     * @return the super block pfn: what {@code /sys/kernel/pkram} shows, and the next boot's {@code pkram=}.
     */
    public long superBlockPfn()
    {
        return publisher.sbPfn;
    }

    /**
     * @return the boot generation this instance recorded in the super block.
     */
    public long generation()
    {
        return publisher.generation;
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
        return bootMessages;
    }

    /**
     * @return the page allocator's counts now (a snapshot; the allocator itself is not reachable).
     */
    public PageCounts pageCounts()
    {
        return pages.counts();
    }

    /**
     * @return whether the memory's pages may be huge pages (a tmpfs mounted {@code huge=always}, hugetlbfs), and
     *         what was found.
     */
    public HugePages hugePages()
    {
        return mem.hugePages();
    }

    /**
     * @return node handles (save or load) still open.
     */
    public int openHandles()
    {
        return nodes.openHandles();
    }

    /**
     * @return true once rebooted, closed or sealed by the shutdown hook.
     */
    public boolean isClosed()
    {
        return closed || nodes.isSealed();
    }

    // Internals shared with the handles.

    /**
     * EINVAL unless {@code order} is a folio order pkram allocates (0..10): checked before the order sizes anything.
     */
    static void checkOrder(final int order)
    {
        if (!Pfn.isValidOrder(order))
        {
            throw new InvalidArgumentException("folio order out of range: order=" + order + ", max=" +
                Pfn.MAX_FOLIO_ORDER);
        }
    }

    /**
     * @return a new folio of the caller's over pages just allocated; from now on views may exist.
     */
    Folio handOut(final long pfn, final int order)
    {
        viewsHandedOut.set(true);
        return new Folio(this, pfn, order, 0);
    }

    PhysMem mem()
    {
        return mem;
    }

    Pages pages()
    {
        return pages;
    }

    NodeList nodes()
    {
        return nodes;
    }

    Publisher publisher()
    {
        return publisher;
    }

    void checkBooted()
    {
        if (closed)
        {
            throw new PkramUnavailableException("pkram is not booted (closed or rebooted): memoryFile=" + mem.path());
        }
        nodes.checkUnsealed();
    }
}
