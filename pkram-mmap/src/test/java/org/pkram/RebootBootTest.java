package org.pkram;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.pkram.boot.ImageScanner;
import org.pkram.boot.PageBitmap;
import org.pkram.boot.PfnFile;
import org.pkram.boot.ScanResult;
import org.pkram.error.CorruptImageException;
import org.pkram.error.Errno;
import org.pkram.error.InvalidSuperBlockException;
import org.pkram.error.NodeBusyException;
import org.pkram.error.OutOfPagesException;
import org.pkram.layout.NodeDescriptor;
import org.pkram.layout.Pfn;
import org.pkram.layout.RegionListDescriptor;
import org.pkram.layout.SuperBlockDescriptor;
import org.pkram.mem.PhysMem;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.pkram.testing.Digests.sha256;

class RebootBootTest
{
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(Mode.class)
    void shouldGetEveryNodeBackInPlaceAfterAnOrderlyReboot(final Mode mode)
    {
        final Path file = Images.format(dir, Images.SMALL);
        final long pfn;
        try (Pkram pk = Images.bootFresh(file, mode))
        {
            for (int n = 0; n < 3; n++)
            {
                NodeContent.save(pk, "n" + n, n, 4);
            }
            pfn = pk.superBlockPfn();
        }
        assertEquals(pfn, PfnFile.read(PfnFile.of(file)).getAsLong(), "pfn file exports the super block");
        try (Pkram pk = Images.boot(file, pfn, mode))
        {
            assertEquals(pfn, pk.superBlockPfn(), "an inherited super block page is reused");
            assertEquals(List.of("n0", "n1", "n2"), pk.nodeNames().stream().sorted().toList());
            for (int n = 0; n < 3; n++)
            {
                assertNull(NodeContent.loadAndVerify(pk, "n" + n, n));
            }
        }
    }

    @Test
    void shouldBuildARegionsListThatEqualsTheWalkAndFreeItAtBoot()
    {
        final Path file = Images.format(dir, Images.SMALL);
        final long pfn;
        try (Pkram pk = Images.bootFresh(file, Mode.CRASH_SAFE))
        {
            NodeContent.save(pk, "a", 1, 8);
            NodeContent.save(pk, "b", 2, 3);
            pfn = pk.superBlockPfn();
        }
        final long listPages;
        try (PhysMem mem = PhysMem.openReadOnly(file))
        {
            final ScanResult scan = ImageScanner.scan(mem, pfn);
            final UnsafeBuffer sb = mem.page(pfn);
            assertEquals(SuperBlockDescriptor.STATE_SEALED, SuperBlockDescriptor.state(sb));
            // The regions list, read on its own, gives exactly the walk's set.
            final PageBitmap fromRegions = new PageBitmap(mem.pfnCount());
            long page = SuperBlockDescriptor.regionListPfn(sb);
            long remaining = SuperBlockDescriptor.nrRegions(sb);
            long lastEnd = -1;
            long lastPopulated = 0;
            while (page != 0 && remaining > 0)
            {
                final UnsafeBuffer list = mem.page(page);
                for (int i = 0; i < RegionListDescriptor.REGIONS_MAX && remaining > 0; i++, remaining--)
                {
                    final long base = RegionListDescriptor.regionBase(list, i);
                    final long size = RegionListDescriptor.regionSize(list, i);
                    assertTrue(base > lastEnd, "ascending and maximal (never adjacent)");
                    lastEnd = base + size;
                    for (long p = Pfn.fromAddr(base); p < Pfn.fromAddr(base + size); p++)
                    {
                        fromRegions.set(p);
                    }
                    lastPopulated = page;
                }
                page = RegionListDescriptor.nextPfn(list);
            }
            assertEquals(lastPopulated, RegionListDescriptor.prevPfn(mem.page(SuperBlockDescriptor.regionListPfn(sb))));
            assertEquals(scan.pages(), fromRegions);
            assertTrue(fromRegions.get(pfn), "the super block page is preserved");
            for (final long listPfn : scan.regionListPfns())
            {
                assertTrue(fromRegions.get(listPfn), "the list pages cover themselves");
            }
            listPages = scan.regionListPfns().length;
            assertEquals(scan.pages().cardinality(), SuperBlockDescriptor.preservedPages(sb));
        }
        try (Pkram pk = Images.boot(file, pfn, Mode.CRASH_SAFE))
        {
            final long preserved;
            try (PhysMem ignored = null)
            {
                preserved = pk.pageCounts().reserved();
            }
            // pkram_cleanup: the list pages went back to the allocator at boot.
            assertTrue(listPages >= 1);
            assertEquals(SuperBlockDescriptor.STATE_LIVE, SuperBlockDescriptor.state(pk.mem().page(pfn)));
            assertEquals(0, SuperBlockDescriptor.regionListPfn(pk.mem().page(pfn)));
            assertTrue(preserved > 0);
        }
    }

