package org.pkram.cli;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.bytes.BytesIn;
import net.openhft.chronicle.bytes.BytesMarshallable;
import net.openhft.chronicle.bytes.BytesOut;
import org.pkram.DataKind;
import org.pkram.Folio;
import org.pkram.NodeLoad;
import org.pkram.NodeSave;
import org.pkram.ObjLoad;
import org.pkram.ObjSave;
import org.pkram.Pkram;
import org.pkram.PkramOptions;
import org.pkram.boot.BootParams;
import org.pkram.error.CorruptImageException;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.LongBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.zip.CRC32C;

/**
 * The service {@code pkram demo} restarts: a process whose state survives its own restart in pkram memory.
 * <p>
 * Run 1 (no {@code pkram=} boot parameter) builds the state, {@code --size} MiB of order-9 folios with
 * deterministic content and a CRC32C each, plus {@value #RECORDS} small records, saves it as node
 * {@value #NODE}, reboots (orderly) and exits with 75 so that {@code pkram exec} restarts it. Run 2
 * (booted with {@code -Dpkram=}) loads every folio in place and checks every checksum and every record:
 * that is "ready", timed from the moment {@code exec} started the process. It then writes the state to a
 * plain file and times re-reading it into the heap. The baseline ({@code --baseline}) is the same service
 * restarting from that plain file instead, in a fresh JVM, timed the same way. Figures go to
 * {@code --report} for the {@code demo} command.
 */
public final class DemoService
{
    /** The node holding the state. */
    static final String NODE = "demo-state";

    /** Folio order of the state: 2 MiB, a huge page. */
    static final int ORDER = 9;

    /** Number of small records saved next to the folios. */
    static final int RECORDS = 10_000;

    private static final long SEED = 0x706B726DL;
    /** The plain-file copy is read into heap arrays of at most 1 GiB (folios never straddle two). */
    private static final long SEGMENT_BYTES = 1L << 30;
    private static final int READ_SLICE = 4 << 20;
    private static final String STATE = "state";
    private static final String TABLE = "records";

    private final Path memoryFile;
    private final int sizeMiB;
    private final Path report;
    private final boolean keep;
    private final PrintStream out = System.out;

    private DemoService(final Path memoryFile, final int sizeMiB, final Path report, final boolean keep)
    {
        this.memoryFile = memoryFile;
        this.sizeMiB = sizeMiB;
        this.report = report;
        this.keep = keep;
    }

    /**
     * {@code DemoService --mem PATH --size MIB --report PATH [--keep | --baseline]}, run by {@code pkram demo}
     * under {@code pkram exec}.
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
            final Args args = Args.parse(List.of(argv), java.util.Set.of("--mem", "--size", "--report"),
                java.util.Set.of("--keep", "--baseline"), false);
            final String mem = args.value("--mem");
            final String report = args.value("--report");
            if (mem == null || report == null)
            {
                throw new UsageException("needs --mem PATH --size MIB --report PATH");
            }
            final DemoService service = new DemoService(Path.of(mem), args.intValue("--size", 256, 1, 1 << 20),
                Path.of(report), args.flag("--keep"));
            final OptionalLong pfn = BootParams.fromProcess();
            if (args.flag("--baseline"))
            {
                status = service.baseline();
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
            final List<Piece> state = build(pk, pages);
            folios = state.size();
            try (NodeSave node = pk.prepareSave(NODE))
            {
                save(node, state);
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

    /**
     * The state: folios of deterministic content, each with its mapping index and checksum.
     */
    private static List<Piece> build(final Pkram pk, final long pages)
    {
        final List<Piece> state = new ArrayList<>();
        try (Progress progress = Progress.start(System.err, "demo: building state", pages << Folio.PAGE_SHIFT))
        {
            long index = 0;
            while (index < pages)
            {
                final int order = Math.min(ORDER, 63 - Long.numberOfLeadingZeros(pages - index));
                final Folio folio = pk.allocFolio(order);
                final ByteBuffer view = Views.byteBuffer(folio.buffer(), folio.byteLength());
                fill(view, index);
                state.add(new Piece(folio, index, order, crc(view)));
                index += folio.pageCount();
                progress.update(index << Folio.PAGE_SHIFT);
            }
        }
        return state;
    }

