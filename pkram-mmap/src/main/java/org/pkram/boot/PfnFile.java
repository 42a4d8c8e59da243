package org.pkram.boot;

import org.pkram.error.InvalidArgumentException;
import org.pkram.error.PkramIOException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.OptionalLong;

/**
 * The pfn file beside the memory file: pkram's {@code /sys/kernel/pkram}. It holds the super block
 * pfn as {@code "%lx\n"} (lower-case hex, no {@code 0x}); it is written atomically (a temporary file
 * renamed over it), so a reader never sees half a number.
 */
public final class PfnFile
{
    private PfnFile()
    {
    }

    /**
     * @param memoryFile the memory file.
     * @return its pfn file: the same path with {@code .pfn} appended.
     */
    public static Path of(final Path memoryFile)
    {
        return memoryFile.resolveSibling(memoryFile.getFileName() + ".pfn");
    }

    /**
     * @param pfnFile the pfn file.
     * @return the pfn it holds, or empty when there is no pfn file.
     * @throws InvalidArgumentException (EINVAL) when it does not hold a hex number.
     */
    public static OptionalLong read(final Path pfnFile)
    {
        try
        {
            final String text = Files.readString(pfnFile, StandardCharsets.US_ASCII);
            return OptionalLong.of(BootParams.parseHexPfn(text.trim(), pfnFile.toString()));
        }
        catch (final NoSuchFileException ex)
        {
            return OptionalLong.empty();
        }
        catch (final IOException ex)
        {
            throw new PkramIOException("cannot read pfn file: path=" + pfnFile + ", cause=" + ex, ex);
        }
    }

    /**
     * @param pfnFile the pfn file.
     * @param pfn     the super block pfn to export.
     */
    public static void write(final Path pfnFile, final long pfn)
    {
        final Path tmp = pfnFile.resolveSibling(pfnFile.getFileName() + ".tmp");
        try
        {
            Files.writeString(tmp, Long.toHexString(pfn) + "\n", StandardCharsets.US_ASCII);
            try
            {
                Files.move(tmp, pfnFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
            catch (final AtomicMoveNotSupportedException ex)
            {
                Files.move(tmp, pfnFile, StandardCopyOption.REPLACE_EXISTING);
            }
        }
        catch (final IOException ex)
        {
            throw new PkramIOException("cannot write pfn file: path=" + pfnFile + ", cause=" + ex, ex);
        }
    }
}