    @Test
    void shouldLeaveTheSuperBlockAllZeroWhenNothingIsPreserved() throws Exception
    {
        final Path file = Images.format(dir, Images.SMALL);
        final long pfn;
        try (Pkram pk = Images.bootFresh(file, Mode.CRASH_SAFE))
        {
            NodeContent.save(pk, "gone", 1, 1);
            assertNull(NodeContent.loadAndVerify(pk, "gone", 1));
            pfn = pk.superBlockPfn();
        }
        try (PhysMem mem = PhysMem.openReadOnly(file))
        {
            final UnsafeBuffer sb = mem.page(pfn);
            for (int i = 0; i < Pfn.PAGE_SIZE; i += 8)
            {
                assertEquals(0, sb.getLong(i), "byte " + i);
            }
        }
        try (Pkram pk = Images.boot(file, pfn, Mode.CRASH_SAFE))
        {
            assertEquals(List.of(), pk.nodeNames());
        }
    }

    @Test
    void shouldRefuseToBootAKernelFaithfulImageTwiceWithoutAReboot() throws Exception
    {
        final Path file = Images.format(dir, Images.SMALL);
        final long pfn;
        try (Pkram pk = Images.bootFresh(file, Mode.KERNEL_FAITHFUL))
        {
            NodeContent.save(pk, "k", 1, 1);
            pfn = pk.superBlockPfn();
        }
        final Pkram first = Images.boot(file, pfn, Mode.KERNEL_FAITHFUL);
        // The process "dies" here: no reboot. Simulate by unmapping without rebooting.
        first.mem().close();
        final String before = sha256(file);
        final InvalidSuperBlockException ex = assertThrows(InvalidSuperBlockException.class,
            () -> Images.boot(file, pfn, Mode.KERNEL_FAITHFUL));
        assertEquals(Errno.EINVAL, ex.errno());
        assertTrue(ex.getMessage().contains("consumed by boot generation 2"), ex.getMessage());
        assertTrue(ex.getMessage().contains("no orderly reboot"), ex.getMessage());
        assertEquals(before, sha256(file), "a refused boot changes no byte");
    }

    @Test
    void shouldRefuseAStaleSuperBlockAfterAFreshBoot() throws Exception
    {
        final Path file = Images.format(dir, Images.SMALL);
        final long old;
        try (Pkram pk = Images.bootFresh(file, Mode.CRASH_SAFE))
        {
            NodeContent.save(pk, "s", 1, 1);
            old = pk.superBlockPfn();
        }
        try (Pkram pk = Images.bootFresh(file, Mode.CRASH_SAFE))
        {
            NodeContent.save(pk, "t", 2, 1);
            assertTrue(pk.superBlockPfn() != old || pk.nodeNames().equals(List.of("t")));
        }
        if (PfnFile.read(PfnFile.of(file)).getAsLong() != old)
        {
            final String before = sha256(file);
            final InvalidSuperBlockException ex = assertThrows(InvalidSuperBlockException.class,
                () -> Images.boot(file, old, Mode.CRASH_SAFE));
            assertTrue(ex.getMessage().contains("stale"), ex.getMessage());
            assertEquals(before, sha256(file));
        }
    }

