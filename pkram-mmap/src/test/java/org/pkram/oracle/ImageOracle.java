package org.pkram.oracle;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * docs/FORMAT.md read a second time, by a hand that shares nothing with the library: its own constants
 * (copied from the document, section by section), its own little-endian reads of the file's bytes, its own
 * walk. It imports no class of {@code org.pkram} (a test, {@code ImageOracleTest}, holds it to that), so a
 * misreading of the format in the library's layout, image or boot code cannot hide by being shared.
 * <p>
 * Given a memory file and the {@code pkram=} pfn it answers what a boot must do with the image: refuse it
 * (the first rule it breaks), or accept it, and then exactly which pages it preserves, which nodes it holds
 * and every node's structure (objects in order, each stream's links with their entries). The crash harness
 * and the boot fuzzer hold the library's scanner, views and allocator to that answer.
 * <p>
 * Rules the format or the library leave open are deliberately not checked: the super block's generation,
 * the regions fields of a LIVE super block (a crash during a reboot leaves them), a node being loaded (a
 * reboot from the shutdown hook preserves it), objects with both streams empty, folio link indices.
 * <p>
 * Cheap by design: one pass over the metadata pages the image references (data pages are never read), and
 * a file is mapped read-only rather than copied.
 */
public final class ImageOracle
{
    // Section 1: pages.
    /** Bytes in a page. */
    public static final int PAGE_SIZE = 4096;
    static final int PAGE_SHIFT = 12;

    // Section 2: the file header, page 0.
    static final long FILE_MAGIC = 0x4D454D4D41524B50L; // "PKRAMMEM"
    static final int FILE_FORMAT_VERSION = 1;
    static final int HEADER_MAGIC = 0;
    static final int HEADER_FORMAT_VERSION = 8;
    static final int HEADER_PAGE_SIZE = 12;
    static final int HEADER_FILE_SIZE = 16;
    static final int HEADER_SUPER_BLOCK_PFN = 32;
    static final int HEADER_END = 40;
    /** The smallest memory file: header, super block and room to save (section 2, {@code file_size}). */
    static final long MIN_FILE_SIZE = 4L * PAGE_SIZE;

    // Section 3: the super block.
    static final int PKRAM_MAGIC = 0x706B726D;
    static final int SB_MAGIC = 0;
    static final int SB_PAD = 4;
    static final int SB_NODE_PFN = 8;
    static final int SB_REGION_LIST_PFN = 16;
    static final int SB_NR_REGIONS = 24;
    static final int SB_KERNEL_END = 32;
    static final int SB_FORMAT_VERSION = 32;
    static final int SB_STATE = 36;
    static final int SB_FILE_SIZE = 40;
    static final int SB_PRESERVED_PAGES = 56;
    static final int SB_END = 64;
    static final int SB_FORMAT = 1;
    /** Super block states (section 3). */
    public static final int STATE_NONE = 0;
    /** An orderly reboot's super block, or the kernel's (format version 0). */
    public static final int STATE_SEALED = 1;
    /** A crash-safe boot's super block. */
    public static final int STATE_LIVE = 2;
    static final int STATE_CONSUMED = 3;

    // Section 4: node.
    static final int NODE_FLAGS = 0;
    static final int NODE_PAD = 4;
    static final int NODE_OBJ_PFN = 8;
    static final int NODE_NODE_PFN = 16;
    static final int NODE_NAME = 24;
    static final int NODE_NAME_MAX = 256;
    static final int PKRAM_LOAD = 2;

    // Section 5: object.
    static final int OBJ_FOLIOS_HEAD = 0;
    static final int OBJ_FOLIOS_TAIL = 8;
    static final int OBJ_BYTES_HEAD = 16;
    static final int OBJ_BYTES_TAIL = 24;
    static final int OBJ_DATA_LEN = 32;
    static final int OBJ_OBJ_PFN = 40;
    static final int OBJ_END = 48;

    // Section 6: link and entry.
    static final int LINK_LINK_PFN = 0;
    static final int LINK_INDEX = 8;
    static final int LINK_ENTRIES = 16;
    static final int LINK_ENTRIES_MAX = 510;
    static final long ENTRY_ORDER_MASK = 0x1f;
    static final int ENTRY_FLAGS_SHIFT = 5;
    static final long ENTRY_FLAGS_MASK = 0x7f;
    /** The highest folio order pkram writes and accepts. */
    public static final int MAX_ORDER = 10;

