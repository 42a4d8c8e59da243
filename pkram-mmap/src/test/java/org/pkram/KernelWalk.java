package org.pkram;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The output of the C walker ({@code src/test/c/pkram_walk.c}) parsed into its structures, field by
 * field, as the C program read them through the kernel's v3 structs. Nothing here is read from the memory
 * file by Java.
 */
final class KernelWalk
{
    record Sb(long pfn, long magic, long pad, long nodePfn, long regionListPfn, long nrRegions)
    {
    }

    record Entry(long pfn, int order, int flags, String fnv)
    {
    }

    record Bytes(long pages, long len, long fnv, long tail)
    {
    }

    record Region(long base, long size)
    {
    }

    static final class Link
    {
        long pfn;
        String kind;
        long linkPfn;
        long index;
        long entryCount;
        long stray;
        final List<Entry> entries = new ArrayList<>();
    }

    static final class Obj
    {
        long pfn;
        long foliosHead;
        long foliosTail;
        long bytesHead;
        long bytesTail;
        long dataLen;
        long objPfn;
        long rest;
        final List<Link> folioLinks = new ArrayList<>();
        final List<Link> byteLinks = new ArrayList<>();
        Bytes bytes;
    }

    static final class Node
    {
        long pfn;
        long flags;
        long pad;
        long objPfn;
        long nodePfn;
        String nameTail;
        long rest;
        String name;
        final List<Obj> objs = new ArrayList<>();
    }

    static final class RegionsPage
    {
        long pfn;
        long prevPfn;
        long nextPfn;
        long used;
        long rest;
        final List<Region> regions = new ArrayList<>();
    }

    Sb sb;
    final List<Node> nodes = new ArrayList<>();
    final List<RegionsPage> regionsPages = new ArrayList<>();

    /**
     * @param output what the walker printed.
     * @return the walk; fails on a line the format does not have, or a missing {@code end}.
     */
    static KernelWalk parse(final String output)
    {
        final KernelWalk walk = new KernelWalk();
        Node node = null;
        Obj obj = null;
        Link link = null;
        RegionsPage regions = null;
        boolean end = false;
        for (final String line : output.split("\n"))
        {
            if (end)
            {
                throw new AssertionError("walker printed after end: " + line);
            }
            final String kind = line.substring(0, Math.max(0, line.indexOf(' ')));
            final Map<String, String> f = fields(line);
            switch (line.equals("end") ? "end" : kind)
            {
                case "sb" -> walk.sb = new Sb(hex(f, "pfn"), hex(f, "magic"), hex(f, "pad"), hex(f, "node_pfn"),
                    hex(f, "region_list_pfn"), hex(f, "nr_regions"));
                case "node" ->
                {
                    node = new Node();
                    node.pfn = hex(f, "pfn");
                    node.flags = hex(f, "flags");
                    node.pad = hex(f, "pad");
                    node.objPfn = hex(f, "obj_pfn");
                    node.nodePfn = hex(f, "node_pfn");
                    node.nameTail = f.get("name_tail");
                    node.rest = hex(f, "rest");
                    node.name = line.substring(line.indexOf(" name=") + " name=".length());
                    walk.nodes.add(node);
                }
                case "obj" ->
                {
                    obj = new Obj();
                    obj.pfn = hex(f, "pfn");
                    obj.foliosHead = hex(f, "folios_head");
                    obj.foliosTail = hex(f, "folios_tail");
                    obj.bytesHead = hex(f, "bytes_head");
                    obj.bytesTail = hex(f, "bytes_tail");
                    obj.dataLen = hex(f, "data_len");
                    obj.objPfn = hex(f, "obj_pfn");
                    obj.rest = hex(f, "rest");
                    require(node, line).objs.add(obj);
                }
                case "link" ->
                {
                    link = new Link();
                    link.pfn = hex(f, "pfn");
                    link.kind = f.get("kind");
                    link.linkPfn = hex(f, "link_pfn");
                    link.index = hex(f, "index");
                    link.entryCount = hex(f, "entries");
                    link.stray = hex(f, "stray");
                    (link.kind.equals("folios") ? require(obj, line).folioLinks : require(obj, line).byteLinks)
                        .add(link);
                }
                case "entry" -> require(link, line).entries.add(new Entry(hex(f, "pfn"), (int)hex(f, "order"),
                    (int)hex(f, "flags"), f.get("fnv")));
                case "bytes" -> require(obj, line).bytes = new Bytes(hex(f, "pages"), hex(f, "len"), hex(f, "fnv"),
                    hex(f, "tail"));
                case "regions" ->
                {
                    regions = new RegionsPage();
                    regions.pfn = hex(f, "pfn");
                    regions.prevPfn = hex(f, "prev_pfn");
                    regions.nextPfn = hex(f, "next_pfn");
                    regions.used = hex(f, "used");
                    regions.rest = hex(f, "rest");
                    walk.regionsPages.add(regions);
                }
                case "region" -> require(regions, line).regions.add(new Region(hex(f, "base"), hex(f, "size")));
                case "end" -> end = true;
                default -> throw new AssertionError("walker printed an unknown line: " + line);
            }
        }
        if (!end || walk.sb == null)
        {
            throw new AssertionError("walker output is incomplete:\n" + output);
        }
        return walk;
    }

    private static <T> T require(final T parent, final String line)
    {
        if (parent == null)
        {
            throw new AssertionError("walker printed a line outside its parent: " + line);
        }
        return parent;
    }

    /** {@code key=value} tokens up to {@code name=} (a node's name is the rest of its line). */
    private static Map<String, String> fields(final String line)
    {
        final Map<String, String> fields = new HashMap<>();
        final int nameAt = line.indexOf(" name=");
        final String head = nameAt >= 0 ? line.substring(0, nameAt) : line;
        for (final String token : head.split(" "))
        {
            final int eq = token.indexOf('=');
            if (eq > 0)
            {
                fields.put(token.substring(0, eq), token.substring(eq + 1));
            }
        }
        return fields;
    }

    private static long hex(final Map<String, String> fields, final String key)
    {
        final String value = fields.get(key);
        if (value == null)
        {
            throw new AssertionError("walker line has no field " + key + ": " + fields);
        }
        return Long.parseUnsignedLong(value, 16);
    }
}
