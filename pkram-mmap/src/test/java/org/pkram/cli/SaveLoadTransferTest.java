package org.pkram.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.pkram.ChildJvm;
import org.pkram.DataKind;
import org.pkram.FileTransfer;
import org.pkram.Folio;
import org.pkram.NodeSave;
import org.pkram.ObjSave;
import org.pkram.Pkram;
import org.pkram.PkramOptions;
import org.pkram.error.Errno;
import org.pkram.error.PkramException;
import org.pkram.image.LinkCursor;
import org.pkram.image.ObjView;
import org.pkram.mem.Memfd;
import org.pkram.testing.ScratchDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code pkram save} and {@code pkram load} moving file bytes in the kernel, run in this JVM through the command's
 * entry point: files of every size at the page and huge-page edges come back byte for byte, each folio in the image
 * holds the file's bytes and zeros after its end (over pages dirtied beforehand, so a missed zero shows); a memfd as
 * the memory, a file from another file system; a load that fails half way (a file size limit) leaves the node
 * committed; a file that shrinks under a save is an error that saves nothing.
 */
class SaveLoadTransferTest
{
    private static final long MIB = 1L << 20;
    private static final long MEMORY = 32 * MIB;
    private static final byte STALE = (byte)0xA5;

    @ScratchDir
    Path dir;

    /** The default temporary directory: another file system than the memory file's where there is one. */
    @TempDir
    Path tmp;

