package org.pkram;

import org.pkram.boot.BootParams;
import org.pkram.boot.ImageScanner;
import org.pkram.boot.NodeEntry;
import org.pkram.boot.PageBitmap;
import org.pkram.boot.PfnFile;
import org.pkram.boot.ScanResult;
import org.pkram.error.CorruptImageException;
import org.pkram.error.InvalidSuperBlockException;
import org.pkram.error.Errno;
import org.pkram.error.PkramException;
import org.pkram.layout.FileHeaderDescriptor;
import org.pkram.layout.Pfn;
import org.pkram.layout.SuperBlockDescriptor;
import org.pkram.mem.PageAllocator;
import org.pkram.mem.PhysMem;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * Boot: {@code pkram_reserve()} and {@code pkram_init_sb()} for a process. Validate the image without
 * writing a byte (a refusal leaves the file byte-identical), reserve exactly the preserved pages in a new
 * allocator, record a new generation before any page is handed out, take over the node list, free the
 * regions list ({@code pkram_cleanup()}), and name the super block in the file header and the pfn file.
 */
final class Boot
{
    private Boot()
    {
    }

    static Pkram boot(final PkramOptions options)
    {
        final List<String> messages = new ArrayList<>();
        createIfAbsent(options, messages);
        final PhysMem mem = PhysMem.open(options.memoryFile());
        try
        {
            return Faults.guarded(mem, () -> boot(mem, options, messages));
        }
        catch (final RuntimeException | Error ex)
        {
            try
            {
                mem.close();
            }
            catch (final RuntimeException closeFailure)
            {
                ex.addSuppressed(closeFailure);
            }
            throw ex;
        }
    }

    /**
     * A service's first start: create the memory file when nothing is at its name. A file that appears
     * meanwhile (another process won the race) is booted as found.
     */
    private static void createIfAbsent(final PkramOptions options, final List<String> messages)
    {
        final Path file = options.memoryFile();
        if (options.createSize() == 0 || Files.exists(file, LinkOption.NOFOLLOW_LINKS))
        {
            return;
        }
        try
        {
            PhysMem.create(file, options.createSize(), false).close();
            messages.add("created the memory file: path=" + file + ", size=" + options.createSize());
        }
        catch (final PkramException raced)
        {
            if (raced.errno() != Errno.EEXIST)
            {
                throw raced;
            }
            messages.add("memory file appeared while creating it; booting it as found: path=" + file);
        }
    }

    private static Pkram boot(final PhysMem mem, final PkramOptions options, final List<String> messages)
    {
        final ScanResult scan = validate(mem, options, messages);
        final PageAllocator allocator = new PageAllocator(mem.pfnCount());
        final long sbPfn;
        final long generation;
        if (scan != null)
        {
            reserve(allocator, scan.pages());
            sbPfn = scan.superBlockPfn();
            generation = scan.generation() + 1;
        }
        else
        {
            dropImage(mem, options);
            sbPfn = allocator.alloc(0);
            generation = 1;
        }
        final Publisher publisher = Publisher.of(options.mode(), mem, sbPfn, generation, options.durable());
        final List<NodeRecord> inherited = inherit(scan);
        publisher.boot(scan, inherited);
        if (scan != null)
        {
            // pkram_cleanup(): the regions list has served its purpose.
            for (final long listPfn : scan.regionListPfns())
            {
                allocator.free(listPfn, 0);
            }
        }
        FaultPoints.reach(FaultPoints.BOOT_DONE);
        final Pkram pkram = new Pkram(mem, allocator, options, publisher, new NodeList(publisher,
            inherited.reversed()), messages);
        // The pfn file first: a crash between the two leaves a header naming no image (a fresh boot cleared
        // it) or the same super block (a resume), never a pfn file that disagrees with a bootable header.
        PfnFile.write(PfnFile.of(options.memoryFile()), sbPfn);
        publisher.publishHeader();
        return pkram;
    }

    /**
     * Start empty: the header stops naming the image it named, if any. The pfn file goes first, so that a death
     * here never leaves it naming an image beside a header that names none (what a damaged header looks like);
     * then the old super block is zeroed before any page is allocated, so no later boot can take the old image,
     * whose pages this boot is about to reuse, for a bootable one.
     */
    private static void dropImage(final PhysMem mem, final PkramOptions options)
    {
        final long old = FileHeaderDescriptor.superBlockPfn(mem.page(0));
        if (old != Pfn.NULL_PFN)
        {
            PfnFile.delete(PfnFile.of(options.memoryFile()));
        }
        Publisher.clearHeader(mem);
        if (old > 0 && old < mem.pfnCount())
        {
            mem.zero(old, 0);
        }
    }

