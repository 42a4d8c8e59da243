package org.pkram;

import org.agrona.MutableDirectBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pkram.boot.ImageScanner;
import org.pkram.boot.ScanResult;
import org.pkram.error.NodeBusyException;
import org.pkram.error.NodeExistsException;
import org.pkram.error.NoSuchNodeException;
import org.pkram.error.OutOfPagesException;
import org.pkram.error.PkramUnavailableException;
import org.pkram.mem.PhysMem;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Four threads save, load, discard, truncate, write through views and free folios while a fifth seals the
 * image, by {@code close()} or by the shutdown hook's reboot, at a random instant. After every round the image
 * is booted, walked by fsck, and every node in it is loaded and checked byte for byte.
 * <p>
 * What it holds the library to: after the seal every mutation fails with ENODEV and nothing else; a load that
 * races truncates, other loads and the seal reads its node's content whole (or finds no node); the sealed
 * image stays bootable and clean; {@code close()} never unmaps under a running walk; stale views never fault.
 * {@code -Dpkram.stress.rounds=N} runs more rounds (the default is the {@code mvn verify} size).
 */
final class SealRaceStressTest
{
    private static final int THREADS = 4;
    private static final long SIZE = 16L << 20;
    private static final int ROUNDS = Integer.getInteger("pkram.stress.rounds", 150);

    @TempDir
    Path dir;

    @Test
    void shouldLeaveABootableCleanImageWhateverRunsWhenTheImageIsSealed() throws Exception
    {
        final SplittableRandom random = new SplittableRandom(Long.getLong("pkram.stress.seed", 0x5EA1L));
        final Path file = dir.resolve("stress.mem");
        final List<String> failures = new ArrayList<>();
        int nodesChecked = 0;
        for (int round = 0; round < ROUNDS && failures.isEmpty(); round++)
        {
            Files.deleteIfExists(file);
            Pkram.format(file, SIZE, false);
            final Mode mode = random.nextInt(4) == 0 ? Mode.KERNEL_FAITHFUL : Mode.CRASH_SAFE;
            final boolean byHook = random.nextBoolean();
            final long pfn = runRound(file, mode, byHook, random.split(), failures, round);
            nodesChecked += verify(file, pfn, mode, failures, round);
        }
        assertEquals(List.of(), failures);
        System.out.println("seal race stress: " + ROUNDS + " rounds, " + nodesChecked + " nodes verified");
    }

