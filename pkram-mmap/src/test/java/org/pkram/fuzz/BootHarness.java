package org.pkram.fuzz;

import org.pkram.DataKind;
import org.pkram.Folio;
import org.pkram.Mode;
import org.pkram.NodeLoad;
import org.pkram.NodeSave;
import org.pkram.ObjLoad;
import org.pkram.ObjSave;
import org.pkram.Pkram;
import org.pkram.PkramOptions;
import org.pkram.TestAccess;
import org.pkram.boot.ImageScanner;
import org.pkram.boot.PfnFile;
import org.pkram.error.CorruptImageException;
import org.pkram.error.InvalidArgumentException;
import org.pkram.error.InvalidSuperBlockException;
import org.pkram.error.NotAMemoryFileException;
import org.pkram.error.PkramException;
import org.pkram.layout.FileHeaderDescriptor;
import org.pkram.layout.Pfn;
import org.pkram.mem.PhysMem;
import org.pkram.oracle.ImageOracle;
import org.pkram.oracle.ScannerAgreement;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Boots one (possibly hostile) image in-process and judges the outcome:
 * <ul>
 * <li>refused: the error is a {@link PkramException} of the kinds boot documents (not a memory file,
 * invalid super block, corrupt image), the memory file is byte-identical and its pfn file untouched, and
 * the format ({@link ImageOracle}) forbids the image too; with {@code dropInvalid} the same image then
 * boots empty;</li>
 * <li>booted: the format allows the image; the scanner's walk (preserved pages, nodes and their counts,
 * regions list) and the structure the library's views enumerate are exactly the oracle's, and the
 * allocator holds exactly the oracle's preserved pages reserved but the regions list pages
 * ({@link ScannerAgreement}); the nodes are the ones it describes; every other node is loaded whole (objects,
 * folios, bytes, against the image's bytes) and finished, with no error but the documented EINVAL of an object
 * holding nothing; each of the others is, in turn, loaded in part and aborted (it must come back whole), read
 * through a live handle (in place, nothing consumed), or replaced by a new version that shares every folio and
 * copies every byte stream; an orderly reboot leaves an image fsck finds clean, which the oracle and the
 * scanner read alike, and the next boot finds exactly those nodes, each still as the image held it.</li>
 * </ul>
 * A boot names the image's pfn ({@code pkram=}) or, for a share of the images, none: resume, the default, takes
 * the super block the file header names; the format is then read at that pfn, and a valid header that names
 * none must start empty.
 * Every boot runs on a worker thread under a time limit, so a hang is reported rather than suffered.
 */
final class BootHarness implements AutoCloseable
{
    enum Outcome
    {
        BOOTED, REFUSED
    }

    /** A broken oracle: a crash, a changed file, a hang, a wrong verdict. */
    static final class FuzzFailure extends Exception
    {
        final String kind;
        final boolean fatal;

        FuzzFailure(final String kind, final String message, final Throwable cause, final boolean fatal)
        {
            super(kind + ": " + message, cause);
            this.kind = kind;
            this.fatal = fatal;
        }

        String report()
        {
            final StringWriter out = new StringWriter();
            out.append(getMessage()).append('\n');
            if (getCause() != null)
            {
                getCause().printStackTrace(new PrintWriter(out));
            }
            return out.toString();
        }
    }

    private final Path file;
    private final Path pfnFile;
    private final long timeoutMillis;
    /** Booted images the oracle and the library were compared on. */
    private long oracleCompared;
    /** Nodes of booted images loaded in part and aborted, read live, replaced by a version sharing their folios. */
    private final long[] exercised = new long[3];
    /** Images booted without a pfn (resume), and of those the ones whose header named no image. */
    private final long[] resumes = new long[2];
    /** What the file holds, when known (after a refusal left it unchanged); null otherwise. */
    private byte[] onDisk;
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r ->
    {
        final Thread thread = new Thread(r, "pkram-fuzz-boot");
        thread.setDaemon(true);
        return thread;
    });

    BootHarness(final Path dir, final long timeoutMillis)
    {
        this.file = FuzzSeeds.format(dir, 64L << 10);
        this.pfnFile = PfnFile.of(file);
        this.timeoutMillis = timeoutMillis;
    }

    Path file()
    {
        return file;
    }

    /**
     * @return what the booted images went through: nodes aborted, read live, replaced; boots without a pfn.
     */
    String exercised()
    {
        return exercised[0] + " loads aborted, " + exercised[1] + " nodes read live, " + exercised[2] +
            " replaced by a version sharing their folios; " + resumes[0] + " boots without a pfn (" + resumes[1] +
            " of a header that names no image)";
    }

    /** @return booted images whose readings by the oracle and by the library (scanner, views, allocator) met. */
    long oracleCompared()
    {
        return oracleCompared;
    }

    /**
     * @param image     the file's bytes.
     * @param requested the {@code pkram=} pfn.
     * @param mode      the mode of the first boot (later boots alternate).
     * @param tryDrop   after a refusal, also boot with {@code dropInvalid}.
     * @param resume    boot without a pfn: whatever the file header names (then {@code requested} is unused).
     */
    Outcome run(final byte[] image, final long requested, final Mode mode, final boolean tryDrop,
        final boolean resume) throws FuzzFailure
    {
        writeImage(image);
        deletePfnFile();
        // The pfn the format is read at: the one given, or (resume) the one the file header names.
        final long headerPfn = image.length >= FileHeaderDescriptor.LENGTH ?
            Le.u64(image, FileHeaderDescriptor.SUPER_BLOCK_PFN_OFFSET) : 0;
        final long pfn = resume ? headerPfn : requested;
        final long given = resume ? 0 : requested;
        final ImageOracle.Image reference = ImageOracle.read(image, pfn);
        // A valid header that names no super block holds no image: a resume starts empty.
        final boolean noImage = resume && headerPfn == 0 && !reference.headerProblem();
        resumes[0] += resume ? 1 : 0;
        resumes[1] += noImage ? 1 : 0;
        final Throwable error = call("boot", () ->
        {
            if (noImage)
            {
                startEmptyAndVerify(PkramOptions.of(file).mode(mode).shutdownHook(false), "started empty",
                    "a resume of a file that names no image");
            }
            else
            {
                bootAndVerify(pfn, given, mode, reference, image);
            }
        });
        if (error == null)
        {
            onDisk = null; // booting wrote to it
            return Outcome.BOOTED;
        }
        onDisk = null;
        if (error instanceof FuzzFailure failure)
        {
            throw failure;
        }
        if (!(error instanceof PkramException))
        {
            throw new FuzzFailure("crash", "boot threw a non-pkram error: " + error, error, false);
        }
        if (!(error instanceof NotAMemoryFileException || error instanceof InvalidSuperBlockException ||
            error instanceof CorruptImageException))
        {
            throw new FuzzFailure("unexpected error", "boot refused with an error it does not document for a " +
                "damaged image: " + error, error, false);
        }
        final long changedAt = mismatch(image);
        if (changedAt >= 0)
        {
            throw new FuzzFailure("changed file", "boot refused (" + error + ") but the file changed at byte " +
                changedAt + " (length " + image.length + ")", error, false);
        }
        onDisk = image;
        if (Files.exists(pfnFile))
        {
            throw new FuzzFailure("changed file", "boot refused (" + error + ") but wrote the pfn file", error, false);
        }
        if (reference.valid() || noImage)
        {
            throw new FuzzFailure("refused a valid image", "boot refused an image the format allows: " + error,
                error, false);
        }
        if (reference.headerProblem() != fromPhysMem(error))
        {
            throw new FuzzFailure("wrong stage", "boot refused with " + error + ", the format says: " +
                reference.problem(), error, false);
        }
        if (fromScanner(error))
        {
            fsckDamaged(pfn, error);
        }
        if (tryDrop && !reference.headerProblem())
        {
            onDisk = null;
            final Throwable dropError = call("boot with dropInvalid", () -> startEmptyAndVerify(
                PkramOptions.of(file).superBlockPfn(given).mode(mode).dropInvalid(true).shutdownHook(false),
                "dropped the preserved image", "boot with dropInvalid"));
            if (dropError != null)
            {
                throw dropError instanceof FuzzFailure f ? f :
                    new FuzzFailure("drop", "boot with dropInvalid failed after " + error + ": " + dropError,
                        dropError, false);
            }
        }
        return Outcome.REFUSED;
    }

    /** Write {@code image} to the file: only the pages that differ from what it is known to hold. */
    private void writeImage(final byte[] image)
    {
        final byte[] known = onDisk;
        if (known == null || known.length != image.length)
        {
            FuzzSeeds.write(file, image);
            return;
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE))
        {
            for (int at = 0; at < image.length; at += Pfn.PAGE_SIZE)
            {
                final int end = Math.min(image.length, at + Pfn.PAGE_SIZE);
                if (Arrays.mismatch(known, at, end, image, at, end) >= 0)
                {
                    final ByteBuffer page = ByteBuffer.wrap(image, at, end - at);
                    long position = at;
                    while (page.hasRemaining())
                    {
                        position += channel.write(page, position);
                    }
                }
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /** @return the first byte where the file differs from {@code image} (its length when longer), or -1. */
    private long mismatch(final byte[] image)
    {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ); Arena arena = Arena.ofConfined())
        {
            final long size = channel.size();
            if (size == 0 || image.length == 0)
            {
                return size == image.length ? -1 : 0;
            }
            final MemorySegment mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            return MemorySegment.mismatch(mapped, 0, size, MemorySegment.ofArray(image), 0, image.length);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /** @return true when attaching the file refused it (its header), before any image was looked at. */
    private static boolean fromPhysMem(final Throwable error)
    {
        return Arrays.stream(error.getStackTrace()).anyMatch(e -> e.getClassName().equals(PhysMem.class.getName()));
    }

    private static boolean fromScanner(final Throwable error)
    {
        return Arrays.stream(error.getStackTrace()).anyMatch(e -> e.getClassName().equals(ImageScanner.class.getName()));
    }

    /**
     * fsck (collecting mode) on an image boot refused: it may throw a pkram exception or must list at least
     * one problem; any other error is a crash of the tool meant to look at damaged images.
     */
    private void fsckDamaged(final long requested, final Throwable bootError) throws FuzzFailure
    {
        final List<String> problems = new ArrayList<>();
        final Throwable error = call("fsck", () ->
        {
            try (PhysMem mem = PhysMem.openReadOnly(file))
            {
                ImageScanner.check(mem, requested, problems);
            }
        });
        if (error instanceof FuzzFailure failure)
        {
            throw failure;
        }
        if (error != null && !(error instanceof PkramException))
        {
            throw new FuzzFailure("crash", "fsck threw a non-pkram error on an image boot refused (" + bootError +
                "): " + error, error, false);
        }
        if (error == null && problems.isEmpty())
        {
            throw new FuzzFailure("fsck", "fsck finds nothing wrong with an image boot refused: " + bootError,
                bootError, false);
        }
    }

    private interface Step
    {
        void run() throws Exception;
    }

    /** @return null when the step ran through, else what it threw (a hang is a fatal FuzzFailure). */
    private Throwable call(final String what, final Step step) throws FuzzFailure
    {
        final Future<?> future = worker.submit(() ->
        {
            step.run();
            return null;
        });
        try
        {
            future.get(timeoutMillis, TimeUnit.MILLISECONDS);
            return null;
        }
        catch (final ExecutionException ex)
        {
            return ex.getCause();
        }
        catch (final TimeoutException ex)
        {
            future.cancel(true);
            throw new FuzzFailure("hang", what + " did not return within " + timeoutMillis + " ms", null, true);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new FuzzFailure("interrupted", what, ex, true);
        }
    }

    /**
     * @param pfn   the image's super block (the one given, or the header's for a resume).
     * @param given the pfn the boot is given (0 for a resume).
     */
    private void bootAndVerify(final long pfn, final long given, final Mode mode, final ImageOracle.Image reference,
        final byte[] image) throws FuzzFailure
    {
        // The library's own reading of the image, taken before the boot writes to it; only for an image the
        // oracle accepts (a refused one has no structure to compare, and the verdicts are compared anyway).
        ScannerAgreement.LibraryReading library = null;
        RuntimeException scanError = null;
        if (reference.valid())
        {
            try
            {
                library = ScannerAgreement.scan(file, pfn);
            }
            catch (final RuntimeException ex)
            {
                scanError = ex;
            }
        }
        final Pkram first = Pkram.boot(PkramOptions.of(file).superBlockPfn(given).mode(mode).shutdownHook(false));
        try
        {
            if (first.superBlockPfn() != pfn || first.bootMessages().stream().noneMatch(m -> m.startsWith("resumed")))
            {
                first.close();
                throw new FuzzFailure("wrong image", "boot took super block 0x" + Long.toHexString(first
                    .superBlockPfn()) + ", not the image at 0x" + Long.toHexString(pfn) + ": " + first.bootMessages(),
                    null, false);
            }
            verifyBooted(first, mode, reference, image, library, scanError);
        }
        catch (final FuzzFailure ex)
        {
            throw ex;
        }
        catch (final Throwable ex)
        {
            throw new FuzzFailure("inconsistent boot", "the image booted, then failed: " + ex, ex, false);
        }
    }

    /**
     * The booted image as the oracle reads it, as the scanner and the views read it, and as the allocator holds
     * it right after boot: any difference is a failure, whichever side is wrong.
     */
    private void agree(final ImageOracle.Image reference, final ScannerAgreement.LibraryReading library,
        final RuntimeException scanError, final Pkram booted) throws FuzzFailure
    {
        oracleCompared++;
        if (library == null)
        {
            throw new FuzzFailure("oracle disagrees", "boot accepted the image, the oracle too, but the scanner " +
                "alone refuses it: " + scanError, scanError, false);
        }
        final List<String> disagreements = new ArrayList<>(ScannerAgreement.compare(reference, library));
        disagreements.addAll(ScannerAgreement.compareAllocator(reference, TestAccess.allocator(booted)));
        if (!disagreements.isEmpty())
        {
            throw new FuzzFailure("oracle disagrees", "the oracle and the library read the booted image " +
                "differently: " + String.join("; ", disagreements), null, false);
        }
    }

    private void verifyBooted(
        final Pkram first,
        final Mode mode,
        final ImageOracle.Image reference,
        final byte[] image,
        final ScannerAgreement.LibraryReading library,
        final RuntimeException scanError) throws FuzzFailure
    {
        final Map<String, ImageOracle.Node> expected = new TreeMap<>();
        final List<String> kept = new ArrayList<>();
        try (first)
        {
            if (!reference.valid())
            {
                throw new FuzzFailure("accepted a damaged image", "boot accepted an image the format forbids: " +
                    reference.problem(), null, false);
            }
            agree(reference, library, scanError, first);
            reference.nodes().forEach(n -> expected.put(n.name(), n));
            final List<String> names = new ArrayList<>(first.nodeNames());
            names.sort(null);
            if (!names.equals(new ArrayList<>(expected.keySet())))
            {
                throw new FuzzFailure("wrong nodes", "boot found " + names + ", the image holds " + expected.keySet(),
                    null, false);
            }
            // Load every other node now, the rest after an orderly reboot; each of those is first loaded in part
            // and aborted, read live, or replaced by a version that shares its folios (it must stay, as it was).
            for (int i = 0; i < names.size(); i++)
            {
                final ImageOracle.Node facts = expected.get(names.get(i));
                if (i % 2 == 0)
                {
                    readAll(first, facts, image, false);
                    continue;
                }
                kept.add(names.get(i));
                // Which exercise a node gets turns with every booted image, so each meets every kind of node.
                switch ((int)((kept.size() + oracleCompared) % 3))
                {
                    case 0 -> abortPartLoad(first, facts);
                    case 1 ->
                    {
                        readAll(first, facts, image, true);
                        exercised[1]++;
                    }
                    default -> replaceSharing(first, facts);
                }
                foliosTaken(first, facts);
            }
        }
        long pfn = first.superBlockPfn();
        fsck(pfn, "after the first reboot");
        final Mode other = mode == Mode.CRASH_SAFE ? Mode.KERNEL_FAITHFUL : Mode.CRASH_SAFE;
        final Pkram second = boot(pfn, other);
        try (second)
        {
            final List<String> names = new ArrayList<>(second.nodeNames());
            names.sort(null);
            if (!names.equals(kept))
            {
                throw new FuzzFailure("lost nodes", "after a reboot the image holds " + names + ", expected " + kept,
                    null, false);
            }
            for (final String name : names)
            {
                readAll(second, expected.get(name), image, false);
            }
        }
        pfn = second.superBlockPfn();
        fsck(pfn, "after the second reboot");
        try (Pkram third = boot(pfn, mode))
        {
            if (!third.nodeNames().isEmpty())
            {
                throw new FuzzFailure("lost nodes", "loaded nodes came back: " + third.nodeNames(), null, false);
            }
        }
    }

    /**
     * A boot that must start empty (dropping an image, or finding none): no node, it says so, and a node saved
     * then is there after an orderly reboot.
     */
    private void startEmptyAndVerify(final PkramOptions options, final String message, final String what)
        throws FuzzFailure
    {
        final Pkram pk;
        try
        {
            pk = Pkram.boot(options);
        }
        catch (final RuntimeException ex)
        {
            throw new FuzzFailure("drop", what + " failed: " + ex, ex, false);
        }
        try (pk)
        {
            if (!pk.nodeNames().isEmpty() || pk.bootMessages().stream().noneMatch(m -> m.startsWith(message)))
            {
                throw new FuzzFailure("drop", what + " kept nodes or did not say \"" + message + "\": " +
                    pk.nodeNames() + " " + pk.bootMessages(), null, false);
            }
            saveOne(pk);
        }
        final long pfn = pk.superBlockPfn();
        fsck(pfn, "after " + what);
        try (Pkram again = boot(pfn, options.mode()))
        {
            if (!again.nodeNames().equals(List.of("after-drop")))
            {
                throw new FuzzFailure("drop", "the node saved after " + what + " is not back: " + again.nodeNames(),
                    null, false);
            }
        }
    }

    private static void saveOne(final Pkram pk)
    {
        try (var save = pk.prepareSave("after-drop"))
        {
            try (var obj = save.prepareSaveObj(org.pkram.DataKind.BYTES))
            {
                obj.write(new byte[] {1, 2, 3}, 0, 3);
            }
            save.finish();
        }
    }

    private Pkram boot(final long pfn, final Mode mode) throws FuzzFailure
    {
        try
        {
            return Pkram.boot(PkramOptions.of(file).superBlockPfn(pfn).mode(mode).shutdownHook(false));
        }
        catch (final RuntimeException ex)
        {
            throw new FuzzFailure("reboot not bootable", "an image pkram itself rebooted does not boot (" + mode +
                ", pkram=0x" + Long.toHexString(pfn) + "): " + ex, ex, false);
        }
    }

    private void fsck(final long pfn, final String when) throws FuzzFailure
    {
        final List<String> problems = new ArrayList<>();
        final ScannerAgreement.LibraryReading library;
        try (PhysMem mem = PhysMem.openReadOnly(file))
        {
            final var scan = ImageScanner.check(mem, pfn, problems);
            library = problems.isEmpty() ? ScannerAgreement.read(mem, scan) : null;
        }
        if (!problems.isEmpty())
        {
            throw new FuzzFailure("fsck", "fsck finds problems " + when + ": " + problems, null, false);
        }
        final ImageOracle.Image reference;
        try
        {
            reference = ImageOracle.read(file, pfn);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        if (!reference.valid())
        {
            throw new FuzzFailure("fsck", "the format forbids the image " + when + ": " + reference.problem(), null,
                false);
        }
        final List<String> disagreements = ScannerAgreement.compare(reference, library);
        if (!disagreements.isEmpty())
        {
            throw new FuzzFailure("oracle disagrees", "the oracle and the scanner read the image " + when +
                " differently: " + String.join("; ", disagreements), null, false);
        }
    }

    /**
     * Read a node whole and compare it with the image: folios (pfn, order, index), bytes (against the image's
     * data pages), counts. A load is finished (the node is consumed); a live read is closed (the node stays).
     */
    private static void readAll(final Pkram pk, final ImageOracle.Node facts, final byte[] image, final boolean live)
        throws FuzzFailure
    {
        final byte[] buffer = new byte[8192];
        try (NodeLoad load = live ? pk.openLive(facts.name()) : pk.prepareLoad(facts.name()))
        {
            for (int i = 0; ; i++)
            {
                final ObjLoad obj;
                try
                {
                    obj = load.prepareLoadObj();
                }
                catch (final InvalidArgumentException ex)
                {
                    if (i < facts.objs().size() && facts.objs().get(i).empty())
                    {
                        break; // the kernel's EINVAL for an object with no data; the node does not advance
                    }
                    throw ex;
                }
                if (obj == null)
                {
                    if (i != facts.objs().size())
                    {
                        throw new FuzzFailure("load", facts.name() + ": " + i + " objects, the image holds " +
                            facts.objs().size(), null, false);
                    }
                    break;
                }
                final ImageOracle.Obj expected = facts.objs().get(i);
                final List<ImageOracle.Entry> folioEntries = expected.folioEntries();
                final long[] bytePfns = expected.bytePfns();
                long folios = 0;
                long pages = 0;
                Folio folio;
                while ((folio = obj.loadFolio()) != null)
                {
                    if (folios < folioEntries.size())
                    {
                        final ImageOracle.Entry entry = folioEntries.get((int)folios);
                        if (folio.pfn() != entry.pfn() || folio.order() != entry.order() ||
                            folio.index() != entry.index())
                        {
                            throw new FuzzFailure("load", facts.name() + " obj " + i + " folio " + folios + ": " +
                                folio + ", the image holds " + entry, null, false);
                        }
                    }
                    if (live != (folio.state() == Folio.State.SAVED))
                    {
                        throw new FuzzFailure("load", facts.name() + ": a " + (live ? "live" : "load") +
                            " handle hands out " + folio, null, false);
                    }
                    folio.buffer().getLong(0);
                    folio.buffer().getLong(folio.byteLength() - 8);
                    folios++;
                    pages += folio.pageCount();
                }
                long bytes = 0;
                int n;
                while ((n = obj.read(buffer, 0, buffer.length)) > 0)
                {
                    for (int k = 0; k < n; )
                    {
                        final long at = bytes + k;
                        final long pfn = bytePfns[(int)(at >>> Pfn.PAGE_SHIFT)];
                        final int within = (int)(at & (Pfn.PAGE_SIZE - 1));
                        final int chunk = Math.min(n - k, Pfn.PAGE_SIZE - within);
                        final int from = (int)(Le.page(pfn) + within);
                        if (Arrays.mismatch(buffer, k, k + chunk, image, from, from + chunk) >= 0)
                        {
                            throw new FuzzFailure("load", facts.name() + " obj " + i + ": bytes from " + at +
                                " differ from data page 0x" + Long.toHexString(pfn), null, false);
                        }
                        k += chunk;
                    }
                    bytes += n;
                }
                if (folios != expected.folioCount() || pages != expected.folioPages() || bytes != expected.dataLen() ||
                    obj.dataLength() != expected.dataLen())
                {
                    throw new FuzzFailure("load", facts.name() + " obj " + i + ": " + folios + " folios, " + pages +
                        " pages, " + bytes + " bytes; the image holds " + expected, null, false);
                }
                obj.finish();
            }
            if (!live)
            {
                load.finish();
            }
        }
    }

    /**
     * The node is still there, so every page of its folios is still taken (an aborted load, a live handle closed
     * or a replace that shares them must not have freed one).
     */
    private static void foliosTaken(final Pkram pk, final ImageOracle.Node facts) throws FuzzFailure
    {
        final var allocator = TestAccess.allocator(pk);
        for (final ImageOracle.Obj obj : facts.objs())
        {
            for (final ImageOracle.Entry entry : obj.folioEntries())
            {
                for (long p = entry.pfn(); p < entry.pfn() + entry.pages(); p++)
                {
                    if (!allocator.isTaken(p))
                    {
                        throw new FuzzFailure("freed a folio in use", facts.name() + ": page 0x" + Long.toHexString(p) +
                            " of " + entry + " is free, and the node still holds it", null, false);
                    }
                }
            }
        }
    }

    /** Load a node's first object in part and close the load without finishing it: the node must come back. */
    private void abortPartLoad(final Pkram pk, final ImageOracle.Node facts) throws FuzzFailure
    {
        final NodeLoad load = pk.prepareLoad(facts.name());
        try (load)
        {
            final ObjLoad obj = load.prepareLoadObj();
            if (obj != null)
            {
                obj.loadFolio();
                obj.read(new byte[100], 0, 100);
            }
        }
        catch (final InvalidArgumentException emptyObject)
        {
            // The kernel's EINVAL for an object with no data: the load is closed all the same.
        }
        if (load.state() != NodeLoad.State.ABORTED)
        {
            throw new FuzzFailure("load", facts.name() + ": a load closed without finish() is " + load.state(), null,
                false);
        }
        exercised[0]++;
    }

    /**
     * Replace a node by a new version that shares every folio of the old one (through a live handle) and holds
     * a copy of every byte stream, objects in the same order: after the swap it must read exactly as the image
     * held it. Skipped for a node the API cannot save again as it is (an object with no data, an index the
     * format allows but a save refuses).
     */
    private void replaceSharing(final Pkram pk, final ImageOracle.Node facts) throws FuzzFailure
    {
        for (final ImageOracle.Obj obj : facts.objs())
        {
            if (obj.empty() || obj.folioEntries().stream().anyMatch(e -> e.index() < 0 || e.index() + e.pages() < 0))
            {
                return;
            }
        }
        try (NodeLoad live = pk.openLive(facts.name()))
        {
            final List<List<Folio>> folios = new ArrayList<>();
            final List<byte[]> bytes = new ArrayList<>();
            ObjLoad obj;
            while ((obj = live.prepareLoadObj()) != null)
            {
                final List<Folio> list = new ArrayList<>();
                Folio folio;
                while ((folio = obj.loadFolio()) != null)
                {
                    list.add(folio);
                }
                final byte[] data = new byte[(int)obj.dataLength()];
                for (int done = 0, n; done < data.length && (n = obj.read(data, done, data.length - done)) > 0; )
                {
                    done += n;
                }
                folios.add(list);
                bytes.add(data);
                obj.finish();
            }
            try (NodeSave next = pk.prepareReplace(facts.name()))
            {
                // Saved last, loaded first: the objects go in in the reverse of the order they came out.
                for (int i = folios.size() - 1; i >= 0; i--)
                {
                    final boolean hasFolios = !folios.get(i).isEmpty();
                    final boolean hasBytes = bytes.get(i).length > 0;
                    try (ObjSave out = hasFolios && hasBytes ? next.prepareSaveObj(DataKind.FOLIOS, DataKind.BYTES) :
                        next.prepareSaveObj(hasFolios ? DataKind.FOLIOS : DataKind.BYTES))
                    {
                        for (final Folio folio : folios.get(i))
                        {
                            out.saveFolio(folio, folio.index());
                        }
                        if (hasBytes)
                        {
                            out.write(bytes.get(i), 0, bytes.get(i).length);
                        }
                    }
                }
                next.finish();
            }
            exercised[2]++;
        }
        catch (final RuntimeException ex)
        {
            throw new FuzzFailure("inconsistent boot", facts.name() + ": a replace sharing every folio failed: " + ex,
                ex, false);
        }
    }

    private void deletePfnFile()
    {
        try
        {
            Files.deleteIfExists(pfnFile);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    @Override
    public void close()
    {
        worker.shutdownNow();
    }
}