    /**
     * Resume by default: the image the file header names, cross-checked against a pfn the caller, the
     * process ({@code -Dpkram}, {@code PKRAM}) or the pfn file gives.
     *
     * @return the validated image, or null to start on a fresh super block.
     */
    private static ScanResult validate(final PhysMem mem, final PkramOptions options, final List<String> messages)
    {
        final long current = FileHeaderDescriptor.superBlockPfn(mem.page(0));
        if (options.fresh())
        {
            messages.add(current == Pfn.NULL_PFN ? "started empty (fresh): the memory file held no image" :
                "started empty on request (fresh): dropped the image at pfn=0x" + Long.toHexString(current));
            return null;
        }
        final Expected expected = expected(options);
        try
        {
            if (current == Pfn.NULL_PFN)
            {
                final ScanResult named = expected.pfn == Pfn.NULL_PFN ? null : imageWithNodes(mem, expected.pfn);
                if (named != null && expected.strict)
                {
                    // The caller names an image the header lost (damaged, or cleared by a fresh boot that never
                    // finished): booting it is what they asked for, and it loses nothing.
                    messages.add("resumed the image at pfn=0x" + Long.toHexString(expected.pfn) + " (" +
                        expected.source + "; the memory file's header named none): generation " +
                        (named.generation() + 1) + ", " + nodes(named));
                    return named;
                }
                if (named != null)
                {
                    throw new InvalidSuperBlockException("invalid super block: the memory file's header names no " +
                        "image, but the " + expected.source + " pfn=0x" + Long.toHexString(expected.pfn) +
                        " names one with " + nodes(named) + ": the header may be damaged, or a fresh start was cut " +
                        "short. Boot that pfn explicitly to resume it (--pkram " + Long.toHexString(expected.pfn) +
                        "), or start empty to drop it (--fresh); nothing was changed");
                }
                if (expected.strict && expected.pfn != Pfn.NULL_PFN)
                {
                    throw stale(current, expected);
                }
                messages.add("started empty: the memory file holds no image (new, formatted, or emptied)" +
                    (expected.pfn != Pfn.NULL_PFN ? "; ignored the " + expected.source + " pfn=0x" +
                    Long.toHexString(expected.pfn) + " (no image with nodes there)" : ""));
                return null;
            }
            if (expected.pfn != Pfn.NULL_PFN && expected.pfn != current)
            {
                throw stale(current, expected);
            }
            final ScanResult scan = ImageScanner.scan(mem, current);
            messages.add("resumed the image at pfn=0x" + Long.toHexString(current) + ": generation " +
                (scan.generation() + 1) + ", " + nodes(scan) + (scan.state() == SuperBlockDescriptor.STATE_SEALED ?
                " (sealed by an orderly reboot)" : " (live: the last process ended without a reboot)"));
            return scan;
        }
        catch (final InvalidSuperBlockException | CorruptImageException ex)
        {
            if (!options.dropInvalid())
            {
                throw ex;
            }
            messages.add("dropped the preserved image: " + ex.getMessage());
            return null;
        }
    }

    /**
     * @return the image at {@code pfn} when it is a valid one holding at least one node, else null: what a pfn beside
     *         a header that names no image must show before it is trusted (a zeroed page reads as a valid empty one).
     */
    private static ScanResult imageWithNodes(final PhysMem mem, final long pfn)
    {
        if (pfn <= 0 || pfn >= mem.pfnCount())
        {
            return null;
        }
        try
        {
            final ScanResult scan = ImageScanner.scan(mem, pfn);
            return scan.nodes().isEmpty() ? null : scan;
        }
        catch (final InvalidSuperBlockException | CorruptImageException ex)
        {
            return null;
        }
    }

    private static String nodes(final ScanResult scan)
    {
        return scan.nodes().size() + " node" + (scan.nodes().size() == 1 ? "" : "s");
    }

    /**
     * The pfn the caller expects and where it came from: the API, then {@code -Dpkram} / {@code PKRAM}
     * (strict: given with no image recorded, it is refused), then the pfn file (a pfn file beside a file with
     * no image is what a crash during a fresh boot leaves, so it is only compared with an image).
     */
    private record Expected(long pfn, String source, boolean strict)
    {
    }

    private static Expected expected(final PkramOptions options)
    {
        if (options.superBlockPfn() != Pfn.NULL_PFN)
        {
            return new Expected(options.superBlockPfn(), "requested", true);
        }
        final OptionalLong fromProcess = BootParams.fromProcess();
        if (fromProcess.isPresent() && fromProcess.getAsLong() != Pfn.NULL_PFN)
        {
            return new Expected(fromProcess.getAsLong(), "-Dpkram/PKRAM", true);
        }
        final OptionalLong fromFile = PfnFile.read(PfnFile.of(options.memoryFile()));
        return new Expected(fromFile.orElse(Pfn.NULL_PFN), "pfn file's", false);
    }

    private static InvalidSuperBlockException stale(final long current, final Expected expected)
    {
        return new InvalidSuperBlockException("invalid super block: stale: the memory file's current super " +
            "block is pfn=0x" + Long.toHexString(current) + ", not 0x" + Long.toHexString(expected.pfn) + " (" +
            expected.source + ")" + (current == 0 ? " (no image recorded)" : ""));
    }

    /**
     * Reserve every preserved page, in the largest naturally aligned folios each run allows.
     */
    private static void reserve(final PageAllocator allocator, final PageBitmap pages)
    {
        long start = pages.nextSet(0);
        while (start >= 0)
        {
            final long end = pages.nextClear(start);
            long pfn = start;
            while (pfn < end)
            {
                int order = Math.min(Long.numberOfTrailingZeros(pfn), Pfn.MAX_FOLIO_ORDER);
                while (pfn + Pfn.pageCount(order) > end)
                {
                    order--;
                }
                if (!allocator.reserve(pfn, order))
                {
                    throw new CorruptImageException("page reserved twice at boot: pfn=0x" + Long.toHexString(pfn));
                }
                pfn += Pfn.pageCount(order);
            }
            start = pages.nextSet(end);
        }
    }

    /**
     * @return the image's nodes as committed records, newest first (chain order); none for a fresh boot.
     */
    private static List<NodeRecord> inherit(final ScanResult scan)
    {
        final List<NodeRecord> records = new ArrayList<>();
        if (scan != null && scan.state() != SuperBlockDescriptor.STATE_NONE)
        {
            for (final NodeEntry entry : scan.nodes())
            {
                records.add(new NodeRecord(entry.pfn(), entry.name(), NodeRecord.State.COMMITTED));
            }
        }
        return records;
    }
}