    @Test
    void shouldFailClosedOnACorruptImageAndDropItOnlyWhenAsked() throws Exception
    {
        final Path file = Images.format(dir, Images.SMALL);
        final long pfn;
        final long nodePfn;
        try (Pkram pk = Images.bootFresh(file, Mode.CRASH_SAFE))
        {
            NodeContent.save(pk, "c", 1, 1);
            pfn = pk.superBlockPfn();
            nodePfn = SuperBlockDescriptor.nodePfn(pk.mem().page(pfn));
        }
        try (PhysMem mem = PhysMem.open(file))
        {
            // A cycle: the node's obj list points back at the node page.
            NodeDescriptor.objPfn(mem.page(nodePfn), nodePfn);
        }
        final String before = sha256(file);
        final CorruptImageException ex = assertThrows(CorruptImageException.class,
            () -> Images.boot(file, pfn, Mode.CRASH_SAFE));
        assertEquals(Errno.EUCLEAN, ex.errno());
        assertTrue(ex.getMessage().contains("referenced twice"), ex.getMessage());
        assertEquals(before, sha256(file));
        try (Pkram pk = Pkram.boot(PkramOptions.of(file).superBlockPfn(pfn).dropInvalid(true).shutdownHook(false)))
        {
            assertEquals(List.of(), pk.nodeNames());
            assertTrue(pk.bootMessages().get(0).startsWith("dropped the preserved image: EUCLEAN"));
        }
    }

    @Test
    void shouldRefuseAPfnOutsideTheFileAndABadMagic() throws Exception
    {
        final Path file = Images.format(dir, Images.SMALL);
        assertThrows(InvalidSuperBlockException.class, () -> Images.boot(file, 1L << 40, Mode.CRASH_SAFE));
        final String before = sha256(file);
        assertThrows(InvalidSuperBlockException.class, () -> Images.boot(file, 3, Mode.CRASH_SAFE));
        assertEquals(before, sha256(file));
        try (PhysMem mem = PhysMem.open(file))
        {
            assertThrows(InvalidSuperBlockException.class, () -> ImageScanner.scan(mem, mem.pfnCount()));
            mem.page(7).putInt(0, 0x12345678);
            final InvalidSuperBlockException ex = assertThrows(InvalidSuperBlockException.class,
                () -> ImageScanner.scan(mem, 7));
            assertTrue(ex.getMessage().contains("bad magic"), ex.getMessage());
        }
    }

