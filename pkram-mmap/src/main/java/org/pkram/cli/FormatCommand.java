package org.pkram.cli;

import org.pkram.Folio;
import org.pkram.Pkram;
import org.pkram.boot.PfnFile;
import org.pkram.error.Errno;
import org.pkram.error.InvalidArgumentException;
import org.pkram.error.MemoryFileBusyException;
import org.pkram.error.PkramException;
import org.pkram.mem.HugePages;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Set;

/**
 * {@code pkram format --size SIZE [--force] [--sparse]}: create the memory file, the machine's RAM.
 * An existing file that holds preserved data (or is not a memory file) is refused unless {@code --force};
 * a file attached by a running process is always refused.
 */
final class FormatCommand implements Command
{
    @Override
    public String name()
    {
        return "format";
    }

    @Override
    public String synopsis()
    {
        return "format --size SIZE [--force] [--sparse]";
    }

    @Override
    public String summary()
    {
        return "create the memory file";
    }

    @Override
    public String help()
    {
        return """
            Create the memory file (mode 0600) with nothing preserved in it.
              --size SIZE  bytes: 4096, 64K, 512M, 8G (a multiple of 4096, at least 16K)
              --force      replace an existing file even when it holds preserved nodes
              --sparse     do not allocate the pages now (fast, but a full file system fails later)
              --huge       refuse a file system that cannot give huge pages (a tmpfs mounted huge=always or
                           within_size, or hugetlbfs; see README, "Huge pages")
            By default every page is allocated now, so a file too large for /dev/shm fails at once (ENOSPC).
            An existing memory file with nothing preserved is replaced without --force.
            """;
    }

    @Override
    public Set<String> valueOptions()
    {
        return Set.of("--size");
    }

    @Override
    public Set<String> flagOptions()
    {
        return Set.of("--force", "--sparse", "--huge");
    }

    @Override
    public int run(final CliContext context, final Args args) throws Exception
    {
        args.expectOperands(0, 0, "");
        final String sizeText = args.value("--size");
        if (sizeText == null)
        {
            throw new UsageException("missing --size SIZE");
        }
        final long size = Sizes.parse(sizeText, "--size");
        final Path file = context.memoryFile();
        final HugePages huge = HugePages.of(file);
        if (args.flag("--huge") && !huge.huge())
        {
            throw new InvalidArgumentException("the file system cannot give huge pages: " + huge.description() +
                " (mount a tmpfs with huge=always, or use hugetlbfs)");
        }
        if (Files.exists(file, LinkOption.NOFOLLOW_LINKS))
        {
            final String refusal = whyKeep(context);
            if (refusal != null && !args.flag("--force"))
            {
                throw new PkramException(Errno.EEXIST, refusal + " (--force replaces it)");
            }
            Files.delete(file);
        }
        // A pfn file left from an earlier image would name a super block the new file does not have.
        Files.deleteIfExists(PfnFile.of(file));
        Pkram.format(file, size, !args.flag("--sparse"));
        context.out().println("formatted " + file + ": " + Sizes.mib(size) + " (" +
            Sizes.pages(size / Folio.PAGE_SIZE) + ")" + (args.flag("--sparse") ? ", sparse" : "") +
            (huge.huge() ? ", huge pages (" + huge.description() + ")" : ""));
        return PkramCli.EXIT_OK;
    }

    /**
     * @return why the existing file must not be replaced without {@code --force}, or null when it holds
     *         nothing preserved.
     * @throws MemoryFileBusyException when a process has it attached: never replaced.
     */
    private static String whyKeep(final CliContext context)
    {
        final Path file = context.memoryFile();
        try (ReadOnlyImage image = ReadOnlyImage.open(context))
        {
            if (!image.nodes().isEmpty())
            {
                return "memory file holds preserved data: path=" + file + ", nodes=" + image.nodes().size();
            }
            if (image.failure() != null || !image.problems().isEmpty())
            {
                return "memory file holds an image that cannot be walked: path=" + file;
            }
            return null;
        }
        catch (final MemoryFileBusyException ex)
        {
            throw ex;
        }
        catch (final PkramException ex)
        {
            return "file exists and is not a usable memory file: path=" + file + ", cause=" + ex.getMessage();
        }
    }
}
