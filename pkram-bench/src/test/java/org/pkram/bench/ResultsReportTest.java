package org.pkram.bench;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import com.google.gson.JsonParseException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ResultsReport} on a small quick-profile run in {@code src/test/resources/org/pkram/bench/report}: JMH
 * JSON for restart (pkram, filechannel and lmdb at 256 MiB and 1 GiB, one lmdb run failed, one pkram run on
 * another tmpfs), durable commits and parallel saves, with the JMH log, machine and probe files. Each expected row
 * is worked out by hand from the fixture's numbers, as the comments show.
 */
class ResultsReportTest
{
    private static Path fixture() throws URISyntaxException
    {
        return Path.of(ResultsReportTest.class.getResource("report").toURI());
    }

    private static void assertLine(final String markdown, final String expected)
    {
        assertTrue(markdown.lines().anyMatch(expected::equals),
            () -> "no line\n" + expected + "\nin\n" + markdown);
    }

    @Test
    void shouldReadEveryRunOfJmhJsonWithTheIterationsOfAllForks() throws Exception
    {
        final List<ResultsReport.Result> restart = ResultsReport.results(fixture().resolve("restart.json"));

        assertEquals(6, restart.size());
        final ResultsReport.Result twoForks = restart.get(1);
        assertEquals("org.pkram.bench.RestartBenchmark.restart", twoForks.benchmark());
        assertEquals("ss", twoForks.mode());
        assertEquals("ms/op", twoForks.unit());
        assertEquals(Map.of("dir", "/dev/shm", "sizeMiB", "1024", "system", "pkram"), twoForks.params());
        assertEquals(39.5, twoForks.score());
        assertEquals(20.1, twoForks.error());
        // Fork 1 ran 40 and 44, fork 2 36 and 38: sorted 36, 38, 40, 44, median (38 + 40) / 2.
        assertArrayEquals(new double[] {40, 44, 36, 38}, twoForks.raw());
        assertEquals(39.0, twoForks.median());
        assertEquals(36.0, twoForks.min());
        assertEquals(44.0, twoForks.max());
    }

    @Test
    void shouldReadJmhsNaNStringAsANumber() throws Exception
    {
        final List<ResultsReport.Result> durable = ResultsReport.results(fixture().resolve("durable.json"));

        assertEquals(2, durable.size());
        assertEquals(0.5, durable.get(0).error());
        assertEquals(250.0, durable.get(1).score());
        assertTrue(Double.isNaN(durable.get(1).error()));
    }

    @Test
    void shouldTabulateRestartMediansAndRatiosOnDevShmOnly() throws Exception
    {
        final String md = ResultsReport.markdown(fixture());

        assertLine(md, "Median of 3 single-shot iterations (each a full cold start), fastest to slowest in brackets. " +
            "Lower is better.");
        assertLine(md, "| size | pkram | filechannel | lmdb | chronicle-map |");
        // pkram 12, 10, 11 (the 1.0 ms run on /mnt/huge is left out); filechannel 110, 120, 130; lmdb 22, 20, 24.
        assertLine(md, "| 256 MiB | **11.0** (10.0–12.0) | 120 (110–130) | 22.0 (20.0–24.0) | – |");
        // pkram over two forks 40, 44, 36, 38; filechannel 500, 480, 520; lmdb failed in the log.
        assertLine(md, "| 1 GiB | **39.0** (36.0–44.0) | 500 (480–520) | failed (see below) | – |");
        // 120 / 11 = 10.909, 22 / 11 = 2; 500 / 39 = 12.821.
        assertLine(md, "| 256 MiB | 10.91× | 2.00× | – |");
        assertLine(md, "| 1 GiB | 12.82× | – | – |");
        assertFalse(md.contains("1.00 (1.00–1.00)"), md);
    }

    @Test
    void shouldNameTheFailedRunWithItsExceptionAndCause() throws Exception
    {
        final String md = ResultsReport.markdown(fixture());

        assertLine(md, "- `lmdb/1024`: `java.lang.IllegalStateException: lmdb: cannot open the environment / " +
            "caused by: org.lmdbjava.LmdbNativeException$ConstantDerivedException: Platform constant error code: " +
            "ENOMEM Cannot allocate memory (12)`");
    }

