package org.pkram.layout;

import java.nio.ByteOrder;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.AtomicBuffer;

/**
 * Emulates struct pkram_super_block (mm/pkram.c, v3). Occupies one page.
 * <p>
 * The first {@link #KERNEL_LENGTH} bytes are the kernel struct, byte for byte: the page the next
 * "kernel" is told about with {@code pkram=<pfn>}, heading the node chain and the regions list.
 * pkram's own fields follow it, in bytes {@value #KERNEL_LENGTH} up to {@value #PKRAM_LENGTH} (exclusive),
 * which the kernel leaves zero, so an image stays readable by code compiled from the v3 struct and no kernel
 * field changes meaning. The rest of the page is zero.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                   Magic 0x706B726D ("pkrm")                   |   0
 *  +---------------------------------------------------------------+
 *  |                         Padding (zero)                        |   4
 *  +---------------------------------------------------------------+
 *  |               Node PFN (first node of the chain)              |   8
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |        Region List PFN (first page of the regions list)       |  16
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                       Number of Regions                       |  24
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                     pkram: Format Version                     |  32
 *  +---------------------------------------------------------------+
 *  |                          pkram: State                         |  36
 *  +---------------------------------------------------------------+
 *  |                    pkram: File Size (bytes)                   |  40
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                       pkram: Generation                       |  48
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                     pkram: Preserved Pages                    |  56
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                      Zero to end of page                    ...  64
 * ...                                                              |
 *  +---------------------------------------------------------------+
 * </pre>
 * Commit order: every other field first, {@link #magicRelease(AtomicBuffer, int)} last. The
 * release stores write in the platform's byte order, so they are only correct where
 * {@link #nativeOrderIsLittleEndian()} holds; every other accessor is explicitly little-endian.
 * <p>
 * The accessors index a buffer that views exactly this page (index 0 = the page's first byte).
 */
public final class SuperBlockDescriptor
{
    /** Offset of {@code __u32 magic}: {@link #PKRAM_MAGIC} when the super block is valid, else 0. */
    public static final int MAGIC_OFFSET = 0;

    /** Offset of the C padding between {@code magic} and {@code node_pfn}; always zero. */
    public static final int PAD0_OFFSET = MAGIC_OFFSET + Integer.BYTES;

    /** Offset of {@code __u64 node_pfn}: the first node of the committed node chain (0 = none). */
    public static final int NODE_PFN_OFFSET = PAD0_OFFSET + Integer.BYTES;

    /** Offset of {@code __u64 region_list_pfn}: the first page of the regions list, lowest addresses (0 = none). */
    public static final int REGION_LIST_PFN_OFFSET = NODE_PFN_OFFSET + Long.BYTES;

    /** Offset of {@code __u64 nr_regions}: the total number of regions in the regions list. */
    public static final int NR_REGIONS_OFFSET = REGION_LIST_PFN_OFFSET + Long.BYTES;

    /** {@code sizeof(struct pkram_super_block)}: where the kernel struct ends and pkram's fields begin. */
    public static final int KERNEL_LENGTH = NR_REGIONS_OFFSET + Long.BYTES;

    /** Offset of pkram's u32 format version, {@link #FORMAT_VERSION} in every super block pkram writes. */
    public static final int FORMAT_VERSION_OFFSET = KERNEL_LENGTH;

    /** Offset of pkram's u32 state: one of the {@code STATE_*} values. */
    public static final int STATE_OFFSET = FORMAT_VERSION_OFFSET + Integer.BYTES;

    /** Offset of pkram's u64 size in bytes of the memory file when the super block was written. */
    public static final int FILE_SIZE_OFFSET = STATE_OFFSET + Integer.BYTES;

    /** Offset of pkram's u64 boot generation, incremented by every boot. */
    public static final int GENERATION_OFFSET = FILE_SIZE_OFFSET + Long.BYTES;

    /** Offset of pkram's u64 count of pages covered by the regions list (0 when there is none). */
    public static final int PRESERVED_PAGES_OFFSET = GENERATION_OFFSET + Long.BYTES;

