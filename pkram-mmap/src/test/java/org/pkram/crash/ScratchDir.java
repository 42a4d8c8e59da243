package org.pkram.crash;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Where the crash tests keep their memory files: a new directory on tmpfs ({@code /dev/shm}) when
 * there is one, since every crash is followed by a copy and a full walk of the file; else the test's
 * own temporary directory.
 */
final class ScratchDir
{
    private static final Path SHM = Path.of("/dev/shm");

    private ScratchDir()
    {
    }

    /**
     * @param fallback the test's {@code @TempDir}.
     * @return a fresh directory, mode 0700.
     */
    static Path create(final Path fallback) throws IOException
    {
        return Files.isDirectory(SHM) && Files.isWritable(SHM) ? Files.createTempDirectory(SHM, "pkram-crash-") : fallback;
    }

    /**
     * Delete a directory {@link #create} made on tmpfs, with everything in it.
     */
    static void delete(final Path dir, final Path fallback) throws IOException
    {
        if (dir == null || dir.equals(fallback))
        {
            return;
        }
        try (Stream<Path> files = Files.walk(dir))
        {
            for (final Path path : files.sorted(Comparator.reverseOrder()).toList())
            {
                Files.deleteIfExists(path);
            }
        }
    }
}
