package org.pkram;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pkram.mem.JvmFlags;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.pkram.boot.PfnFile;
import org.pkram.error.InvalidSuperBlockException;
import org.pkram.layout.FileHeaderDescriptor;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Resume is the default (DESIGN section 7): opening a memory file boots the image its header names; a pfn from
 * the caller, the process or the pfn file is a cross-check; starting empty over an image happens only on
 * request; boot says what it did.
 */
class ResumeTest
{
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(Mode.class)
    void shouldResumeTheImageTheFileNamesWhenNoPfnIsGiven(final Mode mode)
    {
        final Path file = Images.format(dir, Images.SMALL);
        final long sbPfn;
        try (Pkram pk = Pkram.boot(options(file).mode(mode)))
        {
            assertEquals(List.of("started empty: the memory file holds no image (new, formatted, or emptied)"),
                pk.bootMessages());
            Versions.save(pk, "a", 1, 3);
            Versions.save(pk, "b", 2, 2);
            sbPfn = pk.superBlockPfn();
        }
        try (Pkram pk = Pkram.boot(PkramOptions.of(file).mode(mode).shutdownHook(false)))
        {
            assertEquals(List.of("a", "b"), pk.nodeNames());
            assertEquals(sbPfn, pk.superBlockPfn());
            assertEquals(2, pk.generation());
            assertEquals(1, pk.bootMessages().size(), pk.bootMessages().toString());
            final String message = pk.bootMessages().getFirst();
            assertTrue(message.startsWith("resumed the image at pfn=0x" + Long.toHexString(sbPfn) +
                ": generation 2, 2 nodes"), message);
            assertTrue(message.contains("sealed by an orderly reboot"), message);
            assertEquals(Versions.all(1, 3), Versions.liveVersions(pk, "a"));
        }
    }

    @Test
    void shouldSayTheImageWasLiveWhenTheLastProcessEndedWithoutAReboot() throws Exception
    {
        final Path file = Images.format(dir, Images.SMALL);
        final ChildJvm.Result child = ChildJvm.run(ServiceChild.class, "live-halt", file.toString());
        assertEquals(9, child.exitCode(), child.stderr());
        try (Pkram pk = Pkram.boot(options(file)))
        {
            assertEquals(List.of("n"), pk.nodeNames());
            assertTrue(pk.bootMessages().getFirst().contains("live: the last process ended without a reboot"),
                pk.bootMessages().toString());
        }
    }

    @Test
    void shouldStartEmptyOverAnImageOnlyWhenAskedFreshAndSaySo() throws Exception
    {
        final Path file = Images.format(dir, Images.SMALL);
        final long sbPfn;
        try (Pkram pk = Pkram.boot(options(file)))
        {
            Versions.save(pk, "a", 1, 1);
            sbPfn = pk.superBlockPfn();
        }
        try (Pkram pk = Pkram.boot(options(file).fresh(true)))
        {
            assertEquals(List.of(), pk.nodeNames());
            assertEquals(List.of("started empty on request (fresh): dropped the image at pfn=0x" +
                Long.toHexString(sbPfn)), pk.bootMessages());
            assertEquals(1, pk.generation());
        }
        try (Pkram pk = Pkram.boot(options(file)))
        {
            assertEquals(List.of(), pk.nodeNames(), "the dropped image stays dropped");
        }
    }

    @Test
    void shouldRefuseAPfnThatIsNotTheCurrentOneAndLeaveTheFileByteIdentical() throws Exception
    {
        final Path file = Images.format(dir, Images.SMALL);
        final long sbPfn;
        try (Pkram pk = Pkram.boot(options(file)))
        {
            Versions.save(pk, "a", 1, 1);
            sbPfn = pk.superBlockPfn();
        }
        final byte[] before = Files.readAllBytes(file);
        final InvalidSuperBlockException stale = assertThrows(InvalidSuperBlockException.class,
            () -> Pkram.boot(options(file).superBlockPfn(sbPfn + 1)));
        assertTrue(stale.getMessage().contains("stale") && stale.getMessage().contains("(requested)"),
            stale.getMessage());
        assertArrayEquals(before, Files.readAllBytes(file));
        try (Pkram pk = Pkram.boot(options(file).superBlockPfn(sbPfn)))
        {
            assertEquals(List.of("a"), pk.nodeNames(), "the matching pfn is accepted");
        }
    }

    @Test
    void shouldRefuseAPfnFileThatDisagreesWithTheHeader() throws Exception
    {
        final Path file = Images.format(dir, Images.SMALL);
        final long sbPfn;
        try (Pkram pk = Pkram.boot(options(file)))
        {
            Versions.save(pk, "a", 1, 1);
            sbPfn = pk.superBlockPfn();
        }
        PfnFile.write(PfnFile.of(file), sbPfn + 7);
        final byte[] before = Files.readAllBytes(file);
        final InvalidSuperBlockException stale = assertThrows(InvalidSuperBlockException.class,
            () -> Pkram.boot(options(file)));
        assertTrue(stale.getMessage().contains("pfn file"), stale.getMessage());
        assertArrayEquals(before, Files.readAllBytes(file));
    }

