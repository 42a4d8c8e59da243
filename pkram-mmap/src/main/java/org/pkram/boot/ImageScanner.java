package org.pkram.boot;

import org.agrona.concurrent.UnsafeBuffer;
import org.pkram.error.CorruptImageException;
import org.pkram.error.InvalidSuperBlockException;
import org.pkram.image.LinkCursor;
import org.pkram.layout.EntryCodec;
import org.pkram.layout.NodeDescriptor;
import org.pkram.layout.ObjDescriptor;
import org.pkram.layout.Pfn;
import org.pkram.layout.SuperBlockDescriptor;
import org.pkram.mem.PhysMem;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Walks a preserved image read-only and validates every byte it relies on before boot touches
 * anything: super block, node chain, objects, links, entries, byte-data pages and the regions list,
 * and that every byte docs/FORMAT.md reserves (padding, the rest of each page, unused regions) is zero.
 * Emulates what {@code pkram_reserve()} and {@code pkram_init_sb()} read (mm/pkram.c, v3), with the
 * checks the kernel does not make.
 * <p>
 * Every walk is bounded: each page may be claimed once, so a cycle shows up as a page referenced
 * twice and the walk stops after at most one visit per page of the file. Nothing is written; a
 * failure leaves the file byte-identical.
 * <p>
 * In strict mode (boot) the first problem throws: {@link InvalidSuperBlockException} (EINVAL) for a
 * super block that cannot be booted, {@link CorruptImageException} (EUCLEAN) for damaged structures.
 * In collecting mode (fsck) each problem is recorded and the damaged sub-structure skipped.
 * <p>
 * Single-threaded; one instance per walk.
 */
