package org.pkram.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.pkram.DataKind;
import org.pkram.Folio;
import org.pkram.NodeLoad;
import org.pkram.NodeSave;
import org.pkram.ObjLoad;
import org.pkram.ObjSave;
import org.pkram.Pkram;
import org.pkram.PkramOptions;
import org.pkram.error.OutOfPagesException;

/**
 * A service's checkpoint after it changed 1% of its state: pkram's atomic replace, which shares every unchanged
 * folio with the version it replaces, against a full copy of the state, in the same run (the goal: the replace
 * costs at most 5% of the copy).
 * <p>
 * The state is {@code sizeMiB * 256} order-0 folios saved by reference as node {@value #NODE}, one object, in a
 * memory file in {@link #dir} with room for two whole versions. Each invocation's set-up, not measured, changes
 * {@link #CHANGED_PERCENT}% of the pages: it picks distinct pages at random and writes their new content (the
 * invocation's generation in their first bytes, a fill byte that changes with it in the rest) into a buffer
 * outside pkram, as a service's working copy of the pages it changed. Then one measured checkpoint:
 * <ul>
 * <li>{@link #replace()}, the pkram way: {@link Pkram#prepareReplace(String)}, and through
 * {@link Pkram#openLive(String)} every unchanged folio saved by reference (shared) and, for each changed page, a
 * copy-on-write folio ({@link Pkram#allocFolio(int)}, the new content copied in); {@link NodeSave#finish()} swaps
 * the versions and frees the old versions of the changed pages.</li>
 * <li>{@link #fullCopy()}, the baseline: what a service that checkpoints must do without sharing, copy
 * everything. The same replace, but every page copied into a new page (the unchanged ones from the current
 * version's folios, the changed ones from the buffer) with the library's copying save
 * ({@link ObjSave#saveFolio(org.agrona.DirectBuffer, int, int, long)}, which does not zero the page first); the
 * finish frees the whole old version.</li>
 * <li>{@link #touchChanged()}, the floor: only the changed pages' new bytes written into pkram pages (folios
 * allocated once per trial), which any checkpoint must at least do.</li>
 * </ul>
 * Every page of the memory file is touched once in the trial's set-up, and every page of the fork's fixed heap when
 * the fork starts, so that no measured invocation pays the first touch of a page (a long-running service has paid
 * it long before).
 */
@BenchmarkMode(Mode.SingleShotTime)
@Warmup(iterations = CheckpointBenchmark.WARMUP)
@Measurement(iterations = 10)
@Fork(value = 2, jvmArgsPrepend = {CheckpointBenchmark.HEAP, CheckpointBenchmark.HEAP_INITIAL,
    CheckpointBenchmark.PRETOUCH})
public class CheckpointBenchmark extends BaseBenchmark
{
    /**
     * Checkpoints before the measured ones. A service checkpoints again and again, so the figure is its steady state;
     * on the 2-core VM a fork's first 10 to 15 checkpoints ran 2 to 15 times slower while the compiler caught up
     * (a fork with 5 warm-ups measured half its checkpoints at 17 ms and half at 8).
     */
    static final int WARMUP = 25;

    /** Heap of the forks: each checkpoint makes a {@code Folio} per page, garbage at once. */
    static final String HEAP = "-Xmx1g";

    /**
     * Initial heap, the same as the maximum: a heap that grew during the run would fault its new pages in during
     * the measured checkpoints (thousands of page faults an invocation when the heap grew, seen with
     * {@code perf record -e page-faults}).
     */
    static final String HEAP_INITIAL = "-Xms1g";

    /** Every page of the heap touched when the fork starts, before any measurement. */
    static final String PRETOUCH = "-XX:+AlwaysPreTouch";

    /** Percentage of the pages each invocation changes. */
    static final int CHANGED_PERCENT = 1;

    /** The node the state is saved as. */
    static final String NODE = "state";

    /** Memory file beyond two versions of the state: node, object and link pages, and slack. */
    static final long SLACK = 32L << 20;

    private static final int PAGE = Folio.PAGE_SIZE;
    private static final long SEED = 0x5eed_c0ffeeL;

    /** The directory (a tmpfs) of the memory file. */
    @Param({"/dev/shm"})
    String dir;

    /** Size of the state, MiB (256 pages of 4 KiB a MiB). */
    @Param({"1024"})
    int sizeMiB;

