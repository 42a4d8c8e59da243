package org.pkram.crash;

import org.pkram.Folio;
import org.pkram.Mode;
import org.pkram.NodeLoad;
import org.pkram.Pkram;
import org.pkram.PkramOptions;
import org.pkram.boot.PfnFile;

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

/**
 * The process the crash harness kills: boots the memory file from its pfn file (fresh when there is
 * none), then runs a seeded random workload over nodes {@code n0..n49} (save, load whole or in part,
 * move a node's folios into a new node, discard a save half way, truncate, orderly reboot) and reports
 * each step on stdout as it happens, one line written with one {@code write}, so a kill never leaves
 * half a line. Each line starts with its sequence number (1, 2, ...), so the parent can tell which event
 * was the last before a kill:
 * <pre>
 * BOOTING fresh|&lt;pfn&gt;      before boot
 * BOOTED  n3,n7|-           after boot returned: the committed nodes
 * SAVING  name version seed before prepareSave
 * SAVED   name version      after finish() returned
 * DISCARDING name           before a save that will be discarded half way
 * DISCARDED  name           after the discard returned
 * LOADING name              before prepareLoad
 * LOADED  name version      after the load's finish() returned and its content checked
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
 * KERNEL_FAITHFUL; {@code fresh} true to boot fresh every time, ignoring the pfn file; {@code reboot}
 * and {@code truncate} the probability of each per operation; {@code nonEmpty} true to save a node
 * before any orderly reboot (and the final close) that would otherwise leave an empty image (one thread only).
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
        final long pfn = fresh ? 0 : PfnFile.read(PfnFile.of(file)).orElse(0);
        out.accept("BOOTING " + (pfn == 0 ? "fresh" : Long.toHexString(pfn)));
        pk = Pkram.boot(PkramOptions.of(file).superBlockPfn(pfn).mode(mode).shutdownHook(false));
        bootedNames = List.copyOf(new TreeSet<>(pk.nodeNames()));
        truncatesAtBoot = truncates;
        out.accept("BOOTED " + (bootedNames.isEmpty() ? "-" : String.join(",", bootedNames)));
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
            final double y = random.nextDouble();
            final String loading;
            final NodeLoad opened;
            commitGate.readLock().lock();
            try
            {
                sync();
                if (present.isEmpty() || (y < 0.45 && !absent.isEmpty()))
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
            if (opened == null)
            {
                save(y < 0.10);
            }
            else if (y < 0.75)
            {
                load(loading, opened, -1);
            }
            else if (y < 0.85)
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
                if (CrashContent.save(pk, name, versions.incrementAndGet(), seed, null, at, random))
                {
                    throw new IllegalStateException("a save meant to be discarded committed: " + name);
                }
                out.accept("DISCARDED " + name);
                return;
            }
            final String name = absent.remove(random.nextInt(absent.size()));
            saveAs(name, seed, null);
        }

        /** Save {@code name}, not in either list; it joins present at its commit. */
        private void saveAs(final String name, final long seed, final Folio[][] reuse)
        {
            final long version = versions.incrementAndGet();
            out.accept("SAVING " + name + " " + version + " " + seed);
            CrashContent.save(pk, name, version, seed, reuse, -1, random, finish ->
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
            out.accept("LOADED " + name + " " + loaded.version());
        }

        /** Load a node keeping its folios, then save them by reference in a new node. */
        private void move(final String from, final NodeLoad opened)
        {
            final CrashContent.Loaded loaded = CrashContent.load(pk, opened, from, CrashContent.FolioUse.KEEP, -1);
            out.accept("LOADED " + from + " " + loaded.version());
            absent.remove(from);
            final String to = absent.remove(random.nextInt(absent.size()));
            absent.add(from);
            saveAs(to, loaded.seed(), loaded.kept());
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
