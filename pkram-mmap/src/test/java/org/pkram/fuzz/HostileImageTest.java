package org.pkram.fuzz;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.pkram.Mode;
import org.pkram.NodeLoad;
import org.pkram.ObjLoad;
import org.pkram.Pkram;
import org.pkram.boot.ImageScanner;
import org.pkram.boot.PfnFile;
import org.pkram.error.CorruptImageException;
import org.pkram.error.Errno;
import org.pkram.error.InvalidSuperBlockException;
import org.pkram.error.NotAMemoryFileException;
import org.pkram.error.PkramException;
import org.pkram.fuzz.FuzzSeeds.Seed;
import org.pkram.fuzz.ImageMap.Kind;
import org.pkram.fuzz.ImageMap.Page;
import org.pkram.layout.FileHeaderDescriptor;
import org.pkram.layout.LinkDescriptor;
import org.pkram.layout.NodeDescriptor;
import org.pkram.layout.ObjDescriptor;
import org.pkram.layout.Pfn;
import org.pkram.layout.RegionListDescriptor;
import org.pkram.layout.SuperBlockDescriptor;
import org.pkram.mem.PhysMem;
import org.pkram.oracle.ImageOracle;
import org.pkram.testing.ScratchDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hostile images, one kind of damage at a time: each is refused with its specific exception and leaves
 * the memory file byte-identical (and fsck, which walks damaged images on purpose, reports it without
 * crashing). The "regression" tests are the ones the boot fuzzer found accepted or crashing.
 */
class HostileImageTest
{
    @ScratchDir
    static Path dir;
    private static Seed sealed;
    private static Seed live;
    private static Seed kernel;
    private static Seed fragmented;
    private static Seed serviceLive;
    private static Path caseFile;

    @BeforeAll
    static void buildSeeds()
    {
        caseFile = FuzzSeeds.format(dir.resolve("case"), 64L << 10);
        sealed = FuzzSeeds.sealed(dir.resolve("sealed"));
        live = FuzzSeeds.live(dir.resolve("live"), sealed);
        kernel = FuzzSeeds.kernelV0(FuzzSeeds.kernelFaithful(dir.resolve("kernel-faithful")));
        fragmented = FuzzSeeds.fragmented(dir.resolve("fragmented"));
        serviceLive = FuzzSeeds.serviceLive(dir.resolve("service-live"),
            FuzzSeeds.serviceSealed(dir.resolve("service-sealed")));
    }

    // ------------------------------------------------------------------------------------------------
    // Bad magic or version

