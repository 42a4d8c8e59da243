package org.pkram.boot;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pkram.error.Errno;
import org.pkram.error.InvalidArgumentException;
import org.pkram.error.UnsafeMemoryFileException;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The pfn file lives in a world-writable directory by default: links planted at its names are never
 * followed, and only a file of our own is believed.
 */
class PfnFileTest
{
    private static final String VICTIM_TEXT = "precious\n";

    @TempDir
    Path dir;

    @Test
    void shouldNotWriteThroughALinkPlantedAtTheTemporaryName() throws Exception
    {
        final Path pfnFile = PfnFile.of(dir.resolve("x.mem"));
        final Path victim = victim();
        final Path tmp = dir.resolve("x.mem.pfn.tmp");
        Files.createSymbolicLink(tmp, victim);

        PfnFile.write(pfnFile, 0x2a);

        assertEquals(VICTIM_TEXT, Files.readString(victim), "the link's target is untouched");
        assertFalse(Files.exists(tmp, LinkOption.NOFOLLOW_LINKS), "the planted link is gone");
        assertTrue(Files.isRegularFile(pfnFile, LinkOption.NOFOLLOW_LINKS));
        assertEquals("2a\n", Files.readString(pfnFile));
        assertEquals(OptionalLong.of(0x2a), PfnFile.read(pfnFile));
    }

    @Test
    void shouldNotWriteThroughADanglingLinkPlantedAtTheTemporaryName() throws Exception
    {
        final Path pfnFile = PfnFile.of(dir.resolve("x.mem"));
        final Path target = dir.resolve("would-be-created");
        Files.createSymbolicLink(dir.resolve("x.mem.pfn.tmp"), target);

        PfnFile.write(pfnFile, 0x2a);

        assertFalse(Files.exists(target, LinkOption.NOFOLLOW_LINKS), "nothing created through the link");
        assertEquals("2a\n", Files.readString(pfnFile));
    }

    @Test
    void shouldReplaceALinkPlantedAtThePfnFileNameWithoutWritingThroughIt() throws Exception
    {
        final Path pfnFile = PfnFile.of(dir.resolve("x.mem"));
        final Path victim = victim();
        Files.createSymbolicLink(pfnFile, victim);

        PfnFile.write(pfnFile, 0x2a);

        assertEquals(VICTIM_TEXT, Files.readString(victim), "the link's target is untouched");
        assertTrue(Files.isRegularFile(pfnFile, LinkOption.NOFOLLOW_LINKS), "the link is replaced by a file");
        assertEquals("2a\n", Files.readString(pfnFile));
    }

    @Test
    void shouldWriteThePfnFileReadableByItsOwnerOnly() throws Exception
    {
        final Path pfnFile = PfnFile.of(dir.resolve("x.mem"));
        PfnFile.write(pfnFile, 0x2a);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(pfnFile)));
    }

    @Test
    void shouldRefuseToReadThroughALink() throws Exception
    {
        final Path pfnFile = PfnFile.of(dir.resolve("x.mem"));
        final Path planted = dir.resolve("planted");
        Files.writeString(planted, "1f\n");
        Files.createSymbolicLink(pfnFile, planted);

        final UnsafeMemoryFileException ex = assertThrows(UnsafeMemoryFileException.class, () -> PfnFile.read(pfnFile));

        assertEquals(Errno.EACCES, ex.errno());
        assertEquals("EACCES: pfn file is not a regular file (symbolic links are refused): path=" + pfnFile +
            " (remove it; the next orderly reboot writes it again, or give --pkram)", ex.getMessage());
        final Path mem = dir.resolve("x.mem");
        assertThrows(UnsafeMemoryFileException.class, () -> BootParams.resolve(null, mem), "boot refuses it too");
    }

    @Test
    void shouldRefuseAPfnFileWritableByGroupOrOthers() throws Exception
    {
        final Path pfnFile = PfnFile.of(dir.resolve("x.mem"));
        PfnFile.write(pfnFile, 0x2a);
        Files.setPosixFilePermissions(pfnFile, PosixFilePermissions.fromString("rw-rw-rw-"));

        final UnsafeMemoryFileException ex = assertThrows(UnsafeMemoryFileException.class, () -> PfnFile.read(pfnFile));

        assertEquals("EACCES: pfn file is writable by group or others: path=" + pfnFile + ", mode=rw-rw-rw- " +
            "(chmod 600 it)", ex.getMessage());
    }

    @Test
    void shouldRefuseAPfnFileOwnedByAnotherUser() throws Exception
    {
        assumeTrue("root".equals(System.getProperty("user.name")), "only root can give a file away");
        final Path pfnFile = PfnFile.of(dir.resolve("x.mem"));
        PfnFile.write(pfnFile, 0x2a);
        Files.setAttribute(pfnFile, "unix:uid", 65534);

        final UnsafeMemoryFileException ex = assertThrows(UnsafeMemoryFileException.class, () -> PfnFile.read(pfnFile));

        assertTrue(ex.getMessage().startsWith("EACCES: pfn file is owned by another user: path=" + pfnFile),
            ex.getMessage());
        assertTrue(ex.getMessage().contains(", uid=65534, self=0 "), ex.getMessage());
    }

    @Test
    void shouldRefuseAnOversizedPfnFileWithoutReadingItWhole() throws Exception
    {
        final Path pfnFile = PfnFile.of(dir.resolve("x.mem"));
        Files.writeString(pfnFile, "1".repeat(1 << 20));

        final InvalidArgumentException ex = assertThrows(InvalidArgumentException.class, () -> PfnFile.read(pfnFile));

        assertEquals("EINVAL: pfn file is too long to hold a pfn: path=" + pfnFile + ", maxLength=64",
            ex.getMessage());
    }

    private Path victim() throws Exception
    {
        final Path victim = dir.resolve("victim");
        Files.writeString(victim, VICTIM_TEXT);
        return victim;
    }
}
