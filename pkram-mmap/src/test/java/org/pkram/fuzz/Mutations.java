package org.pkram.fuzz;

import org.pkram.fuzz.FuzzSeeds.Seed;
import org.pkram.fuzz.ImageMap.Field;
import org.pkram.fuzz.ImageMap.FieldKind;
import org.pkram.fuzz.ImageMap.Kind;
import org.pkram.fuzz.ImageMap.Page;
import org.pkram.layout.FileHeaderDescriptor;
import org.pkram.layout.NodeDescriptor;
import org.pkram.layout.Pfn;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The mutations of a seed image: an exhaustive, deterministic list of targeted ones (every field of
 * every structure set to each hostile value of its kind, names, reserved bytes, whole pages swapped,
 * copied or zeroed, the file truncated or grown, another {@code pkram=}), and random ones (bit flips in
 * metadata pages, random field values, combinations).
 */
final class Mutations
{
    private static final long MAX_PHYS_PFN = (1L << 52) - 1;

    /** Rebuild the regions list to match the mutated chain, so that only the chain walk can tell. */
    static final Mutation RESEAL = new Mutation("regions list rebuilt to match",
        i -> Reseal.reseal(i.bytes, i.requested));

    private Mutations()
    {
    }

    // ------------------------------------------------------------------------------------------------
    // Targeted

    static List<Mutation> targeted(final Seed seed)
    {
        final ImageMap map = seed.map();
        final byte[] image = seed.image();
        final List<Mutation> out = new ArrayList<>();
        out.add(new Mutation("nothing changed", i -> { }));
        for (int p = 0; p < map.pages.size(); p++)
        {
            final Page page = map.pages.get(p);
            for (final Field field : page.fields())
            {
                if (field.kind() == FieldKind.NAME)
                {
                    out.addAll(nameMutations(map, page, image));
                    continue;
                }
                final long current = read(image, page, field);
                for (final long value : values(map, p, field, current, image))
                {
                    if (value != current || field.kind() == FieldKind.OTHER)
                    {
                        out.add(set(page, field, value));
                    }
                }
            }
            if (page.used() < Pfn.PAGE_SIZE)
            {
                out.add(setByte(page, page.used(), 1, "first reserved byte"));
                out.add(setByte(page, Pfn.PAGE_SIZE - 1, 0x80, "last byte"));
            }
            if (page.kind() != Kind.HEADER)
            {
                out.add(zeroPage(page));
                final Page next = map.pages.get((p + 1) % map.pages.size());
                if (next.kind() != Kind.HEADER && next != page)
                {
                    out.add(swapPages(page, next));
                    out.add(copyPage(page, next));
                }
            }
        }
        if (!map.pagesOf(Kind.REGIONS).isEmpty())
        {
            // The same damage to the chain with the regions list made to agree: only the walk can tell.
            final List<Mutation> chain = new ArrayList<>();
            for (final Mutation mutation : out)
            {
                if (mutation.description().startsWith("node ") || mutation.description().startsWith("obj ") ||
                    mutation.description().contains(" link "))
                {
                    chain.add(Mutation.of(List.of(mutation, RESEAL)));
                }
            }
            out.addAll(chain);
        }
        out.addAll(sizeMutations(seed));
        out.addAll(requestMutations(seed));
        return out;
    }

