package org.pkram.crash;

import org.pkram.Pkram;
import org.pkram.PkramOptions;
import org.pkram.boot.ImageScanner;
import org.pkram.boot.NodeEntry;
import org.pkram.boot.PfnFile;
import org.pkram.boot.ScanResult;
import org.pkram.layout.FileHeaderDescriptor;
import org.pkram.TestAccess;
import org.pkram.mem.PageAllocator;
import org.pkram.mem.PhysMem;
import org.pkram.oracle.ImageOracle;
import org.pkram.oracle.ScannerAgreement;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The check after a crash. On the memory file as the dead process left it: read the super block pfn its header
 * names (resume is the default: that is the image the next process boots) and the pfn file (which must name the
 * same one), run fsck ({@link ImageScanner#check}) read-only and enumerate its nodes through the library's views,
 * and read it with the independent {@link ImageOracle}. On a copy of it (so the next process continues from the
 * crashed state itself): boot it as the next process does, by default (the oracle must accept exactly the images
 * boot accepts), require the oracle and the library to read the same image (preserved pages, nodes, every
 * node's objects, links and entries; {@link ScannerAgreement}), compare the node names with what must and may
 * be there, compare what the walk found per node with its seed, account for every page (reserved exactly where
 * the image references a page, by the scanner's reading and by the oracle's, nothing else taken), load and
 * verify every node (its version one of those allowed, its page stamps as the model allows), and check that
 * then only the super block page is still taken.
 * <p>
 * A file whose header names no image boots empty. That is accepted only when nothing must be present: the
 * process died inside a fresh boot (after it cleared the header, a boot that expects the old pfn is refused as
 * stale, and the default boot starts empty), or nothing was ever committed.
 */
final class ImageCheck
{
    /** What the check found. */
    static final class Outcome
    {
        /** fsck problems, or a boot that failed. */
        final List<String> corrupt = new ArrayList<>();
        /** Nodes that must be there and are not, or come back with other content. */
        final List<String> lost = new ArrayList<>();
        /** Nodes that must not be there and are (half saved, discarded, loaded, removed). */
        final List<String> phantom = new ArrayList<>();
        /** Pages taken that nothing references, or referenced and not reserved. */
        final List<String> leaked = new ArrayList<>();
        /** Where the oracle reads the image otherwise than the scanner, the views, the allocator or boot. */
        final List<String> disagreed = new ArrayList<>();
        /** The names found, when the boot succeeded. */
        final Set<String> present = new TreeSet<>();
        /** Every node found and verified, as found: which allowed version, with the stamps read. */
        final Map<String, CrashModel.Expected> found = new TreeMap<>();
        /** True when an image was booted. */
        boolean booted;
        /** True when the oracle's reading was compared with the scanner's, the views' and the allocator's. */
        boolean oracleChecked;
        /** True when the crash came inside a fresh boot that had already dropped the old image. */
        boolean freshWindow;
        /** Nodes loaded and verified. */
        int verified;

        boolean clean()
        {
            return corrupt.isEmpty() && lost.isEmpty() && phantom.isEmpty() && leaked.isEmpty() && disagreed.isEmpty();
        }

        @Override
        public String toString()
        {
            return "corrupt=" + corrupt + " lost=" + lost + " phantom=" + phantom + " leaked=" + leaked +
                " disagreed=" + disagreed;
        }
    }

    private ImageCheck()
    {
    }

    /**
     * Check the image a dead process left.
     *
     * @param file       the memory file.
     * @param must       nodes that must be present, with the versions each may hold.
     * @param may        nodes that may be present.
     * @param freshBoot  the process died inside a fresh boot.
     * @param scratch    a directory for the copy.
     * @param random     how the verifying loads treat folios.
     * @return what was found.
     */
    static Outcome check(
        final Path file,
        final Map<String, List<CrashModel.Expected>> must,
        final Map<String, List<CrashModel.Expected>> may,
        final boolean freshBoot,
        final Path scratch,
        final SplittableRandom random) throws IOException
    {
        final Outcome outcome = new Outcome();
        final OptionalLong exported = PfnFile.read(PfnFile.of(file));
        final long headerPfn;
        try (PhysMem mem = PhysMem.openReadOnly(file))
        {
            headerPfn = FileHeaderDescriptor.superBlockPfn(mem.page(0));
        }
        catch (final RuntimeException ex)
        {
            outcome.corrupt.add("the memory file cannot be opened: " + ex);
            return outcome;
        }
        if (headerPfn == 0)
        {
            // No image: no boot ever finished on this file, or a fresh boot died after dropping the old one.
            if (!must.isEmpty())
            {
                outcome.lost.add("the file header names no image, but nodes must be present: " + must.keySet() +
                    " (pfn file: " + exported + ")");
            }
            outcome.freshWindow = freshBoot;
            return bootCopy(file, must, may, scratch, random, null, List.of(), null, null, outcome);
        }
        if (exported.isEmpty() || exported.getAsLong() != headerPfn)
        {
            outcome.corrupt.add("the file header names super block 0x" + Long.toHexString(headerPfn) +
                ", the pfn file " + (exported.isEmpty() ? "is missing" : "says 0x" +
                Long.toHexString(exported.getAsLong())));
        }
        // The oracle reads the file once, as the dead process left it (the copy booted below is the same bytes).
        final ImageOracle.Image oracle = ImageOracle.read(file, headerPfn);
        final List<String> problems = new ArrayList<>();
        final ScanResult scan;
        ScannerAgreement.LibraryReading library = null;
        try (PhysMem mem = PhysMem.openReadOnly(file))
        {
            scan = ImageScanner.check(mem, headerPfn, problems);
            if (problems.isEmpty())
            {
                library = ScannerAgreement.read(mem, scan);
            }
        }
        catch (final RuntimeException ex)
        {
            outcome.corrupt.add("fsck cannot walk the image: " + ex);
            return outcome;
        }
        if (problems.isEmpty() != oracle.valid())
        {
            outcome.disagreed.add(oracle.valid() ? "fsck finds problems in an image the oracle accepts: " + problems :
                "fsck finds nothing wrong with an image the oracle refuses: " + oracle.problem());
        }
        return bootCopy(file, must, may, scratch, random, scan, problems, oracle, library, outcome);
    }

    private static Outcome bootCopy(
        final Path file,
        final Map<String, List<CrashModel.Expected>> must,
        final Map<String, List<CrashModel.Expected>> may,
        final Path scratch,
        final SplittableRandom random,
        final ScanResult scan,
        final List<String> problems,
        final ImageOracle.Image oracle,
        final ScannerAgreement.LibraryReading library,
        final Outcome outcome) throws IOException
    {
        final Path copy = scratch.resolve("verify.mem");
        Files.copy(file, copy, StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rw-------"));
        try
        {
            final Pkram pk;
            try
            {
                // As the next process boots it: resume whatever the header names (the copy has no pfn file).
                pk = Pkram.boot(PkramOptions.of(copy).shutdownHook(false));
            }
            catch (final RuntimeException ex)
            {
                if (oracle != null)
                {
                    refusedByOracleToo(oracle, ex, outcome);
                }
                outcome.corrupt.add("boot failed: " + ex + (problems.isEmpty() ? "" : "; fsck: " + problems));
                return outcome;
            }
            try (pk)
            {
                outcome.booted = true;
                final boolean resumed = pk.bootMessages().stream().anyMatch(m -> m.startsWith("resumed"));
                if (resumed != (oracle != null))
                {
                    outcome.corrupt.add("boot " + (resumed ? "resumed" : "started empty") + " on a file whose " +
                        "header names " + (oracle != null ? "an image" : "none") + ": " + pk.bootMessages());
                }
                if (oracle == null)
                {
                    verifyEmpty(pk, outcome);
                    return outcome;
                }
                if (!problems.isEmpty())
                {
                    outcome.corrupt.add("fsck: " + problems);
                }
                if (!oracle.valid())
                {
                    outcome.disagreed.add("boot accepted an image the oracle refuses: " + oracle.problem());
                }
                else if (library != null)
                {
                    // Before anything is loaded: the allocator as boot left it.
                    outcome.disagreed.addAll(ScannerAgreement.compare(oracle, library));
                    outcome.disagreed.addAll(ScannerAgreement.compareAllocator(oracle, TestAccess.allocator(pk)));
                    outcome.oracleChecked = true;
                }
                if (!outcome.disagreed.isEmpty())
                {
                    // The library misreads the image (or the oracle does): loads over a misread image may free a
                    // page twice and end the check without a report. The disagreement is the finding.
                    return outcome;
                }
                verifyBooted(pk, scan, must, may, random, outcome);
            }
            return outcome;
        }
        finally
        {
            Files.deleteIfExists(copy);
            Files.deleteIfExists(PfnFile.of(copy));
        }
    }

    /** A boot of a file with no image: no node, only the new super block page taken. */
    private static void verifyEmpty(final Pkram pk, final Outcome outcome)
    {
        outcome.present.addAll(pk.nodeNames());
        for (final String name : outcome.present)
        {
            outcome.phantom.add(name + " is there in a file whose header names no image");
        }
        final PageAllocator allocator = TestAccess.allocator(pk);
        if (allocator.usedPages() + allocator.reservedPages() != 1)
        {
            outcome.leaked.add("an empty boot has pages taken: used=" + allocator.usedPages() + " reserved=" +
                allocator.reservedPages() + " (only the super block should be)");
        }
    }

    private static void refusedByOracleToo(final ImageOracle.Image oracle, final RuntimeException bootError,
        final Outcome outcome)
    {
        if (oracle.valid())
        {
            outcome.disagreed.add("boot refused an image the oracle accepts: " + bootError);
        }
    }

    /**
     * Check a booted instance against the walk of the image it booted and the model: names, structure,
     * page accounting, every node's content (a version it may hold, with page stamps it may hold); then, with
     * every node loaded, that only the super block page is still taken. What each node was found holding goes
     * to {@link Outcome#found}.
     */
    static void verifyBooted(
        final Pkram pk,
        final ScanResult scan,
        final Map<String, List<CrashModel.Expected>> must,
        final Map<String, List<CrashModel.Expected>> may,
        final SplittableRandom random,
        final Outcome outcome)
    {
        outcome.present.addAll(pk.nodeNames());
        for (final String name : must.keySet())
        {
            if (!outcome.present.contains(name))
            {
                outcome.lost.add(name + " " + versions(must.get(name)) + " is gone");
            }
        }
        final Map<String, List<CrashModel.Expected>> allowed = new TreeMap<>(may);
        allowed.putAll(must);
        for (final String name : outcome.present)
        {
            if (!allowed.containsKey(name))
            {
                outcome.phantom.add(name + " is there and must not be");
            }
        }
        // The walk per node, against the node's seed (every version of a node has its seed); and every page of the
        // image accounted for.
        long expectedPages = 1 + scan.regionListPfns().length;
        for (final NodeEntry entry : scan.nodes())
        {
            final List<CrashModel.Expected> expected = allowed.get(entry.name());
            if (expected == null)
            {
                continue; // a phantom, reported above
            }
            final long seed = expected.getFirst().seed();
            final String problem = CrashContent.checkEntry(entry, seed);
            if (problem != null)
            {
                (must.containsKey(entry.name()) ? outcome.lost : outcome.phantom).add(problem);
            }
            expectedPages += CrashContent.pages(entry.name(), seed);
        }
        if (scan.pages().cardinality() != expectedPages)
        {
            outcome.leaked.add("the image references " + scan.pages().cardinality() + " pages, its nodes account for " +
                expectedPages);
        }
        checkAllocator(TestAccess.allocator(pk), scan, outcome);
        // Every node's content, read back through the library.
        for (final String name : outcome.present)
        {
            final List<CrashModel.Expected> expected = allowed.get(name);
            final List<String> wrong = must.containsKey(name) ? outcome.lost : outcome.phantom;
            try
            {
                final CrashContent.Loaded loaded = CrashContent.load(pk, name, random.nextBoolean() ?
                    CrashContent.FolioUse.FREE_AT_ONCE : CrashContent.FolioUse.FREE_AFTER_FINISH, -1);
                outcome.verified++;
                if (expected == null)
                {
                    continue; // a phantom, reported above
                }
                final List<String> mismatches = new ArrayList<>();
                for (final CrashModel.Expected e : expected)
                {
                    final String mismatch = loaded.version() != e.version() || loaded.seed() != e.seed() ?
                        "v" + e.version() + " expected" : e.mismatch(loaded.stamps());
                    if (mismatch == null)
                    {
                        outcome.found.put(name, e.exactly(loaded.stamps()));
                        break;
                    }
                    mismatches.add(mismatch);
                }
                if (!outcome.found.containsKey(name))
                {
                    wrong.add(name + " came back as v" + loaded.version() + ", allowed " + versions(expected) + ": " +
                        String.join("; ", mismatches));
                }
            }
            catch (final CrashContent.BadContentException ex)
            {
                wrong.add(ex.getMessage());
            }
        }
        final PageAllocator allocator = TestAccess.allocator(pk);
        if (allocator.usedPages() + allocator.reservedPages() != 1)
        {
            outcome.leaked.add("with every node loaded and freed, pages still taken: used=" + allocator.usedPages() +
                " reserved=" + allocator.reservedPages() + " (only the super block should be)");
        }
    }

    private static String versions(final List<CrashModel.Expected> versions)
    {
        return versions.stream().map(e -> "v" + e.version()).toList().toString();
    }

    /**
     * Right after boot: exactly the pages the image references are reserved (the regions list pages were
     * given back), nothing is allocated, and the counts add up.
     */
    private static void checkAllocator(final PageAllocator allocator, final ScanResult scan, final Outcome outcome)
    {
        final Set<Long> listPages = new HashSet<>();
        for (final long listPfn : scan.regionListPfns())
        {
            listPages.add(listPfn);
        }
        final long referenced = scan.pages().cardinality() - listPages.size();
        if (allocator.reservedPages() != referenced || allocator.usedPages() != 0)
        {
            outcome.leaked.add("after boot reserved=" + allocator.reservedPages() + " used=" + allocator.usedPages() +
                ", the image references " + referenced + " pages (plus " + listPages.size() + " regions list pages)");
        }
        if (allocator.freePages() + allocator.reservedPages() + allocator.usedPages() + allocator.bannedPages() !=
            allocator.totalPages())
        {
            outcome.leaked.add("free + reserved + used + banned != total: free=" + allocator.freePages() +
                " reserved=" + allocator.reservedPages() + " used=" + allocator.usedPages() + " banned=" +
                allocator.bannedPages() + " total=" + allocator.totalPages());
        }
        int mismatches = 0;
        for (long p = 1; p <= allocator.totalPages() && mismatches < 5; p++)
        {
            final boolean wanted = scan.pages().get(p) && !listPages.contains(p);
            if (allocator.isReserved(p) != wanted || allocator.isTaken(p) != wanted)
            {
                outcome.leaked.add("pfn 0x" + Long.toHexString(p) + ": referenced=" + wanted + " reserved=" +
                    allocator.isReserved(p) + " taken=" + allocator.isTaken(p));
                mismatches++;
            }
        }
    }
}
