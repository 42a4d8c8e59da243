package org.pkram.crash;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.AtomicBuffer;
import org.pkram.Folio;
import org.pkram.Mode;
import org.pkram.NodeLoad;
import org.pkram.NodeSave;
import org.pkram.ObjLoad;
import org.pkram.Pkram;
import org.pkram.PkramOptions;
import org.pkram.error.NodeExistsException;
import org.pkram.layout.Pfn;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import java.util.function.IntFunction;

/**
 * The process the crash harness kills: resumes the memory file's image (or starts empty when it holds none),
 * then runs a seeded random workload over nodes {@code n0..n49} (save, load whole or in part, move a node's
 * folios into a new node, discard a save half way, replace a node with a new version that shares some of its
 * folios, write a node's folios in place through a live handle, abort a load, remove, truncate, orderly reboot)
 * and reports each step on stdout as it happens, one line written with one {@code write}, so a kill never leaves
 * half a line. Each line starts with its sequence number (1, 2, ...), so the parent can tell which event
 * was the last before a kill:
 * <pre>
 * BOOTING fresh|resume      before boot
 * BOOTED  n3,n7|- resumed|empty  after boot returned: the committed nodes, and whether it resumed an image
 * SAVING  name version seed [from]  before prepareSave (from: a move of the folios of node from, just loaded)
 * SAVED   name version      after finish() returned
 * DISCARDING name           before a save that will be discarded half way
 * DISCARDED  name           after the discard returned
 * LOADING name              before prepareLoad
 * LOADED  name version digest|-  after the load's finish() returned and its content checked (the digest of the
 *                           page stamps read, "-" for a partial load)
 * REPLACING name version shareSeed discardAt  before openLive and prepareReplace (discardAt -1: to finish)
 * REPLACED name version oldDigest  after the replace's finish() returned (the old version's stamps as read)
 * KEPT    name oldDigest    after a replace was discarded half way: the old version stays
 * WRITING name version writeSeed  before openLive for an in-place write of the pages writeSeed picks
 * WROTE   name version oldDigest  after the writes and the handle's close()
 * ABORTING / ABORTED name   around a load closed without finish() (the node must stay, whole)
 * REMOVING / REMOVED name   around remove()
 * TRUNCATING / TRUNCATED n  around truncate()
 * REBOOTING                 before close(); the boot that follows prints BOOTING and BOOTED
 * CLOSED                    after the final orderly close (only when an op count was given)
 * BAD what                  a load found content that differs from what was saved (exit 3)
 * ERROR what                an unexpected exception (exit 2)
 * </pre>
 * Arguments, as {@code key=value}: {@code file} the memory file; {@code seed}; {@code base} the first
 * version number (unique per run); {@code ops} operations before an orderly close and exit 0, or 0 to
 * run until killed; {@code millis} a time limit instead; {@code threads} (default 1: with more, each thread owns
 * the names {@code n<i>} with {@code i % threads == t}; a truncate runs while other threads have saves and loads
 * open, a reboot waits for their operations to end, see {@code Worker}); {@code mode} CRASH_SAFE or
 * KERNEL_FAITHFUL; {@code fresh} true to boot fresh every time ({@link PkramOptions#fresh(boolean)}, dropping
 * the image); {@code reboot} and {@code truncate} the probability of each per operation; {@code nonEmpty} true to
 * save a node before any orderly reboot (and the final close) that would otherwise leave an empty image (one
 * thread only).
 */
public final class CrashWorkload
{
    /** Node names the workload uses. */
    static final int NAMES = 50;
    /** Exit code after a content mismatch. */
    static final int BAD_EXIT_CODE = 3;
    /** Exit code after an unexpected exception. */
    static final int ERROR_EXIT_CODE = 2;

    private static final FileOutputStream STDOUT = new FileOutputStream(FileDescriptor.out);
    /** Sequence number of the last line written (guarded by STDOUT). */
    private static long sequence;