    /** The hostile values for one field; the same for a given image, in a fixed order. */
    static long[] values(final ImageMap map, final int pageIndex, final Field field, final long v, final byte[] image)
    {
        final Page page = map.pages.get(pageIndex);
        final long pfnCount = map.pfnCount;
        final long fileSize = pfnCount << Pfn.PAGE_SHIFT;
        final Set<Long> values = new LinkedHashSet<>();
        switch (field.kind())
        {
            case PFN ->
            {
                values.add(0L);
                values.add(v + 1);
                values.add(v - 1);
                values.add(page.pfn()); // a cycle through itself
                values.add(map.sbPfn);
                values.add(map.pages.get(Math.max(1, pageIndex - 1)).pfn()); // usually a cycle back
                values.add(map.pages.get(1 + (pageIndex + map.pages.size() / 2) % (map.pages.size() - 1)).pfn());
                if (!map.dataPfns.isEmpty())
                {
                    values.add(map.dataPfns.get(0));
                    values.add(map.dataPfns.get(map.dataPfns.size() - 1));
                }
                values.add(map.freePfn());
                values.add(pfnCount);
                values.add(pfnCount - 1);
                values.add(1L);
                values.add(MAX_PHYS_PFN);
                values.add(-1L);
                values.add(Long.MIN_VALUE);
            }
            case ENTRY ->
            {
                final long pfn = v >>> Pfn.PAGE_SHIFT;
                final int order = (int)(v & 0x1f);
                values.add(0L);
                values.add(v + 1); // order + 1: misaligned, or past a neighbour
                if (order > 0)
                {
                    values.add(v - 1); // a smaller folio: its other pages lose their owner
                    values.add(entry(pfn + 1, order)); // misaligned
                }
                else
                {
                    values.add(entry(pfn | 1, 1)); // misaligned, or overlapping
                }
                values.add(entry(pfn, 11));
                values.add(entry(pfn, 31));
                values.add(v | 1L << 5);
                values.add(v | 0x40L << 5);
                values.add(entry(page.pfn(), 0)); // the link itself
                values.add(entry(map.sbPfn, 0));
                values.add(entry(map.pages.get(pageIndex - 1).pfn(), 0));
                if (!map.dataPfns.isEmpty())
                {
                    values.add(entry(map.dataPfns.get(0), 0));
                }
                values.add(entry(map.freePfn(), 0));
                values.add(entry(pfnCount, 0));
                values.add(entry(pfnCount - 1, 1));
                values.add(entry(MAX_PHYS_PFN, 0));
                values.add(3L); // pfn 0, order 3
                values.add(-1L);
            }
            case REGION_BASE ->
            {
                values.add(0L);
                values.add(v + Pfn.PAGE_SIZE);
                values.add(v - Pfn.PAGE_SIZE);
                values.add(v + 1);
                values.add(fileSize);
                values.add(0x7FFF_FFFF_FFFF_F000L); // base + size overflows
                values.add(-(long)Pfn.PAGE_SIZE);
                values.add(Long.MIN_VALUE);
            }
            case REGION_SIZE ->
            {
                values.add(0L);
                values.add(v + Pfn.PAGE_SIZE);
                values.add(v - Pfn.PAGE_SIZE);
                values.add(v + 1);
                values.add(fileSize);
                values.add(0x7FFF_FFFF_FFFF_F000L); // base + size overflows
                values.add(Long.MAX_VALUE);
                values.add(-1L);
                values.add(-(long)Pfn.PAGE_SIZE);
            }
            case COUNT ->
            {
                values.add(0L);
                values.add(v + 1);
                values.add(v - 1);
                values.add(v + 255);
                values.add(1L);
                values.add(-1L);
                values.add(Long.MAX_VALUE);
                values.add(Long.MIN_VALUE);
            }
            case DATA_LEN ->
            {
                values.add(0L);
                values.add(v + 1);
                values.add(v - 1);
                values.add(v + Pfn.PAGE_SIZE);
                values.add(v - Pfn.PAGE_SIZE);
                values.add(1L << 40);
                values.add(Long.MAX_VALUE);
                values.add(Long.MAX_VALUE - 4094); // rounding up to pages overflows
                values.add(-1L);
                values.add(Long.MIN_VALUE);
            }
            case INDEX ->
            {
                values.add(0L);
                values.add(v + 1);
                values.add(-1L);
                values.add(Long.MIN_VALUE);
            }
            case FLAGS, STATE ->
            {
                for (long f = 0; f <= 5; f++)
                {
                    values.add(f);
                }
                values.add(0x8000_0000L);
                values.add(0xFFFF_FFFFL);
            }
            case MAGIC ->
            {
                values.add(0L);
                values.add(v ^ 1);
                values.add(~v);
                values.add(Long.reverseBytes(v) >>> (field.width() == 4 ? 32 : 0)); // wrong byte order
            }
            case VERSION ->
            {
                values.add(0L);
                values.add(2L);
                values.add(0x8000_0000L);
                values.add(0xFFFF_FFFFL);
            }
            case PAGE_SIZE ->
            {
                values.add(0L);
                values.add(8192L);
                values.add(4095L);
                values.add(0xFFFF_F000L);
            }
            case FILE_SIZE ->
            {
                values.add(0L);
                values.add(v + Pfn.PAGE_SIZE);
                values.add(v - Pfn.PAGE_SIZE);
                values.add(v + 1);
                values.add(v * 2);
                values.add((long)Pfn.PAGE_SIZE);
                values.add(4L * Pfn.PAGE_SIZE);
                values.add(-1L);
                values.add(Long.MIN_VALUE);
            }
            case PAD ->
            {
                values.add(1L);
                values.add(0x8000_0000L);
                values.add(0xFFFF_FFFFL);
            }
            case OTHER ->
            {
                values.add(0L);
                values.add(v + 1);
                values.add(-1L);
            }
            case NAME -> throw new IllegalArgumentException("names have mutations of their own");
        }
        return values.stream().mapToLong(Long::longValue).toArray();
    }

