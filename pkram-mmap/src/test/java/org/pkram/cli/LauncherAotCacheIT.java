package org.pkram.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.pkram.testing.ScratchDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The launcher's own JDK AOT cache: after a build, a command starts a training run in the background and runs
 * without the cache; once the cache and its key are there, commands start from it, with the same output; a cache
 * whose key does not match (another jar, another JDK) is not used and a new one is trained; an {@code -XX:AOT}
 * option in {@code PKRAM_JAVA_OPTS} turns it off.
 */
class LauncherAotCacheIT
{
    private static final Path TARGET = Launcher.ROOT.resolve("pkram-mmap/target");
    private static final Path CACHE = TARGET.resolve("pkram-cli.aot");
    private static final Path KEY = TARGET.resolve("pkram-cli.aot.key");
    private static final Path TRAINING = TARGET.resolve("pkram-cli.aot.training");
    private static final Duration TRAINING_TIMEOUT = Duration.ofMinutes(2);

    @ScratchDir
    Path dir;

    /** The launcher builds the jar when it is missing or stale: once, here, not inside a test. */
    @BeforeAll
    static void buildOnce()
    {
        assertEquals(0, Launcher.pkram(Duration.ofMinutes(5), "--help").status());
    }

    private Launcher.Result pkram(final String javaOpts, final String... args)
    {
        final String[] all = new String[args.length + 2];
        all[0] = "--mem";
        all[1] = dir.resolve("pkram.mem").toString();
        System.arraycopy(args, 0, all, 2, args.length);
        return Launcher.run(Launcher.ROOT, Launcher.TIMEOUT, Map.of("PKRAM_JAVA_OPTS", javaOpts),
            Launcher.command(Launcher.SCRIPT, all));
    }

    /** Whether the command's JVM mapped the launcher's cache, from its own -Xlog:aot output. */
    private boolean startedFromTheCache(final String... args) throws IOException
    {
        final Path log = Files.createTempFile(dir, "aot", ".log");
        final Launcher.Result result = pkram("-Xlog:aot=info:file=" + log, args);
        assertEquals(0, result.status(), result::toString);
        return Files.readString(log).contains("Opened AOT cache " + CACHE + ".");
    }

    private static void awaitTraining() throws Exception
    {
        final long deadline = System.nanoTime() + TRAINING_TIMEOUT.toNanos();
        while (Files.exists(TRAINING) || !Files.exists(KEY))
        {
            if (System.nanoTime() > deadline)
            {
                fail("no AOT cache trained in " + TRAINING_TIMEOUT);
            }
            Thread.sleep(50);
        }
    }

    private static void removeCache() throws IOException
    {
        Files.deleteIfExists(KEY);
        Files.deleteIfExists(CACHE);
    }

    @Test
    void shouldTrainInTheBackgroundThenStartEveryCommandFromTheCache() throws Exception
    {
        assertEquals(0, pkram("", "format", "--size", "16M").status());
        assertEquals(0, pkram("", "save", "n0", Launcher.SCRIPT.toString()).status());
        awaitTraining();
        removeCache();

        final Launcher.Result first = pkram("", "ls");

        assertEquals(0, first.status(), first::toString);
        assertTrue(first.out().startsWith("NODE "), first::toString);
        assertEquals("", first.err(), "the training run says nothing: " + first);
        awaitTraining();
        assertTrue(Files.size(CACHE) > 0);
        assertTrue(startedFromTheCache("ls"));
        final Launcher.Result cached = pkram("", "ls");
        assertEquals(first.out(), cached.out());
        assertEquals("", cached.err());
        assertFalse(startedFromTheCacheWith("-XX:AOTMode=off"),
            "PKRAM_JAVA_OPTS with an AOT option of its own turns the launcher's off");
    }

    private boolean startedFromTheCacheWith(final String javaOpts) throws IOException
    {
        final Path log = Files.createTempFile(dir, "aot", ".log");
        final Launcher.Result result = pkram(javaOpts + " -Xlog:aot=info:file=" + log, "pfn");
        assertEquals(0, result.status(), result::toString);
        return Files.readString(log).contains("Opened AOT cache " + CACHE + ".");
    }

    @Test
    void shouldNotStartFromACacheWhoseKeyDoesNotMatchAndTrainANewOne() throws Exception
    {
        assertEquals(0, pkram("", "format", "--size", "16M").status());
        awaitTraining();
        Files.writeString(KEY, "another jar\n");

        assertFalse(startedFromTheCache("pfn"), "a cache made from something else is never used");

        awaitTraining();
        assertTrue(startedFromTheCache("pfn"), "a new cache with a matching key");
        // The jar rebuilt: its time changes, so the key no longer matches.
        final Path jar = TARGET.resolve("pkram-mmap-0.1.0-SNAPSHOT-all.jar");
        Files.setLastModifiedTime(jar, java.nio.file.attribute.FileTime.from(
            Files.getLastModifiedTime(jar).toMillis() + 1, TimeUnit.MILLISECONDS));
        assertFalse(startedFromTheCache("pfn"));
        awaitTraining();
        assertTrue(startedFromTheCache("pfn"));
    }
}
