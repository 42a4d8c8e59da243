package org.pkram.bench;

/**
 * The JVM flags a JMH fork needs to load pkram on JDK 25, one constant per flag so that
 * {@code @Fork(jvmArgsAppend = {...})} can name them: annotation values must be compile-time
 * constants, so an array built elsewhere cannot be used. Keep in step with the
 * {@code pkram.jvm.flags} property of the parent pom, the one list the other JVMs use.
 */
public final class BenchFlags
{
    /** Exports {@code jdk.internal.misc} to the unnamed module. */
    public static final String ADD_EXPORTS_MISC = "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED";

    /** Opens {@code java.lang.reflect} to the unnamed module for deep reflection. */
    public static final String ADD_OPENS_REFLECT = "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED";

    /** Exports {@code sun.nio.ch} to the unnamed module. */
    public static final String ADD_EXPORTS_NIO_CH = "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED";

    /** Exports {@code jdk.internal.ref} to the unnamed module. */
    public static final String ADD_EXPORTS_REF = "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED";

    /** Allows {@code sun.misc.Unsafe} memory access, which JDK 25 otherwise warns about. */
    public static final String ALLOW_UNSAFE_MEMORY_ACCESS = "--sun-misc-unsafe-memory-access=allow";

    /** Allows restricted native access from the unnamed module. */
    public static final String ENABLE_NATIVE_ACCESS = "--enable-native-access=ALL-UNNAMED";

    private BenchFlags()
    {
    }
}