    static List<Mutation> nameMutations(final ImageMap map, final Page node, final byte[] image)
    {
        final long at = Le.page(node.pfn()) + NodeDescriptor.NAME_OFFSET;
        final int length = ImageMap.nameLength(image, Le.page(node.pfn()));
        final List<Mutation> out = new ArrayList<>();
        final byte[] full = new byte[NodeDescriptor.NAME_MAX];
        Arrays.fill(full, (byte)'A');
        out.add(putBytes(node, at, full, "name without NUL ('A' x 256)"));
        final byte[] noisy = new byte[NodeDescriptor.NAME_MAX];
        for (int i = 0; i < noisy.length; i++)
        {
            noisy[i] = (byte)(1 + i % 255);
        }
        out.add(putBytes(node, at, noisy, "name without NUL (bytes 1..255)"));
        final byte[] longest = new byte[NodeDescriptor.NAME_MAX];
        Arrays.fill(longest, 0, NodeDescriptor.NAME_MAX - 1, (byte)'z');
        out.add(putBytes(node, at, longest, "name of 255 bytes"));
        out.add(putBytes(node, at, new byte[NodeDescriptor.NAME_MAX], "empty name"));
        out.add(putBytes(node, at, field(new byte[] {'a', 'b', 0, 'c', 'd', 0}), "name with bytes after its NUL"));
        out.add(putBytes(node, at, field(new byte[] {(byte)0xC3, 0x28, 0}), "name not UTF-8 (C3 28)"));
        out.add(putBytes(node, at, field(new byte[] {(byte)0xFF, 0}), "name not UTF-8 (FF)"));
        out.add(putBytes(node, at, field(new byte[] {(byte)0xFE, 0}), "name not UTF-8 (FE)"));
        out.add(putBytes(node, at, field(new byte[] {(byte)0xED, (byte)0xA0, (byte)0x80, 0}), "name is a UTF-16 surrogate"));
        if (length + 1 < NodeDescriptor.NAME_MAX)
        {
            out.add(setByte(node, NodeDescriptor.NAME_OFFSET + length + 1, 'x', "byte after the name's NUL"));
        }
        out.add(setByte(node, NodeDescriptor.LENGTH, 'x', "byte after the name field"));
        for (final Page other : map.pagesOf(Kind.NODE))
        {
            if (other != node)
            {
                final byte[] name = Arrays.copyOfRange(image, (int)(Le.page(other.pfn()) + NodeDescriptor.NAME_OFFSET),
                    (int)(Le.page(other.pfn()) + NodeDescriptor.NAME_OFFSET + NodeDescriptor.NAME_MAX));
                out.add(putBytes(node, at, name, "name copied from " + other.label() + " (duplicate)"));
                break;
            }
        }
        return out;
    }