    private final Path file;
    private final long ops;
    private final long millis;
    private final int threads;
    private final Mode mode;
    private final boolean fresh;
    private final double rebootRate;
    private final double truncateRate;
    private final boolean nonEmpty;
    private final SplittableRandom seeds;
    private final AtomicLong versions;
    private final Consumer<String> out;
    private final LongAdder done = new LongAdder();
    private final ReentrantReadWriteLock opGate = new ReentrantReadWriteLock();
    private final ReentrantReadWriteLock commitGate = new ReentrantReadWriteLock();
    private volatile Pkram pk;
    private volatile boolean stop;
    private volatile List<String> bootedNames = List.of();
    /** Reboots done (written under opGate's write lock). */
    private volatile long boots;
    /** Truncates done (written under commitGate's write lock). */
    private volatile long truncates;
    /** {@link #truncates} when the image was last booted: those before it are in {@link #bootedNames}. */
    private volatile long truncatesAtBoot;

    /**
     * @param args {@code key=value} pairs, see the class comment.
     * @param out  where each event line goes (called from several threads with more than one thread).
     */
    CrashWorkload(final Map<String, String> args, final Consumer<String> out)
    {
        this.out = out;
        file = Path.of(args.get("file"));
        ops = Long.parseLong(args.getOrDefault("ops", "0"));
        millis = Long.parseLong(args.getOrDefault("millis", "0"));
        threads = Integer.parseInt(args.getOrDefault("threads", "1"));
        mode = Mode.valueOf(args.getOrDefault("mode", Mode.CRASH_SAFE.name()));
        fresh = Boolean.parseBoolean(args.getOrDefault("fresh", "false"));
        rebootRate = Double.parseDouble(args.getOrDefault("reboot", "0.02"));
        truncateRate = Double.parseDouble(args.getOrDefault("truncate", "0.003"));
        nonEmpty = threads == 1 && Boolean.parseBoolean(args.getOrDefault("nonEmpty", "false"));
        seeds = new SplittableRandom(Long.parseLong(args.getOrDefault("seed", "1")));
        versions = new AtomicLong(Long.parseLong(args.getOrDefault("base", "0")));
    }

    /**
     * @param args {@code key=value} pairs, see the class comment.
     */
    public static void main(final String[] args)
    {
        final Map<String, String> parsed = new HashMap<>();
        for (final String arg : args)
        {
            final int eq = arg.indexOf('=');
            parsed.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        try
        {
            new CrashWorkload(parsed, CrashWorkload::line).run(CrashWorkload::die);
        }
        catch (final Throwable ex)
        {
            die(ex);
        }
    }

    /**
     * Boot, run the workers until their operations or time are used up, close.
     *
     * @param onError called on the worker thread that failed (the child dies there; in a test, the others
     *                are stopped and the first failure is thrown here).
     * @return operations done.
     */
    long run(final Consumer<Throwable> onError) throws Exception
    {
        boot();
        final List<Throwable> errors = new CopyOnWriteArrayList<>();
        final List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++)
        {
            final Worker worker = new Worker(t, seeds.split());
            workers.add(Thread.ofPlatform().name("crash-worker-" + t).start(() ->
            {
                try
                {
                    worker.run();
                }
                catch (final Throwable ex)
                {
                    errors.add(ex);
                    stop = true;
                    onError.accept(ex);
                }
            }));
        }
        for (final Thread thread : workers)
        {
            thread.join();
        }
        if (!errors.isEmpty())
        {
            final Exception failure = new Exception("crash workload failed", errors.get(0));
            errors.stream().skip(1).forEach(failure::addSuppressed);
            throw failure;
        }
        pk.close();
        out.accept("CLOSED");
        return done.sum();
    }

    private void boot()
    {
        // Resume is the default: the image the file header names (the pfn file is only a cross-check).
        out.accept("BOOTING " + (fresh ? "fresh" : "resume"));
        pk = Pkram.boot(PkramOptions.of(file).fresh(fresh).mode(mode).shutdownHook(false));
        bootedNames = List.copyOf(new TreeSet<>(pk.nodeNames()));
        truncatesAtBoot = truncates;
        final boolean resumed = pk.bootMessages().stream().anyMatch(m -> m.startsWith("resumed"));
        out.accept("BOOTED " + (bootedNames.isEmpty() ? "-" : String.join(",", bootedNames)) + " " +
            (resumed ? "resumed" : "empty"));
    }

