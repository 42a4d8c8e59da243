package org.pkram.image;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.bytes.BytesMarshallable;
import org.pkram.error.Errno;
import org.pkram.error.PkramException;

/**
 * How a structured record is framed in a byte stream, in one place for both directions: a stop-bit
 * length (Chronicle Bytes' encoding: 7 bits a byte, the high bit set on all but the last), then the
 * record's {@link BytesMarshallable#writeMarshallable} bytes.
 */
public final class RecordFraming
{
    /** A stop-bit encoded {@code long} takes at most this many bytes. */
    public static final int MAX_PREFIX_LENGTH = 10;

    private RecordFraming()
    {
    }

    /**
     * Frame a record: its body into {@code body}, its length prefix into {@code prefix} (both cleared first).
     * The caller appends {@code prefix}, then {@code body}.
     *
     * @param record the record.
     * @param body   receives the marshalled record.
     * @param prefix receives the stop-bit length.
     */
    public static void frame(final BytesMarshallable record, final Bytes<?> body, final Bytes<?> prefix)
    {
        body.clear();
        record.writeMarshallable(body);
        prefix.clear();
        prefix.writeStopBit(body.readRemaining());
    }

    /**
     * Read one framed record from a byte stream.
     *
     * @param in      the stream, positioned at a record.
     * @param into    the object to fill.
     * @param scratch on-heap scratch, reused between calls.
     * @param <T>     the record's type.
     * @return {@code into}, or null when the stream has no bytes left.
     * @throws PkramException (ENODATA) the stream ends inside the record, or its length is not a stop-bit
     *                        number.
     * @throws PkramException (EINVAL) the record's bytes do not decode as {@code into}.
     */
    public static <T extends BytesMarshallable> T read(final ByteStreamReader in, final T into, final Bytes<?> scratch)
    {
        return read(in, into, scratch, Long.MAX_VALUE);
    }

    /**
     * Read one framed record no longer than {@code maxLength} bytes: for records of a known bounded size read
     * from objects that may hold something else (a check before a load), so garbage never becomes a large
     * allocation.
     *
     * @param in        the stream, positioned at a record.
     * @param into      the object to fill.
     * @param scratch   on-heap scratch, reused between calls.
     * @param maxLength the longest record accepted.
     * @param <T>       the record's type.
     * @return {@code into}, or null when the stream has no bytes left.
     * @throws PkramException (ENODATA) as {@link #read(ByteStreamReader, BytesMarshallable, Bytes)}; (EINVAL) the
     *                        record is longer than {@code maxLength} or does not decode.
     */
    public static <T extends BytesMarshallable> T read(final ByteStreamReader in, final T into, final Bytes<?> scratch,
        final long maxLength)
    {
        if (in.remaining() == 0)
        {
            return null;
        }
        scratch.clear();
        int b;
        do
        {
            if (scratch.writePosition() == MAX_PREFIX_LENGTH || (b = in.read()) < 0)
            {
                throw new PkramException(Errno.ENODATA, "byte stream ends inside a record length, or the length " +
                    "is not a stop-bit number: remaining=" + in.remaining());
            }
            scratch.writeByte((byte)b);
        }
        while ((b & 0x80) != 0);
        final long length = scratch.readStopBit();
        if (length > maxLength)
        {
            throw new PkramException(Errno.EINVAL, "record longer than expected: length=" + length + ", max=" +
                maxLength);
        }
        if (length < 0 || length > in.remaining())
        {
            throw new PkramException(Errno.ENODATA, "record longer than the byte stream left: length=" + length +
                ", remaining=" + in.remaining());
        }
        scratch.clear();
        scratch.ensureCapacity(length);
        final byte[] body = (byte[])scratch.underlyingObject();
        int got = 0;
        while (got < length)
        {
            got += in.read(body, got, (int)length - got);
        }
        scratch.readPositionRemaining(0, length);
        try
        {
            into.readMarshallable(scratch);
        }
        catch (final PkramException ex)
        {
            throw ex;
        }
        catch (final RuntimeException ex)
        {
            throw new PkramException(Errno.EINVAL, "record does not decode: type=" + into.getClass().getSimpleName() +
                ", length=" + length + ", cause=" + ex, ex);
        }
        return into;
    }
}
