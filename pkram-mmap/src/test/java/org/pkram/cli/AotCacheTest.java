package org.pkram.cli;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pkram.error.Errno;
import org.pkram.error.PkramException;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code pkram exec --aot-cache}'s decisions without a JVM to train: what each run is given, when a training run's
 * cache is published, and when it is dropped. The JVM's part (writing the cache at exit) is simulated by writing the
 * training run's temporary file; {@code ExecAotCacheIT} runs the real thing.
 */
class AotCacheTest
{
    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    private static final Map<String, String> ENV = Map.of("PATH", "/usr/bin:/bin");

    @TempDir
    Path dir;

    private Path jar;
    private Path file;
    private final ByteArrayOutputStream notes = new ByteArrayOutputStream();
    private final PrintStream err = new PrintStream(notes, true, StandardCharsets.UTF_8);

    @BeforeEach
    void makeApp() throws IOException
    {
        jar = dir.resolve("app.jar");
        Files.writeString(jar, "version 1");
        file = dir.resolve("app.aot");
    }

    private List<String> command(final String... more)
    {
        final List<String> command = new ArrayList<>(List.of(JAVA, "-Xmx64m", "-cp", jar.toString(), "Main"));
        command.addAll(List.of(more));
        return command;
    }

    private AotCache cache(final List<String> command) throws UsageException
    {
        return AotCache.of(file, command, ENV, dir);
    }

    /** The training run's temporary cache, from its options. */
    private static Path temp(final AotCache.Run run)
    {
        return Path.of(run.jvmOptions().get(0).substring("-XX:AOTCacheOutput=".length()));
    }

    /** A training run the JVM finished: its cache written, its configuration file gone. */
    private void train(final AotCache cache, final String content) throws IOException
    {
        try (AotCache.Run run = cache.prepare(ENV, err))
        {
            assertTrue(run.trains(), run.jvmOptions().toString());
            Files.writeString(temp(run), content);
            run.finish(0, err);
        }
    }