    /**
     * One thread of the workload, over the names it owns.
     * <p>
     * With several threads, two gates keep what each thread reports in the order the library did it, so the
     * model stays exact: every operation holds {@code opGate}'s read lock, and a reboot takes its write lock
     * (no handle is open then, as {@code close()} requires); a node's commit (its {@code finish()} and
     * {@code SAVED}) and a load's start ({@code LOADING} and {@code prepareLoad}) hold {@code commitGate}'s read
     * lock, and a truncate takes its write lock. So a truncate runs while other threads have saves and loads
     * open, and frees exactly the nodes committed when it printed {@code TRUNCATING}.
     */
    private final class Worker
    {
        private final SplittableRandom random;
        private final List<String> owned = new ArrayList<>();
        /** My committed nodes, as of {@link #seenTruncates}. */
        private final List<String> present = new ArrayList<>();
        /** My names neither committed nor being saved or loaded. */
        private final List<String> absent = new ArrayList<>();
        private long seenBoots;
        private long seenTruncates;

        Worker(final int id, final SplittableRandom random)
        {
            this.random = random;
            for (int i = id; i < NAMES; i += threads)
            {
                owned.add("n" + i);
            }
            resync();
            seenBoots = boots;
            seenTruncates = truncates;
        }

        /** After a boot: which of my names the image holds. */
        private void resync()
        {
            present.clear();
            absent.clear();
            for (final String name : owned)
            {
                (bootedNames.contains(name) ? present : absent).add(name);
            }
        }

        /** Catch up with reboots and truncates other threads did; call under one of the gates. */
        private void sync()
        {
            if (seenBoots != boots)
            {
                // The booted image as it was: a truncate since then (by another thread) is caught up below.
                resync();
                seenBoots = boots;
                seenTruncates = truncatesAtBoot;
            }
            if (seenTruncates != truncates)
            {
                // Every node in present was committed before that truncate: it freed them all.
                absent.addAll(present);
                present.clear();
                seenTruncates = truncates;
            }
        }

        void run()
        {
            final long myOps = ops == 0 ? Long.MAX_VALUE : Math.max(1, ops / threads);
            final long deadline = System.nanoTime() + millis * 1_000_000L;
            for (long op = 0; op < myOps && !stop && (millis == 0 || System.nanoTime() - deadline < 0); op++)
            {
                done.increment();
                final double x = random.nextDouble();
                if (x >= truncateRate && x < truncateRate + rebootRate)
                {
                    reboot();
                    continue;
                }
                opGate.readLock().lock();
                try
                {
                    if (x < truncateRate)
                    {
                        truncate();
                    }
                    else
                    {
                        step();
                    }
                }
                finally
                {
                    opGate.readLock().unlock();
                }
            }
            opGate.readLock().lock();
            try
            {
                sync();
                keepOne();
            }
            finally
            {
                opGate.readLock().unlock();
            }
        }

        private void step()
        {
            // 36 % saves (a sixth of them discarded), 32 % loads (whole, part, moves), 12 % replaces, 8 % in-place
            // writes, 4 % aborted loads, 8 % removes: about as many nodes go as come.
            final double y = random.nextDouble();
            final boolean saving;
            final String loading;
            final NodeLoad opened;
            commitGate.readLock().lock();
            try
            {
                sync();
                saving = present.isEmpty() || (y < 0.36 && !absent.isEmpty());
                if (saving || y >= 0.68)
                {
                    loading = null;
                    opened = null;
                }
                else
                {
                    loading = take(present, absent);
                    out.accept("LOADING " + loading);
                    opened = pk.prepareLoad(loading);
                }
            }
            finally
            {
                commitGate.readLock().unlock();
            }
            if (opened != null)
            {
                if (y < 0.56)
                {
                    load(loading, opened, -1);
                }
                else if (y < 0.62)
                {
                    load(loading, opened, random.nextInt(8));
                }
                else if (absent.size() > 1)
                {
                    move(loading, opened);
                }
                else
                {
                    load(loading, opened, -1);
                }
            }
            else if (saving)
            {
                save(y < 0.06);
            }
            else if (y < 0.80)
            {
                replace();
            }
            else if (y < 0.88)
            {
                writeInPlace();
            }
            else if (y < 0.92)
            {
                abortLoad();
            }
            else
            {
                remove();
            }
        }

