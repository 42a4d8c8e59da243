package org.pkram.bench;

import java.util.Arrays;

import org.openjdk.jmh.annotations.Fork;

/**
 * The JVM flags that LMDB (lmdbjava 0.9.1) and Chronicle Map 2026.1 need on JDK 25 beyond pkram's own list, one
 * constant per flag so that {@code @Fork(jvmArgsPrepend = {...})} can name them (annotation values must be
 * compile-time constants); {@link BenchMain} adds pkram's list to every fork. Some of pkram's flags serve the
 * peers too ({@code sun.nio.ch} and {@code jdk.internal.ref} for Chronicle, Unsafe memory access and native
 * access for lmdbjava's jffi) and are not repeated here.
 * <p>
 * Without {@link #OPENS_NIO} lmdbjava fails in {@code ByteBufferProxy.<clinit>} ("module java.base does not
 * "opens java.nio" to unnamed module"); without {@link #OPENS_LANG} Chronicle Map fails in
 * {@code CompilerUtils.<clinit>} ("module java.base does not "opens java.lang" to unnamed module").
 * {@link PeerProbe} records both errors for the results.
 */
public final class PeerFlags
{
    /** lmdbjava: opens {@code java.nio}, for {@code Buffer.address} in its fast buffer proxy. */
    public static final String OPENS_NIO = "--add-opens=java.base/java.nio=ALL-UNNAMED";

    /** Chronicle: opens {@code java.lang}, for {@code ClassLoader.defineClass} of generated classes. */
    public static final String OPENS_LANG = "--add-opens=java.base/java.lang=ALL-UNNAMED";

    /** Chronicle: opens {@code sun.nio.ch}. */
    public static final String OPENS_NIO_CH = "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED";

    /** Chronicle: exports {@code sun.misc}. */
    public static final String EXPORTS_SUN_MISC = "--add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED";

    /** Chronicle: exports the compiler's file manager, for classes it compiles at run time. */
    public static final String EXPORTS_JAVAC_FILE = "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED";

    /** Chronicle: opens the compiler. */
    public static final String OPENS_JAVAC = "--add-opens=jdk.compiler/com.sun.tools.javac=ALL-UNNAMED";

    /** Chronicle: opens {@code java.io}. */
    public static final String OPENS_IO = "--add-opens=java.base/java.io=ALL-UNNAMED";

    /** Chronicle: opens {@code java.util}. */
    public static final String OPENS_UTIL = "--add-opens=java.base/java.util=ALL-UNNAMED";

    private PeerFlags()
    {
    }

    /**
     * Prints, on one line, the peers' flags as {@link PeerForkBenchmark}'s forks get them (its {@code @Fork}, less
     * the heap sizes), for a script that starts a JVM by hand: {@code quick-profile.sh} gives them to
     * {@link PeerProbe}.
     *
     * @param args none.
     */
    public static void main(final String[] args)
    {
        final String[] flags = PeerForkBenchmark.class.getAnnotation(Fork.class).jvmArgsPrepend();
        System.out.println(String.join(" ", Arrays.stream(flags).filter(flag -> flag.startsWith("--")).toList()));
    }
}
