package org.pkram.bench;

import org.openjdk.jmh.annotations.Fork;

/**
 * The fork of the benchmarks that start the peers (LMDB, Chronicle Map) in the fork itself: the peers' extra
 * flags ({@link PeerFlags}) and a heap big enough for {@code filechannel} to hold a whole 4 GiB state, fixed
 * ({@code -Xms} = {@code -Xmx}) so that it is never given back between iterations. pkram's own flags come from
 * {@link BenchMain}, as for every fork. One list for every such class: JMH's {@code @Fork} is inherited.
 */
@Fork(jvmArgsPrepend = {
    PeerFlags.OPENS_NIO,
    PeerFlags.OPENS_LANG,
    PeerFlags.OPENS_NIO_CH,
    PeerFlags.EXPORTS_SUN_MISC,
    PeerFlags.EXPORTS_JAVAC_FILE,
    PeerFlags.OPENS_JAVAC,
    PeerFlags.OPENS_IO,
    PeerFlags.OPENS_UTIL,
    BenchFlags.HEAP_RESTART,
    BenchFlags.HEAP_RESTART_INITIAL})
public abstract class PeerForkBenchmark extends BaseBenchmark
{
    /**
     * For the subclasses, which JMH makes.
     */
    protected PeerForkBenchmark()
    {
    }
}
