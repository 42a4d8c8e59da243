package org.pkram.layout;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.function.ObjLongConsumer;
import java.util.function.ToLongFunction;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/**
 * The third place a layout is written down (after docs/FORMAT.md and the descriptor diagrams):
 * every offset, length and derived capacity, and that each accessor writes exactly its bytes,
 * little-endian, leaving padding and the rest of the page zero.
 */
class LayoutTest
{
    private final byte[] bytes = new byte[Pfn.PAGE_SIZE];
    private final UnsafeBuffer page = new UnsafeBuffer(bytes);
    private final ByteBuffer raw = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);

    /** One field: where the C struct puts it, and the accessors that should put it there. */
    private record Field(String name, int offset, int size, ObjLongConsumer<UnsafeBuffer> put,
        ToLongFunction<UnsafeBuffer> get)
    {
    }

    private static Field u32(final String name, final int offset, final ObjLongConsumer<UnsafeBuffer> put,
        final ToLongFunction<UnsafeBuffer> get)
    {
        return new Field(name, offset, Integer.BYTES, put, get);
    }

    private static Field u64(final String name, final int offset, final ObjLongConsumer<UnsafeBuffer> put,
        final ToLongFunction<UnsafeBuffer> get)
    {
        return new Field(name, offset, Long.BYTES, put, get);
    }

    private static final List<Field> SUPER_BLOCK_FIELDS = List.of(
        u32("magic", 0, (b, v) -> SuperBlockDescriptor.magic(b, (int)v), SuperBlockDescriptor::magic),
        u64("node_pfn", 8, SuperBlockDescriptor::nodePfn, SuperBlockDescriptor::nodePfn),
        u64("region_list_pfn", 16, SuperBlockDescriptor::regionListPfn, SuperBlockDescriptor::regionListPfn),
        u64("nr_regions", 24, SuperBlockDescriptor::nrRegions, SuperBlockDescriptor::nrRegions),
        u32("format_version", 32, (b, v) -> SuperBlockDescriptor.formatVersion(b, (int)v),
            SuperBlockDescriptor::formatVersion),
        u32("state", 36, (b, v) -> SuperBlockDescriptor.state(b, (int)v), SuperBlockDescriptor::state),
        u64("file_size", 40, SuperBlockDescriptor::fileSize, SuperBlockDescriptor::fileSize),
        u64("generation", 48, SuperBlockDescriptor::generation, SuperBlockDescriptor::generation),
        u64("preserved_pages", 56, SuperBlockDescriptor::preservedPages, SuperBlockDescriptor::preservedPages));

    private static final List<Field> NODE_FIELDS = List.of(
        u32("flags", 0, (b, v) -> NodeDescriptor.flags(b, (int)v), NodeDescriptor::flags),
        u64("obj_pfn", 8, NodeDescriptor::objPfn, NodeDescriptor::objPfn),
        u64("node_pfn", 16, NodeDescriptor::nodePfn, NodeDescriptor::nodePfn));

    private static final List<Field> OBJ_FIELDS = List.of(
        u64("folios_head_link_pfn", 0, ObjDescriptor::foliosHeadLinkPfn, ObjDescriptor::foliosHeadLinkPfn),
        u64("folios_tail_link_pfn", 8, ObjDescriptor::foliosTailLinkPfn, ObjDescriptor::foliosTailLinkPfn),
        u64("bytes_head_link_pfn", 16, ObjDescriptor::bytesHeadLinkPfn, ObjDescriptor::bytesHeadLinkPfn),
        u64("bytes_tail_link_pfn", 24, ObjDescriptor::bytesTailLinkPfn, ObjDescriptor::bytesTailLinkPfn),
        u64("data_len", 32, ObjDescriptor::dataLen, ObjDescriptor::dataLen),
        u64("obj_pfn", 40, ObjDescriptor::objPfn, ObjDescriptor::objPfn));

    private static final List<Field> LINK_FIELDS = List.of(
        u64("link_pfn", 0, LinkDescriptor::linkPfn, LinkDescriptor::linkPfn),
        u64("index", 8, LinkDescriptor::index, LinkDescriptor::index),
        u64("entry[0]", 16, (b, v) -> LinkDescriptor.entry(b, 0, v), b -> LinkDescriptor.entry(b, 0)),
        u64("entry[1]", 24, (b, v) -> LinkDescriptor.entry(b, 1, v), b -> LinkDescriptor.entry(b, 1)),
        u64("entry[509]", 4088, (b, v) -> LinkDescriptor.entry(b, 509, v), b -> LinkDescriptor.entry(b, 509)));

    private static final List<Field> REGION_LIST_FIELDS = List.of(
        u64("prev_pfn", 0, RegionListDescriptor::prevPfn, RegionListDescriptor::prevPfn),
        u64("next_pfn", 8, RegionListDescriptor::nextPfn, RegionListDescriptor::nextPfn),
        u64("regions[0].base", 16, (b, v) -> RegionListDescriptor.regionBase(b, 0, v),
            b -> RegionListDescriptor.regionBase(b, 0)),
        u64("regions[0].size", 24, (b, v) -> RegionListDescriptor.regionSize(b, 0, v),
            b -> RegionListDescriptor.regionSize(b, 0)),
        u64("regions[1].base", 32, (b, v) -> RegionListDescriptor.regionBase(b, 1, v),
            b -> RegionListDescriptor.regionBase(b, 1)),
        u64("regions[254].size", 4088, (b, v) -> RegionListDescriptor.regionSize(b, 254, v),
            b -> RegionListDescriptor.regionSize(b, 254)));

    private static final List<Field> FILE_HEADER_FIELDS = List.of(
        u64("magic", 0, FileHeaderDescriptor::magic, FileHeaderDescriptor::magic),
        u32("format_version", 8, (b, v) -> FileHeaderDescriptor.formatVersion(b, (int)v),
            FileHeaderDescriptor::formatVersion),
        u32("page_size", 12, (b, v) -> FileHeaderDescriptor.pageSize(b, (int)v), FileHeaderDescriptor::pageSize),
        u64("file_size", 16, FileHeaderDescriptor::fileSize, FileHeaderDescriptor::fileSize),
        u64("created_millis", 24, FileHeaderDescriptor::createdMillis, FileHeaderDescriptor::createdMillis),
        u64("super_block_pfn", 32, FileHeaderDescriptor::superBlockPfnRelease,
            FileHeaderDescriptor::superBlockPfn));

    // ---- offsets and lengths, as the C structs of the v3 patches lay them out

    @Test
    void shouldHaveKernelSuperBlockOffsets()
    {
        assertEquals(0, SuperBlockDescriptor.MAGIC_OFFSET);
        assertEquals(4, SuperBlockDescriptor.PAD0_OFFSET);
        assertEquals(8, SuperBlockDescriptor.NODE_PFN_OFFSET);
        assertEquals(16, SuperBlockDescriptor.REGION_LIST_PFN_OFFSET);
        assertEquals(24, SuperBlockDescriptor.NR_REGIONS_OFFSET);
        assertEquals(32, SuperBlockDescriptor.KERNEL_LENGTH);
    }

    @Test
    void shouldPlacePkramSuperBlockFieldsAfterTheKernelStruct()
    {
        assertEquals(32, SuperBlockDescriptor.FORMAT_VERSION_OFFSET);
        assertEquals(36, SuperBlockDescriptor.STATE_OFFSET);
        assertEquals(40, SuperBlockDescriptor.FILE_SIZE_OFFSET);
        assertEquals(48, SuperBlockDescriptor.GENERATION_OFFSET);
        assertEquals(56, SuperBlockDescriptor.PRESERVED_PAGES_OFFSET);
        assertEquals(64, SuperBlockDescriptor.PKRAM_LENGTH);

        final int[] pkramOffsets = {
            SuperBlockDescriptor.FORMAT_VERSION_OFFSET,
            SuperBlockDescriptor.STATE_OFFSET,
            SuperBlockDescriptor.FILE_SIZE_OFFSET,
            SuperBlockDescriptor.GENERATION_OFFSET,
            SuperBlockDescriptor.PRESERVED_PAGES_OFFSET,
        };
        for (final int offset : pkramOffsets)
        {
            assertTrue(offset >= SuperBlockDescriptor.KERNEL_LENGTH, "pkram field inside the kernel struct: " + offset);
        }
        assertTrue(SuperBlockDescriptor.PKRAM_LENGTH <= Pfn.PAGE_SIZE);
    }

    @Test
    void shouldHaveSuperBlockConstants()
    {
        assertEquals(0x706B726D, SuperBlockDescriptor.PKRAM_MAGIC);
        assertEquals("pkrm", new String(
            ByteBuffer.allocate(4).order(ByteOrder.BIG_ENDIAN).putInt(SuperBlockDescriptor.PKRAM_MAGIC).array(),
            StandardCharsets.US_ASCII));
        assertEquals(1, SuperBlockDescriptor.FORMAT_VERSION);
        assertEquals(0, SuperBlockDescriptor.STATE_NONE);
        assertEquals(1, SuperBlockDescriptor.STATE_SEALED);
        assertEquals(2, SuperBlockDescriptor.STATE_LIVE);
        assertEquals(3, SuperBlockDescriptor.STATE_CONSUMED);
    }

    @Test
    void shouldStoreMagicAsItsLittleEndianBytes()
    {
        SuperBlockDescriptor.magic(page, SuperBlockDescriptor.PKRAM_MAGIC);

        assertArrayEquals(new byte[] {0x6D, 0x72, 0x6B, 0x70}, Arrays.copyOfRange(bytes, 0, 4));
        assertEquals("mrkp", new String(bytes, 0, 4, StandardCharsets.US_ASCII));
    }

    @Test
    void shouldHaveNodeOffsets()
    {
        assertEquals(0, NodeDescriptor.FLAGS_OFFSET);
        assertEquals(4, NodeDescriptor.PAD0_OFFSET);
        assertEquals(8, NodeDescriptor.OBJ_PFN_OFFSET);
        assertEquals(16, NodeDescriptor.NODE_PFN_OFFSET);
        assertEquals(24, NodeDescriptor.NAME_OFFSET);
        assertEquals(256, NodeDescriptor.NAME_MAX);
        assertEquals(280, NodeDescriptor.LENGTH);
        assertEquals(1, NodeDescriptor.PKRAM_SAVE);
        assertEquals(2, NodeDescriptor.PKRAM_LOAD);
        assertEquals(3, NodeDescriptor.PKRAM_ACCMODE_MASK);
    }

    @Test
    void shouldFitNameInNodeAndNodeInPage()
    {
        assertEquals(NodeDescriptor.LENGTH, NodeDescriptor.NAME_OFFSET + NodeDescriptor.NAME_MAX);
        assertTrue(NodeDescriptor.LENGTH <= Pfn.PAGE_SIZE);
    }

    @Test
    void shouldHaveObjOffsets()
    {
        assertEquals(0, ObjDescriptor.FOLIOS_HEAD_LINK_PFN_OFFSET);
        assertEquals(8, ObjDescriptor.FOLIOS_TAIL_LINK_PFN_OFFSET);
        assertEquals(16, ObjDescriptor.BYTES_HEAD_LINK_PFN_OFFSET);
        assertEquals(24, ObjDescriptor.BYTES_TAIL_LINK_PFN_OFFSET);
        assertEquals(32, ObjDescriptor.DATA_LEN_OFFSET);
        assertEquals(40, ObjDescriptor.OBJ_PFN_OFFSET);
        assertEquals(48, ObjDescriptor.LENGTH);
    }

    @Test
    void shouldHaveLinkOffsetsAndDerivedCapacity()
    {
        assertEquals(0, LinkDescriptor.LINK_PFN_OFFSET);
        assertEquals(8, LinkDescriptor.INDEX_OFFSET);
        assertEquals(16, LinkDescriptor.ENTRIES_OFFSET);
        assertEquals(8, LinkDescriptor.ENTRY_LENGTH);
        assertEquals((4096 - 16) / 8, LinkDescriptor.ENTRIES_MAX);
        assertEquals(510, LinkDescriptor.ENTRIES_MAX);
        assertEquals(510, LinkDescriptor.entriesMax(4096));
        assertEquals(1022, LinkDescriptor.entriesMax(8192));
        assertEquals(16, LinkDescriptor.entryOffset(0));
        assertEquals(Pfn.PAGE_SIZE, LinkDescriptor.entryOffset(LinkDescriptor.ENTRIES_MAX - 1) + 8);
        assertThrows(IndexOutOfBoundsException.class, () -> LinkDescriptor.entryOffset(LinkDescriptor.ENTRIES_MAX));
        assertThrows(IndexOutOfBoundsException.class, () -> LinkDescriptor.entryOffset(-1));
    }

    @Test
    void shouldHaveRegionListOffsetsAndDerivedCapacity()
    {
        assertEquals(0, RegionListDescriptor.PREV_PFN_OFFSET);
        assertEquals(8, RegionListDescriptor.NEXT_PFN_OFFSET);
        assertEquals(16, RegionListDescriptor.REGIONS_OFFSET);
        assertEquals(0, RegionListDescriptor.REGION_BASE_OFFSET);
        assertEquals(8, RegionListDescriptor.REGION_SIZE_OFFSET);
        assertEquals(16, RegionListDescriptor.REGION_LENGTH);
        assertEquals((4096 - 16) / 16, RegionListDescriptor.REGIONS_MAX);
        assertEquals(255, RegionListDescriptor.REGIONS_MAX);
        assertEquals(255, RegionListDescriptor.regionsMax(4096));
        // 16 + 255 * 16 = 4096: the list page is full with no slack.
        assertEquals(Pfn.PAGE_SIZE, RegionListDescriptor.REGIONS_OFFSET +
            RegionListDescriptor.REGIONS_MAX * RegionListDescriptor.REGION_LENGTH);
        assertEquals(16, RegionListDescriptor.regionOffset(0));
        assertEquals(4080, RegionListDescriptor.regionOffset(254));
        assertThrows(IndexOutOfBoundsException.class,
            () -> RegionListDescriptor.regionOffset(RegionListDescriptor.REGIONS_MAX));
        assertThrows(IndexOutOfBoundsException.class, () -> RegionListDescriptor.regionOffset(-1));
    }

    @Test
    void shouldHaveFileHeaderOffsets()
    {
        assertEquals(0, FileHeaderDescriptor.MAGIC_OFFSET);
        assertEquals(8, FileHeaderDescriptor.FORMAT_VERSION_OFFSET);
        assertEquals(12, FileHeaderDescriptor.PAGE_SIZE_OFFSET);
        assertEquals(16, FileHeaderDescriptor.FILE_SIZE_OFFSET);
        assertEquals(24, FileHeaderDescriptor.CREATED_MILLIS_OFFSET);
        assertEquals(32, FileHeaderDescriptor.SUPER_BLOCK_PFN_OFFSET);
        assertEquals(40, FileHeaderDescriptor.LENGTH);
        assertEquals(SuperBlockDescriptor.FORMAT_VERSION, FileHeaderDescriptor.FORMAT_VERSION);
    }

    @Test
    void shouldStoreFileMagicAsAsciiName()
    {
        FileHeaderDescriptor.magic(page, FileHeaderDescriptor.FILE_MAGIC);

        assertEquals("PKRAMMEM", new String(bytes, 0, 8, StandardCharsets.US_ASCII));
    }

    // ---- every accessor writes exactly its own bytes, little-endian

    @Test
    void shouldWriteSuperBlockFieldsAtTheirOffsets()
    {
        assertFieldsLandExactly(SUPER_BLOCK_FIELDS);
    }

    @Test
    void shouldWriteNodeFieldsAtTheirOffsets()
    {
        assertFieldsLandExactly(NODE_FIELDS);
    }

    @Test
    void shouldWriteObjFieldsAtTheirOffsets()
    {
        assertFieldsLandExactly(OBJ_FIELDS);
    }

    @Test
    void shouldWriteLinkFieldsAtTheirOffsets()
    {
        assertFieldsLandExactly(LINK_FIELDS);
    }

    @Test
    void shouldWriteRegionListFieldsAtTheirOffsets()
    {
        assertFieldsLandExactly(REGION_LIST_FIELDS);
    }

    @Test
    void shouldWriteFileHeaderFieldsAtTheirOffsets()
    {
        assertFieldsLandExactly(FILE_HEADER_FIELDS);
    }

    @Test
    void shouldWriteReleaseStoresAtTheSameBytesAsPlainStores()
    {
        assumeTrue(SuperBlockDescriptor.nativeOrderIsLittleEndian(), "release stores need a little-endian platform");

        SuperBlockDescriptor.magicRelease(page, SuperBlockDescriptor.PKRAM_MAGIC);
        SuperBlockDescriptor.nodePfnRelease(page, 0x0102030405060708L);
        assertEquals(SuperBlockDescriptor.PKRAM_MAGIC, raw.getInt(0));
        assertEquals(0x0102030405060708L, raw.getLong(8));

        Arrays.fill(bytes, (byte)0);
        NodeDescriptor.flagsRelease(page, NodeDescriptor.PKRAM_LOAD);
        NodeDescriptor.objPfnRelease(page, 0x1112131415161718L);
        NodeDescriptor.nodePfnRelease(page, 0x2122232425262728L);
        assertEquals(NodeDescriptor.PKRAM_LOAD, raw.getInt(0));
        assertEquals(0x1112131415161718L, raw.getLong(8));
        assertEquals(0x2122232425262728L, raw.getLong(16));

        Arrays.fill(bytes, (byte)0);
        FileHeaderDescriptor.magicRelease(page, FileHeaderDescriptor.FILE_MAGIC);
        assertEquals(FileHeaderDescriptor.FILE_MAGIC, raw.getLong(0));
    }

    // ---- padding and the rest of the page stay zero

    @Test
    void shouldKeepSuperBlockPaddingAndTailZero()
    {
        fillAllFields(SUPER_BLOCK_FIELDS);

        assertZero(SuperBlockDescriptor.PAD0_OFFSET, SuperBlockDescriptor.PAD0_OFFSET + 4);
        assertEquals(0, SuperBlockDescriptor.pad0(page));
        assertZero(SuperBlockDescriptor.PKRAM_LENGTH, Pfn.PAGE_SIZE);
        assertOnlyFieldsWritten(SUPER_BLOCK_FIELDS);
    }

    @Test
    void shouldKeepNodePaddingAndTailZero()
    {
        fillAllFields(NODE_FIELDS);
        NodeDescriptor.putName(page, "a".repeat(NodeDescriptor.NAME_MAX - 1).getBytes(StandardCharsets.UTF_8));

        assertZero(NodeDescriptor.PAD0_OFFSET, NodeDescriptor.PAD0_OFFSET + 4);
        assertEquals(0, NodeDescriptor.pad0(page));
        assertEquals(0, bytes[NodeDescriptor.LENGTH - 1], "name NUL");
        assertZero(NodeDescriptor.LENGTH, Pfn.PAGE_SIZE);
    }

    @Test
    void shouldKeepObjTailZero()
    {
        fillAllFields(OBJ_FIELDS);

        assertZero(ObjDescriptor.LENGTH, Pfn.PAGE_SIZE);
        assertOnlyFieldsWritten(OBJ_FIELDS);
    }

    @Test
    void shouldKeepUnusedLinkEntriesZero()
    {
        LinkDescriptor.linkPfn(page, -1L);
        LinkDescriptor.index(page, -1L);
        LinkDescriptor.entry(page, 0, -1L);

        assertZero(LinkDescriptor.entryOffset(1), Pfn.PAGE_SIZE);
    }

    @Test
    void shouldKeepUnusedRegionsZero()
    {
        RegionListDescriptor.prevPfn(page, -1L);
        RegionListDescriptor.nextPfn(page, -1L);
        RegionListDescriptor.regionBase(page, 0, -1L);
        RegionListDescriptor.regionSize(page, 0, -1L);

        assertZero(RegionListDescriptor.regionOffset(1), Pfn.PAGE_SIZE);
    }

    @Test
    void shouldKeepFileHeaderTailZero()
    {
        fillAllFields(FILE_HEADER_FIELDS);

        assertZero(FileHeaderDescriptor.LENGTH, Pfn.PAGE_SIZE);
        assertOnlyFieldsWritten(FILE_HEADER_FIELDS);
    }

    // ---- node name

    @Test
    void shouldWriteNameWithNulAndZeroTheRestOfTheField()
    {
        final byte[] name = "vm0".getBytes(StandardCharsets.UTF_8);
        NodeDescriptor.putName(page, "a-much-longer-node-name".getBytes(StandardCharsets.UTF_8));
        NodeDescriptor.putName(page, name);

        assertArrayEquals(new byte[] {'v', 'm', '0', 0}, Arrays.copyOfRange(bytes, 24, 28));
        assertZero(NodeDescriptor.NAME_OFFSET + name.length, NodeDescriptor.LENGTH);
        assertEquals(3, NodeDescriptor.nameLength(page));
        assertEquals("vm0", NodeDescriptor.name(page));
    }

    @Test
    void shouldAcceptNameOf255BytesAndRejectLonger()
    {
        final String longest = "x".repeat(255);
        NodeDescriptor.putName(page, longest.getBytes(StandardCharsets.UTF_8));
        assertEquals(255, NodeDescriptor.nameLength(page));
        assertEquals(longest, NodeDescriptor.name(page));

        assertThrows(IllegalArgumentException.class, () -> NodeDescriptor.putName(page, new byte[256]));
        assertThrows(IllegalArgumentException.class, () -> NodeDescriptor.putName(page, new byte[300]));
    }

    @Test
    void shouldRejectNameWithEmbeddedNul()
    {
        assertThrows(IllegalArgumentException.class, () -> NodeDescriptor.putName(page, new byte[] {'a', 0, 'b'}));
    }

    @Test
    void shouldReportCorruptNameWithoutNul()
    {
        Arrays.fill(bytes, NodeDescriptor.NAME_OFFSET, NodeDescriptor.LENGTH, (byte)'z');

        assertEquals(-1, NodeDescriptor.nameLength(page));
        assertThrows(IllegalStateException.class, () -> NodeDescriptor.name(page));
    }

    @Test
    void shouldReadEmptyName()
    {
        assertEquals(0, NodeDescriptor.nameLength(page));
        assertEquals("", NodeDescriptor.name(page));
    }

    @Test
    void shouldReportLittleEndianPlatform()
    {
        assertEquals(ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN,
            SuperBlockDescriptor.nativeOrderIsLittleEndian());
    }

    // ---- helpers

    /** Writes each field alone into a zero page and checks the raw bytes: value there, zero elsewhere. */
    private void assertFieldsLandExactly(final List<Field> fields)
    {
        for (final Field field : fields)
        {
            Arrays.fill(bytes, (byte)0);
            final long value = field.size() == Long.BYTES ? 0x8877665544332211L : 0x44332211L;
            field.put().accept(page, value);

            final long stored = field.size() == Long.BYTES ?
                raw.getLong(field.offset()) : Integer.toUnsignedLong(raw.getInt(field.offset()));
            assertEquals(value, stored, field.name() + " at offset " + field.offset());
            assertEquals(value, field.size() == Long.BYTES ?
                field.get().applyAsLong(page) : Integer.toUnsignedLong((int)field.get().applyAsLong(page)),
                field.name() + " read back");
            for (int i = 0; i < bytes.length; i++)
            {
                if (i < field.offset() || i >= field.offset() + field.size())
                {
                    assertEquals(0, bytes[i], field.name() + " wrote outside its bytes at offset " + i);
                }
            }
        }
    }

    private void fillAllFields(final List<Field> fields)
    {
        for (final Field field : fields)
        {
            field.put().accept(page, -1L);
        }
    }

    /** After {@link #fillAllFields}, every byte is 0xFF inside a field and 0 outside all of them. */
    private void assertOnlyFieldsWritten(final List<Field> fields)
    {
        final boolean[] covered = new boolean[bytes.length];
        for (final Field field : fields)
        {
            Arrays.fill(covered, field.offset(), field.offset() + field.size(), true);
        }
        for (int i = 0; i < bytes.length; i++)
        {
            assertEquals(covered[i] ? (byte)0xFF : 0, bytes[i], "byte at offset " + i);
        }
    }

    private void assertZero(final int from, final int to)
    {
        for (int i = from; i < to; i++)
        {
            assertEquals(0, bytes[i], "byte at offset " + i + " must be zero");
        }
    }
}
