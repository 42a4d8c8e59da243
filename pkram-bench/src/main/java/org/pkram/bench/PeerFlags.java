package org.pkram.bench;

/**
 * JVM flags for the forks of the benchmarks that compare pkram with its peers, one constant per flag
 * so that {@code @Fork(jvmArgsAppend = {...})} can name them (annotation values must be compile-time
 * constants).
 * <p>
 * The first six are pkram's own list (the {@code pkram.jvm.flags} property of the parent pom, which
 * pkram checks at start); the rest are what LMDB (lmdbjava 0.9.1) and Chronicle Map 2026.1 need on
 * JDK 25. Without {@link #OPENS_NIO} lmdbjava fails in {@code ByteBufferProxy.<clinit>} ("module
 * java.base does not "opens java.nio" to unnamed module"); without {@link #OPENS_LANG} Chronicle Map
 * fails in {@code CompilerUtils.<clinit>} ("module java.base does not "opens java.lang" to unnamed
 * module"). {@link PeerProbe} records both errors for the results.
 */
public final class PeerFlags
{
    /** pkram: exports {@code jdk.internal.misc} (Agrona). */
    public static final String EXPORTS_MISC = "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED";

    /** pkram: opens {@code java.lang.reflect}. */
    public static final String OPENS_REFLECT = "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED";

    /** pkram and Chronicle: exports {@code sun.nio.ch}. */
    public static final String EXPORTS_NIO_CH = "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED";

    /** pkram and Chronicle: exports {@code jdk.internal.ref}. */
    public static final String EXPORTS_REF = "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED";

    /** pkram, Chronicle and lmdbjava (jffi): allows {@code sun.misc.Unsafe} memory access without a warning. */
    public static final String UNSAFE = "--sun-misc-unsafe-memory-access=allow";

    /** pkram and lmdbjava (jffi): allows restricted native access. */
    public static final String NATIVE = "--enable-native-access=ALL-UNNAMED";

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

    /**
     * Heap for the restart forks: {@code filechannel} holds a whole 4 GiB state on the heap. Fixed
     * ({@code -Xms} = {@code -Xmx}) so that the heap is never given back between iterations.
     */
    public static final String HEAP_RESTART = "-Xmx6g";

    /** Initial heap of the restart forks, the same as the maximum. */
    public static final String HEAP_RESTART_INITIAL = "-Xms6g";

    /** Heap for the other forks. */
    public static final String HEAP = "-Xmx2g";

    private PeerFlags()
    {
    }
}