public final class ImageScanner
{
    /** Node names are UTF-8; a name that does not decode is damage, not a name. */
    private static final ThreadLocal<CharsetDecoder> UTF8 = ThreadLocal.withInitial(() ->
        StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT));

    private final PhysMem mem;
    private final long pfnCount;
    private final List<String> problems;
    private final UnsafeBuffer view = new UnsafeBuffer(0, 0);
    private final LinkCursor cursor;
    private final PageBitmap pages;
    private final List<NodeEntry> nodes = new ArrayList<>();
    private final RegionsWalk regionsWalk;

    private ImageScanner(final PhysMem mem, final List<String> problems)
    {
        this.mem = mem;
        this.pfnCount = mem.pfnCount();
        this.problems = problems;
        this.pages = new PageBitmap(pfnCount);
        this.cursor = new LinkCursor(mem);
        this.regionsWalk = new RegionsWalk(mem, pages, this);
    }

    /**
     * Validate the image under {@code sbPfn} (boot): throw at the first problem.
     *
     * @param mem   the attached memory file.
     * @param sbPfn the super block pfn from {@code pkram=}.
     * @return what was found.
     * @throws InvalidSuperBlockException (EINVAL) the super block cannot be booted.
     * @throws CorruptImageException      (EUCLEAN) the structures are damaged.
     */
    public static ScanResult scan(final PhysMem mem, final long sbPfn)
    {
        return new ImageScanner(mem, null).run(sbPfn);
    }

    /**
     * Walk the image under {@code sbPfn} (fsck): record every problem found, skip what is damaged.
     *
     * @param mem      the attached memory file (read-only is enough).
     * @param sbPfn    the super block pfn.
     * @param problems receives one line per problem.
     * @return what could be walked.
     */
    public static ScanResult check(final PhysMem mem, final long sbPfn, final List<String> problems)
    {
        return new ImageScanner(mem, problems).run(sbPfn);
    }

    /**
     * Walk the node chain starting at {@code nodeHead} as reboot sees it, whatever the super block holds
     * now: the preserved set the regions list is built from. Strict.
     *
     * @param mem      the attached memory file.
     * @param sbPfn    the super block page (counted as preserved).
     * @param nodeHead the first node of the chain, 0 for none.
     * @return what was found; {@code state} is NONE.
     * @throws CorruptImageException (EUCLEAN) when the structures are damaged.
     */
    public static ScanResult collect(final PhysMem mem, final long sbPfn, final long nodeHead)
    {
        final ImageScanner scanner = new ImageScanner(mem, null);
        scanner.pages.set(sbPfn);
        scanner.walkNodes(nodeHead);
        return scanner.result(sbPfn, SuperBlockDescriptor.STATE_NONE, 0, Pfn.NULL_PFN);
    }

    private ScanResult run(final long sbPfn)
    {
        if (sbPfn <= 0 || sbPfn >= pfnCount)
        {
            throw new InvalidSuperBlockException("invalid super block: pfn out of range: pfn=0x" +
                Long.toHexString(sbPfn) + ", pfnCount=0x" + Long.toHexString(pfnCount));
        }
        mem.wrap(view, sbPfn, 0);
        if (PageChecks.isZeroPage(view))
        {
            // The kernel leaves the super block all zero when nothing was preserved: an empty image.
            pages.set(sbPfn);
            return result(sbPfn, SuperBlockDescriptor.STATE_NONE, 0, 0);
        }
        final int state = checkSuperBlock(sbPfn);
        if (state == SuperBlockDescriptor.STATE_NONE)
        {
            // No magic and no kernel field set: the kernel's "nothing preserved". pkram leaves such a page
            // only when a process dies while booting an empty image or rebooting one with nothing to keep.
            pages.set(sbPfn);
            return result(sbPfn, SuperBlockDescriptor.STATE_NONE, 0, 0);
        }
        final int version = SuperBlockDescriptor.formatVersion(view);
        final long generation = SuperBlockDescriptor.generation(view);
        final long nodeHead = SuperBlockDescriptor.nodePfn(view);
        final long regionListPfn = SuperBlockDescriptor.regionListPfn(view);
        final long nrRegions = SuperBlockDescriptor.nrRegions(view);
        final long preservedPages = SuperBlockDescriptor.preservedPages(view);
        pages.set(sbPfn);
        walkNodes(nodeHead);
        if (state == SuperBlockDescriptor.STATE_SEALED)
        {
            // A sealed page always names a node (a reboot that preserved nothing leaves the page zero), and
            // a regions list covering what the chain holds: with either missing the image would boot
            // "empty" and silently drop whatever the list or the chain still describes.
            if (nodeHead == Pfn.NULL_PFN)
            {
                problem("sealed super block has no node: regionListPfn=0x" + Long.toHexString(regionListPfn) +
                    ", nrRegions=" + nrRegions);
            }
            if (regionListPfn == Pfn.NULL_PFN)
            {
                problem("sealed super block has nodes but no regions list: nodePfn=0x" + Long.toHexString(nodeHead));
            }
            else
            {
                regionsWalk.walk(regionListPfn, nrRegions);
                regionsWalk.checkCoverage();
            }
            if (version != 0 && preservedPages != pages.cardinality())
            {
                problem("super block preserved_pages is not the number of preserved pages: preservedPages=" +
                    preservedPages + ", found=" + pages.cardinality());
            }
        }
        return result(sbPfn, state, generation, regionListPfn);
    }

    /**
     * Check the super block page's own fields (the walk checks what they point at).
     *
     * @return its state: STATE_NONE for an unfinished empty image, else SEALED or LIVE (a version-0 page,
     *         written from the kernel's struct alone, counts as sealed).
     */
    private int checkSuperBlock(final long sbPfn)
    {
        final int magic = SuperBlockDescriptor.magic(view);
        if (SuperBlockDescriptor.formatVersion(view) == SuperBlockDescriptor.FORMAT_VERSION &&
            SuperBlockDescriptor.state(view) == SuperBlockDescriptor.STATE_CONSUMED)
        {
            throw new InvalidSuperBlockException("invalid super block: consumed by boot generation " +
                SuperBlockDescriptor.generation(view) + " in kernel-faithful mode, with no orderly reboot since " +
                "(only an orderly reboot preserves in that mode)");
        }
        if (magic == 0 && PageChecks.isUnfinishedEmpty(view))
        {
            return SuperBlockDescriptor.STATE_NONE;
        }
        if (magic != SuperBlockDescriptor.PKRAM_MAGIC)
        {
            throw new InvalidSuperBlockException("invalid super block: bad magic: pfn=0x" + Long.toHexString(sbPfn) +
                ", magic=0x" + Integer.toHexString(magic) + ", expected=0x" +
                Integer.toHexString(SuperBlockDescriptor.PKRAM_MAGIC));
        }
        final int version = SuperBlockDescriptor.formatVersion(view);
        int state = SuperBlockDescriptor.state(view);
        final long generation = SuperBlockDescriptor.generation(view);
        if (version != 0 && version != SuperBlockDescriptor.FORMAT_VERSION)
        {
            // Unsigned: 0x80000000 and above are newer formats too, not older ones.
            throw new InvalidSuperBlockException("invalid super block: newer format than this build reads: " +
                "formatVersion=" + Integer.toUnsignedString(version) + ", supported=" +
                SuperBlockDescriptor.FORMAT_VERSION);
        }
        final long recordedSize = SuperBlockDescriptor.fileSize(view);
        if (version == 0)
        {
            // Written by the kernel (or a C program from its v3 structs): no pkram fields, sealed by reboot.
            if (!PageChecks.isZero(view, SuperBlockDescriptor.KERNEL_LENGTH, SuperBlockDescriptor.PKRAM_LENGTH))
            {
                throw new InvalidSuperBlockException("invalid super block: pkram fields set without a format " +
                    "version: state=" + state + ", generation=" + generation + ", fileSize=" + recordedSize +
                    ", preservedPages=" + SuperBlockDescriptor.preservedPages(view));
            }
            state = SuperBlockDescriptor.STATE_SEALED;
        }
        switch (state)
        {
            case SuperBlockDescriptor.STATE_SEALED, SuperBlockDescriptor.STATE_LIVE ->
            {
            }
            case SuperBlockDescriptor.STATE_CONSUMED -> throw new InvalidSuperBlockException(
                "invalid super block: consumed by boot generation " + generation + " in kernel-faithful mode, " +
                "with no orderly reboot since (only an orderly reboot preserves in that mode)");
            default -> throw new InvalidSuperBlockException("invalid super block: unknown state: state=" + state);
        }
        if (version != 0)
        {
            if (Long.compareUnsigned(recordedSize, mem.size()) > 0)
            {
                throw new CorruptImageException("super block records a larger memory file: recordedSize=" +
                    Long.toUnsignedString(recordedSize) + ", actualSize=" + mem.size());
            }
            if (recordedSize < PhysMem.MIN_SIZE || (recordedSize & (Pfn.PAGE_SIZE - 1)) != 0)
            {
                problem("super block records an impossible file size: recordedSize=" + recordedSize);
            }
        }
        if (SuperBlockDescriptor.pad0(view) != 0)
        {
            problem("super block padding is not zero: pad0=0x" + Integer.toHexString(SuperBlockDescriptor.pad0(view)));
        }
        if (!PageChecks.isZero(view, SuperBlockDescriptor.PKRAM_LENGTH, Pfn.PAGE_SIZE))
        {
            problem("super block reserved bytes are not zero: pfn=0x" + Long.toHexString(sbPfn) + ", offset=" +
                PageChecks.firstNonZero(view, SuperBlockDescriptor.PKRAM_LENGTH, Pfn.PAGE_SIZE));
        }
        return state;
    }

    private ScanResult result(final long sbPfn, final int state, final long generation, final long regionListPfn)
    {
        final long[] listPfns = regionsWalk.listPfns();
        return new ScanResult(sbPfn, state, generation, List.copyOf(nodes), pages, listPfns,
            regionsWalk.regions(), regionListPfn);
    }

    private void walkNodes(final long head)
    {
        final Set<String> names = new HashSet<>();
        long pfn = head;
        while (pfn != Pfn.NULL_PFN)
        {
            if (!claimMeta(pfn, "node", null))
            {
                return;
            }
            mem.wrap(view, pfn, 0);
            final int flags = NodeDescriptor.flags(view);
            final long objHead = NodeDescriptor.objPfn(view);
            final long next = NodeDescriptor.nodePfn(view);
            final int nameLength = NodeDescriptor.nameLength(view);
            boolean ok = true;
            if ((flags & ~NodeDescriptor.PKRAM_ACCMODE_MASK) != 0 || (flags & NodeDescriptor.PKRAM_SAVE) != 0)
            {
                ok = problem("node in the chain has impossible flags (a node being saved is never chained): pfn=0x" +
                    Long.toHexString(pfn) + ", flags=0x" + Integer.toHexString(flags));
            }
            if (NodeDescriptor.pad0(view) != 0)
            {
                ok = problem("node padding is not zero: pfn=0x" + Long.toHexString(pfn));
            }
            String name = null;
            if (nameLength < 0)
            {
                ok = problem("node name has no NUL within " + NodeDescriptor.NAME_MAX + " bytes: pfn=0x" +
                    Long.toHexString(pfn));
            }
            else if (!PageChecks.isZero(view, NodeDescriptor.NAME_OFFSET + nameLength, Pfn.PAGE_SIZE))
            {
                // The name field after the NUL and the rest of the page: zero in every node pkram or the kernel
                // writes, so stray bytes there are damage (possibly a longer name with a NUL flipped in).
                ok = problem("node has non-zero bytes after its name's NUL: pfn=0x" + Long.toHexString(pfn) +
                    ", offset=" +
                    PageChecks.firstNonZero(view, NodeDescriptor.NAME_OFFSET + nameLength, Pfn.PAGE_SIZE));
            }
            else
            {
                name = decodeName(view, nameLength);
                if (name == null)
                {
                    ok = problem("node name is not UTF-8: pfn=0x" + Long.toHexString(pfn));
                }
                else if (!names.add(name))
                {
                    ok = problem("two nodes have the same name: name=" + name + ", pfn=0x" + Long.toHexString(pfn));
                }
            }
            if (ok)
            {
                final NodeEntry entry = new NodeEntry(pfn, name, flags);
                walkObjs(entry, objHead);
                nodes.add(entry);
            }
            pfn = next;
        }
    }

    private void walkObjs(final NodeEntry node, final long head)
    {
        long pfn = head;
        while (pfn != Pfn.NULL_PFN)
        {
            if (!claimMeta(pfn, "obj", node))
            {
                return;
            }
            mem.wrap(view, pfn, 0);
            final long foliosHead = ObjDescriptor.foliosHeadLinkPfn(view);
            final long foliosTail = ObjDescriptor.foliosTailLinkPfn(view);
            final long bytesHead = ObjDescriptor.bytesHeadLinkPfn(view);
            final long bytesTail = ObjDescriptor.bytesTailLinkPfn(view);
            final long dataLen = ObjDescriptor.dataLen(view);
            final long next = ObjDescriptor.objPfn(view);
            final long objPfn = pfn;
            if (!PageChecks.isZero(view, ObjDescriptor.LENGTH, Pfn.PAGE_SIZE))
            {
                problem("obj reserved bytes are not zero: obj=0x" + Long.toHexString(objPfn) + ", offset=" +
                    PageChecks.firstNonZero(view, ObjDescriptor.LENGTH, Pfn.PAGE_SIZE));
            }
            node.objs++;
            walkStream(node, objPfn, foliosHead, foliosTail, true);
            final long bytePages = walkStream(node, objPfn, bytesHead, bytesTail, false);
            final long needed = (dataLen + Pfn.PAGE_SIZE - 1) >>> Pfn.PAGE_SHIFT;
            if (dataLen < 0 || bytePages != needed)
            {
                problem("obj data_len does not match its byte pages: node=" + node.name() + ", obj=0x" +
                    Long.toHexString(objPfn) + ", dataLen=" + dataLen + ", bytePages=" + bytePages);
            }
            node.dataLen += dataLen;
            pfn = next;
        }
    }

    /**
     * @return pages in the stream's entries (for a byte stream, the data pages).
     */
    private long walkStream(final NodeEntry node, final long objPfn, final long head, final long tail,
        final boolean folios)
    {
        final String what = folios ? "folio" : "bytes";
        if ((head == Pfn.NULL_PFN) != (tail == Pfn.NULL_PFN))
        {
            problem("obj " + what + " stream has a head without a tail or the reverse: obj=0x" +
                Long.toHexString(objPfn) + ", head=0x" + Long.toHexString(head) + ", tail=0x" + Long.toHexString(tail));
            return 0;
        }
        long pages = 0;
        long last = Pfn.NULL_PFN;
        cursor.reset(head);
        while (cursor.hasNextLink())
        {
            final long pfn = cursor.nextLinkPfn();
            if (!claimMeta(pfn, what + " link", node))
            {
                return pages;
            }
            cursor.nextLink();
            node.links++;
            if (!folios && cursor.linkIndex() != 0)
            {
                problem("bytes link has a non-zero index: link=0x" + Long.toHexString(pfn));
            }
            pages += claimLinkEntries(node, pfn, folios);
            if (cursor.slot() < 0)
            {
                problem("link has no entries: link=0x" + Long.toHexString(pfn));
            }
            final int stray = cursor.strayEntryAfterEnd();
            if (stray >= 0)
            {
                problem("link has a non-zero entry after its first empty one: link=0x" + Long.toHexString(pfn) +
                    ", entry=" + stray);
            }
            last = pfn;
        }
        if (last != tail)
        {
            problem("obj " + what + " tail does not point at the last link: obj=0x" + Long.toHexString(objPfn) +
                ", tail=0x" + Long.toHexString(tail) + ", last=0x" + Long.toHexString(last));
        }
        return pages;
    }

    /**
     * Claim the entries of the link the cursor is on. A method of its own for the JIT's sake: called once per
     * link (510 entries), it is compiled after a few links, where the same loop inline in {@link #walkStream}
     * ran interpreted until an on-stack replacement some 60,000 entries in, which is most of a fresh JVM's first
     * boot of a million folios.
     *
     * @return the pages the entries hold.
     */
    private long claimLinkEntries(final NodeEntry node, final long linkPfn, final boolean folios)
    {
        long pages = 0;
        while (cursor.nextEntry())
        {
            pages += claimEntry(node, linkPfn, cursor.slot(), cursor.entry(), folios);
        }
        return pages;
    }

    private long claimEntry(final NodeEntry node, final long linkPfn, final int i, final long entry,
        final boolean folios)
    {
        final long pfn = EntryCodec.pfn(entry);
        final int order = EntryCodec.order(entry);
        final int flags = EntryCodec.flags(entry);
        // A boot walks every entry (a million at 4 GiB of 4 KiB folios): messages are built only on failure.
        if (!Pfn.isValidOrder(order) || (!folios && order != 0))
        {
            problem("entry of impossible order: " + where(linkPfn, i, entry) + ", order=" + order);
            return 0;
        }
        if (flags != 0)
        {
            problem("entry has flags v3 does not define: " + where(linkPfn, i, entry) + ", flags=0x" +
                Integer.toHexString(flags));
            return 0;
        }
        final long count = Pfn.pageCount(order);
        if (pfn <= 0 || pfn + count > pfnCount || (pfn & (count - 1)) != 0)
        {
            problem("entry pfn out of range or misaligned: " + where(linkPfn, i, entry) + ", pfnCount=0x" +
                Long.toHexString(pfnCount));
            return 0;
        }
        if (!pages.claim(pfn, order))
        {
            problem("page referenced twice: " + where(linkPfn, i, entry) + ", node=" + node.name());
            return 0;
        }
        if (folios)
        {
            node.folios++;
            node.folioPages += count;
            node.orders[order]++;
        }
        return count;
    }

    private static String where(final long linkPfn, final int i, final long entry)
    {
        return "link=0x" + Long.toHexString(linkPfn) + ", entry=" + i + ", value=0x" + Long.toHexString(entry);
    }

    /**
     * @param what  the kind of page, for the message.
     * @param owner the node it belongs to, for the message; null for none.
     */
    boolean claimMeta(final long pfn, final String what, final NodeEntry owner)
    {
        if (pfn <= 0 || pfn >= pfnCount)
        {
            return problem(what + ofNode(owner) + " pfn out of range: pfn=0x" + Long.toHexString(pfn) +
                ", pfnCount=0x" + Long.toHexString(pfnCount));
        }
        if (!pages.claim(pfn, 0))
        {
            return problem("page referenced twice (or a cycle): pfn=0x" + Long.toHexString(pfn) + ", as=" + what +
                ofNode(owner));
        }
        return true;
    }

    private static String ofNode(final NodeEntry owner)
    {
        return owner == null ? "" : " of node " + owner.name();
    }

    /**
     * Report a problem: throw in strict mode, record it in collecting mode.
     *
     * @return false, so callers can write {@code ok = problem(...)}.
     */
    boolean problem(final String message)
    {
        if (problems == null)
        {
            throw new CorruptImageException(message);
        }
        problems.add(message);
        return false;
    }

    /**
     * @return the node's name, or null when its bytes are not UTF-8 (names are UTF-8, and a decoding that
     *         replaced bad bytes could make two different names equal).
     */
    private static String decodeName(final UnsafeBuffer node, final int length)
    {
        final byte[] utf8 = new byte[length];
        node.getBytes(NodeDescriptor.NAME_OFFSET, utf8);
        try
        {
            return UTF8.get().reset().decode(ByteBuffer.wrap(utf8)).toString();
        }
        catch (final CharacterCodingException ex)
        {
            return null;
        }
    }




}
