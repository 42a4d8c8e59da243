package org.pkram.fuzz;

import org.pkram.layout.FileHeaderDescriptor;
import org.pkram.layout.LinkDescriptor;
import org.pkram.layout.NodeDescriptor;
import org.pkram.layout.ObjDescriptor;
import org.pkram.layout.Pfn;
import org.pkram.layout.RegionListDescriptor;
import org.pkram.layout.SuperBlockDescriptor;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Where the structures of a valid image are: every metadata page with its named fields (offsets from
 * the layout descriptors), and the data pages. Decoded once from a pristine seed image, it tells the
 * mutators what to aim at. Trusts the image: only ever given images pkram wrote.
 */
final class ImageMap
{
    enum Kind
    {
        HEADER, SUPER, NODE, OBJ, FOLIO_LINK, BYTES_LINK, REGIONS
    }

    /** What a field holds, which decides the hostile values tried on it. */
    enum FieldKind
    {
        PFN, ENTRY, REGION_BASE, REGION_SIZE, COUNT, DATA_LEN, INDEX, FLAGS, MAGIC, VERSION, STATE, PAGE_SIZE,
        FILE_SIZE, PAD, NAME, OTHER
    }

    record Field(String name, int offset, int width, FieldKind kind)
    {
    }

    /**
     * @param used bytes of the page the structure uses (the rest must be zero).
     */
    record Page(long pfn, Kind kind, int used, List<Field> fields, String label)
    {
        Field field(final String name)
        {
            for (final Field field : fields)
            {
                if (field.name().equals(name))
                {
                    return field;
                }
            }
            throw new IllegalArgumentException("no field " + name + " in " + label);
        }

        long offset(final Field field)
        {
            return Le.page(pfn) + field.offset();
        }
    }

    final long sbPfn;
    final long pfnCount;
    final List<Page> pages = new ArrayList<>();
    /** First pfn of every folio or byte-data page referenced by an entry. */
    final List<Long> dataPfns = new ArrayList<>();
    /** Every page the image references (metadata and data, whole folios), plus page 0. */
    final Set<Long> referenced = new HashSet<>();

    private ImageMap(final long sbPfn, final long pfnCount)
    {
        this.sbPfn = sbPfn;
        this.pfnCount = pfnCount;
    }

