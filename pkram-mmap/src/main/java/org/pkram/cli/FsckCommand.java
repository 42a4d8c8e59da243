package org.pkram.cli;

import org.pkram.boot.ScanResult;
import org.pkram.error.CorruptImageException;

import java.util.List;

/**
 * {@code pkram fsck}: verify the image read-only; every problem on a line of its own.
 */
final class FsckCommand implements Command
{
    @Override
    public String name()
    {
        return "fsck";
    }

    @Override
    public String synopsis()
    {
        return "fsck";
    }

    @Override
    public String summary()
    {
        return "check the image (read-only)";
    }

    @Override
    public String help()
    {
        return """
            Walk the image read-only (nothing is booted, changed or consumed) and check every structure: the
            super block, node chain, objects, links, entries, byte pages and regions list. Clean: prints
            "clean: N nodes, M pages" and exits 0. Otherwise prints one line per problem and exits 1.
            """;
    }

    @Override
    public int run(final CliContext context, final Args args) throws Exception
    {
        args.expectOperands(0, 0, "");
        try (ReadOnlyImage image = ReadOnlyImage.open(context))
        {
            final List<String> problems = image.allProblems();
            if (!problems.isEmpty())
            {
                for (final String problem : problems)
                {
                    context.out().println(problem);
                }
                throw new CorruptImageException("image has " + Sizes.plural(problems.size(), "problem") + ": " +
                    context.memoryFile());
            }
            final ScanResult scan = image.scan();
            final long pages = scan == null ? 0 : scan.pages().cardinality();
            context.out().println("clean: " + Sizes.plural(image.nodes().size(), "node") + ", " + Sizes.pages(pages));
        }
        return PkramCli.EXIT_OK;
    }
}
