package org.pkram.cli;

import net.openhft.chronicle.bytes.Bytes;
import org.pkram.Folio;
import org.pkram.NodeSave;
import org.pkram.Pkram;
import org.pkram.PkramOptions;
import org.pkram.boot.BootParams;
import org.pkram.cli.DemoState.Loaded;
import org.pkram.cli.DemoState.Piece;
import org.pkram.mem.Handover;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.Set;

/**
 * The service {@code pkram demo} restarts: a process whose state survives its own restart in pkram memory.
 * <p>
 * Run 1 (no {@code pkram=} boot parameter) builds the state, {@code --size} MiB of order-9 folios with
 * deterministic content and a CRC32C each, plus {@value #RECORDS} small records, saves it as node
 * {@value #NODE}, reboots (orderly) and exits with 75 so that {@code pkram exec} restarts it. Run 2
 * (booted with {@code -Dpkram=}) loads every folio in place and checks every checksum and every record:
 * that is "ready", timed from the moment {@code exec} started the process. It then writes the state to a
 * plain file and times re-reading it into the heap, and saves the state again for the kill -9 round. The
 * baseline ({@code --baseline}) is the same service restarting from that plain file instead, in a fresh JVM,
 * timed the same way. The kill -9 round ({@code --kill-round}, then {@code --after-kill}) is
 * {@link DemoLive}'s. Figures go to {@code --report} for the {@code demo} command.
 */
public final class DemoService
{
    /** The node holding the state. */
    static final String NODE = "demo-state";

    /** Folio order of the state: 2 MiB, a huge page. */
    static final int ORDER = 9;

    /** Number of small records saved next to the folios. */
    static final int RECORDS = 10_000;

    private final Path memoryFile;
    private final int sizeMiB;
    private final Path report;
    private final Path plain;
    private final PrintStream out = System.out;

    private DemoService(final Path memoryFile, final int sizeMiB, final Path report, final Path plain)
    {
        this.memoryFile = memoryFile;
        this.sizeMiB = sizeMiB;
        this.report = report;
        this.plain = plain;
    }

    /**
     * {@code DemoService --mem PATH --size MIB --report PATH [--plain PATH] [--baseline | --kill-round |
     * --after-kill]}, run by {@code pkram demo}, under {@code pkram exec} but for the baseline. The plain file
     * (run 2 writes it, the baseline reads it) is {@code --plain}, by default beside the memory file; memory
     * handed over by descriptor ({@code /proc/PID/fd/N}) has nothing beside it and needs {@code --plain}.
     *
     * @param argv the command line.
     */
    public static void main(final String[] argv)
    {
        PkramCli.prepareRuntime();
        // Part of this service's start-up, as of any service using Chronicle Bytes: before the timed steps.
        Bytes.allocateElasticOnHeap(16).writeStopBit(RECORDS);
        int status;
        try
        {
            final Args args = Args.parse(List.of(argv), Set.of("--mem", "--size", "--report", "--plain"),
                Set.of("--baseline", "--kill-round", "--after-kill"), false);
            final String mem = args.value("--mem");
            final String report = args.value("--report");
            if (mem == null || report == null)
            {
                throw new UsageException("needs --mem PATH --size MIB --report PATH");
            }
            final Path memoryFile = Path.of(mem);
            final String plain = args.value("--plain");
            if (plain == null && Handover.isDescriptorPath(memoryFile))
            {
                throw new UsageException("memory by descriptor needs --plain PATH: mem=" + mem);
            }
            final DemoService service = new DemoService(memoryFile, args.intValue("--size", 256, 1, 1 << 20),
                Path.of(report), plain != null ? Path.of(plain) : DemoBaseline.plainFile(memoryFile));
            final OptionalLong pfn = BootParams.fromProcess();
            if (args.flag("--baseline"))
            {
                status = DemoBaseline.run(service.plain, service.sizeMiB, service.report, service.out);
            }
            else if (args.flag("--kill-round"))
            {
                status = DemoLive.workUntilKilled(service.memoryFile, service.sizeMiB, service.report);
            }
            else if (args.flag("--after-kill"))
            {
                status = DemoLive.resumeAfterKill(service.memoryFile, service.sizeMiB, service.report);
            }
            else
            {
                status = pfn.isEmpty() ? service.firstRun() : service.secondRun(pfn.getAsLong());
            }
        }
        catch (final Exception | Error ex)
        {
            System.err.println("pkram: demo: " + PkramCli.describe(ex));
            status = PkramCli.EXIT_FAILED;
        }
        System.out.flush();
        System.exit(status);
    }

    // ------------------------------------------------------------------------------------------------
    // Run 1: build, save, reboot, ask to be restarted

