package org.pkram;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.pkram.error.Errno;
import org.pkram.error.InvalidSuperBlockException;
import org.pkram.testing.Fnv1a64;
import org.pkram.testing.GoldenHex;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.pkram.testing.Digests.sha256;

/**
 * Golden images from real runs: a fixed save sequence on a fresh file of 64 pages, sealed by a reboot,
 * compared byte for byte with structural pages written by hand from docs/FORMAT.md
 * ({@code src/test/resources/golden/image-*.hex}): the super block, nodes, objects, links and the regions
 * list, and the file header but for its creation time. Also a super block written from the kernel struct
 * alone (version 0), which pkram must boot, and one consumed by a kernel-faithful boot, which pkram must
 * refuse (EINVAL).
 * <p>
 * The pfns are deterministic: a 64-page file is one word of the allocator's bitmap, so every allocation
 * takes the lowest free naturally aligned folio whichever thread (and so whichever cursor stripe) asks; the
 * sequence is run on the test thread and on a thread of its own and both must give the golden bytes.
 */
class GoldenImageTest
{
    /** 64 pages: one 64-bit word of the allocator bitmap. */
    private static final long FILE_SIZE = 64 * 4096;
    private static final int PAGE_SIZE = 4096;
    private static final long SB_PFN = 1;

    @TempDir
    static Path walkerDir;

    private static Path walker;

    @TempDir
    Path dir;

