package org.pkram.oracle;

import org.pkram.boot.ImageScanner;
import org.pkram.boot.NodeEntry;
import org.pkram.boot.ScanResult;
import org.pkram.image.LinkCursor;
import org.pkram.image.NodeView;
import org.pkram.image.ObjView;
import org.pkram.layout.ObjDescriptor;
import org.pkram.mem.PageAllocator;
import org.pkram.mem.PhysMem;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;

/**
 * Holds the library's reading of an image to the {@link ImageOracle}'s: the scanner's result (preserved
 * pages, node list with its counts, regions list), the structure its read-only views enumerate (objects,
 * links, entries, data length), and the allocator a boot rebuilt. Either side may be the wrong one; a
 * disagreement is a failure all the same, reported with both readings.
 */
public final class ScannerAgreement
{
    /** Disagreements beyond this many are counted, not listed: one wrong walk tends to cascade. */
    private static final int MAX_REPORTED = 8;

    /**
     * What the library reads in an image.
     *
     * @param scan      the scanner's walk ({@code ImageScanner.scan} or {@code check}).
     * @param structure every node the scan found, enumerated through {@code NodeView} / {@code ObjView} /
     *                  {@code LinkCursor}, in the scan's order; expressed in the oracle's plain records so
     *                  that the two can be compared field by field.
     */
    public record LibraryReading(ScanResult scan, List<ImageOracle.Node> structure)
    {
    }

    private ScannerAgreement()
    {
    }

    /**
     * The library's strict reading (what boot walks) of a memory file, read-only.
     *
     * @param file  the memory file.
     * @param sbPfn the super block.
     * @return the scan and the structure.
     * @throws RuntimeException the scanner's refusal, when it refuses.
     */
    public static LibraryReading scan(final Path file, final long sbPfn)
    {
        try (PhysMem mem = PhysMem.openReadOnly(file))
        {
            return read(mem, ImageScanner.scan(mem, sbPfn));
        }
    }

    /**
     * Enumerate, through the library's views, the structure of every node a scan found.
     *
     * @param mem  the memory file the scan walked, still attached.
     * @param scan the scan.
     * @return the reading.
     */
    public static LibraryReading read(final PhysMem mem, final ScanResult scan)
    {
        final List<ImageOracle.Node> nodes = new ArrayList<>();
        for (final NodeEntry entry : scan.nodes())
        {
            final NodeView node = new NodeView(mem, entry.pfn());
            final List<ImageOracle.Obj> objs = new ArrayList<>();
            for (final ObjView obj : node.objects())
            {
                final long bytesHead = ObjDescriptor.bytesHeadLinkPfn(mem.page(obj.pfn()));
                objs.add(new ImageOracle.Obj(obj.pfn(), obj.dataLength(), links(obj.folios()),
                    links(new LinkCursor(mem).reset(bytesHead))));
            }
            nodes.add(new ImageOracle.Node(node.pfn(), node.name(), node.flags(), List.copyOf(objs)));
        }
        return new LibraryReading(scan, List.copyOf(nodes));
    }

    private static List<ImageOracle.Link> links(final LinkCursor cursor)
    {
        final List<ImageOracle.Link> links = new ArrayList<>();
        while (cursor.nextLink())
        {
            final List<ImageOracle.Entry> entries = new ArrayList<>();
            while (cursor.nextEntry())
            {
                entries.add(new ImageOracle.Entry(cursor.pfn(), cursor.order(), cursor.flags(), cursor.index()));
            }
            links.add(new ImageOracle.Link(cursor.linkPfn(), cursor.linkIndex(), List.copyOf(entries)));
        }
        return List.copyOf(links);
    }