    private static long runRound(final Path file, final Mode mode, final boolean byHook,
        final SplittableRandom random, final List<String> failures, final int round) throws InterruptedException
    {
        final Pkram pk = Pkram.boot(PkramOptions.of(file).mode(mode).shutdownHook(false));
        for (int i = 0; i < 8; i++)
        {
            save(pk, "base" + i, random.nextInt(6));
        }
        final ConcurrentLinkedQueue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
        final AtomicBoolean quiet = new AtomicBoolean();
        final CountDownLatch started = new CountDownLatch(THREADS);
        final List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < THREADS; t++)
        {
            final SplittableRandom own = random.split();
            final int id = t;
            workers.add(new Thread(() -> work(pk, id, own, started, quiet, unexpected), "stress-" + t));
        }
        workers.forEach(Thread::start);
        started.await();
        LockSupport.parkNanos(random.nextLong(2_000_000));
        seal(pk, byHook, quiet);
        for (final Thread worker : workers)
        {
            worker.join();
        }
        if (byHook)
        {
            // The hook leaves the mapping to the exiting process; this one goes on, so release it here.
            pk.mem().closeDetached();
        }
        for (final Throwable ex : unexpected)
        {
            failures.add("round " + round + " (" + mode + ", " + (byHook ? "hook" : "close") + "): " + ex);
        }
        return pk.superBlockPfn();
    }

    private static void seal(final Pkram pk, final boolean byHook, final AtomicBoolean quiet)
    {
        if (byHook)
        {
            pk.rebootAtExit();
            return;
        }
        final long deadline = System.nanoTime() + 50_000_000L;
        while (true)
        {
            try
            {
                pk.close();
                return;
            }
            catch (final NodeBusyException | OutOfPagesException retry)
            {
                // EBUSY: handles open on the workers, nothing changed. ENOMEM: no page for the regions list yet,
                // the workers' truncates free some. Either way try again; after a while ask the workers to stop
                // opening handles, so close can win while their truncates and frees still walk the mapping.
                if (System.nanoTime() > deadline)
                {
                    quiet.set(true);
                }
                Thread.onSpinWait();
            }
        }
    }

    private static void work(final Pkram pk, final int id, final SplittableRandom random,
        final CountDownLatch started, final AtomicBoolean quiet, final ConcurrentLinkedQueue<Throwable> unexpected)
    {
        started.countDown();
        final List<MutableDirectBuffer> staleViews = new ArrayList<>();
        try
        {
            for (int op = 0; ; op++)
            {
                step(pk, "t" + id + "-" + op, random, quiet.get(), staleViews);
            }
        }
        catch (final PkramUnavailableException sealed)
        {
            // The image was sealed: the one way a worker is expected to stop. Stale views must stay harmless.
            for (final MutableDirectBuffer view : staleViews)
            {
                view.putLong(0, -1L);
            }
        }
        catch (final Throwable ex)
        {
            unexpected.add(ex);
        }
    }

    private static void step(final Pkram pk, final String name, final SplittableRandom random, final boolean quiet,
        final List<MutableDirectBuffer> staleViews)
    {
        try
        {
            switch (quiet ? 7 + random.nextInt(3) : random.nextInt(10))
            {
                case 0, 1, 2, 3 -> save(pk, name, random.nextInt(6));
                case 4 -> discard(pk, name, staleViews);
                case 5, 6 -> load(pk, random.nextInt(2) == 0 ? "base" + random.nextInt(8) : any(pk), staleViews);
                case 7 -> pk.truncate();
                default -> allocWriteFree(pk, staleViews);
            }
        }
        catch (final NoSuchNodeException | NodeBusyException | NodeExistsException | OutOfPagesException expected)
        {
            // Races between workers (a node taken by another, the pool momentarily full): not failures.
        }
    }

    private static String any(final Pkram pk)
    {
        final List<String> names = pk.nodeNames();
        return names.isEmpty() ? "none" : names.get(names.size() - 1);
    }

    static void save(final Pkram pk, final String name, final int folios)
    {
        try (NodeSave save = pk.prepareSave(name))
        {
            try (ObjSave obj = save.prepareSaveObj(DataKind.FOLIOS, DataKind.BYTES))
            {
                for (int i = 0; i < folios; i++)
                {
                    final Folio folio = pk.allocFolio(i % 3);
                    Images.fill(folio, seed(name), i * 4L);
                    obj.saveFolio(folio, i * 4L);
                }
                final byte[] bytes = Images.bytes(seed(name), 100 + folios);
                obj.write(bytes, 0, bytes.length);
            }
            save.finish();
        }
    }

    private static void discard(final Pkram pk, final String name, final List<MutableDirectBuffer> staleViews)
    {
        final MutableDirectBuffer view;
        try (NodeSave save = pk.prepareSave(name))
        {
            try (ObjSave obj = save.prepareSaveObj(DataKind.FOLIOS))
            {
                final Folio folio = pk.allocFolio(0);
                view = folio.buffer();
                obj.saveFolio(folio, 0);
            }
            // No finish: close discards, and the saved folio's view is detached.
        }
        staleViews.add(view); // stale once the discard went through
    }

    private static void load(final Pkram pk, final String name, final List<MutableDirectBuffer> staleViews)
    {
        try (NodeLoad load = pk.prepareLoad(name))
        {
            for (ObjLoad obj = load.prepareLoadObj(); obj != null; obj = load.prepareLoadObj())
            {
                // A load racing truncates, other loads and the seal sees the node whole, or not at all.
                final Folio folio = obj.loadFolio();
                if (folio != null)
                {
                    if (!Images.matches(folio, seed(name)))
                    {
                        throw new AssertionError(name + ": folio at index " + folio.index() +
                            " damaged in a racing load");
                    }
                    final MutableDirectBuffer view = folio.buffer();
                    pk.freeFolio(folio);
                    // Stale only once the free went through: a free refused after the seal leaves the folio,
                    // and its view, the caller's, over a page the sealed image preserves.
                    staleViews.add(view);
                }
                final byte[] back = new byte[50];
                final int n = obj.read(back, 0, back.length);
                final byte[] expected = Images.bytes(seed(name), (int)obj.dataLength());
                if (n <= 0 || !java.util.Arrays.equals(back, 0, n, expected, 0, n))
                {
                    throw new AssertionError(name + ": byte stream damaged in a racing load: read " + n);
                }
            }
            load.finish(); // consume the node (ENODEV once the image was sealed: the node stays in it, whole)
        }
    }

    private static void allocWriteFree(final Pkram pk, final List<MutableDirectBuffer> staleViews)
    {
        final Folio folio = pk.allocFolio(0);
        final MutableDirectBuffer view = folio.buffer();
        view.putLong(8, 42);
        pk.freeFolio(folio);
        view.putLong(8, 43); // detached: lands in scratch
        staleViews.add(view);
        if (staleViews.size() > 64)
        {
            staleViews.subList(0, 32).clear();
        }
    }

    /**
     * Boot the sealed image, fsck it, and load every node, checking every byte.
     *
     * @return nodes verified.
     */
    private static int verify(final Path file, final long pfn, final Mode mode, final List<String> failures,
        final int round)
    {
        try (PhysMem mem = PhysMem.openReadOnly(file))
        {
            final List<String> problems = new ArrayList<>();
            final ScanResult scan = ImageScanner.check(mem, pfn, problems);
            if (!problems.isEmpty() || scan == null)
            {
                failures.add("round " + round + ": fsck: " + problems);
                return 0;
            }
        }
        int verified = 0;
        try (Pkram pk = Pkram.boot(PkramOptions.of(file).superBlockPfn(pfn).mode(mode).shutdownHook(false)))
        {
            for (final String name : pk.nodeNames())
            {
                final String problem = check(pk, name);
                if (problem != null)
                {
                    failures.add("round " + round + ": " + problem);
                }
                verified++;
            }
        }
        catch (final RuntimeException ex)
        {
            failures.add("round " + round + ": boot of the sealed image failed: " + ex);
        }
        return verified;
    }

    private static String check(final Pkram pk, final String name)
    {
        try (NodeLoad load = pk.prepareLoad(name); ObjLoad obj = load.prepareLoadObj())
        {
            int folios = 0;
            for (Folio folio = obj.loadFolio(); folio != null; folio = obj.loadFolio())
            {
                if (!Images.matches(folio, seed(name)))
                {
                    return name + ": folio at index " + folio.index() + " damaged";
                }
                folios++;
                pk.freeFolio(folio);
            }
            final byte[] back = new byte[(int)obj.dataLength()];
            obj.read(back, 0, back.length);
            if (back.length != 100 + folios || !java.util.Arrays.equals(back, Images.bytes(seed(name), back.length)))
            {
                return name + ": byte stream damaged";
            }
            load.finish();
            return null;
        }
    }

    private static long seed(final String name)
    {
        return name.hashCode() * 0x9E3779B97F4A7C15L;
    }
}
