package org.pkram;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.bytes.BytesMarshallable;
import org.agrona.DirectBuffer;
import org.agrona.collections.LongArrayList;
import org.agrona.concurrent.UnsafeBuffer;
import org.pkram.image.LinkCursor;
import org.pkram.image.RecordFraming;
import org.pkram.layout.ObjDescriptor;
import org.pkram.layout.Pfn;

import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.EnumSet;
import java.util.Objects;
import java.util.function.LongFunction;

/**
 * An object being saved: its folio stream ({@code pkram_save_folio}) and byte stream
 * ({@code pkram_write}). Emulates {@code struct pkram_obj} with the two {@code PKRAM_ACCESS} handles.
 * <p>
 * Folios from pkram memory are saved by reference (no copy). Data elsewhere (a heap array, a
 * {@link ByteBuffer}, any {@link DirectBuffer}) or a folio in a banned range is copied into fresh
 * order-0 pages with consecutive indices, the kernel's relocation path.
 * <p>
 * One thread at a time. {@link #finish()} ({@code pkram_finish_save_obj}) or {@link #close()} ends it.
 */
public final class ObjSave implements AutoCloseable
{
    /**
     * Where an object save is in its lifecycle.
     */
    public enum State
    {
        /** Folios and bytes may be added. */
        OPEN,
        /** Ended by {@link #finish()}, {@link #close()}, the next object or the node's finish. */
        FINISHED
    }

    private final Pkram pkram;
    private final NodeSave node;
    private final UnsafeBuffer obj;
    private final EnumSet<DataKind> kinds;
    private final StreamWriter folios;
    private final StreamWriter bytes;
    private final UnsafeBuffer dataPage = new UnsafeBuffer(0, 0);
    /** Re-pointed at each heap array written: one copy loop for every source, and no allocation. */
    private final UnsafeBuffer heapView = new UnsafeBuffer(0, 0);
    private boolean hasDataPage;
    private int dataOffset = Pfn.PAGE_SIZE;
    private long dataLen;
    private State state = State.OPEN;
    /** Made at the first {@link #shareFrom}. */
    private StreamCarry carry;
    private Bytes<?> recordScratch;
    private Bytes<?> recordPrefix;
    private OutputStream outputStream;
    private final byte[] oneByte = new byte[1];

    ObjSave(final Pkram pkram, final NodeSave node, final UnsafeBuffer obj, final EnumSet<DataKind> kinds)
    {
        this.pkram = pkram;
        this.node = node;
        this.obj = obj;
        this.kinds = kinds;
        this.folios = kinds.contains(DataKind.FOLIOS) ? new StreamWriter(pkram, obj,
            ObjDescriptor.FOLIOS_HEAD_LINK_PFN_OFFSET, ObjDescriptor.FOLIOS_TAIL_LINK_PFN_OFFSET, true) : null;
        this.bytes = kinds.contains(DataKind.BYTES) ? new StreamWriter(pkram, obj,
            ObjDescriptor.BYTES_HEAD_LINK_PFN_OFFSET, ObjDescriptor.BYTES_TAIL_LINK_PFN_OFFSET, false) : null;
    }

    /**
     * Save a folio by reference at mapping {@code index} ({@code pkram_save_folio}). It then belongs to
     * the node; the caller may keep using its view until the node is discarded or loaded. A folio in a
     * banned range is copied instead, and stays the caller's. In a new version of a node
     * ({@link Pkram#prepareReplace(String)}), a folio of the version it replaces (from a live handle) is shared
     * by reference, at most once.
     * <p>
     * Errors: ENOMEM no page for a link (or for the copies).
     *
     * @param folio a folio from {@link Pkram#allocFolio(int)} or a finished load, owned by the caller; or, in
     *              a replace, a folio of the version being replaced.
     * @param index its mapping index (page offset in the file it belongs to).
     * @throws IllegalStateException when the object has no folio stream, the folio is not the caller's, or a
     *                               shared folio is saved twice into the same new version.
     */
    public void saveFolio(final Folio folio, final long index)
    {
        checkFolios();
        if (folio.pkram() != pkram)
        {
            throw new IllegalArgumentException("folio belongs to another pkram instance: " + folio);
        }
        if (folio.state() == Folio.State.SAVED && node.shares(folio))
        {
            checkIndex(index, folio.pageCount());
            node.share(folio.pfn(), folio);
            folios.append(folio.pfn(), folio.order(), index);
            return;
        }
        checkOwned(folio);
        checkIndex(index, folio.pageCount());
        if (pkram.pages().isBanned(folio.pfn(), folio.order()))
        {
            copyIn(pkram.mem().folio(folio.pfn(), folio.order()), 0, folio.byteLength(), index);
            return;
        }
        folios.append(folio.pfn(), folio.order(), index);
        folio.saved(node.record());
    }