    private static void save(final NodeSave node, final List<Piece> state)
    {
        try (ObjSave obj = node.prepareSaveObj(DataKind.FOLIOS, DataKind.BYTES))
        {
            obj.writeRecord(new Section(STATE, state.size()));
            for (final Piece piece : state)
            {
                obj.writeRecord(new FolioSum(piece.index, piece.order, piece.crc));
                obj.saveFolio(piece.folio, piece.index);
            }
        }
        try (ObjSave obj = node.prepareSaveObj(DataKind.BYTES))
        {
            obj.writeRecord(new Section(TABLE, RECORDS));
            for (int id = 0; id < RECORDS; id++)
            {
                obj.writeRecord(Account.expected(id));
            }
        }
    }

    // ------------------------------------------------------------------------------------------------
    // Run 2: boot, load in place, verify; then write the state to a plain file and re-read it

    private int secondRun(final long pfn) throws IOException
    {
        final long startedMicros = startedMicros();
        final long mainMicros = nowMicros();
        final long t0 = System.nanoTime();
        final Pkram pk = Pkram.boot(PkramOptions.of(memoryFile).superBlockPfn(pfn).shutdownHook(false));
        final long t1 = System.nanoTime();
        final Properties figures = new Properties();
        try
        {
            final int nodes = pk.nodeNames().size();
            final List<Piece> state = new ArrayList<>();
            int records = 0;
            int objects = 0;
            try (NodeLoad load = pk.prepareLoad(NODE))
            {
                while (true)
                {
                    try (ObjLoad obj = load.prepareLoadObj())
                    {
                        if (obj == null)
                        {
                            break;
                        }
                        objects++;
                        final Section section = obj.readRecord(new Section());
                        if (section == null)
                        {
                            throw new CorruptImageException("demo object without a section record");
                        }
                        if (section.kind.equals(STATE))
                        {
                            loadState(obj, section.count, state);
                        }
                        else
                        {
                            records = loadRecords(obj, section.count);
                        }
                    }
                }
            }
            final long t2 = System.nanoTime();
            final long readyMicros = nowMicros();
            checkComplete(state, records);

            final double reread = millis(writeAndReread(state));
            if (keep)
            {
                try (NodeSave node = pk.prepareSave(NODE))
                {
                    save(node, state);
                    node.finish();
                }
            }
            else
            {
                for (final Piece piece : state)
                {
                    pk.freeFolio(piece.folio);
                }
            }
            pk.close();

            final double bootMs = millis(t1 - t0);
            final double loadMs = millis(t2 - t1);
            final double jvmMs = (mainMicros - startedMicros) / 1000.0;
            final double readyMs = (readyMicros - startedMicros) / 1000.0;
            out.println("demo: run 2 (pid " + ProcessHandle.current().pid() + "): booted pkram=" +
                Long.toHexString(pfn) + ": " + Sizes.plural(nodes, "node") + "; " + NODE + ": " +
                Sizes.plural(objects, "object") + ", " + sizeMiB + " MiB in " + Sizes.plural(state.size(), "folio") +
                " loaded in place, " + records + " records; every checksum and record matches");
            out.println(fmt("demo: run 2: restart to ready %s ms = JVM start %s ms + boot %s ms + " +
                "load and verify %s ms", readyMs, jvmMs, bootMs, loadMs));
            out.println(fmt("demo: run 2: the same %s MiB re-read from a plain file in this JVM: %s ms, %sx pkram's " +
                "boot + load and verify (%s ms)", sizeMiB, reread, reread / (bootMs + loadMs), bootMs + loadMs));
            figures.setProperty("run", "2");
            figures.setProperty("mib", Integer.toString(sizeMiB));
            figures.setProperty("bootMs", fmt("%s", bootMs));
            figures.setProperty("readyMs", fmt("%s", readyMs));
            figures.setProperty("afterJvmMs", fmt("%s", readyMs - jvmMs));
            figures.setProperty("rereadMs", fmt("%s", reread));
        }
        catch (final IOException | RuntimeException ex)
        {
            closeAfterFailure(pk, ex);
            throw ex;
        }
        store(figures);
        return PkramCli.EXIT_OK;
    }

    private static void loadState(final ObjLoad obj, final long count, final List<Piece> state)
    {
        final FolioSum sum = new FolioSum();
        long done = 0;
        try (Progress progress = Progress.start(System.err, "demo: loading and verifying", count << 21))
        {
            for (long i = 0; i < count; i++)
            {
                if (obj.readRecord(sum) == null)
                {
                    throw new CorruptImageException("demo state: checksum record missing: folio=" + i);
                }
                final Folio folio = obj.loadFolio();
                if (folio == null || folio.index() != sum.index || folio.order() != sum.order)
                {
                    throw new CorruptImageException("demo state: folio missing or out of place: expected index=" +
                        sum.index + ", order=" + sum.order + ", found=" + folio);
                }
                state.add(new Piece(folio, folio.index(), folio.order(), sum.crc));
                checkCrc(crc(Views.byteBuffer(folio.buffer(), folio.byteLength())), sum);
                done += folio.byteLength();
                progress.update(done);
            }
        }
        if (obj.loadFolio() != null)
        {
            throw new CorruptImageException("demo state: more folios than checksums: count=" + count);
        }
    }

