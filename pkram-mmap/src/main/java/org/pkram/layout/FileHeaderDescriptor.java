package org.pkram.layout;

import java.nio.ByteOrder;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.AtomicBuffer;

/**
 * The memory file's own header, in page 0. pkram only: it emulates no kernel struct. Occupies one
 * page.
 * <p>
 * Page 0 is free for it: PKRAM cannot describe physical page 0 at order 0 (its entry would be 0,
 * "empty"), a pfn of 0 means "none", and so pkram never hands out pfn 0. The header says the
 * file is a pkram memory file, which format and page size it was laid out for, and how large it
 * was made, so a boot can refuse a foreign, newer or truncated file before following any pfn.
 * The rest of the page after {@link #LENGTH} is zero.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                     File Magic "PKRAMMEM"                     |   0
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                         Format Version                        |   8
 *  +---------------------------------------------------------------+
 *  |                           Page Size                           |  12
 *  +---------------------------------------------------------------+
 *  |                       File Size (bytes)                       |  16
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                  Created (ms since the epoch)                 |  24
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                  Current Super Block PFN                      |  32
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                      Zero to end of page                    ...  40
 * ...                                                              |
 *  +---------------------------------------------------------------+
 * </pre>
 * Commit order: format writes every other field first and {@link #magicRelease(AtomicBuffer, long)}
 * last, so a file whose format was interrupted has no magic and is not taken for a memory file.
 * The release store writes in the platform's byte order; see
 * {@link SuperBlockDescriptor#nativeOrderIsLittleEndian()}. Every other accessor is explicitly
 * little-endian.
 * <p>
 * The accessors index a buffer that views exactly page 0 (index 0 = the file's first byte).
 */
public final class FileHeaderDescriptor
{
    /** Offset of the u64 file magic, {@link #FILE_MAGIC} once the file is formatted. */
    public static final int MAGIC_OFFSET = 0;

    /** Offset of the u32 format version, {@link #FORMAT_VERSION}. */
    public static final int FORMAT_VERSION_OFFSET = MAGIC_OFFSET + Long.BYTES;

    /** Offset of the u32 page size in bytes the file is laid out for, {@link Pfn#PAGE_SIZE}. */
    public static final int PAGE_SIZE_OFFSET = FORMAT_VERSION_OFFSET + Integer.BYTES;

    /** Offset of the u64 size in bytes the file was formatted to. */
    public static final int FILE_SIZE_OFFSET = PAGE_SIZE_OFFSET + Integer.BYTES;

    /** Offset of the u64 time of formatting, milliseconds since the Unix epoch. */
    public static final int CREATED_MILLIS_OFFSET = FILE_SIZE_OFFSET + Long.BYTES;

    /**
     * Offset of the current super block pfn (u64): the only super block this file may be booted from,
     * 0 while none is (a fresh boot sets it to 0 before handing out any page, so a stale super block
     * elsewhere in the file can never be replayed over pages reused since).
     */
    public static final int SUPER_BLOCK_PFN_OFFSET = CREATED_MILLIS_OFFSET + Long.BYTES;

    /** Bytes used in page 0; everything after is zero. */
    public static final int LENGTH = SUPER_BLOCK_PFN_OFFSET + Long.BYTES;

    /**
     * The 8 ASCII bytes "PKRAMMEM" ({@code 50 4B 52 41 4D 4D 45 4D}) read as a little-endian long,
     * so a hex dump of the file starts with the readable name.
     */
    public static final long FILE_MAGIC = 0x4D454D4D41524B50L;

    /** The format version, the same number as the super block's {@link SuperBlockDescriptor#FORMAT_VERSION}. */
    public static final int FORMAT_VERSION = SuperBlockDescriptor.FORMAT_VERSION;

    private FileHeaderDescriptor()
    {
    }

    /**
     * Reads {@code magic}.
     *
     * @param page a view of page 0.
     * @return the file magic, {@link #FILE_MAGIC} when formatted.
     */
    public static long magic(final DirectBuffer page)
    {
        return page.getLong(MAGIC_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Plain store of the magic; use {@link #magicRelease(AtomicBuffer, long)} to commit.
     *
     * @param page  a view of page 0.
     * @param magic the value to store.
     */
    public static void magic(final MutableDirectBuffer page, final long magic)
    {
        page.putLong(MAGIC_OFFSET, magic, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Stores the magic with release semantics: the commit word of format, written after every other
     * field. Native byte order.
     *
     * @param page  a view of page 0.
     * @param magic {@link #FILE_MAGIC}.
     */
    public static void magicRelease(final AtomicBuffer page, final long magic)
    {
        page.putLongRelease(MAGIC_OFFSET, magic);
    }

    /**
     * Reads {@code format_version}.
     *
     * @param page a view of page 0.
     * @return the format version.
     */
    public static int formatVersion(final DirectBuffer page)
    {
        return page.getInt(FORMAT_VERSION_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Writes {@code format_version}.
     *
     * @param page    a view of page 0.
     * @param version the format version, {@link #FORMAT_VERSION}.
     */
    public static void formatVersion(final MutableDirectBuffer page, final int version)
    {
        page.putInt(FORMAT_VERSION_OFFSET, version, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Reads {@code page_size}.
     *
     * @param page a view of page 0.
     * @return the page size in bytes the file is laid out for.
     */
    public static int pageSize(final DirectBuffer page)
    {
        return page.getInt(PAGE_SIZE_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Writes {@code page_size}.
     *
     * @param page     a view of page 0.
     * @param pageSize the page size in bytes, {@link Pfn#PAGE_SIZE}.
     */
    public static void pageSize(final MutableDirectBuffer page, final int pageSize)
    {
        page.putInt(PAGE_SIZE_OFFSET, pageSize, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Reads {@code file_size}.
     *
     * @param page a view of page 0.
     * @return the size in bytes the file was formatted to.
     */
    public static long fileSize(final DirectBuffer page)
    {
        return page.getLong(FILE_SIZE_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Writes {@code file_size}.
     *
     * @param page   a view of page 0.
     * @param length the size in bytes the file was formatted to, a multiple of the page size.
     */
    public static void fileSize(final MutableDirectBuffer page, final long length)
    {
        page.putLong(FILE_SIZE_OFFSET, length, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Reads {@code created_millis}.
     *
     * @param page a view of page 0.
     * @return when the file was formatted, milliseconds since the Unix epoch.
     */
    public static long createdMillis(final DirectBuffer page)
    {
        return page.getLong(CREATED_MILLIS_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Writes {@code created_millis}.
     *
     * @param page   a view of page 0.
     * @param millis when the file was formatted, milliseconds since the Unix epoch.
     */
    public static void createdMillis(final MutableDirectBuffer page, final long millis)
    {
        page.putLong(CREATED_MILLIS_OFFSET, millis, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Reads the current super block pfn.
     *
     * @param page a view of page 0.
     * @return the pfn, 0 for none.
     */
    public static long superBlockPfn(final DirectBuffer page)
    {
        return page.getLong(SUPER_BLOCK_PFN_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Writes the current super block pfn with release semantics (platform must be little-endian).
     *
     * @param page a view of page 0.
     * @param pfn  the pfn, 0 for none.
     */
    public static void superBlockPfnRelease(final AtomicBuffer page, final long pfn)
    {
        page.putLongRelease(SUPER_BLOCK_PFN_OFFSET, pfn);
    }
}
