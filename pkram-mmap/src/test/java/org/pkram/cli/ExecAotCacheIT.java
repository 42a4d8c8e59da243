package org.pkram.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.pkram.testing.ScratchDir;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code pkram exec --aot-cache} with a real JVM: a small service in a jar, built here, trains the cache on its
 * first run, and every later run (the restart, a new exec) starts from it with its classes loaded from the cache;
 * a rebuilt jar gets a new cache rather than its old classes; a training run killed while the JVM writes the cache
 * leaves no cache behind, and the next exec trains a good one.
 */
class ExecAotCacheIT
{
    /** The service: counts its runs in a file, prints its version and JVM options, restarts until the count. */
    private static final String CHILD = """
        import java.lang.management.ManagementFactory;
        import java.nio.file.Files;
        import java.nio.file.Path;

        public class AotChild
        {
            public static void main(String[] args) throws Exception
            {
                Path dir = Path.of(args[0]);
                Path runs = dir.resolve("runs");
                int run = (Files.exists(runs) ? Integer.parseInt(Files.readString(runs).trim()) : 0) + 1;
                Files.writeString(runs, Integer.toString(run));
                long pid = ProcessHandle.current().pid();
                Files.writeString(dir.resolve("pid"), Long.toString(pid));
                System.out.println("run " + run + " version VERSION pid " + pid + " args " +
                    ManagementFactory.getRuntimeMXBean().getInputArguments());
                System.exit(run < Integer.parseInt(args[1]) ? 75 : 0);
            }
        }
        """;

    private static final Duration TIMEOUT = Duration.ofMinutes(3);

    @ScratchDir
    Path dir;

    /** The launcher builds the jar when it is missing or stale: once, here, not inside a test. */
    @BeforeAll
    static void buildOnce()
    {
        assertEquals(0, Launcher.pkram(Duration.ofMinutes(5), "--help").status());
    }

