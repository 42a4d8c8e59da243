package org.pkram;

/**
 * The page allocator's counts at one instant: every page of the memory file is exactly one of free, used
 * (handed out since boot), reserved (preserved by the booted image) or banned.
 *
 * @param total    pages in the memory file, the header page included.
 * @param free     pages the allocator can hand out.
 * @param used     pages handed out since boot (folios, node, obj, link and data pages).
 * @param reserved pages reserved at boot for the preserved image and not freed since.
 * @param banned   pages in banned regions ({@link Pkram#banRegion(long, long)}) or never usable (the header).
 */
public record PageCounts(long total, long free, long used, long reserved, long banned)
{
    @Override
    public String toString()
    {
        return "free=" + free + " used=" + used + " reserved=" + reserved + " banned=" + banned;
    }
}
