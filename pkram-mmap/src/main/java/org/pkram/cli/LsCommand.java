package org.pkram.cli;

import org.pkram.Folio;
import org.pkram.boot.NodeEntry;
import org.pkram.error.CorruptImageException;

import java.util.List;

/**
 * {@code pkram ls}: one line per committed node, read-only (nothing is booted or consumed).
 */
final class LsCommand implements Command
{
    @Override
    public String name()
    {
        return "ls";
    }

    @Override
    public String synopsis()
    {
        return "ls";
    }

    @Override
    public String summary()
    {
        return "list the preserved nodes (read-only)";
    }

    @Override
    public String help()
    {
        return """
            List the committed nodes: name, objects, folios, folio pages, byte-stream bytes and folios per
            order (e.g. 0:3 9:128 = three 4 KiB folios and 128 of 2 MiB). Read-only: consumes nothing.
            Prints nothing when nothing is preserved. Errors: EUCLEAN the image is damaged (see fsck).
            """;
    }

    @Override
    public int run(final CliContext context, final Args args) throws Exception
    {
        args.expectOperands(0, 0, "");
        try (ReadOnlyImage image = ReadOnlyImage.open(context))
        {
            if (image.stale() || image.failure() != null)
            {
                throw new CorruptImageException("cannot walk the image, see pkram fsck: " + image.allProblems().get(0));
            }
            final List<NodeEntry> nodes = image.nodes();
            if (!nodes.isEmpty())
            {
                int width = 4;
                for (final NodeEntry node : nodes)
                {
                    width = Math.max(width, node.name().length());
                }
                final String format = "%-" + width + "s %5s %7s %9s %11s  %s%n";
                context.out().printf(format, "NODE", "OBJS", "FOLIOS", "PAGES", "BYTES", "ORDERS");
                for (final NodeEntry node : nodes)
                {
                    context.out().printf(format, node.name(), node.objs(), node.folios(), node.folioPages(),
                        node.dataLen(), orders(node));
                }
            }
            if (!image.problems().isEmpty())
            {
                throw new CorruptImageException("image is damaged, see pkram fsck: " + image.problems().get(0) +
                    (image.problems().size() > 1 ? " (and " + (image.problems().size() - 1) + " more)" : ""));
            }
        }
        return PkramCli.EXIT_OK;
    }

    /**
     * @return e.g. {@code 0:3 9:128}, or {@code -} when the node holds no folios.
     */
    static String orders(final NodeEntry node)
    {
        final StringBuilder text = new StringBuilder();
        for (int order = 0; order <= Folio.MAX_ORDER; order++)
        {
            final long count = node.foliosOfOrder(order);
            if (count != 0)
            {
                text.append(text.isEmpty() ? "" : " ").append(order).append(':').append(count);
            }
        }
        return text.isEmpty() ? "-" : text.toString();
    }
}
