package org.pkram;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pkram.error.Errno;
import org.pkram.error.InvalidArgumentException;
import org.pkram.error.OutOfPagesException;
import org.pkram.error.PkramIOException;
import org.pkram.error.PkramUnavailableException;
import org.pkram.mem.Memfd;
import org.pkram.testing.ScratchDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link FileTransfer}: file bytes into new folios and folios out to files, copied in the kernel. The folio holds
 * the file's bytes and zeros after them, also over pages an earlier owner dirtied through the mapping (which then
 * shows the new bytes: it maps the same file), on a file and on a memfd, from a tmpfs and from another file system;
 * a file that ends early frees the folio; misuse is refused.
 */
class FileTransferTest
{
    private static final long SIZE = 8L << 20;
    private static final byte STALE = (byte)0xA5;

    @ScratchDir
    Path shm;

    /** The default temporary directory: another file system than /dev/shm where there is one (copy_file_range
     * then refuses with EXDEV and the copy goes by sendfile). */
    @TempDir
    Path tmp;

    @Test
    void shouldFillAFolioWithTheFileAndZerosOverPagesDirtiedThroughTheMapping() throws Exception
    {
        final Path file = Images.format(shm, SIZE);
        final byte[] content = content(20_000, 1);
        final Path source = Files.write(shm.resolve("source.bin"), content);
        try (Pkram pk = Images.bootFresh(file, Mode.CRASH_SAFE); FileTransfer transfer = pk.openFileTransfer();
             FileChannel in = FileChannel.open(source, StandardOpenOption.READ))
        {
            dirtyEveryFreePage(pk);
            final long used = pk.pageCounts().used();
            final Folio folio = transfer.allocFolio(2, in, 100, 9_000);
            assertEquals(Folio.State.OWNED, folio.state());
            assertEquals(0, folio.index());
            assertEquals(used + 4, pk.pageCounts().used());
            final byte[] expected = Arrays.copyOf(Arrays.copyOfRange(content, 100, 9_100), 4 * Folio.PAGE_SIZE);
            assertArrayEquals(expected, viewBytes(folio), "the mapping shows what the kernel wrote");
            assertArrayEquals(expected, fileBytes(file, folio), "the memory file holds it");
            assertEquals(0, in.position(), "the source's position is not moved");
            pk.freeFolio(folio);
        }
    }

