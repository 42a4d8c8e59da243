package org.pkram;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pkram.error.MemoryFileBusyException;
import org.pkram.error.NotAMemoryFileException;
import org.pkram.error.PkramException;
import org.pkram.error.UnsafeMemoryFileException;
import org.pkram.layout.FileHeaderDescriptor;
import org.pkram.mem.Handover;
import org.pkram.mem.Memfd;
import org.pkram.testing.CPrograms;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Memory with no name (DESIGN section 8): a memfd, attached by descriptor through {@code /proc/PID/fd/N} with the
 * same checks as a path (one owner, size, format, ownership and mode), an image byte-identical to a file's, and
 * the names systemd gives descriptors.
 */
class MemfdTest
{
    private static final long SIZE = 16L << 20;
    private static Path walker;

    @TempDir
    Path dir;

    @BeforeAll
    static void compileWalker(@TempDir final Path walkerDir) throws Exception
    {
        walker = CPrograms.compile("pkram_walk.c", walkerDir);
    }

    @Test
    void shouldBootAMemfdByDescriptorResumeItAndLeaveNoPfnFile() throws Exception
    {
        try (Memfd memfd = Memfd.create("pkram-test", SIZE))
        {
            assertTrue(Handover.isMemfd(memfd.path()));
            try (Pkram pk = Pkram.boot(PkramOptions.of(memfd.path()).shutdownHook(false)))
            {
                Versions.save(pk, "n", 1, 3);
                assertThrows(MemoryFileBusyException.class, () -> Pkram.boot(PkramOptions.of(memfd.path())
                    .shutdownHook(false)), "one owner: every attach opens its own description and locks it");
            }
            try (Pkram pk = Pkram.boot(PkramOptions.of(memfd.path()).shutdownHook(false)))
            {
                assertEquals(List.of("n"), pk.nodeNames());
                assertTrue(pk.bootMessages().getFirst().startsWith("resumed"), pk.bootMessages().toString());
            }
            try (Stream<Path> files = Files.list(Path.of("/proc/self/fd")))
            {
                assertFalse(files.anyMatch(p -> p.toString().endsWith(".pfn")));
            }
        }
    }

    @Test
    void shouldWriteTheSameImageByteForByteAsAFileAndBeReadByTheCWalkerThroughProc() throws Exception
    {
        final Path file = dir.resolve("same.mem");
        Pkram.format(file, SIZE, false);
        final long filePfn = buildState(file);
        try (Memfd memfd = Memfd.create("pkram-same", SIZE))
        {
            final long memfdPfn = buildState(memfd.path());
            assertEquals(filePfn, memfdPfn);
            final byte[] fromFile = Files.readAllBytes(file);
            final byte[] fromMemfd = Files.readAllBytes(memfd.path());
            // The one field that differs: when each was created.
            for (final byte[] image : List.of(fromFile, fromMemfd))
            {
                java.util.Arrays.fill(image, FileHeaderDescriptor.CREATED_MILLIS_OFFSET,
                    FileHeaderDescriptor.CREATED_MILLIS_OFFSET + Long.BYTES, (byte)0);
            }
            assertArrayEquals(fromFile, fromMemfd);
            final String fromProc = KernelStructInteropTest.run(List.of(walker.toString(),
                memfd.pathForChildren().toString(), Long.toHexString(memfdPfn)), 0);
            final String fromPath = KernelStructInteropTest.run(List.of(walker.toString(), file.toString(),
                Long.toHexString(filePfn)), 0);
            assertEquals(fromPath, fromProc, "the C walker reads the memfd through /proc/PID/fd/N as the file");
            assertTrue(KernelWalk.parse(fromProc).nodes.size() == 2, fromProc);
        }
    }

    private static long buildState(final Path memory)
    {
        try (Pkram pk = Pkram.boot(PkramOptions.of(memory).shutdownHook(false)))
        {
            Versions.save(pk, "a", 1, 3);
            Versions.save(pk, "b", 2, 700);
            ServiceChild.replaceFirstPage(pk, "a", 4);
            return pk.superBlockPfn();
        }
    }

