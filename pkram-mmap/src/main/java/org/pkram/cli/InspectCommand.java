package org.pkram.cli;

import net.openhft.chronicle.bytes.Bytes;
import org.agrona.concurrent.UnsafeBuffer;
import org.pkram.boot.NodeEntry;
import org.pkram.boot.ScanResult;
import org.pkram.layout.EntryCodec;
import org.pkram.layout.FileHeaderDescriptor;
import org.pkram.layout.LinkDescriptor;
import org.pkram.layout.NodeDescriptor;
import org.pkram.layout.ObjDescriptor;
import org.pkram.layout.Pfn;
import org.pkram.layout.SuperBlockDescriptor;
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
            if (image.pfn() == Pfn.NULL_PFN)
            {
                out.println("no super block: nothing preserved");
                return PkramCli.EXIT_OK;
            }
            final UnsafeBuffer sb = mem.page(image.pfn());
            printSuperBlock(out, image.pfn(), sb);
            for (final NodeEntry node : image.nodes())
            {
                printNode(out, mem, node);
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
                dump(out, "super block page, pfn 0x" + Long.toHexString(image.pfn()), sb);
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
        final UnsafeBuffer header = mem.page(0);
        out.println("memory file " + context.memoryFile());
        field(out, "size", mem.size() + " bytes (" + Sizes.mib(mem.size()) + ", " +
            Sizes.pages(mem.pfnCount()) + ")");
        field(out, "header", "magic 0x" + Long.toHexString(FileHeaderDescriptor.magic(header)) + ", format version " +
            FileHeaderDescriptor.formatVersion(header) + ", page size " + FileHeaderDescriptor.pageSize(header) +
            ", recorded size " + FileHeaderDescriptor.fileSize(header));
        field(out, "created", Instant.ofEpochMilli(FileHeaderDescriptor.createdMillis(header)).toString());
        field(out, "super block", "header: " + hex(image.headerPfn()) + ", boot parameter: " +
            (image.bootPfn().isPresent() ? hex(image.bootPfn().getAsLong()) : "none") +
            (image.stale() ? " (stale: boot would refuse it)" : ""));
    }

    private static void printSuperBlock(final PrintStream out, final long pfn, final UnsafeBuffer sb)
    {
        out.println("super block at pfn " + hex(pfn));
        final int magic = SuperBlockDescriptor.magic(sb);
        field(out, "magic", "0x" + Integer.toHexString(magic) +
            (magic == SuperBlockDescriptor.PKRAM_MAGIC ? " (pkrm)" : magic == 0 ? " (none)" : " (bad)"));
        field(out, "node_pfn", hex(SuperBlockDescriptor.nodePfn(sb)));
        field(out, "region_list_pfn", hex(SuperBlockDescriptor.regionListPfn(sb)));
        field(out, "nr_regions", Long.toString(SuperBlockDescriptor.nrRegions(sb)));
        field(out, "format version", Integer.toString(SuperBlockDescriptor.formatVersion(sb)));
        field(out, "state", state(SuperBlockDescriptor.state(sb)));
        field(out, "file size", Long.toString(SuperBlockDescriptor.fileSize(sb)));
        field(out, "generation", Long.toString(SuperBlockDescriptor.generation(sb)));
        field(out, "preserved pages", Long.toString(SuperBlockDescriptor.preservedPages(sb)));
    }

    private static void printNode(final PrintStream out, final PhysMem mem, final NodeEntry node)
    {
        out.println("node \"" + node.name() + "\" at pfn " + hex(node.pfn()) + ": flags 0x" +
            Integer.toHexString(node.flags()) + ", " + Sizes.plural(node.objs(), "obj") + ", " +
            Sizes.plural(node.links(), "link") + ", " + Sizes.plural(node.folios(), "folio") + " (" +
            Sizes.pages(node.folioPages()) + ", orders " + LsCommand.orders(node) + "), " + node.dataLen() +
            " bytes");
        long objPfn = NodeDescriptor.objPfn(mem.page(node.pfn()));
        for (long n = 0; objPfn != Pfn.NULL_PFN && n < node.objs(); n++)
        {
            final UnsafeBuffer obj = mem.page(objPfn);
            out.println("  obj at pfn " + hex(objPfn) + ": data_len " + ObjDescriptor.dataLen(obj));
            out.println("    folios: " + stream(mem, ObjDescriptor.foliosHeadLinkPfn(obj),
                ObjDescriptor.foliosTailLinkPfn(obj), true));
            out.println("    bytes:  " + stream(mem, ObjDescriptor.bytesHeadLinkPfn(obj),
                ObjDescriptor.bytesTailLinkPfn(obj), false));
            objPfn = ObjDescriptor.objPfn(obj);
        }
    }

    /**
     * @return a one-line summary of a stream: its links and entries (bounded: a damaged chain stops the walk).
     */
    private static String stream(final PhysMem mem, final long head, final long tail, final boolean folios)
    {
        if (head == Pfn.NULL_PFN)
        {
            return "none";
        }
        long links = 0;
        long entries = 0;
        long pages = 0;
        long firstIndex = -1;
        final long[] orders = new long[Pfn.MAX_FOLIO_ORDER + 1];
        long link = head;
        while (link != Pfn.NULL_PFN && mem.contains(link) && links < mem.pfnCount())
        {
            final UnsafeBuffer page = mem.page(link);
            if (firstIndex < 0)
            {
                firstIndex = LinkDescriptor.index(page);
            }
            links++;
            for (int i = 0; i < LinkDescriptor.ENTRIES_MAX; i++)
            {
                final long entry = LinkDescriptor.entry(page, i);
                if (entry == 0)
                {
                    break;
                }
                final int order = EntryCodec.order(entry);
                entries++;
                if (Pfn.isValidOrder(order))
                {
                    orders[order]++;
                    pages += Pfn.pageCount(order);
                }
            }
            link = LinkDescriptor.linkPfn(page);
        }
        final StringBuilder text = new StringBuilder();
        text.append("head ").append(hex(head)).append(", tail ").append(hex(tail)).append(", ")
            .append(Sizes.plural(links, "link")).append(", ").append(entries).append(entries == 1 ? " entry, " : " entries, ").append(Sizes.pages(pages));
        if (folios)
        {
            text.append(", first index ").append(firstIndex).append(", orders");
            for (int order = 0; order <= Pfn.MAX_FOLIO_ORDER; order++)
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

    private static void dump(final PrintStream out, final String title, final UnsafeBuffer page)
    {
        final byte[] copy = new byte[Pfn.PAGE_SIZE];
        page.getBytes(0, copy);
        out.println("hex dump: " + title);
        out.print(Bytes.wrapForRead(copy).toHexString(Pfn.PAGE_SIZE));
    }

    static String state(final int state)
    {
        return switch (state)
        {
            case SuperBlockDescriptor.STATE_NONE -> "0 (none)";
            case SuperBlockDescriptor.STATE_SEALED -> "1 (sealed: written by an orderly reboot)";
            case SuperBlockDescriptor.STATE_LIVE -> "2 (live: booted, or the process died without a reboot)";
            case SuperBlockDescriptor.STATE_CONSUMED -> "3 (consumed by a kernel-faithful boot)";
            default -> state + " (unknown)";
        };
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