    /** @return the 256 bytes of a name field starting with {@code bytes}, zero after them. */
    private static byte[] field(final byte[] bytes)
    {
        return Arrays.copyOf(bytes, NodeDescriptor.NAME_MAX);
    }

    static List<Mutation> sizeMutations(final Seed seed)
    {
        final int length = seed.image().length;
        final List<Mutation> out = new ArrayList<>();
        for (final long to : new long[] {0, 100, Pfn.PAGE_SIZE, 3L * Pfn.PAGE_SIZE, 4L * Pfn.PAGE_SIZE,
            (length / 2) & ~(Pfn.PAGE_SIZE - 1), length - Pfn.PAGE_SIZE, length - 4095, length - 1,
            (seed.sbPfn() + 1) * Pfn.PAGE_SIZE, seed.sbPfn() * Pfn.PAGE_SIZE + 100})
        {
            if (to >= 0 && to < length)
            {
                out.add(resize(to));
            }
        }
        for (final long to : new long[] {length + 1L, length + 4095L, length + 4096L, length + 65536L, 2L * length})
        {
            out.add(resize(to));
        }
        // Truncated, and the header made to agree: only the super block and the pfns can tell.
        final long half = (length / 2) & ~(Pfn.PAGE_SIZE - 1);
        out.add(Mutation.of(List.of(resize(half), new Mutation("header.file_size = 0x" + Long.toHexString(half),
            i -> Le.put64(i.bytes, FileHeaderDescriptor.FILE_SIZE_OFFSET, half)))));
        return out;
    }

