package org.pkram.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What a JDK AOT cache was made from, as text: the JDK, the JVM's options and every class path jar's size and
 * modification time. {@code pkram exec --aot-cache} keeps it beside the cache and trains a new cache when the text
 * of the run about to start differs.
 * <p>
 * Why exec checks at all: JDK 25 does not. A cache made by a training run ({@code -XX:AOTCacheOutput}, or
 * {@code -XX:AOTMode=record} then {@code create}) keeps serving the classes of the jars it was made from after those
 * jars are rebuilt at the same path, with no warning, even under {@code -XX:AOTMode=on} (Temurin 25.0.3:
 * {@code -Xlog:class+path=info} shows no "app classpath validation" line; a {@code -XX:SharedArchiveFile} archive of
 * the same jar is refused). The JVM does check the JDK's modules image, so the JDK is in the text only so that a new
 * JDK gets a new cache rather than none.
 */
final class AotCacheKey
{
    /** The first line: the key's own format, so that a later layout never matches an older one. */
    static final String HEADER = "pkram exec AOT cache key 1";

    /** The last line: a key cut short by a crash while it was written never matches a whole one. */
    static final String END = "end";

    /** Environment variables the JVM or its launcher reads options from. */
    private static final List<String> OPTION_ENV = List.of("JDK_JAVA_OPTIONS", "JAVA_TOOL_OPTIONS");

    private static final String PKRAM_PROPERTY = "-Dpkram=";

    private AotCacheKey()
    {
    }

    /**
     * @param java      the {@code java} executable, resolved ({@link ExecCommand#findExecutable}).
     * @param jvmPart   the JVM's part of the command line ({@link JavaCommandLine#jvmPart}); its {@code -Dpkram=},
     *                  which changes from run to run, is left out.
     * @param classPath the class path ({@link JavaCommandLine#classPath}).
     * @param env       the child's environment.
     * @return the key, one item a line.
     * @throws IOException when the JDK or a class path entry cannot be read.
     */
    static String of(final Path java, final List<String> jvmPart, final List<Path> classPath,
        final Map<String, String> env) throws IOException
    {
        final Path realJava = java.toRealPath();
        final Path jdk = realJava.getParent() == null ? null : realJava.getParent().getParent();
        final StringBuilder key = new StringBuilder(HEADER).append('\n');
        key.append("java ").append(realJava).append('\n');
        if (jdk != null)
        {
            key.append("jdk ").append(stat(jdk.resolve("lib").resolve("modules"))).append('\n');
        }
        for (final String name : OPTION_ENV)
        {
            final String value = env.get(name);
            if (value != null)
            {
                key.append("env ").append(name).append('=').append(value).append('\n');
            }
        }
        for (final String arg : jvmPart)
        {
            if (!arg.startsWith(PKRAM_PROPERTY))
            {
                key.append("arg ").append(arg).append('\n');
            }
        }
        for (final Path entry : classPath)
        {
            key.append("cp ").append(stat(entry)).append('\n');
        }
        return key.append(END).append('\n').toString();
    }

    /**
     * @return the path, then its size and modification time in nanoseconds for a file; "dir" or "missing".
     */
    private static String stat(final Path path) throws IOException
    {
        try
        {
            final BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);
            if (attributes.isDirectory())
            {
                return path + " dir";
            }
            return path + " " + attributes.size() + " " + attributes.lastModifiedTime().to(TimeUnit.NANOSECONDS);
        }
        catch (final NoSuchFileException ex)
        {
            return path + " missing";
        }
    }
}
