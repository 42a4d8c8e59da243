package org.pkram;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.pkram.mem.JvmFlags;

/**
 * Runs a class's main in a real, separate JVM (the same java, classpath and required flags), for
 * tests that need a second process: a restart, a second attach.
 */
public final class ChildJvm
{
    /**
     * What a child printed and how it ended.
     *
     * @param exitCode its exit code.
     * @param stdout   what it printed.
     * @param stderr   what it printed on stderr.
     */
    public record Result(int exitCode, String stdout, String stderr)
    {
    }

    private ChildJvm()
    {
    }

    /**
     * @param main class whose main to run.
     * @param args its arguments.
     * @return the finished child's result (killed and failed after 120 s).
     */
    public static Result run(final Class<?> main, final String... args) throws IOException, InterruptedException
    {
        return run(List.of(), main, args);
    }

    /**
     * @param options JVM options after the required flags and the heap size.
     * @param main    class whose main to run.
     * @param args    its arguments.
     * @return the finished child's result (killed and failed after 120 s).
     */
    public static Result run(final List<String> options, final Class<?> main, final String... args)
        throws IOException, InterruptedException
    {
        final List<String> jvmOptions = new ArrayList<>();
        jvmOptions.add("-Xmx512m");
        jvmOptions.addAll(options);
        return exec(new ProcessBuilder(command(jvmOptions, main, List.of(args))));
    }

    /**
     * Run a child JVM with options of the caller's choosing, for tests of the flag check itself.
     *
     * @param jvmOptions the JVM options, in place of the required flags; the classpath is added.
     * @param env        the environment variables to set; {@code JDK_JAVA_OPTIONS} and
     *                   {@code JAVA_TOOL_OPTIONS} are not inherited.
     * @param main       class whose main to run.
     * @param args       its arguments.
     * @return the finished child's result (killed and failed after 120 s).
     */
    public static Result run(final List<String> jvmOptions, final Map<String, String> env, final Class<?> main,
        final String... args) throws IOException, InterruptedException
    {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(main.getName());
        command.addAll(List.of(args));
        final ProcessBuilder builder = new ProcessBuilder(command);
        if (env != null)
        {
            builder.environment().remove("JDK_JAVA_OPTIONS");
            builder.environment().remove("JAVA_TOOL_OPTIONS");
            builder.environment().putAll(env);
        }
        return exec(builder);
    }

    private static Result exec(final ProcessBuilder builder) throws IOException, InterruptedException
    {
        // stderr goes to a file: reading the two pipes one after the other could block a child that fills the
        // other one.
        final Path err = Files.createTempFile("pkram-child-", ".err");
        try
        {
            final Process process = builder.redirectError(err.toFile()).start();
            process.getOutputStream().close();
            final var out = process.getInputStream().readAllBytes();
            if (!process.waitFor(120, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
                throw new AssertionError("child JVM did not finish in 120 s: " + builder.command());
            }
            return new Result(process.exitValue(), new String(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
        }
        finally
        {
            Files.deleteIfExists(err);
        }
    }

    /**
     * @param options JVM options after the required flags, e.g. {@code -Xmx} and {@code -D} flags.
     * @param main    class whose main to run.
     * @param args    its arguments.
     * @return the command that runs it in a JVM like this one: the same java and classpath, the
     *         required flags, then {@code options}.
     */
    public static List<String> command(final List<String> options, final Class<?> main, final List<String> args)
    {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(JvmFlags.required());
        command.addAll(options);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(main.getName());
        command.addAll(args);
        return command;
    }
}
