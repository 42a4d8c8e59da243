package org.pkram.cli;

import net.openhft.chronicle.bytes.Bytes;
import org.agrona.DirectBuffer;
import org.pkram.boot.NodeEntry;
import org.pkram.boot.ScanResult;
import org.pkram.error.PkramException;
import org.pkram.image.FileHeaderInfo;
import org.pkram.image.ObjView;
import org.pkram.image.StreamSummary;
import org.pkram.image.SuperBlockInfo;
import org.pkram.mem.PhysMem;

import java.io.PrintStream;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * {@code pkram inspect}: everything in the image, read-only (the kdump kernel's view): the file header,
 * the super block fields, each node, object and stream, the regions list, and hex dumps of the super block
 * and first node pages (Chronicle Bytes' dump). Changes no byte and consumes nothing.
 */
final class InspectCommand implements Command
{
    private static final int REGIONS_SHOWN = 32;

    @Override
    public String name()
    {
        return "inspect";
    }

    @Override
    public String synopsis()
    {
        return "inspect [--no-dump]";
    }

    @Override
    public String summary()
    {
        return "print every structure of the image (read-only)";
    }

    @Override
    public String help()
    {
        return """
            Print the memory file's header, the super block, every node with its objects and streams, the
            regions list, and hex dumps of the super block page and the first node page. Read-only: attaches
            the file read-only, changes no byte, consumes nothing. Problems found are listed as in fsck.
              --no-dump  leave out the hex dumps
            """;
    }

    @Override
    public Set<String> flagOptions()
    {
        return Set.of("--no-dump");
    }

    @Override
    public int run(final CliContext context, final Args args) throws Exception
    {
        args.expectOperands(0, 0, "");
        final PrintStream out = context.out();
        try (ReadOnlyImage image = ReadOnlyImage.open(context))
        {
            final PhysMem mem = image.mem();
            printHeader(out, context, image);
            if (image.pfn() == 0)
            {
                out.println("no super block: nothing preserved");
                return PkramCli.EXIT_OK;
            }
            printSuperBlock(out, SuperBlockInfo.read(mem, image.pfn()));
            for (final NodeEntry node : image.nodes())
            {
                printNode(out, image, node);
            }
            final ScanResult scan = image.scan();
            if (scan != null)
            {
                printRegions(out, scan);
            }
            final List<String> problems = image.allProblems();
            out.println("problems: " + (problems.isEmpty() ? "none" : problems.size()));
            for (final String problem : problems)
            {
                out.println("  " + problem);
            }
            if (!args.flag("--no-dump"))
            {
                dump(out, "super block page, pfn 0x" + Long.toHexString(image.pfn()), mem.page(image.pfn()));
                if (!image.nodes().isEmpty())
                {
                    final NodeEntry first = image.nodes().get(0);
                    dump(out, "node page \"" + first.name() + "\", pfn 0x" + Long.toHexString(first.pfn()),
                        mem.page(first.pfn()));
                }
            }
        }
        return PkramCli.EXIT_OK;
    }

    private static void printHeader(final PrintStream out, final CliContext context, final ReadOnlyImage image)
    {
        final PhysMem mem = image.mem();
        final FileHeaderInfo header = FileHeaderInfo.read(mem);
        out.println("memory file " + context.memoryFile());
        field(out, "size", mem.size() + " bytes (" + Sizes.mib(mem.size()) + ", " +
            Sizes.pages(mem.pfnCount()) + ")");
        field(out, "header", "magic 0x" + Long.toHexString(header.magic()) + ", format version " +
            header.formatVersion() + ", page size " + header.pageSize() + ", recorded size " + header.fileSize());
        field(out, "created", Instant.ofEpochMilli(header.createdMillis()).toString());
        field(out, "huge pages", (mem.hugePages().huge() ? "yes: " : "no: ") + mem.hugePages().description());
        field(out, "super block", "header: " + hex(image.headerPfn()) + ", boot parameter: " +
            (image.bootPfn().isPresent() ? hex(image.bootPfn().getAsLong()) : "none") +
            (image.stale() ? " (stale: boot would refuse it)" : ""));
    }

    private static void printSuperBlock(final PrintStream out, final SuperBlockInfo sb)
    {
        out.println("super block at pfn " + hex(sb.pfn()));
        final int magic = sb.magic();
        field(out, "magic", "0x" + Integer.toHexString(magic) +
            (magic == SuperBlockInfo.PKRAM_MAGIC ? " (pkrm)" : magic == 0 ? " (none)" : " (bad)"));
        field(out, "node_pfn", hex(sb.nodePfn()));
        field(out, "region_list_pfn", hex(sb.regionListPfn()));
        field(out, "nr_regions", Long.toString(sb.nrRegions()));
        field(out, "format version", Integer.toString(sb.formatVersion()));
        field(out, "state", sb.stateName());
        field(out, "file size", Long.toString(sb.fileSize()));
        field(out, "generation", Long.toString(sb.generation()));
        field(out, "preserved pages", Long.toString(sb.preservedPages()));
    }

    private static void printNode(final PrintStream out, final ReadOnlyImage image, final NodeEntry node)
    {
        out.println("node \"" + node.name() + "\" at pfn " + hex(node.pfn()) + ": flags 0x" +
            Integer.toHexString(node.flags()) + ", " + Sizes.plural(node.objs(), "obj") + ", " +
            Sizes.plural(node.links(), "link") + ", " + Sizes.plural(node.folios(), "folio") + " (" +
            Sizes.pages(node.folioPages()) + ", orders " + LsCommand.orders(node) + "), " + node.dataLen() +
            " bytes");
        try
        {
            for (final ObjView obj : image.view(node).objects())
            {
                out.println("  obj at pfn " + hex(obj.pfn()) + ": data_len " + obj.dataLength());
                out.println("    folios: " + stream(obj.folioSummary(), true));
                out.println("    bytes:  " + stream(obj.byteSummary(), false));
            }
        }
        catch (final PkramException ex)
        {
            // A damaged node is listed with the problems; the walk of it stops where the damage is.
            out.println("  walk stopped: " + ex.getMessage());
        }
    }

    /**
     * @return a one-line summary of a stream: its links and entries.
     */
    private static String stream(final StreamSummary summary, final boolean folios)
    {
        if (summary.isEmpty())
        {
            return "none";
        }
        final StringBuilder text = new StringBuilder();
        text.append("head ").append(hex(summary.headLinkPfn())).append(", tail ").append(hex(summary.tailLinkPfn()))
            .append(", ").append(Sizes.plural(summary.links(), "link")).append(", ").append(summary.entries())
            .append(summary.entries() == 1 ? " entry, " : " entries, ").append(Sizes.pages(summary.pages()));
        if (folios)
        {
            text.append(", first index ").append(summary.firstIndex()).append(", orders");
            final long[] orders = summary.orders();
            for (int order = 0; order < orders.length; order++)
            {
                if (orders[order] != 0)
                {
                    text.append(' ').append(order).append(':').append(orders[order]);
                }
            }
        }
        return text.toString();
    }

    private static void printRegions(final PrintStream out, final ScanResult scan)
    {
        final List<long[]> regions = scan.regions();
        out.println("regions list at pfn " + hex(scan.regionListPfn()) + ": " + Sizes.plural(regions.size(), "region") +
            " in " + Sizes.plural(scan.regionListPfns().length, "list page") + "; preserved " +
            Sizes.pages(scan.pages().cardinality()) + " in " + Sizes.plural(scan.pages().runCount(), "run"));
        for (int i = 0; i < regions.size() && i < REGIONS_SHOWN; i++)
        {
            final long[] region = regions.get(i);
            out.println("  [" + hex(region[0]) + ", " + hex(region[1]) + ") " + Sizes.pages(region[1] - region[0]));
        }
        if (regions.size() > REGIONS_SHOWN)
        {
            out.println("  ... " + (regions.size() - REGIONS_SHOWN) + " more");
        }
    }

    private static void dump(final PrintStream out, final String title, final DirectBuffer page)
    {
        final byte[] copy = new byte[page.capacity()];
        page.getBytes(0, copy);
        out.println("hex dump: " + title);
        out.print(Bytes.wrapForRead(copy).toHexString(copy.length));
    }

    private static void field(final PrintStream out, final String name, final String value)
    {
        out.printf("  %-16s %s%n", name, value);
    }

    private static String hex(final long pfn)
    {
        return "0x" + Long.toHexString(pfn);
    }
}