    @Test
    void shouldListFootprintsFromTheLog() throws Exception
    {
        final String md = ResultsReport.markdown(fixture());

        // 335,544,320 bytes = 320 MiB for 256 MiB of values: 1.25×.
        assertLine(md, "| pkram | 256 MiB | 320 MiB | 1.25 | 1,234 |");
        // 2,147,483,648 bytes = 2,048 MiB for 1,024 MiB of values: 2×.
        assertLine(md, "| lmdb | 1 GiB | 2,048 MiB | 2.00 | 20,480 |");
    }

    @Test
    void shouldJudgeTheGoalsAtTheLargestSize() throws Exception
    {
        final String md = ResultsReport.markdown(fixture());

        // 500 / 39 = 12.8× against a goal of 50×: pkram would need 500 / 50 = 10 ms; 50 / 12.82 = 3.9× short.
        assertLine(md, "| restart at 1 GiB ≥ 50× faster than filechannel | 12.8× (pkram 39.0 ms, filechannel 500 ms; " +
            "50× needs pkram ≤ 10.0 ms) | **no**, gap 3.9× |");
        assertLine(md, "| restart at 1 GiB faster than lmdb | no result | – |");
        assertLine(md, "| restart at 1 GiB faster than chronicle-map | no result | – |");
        // folios: 40 / 25 = 1.60, short of 1.7 by 1.7 / 1.6 = 1.06; heap: 90 / 50 = 1.80.
        assertLine(md, "| save 4 nodes of 64 MiB (folios): 2 threads ≥ 1.7× faster than 1 | " +
            "1.60× (40.0 ms → 25.0 ms) | **no**, gap 1.06× |");
        assertLine(md, "| save 4 nodes of 64 MiB (heap): 2 threads ≥ 1.7× faster than 1 | " +
            "1.80× (90.0 ms → 50.0 ms) | yes |");
    }

    @Test
    void shouldTabulateDurableCommitsAndParallelSaves() throws Exception
    {
        final String md = ResultsReport.markdown(fixture());

        // 2.5 ± 0.5 µs off, 250 µs on (one iteration, no error): 250 / 2.5 = 100×.
        assertLine(md, "| 1 | 2.50 ± 0.500 | 250 | 100× |");
        // 16,384 pages of 4 KiB = 64 MiB per node.
        assertLine(md, "| 64 MiB | folios | 40.0 ± 4.00 | 25.0 ± 2.50 | 1.60× |");
        assertLine(md, "| 64 MiB | heap | 90.0 ± 9.00 | 50.0 ± 5.00 | 1.80× |");
    }

    @Test
    void shouldCopyTheMachineProbeAndCommand() throws Exception
    {
        final String md = ResultsReport.markdown(fixture());

        assertTrue(md.startsWith("# Restart to ready: pkram and its peers (quick profile)\n"), md);
        assertLine(md, "Generated by `ResultsReport` from the JMH results in this directory. " +
            "Date: 2026-12-01 10:00 UTC.");
        assertLine(md, "- machine: 2 cores, 4 GiB RAM, Test CPU, Linux 6.1.0");
        assertLine(md, "  lmdb (lmdbjava 0.9.1):          ok");
        // The indented line continues the command above it.
        assertTrue(md.contains("```\nbash pkram-bench/scripts/quick-profile.sh\n--a-continuation-line\n```\n"), md);
        assertTrue(md.contains("jmh restart:\n\n```\njava -jar pkram-bench/target/benchmarks.jar " +
            "org.pkram.bench.RestartBenchmark -wi 1 -i 3\n```\n"), md);
    }

    @Test
    void shouldFailOnAFileThatIsNotJson(@TempDir final Path dir) throws IOException
    {
        final Path json = dir.resolve("restart.json");
        Files.writeString(json, "[{\"benchmark\" : ", StandardCharsets.UTF_8);

        assertThrows(JsonParseException.class, () -> ResultsReport.results(json));
    }

    @Test
    void shouldReadAMissingFileAsNoResults(@TempDir final Path dir) throws IOException
    {
        assertEquals(List.of(), ResultsReport.results(dir.resolve("restart.json")));
    }
}