    /**
     * Compare the oracle's reading of a valid image with the library's.
     *
     * @param oracle  the oracle's answer; must be valid.
     * @param library the library's reading of the same bytes.
     * @return one line per disagreement; empty when both read the same image.
     */
    public static List<String> compare(final ImageOracle.Image oracle, final LibraryReading library)
    {
        final Report report = new Report();
        if (!oracle.valid())
        {
            report.add("the oracle refuses the image the scanner walked: " + oracle.problem());
            return report.lines();
        }
        final ScanResult scan = library.scan();
        if (scan.superBlockPfn() != oracle.superBlockPfn() || scan.state() != oracle.state())
        {
            report.add("super block: scanner pfn 0x" + Long.toHexString(scan.superBlockPfn()) + " state " +
                scan.state() + ", oracle pfn 0x" + Long.toHexString(oracle.superBlockPfn()) + " state " +
                oracle.state());
        }
        comparePages(oracle.preserved(), scan, report);
        if (!Arrays.equals(scan.regionListPfns(), oracle.regionListPfns()))
        {
            report.add("regions list pages: scanner " + hex(scan.regionListPfns()) + ", oracle " +
                hex(oracle.regionListPfns()));
        }
        if (!sameRuns(scan.regions(), oracle.regions()))
        {
            report.add("regions: scanner " + runs(scan.regions()) + ", oracle " + runs(oracle.regions()));
        }
        final List<String> scannerNames = scan.nodes().stream().map(NodeEntry::name).toList();
        final List<String> oracleNames = oracle.nodes().stream().map(ImageOracle.Node::name).toList();
        if (!scannerNames.equals(oracleNames))
        {
            report.add("nodes (chain order): scanner " + scannerNames + ", oracle " + oracleNames);
        }
        for (final ImageOracle.Node expected : oracle.nodes())
        {
            final NodeEntry entry = scan.nodes().stream().filter(e -> e.name().equals(expected.name())).findFirst()
                .orElse(null);
            final ImageOracle.Node found = library.structure().stream()
                .filter(n -> n.name().equals(expected.name())).findFirst().orElse(null);
            if (entry == null || found == null)
            {
                report.add("node " + expected.name() + ": the oracle has it, the scanner " +
                    (entry == null ? "does not" : "does but its views do not"));
                continue;
            }
            compareCounts(expected, entry, report);
            compareStructure(expected, found, report);
        }
        return report.lines();
    }

    /**
     * Compare a freshly booted allocator with the oracle: exactly the preserved pages but the regions list
     * pages (boot gives those back) are reserved.
     *
     * @param oracle    the oracle's answer for the image booted; must be valid.
     * @param allocator the booted instance's allocator, before anything is allocated or freed.
     * @return one line per disagreement; empty when they agree.
     */
    public static List<String> compareAllocator(final ImageOracle.Image oracle, final PageAllocator allocator)
    {
        final Report report = new Report();
        final BitSet wanted = oracle.reservedAfterBoot();
        if (allocator.reservedPages() != wanted.cardinality())
        {
            report.add("allocator: " + allocator.reservedPages() + " pages reserved after boot, the oracle preserves " +
                wanted.cardinality() + " (plus " + oracle.regionListPfns().length + " regions list pages)");
        }
        for (long p = 1; p <= allocator.totalPages(); p++)
        {
            if (allocator.isReserved(p) != wanted.get((int)p))
            {
                report.add("allocator: pfn 0x" + Long.toHexString(p) + " reserved=" + allocator.isReserved(p) +
                    ", the oracle says " + (wanted.get((int)p) ? "preserved" : "not preserved"));
            }
        }
        return report.lines();
    }

    private static void comparePages(final BitSet oracle, final ScanResult scan, final Report report)
    {
        if (scan.pages().cardinality() != oracle.cardinality())
        {
            report.add("preserved pages: scanner " + scan.pages().cardinality() + ", oracle " + oracle.cardinality());
        }
        for (int p = oracle.nextSetBit(0); p >= 0; p = oracle.nextSetBit(p + 1))
        {
            if (p >= scan.pages().pfnCount() || !scan.pages().get(p))
            {
                report.add("preserved pages: pfn 0x" + Long.toHexString(p) + " preserved by the oracle, not by the " +
                    "scanner");
            }
        }
        for (long p = scan.pages().nextSet(0); p >= 0; p = scan.pages().nextSet(p + 1))
        {
            if (!oracle.get((int)p))
            {
                report.add("preserved pages: pfn 0x" + Long.toHexString(p) + " preserved by the scanner, not by the " +
                    "oracle");
            }
        }
    }

    private static void compareCounts(final ImageOracle.Node expected, final NodeEntry entry, final Report report)
    {
        final StringBuilder orders = new StringBuilder();
        for (int order = 0; order <= ImageOracle.MAX_ORDER; order++)
        {
            if (entry.foliosOfOrder(order) != expected.foliosOfOrder(order))
            {
                orders.append(" order ").append(order).append(": ").append(entry.foliosOfOrder(order)).append('/')
                    .append(expected.foliosOfOrder(order));
            }
        }
        if (entry.pfn() != expected.pfn() || entry.flags() != expected.flags() ||
            entry.objs() != expected.objs().size() || entry.links() != expected.links() ||
            entry.folios() != expected.folios() || entry.folioPages() != expected.folioPages() ||
            entry.dataLen() != expected.dataLen() || !orders.isEmpty())
        {
            report.add("node " + expected.name() + " counts (scanner/oracle): pfn 0x" + Long.toHexString(entry.pfn()) +
                "/0x" + Long.toHexString(expected.pfn()) + " flags " + entry.flags() + "/" + expected.flags() +
                " objs " + entry.objs() + "/" + expected.objs().size() + " links " + entry.links() + "/" +
                expected.links() + " folios " + entry.folios() + "/" + expected.folios() + " folioPages " +
                entry.folioPages() + "/" + expected.folioPages() + " dataLen " + entry.dataLen() + "/" +
                expected.dataLen() + orders);
        }
    }

