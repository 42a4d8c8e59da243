package org.pkram.cli;

import net.openhft.chronicle.bytes.Bytes;
import org.pkram.DataKind;
import org.pkram.Folio;
import org.pkram.NodeLoad;
import org.pkram.NodeSave;
import org.pkram.ObjLoad;
import org.pkram.ObjSave;
import org.pkram.Pkram;
import org.pkram.cli.DemoRecords.Account;
import org.pkram.cli.DemoRecords.FolioSum;
import org.pkram.cli.DemoRecords.Section;
import org.pkram.error.CorruptImageException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The state the {@code pkram demo} service keeps: building it (folios of deterministic content with a
 * CRC32C each), saving it into node {@value DemoService#NODE}, reading it back in place (a load or a live
 * handle) and checking every checksum and every record.
 * <p>
 * The node's objects: the folios, each after its checksum record; the records; and, once the kill -9 round's
 * service has checkpointed it, the checkpoint's number.
 */
final class DemoState
{
    private static final long SEED = 0x706B726DL;

    private DemoState()
    {
    }

    /** A folio of the state with its mapping index, order and checksum. */
    record Piece(Folio folio, long index, int order, int crc)
    {
    }

    /**
     * What was read back from the node, every checksum and record checked.
     *
     * @param state      the folios, in index order.
     * @param objects    the node's objects.
     * @param records    the small records read and checked.
     * @param checkpoint the checkpoint's number, 0 for a node saved by the orderly restart's runs.
     */
    record Loaded(List<Piece> state, int objects, int records, long checkpoint)
    {
    }

    /**
     * The state: folios of deterministic content, each with its mapping index and checksum.
     */
    static List<Piece> build(final Pkram pk, final long pages)
    {
        final List<Piece> state = new ArrayList<>();
        try (Progress progress = Progress.start(System.err, "demo: building state", pages << Folio.PAGE_SHIFT))
        {
            long index = 0;
            while (index < pages)
            {
                final int order = Math.min(DemoService.ORDER, 63 - Long.numberOfLeadingZeros(pages - index));
                final Folio folio = pk.allocFolio(order);
                final ByteBuffer view = Views.byteBuffer(folio.buffer(), folio.byteLength());
                fill(view, index, 0);
                state.add(new Piece(folio, index, order, crc(view)));
                index += folio.pageCount();
                progress.update(index << Folio.PAGE_SHIFT);
            }
        }
        return state;
    }

    /**
     * Save the state into a node: one object of folios, each after its checksum record, and one object of
     * the small records.
     */
    static void save(final NodeSave node, final List<Piece> state, final int records)
    {
        saveState(node, state);
        try (ObjSave obj = node.prepareSaveObj(DataKind.BYTES))
        {
            obj.writeRecord(new Section(Section.TABLE, records));
            for (int id = 0; id < records; id++)
            {
                obj.writeRecord(Account.expected(id));
            }
        }
    }

    /**
     * Save the folios: one object, each folio after its checksum record. A folio of the version a replace
     * replaces is shared by reference, costing nothing.
     */
    static void saveState(final NodeSave node, final List<Piece> state)
    {
        try (ObjSave obj = node.prepareSaveObj(DataKind.FOLIOS, DataKind.BYTES))
        {
            obj.writeRecord(new Section(Section.STATE, state.size()));
            for (final Piece piece : state)
            {
                obj.writeRecord(new FolioSum(piece.index, piece.order, piece.crc));
                obj.saveFolio(piece.folio, piece.index);
            }
        }
    }

    /**
     * Save the checkpoint's number: an object of one section record.
     */
    static void saveCheckpoint(final NodeSave node, final long checkpoint)
    {
        try (ObjSave obj = node.prepareSaveObj(DataKind.BYTES))
        {
            obj.writeRecord(new Section(Section.CHECKPOINT, checkpoint));
        }
    }

    /**
     * Load node {@value DemoService#NODE} (the kernel way: consumed, its folios the caller's), every checksum
     * and record checked as {@link #read(NodeLoad)} does.
     */
    static Loaded load(final Pkram pk)
    {
        try (NodeLoad load = pk.prepareLoad(DemoService.NODE))
        {
            final Loaded loaded = read(load);
            load.finish();
            return loaded;
        }
    }