        private void reboot()
        {
            opGate.writeLock().lock();
            try
            {
                sync();
                keepOne();
                out.accept("REBOOTING");
                pk.close();
                boot();
                boots++;
                sync();
            }
            finally
            {
                opGate.writeLock().unlock();
            }
        }

        /** With {@code nonEmpty}: before an orderly reboot, make sure the image will hold a node. */
        private void keepOne()
        {
            if (nonEmpty && present.isEmpty())
            {
                save(false);
            }
        }

        private String take(final List<String> from, final List<String> to)
        {
            final String name = from.remove(random.nextInt(from.size()));
            to.add(name);
            return name;
        }

        private void save(final boolean discard)
        {
            final long seed = random.nextLong();
            if (discard)
            {
                final String name = absent.get(random.nextInt(absent.size()));
                out.accept("DISCARDING " + name);
                final int at = random.nextInt(CrashContent.saveSteps(seed));
                final long version = versions.incrementAndGet();
                if (CrashContent.save(pk, pk.prepareSave(name), name, version, seed,
                    CrashContent.fresh(pk, seed, version), at, random, Runnable::run))
                {
                    throw new IllegalStateException("a save meant to be discarded committed: " + name);
                }
                out.accept("DISCARDED " + name);
                return;
            }
            final String name = absent.remove(random.nextInt(absent.size()));
            saveAs(name, seed, null, null);
        }

        /**
         * Save {@code name}, not in either list; it joins present at its commit. With {@code reuse}, the folios of
         * node {@code from} (just loaded) are saved by reference.
         */
        private void saveAs(final String name, final long seed, final String from, final Folio[][] reuse)
        {
            final long version = versions.incrementAndGet();
            out.accept("SAVING " + name + " " + version + " " + seed + (from == null ? "" : " " + from));
            final CrashContent.FolioSource folios = reuse == null ? CrashContent.fresh(pk, seed, version) :
                (j, i, order, index) -> reuse[j][i];
            CrashContent.save(pk, pk.prepareSave(name), name, version, seed, folios, -1, random, finish ->
            {
                commitGate.readLock().lock();
                try
                {
                    finish.run();
                    out.accept("SAVED " + name + " " + version);
                    sync();
                    present.add(name);
                }
                finally
                {
                    commitGate.readLock().unlock();
                }
            });
        }

        private void load(final String name, final NodeLoad opened, final int stopAfter)
        {
            final CrashContent.FolioUse use = random.nextBoolean() ?
                CrashContent.FolioUse.FREE_AT_ONCE : CrashContent.FolioUse.FREE_AFTER_FINISH;
            final CrashContent.Loaded loaded = CrashContent.load(pk, opened, name, use, stopAfter);
            out.accept("LOADED " + name + " " + loaded.version() + " " + digest(loaded));
        }

        private static String digest(final CrashContent.Loaded loaded)
        {
            return loaded.complete() ? Long.toString(CrashContent.digest(loaded.stamps())) : "-";
        }

        /** Load a node keeping its folios, then save them by reference in a new node. */
        private void move(final String from, final NodeLoad opened)
        {
            final CrashContent.Loaded loaded = CrashContent.load(pk, opened, from, CrashContent.FolioUse.KEEP, -1);
            out.accept("LOADED " + from + " " + loaded.version() + " " + digest(loaded));
            absent.remove(from);
            final String to = absent.remove(random.nextInt(absent.size()));
            absent.add(from);
            saveAs(to, loaded.seed(), from, loaded.kept());
        }