    static ImageMap decode(final byte[] image, final long sbPfn)
    {
        final ImageMap map = new ImageMap(sbPfn, image.length >>> Pfn.PAGE_SHIFT);
        map.referenced.add(0L);
        map.add(0, Kind.HEADER, FileHeaderDescriptor.LENGTH, List.of(
            new Field("magic", FileHeaderDescriptor.MAGIC_OFFSET, 8, FieldKind.MAGIC),
            new Field("format_version", FileHeaderDescriptor.FORMAT_VERSION_OFFSET, 4, FieldKind.VERSION),
            new Field("page_size", FileHeaderDescriptor.PAGE_SIZE_OFFSET, 4, FieldKind.PAGE_SIZE),
            new Field("file_size", FileHeaderDescriptor.FILE_SIZE_OFFSET, 8, FieldKind.FILE_SIZE),
            new Field("created_millis", FileHeaderDescriptor.CREATED_MILLIS_OFFSET, 8, FieldKind.OTHER),
            new Field("super_block_pfn", FileHeaderDescriptor.SUPER_BLOCK_PFN_OFFSET, 8, FieldKind.PFN)), "header");
        final long sb = Le.page(sbPfn);
        map.add(sbPfn, Kind.SUPER, SuperBlockDescriptor.PKRAM_LENGTH, List.of(
            new Field("magic", SuperBlockDescriptor.MAGIC_OFFSET, 4, FieldKind.MAGIC),
            new Field("pad0", SuperBlockDescriptor.PAD0_OFFSET, 4, FieldKind.PAD),
            new Field("node_pfn", SuperBlockDescriptor.NODE_PFN_OFFSET, 8, FieldKind.PFN),
            new Field("region_list_pfn", SuperBlockDescriptor.REGION_LIST_PFN_OFFSET, 8, FieldKind.PFN),
            new Field("nr_regions", SuperBlockDescriptor.NR_REGIONS_OFFSET, 8, FieldKind.COUNT),
            new Field("format_version", SuperBlockDescriptor.FORMAT_VERSION_OFFSET, 4, FieldKind.VERSION),
            new Field("state", SuperBlockDescriptor.STATE_OFFSET, 4, FieldKind.STATE),
            new Field("file_size", SuperBlockDescriptor.FILE_SIZE_OFFSET, 8, FieldKind.FILE_SIZE),
            new Field("generation", SuperBlockDescriptor.GENERATION_OFFSET, 8, FieldKind.OTHER),
            new Field("preserved_pages", SuperBlockDescriptor.PRESERVED_PAGES_OFFSET, 8, FieldKind.COUNT)),
            "super block");
        long node = Le.u64(image, sb + SuperBlockDescriptor.NODE_PFN_OFFSET);
        while (node != 0)
        {
            final long at = Le.page(node);
            final int nameLength = nameLength(image, at);
            final String fullName = new String(image, (int)(at + NodeDescriptor.NAME_OFFSET), nameLength,
                java.nio.charset.StandardCharsets.UTF_8);
            final String name = fullName.length() > 20 ? fullName.substring(0, 20) + "..." : fullName;
            map.add(node, Kind.NODE, NodeDescriptor.LENGTH, List.of(
                new Field("flags", NodeDescriptor.FLAGS_OFFSET, 4, FieldKind.FLAGS),
                new Field("pad0", NodeDescriptor.PAD0_OFFSET, 4, FieldKind.PAD),
                new Field("obj_pfn", NodeDescriptor.OBJ_PFN_OFFSET, 8, FieldKind.PFN),
                new Field("node_pfn", NodeDescriptor.NODE_PFN_OFFSET, 8, FieldKind.PFN),
                new Field("name", NodeDescriptor.NAME_OFFSET, NodeDescriptor.NAME_MAX, FieldKind.NAME)),
                "node " + name);
            long obj = Le.u64(image, at + NodeDescriptor.OBJ_PFN_OFFSET);
            int objIndex = 0;
            while (obj != 0)
            {
                final long o = Le.page(obj);
                map.add(obj, Kind.OBJ, ObjDescriptor.LENGTH, List.of(
                    new Field("folios_head_link_pfn", ObjDescriptor.FOLIOS_HEAD_LINK_PFN_OFFSET, 8, FieldKind.PFN),
                    new Field("folios_tail_link_pfn", ObjDescriptor.FOLIOS_TAIL_LINK_PFN_OFFSET, 8, FieldKind.PFN),
                    new Field("bytes_head_link_pfn", ObjDescriptor.BYTES_HEAD_LINK_PFN_OFFSET, 8, FieldKind.PFN),
                    new Field("bytes_tail_link_pfn", ObjDescriptor.BYTES_TAIL_LINK_PFN_OFFSET, 8, FieldKind.PFN),
                    new Field("data_len", ObjDescriptor.DATA_LEN_OFFSET, 8, FieldKind.DATA_LEN),
                    new Field("obj_pfn", ObjDescriptor.OBJ_PFN_OFFSET, 8, FieldKind.PFN)),
                    "obj " + objIndex + " of " + name);
                map.decodeLinks(image, Le.u64(image, o + ObjDescriptor.FOLIOS_HEAD_LINK_PFN_OFFSET), Kind.FOLIO_LINK,
                    "folio link of obj " + objIndex + " of " + name);
                map.decodeLinks(image, Le.u64(image, o + ObjDescriptor.BYTES_HEAD_LINK_PFN_OFFSET), Kind.BYTES_LINK,
                    "bytes link of obj " + objIndex + " of " + name);
                obj = Le.u64(image, o + ObjDescriptor.OBJ_PFN_OFFSET);
                objIndex++;
            }
            node = Le.u64(image, at + NodeDescriptor.NODE_PFN_OFFSET);
        }
        long list = Le.u64(image, sb + SuperBlockDescriptor.REGION_LIST_PFN_OFFSET);
        final int state = Le.u32(image, sb + SuperBlockDescriptor.STATE_OFFSET);
        int listIndex = 0;
        while (list != 0 && state != SuperBlockDescriptor.STATE_LIVE)
        {
            final long at = Le.page(list);
            final List<Field> fields = new ArrayList<>();
            fields.add(new Field("prev_pfn", RegionListDescriptor.PREV_PFN_OFFSET, 8, FieldKind.PFN));
            fields.add(new Field("next_pfn", RegionListDescriptor.NEXT_PFN_OFFSET, 8, FieldKind.PFN));
            int used = 0;
            while (used < RegionListDescriptor.REGIONS_MAX &&
                Le.u64(image, at + RegionListDescriptor.regionOffset(used) + 8) != 0)
            {
                used++;
            }
            for (final int i : pick(used, RegionListDescriptor.REGIONS_MAX))
            {
                fields.add(new Field("regions[" + i + "].base", RegionListDescriptor.regionOffset(i), 8,
                    FieldKind.REGION_BASE));
                fields.add(new Field("regions[" + i + "].size", RegionListDescriptor.regionOffset(i) + 8, 8,
                    FieldKind.REGION_SIZE));
            }
            map.add(list, Kind.REGIONS,
                used < RegionListDescriptor.REGIONS_MAX ? RegionListDescriptor.regionOffset(used) : Pfn.PAGE_SIZE, fields, "regions list page " + listIndex++);
            list = Le.u64(image, at + RegionListDescriptor.NEXT_PFN_OFFSET);
        }
        return map;
    }

