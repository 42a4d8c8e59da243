package org.pkram;

import org.agrona.concurrent.UnsafeBuffer;
import org.pkram.mem.PhysMem;

/**
 * Detaching page views handed to callers. A view is an Agrona buffer over a raw address; once its pages
 * stop being the holder's, it is re-pointed at a process-wide scratch region as large as the largest folio,
 * with its capacity unchanged. A stale in-bounds access then reads scratch and writes scratch: it touches
 * no preserved page and cannot fault, with Agrona's bounds checks on or off.
 */
final class FolioViews
{
    private FolioViews()
    {
    }

    /**
     * @param view a folio's view; its capacity is at most the largest folio.
     */
    static void detach(final UnsafeBuffer view)
    {
        view.wrap(PhysMem.detachedAddress(), view.capacity());
    }
}
