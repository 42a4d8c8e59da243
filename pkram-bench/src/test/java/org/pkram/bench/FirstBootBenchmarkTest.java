package org.pkram.bench;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link FirstBootBenchmark}'s trial once per cache on a 4 MiB image: the fresh JVM starts, boots the image, reboots
 * it and boots it again, each boot a new generation; with {@code cache=aot} the training run makes the cache and the
 * fresh JVM starts from it ({@code -XX:AOTMode=on} refuses to start otherwise); everything is removed at the end.
 */
class FirstBootBenchmarkTest
{
    @TempDir
    Path jars;

    private FirstBootBenchmark bench;

    @AfterEach
    void tearDown() throws Exception
    {
        if (bench != null)
        {
            bench.removeFiles();
        }
    }

    private void bootTwice(final String cache) throws Exception
    {
        bench = new FirstBootBenchmark();
        bench.sizeMiB = 4;
        bench.cache = cache;
        bench.classPath = JarClassPath.of(jars);
        bench.start();
        final Path dir = bench.file().getParent();
        assertEquals("aot".equals(cache), Files.isRegularFile(dir.resolve("first-boot.aot")), cache);

        final long first = bench.boot();
        bench.reboot();
        final long second = bench.boot();
        bench.reboot();

        assertTrue(second > first, first + " then " + second);
        bench.removeFiles();
        assertFalse(Files.exists(dir), "the trial's files are gone");
        bench = null;
    }

    @Test
    void shouldBootTheSameImageTwiceInAFreshJvm() throws Exception
    {
        bootTwice("none");
    }

    @Test
    void shouldBootTwiceInAFreshJvmStartedFromTheAotCache() throws Exception
    {
        bootTwice("aot");
    }

    @Test
    void shouldPackEveryDirectoryOfTheClassPathIntoAJar() throws Exception
    {
        final String classPath = JarClassPath.of(jars);

        assertNotNull(classPath);
        for (final String entry : classPath.split(":"))
        {
            assertFalse(Files.isDirectory(Path.of(entry)), entry);
        }
    }
}