    private static void compareStructure(final ImageOracle.Node expected, final ImageOracle.Node found,
        final Report report)
    {
        final String node = "node " + expected.name();
        if (found.pfn() != expected.pfn() || found.flags() != expected.flags())
        {
            report.add(node + ": views read pfn 0x" + Long.toHexString(found.pfn()) + " flags " + found.flags() +
                ", oracle pfn 0x" + Long.toHexString(expected.pfn()) + " flags " + expected.flags());
        }
        if (found.objs().size() != expected.objs().size())
        {
            report.add(node + ": views find " + found.objs().size() + " objects, the oracle " +
                expected.objs().size());
            return;
        }
        for (int i = 0; i < expected.objs().size(); i++)
        {
            final ImageOracle.Obj want = expected.objs().get(i);
            final ImageOracle.Obj got = found.objs().get(i);
            final String obj = node + " obj " + i;
            if (got.pfn() != want.pfn() || got.dataLen() != want.dataLen())
            {
                report.add(obj + ": views read pfn 0x" + Long.toHexString(got.pfn()) + " data_len " + got.dataLen() +
                    ", oracle pfn 0x" + Long.toHexString(want.pfn()) + " data_len " + want.dataLen());
            }
            compareLinks(obj + " folios", want.folios(), got.folios(), report);
            compareLinks(obj + " bytes", want.bytes(), got.bytes(), report);
        }
    }

    private static void compareLinks(final String stream, final List<ImageOracle.Link> want,
        final List<ImageOracle.Link> got, final Report report)
    {
        if (want.size() != got.size())
        {
            report.add(stream + ": views find " + got.size() + " links, the oracle " + want.size());
            return;
        }
        for (int j = 0; j < want.size(); j++)
        {
            final ImageOracle.Link w = want.get(j);
            final ImageOracle.Link g = got.get(j);
            final String link = stream + " link " + j + " (0x" + Long.toHexString(w.pfn()) + ")";
            if (g.pfn() != w.pfn() || g.index() != w.index() || g.entries().size() != w.entries().size())
            {
                report.add(link + ": views read pfn 0x" + Long.toHexString(g.pfn()) + " index " + g.index() + " " +
                    g.entries().size() + " entries, oracle index " + w.index() + " " + w.entries().size() +
                    " entries");
                continue;
            }
            for (int k = 0; k < w.entries().size(); k++)
            {
                if (!g.entries().get(k).equals(w.entries().get(k)))
                {
                    report.add(link + " entry " + k + ": views read " + g.entries().get(k) + ", oracle " +
                        w.entries().get(k));
                }
            }
        }
    }

    private static boolean sameRuns(final List<long[]> a, final List<long[]> b)
    {
        if (a.size() != b.size())
        {
            return false;
        }
        for (int i = 0; i < a.size(); i++)
        {
            if (!Arrays.equals(a.get(i), b.get(i)))
            {
                return false;
            }
        }
        return true;
    }

    private static String runs(final List<long[]> runs)
    {
        final StringBuilder out = new StringBuilder("[");
        for (final long[] run : runs)
        {
            out.append(out.length() == 1 ? "" : ", ").append("0x").append(Long.toHexString(run[0])).append("..0x")
                .append(Long.toHexString(run[1]));
        }
        return out.append(']').toString();
    }

    private static String hex(final long[] pfns)
    {
        final StringBuilder out = new StringBuilder("[");
        for (final long pfn : pfns)
        {
            out.append(out.length() == 1 ? "0x" : ", 0x").append(Long.toHexString(pfn));
        }
        return out.append(']').toString();
    }

    /** Collects disagreements, listing the first few and counting the rest. */
    private static final class Report
    {
        private final List<String> lines = new ArrayList<>();
        private int more;

        void add(final String line)
        {
            if (lines.size() < MAX_REPORTED)
            {
                lines.add(line);
            }
            else
            {
                more++;
            }
        }

        List<String> lines()
        {
            if (more > 0)
            {
                final List<String> all = new ArrayList<>(lines);
                all.add("(and " + more + " more disagreements)");
                return all;
            }
            return List.copyOf(lines);
        }
    }
}