        /**
         * Replace a committed node with a new version: open it live, check it, save a new version that shares some
         * of its folios by reference, copies others and writes the rest anew (byte streams and header carry the new
         * version), and finish (the swap) or, one time in five, discard half way (the old version stays).
         */
        private void replace()
        {
            final String name;
            final long version = versions.incrementAndGet();
            final long shareSeed = random.nextLong();
            final NodeLoad live;
            final boolean discard = random.nextInt(5) == 0;
            commitGate.readLock().lock();
            try
            {
                sync();
                if (present.isEmpty())
                {
                    return;
                }
                name = present.remove(random.nextInt(present.size()));
                live = openLive(name, "REPLACING " + name + " " + version + " " + shareSeed + " " +
                    (discard ? 0 : -1));
            }
            finally
            {
                commitGate.readLock().unlock();
            }
            final boolean committed;
            final long oldDigest;
            final List<NodeLoad> carryHandles = new ArrayList<>();
            try
            {
                final CrashContent.Loaded old = CrashContent.read(pk, live, name, -1, null);
                oldDigest = CrashContent.digest(old.stamps());
                final int discardAt = discard ? random.nextInt(CrashContent.saveSteps(old.seed())) : -1;
                final NodeSave save = pk.prepareReplace(name);
                // Objects carried whole by shareFrom read the old version through handles of their own.
                final long oldSeed = old.seed();
                final IntFunction<ObjLoad> carryFrom = j ->
                {
                    final NodeLoad handle = pk.openLive(name);
                    carryHandles.add(handle);
                    return CrashContent.dataObject(handle, oldSeed, j);
                };
                committed = CrashContent.save(pk, save, name, version, old.seed(),
                    CrashContent.replacing(pk, old.seed(), old.kept(), shareSeed, version), carryFrom, discardAt, random,
                    finish -> commit(name, () ->
                    {
                        finish.run();
                        // the old version's handles: they refuse more objects now
                        closeAll(live, carryHandles);
                        out.accept("REPLACED " + name + " " + version + " " + oldDigest);
                    }));
            }
            catch (final RuntimeException | Error ex)
            {
                closeAll(live, carryHandles);
                throw ex;
            }
            if (!committed)
            {
                // The old version stays, whole; idle (and truncatable) again once the handles are closed.
                commit(name, () ->
                {
                    closeAll(live, carryHandles);
                    out.accept("KEPT " + name + " " + oldDigest);
                });
            }
        }

        private static void closeAll(final NodeLoad live, final List<NodeLoad> more)
        {
            live.close();
            more.forEach(NodeLoad::close);
        }

        /**
         * Open a committed node live and write some of its folio pages in place, each with its body first and its
         * stamp last (one release store), then close the handle: the node stays committed throughout.
         */
        private void writeInPlace()
        {
            final String name;
            final long version = versions.incrementAndGet();
            final long writeSeed = random.nextLong();
            final NodeLoad live;
            commitGate.readLock().lock();
            try
            {
                sync();
                if (present.isEmpty())
                {
                    return;
                }
                name = present.remove(random.nextInt(present.size()));
                live = openLive(name, "WRITING " + name + " " + version + " " + writeSeed);
            }
            finally
            {
                commitGate.readLock().unlock();
            }
            final long oldDigest;
            try
            {
                final CrashContent.Loaded old = CrashContent.read(pk, live, name, -1, null);
                oldDigest = CrashContent.digest(old.stamps());
                final CrashContent.Layout layout = CrashContent.layout(old.seed());
                final int[] pages = CrashContent.writePages(old.seed(), writeSeed);
                final long[] stamps = CrashContent.written(old.stamps(), pages, version);
                for (int k = 0; k < pages.length; k++)
                {
                    final int[] at = layout.locate(pages[k]);
                    final Folio folio = old.kept()[at[0]][at[1]];
                    CrashContent.writePage((AtomicBuffer)folio.buffer(), at[2] * Pfn.PAGE_SIZE, old.seed(), at[0],
                        folio.index() + at[2], stamps[k]);
                }
            }
            catch (final RuntimeException | Error ex)
            {
                live.close();
                throw ex;
            }
            commit(name, () ->
            {
                live.close();
                out.accept("WROTE " + name + " " + version + " " + oldDigest);
            });
        }

