package org.pkram.layout;

import java.nio.ByteOrder;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Emulates struct pkram_obj (mm/pkram.c, v3). Occupies one page.
 * <p>
 * An object holds closely coupled data, such as the folios and the attributes of one file: a
 * folio stream and a byte stream, each a FIFO list of link pages from head to tail, and the link
 * to the next object of the same node. A stream with no links has head and tail 0. The rest of
 * the page after {@link #LENGTH} is zero.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                      Folios Head Link PFN                     |   0
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                      Folios Tail Link PFN                     |   8
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                      Bytes Head Link PFN                      |  16
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                      Bytes Tail Link PFN                      |  24
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                      Data Length (bytes)                      |  32
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                     Obj PFN (next object)                     |  40
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                      Zero to end of page                    ...  48
 * ...                                                              |
 *  +---------------------------------------------------------------+
 * </pre>
 * v2 named the first two fields {@code pages_head_link_pfn} and {@code pages_tail_link_pfn}, at
 * the same offsets; v1's 40-byte object is a different layout and is not supported.
 * <p>
 * The accessors index a buffer that views exactly this page (index 0 = the page's first byte), and
 * are all little-endian.
 */
public final class ObjDescriptor
{
    /** Offset of {@code __u64 folios_head_link_pfn}: the first link of the folio stream (0 = empty). */
    public static final int FOLIOS_HEAD_LINK_PFN_OFFSET = 0;

    /** Offset of {@code __u64 folios_tail_link_pfn}: the last link of the folio stream (0 = empty). */
    public static final int FOLIOS_TAIL_LINK_PFN_OFFSET = FOLIOS_HEAD_LINK_PFN_OFFSET + Long.BYTES;

    /** Offset of {@code __u64 bytes_head_link_pfn}: the first link of the byte stream (0 = empty). */
    public static final int BYTES_HEAD_LINK_PFN_OFFSET = FOLIOS_TAIL_LINK_PFN_OFFSET + Long.BYTES;

    /** Offset of {@code __u64 bytes_tail_link_pfn}: the last link of the byte stream (0 = empty). */
    public static final int BYTES_TAIL_LINK_PFN_OFFSET = BYTES_HEAD_LINK_PFN_OFFSET + Long.BYTES;

    /** Offset of {@code __u64 data_len}: the length in bytes of the byte stream. */
    public static final int DATA_LEN_OFFSET = BYTES_TAIL_LINK_PFN_OFFSET + Long.BYTES;

    /** Offset of {@code __u64 obj_pfn}: the next object of the same node (0 = last). */
    public static final int OBJ_PFN_OFFSET = DATA_LEN_OFFSET + Long.BYTES;

    /** {@code sizeof(struct pkram_obj)} in v3. */
    public static final int LENGTH = OBJ_PFN_OFFSET + Long.BYTES;

    private ObjDescriptor()
    {
    }

    /**
     * Reads {@code folios_head_link_pfn}.
     *
     * @param page a view of the obj page.
     * @return the pfn of the first link of the folio stream, 0 when empty.
     */
    public static long foliosHeadLinkPfn(final DirectBuffer page)
    {
        return page.getLong(FOLIOS_HEAD_LINK_PFN_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Writes {@code folios_head_link_pfn}.
     *
     * @param page a view of the obj page.
     * @param pfn  the pfn of the first link of the folio stream, 0 when empty.
     */
    public static void foliosHeadLinkPfn(final MutableDirectBuffer page, final long pfn)
    {
        page.putLong(FOLIOS_HEAD_LINK_PFN_OFFSET, pfn, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Reads {@code folios_tail_link_pfn}.
     *
     * @param page a view of the obj page.
     * @return the pfn of the last link of the folio stream, 0 when empty.
     */
    public static long foliosTailLinkPfn(final DirectBuffer page)
    {
        return page.getLong(FOLIOS_TAIL_LINK_PFN_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Writes {@code folios_tail_link_pfn}.
     *
     * @param page a view of the obj page.
     * @param pfn  the pfn of the last link of the folio stream, 0 when empty.
     */
    public static void foliosTailLinkPfn(final MutableDirectBuffer page, final long pfn)
    {
        page.putLong(FOLIOS_TAIL_LINK_PFN_OFFSET, pfn, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Reads {@code bytes_head_link_pfn}.
     *
     * @param page a view of the obj page.
     * @return the pfn of the first link of the byte stream, 0 when empty.
     */
    public static long bytesHeadLinkPfn(final DirectBuffer page)
    {
        return page.getLong(BYTES_HEAD_LINK_PFN_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Writes {@code bytes_head_link_pfn}.
     *
     * @param page a view of the obj page.
     * @param pfn  the pfn of the first link of the byte stream, 0 when empty.
     */
    public static void bytesHeadLinkPfn(final MutableDirectBuffer page, final long pfn)
    {
        page.putLong(BYTES_HEAD_LINK_PFN_OFFSET, pfn, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Reads {@code bytes_tail_link_pfn}.
     *
     * @param page a view of the obj page.
     * @return the pfn of the last link of the byte stream, 0 when empty.
     */
    public static long bytesTailLinkPfn(final DirectBuffer page)
    {
        return page.getLong(BYTES_TAIL_LINK_PFN_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Writes {@code bytes_tail_link_pfn}.
     *
     * @param page a view of the obj page.
     * @param pfn  the pfn of the last link of the byte stream, 0 when empty.
     */
    public static void bytesTailLinkPfn(final MutableDirectBuffer page, final long pfn)
    {
        page.putLong(BYTES_TAIL_LINK_PFN_OFFSET, pfn, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Reads {@code data_len}.
     *
     * @param page a view of the obj page.
     * @return the length in bytes of the byte stream.
     */
    public static long dataLen(final DirectBuffer page)
    {
        return page.getLong(DATA_LEN_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Writes {@code data_len}.
     *
     * @param page   a view of the obj page.
     * @param length the length in bytes of the byte stream.
     */
    public static void dataLen(final MutableDirectBuffer page, final long length)
    {
        page.putLong(DATA_LEN_OFFSET, length, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Reads {@code obj_pfn}.
     *
     * @param page a view of the obj page.
     * @return the pfn of the next object of the same node, 0 when last.
     */
    public static long objPfn(final DirectBuffer page)
    {
        return page.getLong(OBJ_PFN_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Writes {@code obj_pfn}.
     *
     * @param page a view of the obj page.
     * @param pfn  the pfn of the next object of the same node, 0 when last.
     */
    public static void objPfn(final MutableDirectBuffer page, final long pfn)
    {
        page.putLong(OBJ_PFN_OFFSET, pfn, ByteOrder.LITTLE_ENDIAN);
    }
}