    /**
     * The records: the rest of the byte stream copied out in one read and decoded with the same code the
     * baseline uses on its file, so the two differ only in where the bytes come from.
     */
    private static int loadRecords(final ObjLoad obj, final long count)
    {
        final byte[] bytes = new byte[Math.toIntExact(obj.remaining())];
        for (int got = 0; got < bytes.length; )
        {
            final int n = obj.read(bytes, got, bytes.length - got);
            if (n < 0)
            {
                throw new CorruptImageException("demo records: byte stream ended early: read=" + got);
            }
            got += n;
        }
        final Bytes<byte[]> in = Bytes.wrapForRead(bytes);
        final Account account = new Account();
        int n = 0;
        while (in.readRemaining() > 0)
        {
            readRecord(in, account);
            check(account, n++);
        }
        if (n != count)
        {
            throw new CorruptImageException("demo records: count=" + n + ", expected=" + count);
        }
        return n;
    }

    private void checkComplete(final List<Piece> state, final int records)
    {
        final long bytes = totalPages(state) << Folio.PAGE_SHIFT;
        if (bytes != (long)sizeMiB << 20 || records != RECORDS)
        {
            throw new CorruptImageException("demo state is incomplete: bytes=" + bytes + ", expected=" +
                ((long)sizeMiB << 20) + ", records=" + records + ", expected=" + RECORDS);
        }
    }

    /**
     * Write the state to the plain file the baseline restarts from (not timed), then time reading it back
     * into the heap with a file channel, in this JVM.
     *
     * @return nanoseconds reading.
     */
    private long writeAndReread(final List<Piece> state) throws IOException
    {
        final Bytes<?> meta = Bytes.allocateElasticOnHeap(RECORDS * 32);
        writeRecord(meta, new Section(STATE, state.size()));
        for (final Piece piece : state)
        {
            writeRecord(meta, new FolioSum(piece.index, piece.order, piece.crc));
        }
        writeRecord(meta, new Section(TABLE, RECORDS));
        for (int id = 0; id < RECORDS; id++)
        {
            writeRecord(meta, Account.expected(id));
        }
        final byte[] metaBytes = meta.toByteArray();
        final ByteBuffer head = ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(0, metaBytes.length);
        final Path plain = plainFile(memoryFile);
        try (FileChannel channel = FileChannel.open(plain, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING))
        {
            writeFully(channel, head);
            writeFully(channel, ByteBuffer.wrap(metaBytes));
            for (final Piece piece : state)
            {
                writeFully(channel, Views.byteBuffer(piece.folio.buffer(), piece.folio.byteLength()));
            }
        }
        final long t0 = System.nanoTime();
        final PlainState read = PlainState.read(plain);
        final long t1 = System.nanoTime();
        if (read.data.isEmpty() && !state.isEmpty())
        {
            throw new CorruptImageException("demo plain file is empty: path=" + plain);
        }
        return t1 - t0;
    }

    // ------------------------------------------------------------------------------------------------
    // Baseline: the same service restarting from the plain file instead of pkram

    private int baseline() throws IOException
    {
        final long startedMicros = startedMicros();
        final long mainMicros = nowMicros();
        final Path plain = plainFile(memoryFile);
        final long t0 = System.nanoTime();
        final PlainState state = PlainState.read(plain);
        final long t1 = System.nanoTime();
        final Bytes<byte[]> meta = Bytes.wrapForRead(state.meta);
        final Section section = new Section();
        readRecord(meta, section);
        final FolioSum sum = new FolioSum();
        final CRC32C crc = new CRC32C();
        long offset = 0;
        for (long i = 0; i < section.count; i++)
        {
            readRecord(meta, sum);
            final int length = Folio.PAGE_SIZE << sum.order;
            crc.reset();
            crc.update(state.data.get((int)(offset / SEGMENT_BYTES)), (int)(offset % SEGMENT_BYTES), length);
            checkCrc((int)crc.getValue(), sum);
            offset += length;
        }
        readRecord(meta, section);
        final Account account = new Account();
        for (int id = 0; id < section.count; id++)
        {
            readRecord(meta, account);
            check(account, id);
        }
        final long t2 = System.nanoTime();
        final long readyMicros = nowMicros();
        if (offset != (long)sizeMiB << 20 || section.count != RECORDS)
        {
            throw new CorruptImageException("demo plain file is incomplete: bytes=" + offset + ", records=" +
                section.count);
        }
        final double jvmMs = (mainMicros - startedMicros) / 1000.0;
        final double readyMs = (readyMicros - startedMicros) / 1000.0;
        out.println(fmt("demo: baseline (pid %s): the same service restarting from a plain file instead: restart to " +
            "ready %s ms = JVM start %s ms + read %s ms + verify %s ms", ProcessHandle.current().pid(), readyMs, jvmMs,
            millis(t1 - t0), millis(t2 - t1)));
        final Properties figures = new Properties();
        figures.setProperty("run", "baseline");
        figures.setProperty("readyMs", fmt("%s", readyMs));
        figures.setProperty("afterJvmMs", fmt("%s", readyMs - jvmMs));
        store(figures);
        return PkramCli.EXIT_OK;
    }