    private void decodeLinks(final byte[] image, final long head, final Kind kind, final String label)
    {
        long link = head;
        int linkIndex = 0;
        while (link != 0)
        {
            final long at = Le.page(link);
            int used = 0;
            while (used < LinkDescriptor.ENTRIES_MAX && Le.u64(image, at + LinkDescriptor.entryOffset(used)) != 0)
            {
                final long entry = Le.u64(image, at + LinkDescriptor.entryOffset(used));
                dataPfns.add(entry >>> Pfn.PAGE_SHIFT);
                for (long p = 0; p < 1L << (entry & 0x1f); p++)
                {
                    referenced.add((entry >>> Pfn.PAGE_SHIFT) + p);
                }
                used++;
            }
            final List<Field> fields = new ArrayList<>();
            fields.add(new Field("link_pfn", LinkDescriptor.LINK_PFN_OFFSET, 8, FieldKind.PFN));
            fields.add(new Field("index", LinkDescriptor.INDEX_OFFSET, 8, FieldKind.INDEX));
            for (final int i : pick(used, LinkDescriptor.ENTRIES_MAX))
            {
                fields.add(new Field("entry[" + i + "]", LinkDescriptor.entryOffset(i), 8, FieldKind.ENTRY));
            }
            add(link, kind, used == LinkDescriptor.ENTRIES_MAX ? Pfn.PAGE_SIZE : LinkDescriptor.entryOffset(used),
                fields, label + " " + linkIndex++);
            link = Le.u64(image, at + LinkDescriptor.LINK_PFN_OFFSET);
        }
    }

    /**
     * The slots worth aiming at in an array of which {@code used} are populated: the first two, one in
     * the middle, the last used one, and the first unused one.
     */
    private static int[] pick(final int used, final int max)
    {
        final Set<Integer> slots = new java.util.TreeSet<>();
        slots.add(0);
        if (used > 1)
        {
            slots.add(1);
            slots.add(used / 2);
            slots.add(used - 1);
        }
        if (used < max)
        {
            slots.add(used);
        }
        return slots.stream().mapToInt(Integer::intValue).toArray();
    }

    private void add(final long pfn, final Kind kind, final int used, final List<Field> fields, final String label)
    {
        pages.add(new Page(pfn, kind, used, List.copyOf(fields), label));
        referenced.add(pfn);
    }

    static int nameLength(final byte[] image, final long nodeAt)
    {
        for (int i = 0; i < NodeDescriptor.NAME_MAX; i++)
        {
            if (image[(int)(nodeAt + NodeDescriptor.NAME_OFFSET + i)] == 0)
            {
                return i;
            }
        }
        return -1;
    }

    List<Page> pagesOf(final Kind kind)
    {
        return pages.stream().filter(p -> p.kind() == kind).toList();
    }

    /** @return a page no structure references (all zero in a fresh file), or -1. */
    long freePfn()
    {
        for (long pfn = pfnCount - 1; pfn > 0; pfn--)
        {
            if (!referenced.contains(pfn))
            {
                return pfn;
            }
        }
        return -1;
    }
}