    private Path trialDir;
    private Pkram pkram;
    private int pages;
    private int changedCount;
    /** By page index: the slot of its new content in {@link #changes}, or -1 when this invocation left it. */
    private int[] slotOf;
    /** Changed pages copied by {@link #copyOnWrite} in the checkpoint under way. */
    private int copiedThisCheckpoint;
    /** The pages changed by this invocation, in slot order. */
    private int[] changed;
    private UnsafeBuffer changes;
    private final List<Folio> scratch = new ArrayList<>();
    private SplittableRandom random;
    private long generation;

    /**
     * Made by JMH.
     */
    public CheckpointBenchmark()
    {
    }

    /**
     * Build the state (generation 0) in a new memory file with room for two versions, and touch every page.
     *
     * @throws IOException when the directory cannot be made.
     */
    @Setup(Level.Trial)
    public void build() throws IOException
    {
        build(((long)sizeMiB << 21) + SLACK);
    }

    /**
     * {@link #build()} with a memory file of another size (the test's, to show what fits).
     *
     * @param fileBytes size of the memory file, a multiple of 4096.
     * @throws IOException when the directory cannot be made.
     */
    void build(final long fileBytes) throws IOException
    {
        pages = sizeMiB * (int)((1L << 20) / PAGE);
        changedCount = Math.max(1, (int)((long)pages * CHANGED_PERCENT / 100));
        slotOf = new int[pages];
        Arrays.fill(slotOf, -1);
        changed = new int[0];
        changes = new UnsafeBuffer(ByteBuffer.allocateDirect(changedCount * PAGE));
        random = new SplittableRandom(SEED);
        generation = 0;
        trialDir = Files.createTempDirectory(Path.of(dir), "pkram-checkpoint-");
        final Path file = trialDir.resolve("pkram.mem");
        Pkram.format(file, fileBytes, false);
        pkram = Pkram.boot(PkramOptions.of(file).shutdownHook(false));
        try (NodeSave node = pkram.prepareSave(NODE); ObjSave obj = node.prepareSaveObj(DataKind.FOLIOS))
        {
            for (int i = 0; i < pages; i++)
            {
                final Folio folio = pkram.allocFolio(0);
                fill(folio.buffer(), 0, i, 0);
                obj.saveFolio(folio, i);
            }
            obj.finish();
            node.finish();
        }
        touchEveryFreePage();
        for (int i = 0; i < changedCount; i++)
        {
            scratch.add(pkram.allocFolio(0));
        }
        // The build made a Folio (and a view) per page of the state and of the free memory, 40-80 MB of garbage that a
        // long-running service collected long ago. Left in the heap, the first young collection of the measured
        // checkpoints (around the 28th) scanned and copied it: one checkpoint in ten took 35-45 ms instead of 5-8
        // (-Xlog:gc: "Pause Young 80M->38M 35 ms").
        System.gc();
    }

    /**
     * Allocate every free page (zeroed: written), then free them all: no measured invocation pays a first touch.
     */
    private void touchEveryFreePage()
    {
        final List<Folio> all = new ArrayList<>();
        for (int order = Folio.MAX_ORDER; order >= 0; order--)
        {
            try
            {
                while (true)
                {
                    all.add(pkram.allocFolio(order));
                }
            }
            catch (final OutOfPagesException ex)
            {
                // No free folio of this order left: go on with smaller ones.
            }
        }
        all.forEach(pkram::freeFolio);
    }