    /** Bytes used in the page, kernel struct plus pkram's fields; everything after is zero. */
    public static final int PKRAM_LENGTH = PRESERVED_PAGES_OFFSET + Long.BYTES;

    /**
     * {@code PKRAM_MAGIC}: "pkrm" read as a big-endian string; in memory, little-endian, the bytes
     * are {@code 6D 72 6B 70}.
     */
    public static final int PKRAM_MAGIC = 0x706B726D;

    /** The image format this code writes and reads; every layout change bumps it. */
    public static final int FORMAT_VERSION = 1;

    /** State of a page no one has written: all zero, nothing preserved. */
    public static final int STATE_NONE = 0;

    /** Written by an orderly reboot: the node chain and the regions list are complete and valid. */
    public static final int STATE_SEALED = 1;

    /**
     * Booted in crash-safe mode: the node chain is kept current at every commit, there is no
     * regions list, and a boot after a crash recovers the committed chain.
     */
    public static final int STATE_LIVE = 2;

    /**
     * Booted in kernel-faithful mode: the preserved state was taken over by that boot, so nothing may
     * be replayed until the next orderly reboot writes {@link #STATE_SEALED}.
     */
    public static final int STATE_CONSUMED = 3;

    private SuperBlockDescriptor()
    {
    }

    /**
     * The release stores ({@code ...Release}) write in the platform's byte order, because Agrona's
     * ordered puts have no byte-order parameter; the image is little-endian, so they are only correct
     * on a little-endian platform. Check this once before writing an image.
     *
     * @return true when the platform's native byte order is little-endian.
     */
    public static boolean nativeOrderIsLittleEndian()
    {
        return ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
    }

