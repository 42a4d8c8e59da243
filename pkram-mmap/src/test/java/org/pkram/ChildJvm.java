package org.pkram;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
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
        final List<String> jvmOptions = new ArrayList<>(JvmFlags.required());
        jvmOptions.add("-Xmx512m");
        return run(jvmOptions, null, main, args);
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
        final Process process = builder.start();
        process.getOutputStream().close();
        final var out = process.getInputStream().readAllBytes();
        final var err = process.getErrorStream().readAllBytes();
        if (!process.waitFor(120, TimeUnit.SECONDS))
        {
            process.destroyForcibly();
            throw new AssertionError("child JVM did not finish in 120 s: " + command);
        }
        return new Result(process.exitValue(), new String(out, StandardCharsets.UTF_8),
            new String(err, StandardCharsets.UTF_8));
    }
}