        /**
         * Load part of a node and close the load without finishing it: the node is back, whole. Meanwhile its name
         * cannot be saved (EEXIST); afterwards, writes through the views of the folios it handed out land in
         * scratch memory, never in the node (checked when the node is next loaded or after the kill).
         */
        private void abortLoad()
        {
            final String name;
            final NodeLoad load;
            commitGate.readLock().lock();
            try
            {
                sync();
                if (present.isEmpty())
                {
                    return;
                }
                name = present.remove(random.nextInt(present.size()));
                out.accept("ABORTING " + name);
                load = pk.prepareLoad(name);
            }
            finally
            {
                commitGate.readLock().unlock();
            }
            final List<MutableDirectBuffer> views = new ArrayList<>();
            try
            {
                CrashContent.read(pk, load, name, random.nextInt(12), views);
                try (NodeSave save = pk.prepareSave(name))
                {
                    throw new IllegalStateException("a node being loaded was saved over: " + save.name());
                }
                catch (final NodeExistsException expected)
                {
                    // EEXIST, in both modes.
                }
            }
            catch (final RuntimeException | Error ex)
            {
                load.close();
                throw ex;
            }
            commit(name, () ->
            {
                load.close();
                if (load.state() != NodeLoad.State.ABORTED)
                {
                    throw new IllegalStateException("a load closed without finish() is " + load.state());
                }
                out.accept("ABORTED " + name);
            });
            for (final MutableDirectBuffer view : views)
            {
                view.setMemory(0, view.capacity(), (byte)0x5A);
            }
        }

        /** Drop a committed node with {@code remove()}. */
        private void remove()
        {
            commitGate.readLock().lock();
            try
            {
                sync();
                if (present.isEmpty())
                {
                    return;
                }
                final String name = take(present, absent);
                out.accept("REMOVING " + name);
                pk.remove(name);
                out.accept("REMOVED " + name);
            }
            finally
            {
                commitGate.readLock().unlock();
            }
        }

        /** Under commitGate's read lock: report, then open live, so no truncate comes between the two. */
        private NodeLoad openLive(final String name, final String event)
        {
            out.accept(event);
            final NodeLoad live = pk.openLive(name);
            if (!live.isLive())
            {
                live.close();
                throw new IllegalStateException("openLive handed out a load: " + name);
            }
            return live;
        }

        /**
         * The end of an operation on a node that stayed in the image: done and reported under commitGate's read
         * lock (a truncate may take the node once it is idle again), then the node is mine and present again.
         */
        private void commit(final String name, final Runnable action)
        {
            commitGate.readLock().lock();
            try
            {
                action.run();
                sync();
                present.add(name);
            }
            finally
            {
                commitGate.readLock().unlock();
            }
        }

        private void truncate()
        {
            commitGate.writeLock().lock();
            try
            {
                out.accept("TRUNCATING");
                final int freed = pk.truncate();
                out.accept("TRUNCATED " + freed);
                truncates++;
                sync();
            }
            finally
            {
                commitGate.writeLock().unlock();
            }
        }
    }

    private static void line(final String text)
    {
        synchronized (STDOUT)
        {
            final byte[] bytes = (++sequence + " " + text + "\n").getBytes(StandardCharsets.UTF_8);
            try
            {
                STDOUT.write(bytes);
            }
            catch (final IOException ex)
            {
                // The parent is gone: nothing left to report to.
                Runtime.getRuntime().halt(ERROR_EXIT_CODE);
            }
        }
    }

    private static void die(final Throwable ex)
    {
        if (ex instanceof CrashContent.BadContentException)
        {
            line("BAD " + ex.getMessage());
            Runtime.getRuntime().halt(BAD_EXIT_CODE);
        }
        line("ERROR " + ex);
        ex.printStackTrace();
        System.err.flush();
        Runtime.getRuntime().halt(ERROR_EXIT_CODE);
    }
}