    @BeforeAll
    static void quietChronicle()
    {
        PkramCli.prepareRuntime();
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 1, 4095, 4096, 4097, 2 * MIB - 1, 2 * MIB + 1, 7 * MIB + 12_345})
    void shouldRoundTripAFileAndZeroTheEndOfItsLastFolioInTheImage(final long size) throws Exception
    {
        final Path mem = formatDirty(dir.resolve("pkram.mem"));
        final Path file = write(dir.resolve("data.bin"), size);
        ok(pkram("--mem", mem.toString(), "save", "n", file.toString()));
        assertImageHolds(mem, "n", List.of(file));

        final Path out = dir.resolve("out");
        ok(pkram("--mem", mem.toString(), "load", "n", "--into", out.toString()));
        assertEquals(-1, Files.mismatch(file, out.resolve("data.bin")), "size " + size);
        assertEquals("", ok(pkram("--mem", mem.toString(), "ls")).out(), "the load consumed the node");
    }

    @Test
    void shouldRoundTripWithAMemfdAsTheMemoryAndFilesOnTwoFileSystems() throws Exception
    {
        final Path shmFile = write(dir.resolve("on-shm.bin"), 3 * MIB + 5);
        final Path tmpFile = write(tmp.resolve("on-tmp.bin"), 2 * MIB + 4097);
        try (Memfd memfd = Memfd.create("pkram-save-load-test", MEMORY))
        {
            final Path mem = memfd.path();
            dirty(mem);
            ok(pkram("--mem", mem.toString(), "save", "files", shmFile.toString(), tmpFile.toString()));
            assertImageHolds(mem, "files", List.of(shmFile, tmpFile));
            final Path out = tmp.resolve("out");
            ok(pkram("--mem", mem.toString(), "load", "files", "--into", out.toString()));
            assertEquals(-1, Files.mismatch(shmFile, out.resolve("on-shm.bin")));
            assertEquals(-1, Files.mismatch(tmpFile, out.resolve("on-tmp.bin")));
        }
    }

    @Test
    void shouldKeepTheNodeCommittedWhenALoadPassesTheFileSizeLimit() throws Exception
    {
        final Path mem = formatDirty(dir.resolve("pkram.mem"));
        final Path file = write(dir.resolve("big.bin"), 5 * MIB + 7);
        ok(pkram("--mem", mem.toString(), "save", "vm0", file.toString()));
        final Path out = dir.resolve("out");

        // 3,072,000 bytes: the first 2 MiB folio fits, the second is cut short by the limit, then EFBIG.
        final List<String> command = new ArrayList<>(List.of("bash", "-c", "ulimit -f 3000 && exec \"$@\"", "bash"));
        command.addAll(ChildJvm.command(List.of("-Xmx256m"), PkramCli.class,
            List.of("--mem", mem.toString(), "load", "vm0", "--into", out.toString())));
        final Process child = new ProcessBuilder(command).redirectErrorStream(false).start();
        child.getOutputStream().close();
        final String stdout = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        final String stderr = new String(child.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(1, child.waitFor(), stdout + stderr);
        assertTrue(stderr.matches("pkram: load: EIO: cannot copy a folio to a file: pfn=0x\\p{XDigit}+, " +
            "length=2097152, position=2097152, cause=File too large\n"), stderr);

        assertTrue(ok(pkram("--mem", mem.toString(), "ls")).out().contains("\nvm0 "), "nothing was consumed");
        try (Stream<Path> left = Files.list(out))
        {
            assertEquals(List.of(), left.toList(), "the partial file was removed");
        }
        assertImageHolds(mem, "vm0", List.of(file));
        ok(pkram("--mem", mem.toString(), "load", "vm0", "--into", out.toString()));
        assertEquals(-1, Files.mismatch(file, out.resolve("big.bin")));
    }

    @Test
    void shouldFailAndSaveNothingWhenTheFileShrinksWhileItIsSaved() throws Exception
    {
        final Path mem = formatDirty(dir.resolve("pkram.mem"));
        final Path file = write(dir.resolve("shrinking.bin"), 3 * MIB + 100);
        final long length = Files.size(file);
        try (Pkram pk = Pkram.boot(PkramOptions.of(mem).shutdownHook(false)))
        {
            final long used = pk.pageCounts().used();
            try (NodeSave node = pk.prepareSave("n"); FileTransfer transfer = pk.openFileTransfer();
                 ObjSave obj = node.prepareSaveObj(DataKind.FOLIOS, DataKind.BYTES);
                 FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
                 Progress progress = Progress.start(new PrintStream(ByteArrayOutputStream.nullOutputStream()), "t",
                     length))
            {
                // The length was taken before the file shrank to 1 MiB + 1: the save must not run past the end.
                channel.truncate(MIB + 1);
                final PkramException shrank = assertThrows(PkramException.class,
                    () -> SaveCommand.saveContent(transfer, obj, channel, length, file, progress));
                assertEquals(Errno.EIO, shrank.errno());
                assertEquals("EIO: file shrank while it was being saved: path=" + file + ", length=" + length +
                    ", size=" + (MIB + 1), shrank.getMessage());
            }
            assertEquals(List.of(), pk.nodeNames(), "the node was discarded");
            assertEquals(used, pk.pageCounts().used(), "every page came back");
        }
    }

    /**
     * Every object of the node is one of the files: its folios cover the file's pages exactly once, and the memory
     * file (read here, not through pkram) holds the file's bytes at {@code pfn * 4096}, then zeros to the end of the
     * folio.
     */
    private static void assertImageHolds(final Path mem, final String node, final List<Path> files) throws Exception
    {
        try (Pkram pk = Pkram.boot(PkramOptions.of(mem).shutdownHook(false));
             FileChannel image = FileChannel.open(mem, StandardOpenOption.READ))
        {
            final List<ObjView> objects = pk.view(node).objects();
            assertEquals(files.size(), objects.size());
            for (final ObjView obj : objects)
            {
                final FileAttributes attributes = obj.bytes().readRecord(new FileAttributes(),
                    FileAttributes.MAX_RECORD_LENGTH);
                final Path file = files.stream().filter(f -> f.getFileName().toString().equals(attributes.name))
                    .findFirst().orElseThrow();
                final byte[] content = Files.readAllBytes(file);
                assertEquals(content.length, attributes.length);
                long pages = 0;
                for (final LinkCursor folios = obj.folios(); folios.next(); )
                {
                    final int length = Folio.PAGE_SIZE << folios.order();
                    final long position = folios.index() * Folio.PAGE_SIZE;
                    final byte[] expected = new byte[length];
                    System.arraycopy(content, (int)position, expected, 0,
                        (int)Math.min(length, content.length - position));
                    final ByteBuffer actual = ByteBuffer.allocate(length);
                    while (actual.hasRemaining() &&
                        image.read(actual, folios.pfn() * Folio.PAGE_SIZE + actual.position()) > 0)
                    {
                        // until the folio is read whole
                    }
                    assertArrayEquals(expected, actual.array(), attributes.name + " at index " + folios.index() +
                        ": the file's bytes, then zeros");
                    pages += 1L << folios.order();
                }
                assertEquals((content.length + Folio.PAGE_SIZE - 1) / Folio.PAGE_SIZE, pages, attributes.name);
            }
        }
    }

    /**
     * Format a memory file and fill every page after the header with stale bytes: pages the allocator hands out
     * then hold an earlier owner's data, as they do in a memory file in use, so a folio end left unzeroed shows.
     */
    private Path formatDirty(final Path mem) throws IOException
    {
        ok(pkram("--mem", mem.toString(), "format", "--size", Long.toString(MEMORY)));
        dirty(mem);
        return mem;
    }

    /** The file holds no image yet (only its header page), so every other page is free and may hold anything. */
    private static void dirty(final Path mem) throws IOException
    {
        final byte[] stale = new byte[(int)MIB];
        Arrays.fill(stale, STALE);
        try (FileChannel channel = FileChannel.open(mem, StandardOpenOption.WRITE))
        {
            for (long at = Folio.PAGE_SIZE; at < MEMORY; at += MIB)
            {
                final ByteBuffer chunk = ByteBuffer.wrap(stale, 0, (int)Math.min(MIB, MEMORY - at));
                while (chunk.hasRemaining())
                {
                    channel.write(chunk, at + chunk.position());
                }
            }
        }
    }

    private static Path write(final Path file, final long size) throws IOException
    {
        final byte[] bytes = new byte[(int)size];
        new SplittableRandom(size).nextBytes(bytes);
        return Files.write(file, bytes);
    }

    private static Run pkram(final String... argv)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final int status;
        try (PrintStream outStream = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8))
        {
            status = new PkramCli(outStream, errStream, Map.of()).run(argv);
        }
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static Run ok(final Run run)
    {
        assertEquals(0, run.status(), run::toString);
        return run;
    }

    private record Run(int status, String out, String err)
    {
    }
}
