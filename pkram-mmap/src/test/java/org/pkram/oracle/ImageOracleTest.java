package org.pkram.oracle;

import org.junit.jupiter.api.Test;
import org.pkram.DataKind;
import org.pkram.Folio;
import org.pkram.Mode;
import org.pkram.NodeSave;
import org.pkram.ObjSave;
import org.pkram.Pkram;
import org.pkram.PkramOptions;
import org.pkram.TestAccess;
import org.pkram.boot.NodeEntry;
import org.pkram.boot.PageBitmap;
import org.pkram.boot.ScanResult;
import org.pkram.mem.PageAllocator;
import org.pkram.testing.ScratchDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongPredicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The oracle itself: it shares no code with the library, it agrees with the library on images pkram writes
 * (sealed and live), and the comparison the crash harness and the fuzzer run reports a planted misreading on
 * the library's side, whichever part of the reading it hides in (a page, an entry, a node, the allocator).
 */
class ImageOracleTest
{
    private static final long FILE_SIZE = 8L << 20;

    @ScratchDir
    Path dir;

    @Test
    void oracleSharesNoCodeWithTheLibrary() throws IOException
    {
        // The point of the oracle is a second reading of FORMAT.md: one import of the library's layout, image
        // or boot code would let a shared misreading pass both sides unnoticed.
        final String source = Files.readString(Path.of("src/test/java/org/pkram/oracle/ImageOracle.java"));
        final List<String> offending = source.lines()
            .filter(l -> !l.startsWith("package ") && (l.contains("org.pkram.") || l.matches("import .*pkram.*")))
            .toList();
        assertEquals(List.of(), offending);
    }

    @Test
    void shouldAgreeWithTheLibraryOnASealedImageAndTheAllocatorAfterBoot() throws IOException
    {
        final Path file = format();
        final long pfn;
        try (Pkram pk = boot(file, 0, Mode.CRASH_SAFE))
        {
            populate(pk);
            pfn = pk.superBlockPfn();
        }
        final ImageOracle.Image oracle = ImageOracle.read(file, pfn);
        assertTrue(oracle.valid(), oracle.problem());
        assertEquals(ImageOracle.STATE_SEALED, oracle.state());
        assertEquals(List.of("bytes", "folios", "mixed"), oracle.nodes().stream().map(ImageOracle.Node::name)
            .sorted().toList());
        assertTrue(oracle.regionListPfns().length > 0, "a sealed image has a regions list");
        final ScannerAgreement.LibraryReading library = ScannerAgreement.scan(file, pfn);
        assertEquals(List.of(), ScannerAgreement.compare(oracle, library));
        try (Pkram pk = boot(file, pfn, Mode.CRASH_SAFE))
        {
            assertEquals(List.of(), ScannerAgreement.compareAllocator(oracle, TestAccess.allocator(pk)));
        }
    }

    @Test
    void shouldAgreeWithTheLibraryOnALiveImage() throws IOException
    {
        final Path file = format();
        final Path copy = dir.resolve("live.mem");
        final long pfn;
        try (Pkram pk = boot(file, 0, Mode.CRASH_SAFE))
        {
            populate(pk);
            pfn = pk.superBlockPfn();
            // What a kill -9 would leave: the file as it is while the instance runs.
            Files.copy(file, copy);
        }
        final ImageOracle.Image oracle = ImageOracle.read(copy, pfn);
        assertTrue(oracle.valid(), oracle.problem());
        assertEquals(ImageOracle.STATE_LIVE, oracle.state());
        assertEquals(0, oracle.regionListPfns().length);
        assertEquals(List.of(), ScannerAgreement.compare(oracle, ScannerAgreement.scan(copy, pfn)));
        try (Pkram pk = boot(copy, pfn, Mode.CRASH_SAFE))
        {
            assertEquals(List.of(), ScannerAgreement.compareAllocator(oracle, TestAccess.allocator(pk)));
        }
    }

