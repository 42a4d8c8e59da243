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
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ResultsReport} on a small quick-profile run in {@code src/test/resources/org/pkram/bench/report}: JMH
 * JSON for restart (pkram, filechannel and lmdb at 256 MiB and 1 GiB, one lmdb run failed, one pkram run on
 * another tmpfs, the touch floor and ready to serve at 1 GiB), whole-process restarts at 4 GiB (one failed),
 * file transfers at 1 GiB, load and boot against their floors, durable commits and parallel saves, with the JMH logs, machine and probe files. Each expected row
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

        assertEquals(10, restart.size());
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
    void shouldTabulateRestartMediansWithTheirFloorAndRatiosPerFileSystemAndReadiness() throws Exception
    {
        final String md = ResultsReport.markdown(fixture());

        assertLine(md, "## Restart to ready, ms: /dev/shm, ready = warm");
        assertLine(md, "| size | touch (floor) | pkram | pkram ÷ touch | filechannel | lmdb | chronicle-map |");
        // pkram 12, 10, 11; filechannel 110, 120, 130; lmdb 22, 20, 24; no touch at 256 MiB.
        assertLine(md, "| 256 MiB | – | **11.0** (10.0–12.0) | – | 120 (110–130) | 22.0 (20.0–24.0) | – |");
        // touch 25, 26, 24; pkram over two forks 40, 44, 36, 38: 39 / 25 = 1.56; lmdb failed in the log.
        assertLine(md, "| 1 GiB | 25.0 (24.0–26.0) | **39.0** (36.0–44.0) | 1.56× | 500 (480–520) | " +
            "failed (see below) | – |");
        // 120 / 11 = 10.909, 22 / 11 = 2; 500 / 39 = 12.821.
        assertLine(md, "| 256 MiB | 10.91× | 2.00× | – |");
        assertLine(md, "| 1 GiB | 12.82× | – | – |");
        // Ready to serve is a table of its own: touch 5, pkram 14-16, lmdb 3.
        assertLine(md, "## Restart to ready, ms: /dev/shm, ready = serve");
        assertLine(md, "| 1 GiB | 5.00 (5.00–5.00) | **15.0** (14.0–16.0) | 3.00× | – | 3.00 (3.00–3.00) | – |");
        // The run on another tmpfs is a table of its own, not mixed into /dev/shm's.
        assertLine(md, "## Restart to ready, ms: `/mnt/huge` (huge-page tmpfs), ready = warm");
        assertLine(md, "| 256 MiB | – | **1.00** (1.00–1.00) | – | – | – | – |");
        assertTrue(md.indexOf("**1.00** (1.00–1.00)") > md.indexOf("`/mnt/huge` (huge-page tmpfs), ready = warm"), md);
    }

    @Test
    void shouldDeriveThePageTouchCostOfTheDayFromTheTouchFloor() throws Exception
    {
        final String md = ResultsReport.markdown(fixture());

        // (25 ms - 5 ms) over 1,024 × 256 = 262,144 pages = 0.0763 µs a page.
        assertLine(md, "| /dev/shm | 1 GiB | 25.0 | 5.00 | 0.08 |");
    }

    @Test
    void shouldTabulateProcessRestartsAboveJvmStart() throws Exception
    {
        final String md = ResultsReport.markdown(fixture());

        assertLine(md, "| file system, ready | size | jvm | touch | pkram | pkram-aot | filechannel | lmdb | " +
            "chronicle-map |");
        assertLine(md, "| /dev/shm, ready = warm | 4 GiB | 200 (190–210) | failed (see below) | " +
            "**950** (900–1,000) | **600** (590–610) | 1,200 (1,100–1,300) | 1,500 (1,400–1,600) | " +
            "5,000 (4,900–5,100) |");
        // Each median minus jvm's 200.
        assertLine(md, "| above JVM start | | 0.00 | – | 750 | 400 | 1,000 | 1,300 | 4,800 |");
    }

    @Test
    void shouldHoldEachFileCommandToItsKernelBaseline() throws Exception
    {
        final String md = ResultsReport.markdown(fixture());

        // copy 400, save 1,000 (2.50×), load 500 (1.25×), fallocate 600, format 6,000 (10.00×).
        assertLine(md, "| 1 GiB | 400 | 1,000 | 2.50× | 500 | 1.25× | 600 | 6,000 | 10.00× |");
        // 2.5 / 1.5 = 1.67 short; 1.25 meets it; 10 / 1.5 = 6.67 short.
        assertLine(md, "| `pkram save` of 1 GiB ≤ 1.5× copy_file_range | 2.50× (1,000 ms against 400 ms) | " +
            "**no**, gap 1.67× |");
        assertLine(md, "| `pkram load` of 1 GiB ≤ 1.5× copy_file_range | 1.25× (500 ms against 400 ms) | yes |");
        assertLine(md, "| `pkram format` of 1 GiB ≤ 1.5× fallocate | 10.00× (6,000 ms against 600 ms) | " +
            "**no**, gap 6.67× |");
    }

    @Test
    void shouldHoldBootAndLoadToTheirMetadataFloorsAndCountBytesPerFolio() throws Exception
    {
        final String md = ResultsReport.markdown(fixture());

        // 4 GiB = 1,048,576 folios; load 30 against 10 = 3×; 50,331,648 B / 1,048,576 = 48 B a folio.
        assertLine(md, "| load | 4 GiB | 1,048,576 | 30.0 | 10.0 | 3.00× | 48.0 |");
        // boot 20 against 8 = 2.5×; no allocation figure without -prof gc.
        assertLine(md, "| boot | 4 GiB | 1,048,576 | 20.0 | 8.00 | 2.50× | – |");
        assertLine(md, "| load of 4 GiB in order-0 folios ≤ 2× its floor | 3.00× (30.0 ms against 10.0 ms) | " +
            "**no**, gap 1.50× |");
        assertLine(md, "| boot of 4 GiB in order-0 folios ≤ 3× its floor | 2.50× (20.0 ms against 8.00 ms) | yes |");
        assertLine(md, "| load allocates 0 B per folio | 48.0 B | **no** |");
    }

    @Test
    void shouldCompareTheFirstBootOfEachFreshJvmWithItsSecond() throws Exception
    {
        final String md = ResultsReport.markdown(fixture());

        // Forks [200, 10], [180, 8], [220, 12]: first boots' median 200, second boots' 10: 20×, goal 3×.
        assertLine(md, "First boot in a fresh JVM (`FirstBootBenchmark`, 1 GiB): 200 ms, against 10.0 ms for a " +
            "second boot of the same image in the same JVM: 20.0×. Medians over the forks; the image was built by " +
            "another process.");
        assertLine(md, "| first boot in a fresh JVM ≤ 3× a second boot (1 GiB) | 20.0× (200 ms against 10.0 ms) | " +
            "**no**, gap 6.7× |");
        // With the AOT cache: forks [40, 10], [36, 8], [44, 12]: 40 against 10, 4×.
        assertLine(md, "First boot in a fresh JVM (`FirstBootBenchmark`, 1 GiB, AOT cache): 40.0 ms, against 10.0 ms " +
            "for a second boot of the same image in the same JVM: 4.0×. Medians over the forks; the image was built " +
            "by another process, the JDK AOT cache by a training run of the same boots.");
        assertLine(md, "| first boot in a fresh JVM ≤ 3× a second boot (1 GiB, AOT cache) | 4.0× (40.0 ms against " +
            "10.0 ms) | **no**, gap 1.3× |");
    }

    @Test
    void shouldReadSecondaryMetricsByName() throws Exception
    {
        final List<ResultsReport.Result> load = ResultsReport.results(fixture().resolve("load.json"));

        assertEquals(Map.of("gc.alloc.rate.norm", 50331648.0, "gc.count", 2.0), load.get(1).secondary());
        assertEquals(Map.of(), ResultsReport.results(fixture().resolve("restart.json")).get(0).secondary());
    }

    @Test
    void shouldNameTheFailedRunWithItsExceptionAndCause() throws Exception
    {
        final String md = ResultsReport.markdown(fixture());

        assertLine(md, "- `lmdb, 1 GiB, /dev/shm, ready = warm`: `java.lang.IllegalStateException: lmdb: cannot open " +
            "the environment / caused by: org.lmdbjava.LmdbNativeException$ConstantDerivedException: Platform " +
            "constant error code: ENOMEM Cannot allocate memory (12)`");
        assertLine(md, "- `touch, 4 GiB, /dev/shm, ready = warm`: `java.lang.IllegalStateException: child of system " +
            "touch said null instead of ready: Error: Could not reserve enough space`");
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
    void shouldJudgeEveryRestartGoalWithItsGap() throws Exception
    {
        final String md = ResultsReport.markdown(fixture());

        // 500 / 39 = 12.8× against a goal of 50×: 50 / 12.82 = 3.90× short.
        assertLine(md, "| restart at 1 GiB, /dev/shm, ready = warm: pkram ≥ 50× faster than filechannel | " +
            "12.8× (39.0 ms against 500 ms) | **no**, gap 3.90× |");
        // 39 / 25 = 1.56× the floor against 1.3×: 1.56 / 1.3 = 1.20× short.
        assertLine(md, "| restart at 1 GiB, /dev/shm, ready = warm: pkram ≤ 1.3× touch | 1.56× (39.0 ms against " +
            "25.0 ms) | **no**, gap 1.20× |");
        assertLine(md, "| restart at 256 MiB, /dev/shm, ready = warm: pkram faster than lmdb | 2.00× (11.0 ms " +
            "against 22.0 ms) | yes |");
        assertLine(md, "| restart at 1 GiB, /dev/shm, ready = warm: pkram faster than lmdb | no result for lmdb | – |");
        // Ready to serve: lmdb 3 ms against pkram 15 ms.
        assertLine(md, "| restart at 1 GiB, /dev/shm, ready = serve: pkram faster than lmdb | 0.20× (15.0 ms " +
            "against 3.00 ms) | **no**, pkram is 5.00× slower |");
        // Whole process with the AOT cache: 1,500 / 600 = 2.5.
        assertLine(md, "| process restart at 4 GiB, /dev/shm, ready = warm (JVM start alone 200 ms): pkram-aot " +
            "faster than lmdb | 2.50× (600 ms against 1,500 ms) | yes |");
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
        assertLine(md, "- huge: skipped: mounting a tmpfs needs root");
        assertLine(md, "  lmdb (lmdbjava 0.9.1):          ok");
        // The indented line continues the command above it.
        assertTrue(md.contains("```\nbash pkram-bench/scripts/quick-profile.sh\n--a-continuation-line\n```\n"), md);
        assertTrue(md.contains("jmh restart:\n\n```\njava -jar pkram-bench/target/benchmarks.jar " +
            "org.pkram.bench.RestartBenchmark -wi 1 -i 3\n```\n"), md);
    }

    @Test
    void shouldHoldTheCheckpointReplaceToFivePercentOfAFullCopy() throws Exception
    {
        final String md = ResultsReport.markdown(fixture());

        assertLine(md, "## Checkpoint after changing 1% of the state, ms (`CheckpointBenchmark`)");
        assertLine(md, "| size | pages changed | touchChanged (floor) | replace | fullCopy | replace ÷ fullCopy | " +
            "replace ÷ floor |");
        // 64 MiB = 16,384 pages, 1% = 163; floor 0.1-0.3, replace 1-2, copy 40-60: 1.5 / 50 = 3%, 1.5 / 0.2 = 7.5.
        assertLine(md, "| 64 MiB | 163 | 0.200 (0.100–0.300) | **1.50** (1.00–2.00) | 50.0 (40.0–60.0) | 3.0% | " +
            "7.50× |");
        // 1 GiB = 262,144 pages, 1% = 2,621; 40 / 400 = 10%, 40 / 3 = 13.33; the smaller size comes first.
        assertLine(md, "| 1 GiB | 2,621 | 3.00 (2.00–4.00) | **40.0** (35.0–45.0) | 400 (390–410) | 10.0% | " +
            "13.33× |");
        assertTrue(md.indexOf("| 64 MiB | 163 |") < md.indexOf("| 1 GiB | 2,621 |"), md);
        // 10% against 5%: 2× short; 3% meets it.
        assertLine(md, "| checkpoint of 1 GiB after changing 1%: replace ≤ 5% of a full copy | 10.0% (40.0 ms " +
            "against 400 ms) | **no**, gap 2.00× |");
        assertLine(md, "| checkpoint of 64 MiB after changing 1%: replace ≤ 5% of a full copy | 3.0% (1.50 ms " +
            "against 50.0 ms) | yes |");
    }

    @Test
    void shouldJudgeTheParallelPrefaultAgainstOneThreadAndShowItsFloors() throws Exception
    {
        final String md = ResultsReport.markdown(fixture());

        assertLine(md, "## Prefault on 1 and 2 threads, ms (`PrefaultBenchmark`)");
        // Medians: touch 200 / 110, populate 100 / 55, prefault 110 / 60 (read); prefault 160 / 110 (write).
        assertLine(md, "| 1 GiB | read | touch (floor) | 200 | 110 | 1.82× |");
        assertLine(md, "| 1 GiB | read | populate (floor) | 100 | 55.0 | 1.82× |");
        assertLine(md, "| 1 GiB | read | **prefault** | 110 | 60.0 | 1.83× |");
        assertLine(md, "| 1 GiB | write | **prefault** | 160 | 110 | 1.45× |");
        assertLine(md, "| prefault of 1 GiB (read): 2 threads ≥ 1.6× faster than 1 | 1.83× (110 ms → 60.0 ms) | yes |");
        assertLine(md, "| prefault of 1 GiB (write): 2 threads ≥ 1.6× faster than 1 | 1.45× (160 ms → 110 ms) | " +
            "**no**, gap 1.10× |");
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
