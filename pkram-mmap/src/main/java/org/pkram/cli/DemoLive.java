package org.pkram.cli;

import org.pkram.DataKind;
import org.pkram.NodeLoad;
import org.pkram.NodeSave;
import org.pkram.ObjSave;
import org.pkram.Pkram;
import org.pkram.PkramOptions;
import org.pkram.cli.DemoRecords.Account;
import org.pkram.cli.DemoRecords.Section;
import org.pkram.cli.DemoState.Loaded;
import org.pkram.cli.DemoState.Piece;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * The kill -9 round of {@code pkram demo}, the service's side: a service that keeps its state live in pkram
 * memory and checkpoints it, killed without warning between two checkpoints.
 * <p>
 * {@code --kill-round}: boots (resuming the image the orderly restart left), opens node
 * {@value DemoService#NODE} live (nothing consumed, the folios stay the node's) and checks it. Then it works:
 * each step of work rewrites one folio copy-on-write and opens {@value #RECORDS_PER_CHECKPOINT} accounts,
 * written as they come into the next version of the node ({@link Pkram#prepareReplace(String)}: a copy of
 * the records, the new ones, the folios shared by reference but the rewritten one); the step ends with the
 * checkpoint, the replace's finish, one atomic swap. After {@value #CHECKPOINTS} checkpoints it starts one
 * more step, stops {@value #UNSAVED} accounts into it (the rewritten folio and those records in pkram memory,
 * not committed), reports {@code run=mid-work} with the last checkpoint's fingerprint and waits for the
 * {@code demo} command's SIGKILL.
 * <p>
 * {@code --after-kill}: the restart. Boots (resume), opens the node live, checks every checksum and record,
 * and reports what it found, with the times; the {@code demo} command compares that with the last checkpoint.
 */
final class DemoLive
{
    /** Checkpoints made before the kill. */
    static final int CHECKPOINTS = 3;

    /** Accounts opened between two checkpoints. */
    static final int RECORDS_PER_CHECKPOINT = 1_000;

    /** Accounts opened after the last checkpoint when the kill comes. */
    static final int UNSAVED = 500;

    /** How long the service waits for its SIGKILL before giving up. */
    private static final long KILL_WAIT_MILLIS = 120_000;

    private DemoLive()
    {
    }

    /**
     * The records a version of the state holds: those of the orderly restart, and those each checkpoint added.
     */
    static int recordsAt(final long checkpoint)
    {
        return Math.toIntExact(DemoService.RECORDS + checkpoint * RECORDS_PER_CHECKPOINT);
    }

    /**
     * The state resumed: the instance, what the live node held, and how long booting and checking took.
     */
    private record Resumed(Pkram pk, Loaded loaded, long bootNanos, long verifyNanos)
    {
    }

    /**
     * Boot (resume, crash-safe, pkram's shutdown hook), open the node live and check every checksum and record.
     */
    private static Resumed resume(final Path memoryFile, final int sizeMiB)
    {
        final long t0 = System.nanoTime();
        final Pkram pk = Pkram.boot(PkramOptions.of(memoryFile));
        final long t1 = System.nanoTime();
        try
        {
            final Loaded loaded;
            try (NodeLoad live = pk.openLive(DemoService.NODE))
            {
                loaded = DemoState.read(live);
            }
            DemoState.checkComplete(loaded.state(), loaded.records(), recordsAt(loaded.checkpoint()), sizeMiB);
            return new Resumed(pk, loaded, t1 - t0, System.nanoTime() - t1);
        }
        catch (final RuntimeException ex)
        {
            DemoService.closeAfterFailure(pk, ex);
            throw ex;
        }
    }

    /**
     * {@code --kill-round}: resume, work through {@value #CHECKPOINTS} checkpoints, stop in the middle of the
     * next step, report and wait to be killed.
     *
     * @return {@link PkramCli#EXIT_FAILED} when no kill came (the round failed).
     */
    static int workUntilKilled(final Path memoryFile, final int sizeMiB, final Path report)
        throws IOException, InterruptedException
    {
        final Resumed resumed = resume(memoryFile, sizeMiB);
        final Pkram pk = resumed.pk();
        final List<Piece> state = new ArrayList<>(resumed.loaded().state());
        long checkpoint = resumed.loaded().checkpoint();
        int records = resumed.loaded().records();
        for (int i = 0; i < CHECKPOINTS; i++)
        {
            try (NodeSave next = pk.prepareReplace(DemoService.NODE))
            {
                records = work(pk, next, state, records, checkpoint + 1, RECORDS_PER_CHECKPOINT);
                DemoState.saveState(next, state);
                DemoState.saveCheckpoint(next, checkpoint + 1);
                // The commit point: one swap, then the folio the step rewrote is freed in its old version.
                next.finish();
                checkpoint++;
            }
        }
        final long fingerprint = DemoState.fingerprint(state, records, checkpoint);
        // The next step, left unfinished: its records and its rewritten folio are in pkram memory, in a version
        // of the node that is never committed. Nothing closes it: the process is killed.
        final NodeSave next = pk.prepareReplace(DemoService.NODE);
        final List<Piece> working = new ArrayList<>(state);
        work(pk, next, working, records, checkpoint + 1, UNSAVED);
        final Properties figures = new Properties();
        figures.setProperty("run", "mid-work");
        figures.setProperty("pid", Long.toString(ProcessHandle.current().pid()));
        figures.setProperty("checkpoint", Long.toString(checkpoint));
        figures.setProperty("records", Integer.toString(records));
        figures.setProperty("unsaved", Integer.toString(UNSAVED));
        figures.setProperty("fingerprint", Long.toHexString(fingerprint));
        figures.setProperty("workingFingerprint",
            Long.toHexString(DemoState.fingerprint(working, records + UNSAVED, checkpoint + 1)));
        DemoFigures.store(report, figures);
        Thread.sleep(KILL_WAIT_MILLIS);
        System.err.println("pkram: demo: the kill -9 round's service was not killed within " +
            KILL_WAIT_MILLIS / 1000 + " s");
        return PkramCli.EXIT_FAILED;
    }

    /**
     * One step of work towards checkpoint {@code step}, written into {@code next} as it goes: one folio of the
     * state rewritten copy-on-write, then the records: a copy of the {@code records} there are, then
     * {@code opened} new ones.
     *
     * @return the records there are now.
     */
    private static int work(final Pkram pk, final NodeSave next, final List<Piece> state, final int records,
        final long step, final int opened)
    {
        final int rewritten = (int)(step * 7 % state.size());
        state.set(rewritten, DemoState.rewrite(pk, state.get(rewritten), step));
        final ObjSave table = next.prepareSaveObj(DataKind.BYTES);
        table.writeRecord(new Section(Section.TABLE, records + RECORDS_PER_CHECKPOINT));
        for (int id = 0; id < records + opened; id++)
        {
            table.writeRecord(Account.expected(id));
        }
        return records + opened;
    }

    /**
     * {@code --after-kill}: resume, check everything, report what came back and when it was ready, reboot
     * (orderly: the node stays, for {@code --keep}).
     *
     * @return 0.
     */
    static int resumeAfterKill(final Path memoryFile, final int sizeMiB, final Path report) throws IOException
    {
        final long startedMicros = DemoFigures.startedMicros();
        final Resumed resumed = resume(memoryFile, sizeMiB);
        final long readyMicros = DemoFigures.nowMicros();
        final Pkram pk = resumed.pk();
        final Loaded loaded = resumed.loaded();
        final Properties figures = new Properties();
        figures.setProperty("run", "after-kill");
        figures.setProperty("pid", Long.toString(ProcessHandle.current().pid()));
        figures.setProperty("checkpoint", Long.toString(loaded.checkpoint()));
        figures.setProperty("records", Integer.toString(loaded.records()));
        figures.setProperty("verifiedBytes", Long.toString(DemoState.bytes(loaded.state())));
        figures.setProperty("fingerprint",
            Long.toHexString(DemoState.fingerprint(loaded.state(), loaded.records(), loaded.checkpoint())));
        figures.setProperty("bootMessage", String.join("; ", pk.bootMessages()));
        figures.setProperty("startedMicros", Long.toString(startedMicros));
        figures.setProperty("readyMicros", Long.toString(readyMicros));
        figures.setProperty("bootMs", DemoFigures.fmt("%s", DemoFigures.millis(resumed.bootNanos())));
        figures.setProperty("verifyMs", DemoFigures.fmt("%s", DemoFigures.millis(resumed.verifyNanos())));
        pk.close();
        DemoFigures.store(report, figures);
        return PkramCli.EXIT_OK;
    }
}