    /**
     * Read node {@value DemoService#NODE} through a load or a live handle: every folio in place with its
     * checksum checked, every record decoded and checked.
     *
     * @throws CorruptImageException EUCLEAN: an object without a section or of an unknown kind, a folio
     *                               missing, out of place or damaged, a record that differs.
     */
    static Loaded read(final NodeLoad node)
    {
        final List<Piece> state = new ArrayList<>();
        int records = 0;
        int objects = 0;
        long checkpoint = 0;
        while (true)
        {
            try (ObjLoad obj = node.prepareLoadObj())
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
                switch (section.kind)
                {
                    case Section.STATE -> loadState(obj, section.count, state);
                    case Section.TABLE -> records = loadRecords(obj, section.count);
                    case Section.CHECKPOINT -> checkpoint = section.count;
                    default -> throw new CorruptImageException("demo object of an unknown kind: " + section.kind);
                }
            }
        }
        return new Loaded(state, objects, records, checkpoint);
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
            DemoRecords.readRecord(in, account);
            check(account, n++);
        }
        if (n != count)
        {
            throw new CorruptImageException("demo records: count=" + n + ", expected=" + count);
        }
        return n;
    }

    /**
     * @throws CorruptImageException EUCLEAN: fewer (or more) bytes than {@code sizeMiB}, or records than
     *                               {@code expectedRecords}.
     */
    static void checkComplete(final List<Piece> state, final int records, final int expectedRecords,
        final int sizeMiB)
    {
        final long bytes = bytes(state);
        if (bytes != (long)sizeMiB << 20 || records != expectedRecords)
        {
            throw new CorruptImageException("demo state is incomplete: bytes=" + bytes + ", expected=" +
                ((long)sizeMiB << 20) + ", records=" + records + ", expected=" + expectedRecords);
        }
    }

    /**
     * A new version of a folio, copy-on-write: a fresh folio at the same index with the content of
     * {@code version}; the old one is untouched (it is freed when a new version of the node without it commits).
     */
    static Piece rewrite(final Pkram pk, final Piece old, final long version)
    {
        final Folio folio = pk.allocFolio(old.order);
        final ByteBuffer view = Views.byteBuffer(folio.buffer(), folio.byteLength());
        fill(view, old.index, version);
        return new Piece(folio, old.index, old.order, crc(view));
    }

    /**
     * @return a CRC32C of what identifies a version of the state: every folio's index, order and checksum,
     *         the number of records and the checkpoint's number.
     */
    static long fingerprint(final List<Piece> state, final int records, final long checkpoint)
    {
        final ByteBuffer buffer = ByteBuffer.allocate(Long.BYTES * 2 * (state.size() + 1));
        for (final Piece piece : state)
        {
            buffer.putLong(piece.index).putLong(((long)piece.order << 32) | (piece.crc & 0xFFFFFFFFL));
        }
        buffer.putLong(records).putLong(checkpoint).flip();
        final CRC32C crc = new CRC32C();
        crc.update(buffer);
        return crc.getValue();
    }

    /**
     * Deterministic content: the 64-bit word at byte {@code b} of page {@code index} is a SplitMix64 hash of
     * its position (and of the version, for a folio rewritten after the first save), so any misplaced or
     * damaged page changes the checksum.
     */
    private static void fill(final ByteBuffer view, final long index, final long version)
    {
        final LongBuffer words = view.duplicate().order(ByteOrder.LITTLE_ENDIAN).asLongBuffer();
        final long base = (version << 48) + (index << Folio.PAGE_SHIFT);
        for (int i = 0; i < words.capacity(); i++)
        {
            words.put(i, mix(base + ((long)i << 3)));
        }
    }

    /** SplitMix64 of a position, seeded: the content of the folios and the balances of the accounts. */
    static long mix(final long position)
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

    /**
     * @return the bytes of the state's folios.
     */
    static long bytes(final List<Piece> state)
    {
        long pages = 0;
        for (final Piece piece : state)
        {
            pages += (1 << piece.order);
        }
        return pages << Folio.PAGE_SHIFT;
    }

    /**
     * @throws CorruptImageException EUCLEAN: the account differs from {@link Account#expected(int)}.
     */
    static void check(final Account account, final int id)
    {
        final Account expected = Account.expected(id);
        if (account.id != expected.id || account.balance != expected.balance || !account.name.equals(expected.name))
        {
            throw new CorruptImageException("demo record mismatch: id=" + id + ", found=" + account);
        }
    }

    /**
     * @throws CorruptImageException EUCLEAN: the folio's checksum differs from the one recorded.
     */
    static void checkCrc(final int crc, final FolioSum sum)
    {
        if (crc != sum.crc)
        {
            throw new CorruptImageException("demo state: checksum mismatch: index=" + sum.index + ", crc=0x" +
                Integer.toHexString(crc) + ", expected=0x" + Integer.toHexString(sum.crc));
        }
    }
}
