package org.pkram.cli;

import org.junit.jupiter.api.Test;
import org.pkram.ChildJvm;
import org.pkram.NodeLoad;
import org.pkram.NodeSave;
import org.pkram.Pkram;
import org.pkram.PkramOptions;
import org.pkram.cli.DemoState.Loaded;
import org.pkram.cli.DemoState.Piece;
import org.pkram.testing.ScratchDir;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The service side of {@code pkram demo}'s kill -9 round, with this test as its supervisor: the service
 * checkpoints, is killed with SIGKILL in the middle of its work, and its restart finds exactly the last
 * checkpoint, checking every byte (a damaged byte fails it).
 */
class DemoKillRoundTest
{
    private static final int SIZE_MIB = 4;
    private static final long WAIT_MILLIS = 60_000;

    @ScratchDir
    Path dir;

    @Test
    void shouldComeBackToTheLastCheckpointAfterSigkillAndCheckEveryByte() throws Exception
    {
        final Path mem = dir.resolve("demo.mem");
        final Path report = dir.resolve("demo.report");
        Pkram.format(mem, 64L << 20, false);
        // What the orderly restart's run 2 leaves: the state saved, no checkpoint yet.
        try (Pkram pk = Pkram.boot(PkramOptions.of(mem).shutdownHook(false)))
        {
            final List<Piece> state = DemoState.build(pk, (long)SIZE_MIB << 8);
            try (NodeSave node = pk.prepareSave(DemoService.NODE))
            {
                DemoState.save(node, state, DemoService.RECORDS);
                node.finish();
            }
        }

        final Process service = start(mem, report, "--kill-round", dir.resolve("kill-round.out"));
        final Properties midWork = awaitMidWork(service, report);
        assertEquals(Long.toString(service.pid()), midWork.getProperty("pid"));
        assertEquals(Integer.toString(DemoLive.CHECKPOINTS), midWork.getProperty("checkpoint"));
        assertEquals(Integer.toString(DemoLive.recordsAt(DemoLive.CHECKPOINTS)), midWork.getProperty("records"));
        assertEquals(Integer.toString(DemoLive.UNSAVED), midWork.getProperty("unsaved"));
        service.destroyForcibly();
        assertTrue(service.waitFor(WAIT_MILLIS, TimeUnit.MILLISECONDS), "the service outlived its SIGKILL");
        assertEquals(DemoCommand.SIGKILL_STATUS, service.exitValue(), "killed by signal 9: 128 + 9");

        final Path restartOut = dir.resolve("after-kill.out");
        final Process restart = start(mem, report, "--after-kill", restartOut);
        assertEquals(0, finish(restart), () -> output(restartOut));
        final Properties after = read(report);
        assertEquals("after-kill", after.getProperty("run"));
        assertEquals(midWork.getProperty("checkpoint"), after.getProperty("checkpoint"));
        assertEquals(midWork.getProperty("records"), after.getProperty("records"));
        assertEquals(midWork.getProperty("fingerprint"), after.getProperty("fingerprint"));
        assertNotEquals(midWork.getProperty("workingFingerprint"), after.getProperty("fingerprint"));
        assertEquals(Long.toString((long)SIZE_MIB << 20), after.getProperty("verifiedBytes"));
        assertTrue(after.getProperty("bootMessage").contains("(live: the last process ended without a reboot)"),
            after::toString);

        // This test reads the image itself: the last checkpoint, none of the work after it. Then it damages one
        // byte of one folio in place (a live node's pages are written through), and the restart must fail.
        try (Pkram pk = Pkram.boot(PkramOptions.of(mem).shutdownHook(false)))
        {
            try (NodeLoad live = pk.openLive(DemoService.NODE))
            {
                final Loaded loaded = DemoState.read(live);
                assertEquals(DemoLive.CHECKPOINTS, loaded.checkpoint());
                assertEquals(DemoLive.recordsAt(DemoLive.CHECKPOINTS), loaded.records());
                assertEquals(midWork.getProperty("fingerprint"), Long.toHexString(DemoState.fingerprint(
                    loaded.state(), loaded.records(), loaded.checkpoint())));
                final Piece damaged = loaded.state().get(loaded.state().size() / 2);
                damaged.folio().buffer().putByte(1234, (byte)~damaged.folio().buffer().getByte(1234));
            }
        }
        final Path damagedOut = dir.resolve("damaged.out");
        assertEquals(PkramCli.EXIT_FAILED, finish(start(mem, report, "--after-kill", damagedOut)),
            () -> output(damagedOut));
        assertTrue(output(damagedOut).contains("EUCLEAN: demo state: checksum mismatch"), () -> output(damagedOut));
    }

    private static Process start(final Path mem, final Path report, final String mode, final Path out)
        throws IOException
    {
        final List<String> args = List.of("--mem", mem.toString(), "--size", Integer.toString(SIZE_MIB), "--report",
            report.toString(), mode);
        return new ProcessBuilder(ChildJvm.command(List.of("-Xmx256m"), DemoService.class, args))
            .redirectErrorStream(true).redirectOutput(out.toFile()).start();
    }

    private static int finish(final Process process) throws InterruptedException
    {
        if (!process.waitFor(WAIT_MILLIS, TimeUnit.MILLISECONDS))
        {
            process.destroyForcibly();
            fail("the demo service did not finish within " + WAIT_MILLIS + " ms");
        }
        return process.exitValue();
    }

    /**
     * @return the service's {@code run=mid-work} report, once it wrote it.
     */
    private Properties awaitMidWork(final Process service, final Path report) throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MILLIS);
        while (System.nanoTime() < deadline)
        {
            final Properties figures = read(report);
            if ("mid-work".equals(figures.getProperty("run")))
            {
                return figures;
            }
            if (!service.isAlive())
            {
                fail("the service ended before its work was half done: exit " + service.exitValue() + "\n" +
                    output(dir.resolve("kill-round.out")));
            }
            Thread.sleep(5);
        }
        service.destroyForcibly();
        return fail("no mid-work report within " + WAIT_MILLIS + " ms\n" + output(dir.resolve("kill-round.out")));
    }

    private static Properties read(final Path report) throws IOException
    {
        final Properties figures = new Properties();
        try (Reader reader = Files.newBufferedReader(report))
        {
            figures.load(reader);
        }
        catch (final NoSuchFileException ex)
        {
            // Not written yet.
        }
        return figures;
    }

    private static String output(final Path out)
    {
        try
        {
            return Files.readString(out);
        }
        catch (final IOException ex)
        {
            return "(no output: " + ex + ")";
        }
    }
}