    // Section 7: regions list.
    static final int LIST_PREV_PFN = 0;
    static final int LIST_NEXT_PFN = 8;
    static final int LIST_REGIONS = 16;
    static final int LIST_REGIONS_MAX = 255;
    static final int REGION_BYTES = 16;

    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /**
     * One entry of a link, decoded (section 6).
     *
     * @param pfn   the folio's first page.
     * @param order the folio is {@code 2^order} pages.
     * @param flags bits 5..11 of the entry.
     * @param index the mapping index of the folio: the link's index plus the pages of the entries before it.
     */
    public record Entry(long pfn, int order, int flags, long index)
    {
        /** @return pages in the folio. */
        public long pages()
        {
            return 1L << order;
        }

        @Override
        public String toString()
        {
            return "{pfn=0x" + Long.toHexString(pfn) + ", order=" + order + ", flags=0x" + Integer.toHexString(flags) +
                ", index=" + index + "}";
        }
    }

    /**
     * One link page of a stream.
     *
     * @param pfn     the link page.
     * @param index   its {@code index} field.
     * @param entries its used entries, in order.
     */
    public record Link(long pfn, long index, List<Entry> entries)
    {
    }

    /**
     * One object, as a load meets it.
     *
     * @param pfn     the object page.
     * @param dataLen the byte stream's length.
     * @param folios  the folio stream's links, head first.
     * @param bytes   the byte stream's links, head first.
     */
    public record Obj(long pfn, long dataLen, List<Link> folios, List<Link> bytes)
    {
        /** @return every folio entry, in stream order. */
        public List<Entry> folioEntries()
        {
            return entries(folios);
        }

        /** @return every byte-data page, in stream order. */
        public long[] bytePfns()
        {
            return entries(bytes).stream().mapToLong(Entry::pfn).toArray();
        }

        /** @return the number of folio entries. */
        public long folioCount()
        {
            return folios.stream().mapToLong(l -> l.entries().size()).sum();
        }

        /** @return pages in the folio entries. */
        public long folioPages()
        {
            return folios.stream().flatMap(l -> l.entries().stream()).mapToLong(Entry::pages).sum();
        }

        /** @return true when both streams are empty (the kernel refuses to load such an object, EINVAL). */
        public boolean empty()
        {
            return folios.isEmpty() && bytes.isEmpty();
        }

        private static List<Entry> entries(final List<Link> links)
        {
            final List<Entry> all = new ArrayList<>();
            links.forEach(l -> all.addAll(l.entries()));
            return all;
        }

        @Override
        public String toString()
        {
            return "{obj=0x" + Long.toHexString(pfn) + ", folios=" + folioCount() + ", pages=" + folioPages() +
                ", dataLen=" + dataLen + ", empty=" + empty() + "}";
        }
    }

    /**
     * One node of the chain.
     *
     * @param pfn   the node page.
     * @param name  its name.
     * @param flags its flags word (0, or PKRAM_LOAD when a load was under way).
     * @param objs  its objects, in chain order (the most recently saved first).
     */
    public record Node(long pfn, String name, int flags, List<Obj> objs)
    {
        /** @return link pages of both streams of every object. */
        public long links()
        {
            return objs.stream().mapToLong(o -> o.folios().size() + o.bytes().size()).sum();
        }

        /** @return folio entries of every object. */
        public long folios()
        {
            return objs.stream().mapToLong(Obj::folioCount).sum();
        }

        /** @return pages in folios of every object. */
        public long folioPages()
        {
            return objs.stream().mapToLong(Obj::folioPages).sum();
        }

        /** @return bytes in the byte streams of every object. */
        public long dataLen()
        {
            return objs.stream().mapToLong(Obj::dataLen).sum();
        }

        /** @return folios of the given order. */
        public long foliosOfOrder(final int order)
        {
            return objs.stream().flatMap(o -> o.folioEntries().stream()).filter(e -> e.order() == order).count();
        }
    }

