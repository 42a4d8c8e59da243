package org.pkram;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.pkram.boot.ImageScanner;
import org.pkram.boot.NodeEntry;
import org.pkram.boot.ScanResult;
import org.pkram.mem.PhysMem;
import org.pkram.testing.CPrograms;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * DESIGN §2: a C program compiled from the kernel's v3 struct definitions ({@code src/test/c/pkram_walk.c})
 * walks an image pkram sealed (super block, nodes, objects, links, pages, regions list) and prints every
 * field of every struct and an FNV-1a digest of every folio and byte stream. The test judges that output
 * against its own record of what it saved ({@link SavedImage}, {@link KernelWalkCheck}), not against the
 * library's reading; it also requires the library's scanner to agree with the C walk.
 * <p>
 * Images: several nodes of mixed content, in each mode; an object of more than 510 folios (link rollover)
 * with a regions list of several pages; an image sealed after a load, a truncate and more saves.
 * Needs gcc (on every project machine; .ci/run installs it where missing).
 */
class KernelStructInteropTest
{
    private static final int PAGE_SIZE = SavedImage.PAGE_SIZE;
    private static final int[] ORDERS = {0, 1, 4, 9, 10, 2, 0, 3};

    @TempDir
    static Path walkerDir;

    private static Path walker;

    @TempDir
    Path dir;

    @BeforeAll
    static void compileWalker() throws Exception
    {
        walker = compileWalker(walkerDir);
    }