    /**
     * A folio of the caller's saved by reference into this node, its entry written by the caller
     * ({@link StreamCarry}): the checks and the hand-over of {@link #saveFolio(Folio, long)} for such a folio.
     */
    void takeOwned(final Folio folio)
    {
        checkOwned(folio);
        folio.saved(node.record());
    }

    /**
     * @return true when {@code folio} belongs to this save's instance.
     */
    boolean ownsSameInstance(final Folio folio)
    {
        return folio.pkram() == pkram;
    }

    private static void checkOwned(final Folio folio)
    {
        if (folio.state() != Folio.State.OWNED)
        {
            throw new IllegalStateException("folio is not the caller's to save: " + folio +
                (folio.state() == Folio.State.SAVED ? " (a saved folio can be saved again only into a new version " +
                "of its own node, by prepareReplace)" : ""));
        }
        if (folio.pendingLoad != null && !folio.pendingLoad.isFinished())
        {
            throw new IllegalStateException("folio comes from a load that has not finished" +
                (folio.pendingLoad.isAborted() ? " (it was aborted: the folio is its node's again)" :
                "; finish it first") + ": " + folio);
        }
    }

    /**
     * Carry an object's folio stream into this new version of its node in one pass: every folio of {@code old}
     * (an object of a live handle on the version being replaced, from where it stands) is shared by reference,
     * at its own index, except those {@code changes} gives a replacement for (copy on write: a folio of the
     * caller's, saved instead). The checkpoint of a large state that changed in a few pages, with no object and no
     * check per unchanged folio: a link whose changes are fresh folios of the order they replace is copied whole and
     * patched ({@link StreamCarry}).
     * <p>
     * When {@code changes} throws, or a folio is refused, the entries before that index are in the new version and
     * the rest are not, as after a walk folio by folio; the folios {@code changes} gave for the refused link and not
     * saved stay the caller's.
     *
     * @param old     an object of a live handle of the version being replaced; its folio stream is consumed by
     *                the walk (as by {@link ObjLoad#loadFolio()}).
     * @param changes for an index, the folio to save in place of the old one there, or null to share the old one.
     * @return the folios shared.
     * @throws IllegalStateException {@code old} is not of the version being replaced, or a folio is shared twice.
     */
    public long shareFrom(final ObjLoad old, final LongFunction<Folio> changes)
    {
        checkFolios();
        if (!node.sharesFrom(old))
        {
            throw new IllegalStateException("folios can be carried only into a new version of their own node, from a " +
                "live handle of the version being replaced (prepareReplace)");
        }
        final LinkCursor entries = old.folioEntries();
        // A stream carried from its first entry to its last is, entry for entry, shared or replaced: the finish then
        // frees the replaced ones from this list and need not read the old stream again.
        final boolean whole = !entries.isStarted();
        final LongArrayList replaced = whole ? new LongArrayList() : null;
        if (carry == null)
        {
            carry = new StreamCarry(this, node, folios, pkram.pages());
        }
        final long shared = carry.carry(entries, changes, replaced);
        if (whole)
        {
            node.carriedWhole(old.objPfn(), replaced);
        }
        return shared;
    }

