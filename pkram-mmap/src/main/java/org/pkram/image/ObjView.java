package org.pkram.image;

import org.agrona.DirectBuffer;
import org.pkram.layout.ObjDescriptor;
import org.pkram.mem.PhysMem;

/**
 * An object read in place, consuming nothing: its folio stream through a {@link LinkCursor}, its byte
 * stream through a {@link ByteStreamReader}. A view of {@code struct pkram_obj}.
 */
public final class ObjView
{
    private final PhysMem mem;
    private final long pfn;
    private final DirectBuffer obj;

    /**
     * @param mem the mapping.
     * @param pfn the obj page.
     */
    public ObjView(final PhysMem mem, final long pfn)
    {
        this.mem = mem;
        this.pfn = pfn;
        this.obj = mem.page(pfn);
    }

    /**
     * @return the obj page's pfn.
     */
    public long pfn()
    {
        return pfn;
    }

    /**
     * @return {@code data_len}: bytes in the byte stream.
     */
    public long dataLength()
    {
        return ObjDescriptor.dataLen(obj);
    }

    /**
     * @return the next (older) object of the node, 0 for none.
     */
    public long nextObjPfn()
    {
        return ObjDescriptor.objPfn(obj);
    }

    /**
     * @return a cursor over the folio stream, from its first entry.
     */
    public LinkCursor folios()
    {
        return new LinkCursor(mem).reset(ObjDescriptor.foliosHeadLinkPfn(obj));
    }

    /**
     * @return a reader over the byte stream, from its first byte.
     */
    public ByteStreamReader bytes()
    {
        return new ByteStreamReader(mem).reset(ObjDescriptor.bytesHeadLinkPfn(obj), dataLength());
    }

    /**
     * @return the folio stream's shape.
     */
    public StreamSummary folioSummary()
    {
        return StreamSummary.of(new LinkCursor(mem), ObjDescriptor.foliosHeadLinkPfn(obj),
            ObjDescriptor.foliosTailLinkPfn(obj));
    }

    /**
     * @return the byte stream's shape.
     */
    public StreamSummary byteSummary()
    {
        return StreamSummary.of(new LinkCursor(mem), ObjDescriptor.bytesHeadLinkPfn(obj),
            ObjDescriptor.bytesTailLinkPfn(obj));
    }

    @Override
    public String toString()
    {
        return "ObjView{pfn=0x" + Long.toHexString(pfn) + ", dataLen=" + dataLength() + "}";
    }
}