    @Test
    void shouldRefuseWhatBootRefuses() throws IOException
    {
        final Path file = format();
        final long pfn;
        try (Pkram pk = boot(file, 0, Mode.CRASH_SAFE))
        {
            populate(pk);
            pfn = pk.superBlockPfn();
        }
        final byte[] image = Files.readAllBytes(file);
        assertTrue(ImageOracle.read(image, pfn).valid());
        final ImageOracle.Image stale = ImageOracle.read(image, pfn + 1);
        assertTrue(stale.problem().contains("stale"), stale.problem());
        assertFalse(stale.headerProblem());
        final byte[] foreign = image.clone();
        foreign[0] ^= 1;
        assertTrue(ImageOracle.read(foreign, pfn).headerProblem());
        final byte[] damaged = image.clone();
        final long nodePfn = ImageOracle.read(image, pfn).nodes().getFirst().pfn();
        damaged[(int)(nodePfn * ImageOracle.PAGE_SIZE) + ImageOracle.NODE_PAD] = 1;
        assertEquals("node padding", ImageOracle.read(damaged, pfn).problem());
    }

    @Test
    void shouldReportAScannerThatDropsAPage() throws IOException
    {
        final Reading reading = sealedReading();
        final long dropped = reading.oracle.nodes().getFirst().objs().getFirst().folios().getFirst().entries()
            .getFirst().pfn();
        final List<String> found = ScannerAgreement.compare(reading.oracle,
            withPages(reading.library, p -> p != dropped));
        assertTrue(found.stream().anyMatch(l -> l.contains("pfn 0x" + Long.toHexString(dropped) +
            " preserved by the oracle, not by the scanner")), found.toString());
    }

    @Test
    void shouldReportAScannerThatSkipsTheBytesStreamsPages() throws IOException
    {
        // The same misreading as a scanner that walked no byte stream: its data pages missing from the set.
        final Reading reading = sealedReading();
        final List<Long> bytePages = new ArrayList<>();
        reading.oracle.nodes().forEach(n -> n.objs().forEach(o ->
        {
            for (final long p : o.bytePfns())
            {
                bytePages.add(p);
            }
        }));
        assertFalse(bytePages.isEmpty());
        final List<String> found = ScannerAgreement.compare(reading.oracle,
            withPages(reading.library, p -> !bytePages.contains(p)));
        assertTrue(found.getFirst().startsWith("preserved pages: scanner "), found.toString());
        final long lowest = bytePages.stream().mapToLong(Long::longValue).min().orElseThrow();
        assertEquals("preserved pages: pfn 0x" + Long.toHexString(lowest) + " preserved by the oracle, not by the " +
            "scanner", found.get(1));
    }

    @Test
    void shouldReportAViewThatDecodesAnEntryOrderWrongly() throws IOException
    {
        final Reading reading = sealedReading();
        final List<ImageOracle.Node> structure = new ArrayList<>(reading.library.structure());
        final ImageOracle.Node node = structure.getFirst();
        final ImageOracle.Obj obj = node.objs().getFirst();
        final ImageOracle.Link link = obj.folios().getFirst();
        final ImageOracle.Entry entry = link.entries().getFirst();
        final List<ImageOracle.Entry> entries = new ArrayList<>(link.entries());
        entries.set(0, new ImageOracle.Entry(entry.pfn(), entry.order() + 1, entry.flags(), entry.index()));
        final List<ImageOracle.Link> links = new ArrayList<>(obj.folios());
        links.set(0, new ImageOracle.Link(link.pfn(), link.index(), entries));
        final List<ImageOracle.Obj> objs = new ArrayList<>(node.objs());
        objs.set(0, new ImageOracle.Obj(obj.pfn(), obj.dataLen(), links, obj.bytes()));
        structure.set(0, new ImageOracle.Node(node.pfn(), node.name(), node.flags(), objs));
        final List<String> found = ScannerAgreement.compare(reading.oracle,
            new ScannerAgreement.LibraryReading(reading.library.scan(), structure));
        assertEquals(List.of("node " + node.name() + " obj 0 folios link 0 (0x" + Long.toHexString(link.pfn()) +
            ") entry 0: views read " + entries.getFirst() + ", oracle " + entry), found);
    }

    @Test
    void shouldReportAScannerThatLosesANode() throws IOException
    {
        final Reading reading = sealedReading();
        final ScanResult scan = reading.library.scan();
        final String lost = scan.nodes().getLast().name();
        final List<NodeEntry> nodes = scan.nodes().subList(0, scan.nodes().size() - 1);
        final ScanResult planted = new ScanResult(scan.superBlockPfn(), scan.state(), scan.generation(), nodes,
            scan.pages(), scan.regionListPfns(), scan.regions(), scan.regionListPfn());
        final List<String> found = ScannerAgreement.compare(reading.oracle, new ScannerAgreement.LibraryReading(
            planted, reading.library.structure().subList(0, nodes.size())));
        assertTrue(found.getFirst().startsWith("nodes (chain order): scanner "), found.toString());
        assertTrue(found.contains("node " + lost + ": the oracle has it, the scanner does not"), found.toString());
    }