    static List<Mutation> requestMutations(final Seed seed)
    {
        final ImageMap map = seed.map();
        final List<Mutation> out = new ArrayList<>();
        for (final long pfn : new long[] {seed.sbPfn() + 1, seed.sbPfn() - 1, map.pfnCount, map.pfnCount - 1,
            1L << 40, Long.MAX_VALUE})
        {
            if (pfn > 0)
            {
                out.add(new Mutation("pkram=0x" + Long.toHexString(pfn), i -> i.requested = pfn));
            }
        }
        // Header and pkram= agree on another page: a node, a data page, a free (zero) page.
        final List<Long> others = new ArrayList<>();
        map.pagesOf(Kind.NODE).stream().findFirst().ifPresent(p -> others.add(p.pfn()));
        map.pagesOf(Kind.REGIONS).stream().findFirst().ifPresent(p -> others.add(p.pfn()));
        if (!map.dataPfns.isEmpty())
        {
            others.add(map.dataPfns.get(0));
        }
        others.add(map.freePfn());
        for (final long pfn : others)
        {
            out.add(new Mutation("header.super_block_pfn = pkram= = 0x" + Long.toHexString(pfn), i ->
            {
                Le.put64(i.bytes, FileHeaderDescriptor.SUPER_BLOCK_PFN_OFFSET, pfn);
                i.requested = pfn;
            }));
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------------
    // Random

    static Mutation random(final Seed seed, final SplittableRandom rng)
    {
        final int count = rng.nextInt(10) < 7 ? 1 : 2 + rng.nextInt(2);
        final List<Mutation> parts = new ArrayList<>();
        for (int i = 0; i < count; i++)
        {
            parts.add(randomOne(seed, rng));
        }
        if (seed.map().pagesOf(Kind.REGIONS).size() > 0 && rng.nextInt(3) == 0)
        {
            parts.add(RESEAL);
        }
        if (rng.nextInt(40) == 0)
        {
            final List<Mutation> sizes = sizeMutations(seed);
            parts.add(sizes.get(rng.nextInt(sizes.size())));
        }
        return Mutation.of(parts);
    }

    private static Mutation randomOne(final Seed seed, final SplittableRandom rng)
    {
        final ImageMap map = seed.map();
        final int pick = rng.nextInt(100);
        final int pageIndex = rng.nextInt(map.pages.size());
        final Page page = map.pages.get(pageIndex);
        if (pick < 40)
        {
            return bitFlips(map, rng);
        }
        if (pick < 65)
        {
            final Field field = page.fields().get(rng.nextInt(page.fields().size()));
            if (field.kind() == FieldKind.NAME)
            {
                final List<Mutation> names = nameMutations(map, page, seed.image());
                return names.get(rng.nextInt(names.size()));
            }
            final long[] values = values(map, pageIndex, field, read(seed.image(), page, field), seed.image());
            final long value = rng.nextInt(8) == 0 ? rng.nextLong() : values[rng.nextInt(values.length)];
            return set(page, field, value);
        }
        if (pick < 75)
        {
            // Random bytes over a random stretch of a structure.
            final int from = rng.nextInt(Math.max(1, page.used()));
            final int length = 1 + rng.nextInt(Math.min(16, Pfn.PAGE_SIZE - from));
            final byte[] bytes = new byte[length];
            rng.nextBytes(bytes);
            return putBytes(page, Le.page(page.pfn()) + from, bytes, length + " random bytes at +" + from);
        }
        if (pick < 85 && page.kind() != Kind.HEADER)
        {
            final Page other = map.pages.get(1 + rng.nextInt(map.pages.size() - 1));
            if (other == page)
            {
                return zeroPage(page);
            }
            return switch (rng.nextInt(3))
            {
                case 0 -> swapPages(page, other);
                case 1 -> copyPage(page, other);
                default -> copyPage(other, page);
            };
        }
        if (pick < 92 && !map.dataPfns.isEmpty())
        {
            // Data pages are not validated: flipping their bits must change nothing about booting.
            final long pfn = map.dataPfns.get(rng.nextInt(map.dataPfns.size()));
            final int bit = rng.nextInt(Pfn.PAGE_SIZE * 8);
            return new Mutation("data page 0x" + Long.toHexString(pfn) + " bit " + bit,
                i -> flip(i.bytes, Le.page(pfn) + bit / 8, bit % 8));
        }
        if (pick < 96)
        {
            final List<Mutation> requests = requestMutations(seed);
            return requests.get(rng.nextInt(requests.size()));
        }
        return bitFlips(map, rng);
    }

    private static Mutation bitFlips(final ImageMap map, final SplittableRandom rng)
    {
        final int flips = 1 + rng.nextInt(8);
        final long[] offsets = new long[flips];
        final int[] bits = new int[flips];
        final StringBuilder description = new StringBuilder(flips + " bit flips:");
        Page page = map.pages.get(rng.nextInt(map.pages.size()));
        for (int k = 0; k < flips; k++)
        {
            if (rng.nextInt(4) == 0)
            {
                page = map.pages.get(rng.nextInt(map.pages.size()));
            }
            final int within = rng.nextInt(5) == 0 ? rng.nextInt(Pfn.PAGE_SIZE) : rng.nextInt(Math.max(8, page.used()));
            offsets[k] = Le.page(page.pfn()) + within;
            bits[k] = rng.nextInt(8);
            description.append(' ').append(page.label()).append(" (0x").append(Long.toHexString(page.pfn()))
                .append(")+").append(within).append('.').append(bits[k]);
        }
        return new Mutation(description.toString(), i ->
        {
            for (int k = 0; k < flips; k++)
            {
                flip(i.bytes, offsets[k], bits[k]);
            }
        });
    }

    // ------------------------------------------------------------------------------------------------
    // Primitive edits

    static long entry(final long pfn, final int order)
    {
        return pfn << Pfn.PAGE_SHIFT | order;
    }

    static long read(final byte[] image, final Page page, final Field field)
    {
        return field.width() == 8 ? Le.u64(image, page.offset(field)) :
            Integer.toUnsignedLong(Le.u32(image, page.offset(field)));
    }

    static Mutation set(final Page page, final Field field, final long value)
    {
        final long offset = page.offset(field);
        return new Mutation(page.label() + " (0x" + Long.toHexString(page.pfn()) + ")." + field.name() + " = 0x" +
            Long.toHexString(field.width() == 8 ? value : value & 0xFFFF_FFFFL), i ->
        {
            if (offset + field.width() <= i.bytes.length)
            {
                if (field.width() == 8)
                {
                    Le.put64(i.bytes, offset, value);
                }
                else
                {
                    Le.put32(i.bytes, offset, (int)value);
                }
            }
        });
    }

    static Mutation setByte(final Page page, final int within, final int value, final String what)
    {
        final long offset = Le.page(page.pfn()) + within;
        return new Mutation(page.label() + " (0x" + Long.toHexString(page.pfn()) + "): " + what + " +" + within +
            " = 0x" + Integer.toHexString(value), i ->
        {
            if (offset < i.bytes.length)
            {
                i.bytes[(int)offset] = (byte)value;
            }
        });
    }

    static Mutation putBytes(final Page page, final long offset, final byte[] bytes, final String what)
    {
        return new Mutation(page.label() + " (0x" + Long.toHexString(page.pfn()) + "): " + what, i ->
        {
            if (offset + bytes.length <= i.bytes.length)
            {
                System.arraycopy(bytes, 0, i.bytes, (int)offset, bytes.length);
            }
        });
    }

    static Mutation zeroPage(final Page page)
    {
        final long offset = Le.page(page.pfn());
        return new Mutation("zero " + page.label() + " (0x" + Long.toHexString(page.pfn()) + ")", i ->
        {
            if (offset + Pfn.PAGE_SIZE <= i.bytes.length)
            {
                Arrays.fill(i.bytes, (int)offset, (int)offset + Pfn.PAGE_SIZE, (byte)0);
            }
        });
    }

    static Mutation swapPages(final Page a, final Page b)
    {
        final long x = Le.page(a.pfn());
        final long y = Le.page(b.pfn());
        return new Mutation("swap " + a.label() + " (0x" + Long.toHexString(a.pfn()) + ") and " + b.label() +
            " (0x" + Long.toHexString(b.pfn()) + ")", i ->
        {
            if (Math.max(x, y) + Pfn.PAGE_SIZE <= i.bytes.length)
            {
                final byte[] tmp = Arrays.copyOfRange(i.bytes, (int)x, (int)x + Pfn.PAGE_SIZE);
                System.arraycopy(i.bytes, (int)y, i.bytes, (int)x, Pfn.PAGE_SIZE);
                System.arraycopy(tmp, 0, i.bytes, (int)y, Pfn.PAGE_SIZE);
            }
        });
    }

    static Mutation copyPage(final Page from, final Page to)
    {
        final long x = Le.page(from.pfn());
        final long y = Le.page(to.pfn());
        return new Mutation("copy " + from.label() + " (0x" + Long.toHexString(from.pfn()) + ") over " + to.label() +
            " (0x" + Long.toHexString(to.pfn()) + ")", i ->
        {
            if (Math.max(x, y) + Pfn.PAGE_SIZE <= i.bytes.length)
            {
                System.arraycopy(i.bytes, (int)x, i.bytes, (int)y, Pfn.PAGE_SIZE);
            }
        });
    }

    static Mutation resize(final long to)
    {
        return new Mutation("file resized to " + to + " bytes", i -> i.bytes = Arrays.copyOf(i.bytes, (int)to));
    }

    private static void flip(final byte[] bytes, final long offset, final int bit)
    {
        if (offset < bytes.length)
        {
            bytes[(int)offset] ^= (byte)(1 << bit);
        }
    }
}