    @Test
    void superBlockWithABadMagicIsInvalid()
    {
        final byte[] image = sealed.image().clone();
        Le.put32(image, sb(sealed) + SuperBlockDescriptor.MAGIC_OFFSET, 0x706B726E);
        assertRefused(InvalidSuperBlockException.class, Errno.EINVAL, "bad magic", image, sealed.sbPfn());
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF})
    void regressionSuperBlockOfANewerFormatIsInvalidAlsoAbove2To31(final int version)
    {
        // 0x80000000 and above were read as negative, "older than 1", and booted as format 1.
        final byte[] image = sealed.image().clone();
        Le.put32(image, sb(sealed) + SuperBlockDescriptor.FORMAT_VERSION_OFFSET, version);
        assertRefused(InvalidSuperBlockException.class, Errno.EINVAL, "newer format", image, sealed.sbPfn());
    }

    @Test
    void fileHeaderWithABadMagicOrVersionIsNotAMemoryFile()
    {
        final byte[] magic = sealed.image().clone();
        magic[0] ^= 1;
        assertRefused(NotAMemoryFileException.class, Errno.EINVAL, "PKRAMMEM", magic, sealed.sbPfn());
        final byte[] version = sealed.image().clone();
        Le.put32(version, FileHeaderDescriptor.FORMAT_VERSION_OFFSET, 2);
        assertRefused(NotAMemoryFileException.class, Errno.EINVAL, "format not supported", version, sealed.sbPfn());
        final byte[] pageSize = sealed.image().clone();
        Le.put32(pageSize, FileHeaderDescriptor.PAGE_SIZE_OFFSET, 8192);
        assertRefused(NotAMemoryFileException.class, Errno.EINVAL, "page size", pageSize, sealed.sbPfn());
    }

    @Test
    void consumedSuperBlockIsInvalid()
    {
        final byte[] image = sealed.image().clone();
        Le.put32(image, sb(sealed) + SuperBlockDescriptor.STATE_OFFSET, SuperBlockDescriptor.STATE_CONSUMED);
        Le.put32(image, sb(sealed) + SuperBlockDescriptor.MAGIC_OFFSET, 0);
        assertRefused(InvalidSuperBlockException.class, Errno.EINVAL, "consumed", image, sealed.sbPfn());
    }

    // ------------------------------------------------------------------------------------------------
    // pfns out of range, or zero where they must not be

    @Test
    void pkramPfnOutsideTheFileOrStaleIsInvalid()
    {
        assertRefused(InvalidSuperBlockException.class, Errno.EINVAL, "stale", sealed.image(), sealed.sbPfn() + 1);
        final byte[] image = sealed.image().clone();
        final long beyond = image.length / Pfn.PAGE_SIZE;
        Le.put64(image, FileHeaderDescriptor.SUPER_BLOCK_PFN_OFFSET, beyond);
        assertRefused(InvalidSuperBlockException.class, Errno.EINVAL, "out of range", image, beyond);
    }

    @Test
    void pfnsOutOfRangeAreCorrupt()
    {
        final long pfnCount = sealed.image().length / Pfn.PAGE_SIZE;
        final Page node = sealed.map().pagesOf(Kind.NODE).get(0);
        final Page obj = sealed.map().pagesOf(Kind.OBJ).get(0);
        final Page link = sealed.map().pagesOf(Kind.FOLIO_LINK).get(0);
        for (final long bad : new long[] {pfnCount, pfnCount + 1, (1L << 52) - 1, -1L, Long.MIN_VALUE})
        {
            assertCorrupt("out of range", sealed, set64(sealed, node, NodeDescriptor.NODE_PFN_OFFSET, bad));
            assertCorrupt("out of range", sealed, set64(sealed, node, NodeDescriptor.OBJ_PFN_OFFSET, bad));
            assertCorrupt("out of range", sealed, set64(sealed, obj, ObjDescriptor.OBJ_PFN_OFFSET, bad));
            assertCorrupt("out of range", sealed, set64(sealed, link, LinkDescriptor.LINK_PFN_OFFSET, bad));
        }
        // An entry whose folio starts inside the file and ends past it.
        assertCorrupt("out of range", sealed, set64(sealed, link, LinkDescriptor.entryOffset(0),
            Mutations.entry(pfnCount - 1, 1)));
        assertCorrupt("out of range", sealed, set64(sealed, link, LinkDescriptor.entryOffset(0),
            Mutations.entry(pfnCount, 0)));
    }

    @Test
    void zeroWhereAPfnIsRequiredIsCorrupt()
    {
        final Page obj = sealed.map().pagesOf(Kind.OBJ).stream()
            .filter(o -> Le.u64(sealed.image(), Le.page(o.pfn()) + ObjDescriptor.FOLIOS_HEAD_LINK_PFN_OFFSET) != 0)
            .findFirst().orElseThrow();
        // A tail without its head, and the reverse.
        assertCorrupt("head without a tail", sealed, set64(sealed, obj, ObjDescriptor.FOLIOS_HEAD_LINK_PFN_OFFSET, 0));
        assertCorrupt("head without a tail", sealed, set64(sealed, obj, ObjDescriptor.FOLIOS_TAIL_LINK_PFN_OFFSET, 0));
        // An entry of pfn 0 (an order in the low bits, the address zero).
        final Page link = sealed.map().pagesOf(Kind.FOLIO_LINK).get(0);
        assertCorrupt("out of range", sealed, set64(sealed, link, LinkDescriptor.entryOffset(0), 3));
        // Sealed, with a node chain but no regions list.
        assertCorrupt("no regions list", sealed, set64(sealed, page(sealed, Kind.SUPER),
            SuperBlockDescriptor.REGION_LIST_PFN_OFFSET, 0));
    }

    @Test
    void regressionSealedSuperBlockWithoutNodeOrRegionsListIsCorrupt()
    {
        // node_pfn and region_list_pfn both zeroed: the image booted "empty" and dropped every node silently.
        final Page sb = page(sealed, Kind.SUPER);
        final byte[] image = set64(sealed, sb, SuperBlockDescriptor.NODE_PFN_OFFSET, 0);
        Le.put64(image, sb(sealed) + SuperBlockDescriptor.REGION_LIST_PFN_OFFSET, 0);
        Le.put64(image, sb(sealed) + SuperBlockDescriptor.NR_REGIONS_OFFSET, 0);
        assertCorrupt("sealed super block has no node", sealed, image);
        // The same in a kernel-written (format 0) super block.
        final byte[] v0 = kernel.image().clone();
        Le.put64(v0, sb(kernel) + SuperBlockDescriptor.NODE_PFN_OFFSET, 0);
        Le.put64(v0, sb(kernel) + SuperBlockDescriptor.REGION_LIST_PFN_OFFSET, 0);
        Le.put64(v0, sb(kernel) + SuperBlockDescriptor.NR_REGIONS_OFFSET, 0);
        assertCorrupt("sealed super block has no node", kernel, v0);
    }

    // ------------------------------------------------------------------------------------------------
    // Cycles and pages referenced twice

    @Test
    void cyclesAreCorrupt()
    {
        final List<Page> nodes = sealed.map().pagesOf(Kind.NODE);
        final Page lastNode = nodes.get(nodes.size() - 1);
        assertCorrupt("referenced twice", sealed, set64(sealed, lastNode, NodeDescriptor.NODE_PFN_OFFSET,
            nodes.get(0).pfn()));
        assertCorrupt("referenced twice", sealed, set64(sealed, lastNode, NodeDescriptor.NODE_PFN_OFFSET,
            lastNode.pfn()));
        final Page obj = sealed.map().pagesOf(Kind.OBJ).get(0);
        assertCorrupt("referenced twice", sealed, set64(sealed, obj, ObjDescriptor.OBJ_PFN_OFFSET, obj.pfn()));
        final List<Page> links = sealed.map().pagesOf(Kind.FOLIO_LINK);
        assertCorrupt("referenced twice", sealed, set64(sealed, links.get(1), LinkDescriptor.LINK_PFN_OFFSET,
            links.get(0).pfn()));
        final Page list = page(fragmented, Kind.REGIONS);
        assertCorrupt("referenced twice", fragmented, set64(fragmented, list, RegionListDescriptor.NEXT_PFN_OFFSET,
            list.pfn()));
        // LIVE has no regions list to catch a cycle by coverage: the walk alone must.
        final Page liveObj = live.map().pagesOf(Kind.OBJ).get(1);
        assertCorrupt("referenced twice", live, set64(live, liveObj, ObjDescriptor.OBJ_PFN_OFFSET,
            live.map().pagesOf(Kind.OBJ).get(0).pfn()));
    }

    @Test
    void pagesReferencedTwiceAreCorrupt()
    {
        final Page link = live.map().pagesOf(Kind.FOLIO_LINK).get(0);
        final long first = Le.u64(live.image(), Le.page(link.pfn()) + LinkDescriptor.entryOffset(0));
        // The same folio twice; a data page that is also the link holding it; the super block as data.
        assertCorrupt("referenced twice", live, set64(live, link, LinkDescriptor.entryOffset(1), first));
        assertCorrupt("referenced twice", live, set64(live, link, LinkDescriptor.entryOffset(0),
            Mutations.entry(link.pfn(), 0)));
        assertCorrupt("referenced twice", live, set64(live, link, LinkDescriptor.entryOffset(0),
            Mutations.entry(live.sbPfn(), 0)));
        // Two objects sharing one link page.
        final List<Page> objs = live.map().pagesOf(Kind.OBJ);
        final long head = Le.u64(live.image(), Le.page(objs.get(0).pfn()) + ObjDescriptor.FOLIOS_HEAD_LINK_PFN_OFFSET);
        final byte[] shared = set64(live, objs.get(2), ObjDescriptor.FOLIOS_HEAD_LINK_PFN_OFFSET, head);
        Le.put64(shared, Le.page(objs.get(2).pfn()) + ObjDescriptor.FOLIOS_TAIL_LINK_PFN_OFFSET,
            Le.u64(live.image(), Le.page(objs.get(0).pfn()) + ObjDescriptor.FOLIOS_TAIL_LINK_PFN_OFFSET));
        assertCorrupt("referenced twice", live, shared);
    }

    // ------------------------------------------------------------------------------------------------
    // Entries

    @ParameterizedTest
    @ValueSource(ints = {11, 12, 20, 31})
    void entriesOfImpossibleOrderAreCorrupt(final int order)
    {
        final Page link = live.map().pagesOf(Kind.FOLIO_LINK).get(0);
        final long entry = Le.u64(live.image(), Le.page(link.pfn()) + LinkDescriptor.entryOffset(0));
        assertCorrupt("impossible order", live, set64(live, link, LinkDescriptor.entryOffset(0),
            entry & ~0x1FL | order));
    }

    @Test
    void entriesWithFlagsMisalignedOrOfOrderAboveZeroInAByteStreamAreCorrupt()
    {
        Page link = null;
        long aligned = 0;
        int slot = 0;
        for (final Page candidate : live.map().pagesOf(Kind.FOLIO_LINK))
        {
            for (int i = 0; i < LinkDescriptor.ENTRIES_MAX && aligned == 0; i++)
            {
                final long entry = Le.u64(live.image(), Le.page(candidate.pfn()) + LinkDescriptor.entryOffset(i));
                if ((entry & 0x1f) > 0)
                {
                    link = candidate;
                    aligned = entry;
                    slot = i;
                }
            }
        }
        assertTrue(aligned != 0, "the seed holds a folio of order > 0");
        assertCorrupt("misaligned", live, set64(live, link, LinkDescriptor.entryOffset(slot),
            aligned + (1L << Pfn.PAGE_SHIFT)));
        assertCorrupt("flags", live, set64(live, link, LinkDescriptor.entryOffset(slot), aligned | 1L << 5));
        assertCorrupt("flags", live, set64(live, link, LinkDescriptor.entryOffset(slot), aligned | 0x40L << 5));
        final Page bytes = live.map().pagesOf(Kind.BYTES_LINK).get(0);
        final long data = Le.u64(live.image(), Le.page(bytes.pfn()) + LinkDescriptor.entryOffset(0));
        assertCorrupt("impossible order", live, set64(live, bytes, LinkDescriptor.entryOffset(0), data | 1));
        assertCorrupt("non-zero index", live, set64(live, bytes, LinkDescriptor.INDEX_OFFSET, 1));
        // A hole: an entry after the first empty one; and a link with no entry at all.
        final Page long3 = live.map().pagesOf(Kind.FOLIO_LINK).stream()
            .filter(l -> Le.u64(live.image(), Le.page(l.pfn()) + LinkDescriptor.entryOffset(2)) != 0)
            .findFirst().orElseThrow();
        assertCorrupt("after its first empty one", live, set64(live, long3, LinkDescriptor.entryOffset(1), 0));
        final byte[] empty = live.image().clone();
        Arrays.fill(empty, (int)Le.page(long3.pfn()) + LinkDescriptor.ENTRIES_OFFSET,
            (int)Le.page(long3.pfn()) + Pfn.PAGE_SIZE, (byte)0);
        assertCorrupt("no entries", live, empty);
    }

    // ------------------------------------------------------------------------------------------------
    // Names

    @Test
    void nameWithoutNulIsCorrupt()
    {
        final Page node = live.map().pagesOf(Kind.NODE).get(0);
        final byte[] image = live.image().clone();
        Arrays.fill(image, (int)(Le.page(node.pfn()) + NodeDescriptor.NAME_OFFSET),
            (int)(Le.page(node.pfn()) + NodeDescriptor.NAME_OFFSET + NodeDescriptor.NAME_MAX), (byte)'A');
        assertCorrupt("no NUL", live, image);
    }

    @Test
    void twoNodesWithOneNameAreCorrupt()
    {
        final List<Page> nodes = live.map().pagesOf(Kind.NODE);
        final byte[] image = live.image().clone();
        System.arraycopy(image, (int)(Le.page(nodes.get(0).pfn()) + NodeDescriptor.NAME_OFFSET), image,
            (int)(Le.page(nodes.get(1).pfn()) + NodeDescriptor.NAME_OFFSET), NodeDescriptor.NAME_MAX);
        assertCorrupt("same name", live, image);
    }

    @Test
    void regressionNameThatIsNotUtf8IsCorrupt()
    {
        // Decoded with replacement, "\xFF" and "\xFE" became the same name (refused as a duplicate, the wrong
        // reason) and one alone booted under a name that is not its bytes.
        final List<Page> nodes = live.map().pagesOf(Kind.NODE);
        final byte[] image = live.image().clone();
        final long at = Le.page(nodes.get(0).pfn()) + NodeDescriptor.NAME_OFFSET;
        Arrays.fill(image, (int)at, (int)at + NodeDescriptor.NAME_MAX, (byte)0);
        image[(int)at] = (byte)0xFF;
        assertCorrupt("not UTF-8", live, image);
        final byte[] surrogate = live.image().clone();
        Arrays.fill(surrogate, (int)at, (int)at + NodeDescriptor.NAME_MAX, (byte)0);
        surrogate[(int)at] = (byte)0xED;
        surrogate[(int)at + 1] = (byte)0xA0;
        surrogate[(int)at + 2] = (byte)0x80;
        assertCorrupt("not UTF-8", live, surrogate);
    }

    @Test
    void regressionBytesAfterTheNameOrInReservedBytesAreCorrupt()
    {
        // Stray bytes in what must be zero were ignored: a flipped NUL in a longer name, or any damage in
        // the reserved part of the super block, a node, an object or the regions list, booted as if intact.
        final Page node = live.map().pagesOf(Kind.NODE).get(0);
        final int nameLength = ImageMap.nameLength(live.image(), Le.page(node.pfn()));
        assertCorrupt("after its name's NUL", live, setByte(live, node, NodeDescriptor.NAME_OFFSET + nameLength + 1));
        assertCorrupt("after its name's NUL", live, setByte(live, node, NodeDescriptor.LENGTH));
        assertCorrupt("after its name's NUL", live, setByte(live, node, Pfn.PAGE_SIZE - 1));
        final Page obj = live.map().pagesOf(Kind.OBJ).get(0);
        assertCorrupt("obj reserved bytes", live, setByte(live, obj, ObjDescriptor.LENGTH));
        assertCorrupt("obj reserved bytes", live, setByte(live, obj, Pfn.PAGE_SIZE - 1));
        assertCorrupt("super block reserved bytes", live, setByte(live, page(live, Kind.SUPER),
            SuperBlockDescriptor.PKRAM_LENGTH));
        assertCorrupt("super block reserved bytes", sealed, setByte(sealed, page(sealed, Kind.SUPER),
            Pfn.PAGE_SIZE - 1));
        final Page list = page(sealed, Kind.REGIONS);
        assertCorrupt("after its end", sealed, setByte(sealed, list, Pfn.PAGE_SIZE - 1));
    }

    // ------------------------------------------------------------------------------------------------
    // data_len

    @ParameterizedTest
    @ValueSource(strings = {"one byte past its pages", "a page fewer", "zero", "plus a page", "minus a page",
        "2^40", "max", "rounding overflows", "-1", "min"})
    void dataLenThatItsPagesCannotHoldIsCorrupt(final String lie)
    {
        final Page obj = objWithBytes(live);
        final long dataLen = Le.u64(live.image(), Le.page(obj.pfn()) + ObjDescriptor.DATA_LEN_OFFSET);
        final long pages = (dataLen + Pfn.PAGE_SIZE - 1) / Pfn.PAGE_SIZE;
        final long value = switch (lie)
        {
            case "one byte past its pages" -> pages * Pfn.PAGE_SIZE + 1;
            case "a page fewer" -> (pages - 1) * Pfn.PAGE_SIZE;
            case "zero" -> 0;
            case "plus a page" -> dataLen + Pfn.PAGE_SIZE;
            case "minus a page" -> dataLen - Pfn.PAGE_SIZE;
            case "2^40" -> 1L << 40;
            case "max" -> Long.MAX_VALUE;
            case "rounding overflows" -> Long.MAX_VALUE - 4094;
            case "-1" -> -1;
            default -> Long.MIN_VALUE;
        };
        assertCorrupt("data_len", live, set64(live, obj, ObjDescriptor.DATA_LEN_OFFSET, value));
    }

    @Test
    void dataLenWithinItsLastPageIsTheLengthRead() throws Exception
    {
        // The format can only hold data_len to its pages: a shorter length within the last page is a valid
        // image, and a load reads exactly that many bytes, never past the pages.
        final Page obj = objWithBytes(live);
        final long dataLen = Le.u64(live.image(), Le.page(obj.pfn()) + ObjDescriptor.DATA_LEN_OFFSET);
        final long shorter = dataLen - (dataLen - 1) % Pfn.PAGE_SIZE;
        final byte[] image = set64(live, obj, ObjDescriptor.DATA_LEN_OFFSET, shorter);
        assertTrue(ImageOracle.read(image, live.sbPfn()).valid());
        final Path file = write(image);
        try (Pkram pk = FuzzSeeds.boot(file, live.sbPfn(), Mode.KERNEL_FAITHFUL))
        {
            long total = 0;
            for (final String name : pk.nodeNames())
            {
                try (NodeLoad load = pk.prepareLoad(name))
                {
                    ObjLoad o;
                    while (true)
                    {
                        try
                        {
                            o = load.prepareLoadObj();
                        }
                        catch (final org.pkram.error.InvalidArgumentException emptyObject)
                        {
                            break;
                        }
                        if (o == null)
                        {
                            break;
                        }
                        if (o.dataLength() == shorter)
                        {
                            final byte[] buffer = new byte[(int)dataLen + Pfn.PAGE_SIZE];
                            int n;
                            while ((n = o.read(buffer, 0, buffer.length)) > 0)
                            {
                                total += n;
                            }
                        }
                        o.finish();
                    }
                }
            }
            assertEquals(shorter, total);
        }
    }

    @Test
    void negativeDataLenIsCorrupt()
    {
        final Page obj = objWithBytes(live);
        assertCorrupt("data_len", live, set64(live, obj, ObjDescriptor.DATA_LEN_OFFSET, -1));
        assertCorrupt("data_len", live, set64(live, obj, ObjDescriptor.DATA_LEN_OFFSET, Long.MIN_VALUE));
    }

    // ------------------------------------------------------------------------------------------------
    // Regions list

    @Test
    void regressionRegionWhoseEndOverflowsIsCorruptNotACrash()
    {
        // base + size past 2^63 wrapped negative, passed the range check, and the coverage check then
        // indexed the page bitmap with it: ArrayIndexOutOfBoundsException in boot and in fsck.
        final Page list = page(fragmented, Kind.REGIONS);
        final long at = Le.page(list.pfn());
        int last = 0;
        while (last + 1 < RegionListDescriptor.REGIONS_MAX &&
            Le.u64(fragmented.image(), at + RegionListDescriptor.regionOffset(last + 1) + 8) != 0)
        {
            last++;
        }
        assertCorrupt("region", fragmented, set64(fragmented, list, RegionListDescriptor.regionOffset(last),
            0x7FFF_FFFF_FFFF_F000L));
        assertCorrupt("region", fragmented, set64(fragmented, list, RegionListDescriptor.regionOffset(0) + 8,
            0x7FFF_FFFF_FFFF_F000L));
        assertCorrupt("region", fragmented, set64(fragmented, list, RegionListDescriptor.regionOffset(0) + 8,
            Long.MIN_VALUE));
    }

    @Test
    void regionsListLiesAreCorrupt()
    {
        final Page sb = page(sealed, Kind.SUPER);
        final long nr = Le.u64(sealed.image(), sb(sealed) + SuperBlockDescriptor.NR_REGIONS_OFFSET);
        for (final long count : new long[] {0, nr - 1, nr + 1, -1, Long.MAX_VALUE})
        {
            assertCorrupt("region", sealed, set64(sealed, sb, SuperBlockDescriptor.NR_REGIONS_OFFSET, count));
        }
        final Page list = page(sealed, Kind.REGIONS);
        final long base = Le.u64(sealed.image(), Le.page(list.pfn()) + RegionListDescriptor.regionOffset(0));
        final long size = Le.u64(sealed.image(), Le.page(list.pfn()) + RegionListDescriptor.regionOffset(0) + 8);
        assertCorrupt("region", sealed, set64(sealed, list, RegionListDescriptor.regionOffset(0), base + 1));
        assertCorrupt("region", sealed, set64(sealed, list, RegionListDescriptor.regionOffset(0), 0));
        assertCorrupt("region", sealed, set64(sealed, list, RegionListDescriptor.regionOffset(0) + 8, size + 4096));
        assertCorrupt("region", sealed, set64(sealed, list, RegionListDescriptor.regionOffset(0) + 8, size - 4096));
        assertCorrupt("prev_pfn", sealed, set64(sealed, list, RegionListDescriptor.PREV_PFN_OFFSET, 0));
        // Two list pages, swapped.
        final List<Page> lists = fragmented.map().pagesOf(Kind.REGIONS);
        assertTrue(lists.size() >= 2, "the fragmented seed has a regions list of several pages");
        final byte[] swapped = fragmented.image().clone();
        Mutations.swapPages(lists.get(0), lists.get(1)).edit().apply(new Mutation.Image(swapped, fragmented.sbPfn()));
        assertCorrupt("", fragmented, swapped);
    }

    @Test
    void regressionPreservedPagesAndFileSizeLiesAreCorrupt()
    {
        // preserved_pages was never compared with the walk; file_size was only compared, signed, with the
        // file's length, so 0, a size that is not a page multiple, or one of 2^63 and above passed.
        final Page sb = page(sealed, Kind.SUPER);
        final long preserved = Le.u64(sealed.image(), sb(sealed) + SuperBlockDescriptor.PRESERVED_PAGES_OFFSET);
        assertCorrupt("preserved_pages", sealed, set64(sealed, sb, SuperBlockDescriptor.PRESERVED_PAGES_OFFSET,
            preserved + 1));
        assertCorrupt("preserved_pages", sealed, set64(sealed, sb, SuperBlockDescriptor.PRESERVED_PAGES_OFFSET, 0));
        final long size = sealed.image().length;
        for (final long lie : new long[] {0, Pfn.PAGE_SIZE, size - 1, size + Pfn.PAGE_SIZE, Long.MIN_VALUE, -1})
        {
            assertCorrupt("file", sealed, set64(sealed, sb, SuperBlockDescriptor.FILE_SIZE_OFFSET, lie));
        }
    }

    @Test
    void regressionKernelSuperBlockWithPkramFieldsIsInvalid()
    {
        // Format 0 (the kernel's own page) must have every pkram field zero; file_size and preserved_pages
        // were not checked.
        for (final int offset : new int[] {SuperBlockDescriptor.FILE_SIZE_OFFSET,
            SuperBlockDescriptor.PRESERVED_PAGES_OFFSET, SuperBlockDescriptor.GENERATION_OFFSET})
        {
            final byte[] image = set64(kernel, page(kernel, Kind.SUPER), offset, 4L << 20);
            assertRefused(InvalidSuperBlockException.class, Errno.EINVAL, "without a format version", image,
                kernel.sbPfn());
        }
    }

    // ------------------------------------------------------------------------------------------------
    // A file of the wrong size

    @ParameterizedTest
    @ValueSource(longs = {-1, -4095, -4096, -(1L << 20)})
    void truncatedFileIsCorrupt(final long delta)
    {
        final byte[] image = Arrays.copyOf(sealed.image(), (int)(sealed.image().length + delta));
        assertRefused(CorruptImageException.class, Errno.EUCLEAN, "truncated", image, sealed.sbPfn());
    }

    @Test
    void fileShorterThanItsHeaderIsNotAMemoryFile()
    {
        assertRefused(NotAMemoryFileException.class, Errno.EINVAL, "shorter than its header",
            Arrays.copyOf(sealed.image(), 100), sealed.sbPfn());
        assertRefused(NotAMemoryFileException.class, Errno.EINVAL, "shorter than its header", new byte[0],
            sealed.sbPfn());
    }

    @Test
    void truncatedFileWhoseHeaderAgreesIsStillRefused()
    {
        // The header made to match the cut: the super block's file_size and the pfns still tell.
        final int half = sealed.image().length / 2;
        final byte[] image = Arrays.copyOf(sealed.image(), half);
        Le.put64(image, FileHeaderDescriptor.FILE_SIZE_OFFSET, half);
        assertRefused(CorruptImageException.class, Errno.EUCLEAN, "larger memory file", image, sealed.sbPfn());
        // A kernel super block records no size: cut just below the highest preserved page.
        final long top = kernel.map().referenced.stream().mapToLong(Long::longValue).max().orElseThrow();
        final int cut = (int)Le.page(top);
        final byte[] v0 = Arrays.copyOf(kernel.image(), cut);
        Le.put64(v0, FileHeaderDescriptor.FILE_SIZE_OFFSET, cut);
        assertRefused(CorruptImageException.class, Errno.EUCLEAN, "out of range", v0, kernel.sbPfn());
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 4095, 4096, 1L << 20})
    void grownFileBootsWithEveryNode(final long delta) throws Exception
    {
        final byte[] image = Arrays.copyOf(live.image(), (int)(live.image().length + delta));
        final Path file = write(image);
        final List<String> expected = ImageOracle.read(image, live.sbPfn()).nodes().stream()
            .map(ImageOracle.Node::name).sorted().toList();
        final long pfn;
        try (Pkram pk = FuzzSeeds.boot(file, live.sbPfn(), Mode.CRASH_SAFE))
        {
            assertEquals(expected, pk.nodeNames().stream().sorted().toList());
            pfn = pk.superBlockPfn();
        }
        try (Pkram pk = FuzzSeeds.boot(file, pfn, Mode.KERNEL_FAITHFUL))
        {
            assertEquals(expected, pk.nodeNames().stream().sorted().toList());
            try (NodeLoad load = pk.prepareLoad("gamma"))
            {
                try (ObjLoad obj = load.prepareLoadObj())
                {
                    assertTrue(obj.dataLength() > 0);
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------------
    // Replace: never both versions

    @Test
    void bothVersionsOfAReplacedNodeChainedAreCorrupt() throws Exception
    {
        // What a replace must never leave: its new version chained beside the old one. The service-live image
        // holds a new version of "index" written (sharing folios with the old one) but not swapped in; commit it
        // and chain it at the head, as a swap that forgot to take the old one out would.
        final byte[] image = serviceLive.image().clone();
        final long next = unchainedNode(serviceLive, "index");
        final long node = Le.page(next);
        assertEquals(NodeDescriptor.PKRAM_SAVE, Le.u32(image, node + NodeDescriptor.FLAGS_OFFSET));
        Le.put32(image, node + NodeDescriptor.FLAGS_OFFSET, 0);
        Le.put64(image, node + NodeDescriptor.NODE_PFN_OFFSET, Le.u64(image, sb(serviceLive) +
            SuperBlockDescriptor.NODE_PFN_OFFSET));
        Le.put64(image, sb(serviceLive) + SuperBlockDescriptor.NODE_PFN_OFFSET, next);
        assertCorrupt("two nodes have the same name", serviceLive, image);
        // Under another name, the two still share folios: pages referenced twice.
        image[(int)(node + NodeDescriptor.NAME_OFFSET + "index".length())] = '2';
        assertCorrupt("referenced twice", serviceLive, image);
        // Chained instead of the old one (the swap done right), the image is valid and holds one "index".
        final byte[] swapped = serviceLive.image().clone();
        Le.put32(swapped, node + NodeDescriptor.FLAGS_OFFSET, 0);
        final long old = serviceLive.map().pagesOf(Kind.NODE).stream()
            .filter(p -> Arrays.equals(name(serviceLive.image(), p.pfn()), name(swapped, next))).findFirst()
            .orElseThrow().pfn();
        Le.put64(swapped, node + NodeDescriptor.NODE_PFN_OFFSET, Le.u64(swapped, Le.page(old) +
            NodeDescriptor.NODE_PFN_OFFSET));
        repoint(swapped, serviceLive, old, next);
        final ImageOracle.Image oracle = ImageOracle.read(swapped, serviceLive.sbPfn());
        assertTrue(oracle.valid(), oracle.problem());
        assertEquals(1, oracle.nodes().stream().filter(n -> n.name().equals("index")).count());
        assertTrue(oracle.nodes().stream().anyMatch(n -> n.pfn() == next));
        try (Pkram pk = FuzzSeeds.boot(write(swapped), serviceLive.sbPfn(), Mode.CRASH_SAFE))
        {
            assertEquals(1, pk.nodeNames().stream().filter("index"::equals).count(), pk.nodeNames().toString());
        }
    }

    /** @return the node page named {@code name} that the chain does not reach (a replace's new version). */
    private static long unchainedNode(final Seed seed, final String name)
    {
        final byte[] image = seed.image();
        for (long pfn = 1; pfn < seed.map().pfnCount; pfn++)
        {
            if (!seed.map().referenced.contains(pfn) && Le.u32(image, Le.page(pfn) + NodeDescriptor.FLAGS_OFFSET) ==
                NodeDescriptor.PKRAM_SAVE && new String(name(image, pfn), java.nio.charset.StandardCharsets.UTF_8)
                .equals(name))
            {
                return pfn;
            }
        }
        throw new AssertionError("no unchained node " + name + " in " + seed);
    }

    private static byte[] name(final byte[] image, final long pfn)
    {
        final int at = (int)(Le.page(pfn) + NodeDescriptor.NAME_OFFSET);
        int end = at;
        while (end < at + NodeDescriptor.NAME_MAX && image[end] != 0)
        {
            end++;
        }
        return Arrays.copyOfRange(image, at, end);
    }

    /** Point whatever names node {@code from} in the chain (the super block or a node) at {@code to}. */
    private static void repoint(final byte[] image, final Seed seed, final long from, final long to)
    {
        if (Le.u64(image, sb(seed) + SuperBlockDescriptor.NODE_PFN_OFFSET) == from)
        {
            Le.put64(image, sb(seed) + SuperBlockDescriptor.NODE_PFN_OFFSET, to);
            return;
        }
        for (final Page node : seed.map().pagesOf(Kind.NODE))
        {
            if (Le.u64(image, Le.page(node.pfn()) + NodeDescriptor.NODE_PFN_OFFSET) == from)
            {
                Le.put64(image, Le.page(node.pfn()) + NodeDescriptor.NODE_PFN_OFFSET, to);
                return;
            }
        }
        throw new AssertionError("nothing names node 0x" + Long.toHexString(from));
    }

    // ------------------------------------------------------------------------------------------------
    // Helpers

    private static long sb(final Seed seed)
    {
        return Le.page(seed.sbPfn());
    }

    private static Page page(final Seed seed, final Kind kind)
    {
        return seed.map().pagesOf(kind).get(0);
    }

    private static Page objWithBytes(final Seed seed)
    {
        for (final Page obj : seed.map().pagesOf(Kind.OBJ))
        {
            if (Le.u64(seed.image(), Le.page(obj.pfn()) + ObjDescriptor.DATA_LEN_OFFSET) > Pfn.PAGE_SIZE)
            {
                return obj;
            }
        }
        throw new AssertionError("no obj with more than a page of bytes in " + seed);
    }

    private static byte[] set64(final Seed seed, final Page page, final int offset, final long value)
    {
        final byte[] image = seed.image().clone();
        Le.put64(image, Le.page(page.pfn()) + offset, value);
        return image;
    }

    private static byte[] setByte(final Seed seed, final Page page, final int offset)
    {
        final byte[] image = seed.image().clone();
        image[(int)(Le.page(page.pfn()) + offset)] = 'x';
        return image;
    }

    private static void assertCorrupt(final String message, final Seed seed, final byte[] image)
    {
        assertRefused(CorruptImageException.class, Errno.EUCLEAN, message, image, seed.sbPfn());
    }

    /** @return the one memory file the cases use, now holding {@code image}, with no pfn file beside it. */
    private static Path write(final byte[] image) throws IOException
    {
        FuzzSeeds.write(caseFile, image);
        Files.deleteIfExists(PfnFile.of(caseFile));
        return caseFile;
    }

    /**
     * Boot must refuse with {@code type} and {@code errno}, in both modes, the message naming the damage,
     * and leave the file byte-identical and the pfn file unwritten; fsck must report it too, without
     * crashing. (The format must forbid it as well: the fuzzer's oracle agrees.)
     */
    private static void assertRefused(final Class<? extends PkramException> type, final Errno errno,
        final String message, final byte[] image, final long pfn)
    {
        try
        {
            final Path file = write(image);
            assertFalse(ImageOracle.read(image, pfn).valid(), "the format forbids it too");
            for (final Mode mode : Mode.values())
            {
                final PkramException ex = assertThrows(type, () -> FuzzSeeds.boot(file, pfn, mode).close(),
                    "boot in " + mode);
                assertEquals(errno, ex.errno(), ex.getMessage());
                assertTrue(ex.getMessage().contains(message), "'" + message + "' in: " + ex.getMessage());
                assertArrayEquals(image, Files.readAllBytes(file), "the file is byte-identical");
                assertFalse(Files.exists(PfnFile.of(file)), "no pfn file written");
            }
            final PkramException bootError = assertThrows(type, () -> FuzzSeeds.boot(file, pfn, Mode.CRASH_SAFE));
            final boolean fromScanner = Arrays.stream(bootError.getStackTrace())
                .anyMatch(e -> e.getClassName().equals(ImageScanner.class.getName()));
            if (fromScanner)
            {
                final List<String> problems = new ArrayList<>();
                try (PhysMem mem = PhysMem.openReadOnly(file))
                {
                    ImageScanner.check(mem, pfn, problems);
                    assertFalse(problems.isEmpty(), "fsck reports it");
                }
                catch (final InvalidSuperBlockException | CorruptImageException expected)
                {
                    // fsck, too, refuses a super block it cannot walk at all
                }
                assertArrayEquals(image, Files.readAllBytes(file), "fsck changes nothing");
            }
        }
        catch (final IOException ex)
        {
            throw new java.io.UncheckedIOException(ex);
        }
    }
}