    @Test
    void shouldReportAnAllocatorThatDoesNotHoldAPreservedPage() throws IOException
    {
        final Reading reading = sealedReading();
        final long page = reading.oracle.nodes().getFirst().pfn();
        try (Pkram pk = boot(reading.file, reading.pfn, Mode.CRASH_SAFE))
        {
            final PageAllocator allocator = TestAccess.allocator(pk);
            allocator.free(page, 0);
            final List<String> found = ScannerAgreement.compareAllocator(reading.oracle, allocator);
            assertTrue(found.contains("allocator: pfn 0x" + Long.toHexString(page) +
                " reserved=false, the oracle says preserved"), found.toString());
            assertTrue(allocator.reserve(page, 0), "put back before the instance closes");
        }
    }

    private record Reading(Path file, long pfn, ImageOracle.Image oracle, ScannerAgreement.LibraryReading library)
    {
    }

    private Reading sealedReading() throws IOException
    {
        final Path file = format();
        final long pfn;
        try (Pkram pk = boot(file, 0, Mode.CRASH_SAFE))
        {
            populate(pk);
            pfn = pk.superBlockPfn();
        }
        final ImageOracle.Image oracle = ImageOracle.read(file, pfn);
        final ScannerAgreement.LibraryReading library = ScannerAgreement.scan(file, pfn);
        assertEquals(List.of(), ScannerAgreement.compare(oracle, library), "agree before anything is planted");
        return new Reading(file, pfn, oracle, library);
    }

    /** The library's reading with its page set filtered: a scanner that did not claim some pages. */
    private static ScannerAgreement.LibraryReading withPages(final ScannerAgreement.LibraryReading library,
        final LongPredicate keep)
    {
        final ScanResult scan = library.scan();
        final PageBitmap pages = new PageBitmap(scan.pages().pfnCount());
        for (long p = scan.pages().nextSet(0); p >= 0; p = scan.pages().nextSet(p + 1))
        {
            if (keep.test(p))
            {
                pages.set(p);
            }
        }
        return new ScannerAgreement.LibraryReading(new ScanResult(scan.superBlockPfn(), scan.state(),
            scan.generation(), scan.nodes(), pages, scan.regionListPfns(), scan.regions(), scan.regionListPfn()),
            library.structure());
    }

    private Path format()
    {
        final Path file = dir.resolve("pkram.mem");
        Pkram.format(file, FILE_SIZE, false);
        return file;
    }

    private static Pkram boot(final Path file, final long pfn, final Mode mode)
    {
        return Pkram.boot(PkramOptions.of(file).superBlockPfn(pfn).mode(mode).shutdownHook(false));
    }

    /** Three nodes: folios of orders 0..3 with index gaps, a byte stream over two links' worth, both kinds. */
    private static void populate(final Pkram pk)
    {
        try (NodeSave save = pk.prepareSave("folios"))
        {
            try (ObjSave obj = save.prepareSaveObj(DataKind.FOLIOS))
            {
                long index = 0;
                for (int i = 0; i < 40; i++)
                {
                    final Folio folio = pk.allocFolio(i % 4);
                    folio.buffer().putLong(0, i);
                    obj.saveFolio(folio, index);
                    index += folio.pageCount() + (i % 5 == 4 ? 3 : 0);
                }
            }
            save.finish();
        }
        try (NodeSave save = pk.prepareSave("bytes"))
        {
            try (ObjSave obj = save.prepareSaveObj(DataKind.BYTES))
            {
                final byte[] data = new byte[600 * ImageOracle.PAGE_SIZE + 123];
                obj.write(data, 0, data.length);
            }
            save.finish();
        }
        try (NodeSave save = pk.prepareSave("mixed"))
        {
            for (int k = 0; k < 3; k++)
            {
                try (ObjSave obj = save.prepareSaveObj(DataKind.BYTES, DataKind.FOLIOS))
                {
                    obj.write(new byte[] {1, 2, 3}, 0, 3);
                    obj.saveFolio(pk.allocFolio(k), 7);
                }
            }
            save.finish();
        }
    }
}