    /**
     * The content of page {@code index} at {@code generation}: its index and the generation in the first 16
     * bytes, a byte that differs from one generation to the next in the rest.
     *
     * @param page       where the page's bytes go.
     * @param offset     the page's first byte in {@code page}.
     * @param index      the page's index.
     * @param generation 0 for the state as built, then one more for each invocation.
     */
    static void fill(final MutableDirectBuffer page, final int offset, final long index, final long generation)
    {
        page.setMemory(offset, PAGE, (byte)(generation * 37 + 11));
        page.putLong(offset, index, ByteOrder.LITTLE_ENDIAN);
        page.putLong(offset + Long.BYTES, generation, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Change 1% of the pages, not measured: distinct pages chosen at random, their new content in a buffer outside
     * pkram.
     */
    @Setup(Level.Invocation)
    public void change()
    {
        for (final int index : changed)
        {
            slotOf[index] = -1;
        }
        generation++;
        changed = new int[changedCount];
        int slot = 0;
        while (slot < changedCount)
        {
            final int index = random.nextInt(pages);
            if (slotOf[index] < 0)
            {
                slotOf[index] = slot;
                changed[slot] = index;
                fill(changes, slot * PAGE, index, generation);
                slot++;
            }
        }
    }

    /**
     * The pkram checkpoint: a new version sharing every unchanged folio, a copy-on-write folio per changed page.
     *
     * @return the pages copied (the changed ones).
     */
    @Benchmark
    public int replace()
    {
        int shared = 0;
        int copied = 0;
        try (NodeLoad live = pkram.openLive(NODE); NodeSave next = pkram.prepareReplace(NODE);
            ObjSave out = next.prepareSaveObj(DataKind.FOLIOS))
        {
            ObjLoad in;
            while ((in = live.prepareLoadObj()) != null)
            {
                // One pass: the unchanged folios shared with no object or check per folio, a copy-on-write
                // folio for each changed page.
                shared += (int)out.shareFrom(in, this::copyOnWrite);
            }
            copied = copiedThisCheckpoint;
            copiedThisCheckpoint = 0;
            out.finish();
            next.finish();
        }
        return check(shared, copied, changedCount);
    }

    /**
     * @return a new folio with the changed page's new content, or null for an unchanged page (shared).
     */
    private Folio copyOnWrite(final long index)
    {
        final int slot = slotOf[(int)index];
        if (slot < 0)
        {
            return null;
        }
        copiedThisCheckpoint++;
        return pkram.copyFolio(changes, slot * PAGE, 0);
    }

    /**
     * The baseline: a new version with every page copied into a new page; the whole old version freed.
     *
     * @return the pages copied (all).
     */
    @Benchmark
    public int fullCopy()
    {
        int copied = 0;
        try (NodeLoad live = pkram.openLive(NODE); NodeSave next = pkram.prepareReplace(NODE);
            ObjSave out = next.prepareSaveObj(DataKind.FOLIOS))
        {
            ObjLoad in;
            while ((in = live.prepareLoadObj()) != null)
            {
                Folio folio;
                while ((folio = in.loadFolio()) != null)
                {
                    final long index = folio.index();
                    final int slot = slotOf[(int)index];
                    if (slot < 0)
                    {
                        out.saveFolio(folio.buffer(), 0, PAGE, index);
                    }
                    else
                    {
                        out.saveFolio(changes, slot * PAGE, PAGE, index);
                    }
                    copied++;
                }
            }
            out.finish();
            next.finish();
        }
        return check(0, copied, pages);
    }

    /**
     * The floor: the changed pages' new bytes written into pkram pages, nothing else.
     *
     * @return the pages written.
     */
    @Benchmark
    public int touchChanged()
    {
        for (int slot = 0; slot < changedCount; slot++)
        {
            scratch.get(slot).buffer().putBytes(0, changes, slot * PAGE, PAGE);
        }
        return changedCount;
    }

    private int check(final int shared, final int copied, final int expectedCopies)
    {
        if (shared + copied != pages || copied != expectedCopies)
        {
            throw new IllegalStateException("checkpoint saved the wrong pages: pages=" + pages + ", shared=" + shared +
                ", copied=" + copied + ", expectedCopies=" + expectedCopies);
        }
        return copied;
    }

    /**
     * Reboot and delete the memory file.
     */
    @TearDown(Level.Trial)
    public void tearDown()
    {
        try
        {
            if (pkram != null && !pkram.isClosed())
            {
                scratch.forEach(pkram::freeFolio);
                pkram.close();
            }
        }
        finally
        {
            scratch.clear();
            pkram = null;
            RestartState.deleteTree(trialDir);
            trialDir = null;
        }
    }

    /**
     * @return the instance the state is in (for the test).
     */
    Pkram pkram()
    {
        return pkram;
    }

    /**
     * @return the pages of the state.
     */
    int pages()
    {
        return pages;
    }

    /**
     * @return the pages the last {@link #change()} changed, in slot order.
     */
    int[] changed()
    {
        return changed.clone();
    }

    /**
     * @return the generation of the last {@link #change()}: the new pages' content is {@link #fill} of it.
     */
    long generation()
    {
        return generation;
    }

    /**
     * @return the folios {@link #touchChanged()} writes into, in slot order.
     */
    List<Folio> scratch()
    {
        return scratch;
    }
}