    /**
     * Share the folio a cursor is on into this new version of its node, by reference, with no {@link Folio} object:
     * the checkpoint of a large, mostly unchanged state ({@link Pkram#prepareReplace(String)}) in constant memory.
     * The cursor must come from a live handle ({@link Pkram#openLive(String)}) of the version this save replaces;
     * each folio is shared at most once. Once the replace finishes, the folio is the new version's.
     *
     * @param cursor a cursor on a folio of the version being replaced.
     * @param index  its mapping index in the new version.
     * @throws IllegalStateException the cursor is not on such a folio, or the folio is shared already.
     */
    public void saveFolio(final FolioCursor cursor, final long index)
    {
        checkFolios();
        if (!node.sharesFrom(cursor))
        {
            throw new IllegalStateException("a cursor's folio can be saved only into a new version of its own node, " +
                "from a live handle of the version being replaced (prepareReplace): " + cursor);
        }
        final long pfn = cursor.pfn();
        final int order = cursor.order();
        checkIndex(index, Pfn.pageCount(order));
        node.share(pfn, null);
        folios.append(pfn, order, index);
    }

    /**
     * Save data that does not live in pkram memory: copied into fresh order-0 pages at indices
     * {@code index, index + 1, ...}; the last page is zero-filled.
     *
     * @param src    the data.
     * @param offset first byte in {@code src}.
     * @param length bytes to save (0 saves nothing).
     * @param index  mapping index of the first page.
     */
    public void saveFolio(final DirectBuffer src, final int offset, final int length, final long index)
    {
        checkFolios();
        Objects.checkFromIndexSize(offset, length, src.capacity());
        checkIndex(index, (length + Pfn.PAGE_SIZE - 1) >>> Pfn.PAGE_SHIFT);
        copyIn(src, offset, length, index);
    }

    /**
     * Save a heap array's bytes as folios (copied), as {@link #saveFolio(DirectBuffer, int, int, long)}.
     *
     * @param src   the data.
     * @param index mapping index of the first page.
     */
    public void saveFolio(final byte[] src, final long index)
    {
        saveFolio(new UnsafeBuffer(src), 0, src.length, index);
    }

    /**
     * Save a {@link ByteBuffer}'s remaining bytes as folios (copied); its position is not moved.
     *
     * @param src   the data.
     * @param index mapping index of the first page.
     */
    public void saveFolio(final ByteBuffer src, final long index)
    {
        saveFolio(new UnsafeBuffer(src, src.position(), src.remaining()), 0, src.remaining(), index);
    }

    private void copyIn(final DirectBuffer src, final int offset, final int length, final long index)
    {
        final UnsafeBuffer page = new UnsafeBuffer(0, 0);
        int done = 0;
        long pageIndex = index;
        while (done < length)
        {
            final int chunk = Math.min(Pfn.PAGE_SIZE, length - done);
            final long pfn = pkram.pages().allocData();
            pkram.mem().wrap(page, pfn, 0);
            page.putBytes(0, src, offset + done, chunk);
            if (chunk < Pfn.PAGE_SIZE)
            {
                page.setMemory(chunk, Pfn.PAGE_SIZE - chunk, (byte)0);
            }
            folios.append(pfn, 0, pageIndex++);
            done += chunk;
        }
    }

    /**
     * Append bytes to the byte stream ({@code pkram_write}); {@code data_len} grows by {@code length}.
     * <p>
     * Errors: ENOMEM no data or link page (the bytes copied before the failure stay counted, as in the
     * kernel; the node can still be discarded and every page comes back).
     *
     * @param src    the bytes.
     * @param offset first byte.
     * @param length bytes to write.
     */
    public void write(final byte[] src, final int offset, final int length)
    {
        Objects.checkFromIndexSize(offset, length, src.length);
        heapView.wrap(src);
        write(heapView, offset, length);
    }

    /**
     * Append bytes from any Agrona buffer (zero-copy source, one copy into the stream).
     *
     * @param src    the bytes.
     * @param offset first byte.
     * @param length bytes to write.
     */
    public void write(final DirectBuffer src, final int offset, final int length)
    {
        checkBytes();
        Objects.checkFromIndexSize(offset, length, src.capacity());
        int done = 0;
        while (done < length)
        {
            final int chunk = nextChunk(length - done);
            dataPage.putBytes(dataOffset, src, offset + done, chunk);
            advance(chunk);
            done += chunk;
        }
    }

    /**
     * Append a {@link ByteBuffer}'s remaining bytes; its position moves to its limit.
     *
     * @param src the bytes.
     */
    public void write(final ByteBuffer src)
    {
        final int length = src.remaining();
        write(new UnsafeBuffer(src, src.position(), length), 0, length);
        src.position(src.limit());
    }

