package org.pkram;

import org.pkram.mem.PageAllocator;

/**
 * The test suite's bridge to a booted instance's internals, for tests outside {@code org.pkram} that compare
 * the allocator page by page with an independent reading of the image. The public API reaches no allocator.
 */
public final class TestAccess
{
    private TestAccess()
    {
    }

    /**
     * @param pkram a booted instance.
     * @return its page allocator.
     */
    public static PageAllocator allocator(final Pkram pkram)
    {
        return pkram.pages().allocator();
    }
}