    @Test
    void shouldTrainFirstAndStartLaterRunsFromThePublishedCache() throws Exception
    {
        final AotCache cache = cache(command());
        try (AotCache.Run run = cache.prepare(ENV, err))
        {
            assertEquals(List.of("-XX:AOTCacheOutput=" + dir.resolve("app.aot." + ProcessHandle.current().pid() +
                ".tmp"), "-XX:+DisplayVMOutputToStderr", "-Xlog:aot*=off", "-Xlog:aot*=warning:stderr"),
                run.jvmOptions());
            Files.writeString(temp(run), "cache 1");
            run.finish(0, err);
            assertFalse(Files.exists(temp(run)), "renamed into place");
        }
        assertEquals("cache 1", Files.readString(file));
        assertTrue(Files.readString(dir.resolve("app.aot.key")).contains("cp " + jar + " 9 "));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(
            dir.resolve("app.aot.key"))));

        try (AotCache.Run run = cache(command("other", "app", "-Dpkram=args")).prepare(ENV, err))
        {
            assertFalse(run.trains());
            assertEquals(List.of("-XX:AOTCache=" + file, "-XX:AOTMode=auto", "-Xlog:aot*=off",
                "-Xlog:aot*=warning:stderr"), run.jvmOptions());
        }
        final List<String> withPfn = command();
        withPfn.add(1, "-Dpkram=7");
        try (AotCache.Run run = cache(withPfn).prepare(ENV, err))
        {
            assertFalse(run.trains(), "the pfn changes at every restart; the cache is for all of them");
        }
        assertTrue(notes.toString().contains("pkram: exec: made the AOT cache " + file + " ("), notes.toString());
    }

    @Test
    void shouldTrainAgainWhenAJarTheJvmOptionsOrTheEnvironmentChange() throws Exception
    {
        train(cache(command()), "cache 1");

        Files.writeString(jar, "version 22");
        try (AotCache.Run run = cache(command()).prepare(ENV, err))
        {
            assertTrue(run.trains(), "a rebuilt jar, which JDK 25 would not notice");
        }
        train(cache(command()), "cache 2");
        Files.setLastModifiedTime(jar, FileTime.fromMillis(Files.getLastModifiedTime(jar).toMillis() + 1000));
        try (AotCache.Run run = cache(command()).prepare(ENV, err))
        {
            assertTrue(run.trains(), "same size, new time");
        }
        train(cache(command()), "cache 3");
        final List<String> moreHeap = command();
        moreHeap.set(1, "-Xmx128m");
        try (AotCache.Run run = cache(moreHeap).prepare(ENV, err))
        {
            assertTrue(run.trains());
        }
        try (AotCache.Run run = cache(command()).prepare(Map.of("JDK_JAVA_OPTIONS", "-Xss2m"), err))
        {
            assertTrue(run.trains());
        }
        try (AotCache.Run run = cache(command()).prepare(ENV, err))
        {
            assertFalse(run.trains(), "nothing changed since cache 3");
        }
        assertEquals("cache 3", Files.readString(file));
    }

    @Test
    void shouldKeepNothingFromATrainingRunKilledBeforeTheJvmFinishedTheCache() throws Exception
    {
        final AotCache cache = cache(command());
        try (AotCache.Run run = cache.prepare(ENV, err))
        {
            Files.writeString(temp(run), "half a cache");
            run.finish(128 + 9, err);
        }
        assertFalse(Files.exists(file));
        try (AotCache.Run run = cache.prepare(ENV, err))
        {
            // Killed while the JVM's child assembled the cache: its configuration file is still there.
            final Path temp = temp(run);
            Files.writeString(temp, "half a cache");
            Files.writeString(temp.resolveSibling(temp.getFileName() + ".config"), "training data");
            run.finish(128 + 9, err);
        }
        assertFalse(Files.exists(file));
        try (AotCache.Run run = cache.prepare(ENV, err))
        {
            assertTrue(run.trains(), "after a kill, the next run trains again");
        }
        try (var left = Files.list(dir))
        {
            assertEquals(List.of(jar), left.toList(), "temporaries removed: " + notes);
        }
        assertTrue(notes.toString().contains("before its AOT cache was complete: none kept"), notes.toString());
    }

    @Test
    void shouldRunWithoutACacheOnceATrainingRunMadeNone() throws Exception
    {
        final AotCache cache = cache(command());
        try (AotCache.Run run = cache.prepare(ENV, err))
        {
            // The JVM's exit path ran (SIGTERM) but its child never finished the cache.
            final Path temp = temp(run);
            Files.writeString(temp, "what the child wrote");
            Files.writeString(temp.resolveSibling(temp.getFileName() + ".config"), "training data");
            run.finish(128 + 15, err);
        }
        assertFalse(Files.exists(file));
        try (AotCache.Run run = cache.prepare(ENV, err))
        {
            assertEquals(List.of(), run.jvmOptions(), "one failed dump is enough for this exec");
        }
        assertTrue(notes.toString().contains("the training run made no AOT cache"), notes.toString());
    }

    @Test
    void shouldUseACacheExecDidNotMakeAsItIs() throws Exception
    {
        Files.writeString(file, "made by the build");
        final AotCache cache = cache(command());
        for (int run = 0; run < 2; run++)
        {
            try (AotCache.Run use = cache.prepare(ENV, err))
            {
                assertEquals("-XX:AOTCache=" + file, use.jvmOptions().get(0));
            }
        }
        assertEquals("made by the build", Files.readString(file));
        assertEquals(1, notes.toString().lines().filter(l -> l.contains("as it is: exec did not make it")).count());
    }

    @Test
    void shouldRefuseACacheOthersCouldHaveWritten() throws Exception
    {
        Files.writeString(file, "someone's code");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw-rw-"));

        final PkramException ex = assertThrows(PkramException.class, () -> cache(command()).prepare(ENV, err));
        assertEquals(Errno.EACCES, ex.errno());
        Files.delete(file);
        Files.createSymbolicLink(file, jar);
        assertEquals(Errno.EACCES, assertThrows(PkramException.class, () -> cache(command()).prepare(ENV, err))
            .errno());
    }

    @Test
    void shouldRefuseWhatNoCacheCanServe() throws Exception
    {
        Files.createDirectories(dir.resolve("classes/org"));
        final List<String> classes = List.of(JAVA, "-cp", jar + ":" + dir.resolve("classes"), "Main");
        final List<List<String>> refused = List.of(List.of("/bin/sh", "-c", "java Main"),
            List.of(JAVA, "-p", "mods", "-m", "app/org.app.Main"), List.of(JAVA, "-XX:AOTCache=x.aot", "-jar", "a.jar"),
            List.of(JAVA, "-Xshare:off", "-jar", "a.jar"), classes);
        for (final List<String> command : refused)
        {
            assertThrows(UsageException.class, () -> cache(command), command.toString());
        }
        assertThrows(UsageException.class, () -> AotCache.of(dir.resolve("no/such/dir/app.aot"), command(), ENV, dir));
        assertThrows(UsageException.class, () -> cache(List.of("no-such-java-anywhere", "-jar", "a.jar")));
        assertThrows(UsageException.class, () -> AotCache.of(dir, command(), ENV, dir));
    }

    @Test
    void shouldRefuseAJdkOlderThan25() throws Exception
    {
        final Path jdk17 = Files.createDirectories(dir.resolve("jdk17/bin"));
        final Path java = Files.createFile(jdk17.resolve("java"), PosixFilePermissions.asFileAttribute(
            PosixFilePermissions.fromString("rwx------")));
        Files.writeString(dir.resolve("jdk17/release"), "IMPLEMENTOR=\"x\"\nJAVA_VERSION=\"17.0.15\"\n");

        assertEquals(17, AotCache.featureVersion(java));
        assertEquals(Runtime.version().feature(), AotCache.featureVersion(Path.of(JAVA)));
        final UsageException ex = assertThrows(UsageException.class, () -> cache(List.of(java.toString(), "-jar",
            jar.toString())));
        assertTrue(ex.getMessage().contains("needs JDK 25 or later"), ex.getMessage());
        Files.delete(dir.resolve("jdk17/release"));
        assertEquals(0, AotCache.featureVersion(java));
        assertThrows(UsageException.class, () -> cache(List.of(java.toString(), "-jar", jar.toString())));
    }

    @Test
    void shouldRemoveWhatTrainingRunsOfExecsThatAreGoneLeft() throws Exception
    {
        final long alive = ProcessHandle.current().parent().orElseThrow().pid();
        final Path gone = dir.resolve("app.aot.2147483647.tmp");
        final Path goneConfig = dir.resolve("app.aot.2147483647.tmp.config");
        final Path running = dir.resolve("app.aot." + alive + ".tmp");
        final Path unrelated = dir.resolve("app.aot.notes.tmp");
        for (final Path path : List.of(gone, goneConfig, running, unrelated))
        {
            Files.writeString(path, "left");
        }
        try (AotCache.Run run = cache(command()).prepare(ENV, err))
        {
            assertTrue(run.trains());
        }
        assertFalse(Files.exists(gone));
        assertFalse(Files.exists(goneConfig));
        assertTrue(Files.exists(running), "another exec may be training right now");
        assertTrue(Files.exists(unrelated));
    }

    @Test
    void shouldDropANewCacheWhileARunOfAnotherCommandUsesTheOld() throws Exception
    {
        train(cache(command()), "cache of v1");
        final AotCache cache = cache(command());
        Files.writeString(jar, "version 22");
        final Process holder = new ProcessBuilder(JAVA, "-cp", System.getProperty("java.class.path"),
            KeyLockHolder.class.getName(), dir.resolve("app.aot.key").toString()).redirectErrorStream(true).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(),
            StandardCharsets.UTF_8)))
        {
            assertEquals("locked", out.readLine());
            train(cache, "cache of v2");
        }
        finally
        {
            holder.getOutputStream().close();
            holder.waitFor(30, TimeUnit.SECONDS);
        }
        assertEquals("cache of v1", Files.readString(file), "the run holding it keeps it");
        assertTrue(notes.toString().contains("the new AOT cache was dropped: another run of a different command " +
            "line is using " + file), notes.toString());
        try (AotCache.Run run = cache.prepare(ENV, err))
        {
            assertTrue(run.trains(), "a later run trains again");
        }
    }

    /**
     * Holds the shared lock of a key file, as another exec does while its CMD runs, until its standard input ends.
     */
    static final class KeyLockHolder
    {
        private KeyLockHolder()
        {
        }

        /**
         * @param args the key file.
         * @throws IOException when it cannot be locked.
         */
        public static void main(final String[] args) throws IOException
        {
            try (var channel = java.nio.channels.FileChannel.open(Path.of(args[0]),
                java.nio.file.StandardOpenOption.READ); var lock = channel.lock(0, Long.MAX_VALUE, true))
            {
                System.out.println("locked");
                System.out.flush();
                while (System.in.read() >= 0)
                {
                    // Wait for the test to close standard input.
                }
            }
        }
    }
}
