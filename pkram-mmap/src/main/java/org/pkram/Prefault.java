package org.pkram;

import org.pkram.mem.PageAllocator;
import org.pkram.mem.PhysMem;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * Warm-up as a choice: fault in every page that holds something (every page the allocator has taken: the
 * preserved image and what was saved since), on N threads, with {@code MADV_POPULATE_READ} or {@code _WRITE}
 * over each run of such pages. Ready-to-serve does not need it (boot touches metadata only); a service that wants
 * its first requests free of page faults runs it before it says ready, or lets it run in the background.
 * <p>
 * The file is cut into 2 MiB chunks dealt round-robin to the threads. Each chunk is walked under the mapping's
 * read lock and the instance's state is checked between chunks, so closing the instance waits at most for one
 * chunk per thread and stops the rest.
 */
final class Prefault
{
    /** Pages per chunk: 2 MiB, a huge page. */
    private static final long CHUNK_PAGES = 512;

    private Prefault()
    {
    }

    static CompletableFuture<Long> start(final PhysMem mem, final PageAllocator allocator, final NodeList nodes,
        final BooleanSupplier closed, final int threads, final boolean write)
    {
        final CompletableFuture<Long> done = new CompletableFuture<>();
        final AtomicLong populated = new AtomicLong();
        final AtomicLong running = new AtomicLong(threads);
        final long chunks = (mem.pfnCount() + CHUNK_PAGES - 1) / CHUNK_PAGES;
        for (int t = 0; t < threads; t++)
        {
            final int first = t;
            Thread.ofPlatform().daemon().name("pkram-prefault-" + t).start(() ->
            {
                try
                {
                    for (long chunk = first; chunk < chunks && !closed.getAsBoolean() && !done.isDone();
                        chunk += threads)
                    {
                        populated.addAndGet(chunk(mem, allocator, nodes, closed, chunk, write));
                    }
                    if (running.decrementAndGet() == 0)
                    {
                        done.complete(populated.get());
                    }
                }
                catch (final RuntimeException | Error ex)
                {
                    done.completeExceptionally(ex);
                }
            });
        }
        return done;
    }

    private static long chunk(final PhysMem mem, final PageAllocator allocator, final NodeList nodes,
        final BooleanSupplier closed, final long chunk, final boolean write)
    {
        nodes.beginWalk();
        try
        {
            if (closed.getAsBoolean())
            {
                return 0;
            }
            final long start = chunk * CHUNK_PAGES;
            final long end = Math.min(start + CHUNK_PAGES, mem.pfnCount());
            long pages = 0;
            long pfn = start;
            while (pfn < end)
            {
                while (pfn < end && !allocator.isTaken(pfn))
                {
                    pfn++;
                }
                final long runStart = pfn;
                while (pfn < end && allocator.isTaken(pfn))
                {
                    pfn++;
                }
                if (pfn > runStart)
                {
                    mem.populate(runStart, pfn - runStart, write);
                    pages += pfn - runStart;
                }
            }
            return pages;
        }
        finally
        {
            nodes.endWalk();
        }
    }
}