    /**
     * The oracle's answer.
     *
     * @param problem        null when a boot must accept the image, else the first rule it breaks.
     * @param headerProblem  the file header itself is refused (before any pfn is followed).
     * @param superBlockPfn  the super block read.
     * @param state          STATE_NONE (nothing preserved), STATE_SEALED or STATE_LIVE; valid images only.
     * @param preserved      every preserved page: super block, nodes, objs, links, folio and byte-data pages,
     *                       regions list pages; valid images only.
     * @param regionListPfns the regions list pages in list order (a sealed image's; empty otherwise).
     * @param regions        the regions read, each {@code {startPfn, endPfnExclusive}}.
     * @param nodes          the chained nodes, in chain order; valid images only.
     */
    public record Image(
        String problem,
        boolean headerProblem,
        long superBlockPfn,
        int state,
        BitSet preserved,
        long[] regionListPfns,
        List<long[]> regions,
        List<Node> nodes)
    {
        /** @return true when a boot must accept the image. */
        public boolean valid()
        {
            return problem == null;
        }

        @Override
        public BitSet preserved()
        {
            return (BitSet)preserved.clone(); // callers may edit their copy, the answer stays as read
        }

        /** @return the pages a boot must hold reserved: the preserved ones but the regions list pages. */
        public BitSet reservedAfterBoot()
        {
            final BitSet reserved = preserved();
            for (final long pfn : regionListPfns)
            {
                reserved.clear((int)pfn);
            }
            return reserved;
        }
    }

    /** The first broken rule; the walk stops there. */
    private static final class Invalid extends RuntimeException
    {
        Invalid(final String message)
        {
            super(message, null, false, false);
        }
    }

    private final MemorySegment file;
    private final long length;
    private final long pfnCount;
    private final BitSet preserved;
    private final List<Node> nodes = new ArrayList<>();
    private final List<Long> listPfns = new ArrayList<>();
    private final List<long[]> regions = new ArrayList<>();
    private boolean headerChecked;
    private int state = STATE_NONE;

    private ImageOracle(final MemorySegment file)
    {
        this.file = file;
        this.length = file.byteSize();
        this.pfnCount = length >>> PAGE_SHIFT;
        if (pfnCount > Integer.MAX_VALUE)
        {
            throw new IllegalArgumentException("the oracle reads files of up to 2^31 pages: " + length + " bytes");
        }
        this.preserved = new BitSet((int)pfnCount);
    }

    /**
     * @param image the memory file's bytes.
     * @param sbPfn the {@code pkram=} pfn.
     * @return the verdict, and what a valid image holds.
     */
    public static Image read(final byte[] image, final long sbPfn)
    {
        return read(MemorySegment.ofArray(image), sbPfn);
    }

