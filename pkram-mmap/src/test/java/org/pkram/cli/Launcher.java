package org.pkram.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Runs the real {@code ./pkram} launcher of this source tree in a child process, with a timeout.
 */
final class Launcher
{
    /** The repository root: surefire runs in {@code pkram-mmap}. */
    static final Path ROOT = Path.of(System.getProperty("user.dir")).resolve("..").toAbsolutePath().normalize();

    /** The launcher script. */
    static final Path SCRIPT = ROOT.resolve("pkram");

    /** Enough for one command, a JVM start and a little work. */
    static final Duration TIMEOUT = Duration.ofSeconds(60);

    private Launcher()
    {
    }

    /**
     * What a run printed and returned.
     *
     * @param status exit status.
     * @param out    standard output.
     * @param err    standard error.
     */
    record Result(int status, String out, String err)
    {
        List<String> errLines()
        {
            return err.isEmpty() ? List.of() : Arrays.asList(err.split("\n"));
        }

        List<String> outLines()
        {
            return out.isEmpty() ? List.of() : Arrays.asList(out.split("\n"));
        }

        @Override
        public String toString()
        {
            return "exit " + status + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    static Result pkram(final String... args)
    {
        return run(ROOT, TIMEOUT, Map.of(), command(SCRIPT, args));
    }

    static Result pkram(final Duration timeout, final String... args)
    {
        return run(ROOT, timeout, Map.of(), command(SCRIPT, args));
    }

    static List<String> command(final Path script, final String... args)
    {
        final List<String> command = new ArrayList<>();
        command.add(script.toString());
        command.addAll(List.of(args));
        return command;
    }

    /**
     * @return a process builder for the command with a clean environment: JDK 25 from this JVM, none of
     *         pkram's variables inherited.
     */
    static ProcessBuilder builder(final Path cwd, final Map<String, String> env, final List<String> command)
    {
        final ProcessBuilder builder = new ProcessBuilder(command).directory(cwd.toFile());
        final Map<String, String> environment = builder.environment();
        environment.remove("PKRAM");
        environment.remove("PKRAM_MEM");
        environment.remove("PKRAM_JAVA_OPTS");
        environment.put("JAVA_HOME", System.getProperty("java.home"));
        environment.putAll(env);
        return builder;
    }

    static Result run(final Path cwd, final Duration timeout, final Map<String, String> env,
        final List<String> command)
    {
        try
        {
            final Path out = Files.createTempFile("pkram-cli-test", ".out");
            final Path err = Files.createTempFile("pkram-cli-test", ".err");
            try
            {
                final Process process = builder(cwd, env, command)
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .start();
                if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS))
                {
                    kill(process);
                    fail("timed out after " + timeout + ": " + command + "\n--- stdout\n" +
                        Files.readString(out) + "--- stderr\n" + Files.readString(err));
                }
                return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
            }
            finally
            {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        }
        catch (final IOException ex)
        {
            throw new AssertionError("cannot run " + command, ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted running " + command, ex);
        }
    }

    static void kill(final Process process)
    {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }
}
