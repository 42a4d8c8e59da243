package org.pkram.bench;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.runner.RunnerException;
import org.pkram.layout.Pfn;
import org.pkram.mem.PageAllocator;

/**
 * Cost of one {@link PageAllocator#alloc(int)} followed by {@link PageAllocator#free(long, int)}
 * on an allocator for an 8 GiB memory file (2M pfns): an order-0 page (one word CAS each way) and
 * an order-9 folio (8 whole words each way), from one thread and from two threads sharing the
 * allocator, where both contend for the same next-fit cursor.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {
    BenchFlags.AGRONA,
    BenchFlags.REFLECT,
    BenchFlags.NIO,
    BenchFlags.REF,
    BenchFlags.UNSAFE,
    BenchFlags.NATIVE})
@State(Scope.Benchmark)
public class AllocatorBenchmark
{
    /** Pages in an 8 GiB memory file. */
    static final long TOTAL_PFNS = (8L << 30) >>> Pfn.PAGE_SHIFT;

    /** Folio order allocated and freed. */
    @Param({"0", "9"})
    int order;

    private PageAllocator allocator;

    /**
     * Made by JMH, one instance shared by the threads of a trial.
     */
    public AllocatorBenchmark()
    {
    }

    /**
     * A fresh allocator per trial, so each order starts from an empty bitmap.
     */
    @Setup
    public void setUp()
    {
        allocator = new PageAllocator(TOTAL_PFNS);
    }

    /**
     * One alloc/free pair from a single thread.
     *
     * @return the pfn handed out, so the work cannot be eliminated.
     */
    @Benchmark
    @Threads(1)
    public long allocFree()
    {
        return allocFreeOnce();
    }

    /**
     * One alloc/free pair from each of two threads sharing the allocator.
     *
     * @return the pfn handed out, so the work cannot be eliminated.
     */
    @Benchmark
    @Threads(2)
    public long allocFree2Threads()
    {
        return allocFreeOnce();
    }

    private long allocFreeOnce()
    {
        final long pfn = allocator.alloc(order);
        allocator.free(pfn, order);
        return pfn;
    }

    /**
     * Runs this class's benchmarks alone, failing on the first error.
     *
     * @param args ignored.
     * @throws RunnerException when JMH cannot run or a benchmark fails.
     */
    public static void main(final String[] args) throws RunnerException
    {
        RunOnly.run(AllocatorBenchmark.class);
    }
}