    /**
     * Reads {@code magic}.
     *
     * @param page a view of the super block page.
     * @return the magic, {@link #PKRAM_MAGIC} when valid.
     */
    public static int magic(final DirectBuffer page)
    {
        return page.getInt(MAGIC_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Plain store of the magic; use {@link #magicRelease(AtomicBuffer, int)} to commit.
     *
     * @param page  a view of the super block page.
     * @param magic the value to store.
     */
    public static void magic(final MutableDirectBuffer page, final int magic)
    {
        page.putInt(MAGIC_OFFSET, magic, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Stores the magic with release semantics: the commit word, written after every other field so
     * that a reader seeing it also sees them. Native byte order (see
     * {@link #nativeOrderIsLittleEndian()}).
     *
     * @param page  a view of the super block page.
     * @param magic {@link #PKRAM_MAGIC} to publish, 0 to invalidate.
     */
    public static void magicRelease(final AtomicBuffer page, final int magic)
    {
        page.putIntRelease(MAGIC_OFFSET, magic);
    }

    /**
     * Reads {@code pad0}.
     *
     * @param page a view of the super block page.
     * @return the padding word after the magic; 0 in a valid super block.
     */
    public static int pad0(final DirectBuffer page)
    {
        return page.getInt(PAD0_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Reads {@code node_pfn}.
     *
     * @param page a view of the super block page.
     * @return the pfn of the first node of the chain, 0 when none.
     */
    public static long nodePfn(final DirectBuffer page)
    {
        return page.getLong(NODE_PFN_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Writes {@code node_pfn}.
     *
     * @param page a view of the super block page.
     * @param pfn  the pfn of the first node of the chain, 0 when none.
     */
    public static void nodePfn(final MutableDirectBuffer page, final long pfn)
    {
        page.putLong(NODE_PFN_OFFSET, pfn, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Stores the chain head with release semantics, so that a reader seeing the new head also sees
     * the node it points to (crash-safe mode publishes a committed node this way). Native byte order
     * (see {@link #nativeOrderIsLittleEndian()}).
     *
     * @param page a view of the super block page.
     * @param pfn  the pfn of the first node of the chain, 0 when none.
     */
    public static void nodePfnRelease(final AtomicBuffer page, final long pfn)
    {
        page.putLongRelease(NODE_PFN_OFFSET, pfn);
    }

    /**
     * Reads {@code region_list_pfn}.
     *
     * @param page a view of the super block page.
     * @return the pfn of the first page of the regions list, 0 when none.
     */
    public static long regionListPfn(final DirectBuffer page)
    {
        return page.getLong(REGION_LIST_PFN_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Writes {@code region_list_pfn}.
     *
     * @param page a view of the super block page.
     * @param pfn  the pfn of the first page of the regions list, 0 when none.
     */
    public static void regionListPfn(final MutableDirectBuffer page, final long pfn)
    {
        page.putLong(REGION_LIST_PFN_OFFSET, pfn, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Reads {@code nr_regions}.
     *
     * @param page a view of the super block page.
     * @return the total number of regions in the regions list.
     */
    public static long nrRegions(final DirectBuffer page)
    {
        return page.getLong(NR_REGIONS_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Writes {@code nr_regions}.
     *
     * @param page  a view of the super block page.
     * @param count the total number of regions in the regions list.
     */
    public static void nrRegions(final MutableDirectBuffer page, final long count)
    {
        page.putLong(NR_REGIONS_OFFSET, count, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Reads {@code format_version}.
     *
     * @param page a view of the super block page.
     * @return pkram's format version; 0 in a super block written by the kernel itself.
     */
    public static int formatVersion(final DirectBuffer page)
    {
        return page.getInt(FORMAT_VERSION_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Writes {@code format_version}.
     *
     * @param page    a view of the super block page.
     * @param version the format version, {@link #FORMAT_VERSION}.
     */
    public static void formatVersion(final MutableDirectBuffer page, final int version)
    {
        page.putInt(FORMAT_VERSION_OFFSET, version, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Reads {@code state}.
     *
     * @param page a view of the super block page.
     * @return the state, one of the {@code STATE_*} values (anything else is corrupt).
     */
    public static int state(final DirectBuffer page)
    {
        return page.getInt(STATE_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Writes {@code state}.
     *
     * @param page  a view of the super block page.
     * @param state one of the {@code STATE_*} values.
     */
    public static void state(final MutableDirectBuffer page, final int state)
    {
        page.putInt(STATE_OFFSET, state, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Writes {@code state} with release semantics: the commit word of a seal (LIVE → SEALED) and of a
     * boot (→ LIVE or CONSUMED). The platform must be little-endian.
     *
     * @param page  a view of the super block page.
     * @param state one of the {@code STATE_*} values.
     */
    public static void stateRelease(final AtomicBuffer page, final int state)
    {
        page.putIntRelease(STATE_OFFSET, state);
    }

    /**
     * Reads {@code file_size}.
     *
     * @param page a view of the super block page.
     * @return the size in bytes of the memory file when the super block was written.
     */
    public static long fileSize(final DirectBuffer page)
    {
        return page.getLong(FILE_SIZE_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Writes {@code file_size}.
     *
     * @param page   a view of the super block page.
     * @param length the size in bytes of the memory file.
     */
    public static void fileSize(final MutableDirectBuffer page, final long length)
    {
        page.putLong(FILE_SIZE_OFFSET, length, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Reads {@code generation}.
     *
     * @param page a view of the super block page.
     * @return the generation of the boot that last wrote this super block.
     */
    public static long generation(final DirectBuffer page)
    {
        return page.getLong(GENERATION_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Writes {@code generation}.
     *
     * @param page       a view of the super block page.
     * @param generation the boot generation.
     */
    public static void generation(final MutableDirectBuffer page, final long generation)
    {
        page.putLong(GENERATION_OFFSET, generation, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Reads {@code preserved_pages}.
     *
     * @param page a view of the super block page.
     * @return the number of pages the regions list covers, 0 when there is no list.
     */
    public static long preservedPages(final DirectBuffer page)
    {
        return page.getLong(PRESERVED_PAGES_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Writes {@code preserved_pages}.
     *
     * @param page  a view of the super block page.
     * @param count the number of pages the regions list covers, 0 when there is no list.
     */
    public static void preservedPages(final MutableDirectBuffer page, final long count)
    {
        page.putLong(PRESERVED_PAGES_OFFSET, count, ByteOrder.LITTLE_ENDIAN);
    }
}
