package org.pkram.bench;

/**
 * The JVM flags a JMH fork needs to load pkram on JDK 25, one constant per flag so that
 * {@code @Fork(jvmArgsAppend = {...})} can name them: annotation values must be compile-time
 * constants, so an array built elsewhere cannot be used. Keep in step with the
 * {@code pkram.jvm.flags} property of the parent pom, the one list the other JVMs use;
 * {@code org.pkram.mem.JvmFlags.check()} fails a fork at once if one is missing.
 */
public final class BenchFlags
{
    /** Agrona: exports {@code jdk.internal.misc}. */
    public static final String AGRONA = "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED";

    /** Chronicle Bytes: opens {@code java.lang.reflect}. */
    public static final String REFLECT = "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED";

    /** Chronicle Bytes: exports {@code sun.nio.ch}. */
    public static final String NIO = "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED";

    /** Chronicle Bytes: exports {@code jdk.internal.ref}. */
    public static final String REF = "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED";

    /** Allows {@code sun.misc.Unsafe} memory access, which JDK 25 otherwise warns about. */
    public static final String UNSAFE = "--sun-misc-unsafe-memory-access=allow";

    /** FFM downcalls (madvise): restricted native access for the unnamed module. */
    public static final String NATIVE = "--enable-native-access=ALL-UNNAMED";

    /** Heap for the forks that build large images. */
    public static final String HEAP = "-Xmx2g";

    private BenchFlags()
    {
    }
}
