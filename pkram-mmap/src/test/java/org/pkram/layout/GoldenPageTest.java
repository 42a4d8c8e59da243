package org.pkram.layout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.pkram.testing.GoldenHex;

/**
 * Builds each structure in a page through the descriptors and compares the whole page with a
 * hand-written golden page (src/test/resources/golden), so a descriptor cannot agree with itself
 * and still disagree with the C layout.
 */
class GoldenPageTest
{
    private static final int ROW = 16;

    private final byte[] bytes = new byte[Pfn.PAGE_SIZE];
    private final UnsafeBuffer page = new UnsafeBuffer(bytes);

    @Test
    void shouldMatchGoldenFileHeader()
    {
        FileHeaderDescriptor.formatVersion(page, FileHeaderDescriptor.FORMAT_VERSION);
        FileHeaderDescriptor.pageSize(page, Pfn.PAGE_SIZE);
        FileHeaderDescriptor.fileSize(page, 8L << 30);
        FileHeaderDescriptor.createdMillis(page, 1_700_000_000_000L);
        FileHeaderDescriptor.superBlockPfnRelease(page, 0x1a3);
        FileHeaderDescriptor.magicRelease(page, FileHeaderDescriptor.FILE_MAGIC);

        assertPage("file-header.hex");
    }

    @Test
    void shouldMatchGoldenSealedSuperBlock()
    {
        SuperBlockDescriptor.nodePfn(page, 0x42);
        SuperBlockDescriptor.regionListPfn(page, 0x77);
        SuperBlockDescriptor.nrRegions(page, 2);
        SuperBlockDescriptor.formatVersion(page, SuperBlockDescriptor.FORMAT_VERSION);
        SuperBlockDescriptor.state(page, SuperBlockDescriptor.STATE_SEALED);
        SuperBlockDescriptor.fileSize(page, 8L << 30);
        SuperBlockDescriptor.generation(page, 3);
        SuperBlockDescriptor.preservedPages(page, 0x77 + 0x200);
        SuperBlockDescriptor.magicRelease(page, SuperBlockDescriptor.PKRAM_MAGIC);

        assertPage("super-sealed.hex");
    }

    @Test
    void shouldMatchGoldenLiveSuperBlock()
    {
        SuperBlockDescriptor.formatVersion(page, SuperBlockDescriptor.FORMAT_VERSION);
        SuperBlockDescriptor.state(page, SuperBlockDescriptor.STATE_LIVE);
        SuperBlockDescriptor.fileSize(page, 8L << 30);
        SuperBlockDescriptor.generation(page, 4);
        SuperBlockDescriptor.magic(page, SuperBlockDescriptor.PKRAM_MAGIC);
        SuperBlockDescriptor.nodePfnRelease(page, 0x42);

        assertPage("super-live.hex");
    }

    @Test
    void shouldMatchGoldenCommittedNode()
    {
        NodeDescriptor.flags(page, NodeDescriptor.PKRAM_SAVE);
        NodeDescriptor.putName(page, "vm0".getBytes(StandardCharsets.UTF_8));
        NodeDescriptor.objPfnRelease(page, 0x1234);
        NodeDescriptor.nodePfn(page, 0x42);
        NodeDescriptor.flagsRelease(page, 0);

        assertPage("node-vm0.hex");
    }

    @Test
    void shouldMatchGoldenNodeBeingSaved()
    {
        NodeDescriptor.putName(page, "n\u0153ud".getBytes(StandardCharsets.UTF_8));
        NodeDescriptor.flags(page, NodeDescriptor.PKRAM_SAVE);

        assertPage("node-saving.hex");
    }

    @Test
    void shouldMatchGoldenObj()
    {
        ObjDescriptor.foliosHeadLinkPfn(page, 0x10);
        ObjDescriptor.foliosTailLinkPfn(page, 0x11);
        ObjDescriptor.bytesHeadLinkPfn(page, 0x20);
        ObjDescriptor.bytesTailLinkPfn(page, 0x21);
        ObjDescriptor.dataLen(page, 5000);
        ObjDescriptor.objPfn(page, 0x30);

        assertPage("obj.hex");
    }

    @Test
    void shouldMatchGoldenLink()
    {
        LinkDescriptor.linkPfn(page, 0x55);
        LinkDescriptor.index(page, 7);
        LinkDescriptor.entry(page, 0, EntryCodec.encode(0x100, 0));
        LinkDescriptor.entry(page, 1, EntryCodec.encode(0x208, 3));
        LinkDescriptor.entry(page, 2, EntryCodec.encode(0x1_2345_6780L, 4));

        assertPage("link.hex");
    }

