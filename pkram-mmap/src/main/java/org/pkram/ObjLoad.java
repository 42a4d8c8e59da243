package org.pkram;

import net.openhft.chronicle.bytes.BytesMarshallable;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.pkram.image.ByteStreamReader;
import org.pkram.image.LinkCursor;
import org.pkram.layout.ObjDescriptor;

import java.io.InputStream;
import java.nio.ByteBuffer;

/**
 * An object being loaded: {@link #loadFolio()} hands each folio back in place (zero copy) with its
 * mapping index, {@link #read(byte[], int, int)} copies the byte stream out. Emulates
 * {@code pkram_load_folio} and {@code pkram_read} with the two {@code PKRAM_ACCESS} handles, over the
 * image's one read path ({@link LinkCursor}, {@link ByteStreamReader}).
 * <p>
 * End of data is a return value: {@code loadFolio()} returns null and {@code read} returns -1 (the
 * kernel's NULL / 0). One thread at a time; {@link #finish()} ({@code pkram_finish_load_obj}) or
 * {@link #close()} ends it.
 */
public final class ObjLoad implements AutoCloseable
{
    /**
     * Where an object load is in its lifecycle.
     */
    public enum State
    {
        /** Folios and bytes may be taken. */
        OPEN,
        /** Ended by {@link #finish()}, {@link #close()}, the next object or the node's finish. */
        FINISHED
    }

    private final Pkram pkram;
    private final NodeLoad node;
    private final long objPfn;
    private final long foliosHead;
    private final LinkCursor folios;
    private final ByteStreamReader bytes;
    private State state = State.OPEN;
    private InputStream inputStream;
    private FolioCursor cursor;

    ObjLoad(final Pkram pkram, final NodeLoad node, final long objPfn, final UnsafeBuffer obj)
    {
        this.pkram = pkram;
        this.node = node;
        this.objPfn = objPfn;
        this.foliosHead = ObjDescriptor.foliosHeadLinkPfn(obj);
        this.folios = new LinkCursor(pkram.mem()).reset(foliosHead);
        this.bytes = new ByteStreamReader(pkram.mem()).reset(ObjDescriptor.bytesHeadLinkPfn(obj),
            ObjDescriptor.dataLen(obj));
    }

    /**
     * Take the next folio, in place: no byte is copied. From a load it belongs to the caller once the load
     * finishes (free it with {@link Pkram#freeFolio(Folio)}, or save it again); from a live handle it stays the
     * node's, may be written in place, and may be saved into a new version of the node
     * ({@link Pkram#prepareReplace(String)}).
     * <p>
     * Errors: EUCLEAN the stream's links are damaged; ENODEV the instance was closed or sealed.
     *
     * @return the folio, with its mapping index, or null at the end of the folio stream.
     * @throws IllegalStateException the object or the load is finished (a caller's programming error).
     */
    public Folio loadFolio()
    {
        checkOpen();
        if (!folios.next())
        {
            return null;
        }
        return node.folio(folios.pfn(), folios.order(), folios.index());
    }

    /**
     * @return the cursor over this object's folios: no object per folio (see {@link FolioCursor}); it moves
     *         through the same stream as {@link #loadFolio()}.
     */
    public FolioCursor folioCursor()
    {
        checkOpen();
        if (cursor == null)
        {
            cursor = new FolioCursor(pkram, this, folios);
        }
        return cursor;
    }

    Folio folioAt(final long pfn, final int order, final long index)
    {
        checkOpen();
        return node.folio(pfn, order, index);
    }

    FolioViewSet viewSet()
    {
        return node.viewSet();
    }

    NodeRecord liveRecord()
    {
        return node.liveRecord();
    }

    /**
     * @return the folio stream's cursor, for a walk that shares its entries into a new version.
     */
    LinkCursor folioEntries()
    {
        checkOpen();
        return folios;
    }


    /**
     * Copy up to {@code length} bytes of the byte stream into {@code dst}.
     * <p>
     * Errors: EUCLEAN the stream has fewer pages than its {@code data_len}; ENODEV closed or sealed.
     *
     * @param dst    destination.
     * @param offset first byte to fill.
     * @param length most bytes to copy.
     * @return bytes copied, or -1 at the end of the stream ({@code length == 0} returns 0).
     */
    public int read(final byte[] dst, final int offset, final int length)
    {
        checkOpen();
        return bytes.read(dst, offset, length);
    }

    /**
     * Copy up to {@code length} bytes of the byte stream into an Agrona buffer. Errors as
     * {@link #read(byte[], int, int)}.
     *
     * @param dst    destination.
     * @param offset first byte to fill.
     * @param length most bytes to copy.
     * @return bytes copied, or -1 at the end of the stream.
     */
    public int read(final MutableDirectBuffer dst, final int offset, final int length)
    {
        checkOpen();
        return bytes.read(dst, offset, length);
    }

    /**
     * Copy the byte stream into a {@link ByteBuffer}, up to its remaining space; its position moves past the
     * bytes copied. Errors as {@link #read(byte[], int, int)}.
     *
     * @param dst destination.
     * @return bytes copied, or -1 at the end of the stream.
     */
    public int read(final ByteBuffer dst)
    {
        checkOpen();
        final int n = bytes.read(new UnsafeBuffer(dst, dst.position(), dst.remaining()), 0, dst.remaining());
        if (n > 0)
        {
            dst.position(dst.position() + n);
        }
        return n;
    }

    /**
     * Read one record written by {@link ObjSave#writeRecord(BytesMarshallable)} into {@code into}.
     * <p>
     * Errors: ENODATA the stream ends inside the record; EINVAL its bytes do not decode as {@code into}.
     *
     * @param into the object to fill ({@link BytesMarshallable#readMarshallable}).
     * @param <T>  its type.
     * @return {@code into}, or null at the end of the byte stream.
     */
    public <T extends BytesMarshallable> T readRecord(final T into)
    {
        checkOpen();
        return bytes.readRecord(into);
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
                    checkOpen();
                    return bytes.read();
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
        return bytes.dataLength();
    }

    /**
     * @return bytes of the byte stream not read yet.
     */
    public long remaining()
    {
        return bytes.remaining();
    }

    /**
     * @return where the handle is in its lifecycle.
     */
    public State state()
    {
        return state;
    }

    long objPfn()
    {
        return objPfn;
    }

    /**
     * End the object ({@code pkram_finish_load_obj}): what was not loaded is freed when the node load
     * finishes. Idempotent.
     */
    public void finish()
    {
        if (state == State.FINISHED)
        {
            return;
        }
        state = State.FINISHED;
        bytes.finish();
        node.objFinished(this, folios.resumeLinkPfn(foliosHead), folios.resumeSlot());
    }

    /**
     * Same as {@link #finish()}.
     */
    @Override
    public void close()
    {
        finish();
    }

    void checkOpen()
    {
        checkHandle();
        node.checkBooted();
    }

    /**
     * {@link #checkOpen()} without the instance's state: only what the handle's own thread changes (this object
     * and its handle finished, the node replaced), for a check on every folio of a walk.
     */
    void checkHandle()
    {
        if (state == State.FINISHED)
        {
            throw new IllegalStateException("object load is finished");
        }
        node.checkHandle();
    }
}