    /**
     * @param path  a memory file, mapped read-only for the walk (nothing is written, no lock is taken).
     * @param sbPfn the {@code pkram=} pfn.
     * @return the verdict, and what a valid image holds.
     * @throws IOException when the file cannot be read.
     */
    public static Image read(final Path path, final long sbPfn) throws IOException
    {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ); Arena arena = Arena.ofConfined())
        {
            final long size = channel.size();
            final MemorySegment mapped = size == 0 ? MemorySegment.ofArray(new byte[0]) :
                channel.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            return read(mapped, sbPfn);
        }
    }

    private static Image read(final MemorySegment segment, final long sbPfn)
    {
        final ImageOracle oracle = new ImageOracle(segment);
        try
        {
            oracle.run(sbPfn);
            return oracle.result(sbPfn, null);
        }
        catch (final Invalid ex)
        {
            return oracle.result(sbPfn, ex.getMessage());
        }
    }

    /**
     * The pages the node chain under a super block references, whatever the rest of the image holds (no
     * header, super block field or regions list check): what a reboot would list. For tools that rewrite a
     * regions list to match its chain.
     *
     * @param image the memory file's bytes.
     * @param sbPfn the super block (counted as preserved).
     * @return the super block page and the chain's pages, or the rule the chain breaks.
     */
    public static Image readChain(final byte[] image, final long sbPfn)
    {
        final ImageOracle oracle = new ImageOracle(MemorySegment.ofArray(image));
        try
        {
            oracle.require(sbPfn > 0 && sbPfn < oracle.pfnCount, "super block pfn out of range");
            oracle.preserved.set((int)sbPfn);
            oracle.walkNodes(oracle.u64(page(sbPfn) + SB_NODE_PFN));
            return oracle.result(sbPfn, null);
        }
        catch (final Invalid ex)
        {
            return oracle.result(sbPfn, ex.getMessage());
        }
    }

    /**
     * @param entry a link entry ({@code phys | order | flags << 5}).
     * @return its folio's first pfn.
     */
    public static long entryPfn(final long entry)
    {
        return entry >>> PAGE_SHIFT;
    }

    private Image result(final long sbPfn, final String problem)
    {
        if (problem != null)
        {
            return new Image(problem, !headerChecked, sbPfn, STATE_NONE, new BitSet(), new long[0], List.of(),
                List.of());
        }
        return new Image(null, false, sbPfn, state, preserved,
            listPfns.stream().mapToLong(Long::longValue).toArray(), List.copyOf(regions), List.copyOf(nodes));
    }

    private void require(final boolean rule, final String what)
    {
        if (!rule)
        {
            throw new Invalid(what);
        }
    }

    private long u64(final long offset)
    {
        return file.get(U64, offset);
    }

    private int u32(final long offset)
    {
        return file.get(U32, offset);
    }

    private boolean zero(final long from, final long to)
    {
        for (long i = from; i < to; i++)
        {
            if (file.get(ValueLayout.JAVA_BYTE, i) != 0)
            {
                return false;
            }
        }
        return true;
    }

    private static long page(final long pfn)
    {
        return pfn << PAGE_SHIFT;
    }

    private void run(final long requested)
    {
        // Section 2: the file header, refused before any pfn is followed.
        require(length >= PAGE_SIZE, "file shorter than its header page");
        require(u64(HEADER_MAGIC) == FILE_MAGIC, "file header magic is not PKRAMMEM");
        require(u32(HEADER_FORMAT_VERSION) == FILE_FORMAT_VERSION, "file header format_version is not 1");
        require(u32(HEADER_PAGE_SIZE) == PAGE_SIZE, "file header page_size is not 4096");
        final long headerSize = u64(HEADER_FILE_SIZE);
        require(Long.compareUnsigned(headerSize, length) <= 0, "file shorter than the header's file_size");
        require(zero(HEADER_END, PAGE_SIZE), "file header reserved bytes are not zero");
        require(headerSize >= MIN_FILE_SIZE && headerSize % PAGE_SIZE == 0, "file header file_size impossible");
        headerChecked = true;
        // A header that names no image may have lost one: pkram= naming a valid image with a node resumes it.
        final boolean headerNamesNone = u64(HEADER_SUPER_BLOCK_PFN) == 0;
        require(u64(HEADER_SUPER_BLOCK_PFN) == requested || headerNamesNone,
            "pkram= is not the header's super_block_pfn (stale)");
        require(requested > 0 && requested < pfnCount, "super block pfn out of range");
        walkImage(requested);
        require(!headerNamesNone || !nodes.isEmpty(), "pkram= names no image with a node, and the header none (stale)");
    }

    /** Sections 3 to 7, from the super block at {@code requested}. */
    private void walkImage(final long requested)
    {

        // Section 3: the super block and its states.
        final long sb = page(requested);
        preserved.set((int)requested);
        if (zero(sb, sb + PAGE_SIZE))
        {
            return; // nothing preserved
        }
        final int magic = u32(sb + SB_MAGIC);
        final int version = u32(sb + SB_FORMAT_VERSION);
        int sbState = u32(sb + SB_STATE);
        require(!(version == SB_FORMAT && sbState == STATE_CONSUMED), "super block consumed in kernel-faithful mode");
        if (magic == 0 && zero(sb, sb + SB_KERNEL_END) && u64(sb + SB_PRESERVED_PAGES) == 0 &&
            (version == 0 || version == SB_FORMAT) && (sbState == STATE_NONE || sbState == STATE_LIVE) &&
            zero(sb + SB_END, sb + PAGE_SIZE))
        {
            return; // no magic, no kernel field: an empty image's boot or reboot cut short, nothing preserved
        }
        require(magic == PKRAM_MAGIC, "super block magic");
        require(version == 0 || version == SB_FORMAT, "super block format_version");
        if (version == 0)
        {
            require(zero(sb + SB_KERNEL_END, sb + SB_END), "kernel super block (version 0) with pkram fields set");
            sbState = STATE_SEALED;
        }
        else
        {
            require(sbState == STATE_SEALED || sbState == STATE_LIVE, "super block state");
            final long recorded = u64(sb + SB_FILE_SIZE);
            require(Long.compareUnsigned(recorded, length & -PAGE_SIZE) <= 0 && recorded >= MIN_FILE_SIZE &&
                recorded % PAGE_SIZE == 0, "super block file_size impossible or above the file's length");
        }
        require(u32(sb + SB_PAD) == 0, "super block padding");
        require(zero(sb + SB_END, sb + PAGE_SIZE), "super block reserved bytes");
        state = sbState;
        final long nodeHead = u64(sb + SB_NODE_PFN);
        walkNodes(nodeHead);
        if (sbState == STATE_SEALED)
        {
            // Section 7: only a sealed super block has a regions list, and it must cover exactly the chain.
            require(nodeHead != 0, "sealed super block without a node");
            final long listHead = u64(sb + SB_REGION_LIST_PFN);
            require(listHead != 0, "sealed super block without a regions list");
            walkRegions(listHead, u64(sb + SB_NR_REGIONS));
            if (version != 0)
            {
                require(u64(sb + SB_PRESERVED_PAGES) == preserved.cardinality(),
                    "preserved_pages is not the number of preserved pages");
            }
        }
    }

    private void claimMeta(final long pfn, final String what)
    {
        require(pfn > 0 && pfn < pfnCount, what + " pfn out of range");
        require(!preserved.get((int)pfn), what + " page referenced twice");
        preserved.set((int)pfn);
    }

    /** Section 4. */
    private void walkNodes(final long head)
    {
        final Set<String> names = new HashSet<>();
        long pfn = head;
        while (pfn != 0)
        {
            claimMeta(pfn, "node");
            final long at = page(pfn);
            final int flags = u32(at + NODE_FLAGS);
            require(flags == 0 || flags == PKRAM_LOAD, "node flags");
            require(u32(at + NODE_PAD) == 0, "node padding");
            int nameLength = -1;
            for (int i = 0; i < NODE_NAME_MAX; i++)
            {
                if (file.get(ValueLayout.JAVA_BYTE, at + NODE_NAME + i) == 0)
                {
                    nameLength = i;
                    break;
                }
            }
            require(nameLength >= 0, "node name without NUL");
            require(zero(at + NODE_NAME + nameLength, at + PAGE_SIZE), "node bytes after the name's NUL");
            final byte[] utf8 = new byte[nameLength];
            MemorySegment.copy(file, ValueLayout.JAVA_BYTE, at + NODE_NAME, utf8, 0, nameLength);
            final String name;
            try
            {
                name = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(utf8))
                    .toString();
            }
            catch (final CharacterCodingException ex)
            {
                throw new Invalid("node name not UTF-8");
            }
            require(names.add(name), "two nodes with one name");
            nodes.add(new Node(pfn, name, flags, walkObjs(u64(at + NODE_OBJ_PFN))));
            pfn = u64(at + NODE_NODE_PFN);
        }
    }

    /** Section 5. */
    private List<Obj> walkObjs(final long head)
    {
        final List<Obj> objs = new ArrayList<>();
        long obj = head;
        while (obj != 0)
        {
            claimMeta(obj, "obj");
            final long at = page(obj);
            require(zero(at + OBJ_END, at + PAGE_SIZE), "obj reserved bytes");
            final List<Link> folios = walkStream(u64(at + OBJ_FOLIOS_HEAD), u64(at + OBJ_FOLIOS_TAIL), true);
            final List<Link> bytes = walkStream(u64(at + OBJ_BYTES_HEAD), u64(at + OBJ_BYTES_TAIL), false);
            final long dataLen = u64(at + OBJ_DATA_LEN);
            final long bytePages = bytes.stream().mapToLong(l -> l.entries().size()).sum();
            require(dataLen >= 0 && bytePages == dataLen / PAGE_SIZE + (dataLen % PAGE_SIZE == 0 ? 0 : 1),
                "obj data_len does not match its byte pages");
            objs.add(new Obj(obj, dataLen, List.copyOf(folios), List.copyOf(bytes)));
            obj = u64(at + OBJ_OBJ_PFN);
        }
        return List.copyOf(objs);
    }

    /** Section 6. */
    private List<Link> walkStream(final long head, final long tail, final boolean folios)
    {
        require((head == 0) == (tail == 0), "stream head without tail or the reverse");
        final List<Link> links = new ArrayList<>();
        long link = head;
        long last = 0;
        while (link != 0)
        {
            claimMeta(link, "link");
            final long at = page(link);
            final long linkIndex = u64(at + LINK_INDEX);
            require(folios || linkIndex == 0, "bytes link index not zero");
            final List<Entry> entries = new ArrayList<>();
            long index = linkIndex;
            boolean ended = false;
            for (int i = 0; i < LINK_ENTRIES_MAX; i++)
            {
                final long entry = u64(at + LINK_ENTRIES + 8L * i);
                if (entry == 0)
                {
                    ended = true;
                    continue;
                }
                require(!ended, "entry after an empty one");
                final int order = (int)(entry & ENTRY_ORDER_MASK);
                final int flags = (int)((entry >>> ENTRY_FLAGS_SHIFT) & ENTRY_FLAGS_MASK);
                final long pfn = entryPfn(entry);
                require(order <= MAX_ORDER && (folios || order == 0), "entry order");
                require(flags == 0, "entry flags");
                final long count = 1L << order;
                require(pfn > 0 && pfn + count <= pfnCount && pfn % count == 0, "entry pfn out of range or misaligned");
                for (long p = pfn; p < pfn + count; p++)
                {
                    require(!preserved.get((int)p), "data page referenced twice");
                    preserved.set((int)p);
                }
                entries.add(new Entry(pfn, order, flags, index));
                index += count;
            }
            require(!entries.isEmpty(), "link without entries");
            links.add(new Link(link, linkIndex, List.copyOf(entries)));
            last = link;
            link = u64(at + LINK_LINK_PFN);
        }
        require(last == tail, "stream tail is not the last link");
        return links;
    }

    /** Section 7. */
    private void walkRegions(final long head, final long nrRegions)
    {
        final long size = length & -PAGE_SIZE;
        long list = head;
        long previousList = 0;
        long firstPrev = 0;
        long lastPopulated = 0;
        long seen = 0;
        long previousEnd = 0;
        boolean ended = false;
        while (list != 0)
        {
            claimMeta(list, "regions list");
            listPfns.add(list);
            final long at = page(list);
            final long prev = u64(at + LIST_PREV_PFN);
            if (previousList == 0)
            {
                firstPrev = prev;
            }
            else
            {
                require(prev == previousList, "regions list prev_pfn");
            }
            for (int i = 0; i < LIST_REGIONS_MAX; i++)
            {
                final long base = u64(at + LIST_REGIONS + (long)REGION_BYTES * i);
                final long bytes = u64(at + LIST_REGIONS + (long)REGION_BYTES * i + 8);
                if (ended || bytes == 0 || Long.compareUnsigned(seen, nrRegions) >= 0)
                {
                    ended = true;
                    require(base == 0 && bytes == 0, "unused region not zero");
                    continue;
                }
                require(base % PAGE_SIZE == 0 && bytes % PAGE_SIZE == 0, "region not page aligned");
                require(base >= PAGE_SIZE && base <= size && bytes > 0 && bytes <= size - base,
                    "region outside the file");
                require(base > previousEnd, "regions not ascending, overlapping or adjacent");
                regions.add(new long[] {base >>> PAGE_SHIFT, (base + bytes) >>> PAGE_SHIFT});
                previousEnd = base + bytes;
                seen++;
                lastPopulated = list;
            }
            previousList = list;
            list = u64(at + LIST_NEXT_PFN);
        }
        require(seen == nrRegions, "nr_regions is not the number of regions");
        require(firstPrev == lastPopulated, "first regions list page's prev_pfn is not the last populated page");
        long covered = 0;
        for (final long[] run : regions)
        {
            for (long p = run[0]; p < run[1]; p++)
            {
                require(preserved.get((int)p), "region covers a page nothing references");
            }
            covered += run[1] - run[0];
        }
        require(covered == preserved.cardinality(), "regions do not cover every preserved page");
    }
}