    /**
     * Build the C walker from the v3 struct definitions, warnings as errors.
     *
     * @param dir where to put the binary.
     * @return the binary.
     */
    static Path compileWalker(final Path dir) throws Exception
    {
        return CPrograms.compile("pkram_walk.c", dir);
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void shouldBeWalkableByACProgramBuiltFromTheV3Structs(final Mode mode) throws Exception
    {
        final Path file = Images.format(dir, Images.SMALL);
        final SavedImage saved = new SavedImage();
        final long pfn;
        try (Pkram pk = Images.bootFresh(file, mode))
        {
            saveMixed(pk, saved, "alpha", 1, 14);
            saveCopiesAndGaps(pk, saved, "beta", 2);
            saveMixed(pk, saved, "γάμμα", 3, 3);
            saveOddObjects(pk, saved, "n".repeat(255), 4);
            pfn = pk.superBlockPfn();
        }
        walkAndCheck(file, pfn, saved);
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void shouldWalkAnObjectOfMoreThanOneLinkAndARegionsListOfSeveralPages(final Mode mode) throws Exception
    {
        final Path file = Images.format(dir, Images.SMALL);
        final SavedImage saved = new SavedImage();
        final long pfn;
        try (Pkram pk = Images.bootFresh(file, mode))
        {
            try (NodeSave save = pk.prepareSave("big"))
            {
                final SavedImage.Node node = SavedImage.begin(save);
                try (ObjSave obj = save.prepareSaveObj(DataKind.FOLIOS, DataKind.BYTES))
                {
                    final SavedImage.Obj rec = SavedImage.obj(node, true, true);
                    // 1200 folios: links of 510 (full, index contiguous), 190 (cut by an index gap) and 500.
                    // After each saved folio one is kept unsaved, a hole: some 1200 runs, 5 list pages.
                    for (int i = 0; i < 1200; i++)
                    {
                        SavedImage.saveFolio(pk, obj, rec, 0, i < 700 ? i : i + 5, 10);
                        pk.allocFolio(0);
                    }
                    // 513 data pages: byte links of 510 and 3 entries; the last page holds 3996 bytes.
                    SavedImage.write(obj, rec, Images.bytes(11, 513 * PAGE_SIZE - 100));
                }
                saved.finish(save, node);
            }
            saveMixed(pk, saved, "small", 12, 1);
            pfn = pk.superBlockPfn();
        }
        final KernelWalk walk = walkAndCheck(file, pfn, saved);
        final KernelWalk.Obj big = walk.nodes.getLast().objs.getFirst();
        assertEquals(List.of(510, 190, 500), big.folioLinks.stream().map(l -> l.entries.size()).toList());
        assertEquals(List.of(0L, 510L, 705L), big.folioLinks.stream().map(l -> l.index).toList());
        assertEquals(List.of(510, 3), big.byteLinks.stream().map(l -> l.entries.size()).toList());
        assertEquals(5, walk.regionsPages.size(), "regions list pages");
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void shouldWalkAnImageSealedAfterALoadATruncateAndMoreSaves(final Mode mode) throws Exception
    {
        final Path file = Images.format(dir, Images.SMALL);
        final SavedImage saved = new SavedImage();
        long pfn;
        try (Pkram pk = Images.bootFresh(file, mode))
        {
            saveMixed(pk, saved, "a", 21, 6);
            saveCopiesAndGaps(pk, saved, "b", 22);
            saveMixed(pk, saved, "c", 23, 4);
            pfn = pk.superBlockPfn();
        }
        walkAndCheck(file, pfn, saved);

        try (Pkram pk = Images.boot(file, pfn, mode))
        {
            drain(pk, "b");
            saved.loaded("b");
            saveMixed(pk, saved, "d", 24, 5);
            pfn = pk.superBlockPfn();
        }
        walkAndCheck(file, pfn, saved);

        try (Pkram pk = Images.boot(file, pfn, mode))
        {
            assertEquals(3, pk.truncate(), "nodes truncated");
            saved.truncated();
            saveMixed(pk, saved, "e", 25, 7);
            saveOddObjects(pk, saved, "f", 26);
            pfn = pk.superBlockPfn();
        }
        walkAndCheck(file, pfn, saved);

        try (Pkram pk = Images.boot(file, pfn, mode))
        {
            assertEquals(List.of("e", "f"), pk.nodeNames());
        }
    }

    /**
     * One object of {@code folios} folios of mixed orders with index gaps now and then, and a byte stream
     * written in pieces that cross page boundaries; then a bytes-only object holding the name.
     */
    private static void saveMixed(final Pkram pk, final SavedImage saved, final String name, final long seed,
        final int folios)
    {
        try (NodeSave save = pk.prepareSave(name))
        {
            final SavedImage.Node node = SavedImage.begin(save);
            try (ObjSave obj = save.prepareSaveObj(DataKind.FOLIOS, DataKind.BYTES))
            {
                final SavedImage.Obj rec = SavedImage.obj(node, true, true);
                long index = seed;
                for (int i = 0; i < folios; i++)
                {
                    final int order = ORDERS[(int)((i + seed) % ORDERS.length)];
                    SavedImage.saveFolio(pk, obj, rec, order, index, seed);
                    index += (1L << order) + (i % 3 == 2 ? 7 : 0);
                }
                final byte[] data = Images.bytes(seed, 12_345 + (int)seed);
                SavedImage.write(obj, rec, Arrays.copyOfRange(data, 0, 100));
                SavedImage.write(obj, rec, Arrays.copyOfRange(data, 100, 5000));
                SavedImage.write(obj, rec, Arrays.copyOfRange(data, 5000, data.length));
            }
            try (ObjSave attrs = save.prepareSaveObj(DataKind.BYTES))
            {
                SavedImage.write(attrs, SavedImage.obj(node, false, true), name.getBytes(StandardCharsets.UTF_8));
            }
            saved.finish(save, node);
        }
    }

    /**
     * Folios copied in (5000 bytes: two order-0 pages, the second zero-filled), one saved by reference at the
     * next index (same link) and one at an earlier index (a new link); a byte stream of exactly one page; a
     * folios-only object of one order-5 folio.
     */
    private static void saveCopiesAndGaps(final Pkram pk, final SavedImage saved, final String name,
        final long seed)
    {
        try (NodeSave save = pk.prepareSave(name))
        {
            final SavedImage.Node node = SavedImage.begin(save);
            try (ObjSave obj = save.prepareSaveObj(DataKind.FOLIOS, DataKind.BYTES))
            {
                final SavedImage.Obj rec = SavedImage.obj(node, true, true);
                SavedImage.saveCopy(obj, rec, Images.bytes(seed, 5000), 100);
                SavedImage.saveFolio(pk, obj, rec, 1, 102, seed);
                SavedImage.saveFolio(pk, obj, rec, 0, 50, seed);
                SavedImage.write(obj, rec, Images.bytes(seed + 1, PAGE_SIZE));
            }
            try (ObjSave obj = save.prepareSaveObj(DataKind.FOLIOS))
            {
                SavedImage.saveFolio(pk, obj, SavedImage.obj(node, true, false), 5, 64, seed);
            }
            saved.finish(save, node);
        }
    }

    /**
     * A one-byte byte stream, and an object whose folio stream stayed empty (both streams empty: legal in
     * the image, FORMAT.md §5).
     */
    private static void saveOddObjects(final Pkram pk, final SavedImage saved, final String name, final long seed)
    {
        try (NodeSave save = pk.prepareSave(name))
        {
            final SavedImage.Node node = SavedImage.begin(save);
            try (ObjSave obj = save.prepareSaveObj(DataKind.BYTES))
            {
                SavedImage.write(obj, SavedImage.obj(node, false, true), new byte[] {(byte)seed});
            }
            try (ObjSave ignored = save.prepareSaveObj(DataKind.FOLIOS))
            {
                SavedImage.obj(node, true, false);
            }
            saved.finish(save, node);
        }
    }

    /** Load node {@code name} to the end and give its folios back. */
    private static void drain(final Pkram pk, final String name)
    {
        try (NodeLoad load = pk.prepareLoad(name))
        {
            ObjLoad obj;
            while ((obj = load.prepareLoadObj()) != null)
            {
                try (ObjLoad o = obj)
                {
                    Folio folio;
                    while ((folio = o.loadFolio()) != null)
                    {
                        pk.freeFolio(folio);
                    }
                    final byte[] bytes = new byte[(int)o.dataLength()];
                    assertEquals(bytes.length, o.read(bytes, 0, bytes.length));
                }
            }
            load.finish();
        }
    }

    private static KernelWalk walkAndCheck(final Path file, final long pfn, final SavedImage saved) throws Exception
    {
        final String output = run(List.of(walker.toString(), file.toString(), Long.toHexString(pfn)), 0);
        final KernelWalk walk = KernelWalk.parse(output);
        KernelWalkCheck.check(saved, walk, pfn, Files.size(file) / PAGE_SIZE);
        assertNull(agreeWithScanner(file, pfn, walk));
        return walk;
    }

    /**
     * The library's scanner reads the same figures as the C walk: per node its objects, folios, folio pages
     * and byte-stream length, and the regions.
     *
     * @return null when they agree, else both readings.
     */
    private static String agreeWithScanner(final Path file, final long pfn, final KernelWalk walk)
    {
        final List<String> fromC = new ArrayList<>();
        for (final KernelWalk.Node node : walk.nodes)
        {
            long folios = 0;
            long pages = 0;
            long dataLen = 0;
            for (final KernelWalk.Obj obj : node.objs)
            {
                for (final KernelWalk.Link link : obj.folioLinks)
                {
                    folios += link.entries.size();
                    pages += link.entries.stream().mapToLong(e -> 1L << e.order()).sum();
                }
                dataLen += obj.dataLen;
            }
            fromC.add(node.name + " objs=" + node.objs.size() + " folios=" + folios + " pages=" + pages + " bytes=" +
                dataLen);
        }
        walk.regionsPages.forEach(page -> page.regions.forEach(r -> fromC.add("region " +
            Long.toHexString(r.base() / PAGE_SIZE) + "-" + Long.toHexString((r.base() + r.size()) / PAGE_SIZE))));

        final List<String> fromScanner = new ArrayList<>();
        try (PhysMem mem = PhysMem.openReadOnly(file))
        {
            final ScanResult scan = ImageScanner.scan(mem, pfn);
            for (final NodeEntry node : scan.nodes())
            {
                fromScanner.add(node.name() + " objs=" + node.objs() + " folios=" + node.folios() + " pages=" +
                    node.folioPages() + " bytes=" + node.dataLen());
            }
            for (final long[] region : scan.regions())
            {
                fromScanner.add("region " + Long.toHexString(region[0]) + "-" + Long.toHexString(region[1]));
            }
        }
        return fromC.equals(fromScanner) ? null : "C walk:\n" + String.join("\n", fromC) + "\nscanner:\n" +
            String.join("\n", fromScanner);
    }

    static String run(final List<String> command, final int expectedExit) throws Exception
    {
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        final String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS))
        {
            process.destroyForcibly();
            throw new AssertionError("timed out: " + command);
        }
        assertEquals(expectedExit, process.exitValue(), command + ": " + out);
        return out;
    }
}
