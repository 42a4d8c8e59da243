package org.pkram.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.openjdk.jmh.annotations.Fork;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The restart benchmarks' states and child process on a small state: every restart, in this JVM or in a new
 * one, must give back every value (the checks the benchmarks rely on), and a state that did not come back must
 * fail the run.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS) // a child that hangs fails its test instead of the build
class RestartStatesTest
{
    /** Two link pages' worth of folios (510 entries a link page), so the load crosses a link. */
    private static final int COUNT = 600;

    private Path dir;

    @BeforeEach
    void makeDir() throws Exception
    {
        dir = Files.createTempDirectory(Path.of("/dev/shm"), "pkram-bench-test-");
    }

    @AfterEach
    void removeDir()
    {
        RestartState.deleteTree(dir);
    }

    @ParameterizedTest
    @CsvSource({"touch, warm", "touch, serve", "pkram, warm", "pkram, serve", "filechannel, warm",
        "filechannel, serve", "lmdb, warm", "lmdb, serve", "chronicle-map, warm", "chronicle-map, serve"})
    void shouldGiveBackEveryValueAtEachRestartAndInAStateThatAdoptsTheFiles(final String system,
        final String readiness) throws Exception
    {
        final Ready ready = Ready.of(readiness);
        final RestartState built = RestartState.of(system);
        built.build(dir, COUNT);
        for (int round = 0; round < 2; round++)
        {
            assertEquals(ready.expected(COUNT), built.restartToReady(ready), system + " round " + round);
            built.shutDown();
        }
        built.delete();

        final RestartState adopted = RestartState.of(system);
        adopted.adopt(dir, COUNT, built.handover());
        assertEquals(ready.expected(COUNT), adopted.restartToReady(ready), system + " adopted");
        adopted.shutDown();
        adopted.delete();
    }

    @Test
    void shouldTellWarmFromServeByWhatTheyReturn()
    {
        assertEquals(COUNT * (COUNT - 1L) / 2, Ready.WARM.expected(COUNT));
        assertEquals(COUNT, Ready.SERVE.expected(COUNT));
        assertEquals(Ready.SERVE, Ready.of("serve"));
    }

    @ParameterizedTest
    @CsvSource({"pkram, warm", "pkram, serve", "touch, warm", "lmdb, warm", "lmdb, serve", "chronicle-map, warm",
        "filechannel, serve"})
    void shouldRestartInANewJvmTwiceWithWhatThePreviousChildHandedOver(final String system, final String ready)
        throws Exception
    {
        final RestartState built = RestartState.of(system);
        built.build(dir, COUNT);
        built.delete();
        String handover = built.handover();
        for (int round = 0; round < 2; round++)
        {
            final Process child = new ProcessBuilder(ProcessRestartBenchmark.childCommand(system, dir, COUNT, ready,
                handover, List.of())).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            final BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                StandardCharsets.UTF_8));
            assertEquals("ready " + Ready.of(ready).expected(COUNT), out.readLine(), system + " round " + round);
            final OutputStream in = child.getOutputStream();
            in.write('\n');
            in.flush();
            final String closed = out.readLine();
            assertTrue(child.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, child.exitValue());
            assertTrue(closed.startsWith("closed "), closed);
            handover = closed.substring("closed ".length());
        }
    }

    @Test
    void shouldRunWithThePeersFlagsAsTheRestartForksDo()
    {
        final List<String> flags = ManagementFactory.getRuntimeMXBean().getInputArguments();
        for (final String flag : PeerForkBenchmark.class.getAnnotation(Fork.class).jvmArgsPrepend())
        {
            if (!flag.startsWith("-Xm"))
            {
                assertTrue(flags.contains(flag), () -> "pkram-bench/pom.xml's surefire argLine lacks " + flag);
            }
        }
    }

    @Test
    void shouldBuildInAChildWhatTheNextChildRestartsFrom() throws Exception
    {
        final List<String> build = ProcessRestartBenchmark.childJvm(List.of());
        build.addAll(List.of("build", "pkram", dir.toString(), Integer.toString(COUNT)));
        final Process builder = new ProcessBuilder(build).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        final String handover = new BufferedReader(new InputStreamReader(builder.getInputStream(),
            StandardCharsets.UTF_8)).readLine();
        assertTrue(builder.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, builder.exitValue());

        final RestartState adopted = RestartState.of("pkram");
        adopted.adopt(dir, COUNT, handover);
        assertEquals(Ready.WARM.expected(COUNT), adopted.restartToReady(Ready.WARM));
        adopted.shutDown();
    }

    @Test
    void shouldFailAChildWhoseValuesDidNotAllComeBack() throws Exception
    {
        final RestartState built = RestartState.of("pkram");
        built.build(dir, COUNT);
        built.delete();
        // One value more than the state holds: the sum cannot match.
        final Process child = new ProcessBuilder(ProcessRestartBenchmark.childCommand("pkram", dir, COUNT + 1, "warm",
            built.handover(), List.of())).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        final String line = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))
            .readLine();
        assertTrue(child.waitFor(60, TimeUnit.SECONDS));
        assertEquals(1, child.exitValue());
        assertTrue(line.startsWith("error wrong values after restart: system=pkram, ready=warm, check=" +
            Ready.WARM.expected(COUNT) + ", expected=" + Ready.WARM.expected(COUNT + 1)), line);
    }

    @Test
    void shouldSayReadyBeforeLoadingAnythingWhenOnlyTheJvmStarts() throws Exception
    {
        final Process child = new ProcessBuilder(ProcessRestartBenchmark.childCommand("jvm", dir, 0, "warm", "-",
            List.of())).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        final BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
            StandardCharsets.UTF_8));
        assertEquals("ready 0", out.readLine());
        child.getOutputStream().write('\n');
        child.getOutputStream().flush();
        assertEquals("closed -", out.readLine());
        assertTrue(child.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, child.exitValue());
    }
}
