package org.pkram.crash;

import org.pkram.Pkram;
import org.pkram.PkramOptions;
import org.pkram.boot.ImageScanner;
import org.pkram.boot.NodeEntry;
import org.pkram.boot.PfnFile;
import org.pkram.boot.ScanResult;
import org.pkram.error.InvalidSuperBlockException;
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
 * The check after a crash. On the memory file as the dead process left it: read the pfn file, run fsck
 * ({@link ImageScanner#check}) read-only and enumerate its nodes through the library's views, and read it
 * with the independent {@link ImageOracle}. On a copy of it (so the next process continues from the
 * crashed state itself): boot (the oracle must accept exactly the images boot accepts), require the
 * oracle and the library to read the same image (preserved pages, nodes, every node's objects, links and
 * entries; {@link ScannerAgreement}), compare the node names with what must and may be there, compare what
 * the walk found per node with its seed, account for every page (reserved exactly where the image
 * references a page, by the scanner's reading and by the oracle's, nothing else taken), load and verify
 * every node, and check that then only the super block page is still taken.
 * <p>
 * The one boot failure accepted is the documented fail-closed window: the process died inside a fresh
 * boot, after it cleared the file header's super block and before it exported the new one, and the old
 * pfn is refused as stale (or there is no pfn file at all).
 */
final class ImageCheck
{
    /** What the check found. */
    static final class Outcome
    {
        /** fsck problems, or a boot that failed outside the fresh-boot window. */
        final List<String> corrupt = new ArrayList<>();
        /** Nodes that must be there and are not, or come back with other content. */
        final List<String> lost = new ArrayList<>();
        /** Nodes that must not be there and are (half saved, discarded, loaded). */
        final List<String> phantom = new ArrayList<>();
        /** Pages taken that nothing references, or referenced and not reserved. */
        final List<String> leaked = new ArrayList<>();
        /** Where the oracle reads the image otherwise than the scanner, the views, the allocator or boot. */
        final List<String> disagreed = new ArrayList<>();
        /** The names found, when the boot succeeded. */
        final Set<String> present = new TreeSet<>();
        /** True when an image was booted. */
        boolean booted;
        /** True when the oracle's reading was compared with the scanner's, the views' and the allocator's. */
        boolean oracleChecked;
        /** True when the crash left the fail-closed window (stale pfn, or no pfn file after a fresh boot). */
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
     * @param must       nodes that must be present.
     * @param may        nodes that may be present.
     * @param freshBoot  the process died inside a fresh boot.
     * @param scratch    a directory for the copy.
     * @param random     how the verifying loads treat folios.
     * @return what was found.
     */
    static Outcome check(
        final Path file,
        final Map<String, CrashModel.Expected> must,
        final Map<String, CrashModel.Expected> may,
        final boolean freshBoot,
        final Path scratch,
        final SplittableRandom random) throws IOException
    {
        final Outcome outcome = new Outcome();
        final OptionalLong exported = PfnFile.read(PfnFile.of(file));
        if (exported.isEmpty())
        {
            // No boot ever finished on this file: nothing can have been committed.
            if (!must.isEmpty())
            {
                outcome.lost.add("no pfn file, but nodes must be present: " + must.keySet());
            }
            outcome.freshWindow = freshBoot;
            return outcome;
        }
        final long pfn = exported.getAsLong();
        // The oracle reads the file once, as the dead process left it (the copy booted below is the same bytes).
        final ImageOracle.Image oracle = ImageOracle.read(file, pfn);
        final List<String> problems = new ArrayList<>();
        final ScanResult scan;
        ScannerAgreement.LibraryReading library = null;
        final long headerPfn;
        try (PhysMem mem = PhysMem.openReadOnly(file))
        {
            headerPfn = FileHeaderDescriptor.superBlockPfn(mem.page(0));
            scan = ImageScanner.check(mem, pfn, problems);
            if (problems.isEmpty())
            {
                library = ScannerAgreement.read(mem, scan);
            }
        }
        catch (final RuntimeException ex)
        {
            if (freshBoot)
            {
                // The fresh boot may have overwritten the old image: only boot's answer matters here.
                return bootCopy(file, pfn, must, may, freshBoot, scratch, random, null, List.of(), oracle, null,
                    outcome);
            }
            outcome.corrupt.add("fsck cannot walk the image: " + ex);
            return outcome;
        }
        if (!freshBoot && headerPfn != pfn)
        {
            outcome.corrupt.add("the pfn file says 0x" + Long.toHexString(pfn) + ", the file header 0x" +
                Long.toHexString(headerPfn));
        }
        if (problems.isEmpty() != oracle.valid() && headerPfn == pfn)
        {
            // fsck does not look at the file header's super block pfn; the oracle does, as boot does.
            outcome.disagreed.add(oracle.valid() ? "fsck finds problems in an image the oracle accepts: " + problems :
                "fsck finds nothing wrong with an image the oracle refuses: " + oracle.problem());
        }
        return bootCopy(file, pfn, must, may, freshBoot, scratch, random, scan, problems, oracle, library, outcome);
    }

    private static Outcome bootCopy(
        final Path file,
        final long pfn,
        final Map<String, CrashModel.Expected> must,
        final Map<String, CrashModel.Expected> may,
        final boolean freshBoot,
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
                pk = Pkram.boot(PkramOptions.of(copy).superBlockPfn(pfn).shutdownHook(false));
            }
            catch (final InvalidSuperBlockException ex)
            {
                refusedByOracleToo(oracle, ex, outcome);
                if (freshBoot && ex.getMessage().contains("stale"))
                {
                    outcome.freshWindow = true;
                    return outcome;
                }
                outcome.corrupt.add("boot failed: " + ex + (problems.isEmpty() ? "" : "; fsck: " + problems));
                return outcome;
            }
            catch (final RuntimeException ex)
            {
                refusedByOracleToo(oracle, ex, outcome);
                outcome.corrupt.add("boot failed: " + ex + (problems.isEmpty() ? "" : "; fsck: " + problems));
                return outcome;
            }
            try (pk)
            {
                outcome.booted = true;
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
                if (scan == null)
                {
                    outcome.corrupt.add("boot succeeded on an image fsck could not walk");
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
     * page accounting, every node's content; then, with every node loaded, that only the super block
     * page is still taken.
     */
    static void verifyBooted(
        final Pkram pk,
        final ScanResult scan,
        final Map<String, CrashModel.Expected> must,
        final Map<String, CrashModel.Expected> may,
        final SplittableRandom random,
        final Outcome outcome)
    {
        outcome.present.addAll(pk.nodeNames());
        for (final String name : must.keySet())
        {
            if (!outcome.present.contains(name))
            {
                outcome.lost.add(name + " v" + must.get(name).version() + " is gone");
            }
        }
        final Map<String, CrashModel.Expected> allowed = new TreeMap<>(may);
        allowed.putAll(must);
        for (final String name : outcome.present)
        {
            if (!allowed.containsKey(name))
            {
                outcome.phantom.add(name + " is there and must not be");
            }
        }
        // The walk per node, against the node's seed; and every page of the image accounted for.
        long expectedPages = 1 + scan.regionListPfns().length;
        for (final NodeEntry entry : scan.nodes())
        {
            final CrashModel.Expected expected = allowed.get(entry.name());
            if (expected == null)
            {
                continue; // a phantom, reported above
            }
            final String problem = CrashContent.checkEntry(entry, expected.seed());
            if (problem != null)
            {
                (must.containsKey(entry.name()) ? outcome.lost : outcome.phantom).add(problem);
            }
            expectedPages += CrashContent.pages(entry.name(), expected.seed());
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
            final CrashModel.Expected expected = allowed.get(name);
            try
            {
                final CrashContent.Loaded loaded = CrashContent.load(pk, name, random.nextBoolean() ?
                    CrashContent.FolioUse.FREE_AT_ONCE : CrashContent.FolioUse.FREE_AFTER_FINISH, -1);
                if (expected != null && (loaded.version() != expected.version() || loaded.seed() != expected.seed()))
                {
                    (must.containsKey(name) ? outcome.lost : outcome.phantom).add(name + " came back as v" +
                        loaded.version() + ", expected v" + expected.version());
                }
                outcome.verified++;
            }
            catch (final CrashContent.BadContentException ex)
            {
                (must.containsKey(name) ? outcome.lost : outcome.phantom).add(ex.getMessage());
            }
        }
        final PageAllocator allocator = TestAccess.allocator(pk);
        if (allocator.usedPages() + allocator.reservedPages() != 1)
        {
            outcome.leaked.add("with every node loaded and freed, pages still taken: used=" + allocator.usedPages() +
                " reserved=" + allocator.reservedPages() + " (only the super block should be)");
        }
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
