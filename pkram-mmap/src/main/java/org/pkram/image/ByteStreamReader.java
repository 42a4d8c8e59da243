package org.pkram.image;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.bytes.BytesMarshallable;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.pkram.error.CorruptImageException;
import org.pkram.layout.Pfn;
import org.pkram.mem.PhysMem;

import java.util.Objects;

/**
 * Reads an object's byte stream: {@code data_len} bytes spread over the order-0 data pages its byte
 * links list. Emulates {@code pkram_read}, reading only: a load frees the pages at its finish.
 * <p>
 * End of data is a return value: {@link #read(MutableDirectBuffer, int, int)} returns -1 and
 * {@link #readRecord(BytesMarshallable)} null. Single-threaded; reusable through {@link #reset}.
 */
public final class ByteStreamReader
{
    private final PhysMem mem;
    private final LinkCursor cursor;
    private final UnsafeBuffer page = new UnsafeBuffer(0, 0);
    /** Re-pointed at each heap array read into: one copy loop for every destination, and no allocation. */
    private final UnsafeBuffer heapView = new UnsafeBuffer(0, 0);
    private final byte[] oneByte = new byte[1];
    private Bytes<?> recordScratch;
    private long dataLen;
    private long dataRead;
    private int pageOffset;
    private long pagePfn;

    /**
     * @param mem the mapping the stream lives in.
     */
    public ByteStreamReader(final PhysMem mem)
    {
        this.mem = mem;
        this.cursor = new LinkCursor(mem);
    }

    /**
     * Position at the start of a byte stream.
     *
     * @param headLinkPfn the object's {@code bytes} head link.
     * @param length      its {@code data_len}.
     * @return this.
     */
    public ByteStreamReader reset(final long headLinkPfn, final long length)
    {
        cursor.reset(headLinkPfn);
        dataLen = length;
        dataRead = 0;
        pageOffset = Pfn.PAGE_SIZE;
        pagePfn = Pfn.NULL_PFN;
        return this;
    }

    /**
     * Copy up to {@code length} bytes into an Agrona buffer.
     *
     * @param dst    destination.
     * @param offset first byte to fill.
     * @param length most bytes to copy.
     * @return bytes copied, or -1 at the end of the stream ({@code length == 0} returns 0).
     * @throws CorruptImageException (EUCLEAN) the stream has fewer pages than {@code data_len}.
     */
    public int read(final MutableDirectBuffer dst, final int offset, final int length)
    {
        Objects.checkFromIndexSize(offset, length, dst.capacity());
        if (length == 0)
        {
            return 0;
        }
        if (dataRead == dataLen)
        {
            return -1;
        }
        int done = 0;
        while (done < length && dataRead < dataLen)
        {
            final int chunk = nextChunk(length - done);
            dst.putBytes(offset + done, page, pageOffset, chunk);
            advance(chunk);
            done += chunk;
        }
        return done;
    }

    /**
     * Copy up to {@code length} bytes into a heap array.
     *
     * @param dst    destination.
     * @param offset first byte to fill.
     * @param length most bytes to copy.
     * @return bytes copied, or -1 at the end of the stream.
     */
    public int read(final byte[] dst, final int offset, final int length)
    {
        Objects.checkFromIndexSize(offset, length, dst.length);
        heapView.wrap(dst);
        return read(heapView, offset, length);
    }

    /**
     * @return the next byte, 0..255, or -1 at the end of the stream.
     */
    public int read()
    {
        return read(oneByte, 0, 1) == 1 ? oneByte[0] & 0xff : -1;
    }

    /**
     * Read one record framed by {@link RecordFraming}.
     *
     * @param into the object to fill.
     * @param <T>  its type.
     * @return {@code into}, or null at the end of the stream.
     */
    public <T extends BytesMarshallable> T readRecord(final T into)
    {
        return readRecord(into, Long.MAX_VALUE);
    }

    /**
     * Read one record framed by {@link RecordFraming}, refusing one longer than {@code maxLength} bytes.
     *
     * @param into      the object to fill.
     * @param maxLength the longest record accepted.
     * @param <T>       its type.
     * @return {@code into}, or null at the end of the stream.
     */
    public <T extends BytesMarshallable> T readRecord(final T into, final long maxLength)
    {
        if (recordScratch == null)
        {
            recordScratch = Bytes.allocateElasticOnHeap(256);
        }
        return RecordFraming.read(this, into, recordScratch, maxLength);
    }

    /**
     * @return the stream's length, {@code data_len} when reading began.
     */
    public long dataLength()
    {
        return dataLen;
    }

    /**
     * @return bytes not read yet.
     */
    public long remaining()
    {
        return dataLen - dataRead;
    }

    /**
     * Stop reading (the kernel's {@code pkram_finish_access}).
     */
    public void finish()
    {
        pagePfn = Pfn.NULL_PFN;
        pageOffset = Pfn.PAGE_SIZE;
    }

    private int nextChunk(final int wanted)
    {
        if (pageOffset == Pfn.PAGE_SIZE)
        {
            if (!cursor.next())
            {
                throw new CorruptImageException("byte stream has fewer pages than data_len: dataLen=" + dataLen +
                    ", read=" + dataRead);
            }
            pagePfn = cursor.pfn();
            mem.wrap(page, pagePfn, 0);
            pageOffset = 0;
        }
        return (int)Math.min(Math.min(wanted, Pfn.PAGE_SIZE - pageOffset), dataLen - dataRead);
    }

    private void advance(final int chunk)
    {
        pageOffset += chunk;
        dataRead += chunk;
    }
}