    /**
     * Append a Chronicle {@link Bytes}' readable bytes; its read position moves to its limit.
     *
     * @param src the bytes.
     */
    public void write(final Bytes<?> src)
    {
        final int length = Math.toIntExact(src.readRemaining());
        final byte[] copy = new byte[length];
        src.read(copy);
        write(copy, 0, length);
    }

    /**
     * Append one structured record: a stop-bit length, then the object's
     * {@link BytesMarshallable#writeMarshallable} bytes (Chronicle Bytes' binary codec: stop-bit numbers,
     * UTF-8 strings). Read it back with {@link ObjLoad#readRecord(BytesMarshallable)}.
     *
     * @param record the object to write.
     */
    public void writeRecord(final BytesMarshallable record)
    {
        checkBytes();
        if (recordScratch == null)
        {
            recordScratch = Bytes.allocateElasticOnHeap(256);
            recordPrefix = Bytes.allocateElasticOnHeap(RecordFraming.MAX_PREFIX_LENGTH);
        }
        RecordFraming.frame(record, recordScratch, recordPrefix);
        write(recordPrefix);
        write(recordScratch);
    }

    /**
     * @return an {@link OutputStream} over the byte stream, so any Java codec can target it (closing the
     *         stream does not finish the object).
     */
    public OutputStream outputStream()
    {
        checkBytes();
        if (outputStream == null)
        {
            outputStream = new OutputStream()
            {
                @Override
                public void write(final int b)
                {
                    oneByte[0] = (byte)b;
                    ObjSave.this.write(oneByte, 0, 1);
                }

                @Override
                public void write(final byte[] b, final int off, final int len)
                {
                    ObjSave.this.write(b, off, len);
                }
            };
        }
        return outputStream;
    }

    /**
     * @return where the handle is in its lifecycle.
     */
    public State state()
    {
        return state;
    }

    /**
     * @return bytes written to the byte stream so far ({@code data_len}).
     */
    public long dataLength()
    {
        return dataLen;
    }

    private int nextChunk(final int wanted)
    {
        if (dataOffset == Pfn.PAGE_SIZE)
        {
            final long pfn = pkram.pages().allocData();
            // The entry goes in before the copy, so a page is never lost to the node if a later step fails.
            bytes.append(pfn, 0, 0);
            pkram.mem().wrap(dataPage, pfn, 0);
            hasDataPage = true;
            dataOffset = 0;
        }
        return Math.min(wanted, Pfn.PAGE_SIZE - dataOffset);
    }

    private void advance(final int chunk)
    {
        dataOffset += chunk;
        dataLen += chunk;
        ObjDescriptor.dataLen(obj, dataLen);
    }

    /**
     * End the object ({@code pkram_finish_save_obj}): zero the unused tail of the last data page, so no
     * stale bytes of an earlier owner are preserved. Idempotent.
     */
    public void finish()
    {
        if (state == State.FINISHED)
        {
            return;
        }
        state = State.FINISHED;
        if (hasDataPage && dataOffset < Pfn.PAGE_SIZE)
        {
            dataPage.setMemory(dataOffset, Pfn.PAGE_SIZE - dataOffset, (byte)0);
        }
        node.objFinished(this);
    }

    /**
     * Same as {@link #finish()}.
     */
    @Override
    public void close()
    {
        finish();
    }

    private void checkFolios()
    {
        checkOpen();
        if (folios == null)
        {
            throw new IllegalStateException("object was prepared without a folio stream: kinds=" + kinds);
        }
    }

    private void checkBytes()
    {
        checkOpen();
        if (bytes == null)
        {
            throw new IllegalStateException("object was prepared without a byte stream: kinds=" + kinds);
        }
    }

    private void checkOpen()
    {
        if (state == State.FINISHED)
        {
            throw new IllegalStateException("object save is finished");
        }
        node.checkOpen();
    }

    private static void checkIndex(final long index, final long pages)
    {
        if (index < 0 || index + pages < index)
        {
            throw new IllegalArgumentException("mapping index out of range: index=" + index);
        }
    }
}
