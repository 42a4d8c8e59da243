package org.pkram;

import java.util.concurrent.locks.LockSupport;

/**
 * A service for the handover tests: {@link Pkram#fromEnvironment(java.util.function.Consumer)} (run with {@code PKRAM_MEM=memfd:pkram} and a
 * size: a new memfd at the first start, stored in the fd store; the stored one at every later start), whose
 * start-up, before {@code READY=1}, opens a counter node live and increments it in place; {@code counter N} printed, then serving (parked) until a signal ends
 * it. With {@code --exit}, it exits with 0 after printing instead; with {@code --restart-until N}, with the
 * restart code while the counter is below N, then 0.
 */
public final class MemfdServiceChild
{
    private MemfdServiceChild()
    {
    }

    public static void main(final String[] args)
    {
        final long[] count = new long[1];
        try
        {
            Pkram.fromEnvironment(pk ->
            {
                count[0] = countRun(pk);
                System.out.println("counter " + count[0]);
                System.out.flush();
            });
        }
        catch (final RuntimeException ex)
        {
            System.out.println("error " + ex.getMessage());
            System.out.flush();
            System.exit(1);
            return;
        }
        if (args.length > 0 && args[0].equals("--exit"))
        {
            System.exit(0);
        }
        if (args.length > 1 && args[0].equals("--restart-until"))
        {
            // Under pkram exec: ask for a restart until the counter reaches the limit.
            System.exit(count[0] < Long.parseLong(args[1]) ? ServiceEnvironment.RESTART_EXIT_CODE : 0);
        }
        while (true)
        {
            LockSupport.park();
        }
    }

    /** The service's start-up, before READY=1: the counter incremented in place. */
    private static long countRun(final Pkram pk)
    {
        if (!pk.nodeNames().contains("counter"))
        {
            try (NodeSave node = pk.prepareSave("counter"); ObjSave obj = node.prepareSaveObj(DataKind.FOLIOS))
            {
                obj.saveFolio(pk.allocFolio(0), 0);
                node.finish();
            }
        }
        try (NodeLoad live = pk.openLive("counter"))
        {
            final Folio page = live.prepareLoadObj().loadFolio();
            final long count = page.buffer().getLong(0) + 1;
            page.buffer().putLong(0, count);
            return count;
        }
    }
}
