package org.pkram;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.bytes.BytesMarshallable;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.pkram.layout.EntryCodec;
import org.pkram.layout.ObjDescriptor;
import org.pkram.layout.Pfn;

import java.io.EOFException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Objects;

/**
 * An object being loaded: {@link #loadFolio()} hands each folio back in place (zero copy) with its
 * mapping index, {@link #read(byte[], int, int)} copies the byte stream out. Emulates
 * {@code pkram_load_folio} and {@code pkram_read} with the two {@code PKRAM_ACCESS} handles.
 * <p>
 * End of data is a return value: {@code loadFolio()} returns null and {@code read} returns -1 (the
 * kernel's NULL / 0). One thread at a time; {@link #finish()} ({@code pkram_finish_load_obj}) or
 * {@link #close()} ends it.
 */
public final class ObjLoad implements AutoCloseable
{
    private final Pkram pkram;
    private final NodeLoad node;
    private final long objPfn;
    private final UnsafeBuffer obj;
    private final boolean consume;
    private final StreamReader folios;
    private final StreamReader bytes;
    private final UnsafeBuffer dataPage = new UnsafeBuffer(0, 0);
    /** Re-pointed at each heap array read into: one copy loop for every destination, and no allocation. */
    private final UnsafeBuffer heapView = new UnsafeBuffer(0, 0);
    private final long dataLen;
    private long dataRead;
    private int dataOffset = Pfn.PAGE_SIZE;
    /** Kernel-faithful: the data page taken from the stream and not yet freed, 0 for none. */
    private long dataPfn;
    private boolean finished;
    private Bytes<?> recordScratch;
    private final byte[] oneByte = new byte[1];
    private InputStream inputStream;

    ObjLoad(final Pkram pkram, final NodeLoad node, final long objPfn, final UnsafeBuffer obj, final boolean consume)
    {
        this.pkram = pkram;
        this.node = node;
        this.objPfn = objPfn;
        this.obj = obj;
        this.consume = consume;
        this.folios = new StreamReader(pkram, obj, ObjDescriptor.FOLIOS_HEAD_LINK_PFN_OFFSET, consume);
        this.bytes = new StreamReader(pkram, obj, ObjDescriptor.BYTES_HEAD_LINK_PFN_OFFSET, consume);
        this.dataLen = ObjDescriptor.dataLen(obj);
    }

    /**
     * Take the next folio, in place: no byte is copied. It belongs to the caller (free it with
     * {@link Pkram#freeFolio(Folio)}, or save it again once this load has finished).
     *
     * @return the folio, with its mapping index, or null at the end of the folio stream.
     */
    public Folio loadFolio()
    {
        checkOpen();
        final long entry = folios.next();
        if (entry == 0)
        {
            return null;
        }
        final Folio folio = new Folio(pkram, EntryCodec.pfn(entry), EntryCodec.order(entry), folios.entryIndex());
        if (!consume)
        {
            folio.pendingLoad = node;
        }
        return folio;
    }

    /**
     * Copy up to {@code length} bytes of the byte stream into {@code dst}.
     *
     * @param dst    destination.
     * @param offset first byte to fill.
     * @param length most bytes to copy.
     * @return bytes copied, or -1 at the end of the stream ({@code length == 0} returns 0).
     */
    public int read(final byte[] dst, final int offset, final int length)
    {
        Objects.checkFromIndexSize(offset, length, dst.length);
        heapView.wrap(dst);
        return read(heapView, offset, length);
    }

