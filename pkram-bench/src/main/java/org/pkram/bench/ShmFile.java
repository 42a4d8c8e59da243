package org.pkram.bench;

import org.pkram.Mode;
import org.pkram.Pkram;
import org.pkram.PkramOptions;
import org.pkram.boot.PfnFile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Temporary memory files under {@code /dev/shm} for the benchmarks: each trial formats its own and
 * deletes it, with its {@code .pfn} file, in its tear-down.
 */
final class ShmFile
{
    private static final Path DIR = Path.of("/dev/shm");

    private ShmFile()
    {
    }

    /**
     * Format a new memory file with a unique name.
     *
     * @param prefix   what the file is for, part of its name.
     * @param size     bytes, a multiple of 4096.
     * @param populate allocate every page now.
     * @return its path.
     */
    static Path format(final String prefix, final long size, final boolean populate)
    {
        final Path file = DIR.resolve("pkram-bench-" + prefix + "-" + ProcessHandle.current().pid() + "-" +
            System.nanoTime() + ".mem");
        Pkram.format(file, size, populate);
        // A backstop for a fork that dies before its tear-down; the tear-down deletes it first.
        file.toFile().deleteOnExit();
        PfnFile.of(file).toFile().deleteOnExit();
        return file;
    }

    /**
     * @param file the memory file.
     * @param pfn  the super block pfn to cross-check, 0 to take the one the file names (a new file boots empty).
     * @return crash-safe options without a shutdown hook (every trial reboots explicitly).
     */
    static PkramOptions options(final Path file, final long pfn)
    {
        return PkramOptions.of(file).superBlockPfn(pfn).mode(Mode.CRASH_SAFE).shutdownHook(false);
    }

    /**
     * Delete a memory file and its pfn file, if present.
     *
     * @param file the memory file, or null.
     */
    static void delete(final Path file)
    {
        if (file == null)
        {
            return;
        }
        try
        {
            Files.deleteIfExists(file);
            Files.deleteIfExists(PfnFile.of(file));
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * A trial's last tear-down: unmap what a failed invocation left mapped, reboot what it left booted, and
     * delete the memory file and its pfn file.
     *
     * @param mapping a mapping of the file, or null.
     * @param pkram   an instance on the file, or null.
     * @param file    the memory file, or null.
     */
    static void release(final Arena mapping, final Pkram pkram, final Path file)
    {
        if (mapping != null)
        {
            mapping.close();
        }
        if (pkram != null && !pkram.isClosed())
        {
            pkram.close();
        }
        delete(file);
    }
}