    /** Compile the service with {@code version} in it into {@code app.jar} (replaced: a rebuild). */
    private Path buildApp(final int version) throws IOException
    {
        final Path src = Files.createDirectories(dir.resolve("src-" + version));
        Files.writeString(src.resolve("AotChild.java"), CHILD.replace("VERSION", Integer.toString(version)));
        final JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertEquals(0, javac.run(null, null, null, "-d", src.toString(), src.resolve("AotChild.java").toString()));
        final Path jar = dir.resolve("app.jar");
        final Path next = dir.resolve("app.jar.next");
        try (OutputStream out = Files.newOutputStream(next); JarOutputStream jarOut = new JarOutputStream(out))
        {
            jarOut.putNextEntry(new JarEntry("AotChild.class"));
            jarOut.write(Files.readAllBytes(src.resolve("AotChild.class")));
            jarOut.closeEntry();
        }
        Files.move(next, jar, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return jar;
    }

    private List<String> exec(final Path jar, final int restartUntil)
    {
        final List<String> command = new ArrayList<>(List.of(Launcher.SCRIPT.toString(), "--mem",
            dir.resolve("pkram.mem").toString(), "exec", "--aot-cache", dir.resolve("app.aot").toString(), "--",
            Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx64m",
            "-Xlog:class+load=info:file=" + dir.resolve("load-%p.log"), "-cp", jar.toString(), "AotChild",
            dir.toString(), Integer.toString(restartUntil)));
        return command;
    }

    /** Where run {@code line}'s JVM loaded its main class from, from its class-loading log. */
    private String mainClassSource(final String line) throws IOException
    {
        final String pid = line.replaceFirst("^.* pid (\\d+) .*$", "$1");
        return Files.readAllLines(dir.resolve("load-" + pid + ".log")).stream()
            .filter(l -> l.contains(" AotChild source: ")).findFirst().orElse("AotChild not loaded")
            .replaceFirst("^.* AotChild source: ", "");
    }

    @Test
    void shouldTrainOnTheFirstRunAndStartEveryLaterRunFromTheCache() throws IOException
    {
        final Path jar = buildApp(1);
        final Path cache = dir.resolve("app.aot");

        final Launcher.Result first = Launcher.run(Launcher.ROOT, TIMEOUT, Map.of(), exec(jar, 2));

        assertEquals(0, first.status(), first::toString);
        final List<String> runs = first.outLines();
        assertEquals(2, runs.size(), "the JVM's own lines about the cache are on standard error: " + first);
        assertTrue(runs.get(0).startsWith("run 1 version 1 ") && runs.get(0).contains("-XX:AOTCacheOutput=" + cache +
            "."), first::toString);
        assertTrue(runs.get(1).startsWith("run 2 version 1 ") && runs.get(1).contains("-XX:AOTCache=" + cache + ", " +
            "-XX:AOTMode=auto"), "the restart starts from the cache the first run made: " + first);
        assertEquals("shared objects file", mainClassSource(runs.get(1)), "the cache took effect");
        assertTrue(Files.isRegularFile(cache) && Files.size(cache) > 0, first::toString);
        assertTrue(first.err().contains("pkram: exec: made the AOT cache " + cache), first::toString);

        final Launcher.Result again = Launcher.run(Launcher.ROOT, TIMEOUT, Map.of(), exec(jar, 3));

        assertEquals(0, again.status(), again::toString);
        assertTrue(again.out().startsWith("run 3 version 1 ") && again.out().contains("-XX:AOTCache=" + cache + ","),
            again::toString);
        assertFalse(again.err().contains("training"), again::toString);

        final Launcher.Result rebuilt = Launcher.run(Launcher.ROOT, TIMEOUT, Map.of(), exec(buildApp(2), 4));

        assertEquals(0, rebuilt.status(), rebuilt::toString);
        assertTrue(rebuilt.out().startsWith("run 4 version 2 ") && rebuilt.out().contains("-XX:AOTCacheOutput="),
            "a rebuilt jar trains a new cache, never runs the old classes: " + rebuilt);
        try (var files = Files.list(dir))
        {
            assertEquals(List.of(), files.map(f -> f.getFileName().toString()).filter(n -> n.contains(".tmp")).toList());
        }
    }

    @Test
    void shouldLeaveNoCacheWhenTheTrainingRunIsKilledWhileTheJvmWritesIt() throws Exception
    {
        final Path jar = buildApp(1);
        final Path cache = dir.resolve("app.aot");
        final Process exec = Launcher.builder(Launcher.ROOT, Map.of(), exec(jar, 1))
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(dir.resolve("exec.err").toFile())
            .start();
        try
        {
            // The launcher execs the JVM, so exec's pid names the training run's files. The JVM creates the
            // configuration file empty at start, fills it when CMD exits, then has a child JVM write the cache,
            // and removes it once the cache is complete.
            final Path config = dir.resolve("app.aot." + exec.pid() + ".tmp.config");
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (sizeOrZero(config) == 0)
            {
                assertTrue(exec.isAlive() && System.nanoTime() < deadline, "no dump seen: " +
                    Files.readString(dir.resolve("exec.err")));
                Thread.sleep(5);
            }
            final long child = Long.parseLong(Files.readString(dir.resolve("pid")).trim());
            ProcessHandle.of(child).ifPresent(ProcessHandle::destroyForcibly);
            assertTrue(exec.waitFor(60, TimeUnit.SECONDS));
            assertEquals(128 + 9, exec.exitValue(), Files.readString(dir.resolve("exec.err")));
        }
        finally
        {
            Launcher.kill(exec);
        }
        assertFalse(Files.exists(cache), "no cache from a run killed in its dump");
        assertTrue(Files.readString(dir.resolve("exec.err")).contains("before its AOT cache was complete: none kept"),
            Files.readString(dir.resolve("exec.err")));

        // Runs 2 and 3: the first run of this exec trains again, its restart starts from the cache.
        final Launcher.Result next = Launcher.run(Launcher.ROOT, TIMEOUT, Map.of(), exec(jar, 3));

        assertEquals(0, next.status(), next::toString);
        assertTrue(next.outLines().get(0).contains("-XX:AOTCacheOutput="), next::toString);
        assertTrue(next.outLines().get(1).contains("-XX:AOTCache=" + cache + ","), next::toString);
        assertEquals("shared objects file", mainClassSource(next.outLines().get(1)));
    }

    private static long sizeOrZero(final Path file) throws IOException
    {
        try
        {
            return Files.size(file);
        }
        catch (final java.nio.file.NoSuchFileException ex)
        {
            return 0;
        }
    }

    @Test
    void shouldRefuseACacheForACommandThatIsNotJava()
    {
        final Launcher.Result result = Launcher.pkram("--mem", dir.resolve("pkram.mem").toString(), "exec",
            "--aot-cache", dir.resolve("app.aot").toString(), "--", "/bin/echo", "hello");

        assertEquals(2, result.status(), result::toString);
        assertEquals("", result.out(), result::toString);
        assertTrue(result.err().startsWith("pkram: exec: --aot-cache needs a java CMD"), result::toString);
    }
}