    /**
     * The plain-file form of the state: an 8-byte little-endian length, the records (sections, checksums,
     * accounts, framed as the byte streams frame them), then the folios' bytes in index order.
     */
    private record PlainState(byte[] meta, List<byte[]> data)
    {
        static PlainState read(final Path plain) throws IOException
        {
            try (FileChannel channel = FileChannel.open(plain, StandardOpenOption.READ))
            {
                final ByteBuffer head = ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
                readFully(channel, head);
                final byte[] meta = new byte[Math.toIntExact(head.getLong(0))];
                readFully(channel, ByteBuffer.wrap(meta));
                final List<byte[]> data = new ArrayList<>();
                for (long left = channel.size() - channel.position(); left > 0; left -= SEGMENT_BYTES)
                {
                    final byte[] segment = new byte[(int)Math.min(SEGMENT_BYTES, left)];
                    // In slices: a heap read goes through a temporary direct buffer of the read's size.
                    for (int at = 0; at < segment.length; at += READ_SLICE)
                    {
                        readFully(channel, ByteBuffer.wrap(segment, at, Math.min(READ_SLICE, segment.length - at)));
                    }
                    data.add(segment);
                }
                return new PlainState(meta, data);
            }
        }
    }

    /**
     * @param memoryFile the demo's memory file.
     * @return where run 2 writes the plain-file copy of the state.
     */
    static Path plainFile(final Path memoryFile)
    {
        return memoryFile.resolveSibling(memoryFile.getFileName() + ".plain");
    }

    private void store(final Properties figures) throws IOException
    {
        try (Writer writer = Files.newBufferedWriter(report))
        {
            figures.store(writer, "pkram demo");
        }
    }

    // ------------------------------------------------------------------------------------------------
    // Content, checksums, records

    /**
     * Deterministic content: the 64-bit word at byte {@code b} of page {@code index} is a SplitMix64 hash of
     * its position, so any misplaced or damaged page changes the checksum.
     */
    private static void fill(final ByteBuffer view, final long index)
    {
        final LongBuffer words = view.duplicate().order(ByteOrder.LITTLE_ENDIAN).asLongBuffer();
        final long base = index << Folio.PAGE_SHIFT;
        for (int i = 0; i < words.capacity(); i++)
        {
            words.put(i, mix(base + ((long)i << 3)));
        }
    }

