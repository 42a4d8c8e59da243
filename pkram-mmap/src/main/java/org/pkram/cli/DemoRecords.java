package org.pkram.cli;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.bytes.BytesIn;
import net.openhft.chronicle.bytes.BytesMarshallable;
import net.openhft.chronicle.bytes.BytesOut;

/**
 * The records of the {@code pkram demo} state, as saved in the node's byte streams and in the plain file:
 * a {@link Section} at the head of each object, a {@link FolioSum} per folio, an {@link Account} per small
 * record, and the framing the plain file shares with {@code ObjSave.writeRecord}.
 */
final class DemoRecords
{
    private DemoRecords()
    {
    }

    /** The same framing as {@code ObjSave.writeRecord}: a stop-bit length, then the record. */
    static void writeRecord(final Bytes<?> out, final BytesMarshallable record)
    {
        final Bytes<?> body = Bytes.allocateElasticOnHeap(64);
        record.writeMarshallable(body);
        out.writeStopBit(body.readRemaining());
        out.write(body);
    }

    /** Read one record framed as {@link #writeRecord} frames it, and skip to the end of its frame. */
    static void readRecord(final Bytes<?> in, final BytesMarshallable record)
    {
        final long length = in.readStopBit();
        final long end = in.readPosition() + length;
        final long limit = in.readLimit();
        in.readLimit(end);
        record.readMarshallable(in);
        in.readLimit(limit);
        in.readPosition(end);
    }

    /** The first record of each demo object: what the object holds. */
    static final class Section implements BytesMarshallable
    {
        /** The kind of the object holding the folios, a {@link FolioSum} before each. */
        static final String STATE = "state";

        /** The kind of the object holding the {@link Account} records. */
        static final String TABLE = "records";

        /** The kind of the object whose count is the number of the checkpoint the node is. */
        static final String CHECKPOINT = "checkpoint";

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
            account.balance = DemoState.mix(-1 - id) % 100_000_000L;
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
