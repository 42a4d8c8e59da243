package org.pkram.bench;

/**
 * JVM flags of some benchmark classes' forks beyond pkram's own list, for their
 * {@code @Fork(jvmArgsPrepend = {...})}: annotation values must be compile-time constants. pkram's own flags are
 * not here: {@link BenchMain} adds them to every fork from the resource {@code org/pkram/jvm-flags.txt}, the
 * parent pom's {@code pkram.jvm.flags}. The peers' extra flags are in {@link PeerFlags}.
 */
public final class BenchFlags
{
    /** Heap for the forks that build large images. */
    public static final String HEAP = "-Xmx2g";

    /**
     * Heap for the restart forks: {@code filechannel} holds a whole 4 GiB state on the heap. Fixed
     * ({@code -Xms} = {@code -Xmx}) so that the heap is never given back between iterations.
     */
    public static final String HEAP_RESTART = "-Xmx6g";

    /** Initial heap of the restart forks, the same as the maximum. */
    public static final String HEAP_RESTART_INITIAL = "-Xms6g";

    private BenchFlags()
    {
    }
}