    /**
     * Copy up to {@code length} bytes of the byte stream into an Agrona buffer.
     *
     * @param dst    destination.
     * @param offset first byte to fill.
     * @param length most bytes to copy.
     * @return bytes copied, or -1 at the end of the stream.
     */
    public int read(final MutableDirectBuffer dst, final int offset, final int length)
    {
        checkOpen();
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
            dst.putBytes(offset + done, dataPage, dataOffset, chunk);
            advance(chunk);
            done += chunk;
        }
        return done;
    }

    /**
     * Read one record written by {@link ObjSave#writeRecord(BytesMarshallable)} into {@code into}.
     *
     * @param into the object to fill ({@link BytesMarshallable#readMarshallable}).
     * @param <T>  its type.
     * @return {@code into}, or null at the end of the byte stream.
     * @throws UncheckedIOException wrapping {@link EOFException} when the stream ends inside a record.
     */
    public <T extends BytesMarshallable> T readRecord(final T into)
    {
        checkOpen();
        if (dataRead == dataLen)
        {
            return null;
        }
        long length = 0;
        int shift = 0;
        while (true)
        {
            // Chronicle's stop-bit encoding: 7 bits a byte, high bit set on all but the last.
            if (read(oneByte, 0, 1) != 1)
            {
                throw new UncheckedIOException(new EOFException("byte stream ends inside a record length"));
            }
            length |= (long)(oneByte[0] & 0x7f) << shift;
            if ((oneByte[0] & 0x80) == 0)
            {
                break;
            }
            shift += 7;
            if (shift > 63)
            {
                throw new UncheckedIOException(new EOFException("record length is not a stop-bit number"));
            }
        }
        if (length < 0 || length > dataLen - dataRead)
        {
            throw new UncheckedIOException(new EOFException("record longer than the byte stream left: length=" +
                length + ", remaining=" + (dataLen - dataRead)));
        }
        if (recordScratch == null)
        {
            recordScratch = Bytes.allocateElasticOnHeap(256);
        }
        final Bytes<?> scratch = recordScratch;
        scratch.clear();
        scratch.ensureCapacity(length);
        final byte[] body = (byte[])scratch.underlyingObject();
        int got = 0;
        while (got < length)
        {
            got += read(body, got, (int)length - got);
        }
        scratch.readPositionRemaining(0, length);
        into.readMarshallable(scratch);
        return into;
    }

    /**
     * @return an {@link InputStream} over the byte stream, so any Java codec can read it.
     */
    public InputStream inputStream()
    {
        checkOpen();
        if (inputStream == null)
        {
            inputStream = new InputStream()
            {
                @Override
                public int read()
                {
                    return ObjLoad.this.read(oneByte, 0, 1) == 1 ? oneByte[0] & 0xff : -1;
                }

                @Override
                public int read(final byte[] b, final int off, final int len)
                {
                    return ObjLoad.this.read(b, off, len);
                }

                @Override
                public int available()
                {
                    return (int)Math.min(Integer.MAX_VALUE, remaining());
                }
            };
        }
        return inputStream;
    }

    /**
     * @return the byte stream's length ({@code data_len} when the load began).
     */
    public long dataLength()
    {
        return dataLen;
    }

    /**
     * @return bytes of the byte stream not read yet.
     */
    public long remaining()
    {
        return dataLen - dataRead;
    }

    private int nextChunk(final int wanted)
    {
        if (dataOffset == Pfn.PAGE_SIZE)
        {
            final long entry = bytes.next();
            if (entry == 0)
            {
                throw new IllegalStateException("byte stream has fewer pages than data_len: obj=0x" +
                    Long.toHexString(objPfn));
            }
            dataPfn = EntryCodec.pfn(entry);
            pkram.mem().wrap(dataPage, dataPfn, 0);
            dataOffset = 0;
        }
        return (int)Math.min(Math.min(wanted, Pfn.PAGE_SIZE - dataOffset), dataLen - dataRead);
    }

    private void advance(final int chunk)
    {
        dataOffset += chunk;
        dataRead += chunk;
        if (consume)
        {
            ObjDescriptor.dataLen(obj, dataLen - dataRead);
            if (dataOffset == Pfn.PAGE_SIZE || dataRead == dataLen)
            {
                // pkram_read puts each data page once it is exhausted or data_len reaches 0.
                pkram.freePage(dataPfn, 0);
                dataPfn = Pfn.NULL_PFN;
                dataOffset = Pfn.PAGE_SIZE;
            }
        }
    }

    long objPfn()
    {
        return objPfn;
    }

    /**
     * End the object ({@code pkram_finish_load_obj}): what was not loaded is freed (kernel-faithful now,
     * crash-safe when the node load finishes). Idempotent.
     */
    public void finish()
    {
        if (finished)
        {
            return;
        }
        finished = true;
        if (consume && dataPfn != Pfn.NULL_PFN)
        {
            // Taken from the stream (its entry zeroed) but not read to its end: the kernel's
            // pkram_finish_access frees the current data page.
            pkram.freePage(dataPfn, 0);
            dataPfn = Pfn.NULL_PFN;
        }
        node.objFinished(this, folios.cursorLink(), folios.cursorIdx());
    }

    /**
     * Same as {@link #finish()}.
     */
    @Override
    public void close()
    {
        finish();
    }

    private void checkOpen()
    {
        if (finished)
        {
            throw new IllegalStateException("object load is finished");
        }
        node.checkOpen();
    }
}