    @BeforeAll
    static void compileWalker() throws Exception
    {
        walker = KernelStructInteropTest.compileWalker(walkerDir);
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void shouldSealTheGoldenImage(final Mode mode) throws Exception
    {
        final Path onTestThread = Images.format(Files.createDirectory(dir.resolve("a")), FILE_SIZE);
        final SavedImage saved = runSequence(onTestThread, mode);
        final Path onOwnThread = Images.format(Files.createDirectory(dir.resolve("b")), FILE_SIZE);
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread thread = new Thread(() ->
        {
            try
            {
                runSequence(onOwnThread, mode);
            }
            catch (final Throwable ex)
            {
                failure.set(ex);
            }
        });
        thread.start();
        thread.join();
        assertNull(failure.get());

        final Map<Long, int[]> golden = golden("image-sealed.hex");
        for (final Path file : List.of(onTestThread, onOwnThread))
        {
            final byte[] image = Files.readAllBytes(file);
            assertPages("image-sealed.hex", golden, image);
            assertEquals(golden.keySet(), structuralPages(image, SB_PFN),
                "the golden file lists every structural page of the image");
        }

        // The image is a working one: every folio and byte comes back, with its index.
        try (Pkram pk = Images.boot(onTestThread, SB_PFN, mode))
        {
            assertNull(loadAndVerify(pk, saved));
        }
    }

    @Test
    void shouldBootASuperBlockWrittenFromTheKernelStructAlone() throws Exception
    {
        final Path file = Images.format(dir, FILE_SIZE);
        final SavedImage saved = runSequence(file, Mode.CRASH_SAFE);
        KernelStructInteropTest.run(List.of(walker.toString(), "--write-kernel-sb", file.toString(),
            Long.toHexString(SB_PFN)), 0);

        final Map<Long, int[]> sealed = golden("image-sealed.hex");
        sealed.remove(SB_PFN);
        final byte[] image = Files.readAllBytes(file);
        assertPages("image-kernel-sb.hex", golden("image-kernel-sb.hex"), image);
        assertPages("image-sealed.hex", sealed, image);

        try (Pkram pk = Images.boot(file, SB_PFN, Mode.CRASH_SAFE))
        {
            assertEquals(1, pk.generation(), "generation: none recorded in a version-0 page, plus 1");
            assertPages("image-kernel-sb-booted.hex", golden("image-kernel-sb-booted.hex"), Files.readAllBytes(file));
            assertNull(loadAndVerify(pk, saved));
        }
    }

    @Test
    void shouldRefuseToBootASuperBlockConsumedByAKernelFaithfulBoot() throws Exception
    {
        final Path file = Images.format(dir, FILE_SIZE);
        runSequence(file, Mode.KERNEL_FAITHFUL);
        assertPages("image-sealed.hex", golden("image-sealed.hex"), Files.readAllBytes(file));

        final Pkram first = Images.boot(file, SB_PFN, Mode.KERNEL_FAITHFUL);
        assertEquals(2, first.generation());
        // The process dies here, without an orderly reboot: unmap without rebooting.
        first.mem().close();
        assertPages("image-consumed.hex", golden("image-consumed.hex"), Files.readAllBytes(file));

        final String before = sha256(file);
        for (final Mode mode : Mode.values())
        {
            final InvalidSuperBlockException ex = assertThrows(InvalidSuperBlockException.class,
                () -> Images.boot(file, SB_PFN, mode), mode.name());
            assertEquals(Errno.EINVAL, ex.errno(), mode.name());
            assertTrue(ex.getMessage().contains("consumed by boot generation 2"), ex.getMessage());
            assertEquals(before, sha256(file), mode + ": a refused boot changes no byte");
        }
        // A reader of the kernel struct refuses it too: the magic is gone.
        assertEquals("invalid super block\n", KernelStructInteropTest.run(List.of(walker.toString(),
            file.toString(), Long.toHexString(SB_PFN)), 1));
    }

    @Test
    void shouldRefuseAVersionZeroSuperBlockConsumedByAKernelFaithfulBoot() throws Exception
    {
        final Path file = Images.format(dir, FILE_SIZE);
        runSequence(file, Mode.CRASH_SAFE);
        KernelStructInteropTest.run(List.of(walker.toString(), "--write-kernel-sb", file.toString(),
            Long.toHexString(SB_PFN)), 0);
        final Pkram first = Images.boot(file, SB_PFN, Mode.KERNEL_FAITHFUL);
        first.mem().close();

        final String before = sha256(file);
        final InvalidSuperBlockException ex = assertThrows(InvalidSuperBlockException.class,
            () -> Images.boot(file, SB_PFN, Mode.KERNEL_FAITHFUL));
        assertEquals(Errno.EINVAL, ex.errno());
        assertEquals(before, sha256(file), "a refused boot changes no byte");
    }

    /**
     * FORMAT.md §3: format_version is "0 only in a page pkram has never written", and a kernel-faithful boot
     * "stores CONSUMED and its new generation"; the refusal names the consuming boot. A kernel-faithful boot
     * of a version-0 super block once wrote state 3 and generation 1 but left format_version (and file_size)
     * 0, so booting it again was refused as "bad magic" rather than as consumed.
     */
    @Test
    void shouldRecordAVersionZeroSuperBlockConsumedByAKernelFaithfulBootAsFormatVersion1() throws Exception
    {
        final Path file = Images.format(dir, FILE_SIZE);
        runSequence(file, Mode.CRASH_SAFE);
        KernelStructInteropTest.run(List.of(walker.toString(), "--write-kernel-sb", file.toString(),
            Long.toHexString(SB_PFN)), 0);
        final Pkram first = Images.boot(file, SB_PFN, Mode.KERNEL_FAITHFUL);
        first.mem().close();

        final ByteBuffer image = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(1, image.getInt(PAGE_SIZE + 32), "format_version of a page pkram wrote");
        assertEquals(3, image.getInt(PAGE_SIZE + 36), "state CONSUMED");
        final InvalidSuperBlockException ex = assertThrows(InvalidSuperBlockException.class,
            () -> Images.boot(file, SB_PFN, Mode.KERNEL_FAITHFUL));
        assertTrue(ex.getMessage().contains("consumed by boot generation 1"), ex.getMessage());
    }

    /**
     * The fixed sequence the golden image describes (see the header of image-sealed.hex), sealed by a
     * reboot. The content is deterministic: folios by (seed, index), bytes by seed.
     */
    private static SavedImage runSequence(final Path file, final Mode mode)
    {
        final SavedImage saved = new SavedImage();
        try (Pkram pk = Images.bootFresh(file, mode))
        {
            assertEquals(SB_PFN, pk.superBlockPfn());
            try (NodeSave save = pk.prepareSave("vm0"))
            {
                final SavedImage.Node node = SavedImage.begin(save);
                try (ObjSave obj = save.prepareSaveObj(DataKind.FOLIOS, DataKind.BYTES))
                {
                    final SavedImage.Obj a = SavedImage.obj(node, true, true);
                    SavedImage.saveFolio(pk, obj, a, 0, 0, 101);
                    SavedImage.saveFolio(pk, obj, a, 1, 1, 101);
                    pk.allocFolio(0); // kept, never saved: the hole at pfn 0x8
                    SavedImage.saveFolio(pk, obj, a, 2, 7, 101);
                    SavedImage.write(obj, a, Images.bytes(102, 5000));
                }
                saved.finish(save, node);
            }
            try (NodeSave save = pk.prepareSave("vm1"))
            {
                final SavedImage.Node node = SavedImage.begin(save);
                try (ObjSave obj = save.prepareSaveObj(DataKind.BYTES))
                {
                    SavedImage.write(obj, SavedImage.obj(node, false, true), "pkram vm1\n".getBytes(
                        StandardCharsets.US_ASCII));
                }
                try (ObjSave obj = save.prepareSaveObj(DataKind.FOLIOS))
                {
                    SavedImage.saveFolio(pk, obj, SavedImage.obj(node, true, false), 0, 3, 103);
                }
                saved.finish(save, node);
            }
        }
        return saved;
    }

    /**
     * Load every node of {@code saved} and compare each folio (index, order, digest of its bytes) and each
     * byte stream with the record.
     *
     * @return null when all is there, else what differs.
     */
    private static String loadAndVerify(final Pkram pk, final SavedImage saved)
    {
        for (final SavedImage.Node node : saved.chain())
        {
            try (NodeLoad load = pk.prepareLoad(node.name))
            {
                for (final SavedImage.Obj obj : node.objs.reversed())
                {
                    try (ObjLoad o = load.prepareLoadObj())
                    {
                        for (final SavedImage.SavedFolio want : obj.folios)
                        {
                            final Folio folio = o.loadFolio();
                            if (folio == null || folio.index() != want.index() || folio.order() != want.order())
                            {
                                return node.name + ": folio " + want + " came back as " + folio;
                            }
                            final byte[] bytes = new byte[folio.byteLength()];
                            folio.buffer().getBytes(0, bytes);
                            if (Fnv1a64.of(bytes) != want.fnv())
                            {
                                return node.name + ": folio content " + want;
                            }
                        }
                        final byte[] bytes = new byte[(int)o.dataLength()];
                        if (o.loadFolio() != null || bytes.length != obj.dataLen() ||
                            o.read(bytes, 0, bytes.length) != bytes.length || Fnv1a64.of(bytes) != obj.bytesFnv())
                        {
                            return node.name + ": stream end or byte stream";
                        }
                    }
                }
                if (load.prepareLoadObj() != null)
                {
                    return node.name + ": unexpected object";
                }
            }
        }
        return null;
    }

    /**
     * Every page the structures reference, by raw little-endian reads of the kernel fields (no library
     * code): page 0, the super block, nodes, objects, links of both streams, regions list pages.
     */
    private static TreeSet<Long> structuralPages(final byte[] image, final long sbPfn)
    {
        final ByteBuffer le = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        final TreeSet<Long> pages = new TreeSet<>(List.of(0L, sbPfn));
        for (long node = u64(le, sbPfn, 8); node != 0; node = u64(le, node, 16))
        {
            pages.add(node);
            for (long obj = u64(le, node, 8); obj != 0; obj = u64(le, obj, 40))
            {
                pages.add(obj);
                for (final long head : new long[] {u64(le, obj, 0), u64(le, obj, 16)})
                {
                    for (long link = head; link != 0; link = u64(le, link, 0))
                    {
                        pages.add(link);
                    }
                }
            }
        }
        for (long list = u64(le, sbPfn, 16); list != 0; list = u64(le, list, 8))
        {
            pages.add(list);
        }
        return pages;
    }

    private static long u64(final ByteBuffer le, final long pfn, final int offset)
    {
        return le.getLong(Math.toIntExact(pfn * PAGE_SIZE + offset));
    }

    /**
     * Compare the golden pages with the image: every listed byte, and every byte not listed is zero; bytes
     * marked {@code ??} are not compared.
     */
    private static void assertPages(final String name, final Map<Long, int[]> golden, final byte[] image)
    {
        final List<String> diffs = new ArrayList<>();
        for (final Map.Entry<Long, int[]> page : golden.entrySet())
        {
            final int base = Math.toIntExact(page.getKey() * PAGE_SIZE);
            final int[] expected = page.getValue();
            for (int i = 0; i < PAGE_SIZE; i++)
            {
                final int actual = image[base + i] & 0xFF;
                if (expected[i] >= 0 && expected[i] != actual)
                {
                    diffs.add(String.format("pfn 0x%x offset 0x%03x: expected %02x, actual %02x", page.getKey(), i,
                        expected[i], actual));
                }
            }
        }
        if (!diffs.isEmpty())
        {
            fail("image differs from golden/" + name + " in " + diffs.size() + " bytes:\n" +
                String.join("\n", diffs.subList(0, Math.min(64, diffs.size()))));
        }
    }

    /**
     * Parses a golden image: {@code page PFN} starts a page (hex), then {@code OFFSET BYTE BYTE ...} in hex,
     * {@code #} comments; unlisted bytes are zero; {@code ??} is a byte not compared (-1). A byte listed twice
     * is an error in the golden file.
     */
    static Map<Long, int[]> golden(final String name)
    {
        final Map<Long, int[]> pages = new TreeMap<>();
        int[] page = null;
        boolean[] seen = null;
        for (final GoldenHex.Line hexLine : GoldenHex.lines(name))
        {
            final int lineNo = hexLine.number();
            final String[] tokens = hexLine.tokens();
            if (tokens[0].equals("page"))
            {
                page = new int[PAGE_SIZE];
                seen = new boolean[PAGE_SIZE];
                if (tokens.length != 2 || pages.put(Long.decode(tokens[1]), page) != null)
                {
                    throw new IllegalStateException("bad golden image: name=" + name + ", line=" + lineNo);
                }
                continue;
            }
            if (page == null)
            {
                throw new IllegalStateException("bad golden image, bytes before a page: name=" + name + ", line=" +
                    lineNo);
            }
            int offset = Integer.parseInt(tokens[0], 16);
            for (int i = 1; i < tokens.length; i++)
            {
                if (tokens[i].length() != 2 || seen[offset])
                {
                    throw new IllegalStateException(
                        "bad golden image: name=" + name + ", line=" + lineNo + ", token=" + tokens[i]);
                }
                seen[offset] = true;
                page[offset++] = tokens[i].equals("??") ? -1 : Integer.parseInt(tokens[i], 16);
            }
        }
        return pages;
    }

    @Test
    void shouldParseGoldenImagesStrictly()
    {
        final Map<Long, int[]> sealed = golden("image-sealed.hex");
        assertEquals(List.of(0x0L, 0x1L, 0x2L, 0x3L, 0x5L, 0x9L, 0xbL, 0x11L, 0x12L, 0x14L, 0x15L, 0x17L, 0x18L),
            List.copyOf(sealed.keySet()));
        final int[] header = sealed.get(0L);
        assertEquals(List.of(24, 25, 26, 27, 28, 29, 30, 31), Arrays.stream(range(0, PAGE_SIZE))
            .filter(i -> header[i] < 0).boxed().toList(), "only created_millis is excluded");
        for (final long pfn : sealed.keySet())
        {
            if (pfn != 0)
            {
                assertTrue(Arrays.stream(sealed.get(pfn)).allMatch(b -> b >= 0), "pfn " + pfn + " fully compared");
            }
        }
    }

    private static int[] range(final int from, final int to)
    {
        final int[] values = new int[to - from];
        Arrays.setAll(values, i -> from + i);
        return values;
    }
}