    @Test
    void shouldRefuseADescriptorOfTheWrongKindOneTooSmallOneOpenToOthersAndNone() throws Exception
    {
        final Path pipe = findDescriptor("pipe:");
        final UnsafeMemoryFileException notMemfd = assertThrows(UnsafeMemoryFileException.class,
            () -> Pkram.boot(PkramOptions.of(pipe).shutdownHook(false)));
        assertTrue(notMemfd.getMessage().contains("memory descriptor is not a memfd or a regular file"),
            notMemfd.getMessage());

        final Path small = Files.createFile(dir.resolve("small"), PosixFilePermissions.asFileAttribute(
            PosixFilePermissions.fromString("rw-------")));
        try (RandomAccessFile open = new RandomAccessFile(small.toFile(), "r"))
        {
            final Path handed = findDescriptor(small.toString());
            assertThrows(NotAMemoryFileException.class, () -> Pkram.boot(PkramOptions.of(handed).shutdownHook(false)));
        }

        try (Memfd memfd = Memfd.create("pkram-open", SIZE))
        {
            Files.setPosixFilePermissions(memfd.path(), PosixFilePermissions.fromString("rw-r--r--"));
            final UnsafeMemoryFileException open = assertThrows(UnsafeMemoryFileException.class,
                () -> Pkram.boot(PkramOptions.of(memfd.path()).shutdownHook(false)));
            assertTrue(open.getMessage().contains("accessible by group or others"), open.getMessage());
        }

        final PkramException none = assertThrows(PkramException.class,
            () -> Pkram.boot(PkramOptions.of(Path.of("/proc/self/fd/99999")).shutdownHook(false)));
        assertTrue(none.getMessage().contains("no such descriptor"), none.getMessage());
    }

    @Test
    void shouldNameDescriptorsTheWaySystemdDoes()
    {
        final String pid = Long.toString(ProcessHandle.current().pid());
        final Map<String, String> env = Map.of("LISTEN_PID", pid, "LISTEN_FDS", "2", "LISTEN_FDNAMES", "http:pkram");
        final Properties none = new Properties();
        assertEquals(Path.of("/proc/self/fd/4"), ServiceEnvironment.memoryFile("fd:pkram", env, none));
        assertEquals(Path.of("/proc/self/fd/7"), ServiceEnvironment.memoryFile("fd:7", env, none));
        assertEquals(Path.of("/proc/self/fd/4"), ServiceEnvironment.memoryFile(null, env, none),
            "a descriptor named pkram is the default memory");
        assertEquals(Path.of("/proc/self/fd/4"), ServiceEnvironment.memoryFile("memfd:pkram", env, none));
        assertNull(ServiceEnvironment.newMemfdName(Map.of("PKRAM_MEM", "memfd:pkram", "LISTEN_PID", pid,
            "LISTEN_FDS", "2", "LISTEN_FDNAMES", "http:pkram"), none), "passed: nothing to create");
        assertEquals("cache", ServiceEnvironment.newMemfdName(Map.of("PKRAM_MEM", "memfd:cache"), none));

        final Map<String, String> foreign = Map.of("LISTEN_PID", "1", "LISTEN_FDS", "2", "LISTEN_FDNAMES",
            "http:pkram");
        assertEquals(-1, ServiceEnvironment.listenedDescriptor("pkram", foreign), "another process's variables");
        assertThrows(org.pkram.error.InvalidArgumentException.class,
            () -> ServiceEnvironment.memoryFile("fd:pkram", foreign, none));
        assertThrows(org.pkram.error.InvalidArgumentException.class,
            () -> ServiceEnvironment.newMemfdName(Map.of("PKRAM_MEM", "memfd:a/b"), none));
    }

    /** @return {@code /proc/self/fd/N} of an open descriptor whose link starts with {@code prefix}. */
    private static Path findDescriptor(final String prefix) throws IOException
    {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd")))
        {
            for (final Path fd : fds.toList())
            {
                try
                {
                    if (Files.readSymbolicLink(fd).toString().startsWith(prefix))
                    {
                        return Handover.ofDescriptor(Integer.parseInt(fd.getFileName().toString()));
                    }
                }
                catch (final IOException gone)
                {
                    // the directory's own descriptor, closed by now
                }
            }
        }
        throw new AssertionError("no open descriptor " + prefix);
    }
}
