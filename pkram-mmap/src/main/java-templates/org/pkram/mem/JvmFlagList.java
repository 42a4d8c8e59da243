package org.pkram.mem;

/**
 * The JVM flags pkram needs, as the build wrote them here from the parent pom's {@code pkram.jvm.flags} (this file
 * is a template under {@code src/main/java-templates}, filtered by Maven): the same list as the resource
 * {@code org/pkram/jvm-flags.txt}, which the launcher and the benchmarks read, held as a constant so that
 * {@link JvmFlags#check()} at every boot reads no resource.
 */
final class JvmFlagList
{
    /** The flags, separated by blanks. */
    static final String FLAGS = "${pkram.jvm.flags}";

    private JvmFlagList()
    {
    }
}
