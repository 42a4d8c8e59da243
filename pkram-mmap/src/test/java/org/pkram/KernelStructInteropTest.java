package org.pkram;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pkram.boot.ImageScanner;
import org.pkram.boot.NodeEntry;
import org.pkram.boot.ScanResult;
import org.pkram.layout.EntryCodec;
import org.pkram.layout.LinkDescriptor;
import org.pkram.layout.NodeDescriptor;
import org.pkram.layout.ObjDescriptor;
import org.pkram.layout.Pfn;
import org.pkram.mem.PhysMem;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * DESIGN §2: a C program compiled from the kernel's v3 struct definitions walks an image pkram wrote
 * (super block, nodes, objects, links, pages, regions list) and reads back every figure pkram reads.
 * Needs gcc (on every project machine; .ci/run installs it where missing).
 */
class KernelStructInteropTest
{
    @TempDir
    Path dir;

    @Test
    void shouldBeWalkableByACProgramBuiltFromTheV3Structs() throws Exception
    {
        final Path walker = dir.resolve("pkram_walk");
        run(List.of("gcc", "-std=c11", "-O1", "-Wall", "-Werror", "-o", walker.toString(),
            Path.of("src/test/c/pkram_walk.c").toAbsolutePath().toString()));

        final Path file = Images.format(dir, Images.SMALL);
        final long pfn;
        try (Pkram pk = Images.bootFresh(file, Mode.CRASH_SAFE))
        {
            NodeContent.save(pk, "alpha", 1, 2);
            NodeContent.save(pk, "beta", 2, 1);
            NodeContent.save(pk, "γάμμα", 3, 1);
            pfn = pk.superBlockPfn();
        }
        final String fromC = run(List.of(walker.toString(), file.toString(), Long.toHexString(pfn)));

        final List<String> expected = new ArrayList<>();
        try (PhysMem mem = PhysMem.openReadOnly(file))
        {
            final ScanResult scan = ImageScanner.scan(mem, pfn);
            for (final NodeEntry node : scan.nodes())
            {
                expected.add("node " + node.name() + " objs=" + node.objs() + " folios=" + node.folios() + " pages=" +
                    node.folioPages() + " bytes=" + node.dataLen() + " sum=" + Long.toHexString(sum(mem, node.pfn())));
            }
            long regionPages = 0;
            for (final long[] region : scan.regions())
            {
                regionPages += region[1] - region[0];
            }
            expected.add("regions=" + scan.regions().size() + " pages=" + regionPages);
        }
        assertEquals(String.join("\n", expected), fromC.strip());
    }

    /** The same sum the C walker computes: first 8 bytes of every folio page and byte-stream page. */
    private static long sum(final PhysMem mem, final long nodePfn)
    {
        long sum = 0;
        long obj = NodeDescriptor.objPfn(mem.page(nodePfn));
        while (obj != 0)
        {
            for (final long head : new long[] {ObjDescriptor.foliosHeadLinkPfn(mem.page(obj)),
                ObjDescriptor.bytesHeadLinkPfn(mem.page(obj))})
            {
                long link = head;
                while (link != 0)
                {
                    for (int i = 0; i < LinkDescriptor.ENTRIES_MAX; i++)
                    {
                        final long entry = LinkDescriptor.entry(mem.page(link), i);
                        if (entry == 0)
                        {
                            break;
                        }
                        for (int k = 0; k < Pfn.pageCount(EntryCodec.order(entry)); k++)
                        {
                            sum += mem.page(EntryCodec.pfn(entry) + k).getLong(0);
                        }
                    }
                    link = LinkDescriptor.linkPfn(mem.page(link));
                }
            }
            obj = ObjDescriptor.objPfn(mem.page(obj));
        }
        return sum;
    }

    private static String run(final List<String> command) throws Exception
    {
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        final String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS))
        {
            process.destroyForcibly();
            throw new AssertionError("timed out: " + command);
        }
        assertEquals(0, process.exitValue(), command + ": " + out);
        return out;
    }
}
