package org.pkram;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Named publication points where a crash test can make the process die on purpose, as kill -9
 * would: {@code Runtime.halt()}, so no shutdown hook, reboot or {@code force()} runs.
 * <p>
 * Off unless the JVM is started with {@code -Dpkram.fault=<point>} (a test-only property; the check
 * is one static final comparison the JIT folds away when it is unset). {@code -Dpkram.fault.skip=N}
 * passes the point N times before halting at the next. The names are shared by the code and the
 * crash tests.
 */
public final class FaultPoints
{
    /** Exit code of a process halted at a fault point. */
    public static final int HALT_EXIT_CODE = 86;

    /** Save: the node's pages are written, its flags not yet cleared. */
    public static final String SAVE_BEFORE_COMMIT = "save.before-commit";
    /** Save: flags cleared, the node not yet linked into the image's chain (crash-safe). */
    public static final String SAVE_FLAGS_CLEARED = "save.flags-cleared";
    /** Save: linked into the chain: the commit point has passed. */
    public static final String SAVE_COMMITTED = "save.committed";
    /** Load finishing: the node is still chained. */
    public static final String LOAD_BEFORE_UNLINK = "load.before-unlink";
    /** Load finishing: unlinked, its pages not yet freed. */
    public static final String LOAD_UNLINKED = "load.unlinked";
    /** Truncate: one node unlinked, not yet freed. */
    public static final String TRUNCATE_UNLINKED = "truncate.unlinked";
    /** Remove: the node is unlinked from the image, its pages not yet freed. */
    public static final String REMOVE_UNLINKED = "remove.unlinked";
    /** Replace: the new version is written and its flags cleared, the old one still in the image. */
    public static final String REPLACE_BEFORE_SWAP = "replace.before-swap";
    /** Replace: the new version took the old one's place (the commit point), the old pages not yet freed. */
    public static final String REPLACE_SWAPPED = "replace.swapped";
    /** Reboot: the regions list is built, the super block not yet sealed. */
    public static final String REBOOT_REGIONS_BUILT = "reboot.regions-built";
    /** Reboot: the super block is sealed, the pfn file not yet written. */
    public static final String REBOOT_SEALED = "reboot.sealed";
    /** Boot: the super block is live again, the regions list not yet freed. */
    public static final String BOOT_LIVE = "boot.live";
    /** Boot: the node list is rebuilt and the regions list freed. */
    public static final String BOOT_DONE = "boot.done";
    /** Fresh boot: the file header records no super block yet. */
    public static final String BOOT_FRESH_HEADER_CLEARED = "boot.fresh-header-cleared";

    /** Every point, for tests that visit them all. */
    public static final String[] ALL = {
        SAVE_BEFORE_COMMIT, SAVE_FLAGS_CLEARED, SAVE_COMMITTED, LOAD_BEFORE_UNLINK, LOAD_UNLINKED,
        TRUNCATE_UNLINKED, REMOVE_UNLINKED, REPLACE_BEFORE_SWAP, REPLACE_SWAPPED, REBOOT_REGIONS_BUILT,
        REBOOT_SEALED, BOOT_LIVE, BOOT_DONE, BOOT_FRESH_HEADER_CLEARED,
    };

    private static final String ARMED = System.getProperty("pkram.fault");
    private static final AtomicLong SKIP = new AtomicLong(Long.getLong("pkram.fault.skip", 0));

    private FaultPoints()
    {
    }

    /**
     * Die here if this point is armed (and its skip count is used up).
     *
     * @param point one of the constants.
     */
    static void reach(final String point)
    {
        if (ARMED != null && ARMED.equals(point) && SKIP.getAndDecrement() <= 0)
        {
            System.out.flush();
            Runtime.getRuntime().halt(HALT_EXIT_CODE);
        }
    }
}