    private int firstRun()
    {
        final long pid = ProcessHandle.current().pid();
        out.println("demo: run 1 (pid " + pid + "): no pkram= parameter, booting " + memoryFile + " empty");
        final long pages = (long)sizeMiB << (20 - Folio.PAGE_SHIFT);
        final long sbPfn;
        final int folios;
        try (Pkram pk = Pkram.boot(PkramOptions.of(memoryFile).shutdownHook(false)))
        {
            final List<Piece> state = DemoState.build(pk, pages);
            folios = state.size();
            try (NodeSave node = pk.prepareSave(NODE))
            {
                DemoState.save(node, state, RECORDS);
                node.finish();
            }
            sbPfn = pk.superBlockPfn();
        }
        out.println("demo: run 1: saved node " + NODE + ": " + sizeMiB + " MiB in " + Sizes.plural(folios, "folio") +
            " of up to 2 MiB (order " + ORDER + ") with a CRC32C each, and " + RECORDS + " records");
        out.println("demo: run 1: orderly reboot done, super block pfn 0x" + Long.toHexString(sbPfn) +
            "; exiting with " + ExecCommand.EX_TEMPFAIL + " (EX_TEMPFAIL) to be restarted");
        return ExecCommand.EX_TEMPFAIL;
    }

    // ------------------------------------------------------------------------------------------------
    // Run 2: boot, load in place, verify; then write the state to a plain file and re-read it, and save the
    // state again for the kill -9 round

    private int secondRun(final long pfn) throws IOException
    {
        final long startedMicros = DemoFigures.startedMicros();
        final long mainMicros = DemoFigures.nowMicros();
        final long t0 = System.nanoTime();
        final Pkram pk = Pkram.boot(PkramOptions.of(memoryFile).superBlockPfn(pfn).shutdownHook(false));
        final long t1 = System.nanoTime();
        final Properties figures = new Properties();
        try
        {
            final int nodes = pk.nodeNames().size();
            final Loaded loaded = DemoState.load(pk);
            final long t2 = System.nanoTime();
            final long readyMicros = DemoFigures.nowMicros();
            final List<Piece> state = loaded.state();
            DemoState.checkComplete(state, loaded.records(), RECORDS, sizeMiB);

            final double reread = DemoFigures.millis(DemoBaseline.writeAndReread(plain, state));
            // The loaded folios are this process's now: saved again by reference, they are the state the kill -9
            // round's service resumes.
            try (NodeSave node = pk.prepareSave(NODE))
            {
                DemoState.save(node, state, RECORDS);
                node.finish();
            }
            pk.close();

            final double bootMs = DemoFigures.millis(t1 - t0);
            final double loadMs = DemoFigures.millis(t2 - t1);
            final double jvmMs = (mainMicros - startedMicros) / 1000.0;
            final double readyMs = (readyMicros - startedMicros) / 1000.0;
            out.println("demo: run 2 (pid " + ProcessHandle.current().pid() + "): booted pkram=" +
                Long.toHexString(pfn) + ": " + Sizes.plural(nodes, "node") + "; " + NODE + ": " +
                Sizes.plural(loaded.objects(), "object") + ", " + sizeMiB + " MiB in " +
                Sizes.plural(state.size(), "folio") + " loaded in place, " + loaded.records() +
                " records; every checksum and record matches");
            out.println(DemoFigures.fmt("demo: run 2: restart to ready %s ms = JVM start %s ms + boot %s ms + " +
                "load and verify %s ms", readyMs, jvmMs, bootMs, loadMs));
            out.println(DemoFigures.fmt("demo: run 2: the same %s MiB re-read from a plain file in this JVM: %s ms, " +
                "%sx pkram's boot + load and verify (%s ms)", sizeMiB, reread, reread / (bootMs + loadMs),
                bootMs + loadMs));
            figures.setProperty("run", "2");
            figures.setProperty("mib", Integer.toString(sizeMiB));
            figures.setProperty("bootMs", DemoFigures.fmt("%s", bootMs));
            figures.setProperty("readyMs", DemoFigures.fmt("%s", readyMs));
            figures.setProperty("afterJvmMs", DemoFigures.fmt("%s", readyMs - jvmMs));
            figures.setProperty("rereadMs", DemoFigures.fmt("%s", reread));
        }
        catch (final IOException | RuntimeException ex)
        {
            closeAfterFailure(pk, ex);
            throw ex;
        }
        DemoFigures.store(report, figures);
        return PkramCli.EXIT_OK;
    }

    static void closeAfterFailure(final Pkram pk, final Exception primary)
    {
        try
        {
            if (!pk.isClosed() && pk.openHandles() == 0)
            {
                pk.close();
            }
        }
        catch (final RuntimeException ex)
        {
            if (primary != null)
            {
                primary.addSuppressed(ex);
            }
        }
    }
}