    private static long mix(final long position)
    {
        long z = SEED * 0x9E3779B97F4A7C15L + position;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static int crc(final ByteBuffer view)
    {
        final CRC32C crc = new CRC32C();
        crc.update(view.duplicate());
        return (int)crc.getValue();
    }

    private static long totalPages(final List<Piece> state)
    {
        long pages = 0;
        for (final Piece piece : state)
        {
            pages += (1 << piece.order);
        }
        return pages;
    }

    private static void check(final Account account, final int id)
    {
        final Account expected = Account.expected(id);
        if (account.id != expected.id || account.balance != expected.balance || !account.name.equals(expected.name))
        {
            throw new CorruptImageException("demo record mismatch: id=" + id + ", found=" + account);
        }
    }

    /** The same framing as {@code ObjSave.writeRecord}: a stop-bit length, then the record. */
    private static void writeRecord(final Bytes<?> out, final BytesMarshallable record)
    {
        final Bytes<?> body = Bytes.allocateElasticOnHeap(64);
        record.writeMarshallable(body);
        out.writeStopBit(body.readRemaining());
        out.write(body);
    }

    private static void readRecord(final Bytes<?> in, final BytesMarshallable record)
    {
        final long length = in.readStopBit();
        final long end = in.readPosition() + length;
        final long limit = in.readLimit();
        in.readLimit(end);
        record.readMarshallable(in);
        in.readLimit(limit);
        in.readPosition(end);
    }

    private static void checkCrc(final int crc, final FolioSum sum)
    {
        if (crc != sum.crc)
        {
            throw new CorruptImageException("demo state: checksum mismatch: index=" + sum.index + ", crc=0x" +
                Integer.toHexString(crc) + ", expected=0x" + Integer.toHexString(sum.crc));
        }
    }

    private static void writeFully(final FileChannel channel, final ByteBuffer src) throws IOException
    {
        while (src.hasRemaining())
        {
            channel.write(src);
        }
    }

    private static void readFully(final FileChannel channel, final ByteBuffer dst) throws IOException
    {
        while (dst.hasRemaining())
        {
            if (channel.read(dst) < 0)
            {
                throw new IOException("plain file ended early");
            }
        }
    }

    private static long startedMicros()
    {
        final String fromExec = System.getenv(ExecCommand.START_ENV);
        if (fromExec != null)
        {
            try
            {
                return Long.parseLong(fromExec.trim());
            }
            catch (final NumberFormatException ignored)
            {
                // Not from pkram exec: fall back to the JVM's own record.
            }
        }
        // Recorded when the JVM was created (ProcessHandle's start time has one-second granularity on Linux).
        return ManagementFactory.getRuntimeMXBean().getStartTime() * 1000;
    }

    private static long nowMicros()
    {
        return ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
    }

    private static double millis(final long nanos)
    {
        return nanos / 1e6;
    }

    private static String fmt(final String format, final Object... values)
    {
        final Object[] shown = new Object[values.length];
        for (int i = 0; i < values.length; i++)
        {
            shown[i] = values[i] instanceof Double d ? (d >= 10 ? String.format(Locale.ROOT, "%.0f", d) :
                String.format(Locale.ROOT, "%.1f", d)) : values[i];
        }
        return String.format(Locale.ROOT, format, shown);
    }

    private static void closeAfterFailure(final Pkram pk, final Exception primary)
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

    /** A folio of the state with its mapping index, order and checksum. */
    private record Piece(Folio folio, long index, int order, int crc)
    {
    }

    /** The first record of each demo object: what the object holds. */
    static final class Section implements BytesMarshallable
    {
        String kind;
        long count;

        Section()
        {
        }

        Section(final String kind, final long count)
        {
            this.kind = kind;
            this.count = count;
        }

        @Override
        public void writeMarshallable(final BytesOut<?> out)
        {
            out.writeUtf8(kind);
            out.writeStopBit(count);
        }

        @Override
        public void readMarshallable(final BytesIn<?> in)
        {
            kind = in.readUtf8();
            count = in.readStopBit();
        }
    }

    /** A folio's mapping index, order and CRC32C. */
    static final class FolioSum implements BytesMarshallable
    {
        long index;
        int order;
        int crc;

        FolioSum()
        {
        }

        FolioSum(final long index, final int order, final int crc)
        {
            this.index = index;
            this.order = order;
            this.crc = crc;
        }

        @Override
        public void writeMarshallable(final BytesOut<?> out)
        {
            out.writeStopBit(index);
            out.writeStopBit(order);
            out.writeInt(crc);
        }

        @Override
        public void readMarshallable(final BytesIn<?> in)
        {
            index = in.readStopBit();
            order = (int)in.readStopBit();
            crc = in.readInt();
        }
    }

    /** One of the small records: an account with a name and a balance. */
    static final class Account implements BytesMarshallable
    {
        long id;
        String name;
        long balance;

        static Account expected(final int id)
        {
            final Account account = new Account();
            account.id = id;
            final String digits = Integer.toString(id);
            account.name = "account-" + "00000".substring(Math.min(5, digits.length())) + digits;
            account.balance = mix(-1 - id) % 100_000_000L;
            return account;
        }

        @Override
        public void writeMarshallable(final BytesOut<?> out)
        {
            out.writeStopBit(id);
            out.writeUtf8(name);
            out.writeStopBit(balance);
        }

        @Override
        public void readMarshallable(final BytesIn<?> in)
        {
            id = in.readStopBit();
            name = in.readUtf8();
            balance = in.readStopBit();
        }

        @Override
        public String toString()
        {
            return "Account{id=" + id + ", name=" + name + ", balance=" + balance + "}";
        }
    }
}