    @Test
    void shouldBootEmptyWhenAProcessDiedSettingUpOrClearingAnEmptySuperBlock()
    {
        final Path file = Images.format(dir, Images.SMALL);
        final long pfn;
        try (Pkram pk = Images.bootFresh(file, Mode.CRASH_SAFE))
        {
            pfn = pk.superBlockPfn();
        }
        // What a kill leaves between "state LIVE" and "magic" of an empty image's boot, or between "magic 0"
        // and the page being zeroed by the reboot of an empty image: no magic, no kernel field.
        try (PhysMem mem = PhysMem.open(file))
        {
            final UnsafeBuffer sb = mem.page(pfn);
            SuperBlockDescriptor.formatVersion(sb, SuperBlockDescriptor.FORMAT_VERSION);
            SuperBlockDescriptor.fileSize(sb, mem.size());
            SuperBlockDescriptor.generation(sb, 3);
            SuperBlockDescriptor.state(sb, SuperBlockDescriptor.STATE_LIVE);
        }
        try (Pkram pk = Images.boot(file, pfn, Mode.CRASH_SAFE))
        {
            assertEquals(List.of(), pk.nodeNames());
            NodeContent.save(pk, "after", 5, 1);
        }
        try (Pkram pk = Images.boot(file, pfn, Mode.CRASH_SAFE))
        {
            assertNull(NodeContent.loadAndVerify(pk, "after", 5));
        }
        // The same page with a node named is damage, not an empty image.
        try (PhysMem mem = PhysMem.open(file))
        {
            final UnsafeBuffer sb = mem.page(pfn);
            sb.setMemory(0, Pfn.PAGE_SIZE, (byte)0);
            SuperBlockDescriptor.formatVersion(sb, SuperBlockDescriptor.FORMAT_VERSION);
            SuperBlockDescriptor.state(sb, SuperBlockDescriptor.STATE_LIVE);
            SuperBlockDescriptor.nodePfn(sb, pfn + 1);
        }
        assertThrows(InvalidSuperBlockException.class, () -> Images.boot(file, pfn, Mode.CRASH_SAFE));
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void shouldRefuseRebootAndCloseWithEbusyWhileHandlesAreOpenAndChangeNothing(final Mode mode) throws Exception
    {
        final Path file = Images.format(dir, Images.SMALL);
        final Pkram pk = Images.bootFresh(file, mode);
        NodeContent.save(pk, "kept", 1, 1);
        NodeContent.save(pk, "loading", 2, 1);
        final String pfnFile = Files.readString(PfnFile.of(file));
        final NodeSave save = pk.prepareSave("saving");
        try (ObjSave obj = save.prepareSaveObj(DataKind.BYTES))
        {
            obj.write(new byte[] {1, 2, 3}, 0, 3);
        }
        final NodeLoad load = pk.prepareLoad("loading");
        assertEquals(2, pk.openHandles());
        final String before = sha256(file);
        final NodeBusyException onReboot = assertThrows(NodeBusyException.class, pk::reboot);
        assertEquals(Errno.EBUSY, onReboot.errno());
        assertTrue(onReboot.getMessage().contains("save:saving") && onReboot.getMessage().contains("load:loading"),
            onReboot.getMessage());
        final NodeBusyException onClose = assertThrows(NodeBusyException.class, pk::close);
        assertEquals(Errno.EBUSY, onClose.errno());
        assertEquals(before, sha256(file), "a refused reboot changes no byte");
        assertEquals(pfnFile, Files.readString(PfnFile.of(file)));
        assertFalse(pk.isClosed());
        // The instance goes on as if nothing happened.
        load.finish();
        save.discard();
        load.close();
        save.close();
        pk.reboot();
        assertTrue(pk.isClosed());
        try (Pkram next = Images.boot(file, pk.superBlockPfn(), mode))
        {
            assertEquals(List.of("kept"), next.nodeNames());
            assertNull(NodeContent.loadAndVerify(next, "kept", 1));
        }
    }

    @Test
    void shouldReportEnomemWhenNoPageIsLeftForTheRegionsListAndStayBootable() throws Exception
    {
        final Path file = Images.format(dir, Images.SMALL);
        final Pkram pk = Images.bootFresh(file, Mode.CRASH_SAFE);
        NodeContent.save(pk, "a", 1, 2);
        NodeContent.save(pk, "b", 2, 1);
        final long pfn = pk.superBlockPfn();
        final List<Folio> hoard = new ArrayList<>();
        for (int order = Folio.MAX_ORDER; order >= 0; order--)
        {
            while (true)
            {
                try
                {
                    hoard.add(pk.allocFolio(order));
                }
                catch (final OutOfPagesException full)
                {
                    break;
                }
            }
        }
        assertEquals(0, pk.pageCounts().free());
        final OutOfPagesException ex = assertThrows(OutOfPagesException.class, pk::reboot);
        assertEquals(Errno.ENOMEM, ex.errno());
        assertFalse(pk.isClosed(), "the instance stays open");
        assertEquals(List.of("a", "b"), pk.nodeNames());
        // The process dies now: no reboot, no further write. The live image is bootable by walking.
        pk.mem().closeDetached();
        try (PhysMem mem = PhysMem.openReadOnly(file))
        {
            final List<String> problems = new ArrayList<>();
            ImageScanner.check(mem, pfn, problems);
            assertEquals(List.of(), problems);
            assertEquals(SuperBlockDescriptor.STATE_LIVE, SuperBlockDescriptor.state(mem.page(pfn)));
        }
        try (Pkram next = Images.boot(file, pfn, Mode.CRASH_SAFE))
        {
            assertEquals(List.of("a", "b"), next.nodeNames());
            assertNull(NodeContent.loadAndVerify(next, "a", 1));
            assertNull(NodeContent.loadAndVerify(next, "b", 2));
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void shouldIncrementTheGenerationByOnePerBoot(final Mode mode)
    {
        final Path file = Images.format(dir, Images.SMALL);
        long pfn;
        try (Pkram pk = Images.bootFresh(file, mode))
        {
            assertEquals(1, pk.generation());
            NodeContent.save(pk, "g", 1, 1);
            pfn = pk.superBlockPfn();
        }
        for (long expected = 2; expected <= 4; expected++)
        {
            try (Pkram pk = Images.boot(file, pfn, mode))
            {
                assertEquals(expected, pk.generation());
                assertEquals(expected, SuperBlockDescriptor.generation(pk.mem().page(pk.superBlockPfn())),
                    "recorded in the super block before any page is handed out");
                assertEquals(List.of("g"), pk.nodeNames());
                pfn = pk.superBlockPfn();
            }
            try (PhysMem mem = PhysMem.openReadOnly(file))
            {
                assertEquals(expected, SuperBlockDescriptor.generation(mem.page(pfn)), "kept by the reboot");
            }
        }
    }
}
