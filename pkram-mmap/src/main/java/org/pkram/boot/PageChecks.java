package org.pkram.boot;

import org.agrona.DirectBuffer;
import org.pkram.layout.Pfn;
import org.pkram.layout.SuperBlockDescriptor;

/**
 * Byte-level checks of a page the scanner reads: which bytes are zero, and whether a super block page is the
 * trace of an empty image caught half way.
 */
final class PageChecks
{
    private PageChecks()
    {
    }

    static boolean isZero(final DirectBuffer page, final int from, final int to)
    {
        return firstNonZero(page, from, to) < 0;
    }

    /**
     * @return the offset of the first non-zero byte in {@code [from, to)}, or -1.
     */
    static int firstNonZero(final DirectBuffer page, final int from, final int to)
    {
        int i = from;
        while (i < to && (i & (Long.BYTES - 1)) != 0)
        {
            if (page.getByte(i) != 0)
            {
                return i;
            }
            i++;
        }
        while (i + Long.BYTES <= to)
        {
            if (page.getLong(i) != 0)
            {
                break;
            }
            i += Long.BYTES;
        }
        for (; i < to; i++)
        {
            if (page.getByte(i) != 0)
            {
                return i;
            }
        }
        return -1;
    }

    /**
     * A super block page caught half way through being set up for, or cleared after, an empty image: every
     * kernel field zero, pkram's fields those of a crash-safe boot (format 0 or 1, state NONE or LIVE),
     * and nothing else on the page.
     */
    static boolean isUnfinishedEmpty(final DirectBuffer page)
    {
        final int version = SuperBlockDescriptor.formatVersion(page);
        final int state = SuperBlockDescriptor.state(page);
        if (SuperBlockDescriptor.pad0(page) != 0 || SuperBlockDescriptor.nodePfn(page) != 0 ||
            SuperBlockDescriptor.regionListPfn(page) != 0 || SuperBlockDescriptor.nrRegions(page) != 0 ||
            SuperBlockDescriptor.preservedPages(page) != 0 ||
            (version != 0 && version != SuperBlockDescriptor.FORMAT_VERSION) ||
            (state != SuperBlockDescriptor.STATE_NONE && state != SuperBlockDescriptor.STATE_LIVE))
        {
            return false;
        }
        for (int i = SuperBlockDescriptor.PKRAM_LENGTH; i < Pfn.PAGE_SIZE; i += Long.BYTES)
        {
            if (page.getLong(i) != 0)
            {
                return false;
            }
        }
        return true;
    }

    static boolean isZeroPage(final DirectBuffer page)
    {
        for (int i = 0; i < Pfn.PAGE_SIZE; i += Long.BYTES)
        {
            if (page.getLong(i) != 0)
            {
                return false;
            }
        }
        return true;
    }
}
