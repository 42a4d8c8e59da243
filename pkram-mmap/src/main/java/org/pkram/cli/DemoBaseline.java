package org.pkram.cli;

import net.openhft.chronicle.bytes.Bytes;
import org.pkram.Folio;
import org.pkram.cli.DemoRecords.Account;
import org.pkram.cli.DemoRecords.FolioSum;
import org.pkram.cli.DemoRecords.Section;
import org.pkram.cli.DemoState.Piece;
import org.pkram.error.CorruptImageException;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.zip.CRC32C;

/**
 * What {@code pkram demo} compares pkram with: the same state in a plain file, read into the heap. Run 2
 * writes the file and times re-reading it in its own JVM; the baseline run is the same service restarting
 * from that file instead of pkram, in a fresh JVM, timed the way run 2 is.
 * <p>
 * The file: an 8-byte little-endian length, the records (sections, checksums, accounts, framed as the byte
 * streams frame them), then the folios' bytes in index order.
 */
final class DemoBaseline
{
    /** The plain-file copy is read into heap arrays of at most 1 GiB (folios never straddle two). */
    private static final long SEGMENT_BYTES = 1L << 30;
    private static final int READ_SLICE = 4 << 20;

    private DemoBaseline()
    {
    }

    /**
     * @param memoryFile the demo's memory file (a named one: memory handed over by descriptor has no sibling).
     * @return where run 2 writes the plain-file copy of the state by default.
     */
    static Path plainFile(final Path memoryFile)
    {
        return memoryFile.resolveSibling(memoryFile.getFileName() + ".plain");
    }

    /**
     * Write the state to the plain file the baseline restarts from (not timed), then time reading it back
     * into the heap with a file channel, in this JVM.
     *
     * @return nanoseconds reading.
     */
    static long writeAndReread(final Path plain, final List<Piece> state) throws IOException
    {
        final Bytes<?> meta = Bytes.allocateElasticOnHeap(DemoService.RECORDS * 32);
        DemoRecords.writeRecord(meta, new Section(Section.STATE, state.size()));
        for (final Piece piece : state)
        {
            DemoRecords.writeRecord(meta, new FolioSum(piece.index(), piece.order(), piece.crc()));
        }
        DemoRecords.writeRecord(meta, new Section(Section.TABLE, DemoService.RECORDS));
        for (int id = 0; id < DemoService.RECORDS; id++)
        {
            DemoRecords.writeRecord(meta, Account.expected(id));
        }
        final byte[] metaBytes = meta.toByteArray();
        final ByteBuffer head = ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(0, metaBytes.length);
        try (FileChannel channel = FileChannel.open(plain, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING))
        {
            writeFully(channel, head);
            writeFully(channel, ByteBuffer.wrap(metaBytes));
            for (final Piece piece : state)
            {
                writeFully(channel, Views.byteBuffer(piece.folio().buffer(), piece.folio().byteLength()));
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

    /**
     * The baseline run: read the plain file run 2 wrote, check every checksum and record, print the timing
     * and report it.
     *
     * @return the exit status, 0.
     * @throws CorruptImageException EUCLEAN: a checksum or record differs, or the file is incomplete.
     */
    static int run(final Path plain, final int sizeMiB, final Path report, final PrintStream out)
        throws IOException
    {
        final long startedMicros = DemoFigures.startedMicros();
        final long mainMicros = DemoFigures.nowMicros();
        final long t0 = System.nanoTime();
        final PlainState state = PlainState.read(plain);
        final long t1 = System.nanoTime();
        final Bytes<byte[]> meta = Bytes.wrapForRead(state.meta);
        final Section section = new Section();
        DemoRecords.readRecord(meta, section);
        final FolioSum sum = new FolioSum();
        final CRC32C crc = new CRC32C();
        long offset = 0;
        for (long i = 0; i < section.count; i++)
        {
            DemoRecords.readRecord(meta, sum);
            final int length = Folio.PAGE_SIZE << sum.order;
            crc.reset();
            crc.update(state.data.get((int)(offset / SEGMENT_BYTES)), (int)(offset % SEGMENT_BYTES), length);
            DemoState.checkCrc((int)crc.getValue(), sum);
            offset += length;
        }
        DemoRecords.readRecord(meta, section);
        final Account account = new Account();
        for (int id = 0; id < section.count; id++)
        {
            DemoRecords.readRecord(meta, account);
            DemoState.check(account, id);
        }
        final long t2 = System.nanoTime();
        final long readyMicros = DemoFigures.nowMicros();
        if (offset != (long)sizeMiB << 20 || section.count != DemoService.RECORDS)
        {
            throw new CorruptImageException("demo plain file is incomplete: bytes=" + offset + ", records=" +
                section.count);
        }
        final double jvmMs = (mainMicros - startedMicros) / 1000.0;
        final double readyMs = (readyMicros - startedMicros) / 1000.0;
        out.println(DemoFigures.fmt("demo: baseline (pid %s): the same service restarting from a plain file " +
            "instead: restart to ready %s ms = JVM start %s ms + read %s ms + verify %s ms",
            ProcessHandle.current().pid(), readyMs, jvmMs, DemoFigures.millis(t1 - t0), DemoFigures.millis(t2 - t1)));
        final Properties figures = new Properties();
        figures.setProperty("run", "baseline");
        figures.setProperty("readyMs", DemoFigures.fmt("%s", readyMs));
        figures.setProperty("afterJvmMs", DemoFigures.fmt("%s", readyMs - jvmMs));
        DemoFigures.store(report, figures);
        return PkramCli.EXIT_OK;
    }

    /**
     * The plain file read back: the records' bytes, and the folios' bytes in arrays of at most
     * {@link #SEGMENT_BYTES}.
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
}