    @Test
    void shouldRefuseToStartEmptyWhenTheHeaderLostAnImageThePfnFileStillNames() throws Exception
    {
        final Path file = Images.format(dir, Images.SMALL);
        final long sbPfn;
        try (Pkram pk = Pkram.boot(options(file)))
        {
            Versions.save(pk, "a", 1, 3);
            sbPfn = pk.superBlockPfn();
        }
        // A damaged header: its super block field reads 0, as on a file that holds no image.
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE))
        {
            channel.write(ByteBuffer.allocate(Long.BYTES), FileHeaderDescriptor.SUPER_BLOCK_PFN_OFFSET);
        }
        final byte[] before = Files.readAllBytes(file);
        final InvalidSuperBlockException refused = assertThrows(InvalidSuperBlockException.class,
            () -> Pkram.boot(options(file)));
        assertTrue(refused.getMessage().contains("header names no image") &&
            refused.getMessage().contains("pfn file's pfn=0x" + Long.toHexString(sbPfn)) &&
            refused.getMessage().contains("1 node"), refused.getMessage());
        assertArrayEquals(before, Files.readAllBytes(file), "nothing changed");

        try (Pkram pk = Pkram.boot(options(file).superBlockPfn(sbPfn)))
        {
            assertEquals(List.of("a"), pk.nodeNames(), "the pfn given explicitly resumes the image");
            assertEquals(Versions.all(1, 3), Versions.liveVersions(pk, "a"));
            assertTrue(pk.bootMessages().getFirst().contains("header named none"), pk.bootMessages().toString());
        }
        try (Pkram pk = Pkram.boot(options(file)))
        {
            assertEquals(List.of("a"), pk.nodeNames(), "and the header names it again");
        }
    }

    @Test
    void shouldStillRefuseAnExplicitPfnWhereTheFileHoldsNoImage()
    {
        final Path file = Images.format(dir, Images.SMALL);
        final InvalidSuperBlockException stale = assertThrows(InvalidSuperBlockException.class,
            () -> Pkram.boot(options(file).superBlockPfn(0x9)));
        assertTrue(stale.getMessage().contains("no image recorded"), stale.getMessage());
    }

    @Test
    void shouldIgnoreAPfnFileBesideAFileThatHoldsNoImage()
    {
        final Path file = Images.format(dir, Images.SMALL);
        PfnFile.write(PfnFile.of(file), 0x5);
        try (Pkram pk = Pkram.boot(options(file)))
        {
            assertEquals(List.of(), pk.nodeNames());
            assertTrue(pk.bootMessages().getFirst().contains("ignored the pfn file's pfn=0x5"),
                pk.bootMessages().toString());
        }
    }

    @Test
    void shouldCrossCheckThePfnFromTheProcessEnvironment() throws Exception
    {
        final Path file = Images.format(dir, Images.SMALL);
        final long sbPfn;
        try (Pkram pk = Pkram.boot(options(file)))
        {
            Versions.save(pk, "a", 1, 1);
            sbPfn = pk.superBlockPfn();
        }
        final ChildJvm.Result wrong = ChildJvm.run(JvmFlags.required(), Map.of("PKRAM", Long.toHexString(sbPfn + 1)),
            ServiceChild.class, "names", file.toString());
        assertEquals(1, wrong.exitCode(), wrong.stdout() + wrong.stderr());
        assertTrue(wrong.stderr().contains("stale") && wrong.stderr().contains("-Dpkram/PKRAM"), wrong.stderr());
        final ChildJvm.Result right = ChildJvm.run(flags("-Dpkram=" + Long.toHexString(sbPfn)), Map.of(),
            ServiceChild.class, "names", file.toString());
        assertEquals(0, right.exitCode(), right.stderr());
        assertEquals("[a]", right.stdout().strip());
    }

    @Test
    void shouldCreateAMissingFileWithTheGivenSizeAndResumeItTheNextTime() throws Exception
    {
        final Path file = dir.resolve("service.mem");
        try (Pkram pk = Pkram.boot(options(file).createIfAbsent(16L << 20)))
        {
            assertEquals(16L << 20, Files.size(file));
            assertEquals("created the memory file: path=" + file + ", size=" + (16L << 20),
                pk.bootMessages().getFirst());
            Versions.save(pk, "a", 1, 1);
        }
        try (Pkram pk = Pkram.boot(options(file).createIfAbsent(32L << 20)))
        {
            assertEquals(16L << 20, Files.size(file), "an existing file is never re-created");
            assertEquals(List.of("a"), pk.nodeNames());
            assertFalse(pk.bootMessages().getFirst().startsWith("created"), pk.bootMessages().toString());
        }
    }

    private static List<String> flags(final String option)
    {
        final List<String> flags = new java.util.ArrayList<>(JvmFlags.required());
        flags.add(option);
        return flags;
    }

    private static PkramOptions options(final Path file)
    {
        return PkramOptions.of(file).shutdownHook(false);
    }
}
