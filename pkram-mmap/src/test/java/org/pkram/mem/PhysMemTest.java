package org.pkram.mem;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.pkram.ChildJvm;
import org.pkram.error.CorruptImageException;
import org.pkram.error.Errno;
import org.pkram.error.MemoryFileBusyException;
import org.pkram.error.NoSpaceException;
import org.pkram.error.NotAMemoryFileException;
import org.pkram.error.PkramException;
import org.pkram.error.UnsafeMemoryFileException;
import org.pkram.layout.Pfn;

import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PhysMemTest
{
    private static final long EIGHT_GIB = 8L << 30;

    @TempDir
    Path dir;

    @Test
    void shouldCreateAnOwnerOnlyFileAndMapPagesByPfn() throws IOException
    {
        final Path file = dir.resolve("m.mem");
        try (PhysMem mem = PhysMem.create(file, 1 << 20, true))
        {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
            assertEquals(256, mem.pfnCount());
            final UnsafeBuffer page = mem.page(5);
            page.putLong(8, 0x1122334455667788L);
            assertEquals(0x1122334455667788L, mem.segment().get(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED,
                Pfn.toAddr(5) + 8));
            assertThrows(IndexOutOfBoundsException.class, () -> mem.page(256));
        }
    }

    @Test
    void shouldMapEightGibSparseOnDevShmAndShowWritesAboveFourGibToASecondJvm() throws Exception
    {
        final Path file = Files.createTempFile(Path.of("/dev/shm"), "pkram-test-", ".mem");
        Files.delete(file);
        try
        {
            final long pfn = (5L << 30) / Pfn.PAGE_SIZE + 7; // above 4 GiB
            try (PhysMem mem = PhysMem.create(file, EIGHT_GIB, false))
            {
                assertEquals(EIGHT_GIB, mem.size());
                mem.page(pfn).putLong(0, 0xCAFEBABEL);
                mem.page(mem.pfnCount() - 1).putLong(Pfn.PAGE_SIZE - 8, 42);
            }
            assertTrue(Files.size(file) == EIGHT_GIB);
            final ChildJvm.Result child = ChildJvm.run(ReadLong.class, file.toString(), Long.toString(pfn));
            assertEquals(0, child.exitCode(), child.stderr());
            assertEquals("cafebabe", child.stdout().trim());
        }
        finally
        {
            Files.deleteIfExists(file);
        }
    }

    @Test
    void shouldRefuseASizeTheFileSystemCannotHoldWithEnospcAndLeaveNoFile()
    {
        final Path file = Path.of("/dev/shm").resolve("pkram-too-big-" + ProcessHandle.current().pid() + ".mem");
        final NoSpaceException ex = assertThrows(NoSpaceException.class,
            () -> PhysMem.create(file, 1L << 50, true));
        assertEquals(Errno.ENOSPC, ex.errno());
        assertFalse(Files.exists(file));
    }

    @Test
    void shouldAllocateEveryPageOfAPopulatedFileAndNoneOfASparseOne() throws Exception
    {
        final Path shm = Path.of("/dev/shm");
        final Path populated = shm.resolve("pkram-populated-" + ProcessHandle.current().pid() + ".mem");
        final Path sparse = shm.resolve("pkram-sparse-" + ProcessHandle.current().pid() + ".mem");
        try
        {
            PhysMem.create(populated, 8L << 20, true).close();
            PhysMem.create(sparse, 8L << 20, false).close();
            assertTrue(allocatedBytes(populated) >= 8L << 20, "fallocate gave every page its backing");
            assertTrue(allocatedBytes(sparse) <= 64 << 10, "a sparse file holds the header page alone");
        }
        finally
        {
            Files.deleteIfExists(populated);
            Files.deleteIfExists(sparse);
        }
    }

    /** @return the bytes the file system allocated to the file ({@code st_blocks * 512}). */
    private static long allocatedBytes(final Path file) throws Exception
    {
        final Process stat = new ProcessBuilder("stat", "-c", "%b", file.toString()).start();
        final String blocks = new String(stat.getInputStream().readAllBytes()).strip();
        assertEquals(0, stat.waitFor());
        return Long.parseLong(blocks) * 512;
    }

    @Test
    void shouldRefuseAFileWritableByOthersOrOwnedByAnotherUser() throws IOException
    {
        final Path file = dir.resolve("m.mem");
        PhysMem.create(file, 1 << 20, false).close();
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw-rw-"));
        final UnsafeMemoryFileException writable = assertThrows(UnsafeMemoryFileException.class,
            () -> PhysMem.open(file));
        assertEquals(Errno.EACCES, writable.errno());
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        if (Native.getuid() == 0)
        {
            // Only root can give a file away; as root, hand it to nobody.
            Files.setAttribute(file, "unix:uid", 65534);
            assertThrows(UnsafeMemoryFileException.class, () -> PhysMem.open(file));
        }
    }

    @Test
    void shouldRefuseAForeignFileATruncatedFileAndAMissingFile() throws IOException
    {
        final Path foreign = dir.resolve("foreign");
        Files.write(foreign, new byte[3 * Pfn.PAGE_SIZE]);
        Files.setPosixFilePermissions(foreign, PosixFilePermissions.fromString("rw-------"));
        assertEquals(Errno.EINVAL, assertThrows(NotAMemoryFileException.class, () -> PhysMem.open(foreign)).errno());

        final Path file = dir.resolve("m.mem");
        PhysMem.create(file, 1 << 20, false).close();
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw"))
        {
            raf.setLength(512 << 10);
        }
        final CorruptImageException truncated = assertThrows(CorruptImageException.class, () -> PhysMem.open(file));
        assertEquals(Errno.EUCLEAN, truncated.errno());
        assertTrue(truncated.getMessage().contains("truncated"), truncated.getMessage());

        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw"))
        {
            raf.setLength(1 << 20);
            raf.seek(40);
            raf.write(1); // a reserved byte of the header
        }
        final CorruptImageException reserved = assertThrows(CorruptImageException.class, () -> PhysMem.open(file));
        assertTrue(reserved.getMessage().contains("reserved bytes"), reserved.getMessage());

        final PkramException missing = assertThrows(PkramException.class, () -> PhysMem.open(dir.resolve("none")));
        assertEquals(Errno.ENOENT, missing.errno());
    }

    @Test
    void shouldRefuseASecondAttachInThisJvmAndFromAnotherProcessWithEbusy() throws Exception
    {
        final Path file = dir.resolve("m.mem");
        try (PhysMem mem = PhysMem.create(file, 1 << 20, false))
        {
            assertEquals(Errno.EBUSY, assertThrows(MemoryFileBusyException.class, () -> PhysMem.open(file)).errno());
            assertThrows(MemoryFileBusyException.class, () -> PhysMem.openReadOnly(file));
            final ChildJvm.Result child = ChildJvm.run(Attach.class, file.toString());
            assertEquals(16, child.exitCode(), child.stdout() + child.stderr());
            assertTrue(child.stdout().contains("EBUSY"), child.stdout());
        }
        try (PhysMem again = PhysMem.open(file))
        {
            assertEquals(1 << 20, again.size());
        }
    }

    @Test
    void shouldKeepTheOwnerLockWhenThisJvmClosesAnotherDescriptorOfTheFile() throws Exception
    {
        final Path file = dir.resolve("m.mem");
        try (PhysMem mem = PhysMem.create(file, 1 << 20, false))
        {
            // A backup or a checksum of the file, taken by the owning JVM: each close() of such a descriptor
            // dropped every POSIX record lock the process held on the file.
            try (InputStream in = Files.newInputStream(file))
            {
                assertEquals(1 << 20, in.readAllBytes().length);
            }
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ))
            {
                assertEquals(1 << 20, channel.size());
            }
            final ChildJvm.Result child = ChildJvm.run(Attach.class, file.toString());
            assertEquals(16, child.exitCode(), child.stdout() + child.stderr());
            assertTrue(child.stdout().startsWith("EBUSY: "), child.stdout());
            assertFalse(mem.isClosed());
        }
    }

    @Test
    void shouldLetReadOnlyAttachesShareTheFileAndKeepAReadWriteOwnerOut() throws IOException
    {
        final Path file = dir.resolve("m.mem");
        PhysMem.create(file, 1 << 20, false).close();
        try (PhysMem first = PhysMem.openReadOnly(file); PhysMem second = PhysMem.openReadOnly(file))
        {
            assertEquals(first.page(0).getLong(0), second.page(0).getLong(0));
            assertEquals(Errno.EBUSY, assertThrows(MemoryFileBusyException.class, () -> PhysMem.open(file)).errno());
        }
        PhysMem.open(file).close();
    }

    @ParameterizedTest
    @ValueSource(strings = { "rw-r-----", "rw----r--" })
    void shouldRefuseAFileReadableByGroupOrOthersAndSayHowToFixIt(final String mode) throws IOException
    {
        final Path file = dir.resolve("m.mem");
        PhysMem.create(file, 1 << 20, false).close();
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
        final UnsafeMemoryFileException ex = assertThrows(UnsafeMemoryFileException.class, () -> PhysMem.open(file));
        assertEquals(Errno.EACCES, ex.errno());
        assertTrue(ex.getMessage().contains("chmod 600 " + file), ex.getMessage());
        assertThrows(UnsafeMemoryFileException.class, () -> PhysMem.openReadOnly(file));
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        PhysMem.open(file).close();
    }

    @Test
    void shouldReportAFileTruncatedWhileAttachedAsEuclean() throws IOException
    {
        final Path file = dir.resolve("m.mem");
        try (PhysMem mem = PhysMem.create(file, 1 << 20, false))
        {
            mem.checkIntact();
            try (FileChannel other = FileChannel.open(file, StandardOpenOption.WRITE))
            {
                other.truncate(64 * Pfn.PAGE_SIZE);
            }
            final CorruptImageException ex = assertThrows(CorruptImageException.class, mem::checkIntact);
            assertEquals(Errno.EUCLEAN, ex.errno());
            assertEquals("EUCLEAN: memory file was truncated while attached: path=" + file +
                ", mappedSize=1048576, actualSize=262144", ex.getMessage());
            assertEquals(0, mem.page(63).getLong(0)); // what is left stays usable
        }
    }

    @Test
    void shouldRaiseInternalErrorForAPagePastTheEndOfATruncatedTmpfsFile() throws Exception
    {
        // In a child JVM: should a fault past EOF ever kill the JVM instead, it must not take surefire along.
        final Path file = Files.createTempFile(Path.of("/dev/shm"), "pkram-test-", ".mem");
        Files.delete(file);
        try
        {
            final ChildJvm.Result child = ChildJvm.run(ReadPastTruncation.class, file.toString());
            assertEquals(0, child.exitCode(), child.stdout() + child.stderr());
            assertEquals("""
                InternalError: a fault occurred in an unsafe memory access operation
                InternalError: a fault occurred in an unsafe memory access operation
                EUCLEAN: memory file was truncated while attached: path=%s, mappedSize=1048576, actualSize=262144
                """.formatted(file), child.stdout());
        }
        finally
        {
            Files.deleteIfExists(file);
        }
    }

    @Test
    void shouldNameTheMissingJvmFlagsWhenStartedWithoutThem() throws Exception
    {
        final var command = new java.util.ArrayList<String>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(FlagCheck.class.getName());
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        final String out = new String(process.getInputStream().readAllBytes());
        assertEquals(0, process.waitFor());
        assertTrue(out.contains("--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED"), out);
        assertTrue(out.contains("--enable-native-access=ALL-UNNAMED"), out);
        assertTrue(JvmFlags.missing().isEmpty(), "surefire runs with every flag: " + JvmFlags.missing());
    }

    /** Child: print the long at page pfn of a memory file in hex. */
    static final class ReadLong
    {
        public static void main(final String[] args)
        {
            try (PhysMem mem = PhysMem.open(Path.of(args[0])))
            {
                System.out.println(Long.toHexString(mem.page(Long.parseLong(args[1])).getLong(0)));
            }
        }
    }

    /** Child: truncate the attached file from outside, read and write past the new end, then check. */
    static final class ReadPastTruncation
    {
        public static void main(final String[] args) throws IOException
        {
            final Path file = Path.of(args[0]);
            try (PhysMem mem = PhysMem.create(file, 1 << 20, false))
            {
                mem.page(200).putLong(0, 42);
                try (FileChannel other = FileChannel.open(file, StandardOpenOption.WRITE))
                {
                    other.truncate(64 * Pfn.PAGE_SIZE);
                }
                try
                {
                    System.out.println("read " + mem.page(200).getLong(0));
                }
                catch (final InternalError ex)
                {
                    System.out.println("InternalError: " + ex.getMessage());
                }
                try
                {
                    mem.page(255).putLong(Pfn.PAGE_SIZE - 8, 1);
                    System.out.println("wrote");
                }
                catch (final InternalError ex)
                {
                    System.out.println("InternalError: " + ex.getMessage());
                }
                try
                {
                    mem.checkIntact();
                    System.out.println("intact");
                }
                catch (final PkramException ex)
                {
                    System.out.println(ex.getMessage());
                }
            }
        }
    }

    /** Child: try to attach; exit with the errno. */
    static final class Attach
    {
        public static void main(final String[] args)
        {
            try (PhysMem ignored = PhysMem.open(Path.of(args[0])))
            {
                System.out.println("attached");
            }
            catch (final PkramException ex)
            {
                System.out.println(ex.getMessage());
                System.exit(ex.errno().number());
            }
        }
    }

    /** Child started without the flags: print what check() says. */
    static final class FlagCheck
    {
        public static void main(final String[] args)
        {
            try
            {
                JvmFlags.check();
                System.out.println("no failure");
            }
            catch (final IllegalStateException ex)
            {
                System.out.println(ex.getMessage());
            }
        }
    }
}
