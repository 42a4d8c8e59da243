package org.pkram.bench;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.Threads;
import org.pkram.layout.Pfn;
import org.pkram.mem.PageAllocator;

/**
 * Cost of one {@link PageAllocator#alloc(int)} followed by {@link PageAllocator#free(long, int)}
 * on an allocator for an 8 GiB memory file (2M pfns): an order-0 page (one word CAS each way) and
 * an order-9 folio (8 whole words each way), from one thread and from two threads sharing the
 * allocator, where both contend for the same next-fit cursor.
 */
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class AllocatorBenchmark extends AverageTimeBenchmark
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
}