    @Test
    void shouldMatchGoldenRegionList()
    {
        RegionListDescriptor.prevPfn(page, 0x77);
        RegionListDescriptor.nextPfn(page, 0);
        RegionListDescriptor.regionBase(page, 0, 0x1000);
        RegionListDescriptor.regionSize(page, 0, 0x77000);
        RegionListDescriptor.regionBase(page, 1, 0x1_2340_0000L);
        RegionListDescriptor.regionSize(page, 1, 0x20_0000);

        assertPage("region-list.hex");
    }

    @Test
    void shouldReadBackGoldenPages()
    {
        // The other direction: the descriptors decode the hand-written bytes into the values the
        // comments in the golden files name.
        final UnsafeBuffer sb = new UnsafeBuffer(golden("super-sealed.hex"));
        assertEquals(SuperBlockDescriptor.PKRAM_MAGIC, SuperBlockDescriptor.magic(sb));
        assertEquals(0x42, SuperBlockDescriptor.nodePfn(sb));
        assertEquals(0x77, SuperBlockDescriptor.regionListPfn(sb));
        assertEquals(2, SuperBlockDescriptor.nrRegions(sb));
        assertEquals(SuperBlockDescriptor.STATE_SEALED, SuperBlockDescriptor.state(sb));
        assertEquals(0x277, SuperBlockDescriptor.preservedPages(sb));

        final UnsafeBuffer node = new UnsafeBuffer(golden("node-saving.hex"));
        assertEquals("n\u0153ud", NodeDescriptor.name(node));
        assertEquals(5, NodeDescriptor.nameLength(node));
        assertEquals(NodeDescriptor.PKRAM_SAVE, NodeDescriptor.flags(node) & NodeDescriptor.PKRAM_ACCMODE_MASK);

        final UnsafeBuffer link = new UnsafeBuffer(golden("link.hex"));
        assertEquals(0x1_2345_6780L, EntryCodec.pfn(LinkDescriptor.entry(link, 2)));
        assertEquals(4, EntryCodec.order(LinkDescriptor.entry(link, 2)));
        assertTrue(EntryCodec.isEmpty(LinkDescriptor.entry(link, 3)));

        final UnsafeBuffer regions = new UnsafeBuffer(golden("region-list.hex"));
        assertEquals(0x200000, RegionListDescriptor.regionSize(regions, 1));
        assertEquals(0, RegionListDescriptor.regionSize(regions, 2));

        final UnsafeBuffer header = new UnsafeBuffer(golden("file-header.hex"));
        assertEquals(FileHeaderDescriptor.FILE_MAGIC, FileHeaderDescriptor.magic(header));
        assertEquals(1_700_000_000_000L, FileHeaderDescriptor.createdMillis(header));
    }

    private void assertPage(final String name)
    {
        final byte[] expected = golden(name);
        if (!Arrays.equals(expected, bytes))
        {
            fail("page differs from golden/" + name + "\n" + diff(expected, bytes));
        }
    }

    /**
     * Parses a golden page: {@code OFFSET BYTE BYTE ...} in hex, {@code #} comments, unlisted bytes
     * zero. A byte listed twice is an error in the golden file, not something to let pass.
     */
    static byte[] golden(final String name)
    {
        final byte[] page = new byte[Pfn.PAGE_SIZE];
        final boolean[] seen = new boolean[Pfn.PAGE_SIZE];
        for (final GoldenHex.Line hexLine : GoldenHex.lines(name))
        {
            final int lineNo = hexLine.number();
            final String[] tokens = hexLine.tokens();
            int offset = Integer.parseInt(tokens[0], 16);
            for (int i = 1; i < tokens.length; i++)
            {
                if (tokens[i].length() != 2 || seen[offset])
                {
                    throw new IllegalStateException(
                        "bad golden page: name=" + name + ", line=" + lineNo + ", token=" + tokens[i]);
                }
                seen[offset] = true;
                page[offset++] = (byte)Integer.parseInt(tokens[i], 16);
            }
        }
        return page;
    }

    /** Rows of 16 bytes that differ, expected above actual, with the differing bytes marked. */
    private static String diff(final byte[] expected, final byte[] actual)
    {
        final StringBuilder out = new StringBuilder();
        int rows = 0;
        for (int row = 0; row < Pfn.PAGE_SIZE; row += ROW)
        {
            if (Arrays.equals(expected, row, row + ROW, actual, row, row + ROW))
            {
                continue;
            }
            if (++rows > 16)
            {
                out.append("... more differing rows\n");
                break;
            }
            final StringBuilder marks = new StringBuilder();
            out.append(String.format("%04x expected:", row));
            for (int i = row; i < row + ROW; i++)
            {
                out.append(String.format(" %02x", expected[i]));
                marks.append(expected[i] == actual[i] ? "   " : " ^^");
            }
            out.append(String.format("%n%04x actual:  ", row));
            for (int i = row; i < row + ROW; i++)
            {
                out.append(String.format(" %02x", actual[i]));
            }
            out.append(String.format("%n              %s%n", marks));
        }
        return out.toString();
    }
}
