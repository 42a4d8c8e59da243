package org.pkram.cli;

import org.pkram.Pkram;

/**
 * {@code pkram truncate}: free every preserved node, {@code echo 0 > /sys/kernel/pkram}.
 */
final class TruncateCommand implements Command
{
    @Override
    public String name()
    {
        return "truncate";
    }

    @Override
    public String synopsis()
    {
        return "truncate";
    }

    @Override
    public String summary()
    {
        return "free every preserved node (echo 0 > /sys/kernel/pkram)";
    }

    @Override
    public String help()
    {
        return """
            Boot, free every committed node and its pages (pkram_truncate), reboot; prints how many nodes
            were freed.
            """;
    }

    @Override
    public int run(final CliContext context, final Args args) throws Exception
    {
        args.expectOperands(0, 0, "");
        final int freed;
        try (Pkram pk = context.boot())
        {
            freed = pk.truncate();
        }
        context.out().println("freed " + Sizes.plural(freed, "node"));
        return PkramCli.EXIT_OK;
    }
}