    @Test
    void shouldWriteAFolioToAFileAtAPosition() throws Exception
    {
        final Path file = Images.format(shm, SIZE);
        final Path target = shm.resolve("target.bin");
        try (Pkram pk = Images.bootFresh(file, Mode.CRASH_SAFE); FileTransfer transfer = pk.openFileTransfer();
             FileChannel out = FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE))
        {
            final Folio folio = pk.allocFolio(1);
            final byte[] bytes = content(folio.byteLength(), 2);
            folio.buffer().putBytes(0, bytes);
            transfer.writeFolio(folio, 5_000, out, 123);
            transfer.writeFolio(folio, 0, out, 0);
            assertEquals(5_123, out.position());
            pk.freeFolio(folio);
        }
        final byte[] written = Files.readAllBytes(target);
        assertEquals(5_123, written.length);
        assertArrayEquals(new byte[123], Arrays.copyOf(written, 123));
        assertArrayEquals(Arrays.copyOf(content(2 * Folio.PAGE_SIZE, 2), 5_000), Arrays.copyOfRange(written, 123,
            5_123));
    }

    @Test
    void shouldRoundTripThroughAMemfdAndFromAnotherFileSystem() throws Exception
    {
        final byte[] content = content(3 * Folio.PAGE_SIZE + 17, 3);
        for (final Path dir : List.of(shm, tmp))
        {
            final Path source = Files.write(dir.resolve("source.bin"), content);
            final Path target = dir.resolve("target.bin");
            try (Memfd memfd = Memfd.create("pkram-transfer-test", SIZE);
                 Pkram pk = Pkram.boot(PkramOptions.of(memfd.path()).shutdownHook(false));
                 FileTransfer transfer = pk.openFileTransfer();
                 FileChannel in = FileChannel.open(source, StandardOpenOption.READ);
                 FileChannel out = FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE))
            {
                final Folio folio = transfer.allocFolio(2, in, 0, content.length);
                final byte[] expected = Arrays.copyOf(content, folio.byteLength());
                assertArrayEquals(expected, viewBytes(folio));
                assertArrayEquals(expected, fileBytes(memfd.path(), folio));
                transfer.writeFolio(folio, content.length, out, 0);
                pk.freeFolio(folio);
            }
            assertArrayEquals(content, Files.readAllBytes(target), dir.toString());
        }
    }

    @Test
    void shouldFreeTheFolioWhenTheFileEndsBeforeIt() throws Exception
    {
        final Path file = Images.format(shm, SIZE);
        final Path source = Files.write(shm.resolve("short.bin"), content(1_000, 4));
        try (Pkram pk = Images.bootFresh(file, Mode.CRASH_SAFE); FileTransfer transfer = pk.openFileTransfer();
             FileChannel in = FileChannel.open(source, StandardOpenOption.READ))
        {
            final long used = pk.pageCounts().used();
            final PkramIOException shrank = assertThrows(PkramIOException.class,
                () -> transfer.allocFolio(0, in, 0, Folio.PAGE_SIZE));
            assertEquals(Errno.EIO, shrank.errno());
            assertTrue(shrank.getMessage().startsWith("EIO: the file ended before the folio was filled (it shrank " +
                "while it was read): position=0, length=4096, copied=1000, size=1000"), shrank.getMessage());
            assertThrows(PkramIOException.class, () -> transfer.allocFolio(3, in, 2_000, 10));
            assertEquals(used, pk.pageCounts().used(), "the folios went back");
        }
    }

    @Test
    void shouldRefuseBadArgumentsFoliosNotHeldAndUseAfterClose() throws Exception
    {
        final Path file = Images.format(shm, SIZE);
        final Path source = Files.write(shm.resolve("source.bin"), content(10_000, 5));
        final Path target = shm.resolve("target.bin");
        try (FileChannel in = FileChannel.open(source, StandardOpenOption.READ);
             FileChannel out = FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE))
        {
            final Pkram pk = Images.bootFresh(file, Mode.CRASH_SAFE);
            final FileTransfer transfer = pk.openFileTransfer();
            final long used = pk.pageCounts().used();
            assertThrows(InvalidArgumentException.class, () -> transfer.allocFolio(11, in, 0, 1));
            assertThrows(InvalidArgumentException.class, () -> transfer.allocFolio(0, in, 0, Folio.PAGE_SIZE + 1));
            assertThrows(InvalidArgumentException.class, () -> transfer.allocFolio(0, in, -1, 1));
            assertThrows(InvalidArgumentException.class, () -> transfer.allocFolio(0, in, 0, -1));
            assertEquals(used, pk.pageCounts().used());
            final Folio folio = transfer.allocFolio(0, in, 0, 10);
            assertThrows(InvalidArgumentException.class, () -> transfer.writeFolio(folio, Folio.PAGE_SIZE + 1, out, 0));
            assertThrows(InvalidArgumentException.class, () -> transfer.writeFolio(folio, 1, out, -1));
            pk.freeFolio(folio);
            assertThrows(IllegalStateException.class, () -> transfer.writeFolio(folio, 1, out, 0));
            try (Pkram other = Pkram.boot(PkramOptions.of(Images.format(Files.createDirectory(shm.resolve("other")),
                SIZE)).shutdownHook(false)))
            {
                final Folio foreign = other.allocFolio(0);
                assertThrows(IllegalArgumentException.class, () -> transfer.writeFolio(foreign, 1, out, 0));
                other.freeFolio(foreign);
            }
            final Folio kept = pk.allocFolio(0);
            pk.close();
            assertThrows(PkramUnavailableException.class, () -> transfer.allocFolio(0, in, 0, 1));
            assertThrows(PkramUnavailableException.class, () -> transfer.writeFolio(kept, 1, out, 0));
            transfer.close();
            transfer.close();
        }
        assertEquals(0, Files.size(target), "nothing was written");
    }

    /**
     * Take every free page, write stale bytes into it through its view and give it back: whatever the allocator
     * hands out next was written through the mapping by an earlier owner.
     */
    private static void dirtyEveryFreePage(final Pkram pk)
    {
        final List<Folio> all = new ArrayList<>();
        while (true)
        {
            try
            {
                all.add(pk.allocFolio(0));
            }
            catch (final OutOfPagesException ex)
            {
                break;
            }
        }
        for (final Folio folio : all)
        {
            folio.buffer().setMemory(0, folio.byteLength(), STALE);
            pk.freeFolio(folio);
        }
        assertTrue(all.size() > 1_000, "pages dirtied: " + all.size());
    }

    private static byte[] viewBytes(final Folio folio)
    {
        final byte[] bytes = new byte[folio.byteLength()];
        folio.buffer().getBytes(0, bytes);
        return bytes;
    }

    /** The folio's bytes read from the memory file at {@code pfn * 4096}, not through pkram. */
    private static byte[] fileBytes(final Path memory, final Folio folio) throws IOException
    {
        try (FileChannel channel = FileChannel.open(memory, StandardOpenOption.READ))
        {
            final ByteBuffer bytes = ByteBuffer.allocate(folio.byteLength());
            while (bytes.hasRemaining() && channel.read(bytes, folio.pfn() * Folio.PAGE_SIZE + bytes.position()) > 0)
            {
                // until full
            }
            return bytes.array();
        }
    }

    private static byte[] content(final int length, final long seed)
    {
        final byte[] bytes = new byte[length];
        new SplittableRandom(seed).nextBytes(bytes);
        return bytes;
    }
}
