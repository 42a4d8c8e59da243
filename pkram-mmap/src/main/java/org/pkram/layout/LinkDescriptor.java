package org.pkram.layout;

import java.nio.ByteOrder;
import java.util.Objects;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Emulates struct pkram_link (mm/pkram.c, v3). Occupies one page.
 * <p>
 * A link is one page of a stream: the next link, the mapping index of its first entry, and as
 * many {@code pkram_entry_t} entries (see {@link EntryCodec}) as fill the page. In a folio stream
 * entry {@code i} has index {@code index + sum(1 << order(j)) for j < i}; a byte-stream link leaves
 * {@code index} 0 and its entries are order-0 data pages.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |               Link PFN (next link of the stream)              |   0
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                Index (mapping index of entry 0)               |   8
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |            Entry 0 (pkram_entry_t, see EntryCodec)            |  16
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                            Entry 1                            |  24
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |        Entries 2..509, zero when unused, to end of page     ...  32
 * ...                                                              |
 *  +---------------------------------------------------------------+
 * </pre>
 * Entries are used from 0 upwards; every entry after the last used one is 0 ("empty"), which is
 * how a reader finds the end of a link that is not full.
 * <p>
 * The accessors index a buffer that views exactly this page (index 0 = the page's first byte), and
 * are all little-endian.
 */
public final class LinkDescriptor
{
    /** Offset of {@code __u64 link_pfn}: the next link of the same stream (0 = last). */
    public static final int LINK_PFN_OFFSET = 0;

    /** Offset of {@code __u64 index}: the mapping index of entry 0 (folio streams only, else 0). */
    public static final int INDEX_OFFSET = LINK_PFN_OFFSET + Long.BYTES;

    /** Offset of {@code pkram_entry_t entry[]}: the entries, to the end of the page. */
    public static final int ENTRIES_OFFSET = INDEX_OFFSET + Long.BYTES;

    /** Bytes of one entry, {@code sizeof(pkram_entry_t)}. */
    public static final int ENTRY_LENGTH = Long.BYTES;

    /** {@code PKRAM_LINK_ENTRIES_MAX}: entries in one link page, (4096 - 16) / 8 = 510. */
    public static final int ENTRIES_MAX = entriesMax(Pfn.PAGE_SIZE);

    private LinkDescriptor()
    {
    }

    /**
     * {@code PKRAM_LINK_ENTRIES_MAX} for a page size, derived as the kernel derives it.
     *
     * @param pageSize bytes in a page.
     * @return the number of entries a link page of that size holds.
     */
    public static int entriesMax(final int pageSize)
    {
        return (pageSize - ENTRIES_OFFSET) / ENTRY_LENGTH;
    }

    /**
     * Locates an entry in the link page.
     *
     * @param i an entry number, {@code 0 <= i < ENTRIES_MAX}.
     * @return the byte offset of entry {@code i} in the link page.
     * @throws IndexOutOfBoundsException when {@code i} is outside the page.
     */
    public static int entryOffset(final int i)
    {
        return ENTRIES_OFFSET + Objects.checkIndex(i, ENTRIES_MAX) * ENTRY_LENGTH;
    }

    /**
     * Reads {@code link_pfn}.
     *
     * @param page a view of the link page.
     * @return the pfn of the next link of the stream, 0 when last.
     */
    public static long linkPfn(final DirectBuffer page)
    {
        return page.getLong(LINK_PFN_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Writes {@code link_pfn}.
     *
     * @param page a view of the link page.
     * @param pfn  the pfn of the next link of the stream, 0 when last.
     */
    public static void linkPfn(final MutableDirectBuffer page, final long pfn)
    {
        page.putLong(LINK_PFN_OFFSET, pfn, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Reads {@code index}.
     *
     * @param page a view of the link page.
     * @return the mapping index of entry 0.
     */
    public static long index(final DirectBuffer page)
    {
        return page.getLong(INDEX_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Writes {@code index}.
     *
     * @param page  a view of the link page.
     * @param index the mapping index of entry 0.
     */
    public static void index(final MutableDirectBuffer page, final long index)
    {
        page.putLong(INDEX_OFFSET, index, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Reads {@code entry[i]}.
     *
     * @param page a view of the link page.
     * @param i    an entry number, {@code 0 <= i < ENTRIES_MAX}.
     * @return entry {@code i}, 0 when empty; decode it with {@link EntryCodec}.
     * @throws IndexOutOfBoundsException when {@code i} is outside the page.
     */
    public static long entry(final DirectBuffer page, final int i)
    {
        return page.getLong(entryOffset(i), ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Writes {@code entry[i]}.
     *
     * @param page  a view of the link page.
     * @param i     an entry number, {@code 0 <= i < ENTRIES_MAX}.
     * @param entry the entry, built with {@link EntryCodec}; 0 to empty it.
     * @throws IndexOutOfBoundsException when {@code i} is outside the page.
     */
    public static void entry(final MutableDirectBuffer page, final int i, final long entry)
    {
        page.putLong(entryOffset(i), entry, ByteOrder.LITTLE_ENDIAN);
    }
}
