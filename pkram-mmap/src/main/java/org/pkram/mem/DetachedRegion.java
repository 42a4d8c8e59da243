package org.pkram.mem;

import org.pkram.error.PkramException;

/**
 * The process-wide scratch region behind {@link PhysMem#detachedAddress()}: {@link PhysMem#DETACHED_LENGTH}
 * bytes of private anonymous memory, mapped on first use and never unmapped, because any number of stale
 * views may point into it for the rest of the process's life.
 */
final class DetachedRegion
{
    private static final Object LOCK = new Object();

    // Read without the lock on every detach: once set it never changes, so a volatile read is all the
    // fast path needs; the lock only keeps two first uses from mapping two regions.
    private static volatile long address;

    private DetachedRegion()
    {
    }

    /**
     * Errors: ENOMEM the process has no address space left for it (the next call tries again).
     *
     * @return the region's address, never 0.
     * @throws PkramException ENOMEM: it cannot be mapped.
     */
    static long address()
    {
        final long existing = address;
        if (existing != 0)
        {
            return existing;
        }
        synchronized (LOCK)
        {
            if (address == 0)
            {
                Native.checkPlatform();
                // MAP_NORESERVE: it costs address space, and memory only for the pages a stale view touches.
                final long addr = Native.mmap(0, PhysMem.DETACHED_LENGTH, Native.PROT_READ | Native.PROT_WRITE,
                    Native.MAP_PRIVATE | Native.MAP_ANONYMOUS | Native.MAP_NORESERVE, -1, 0);
                if (addr < 0)
                {
                    throw NativeFailures.mapFailure("cannot map the detached region: length=" +
                        PhysMem.DETACHED_LENGTH, (int)-addr);
                }
                address = addr;
            }
            return address;
        }
    }
}
