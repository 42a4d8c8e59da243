package org.pkram;

import net.openhft.chronicle.bytes.BytesIn;
import net.openhft.chronicle.bytes.BytesMarshallable;
import net.openhft.chronicle.bytes.BytesOut;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.pkram.error.Errno;
import org.pkram.error.InvalidArgumentException;
import org.pkram.error.NameTooLongException;
import org.pkram.error.NoSuchNodeException;
import org.pkram.error.NodeBusyException;
import org.pkram.error.NodeExistsException;
import org.pkram.error.OutOfPagesException;
import org.pkram.error.PkramUnavailableException;
import org.pkram.layout.EntryCodec;
import org.pkram.layout.LinkDescriptor;
import org.pkram.layout.NodeDescriptor;
import org.pkram.layout.ObjDescriptor;
import org.pkram.layout.Pfn;
import org.pkram.testing.SplitMix64;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PkramApiTest
{
    @TempDir
    Path dir;
    Pkram pk;
    String initialCounts;

    @BeforeEach
    void boot()
    {
        pk = Images.bootFresh(Images.format(dir, Images.SMALL), Mode.CRASH_SAFE);
        initialCounts = Images.counts(pk.pageCounts());
    }

    @AfterEach
    void close()
    {
        if (!pk.isClosed())
        {
            assertEquals(0, pk.openHandles(), "a test left a handle open");
            pk.close();
        }
    }

    @Test
    void shouldRefuseEveryCallOnceClosedWithEnodev()
    {
        pk.close();
        final PkramUnavailableException ex = assertThrows(PkramUnavailableException.class, () -> pk.prepareSave("a"));
        assertEquals(Errno.ENODEV, ex.errno());
        assertThrows(PkramUnavailableException.class, () -> pk.prepareLoad("a"));
        assertThrows(PkramUnavailableException.class, () -> pk.allocFolio(0));
        assertThrows(PkramUnavailableException.class, () -> pk.copyFolio(new UnsafeBuffer(new byte[4096]), 0, 0));
        assertThrows(PkramUnavailableException.class, () -> pk.truncate());
    }

    @Test
    void shouldAcceptA255ByteNameAndRefuse256WithEnametoolong()
    {
        final String ok = "n".repeat(255);
        try (NodeSave save = pk.prepareSave(ok))
        {
            save.finish();
        }
        assertEquals(List.of(ok), pk.nodeNames());
        final NameTooLongException ex = assertThrows(NameTooLongException.class, () -> pk.prepareSave("n".repeat(256)));
        assertEquals(Errno.ENAMETOOLONG, ex.errno());
        // 128 two-byte characters are 256 UTF-8 bytes: the limit is on bytes, as strlen in the kernel.
        assertThrows(NameTooLongException.class, () -> pk.prepareSave("é".repeat(128)));
        // Not Unicode: refused, rather than stored as '?' where two such names would collide.
        assertEquals(Errno.EINVAL, assertThrows(InvalidArgumentException.class,
            () -> pk.prepareSave("a\uD800")).errno());
    }

    @Test
    void shouldRefuseADuplicateNameWithEexistWhileSavingAndOnceCommitted()
    {
        try (NodeSave save = pk.prepareSave("vm0"))
        {
            assertEquals(Errno.EEXIST, assertThrows(NodeExistsException.class, () -> pk.prepareSave("vm0")).errno());
            save.finish();
        }
        assertThrows(NodeExistsException.class, () -> pk.prepareSave("vm0"));
    }

    @Test
    void shouldReportEnoentForAMissingNodeAndEbusyForOneBeingSaved()
    {
        assertEquals(Errno.ENOENT, assertThrows(NoSuchNodeException.class, () -> pk.prepareLoad("nope")).errno());
        try (NodeSave save = pk.prepareSave("busy"))
        {
            assertEquals(Errno.EBUSY, assertThrows(NodeBusyException.class, () -> pk.prepareLoad("busy")).errno());
            save.finish();
        }
        try (NodeLoad load = pk.prepareLoad("busy"))
        {
            assertNull(load.prepareLoadObj());
        }
    }

    @Test
    void shouldRejectBadFlagsAndOrdersWithEinval()
    {
        assertEquals(Errno.EINVAL, assertThrows(InvalidArgumentException.class, () -> pk.allocFolio(11)).errno());
        assertThrows(InvalidArgumentException.class, () -> pk.allocFolio(-1));
        try (NodeSave save = pk.prepareSave("x"))
        {
            assertEquals(Errno.EINVAL, assertThrows(InvalidArgumentException.class, save::prepareSaveObj).errno());
        }
    }

    @Test
    void shouldCopyAFolioFromAnyBufferAndSaveIt()
    {
        final byte[] bytes = new byte[3 * Folio.PAGE_SIZE];
        new Random(42).nextBytes(bytes);
        final long usedBefore = pk.pageCounts().used();
        final Folio small = pk.copyFolio(new UnsafeBuffer(bytes), Folio.PAGE_SIZE, 0);
        final Folio big = pk.copyFolio(new UnsafeBuffer(ByteBuffer.allocateDirect(2 * Folio.PAGE_SIZE)), 0, 1);
        assertEquals(usedBefore + 3, pk.pageCounts().used());
        assertEquals(0, big.pfn() % 2, "an order-1 folio is naturally aligned");
        final byte[] read = new byte[Folio.PAGE_SIZE];
        small.buffer().getBytes(0, read);
        assertArrayEquals(java.util.Arrays.copyOfRange(bytes, Folio.PAGE_SIZE, 2 * Folio.PAGE_SIZE), read);
        // A copy of a folio's own view: the allocator's earlier bytes never show through.
        final Folio again = pk.copyFolio(small.buffer(), 0, 0);
        final byte[] readAgain = new byte[Folio.PAGE_SIZE];
        again.buffer().getBytes(0, readAgain);
        assertArrayEquals(read, readAgain);
        try (NodeSave save = pk.prepareSave("copied"); ObjSave obj = save.prepareSaveObj(DataKind.FOLIOS))
        {
            obj.saveFolio(small, 0);
            obj.saveFolio(big, 2);
            obj.finish();
            save.finish();
        }
        try (NodeLoad load = pk.prepareLoad("copied"))
        {
            final Folio loaded = load.prepareLoadObj().loadFolio();
            final byte[] back = new byte[Folio.PAGE_SIZE];
            loaded.buffer().getBytes(0, back);
            assertArrayEquals(read, back);
            load.finish();
        }
        pk.freeFolio(again);
    }

    @Test
    void shouldRefuseACopyOfTooFewBytesOrABadOrderAndTakeNoPage()
    {
        final long usedBefore = pk.pageCounts().used();
        final UnsafeBuffer src = new UnsafeBuffer(new byte[Folio.PAGE_SIZE + 10]);
        assertThrows(IndexOutOfBoundsException.class, () -> pk.copyFolio(src, 11, 0));
        assertThrows(IndexOutOfBoundsException.class, () -> pk.copyFolio(src, 0, 1));
        assertThrows(IndexOutOfBoundsException.class, () -> pk.copyFolio(src, -1, 0));
        assertEquals(Errno.EINVAL, assertThrows(InvalidArgumentException.class, () -> pk.copyFolio(src, 0, 11)).errno());
        assertEquals(usedBefore, pk.pageCounts().used());
        pk.freeFolio(pk.copyFolio(src, 10, 0));
        assertEquals(usedBefore, pk.pageCounts().used());
    }

    @Test
    void shouldRunOutOfPagesWithEnomemAndGetEveryPageBackOnDiscard()
    {
        final NodeSave save = pk.prepareSave("big");
        final ObjSave obj = save.prepareSaveObj(DataKind.FOLIOS, DataKind.BYTES);
        final OutOfPagesException ex = assertThrows(OutOfPagesException.class, () ->
        {
            for (long index = 0; ; index += 16)
            {
                final Folio folio = pk.allocFolio(4);
                try
                {
                    obj.saveFolio(folio, index);
                }
                catch (final OutOfPagesException noLink)
                {
                    pk.freeFolio(folio); // not saved: still the caller's
                    throw noLink;
                }
                obj.write(new byte[4096], 0, 4096);
            }
        });
        assertEquals(Errno.ENOMEM, ex.errno());
        save.discard();
        assertEquals(initialCounts, Images.counts(pk.pageCounts()));
    }

    @Test
    void shouldReturnObjectsLifoAndEntriesInOrder()
    {
        try (NodeSave save = pk.prepareSave("lifo"))
        {
            for (int i = 0; i < 5; i++)
            {
                try (ObjSave obj = save.prepareSaveObj(DataKind.BYTES))
                {
                    obj.write(new byte[] {(byte)i}, 0, 1);
                }
            }
            save.finish();
        }
        try (NodeLoad load = pk.prepareLoad("lifo"))
        {
            for (int i = 4; i >= 0; i--)
            {
                try (ObjLoad obj = load.prepareLoadObj())
                {
                    final byte[] one = new byte[1];
                    assertEquals(1, obj.read(one, 0, 1));
                    assertEquals(i, one[0]);
                    assertEquals(-1, obj.read(one, 0, 1));
                }
            }
            assertNull(load.prepareLoadObj());
            load.finish();
        }
        assertEquals(initialCounts, Images.counts(pk.pageCounts()));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 509, 510, 511, 1021})
    void shouldSaveAndLoadFoliosByReferenceAcrossLinkBoundaries(final int count)
    {
        final long[] pfns = new long[count];
        final long objPfn;
        try (NodeSave save = pk.prepareSave("f" + count))
        {
            try (ObjSave obj = save.prepareSaveObj(DataKind.FOLIOS, DataKind.BYTES))
            {
                obj.write(new byte[] {1}, 0, 1); // so an empty folio stream still makes a loadable object
                for (int i = 0; i < count; i++)
                {
                    final Folio folio = pk.allocFolio(0);
                    Images.fill(folio, count, i);
                    obj.saveFolio(folio, i);
                    pfns[i] = folio.pfn();
                }
            }
            objPfn = pk.mem().page(save.pfn()).getLong(8);
            save.finish();
        }
        // A new link every 510 entries: the kernel's rule, visible in the image.
        assertEquals((count + LinkDescriptor.ENTRIES_MAX - 1) / LinkDescriptor.ENTRIES_MAX, linkCount(objPfn));
        final long used = pk.pageCounts().used();
        try (NodeLoad load = pk.prepareLoad("f" + count); ObjLoad obj = load.prepareLoadObj())
        {
            for (int i = 0; i < count; i++)
            {
                final Folio folio = obj.loadFolio();
                assertEquals(i, folio.index());
                assertEquals(pfns[i], folio.pfn(), "loaded in place, not copied");
                assertTrue(Images.matches(folio, count));
                pk.freeFolio(folio);
            }
            assertNull(obj.loadFolio());
            load.finish();
        }
        assertTrue(pk.pageCounts().used() < used || count == 0);
        assertEquals(initialCounts, Images.counts(pk.pageCounts()));
    }

    @Test
    void shouldStartANewLinkAtAnIndexGapAndKeepMixedOrders()
    {
        final int[] orders = {0, 3, 1, 9, 0, 2};
        final long[] indices = {0, 1, 9, 11, 600, 601};
        final long objPfn;
        try (NodeSave save = pk.prepareSave("mixed"))
        {
            try (ObjSave obj = save.prepareSaveObj(DataKind.FOLIOS))
            {
                for (int i = 0; i < orders.length; i++)
                {
                    final Folio folio = pk.allocFolio(orders[i]);
                    Images.fill(folio, 7, indices[i]);
                    obj.saveFolio(folio, indices[i]);
                }
            }
            objPfn = pk.mem().page(save.pfn()).getLong(8);
            save.finish();
        }
        // 0,1(order 3 covers 1..8),9(order 1: 9..10),11(order 9) contiguous; 600 is a gap: two links.
        assertEquals(2, linkCount(objPfn));
        final long secondLink = pk.mem().page(ObjDescriptor.foliosHeadLinkPfn(pk.mem().page(objPfn))).getLong(0);
        assertEquals(600, LinkDescriptor.index(pk.mem().page(secondLink)));
        try (NodeLoad load = pk.prepareLoad("mixed"); ObjLoad obj = load.prepareLoadObj())
        {
            for (int i = 0; i < orders.length; i++)
            {
                final Folio folio = obj.loadFolio();
                assertEquals(orders[i], folio.order());
                assertEquals(indices[i], folio.index());
                assertTrue(Images.matches(folio, 7));
                pk.freeFolio(folio);
            }
            assertNull(obj.loadFolio());
            load.finish();
        }
        assertEquals(initialCounts, Images.counts(pk.pageCounts()));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 4095, 4096, 4097, 10 << 20})
    void shouldRoundTripByteStreamsInOddSizedWritesAndReads(final int length)
    {
        final byte[] data = Images.bytes(length, length);
        final Random random = new Random(length);
        try (NodeSave save = pk.prepareSave("b"))
        {
            try (ObjSave obj = save.prepareSaveObj(DataKind.BYTES))
            {
                int done = 0;
                while (done < length)
                {
                    final int chunk = Math.min(length - done, 1 + random.nextInt(9000));
                    obj.write(data, done, chunk);
                    done += chunk;
                }
                if (length == 0)
                {
                    obj.write(data, 0, 0);
                }
                assertEquals(length, obj.dataLength());
            }
            if (length == 0)
            {
                // An object with no data at all cannot be loaded (the kernel's EINVAL): give it a folio.
                try (ObjSave obj = save.prepareSaveObj(DataKind.FOLIOS))
                {
                    obj.saveFolio(new byte[1], 0);
                }
            }
            save.finish();
        }
        try (NodeLoad load = pk.prepareLoad("b"))
        {
            if (length == 0)
            {
                try (ObjLoad folioObj = load.prepareLoadObj())
                {
                    pk.freeFolio(folioObj.loadFolio());
                }
                assertThrows(InvalidArgumentException.class, load::prepareLoadObj);
                load.finish(); // the object that cannot be loaded is freed with the rest
                return;
            }
            try (ObjLoad obj = load.prepareLoadObj())
            {
                assertEquals(length, obj.dataLength());
                final byte[] back = new byte[length];
                int done = 0;
                while (done < length)
                {
                    final int n = obj.read(back, done, Math.min(length - done, 1 + random.nextInt(7000)));
                    assertTrue(n > 0);
                    done += n;
                }
                assertEquals(-1, obj.read(new byte[1], 0, 1));
                assertArrayEquals(data, back);
            }
            load.finish();
        }
        finally
        {
            assertEquals(initialCounts, Images.counts(pk.pageCounts()));
        }
    }

    @Test
    void shouldCopyHeapDataAndBannedFoliosIntoFreshPages()
    {
        final Folio banned = pk.allocFolio(2);
        Images.fill(banned, 3, 0);
        assertTrue(pk.banRegion(banned.pfn(), banned.pfn() + 3));
        final byte[] heap = Images.bytes(5, 5000);
        try (NodeSave save = pk.prepareSave("reloc"))
        {
            try (ObjSave obj = save.prepareSaveObj(DataKind.FOLIOS))
            {
                obj.saveFolio(heap, 100);
                obj.saveFolio(banned, 0);
            }
            save.finish();
        }
        try (NodeLoad load = pk.prepareLoad("reloc"); ObjLoad obj = load.prepareLoadObj())
        {
            final Folio first = obj.loadFolio();
            final Folio second = obj.loadFolio();
            assertEquals(100, first.index());
            assertEquals(101, second.index());
            final byte[] back = new byte[5000];
            first.buffer().getBytes(0, back, 0, 4096);
            second.buffer().getBytes(0, back, 4096, 904);
            assertArrayEquals(heap, back);
            assertEquals(0, second.buffer().getByte(904), "last page zero-filled");
            for (int i = 0; i < 4; i++)
            {
                final Folio copy = obj.loadFolio();
                assertEquals(0, copy.order(), "a banned folio is relocated into order-0 pages");
                assertEquals(i, copy.index());
                assertTrue(copy.pfn() < banned.pfn() || copy.pfn() > banned.pfn() + 3);
                assertEquals(SplitMix64.mix(3, i * 4096L), copy.buffer().getLong(0));
                pk.freeFolio(copy);
            }
            assertNull(obj.loadFolio());
            pk.freeFolio(first);
            pk.freeFolio(second);
            load.finish();
        }
        pk.freeFolio(banned);
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void shouldGiveBackEveryPageOnTruncateAndPartialLoads(final Mode mode)
    {
        pk.close();
        pk = Images.bootFresh(dir.resolve("pkram.mem"), mode);
        initialCounts = Images.counts(pk.pageCounts());
        for (int n = 0; n < 3; n++)
        {
            try (NodeSave save = pk.prepareSave("t" + n))
            {
                for (int o = 0; o < 3; o++)
                {
                    try (ObjSave obj = save.prepareSaveObj(DataKind.FOLIOS, DataKind.BYTES))
                    {
                        for (int i = 0; i < 300; i++)
                        {
                            obj.saveFolio(pk.allocFolio(i % 3), i * 4L);
                        }
                        obj.write(new byte[10_000], 0, 10_000);
                    }
                }
                save.finish();
            }
        }
        // A partial load: some folios and bytes taken, the rest freed by finish.
        try (NodeLoad load = pk.prepareLoad("t0"); ObjLoad obj = load.prepareLoadObj())
        {
            for (int i = 0; i < 200; i++)
            {
                pk.freeFolio(obj.loadFolio());
            }
            obj.read(new byte[5000], 0, 5000);
            load.finish();
        }
        assertEquals(2, pk.truncate());
        assertEquals(List.of(), pk.nodeNames());
        assertEquals(initialCounts, Images.counts(pk.pageCounts()));
    }

    @Test
    void shouldPreserveAChronicleObjectGraphAndJavaStreams() throws IOException
    {
        try (NodeSave save = pk.prepareSave("graph"))
        {
            try (ObjSave obj = save.prepareSaveObj(DataKind.BYTES))
            {
                obj.writeRecord(new Account("alice", 42, List.of("a", "b")));
                obj.writeRecord(new Account("bob ☃", -7, List.of()));
                final DataOutputStream out = new DataOutputStream(obj.outputStream());
                out.writeUTF("tail");
                out.writeLong(1234567890123L);
                out.flush();
            }
            save.finish();
        }
        try (NodeLoad load = pk.prepareLoad("graph"); ObjLoad obj = load.prepareLoadObj())
        {
            assertEquals(new Account("alice", 42, List.of("a", "b")), obj.readRecord(new Account()));
            assertEquals(new Account("bob ☃", -7, List.of()), obj.readRecord(new Account()));
            final DataInputStream in = new DataInputStream(obj.inputStream());
            assertEquals("tail", in.readUTF());
            assertEquals(1234567890123L, in.readLong());
            assertNull(obj.readRecord(new Account()));
        }
    }

    @Test
    void shouldSaveAndLoadDifferentNodesFromFourThreadsAtOnce() throws Exception
    {
        final int threads = 4;
        final List<Thread> workers = new ArrayList<>();
        final List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int t = 0; t < threads; t++)
        {
            final int id = t;
            workers.add(new Thread(() ->
            {
                try
                {
                    for (int round = 0; round < 20; round++)
                    {
                        final String name = "w" + id + "-" + round;
                        final long seed = id * 1000L + round;
                        final byte[] bytes = Images.bytes(seed, 3000 + round * 17);
                        try (NodeSave save = pk.prepareSave(name))
                        {
                            try (ObjSave obj = save.prepareSaveObj(DataKind.FOLIOS, DataKind.BYTES))
                            {
                                for (int i = 0; i < 64; i++)
                                {
                                    final Folio folio = pk.allocFolio(i % 2);
                                    Images.fill(folio, seed, i * 2L);
                                    obj.saveFolio(folio, i * 2L);
                                }
                                obj.write(bytes, 0, bytes.length);
                            }
                            save.finish();
                        }
                        try (NodeLoad load = pk.prepareLoad(name); ObjLoad obj = load.prepareLoadObj())
                        {
                            Folio folio;
                            int n = 0;
                            while ((folio = obj.loadFolio()) != null)
                            {
                                if (!Images.matches(folio, seed))
                                {
                                    throw new AssertionError("checksum mismatch: " + name + " " + folio);
                                }
                                n++;
                            }
                            final byte[] back = new byte[bytes.length];
                            assertEquals(bytes.length, obj.read(back, 0, back.length));
                            assertEquals(Images.crc(bytes), Images.crc(back));
                            assertEquals(64, n);
                            load.finish();
                        }
                    }
                }
                catch (final Throwable ex)
                {
                    failures.add(ex);
                }
            }));
        }
        workers.forEach(Thread::start);
        for (final Thread worker : workers)
        {
            worker.join();
        }
        assertEquals(List.of(), failures);
    }

    @Test
    void shouldDetachAFreedFoliosViewSoAStaleUseTouchesNoReusedPage()
    {
        final Folio folio = pk.allocFolio(0);
        final org.agrona.MutableDirectBuffer view = folio.buffer();
        view.putLong(0, 7);
        pk.freeFolio(folio);
        final Folio reused = pk.allocFolio(0);
        assertEquals(folio.pfn(), reused.pfn(), "the allocator hands the freed page out again");
        view.putLong(0, 8);
        view.putLong(Folio.PAGE_SIZE - 8, 9);
        assertEquals(0, reused.buffer().getLong(0), "a stale write lands in scratch, not in the reused page");
        assertEquals(0, reused.buffer().getLong(Folio.PAGE_SIZE - 8));
        assertEquals(Folio.PAGE_SIZE, view.capacity(), "the detached view keeps its capacity");
        pk.freeFolio(reused);
        assertThrows(IllegalStateException.class, folio::buffer);
        assertThrows(IllegalStateException.class, () -> pk.freeFolio(folio));
    }

    @Test
    void shouldLeaveANodeWholeWhenAKernelFaithfulLoadIsAbortedAndFreeOnlyWhatWasNotHandedOutAtFinish()
    {
        pk.close();
        pk = Images.bootFresh(dir.resolve("pkram.mem"), Mode.KERNEL_FAITHFUL);
        initialCounts = Images.counts(pk.pageCounts());
        final long initialUsed = pk.pageCounts().used();
        final int folios = LinkDescriptor.ENTRIES_MAX + 2; // two links
        final byte[] bytes = Images.bytes(21, 10_000);
        final long nodePfn;
        try (NodeSave save = pk.prepareSave("consume"))
        {
            try (ObjSave attrs = save.prepareSaveObj(DataKind.BYTES))
            {
                attrs.write(new byte[] {1, 2, 3}, 0, 3);
            }
            try (ObjSave obj = save.prepareSaveObj(DataKind.FOLIOS, DataKind.BYTES))
            {
                for (int i = 0; i < folios; i++)
                {
                    final Folio folio = pk.allocFolio(0);
                    Images.fill(folio, 21, i);
                    obj.saveFolio(folio, i);
                }
                obj.write(bytes, 0, bytes.length);
            }
            nodePfn = save.pfn();
            save.finish();
        }
        final Map<Long, byte[]> saved = nodePages(nodePfn);
        final long used = pk.pageCounts().used();
        assertEquals(initialUsed + saved.size(), used, "the walk covers every page of the node");

        // Read part of the node (across the link boundary, part of the bytes), free a folio, then abort.
        final List<Folio> handedOut = new ArrayList<>();
        try (NodeLoad load = pk.prepareLoad("consume"); ObjLoad obj = load.prepareLoadObj())
        {
            for (int i = 0; i <= LinkDescriptor.ENTRIES_MAX; i++)
            {
                final Folio folio = obj.loadFolio();
                assertTrue(Images.matches(folio, 21));
                handedOut.add(folio);
            }
            pk.freeFolio(handedOut.get(0)); // deferred until a finish, which never comes
            assertEquals(5000, obj.read(new byte[5000], 0, 5000));
            assertEquals(used, pk.pageCounts().used(), "nothing is freed while a load reads");
            assertNodeUnchanged(saved, nodePfn, true);
        }
        assertNodeUnchanged(saved, nodePfn, false);
        assertEquals(used, pk.pageCounts().used(), "an aborted load frees nothing");
        assertEquals(List.of("consume"), pk.nodeNames());
        assertThrows(IllegalStateException.class, () -> handedOut.get(1).buffer(),
            "a folio of an aborted load is the node's again");
        assertThrows(IllegalStateException.class, () -> pk.freeFolio(handedOut.get(1)));

        // Load again and finish: exactly what was handed out stays taken, everything else is freed.
        final List<Folio> kept = new ArrayList<>();
        try (NodeLoad load = pk.prepareLoad("consume"))
        {
            try (ObjLoad obj = load.prepareLoadObj())
            {
                for (int i = 0; i < 3; i++)
                {
                    final Folio folio = obj.loadFolio();
                    assertEquals(i, folio.index());
                    assertEquals(saved.get(folio.pfn()).length, folio.byteLength());
                    assertTrue(Images.matches(folio, 21), "the aborted load left every byte");
                    kept.add(folio);
                }
                final byte[] back = new byte[bytes.length];
                assertEquals(bytes.length, obj.read(back, 0, back.length));
                assertArrayEquals(bytes, back);
            }
            pk.freeFolio(kept.remove(2)); // freed at the finish
            assertEquals(used, pk.pageCounts().used());
            load.finish();
        }
        assertEquals(List.of(), pk.nodeNames());
        assertEquals(initialUsed + kept.size(), pk.pageCounts().used(), "only the folios handed out stay taken");
        kept.forEach(pk::freeFolio);
        assertEquals(initialCounts, Images.counts(pk.pageCounts()));
    }

    /**
     * Every page of node {@code nodePfn} (node, objects, links, folio and byte-stream pages) with its bytes.
     */
    private Map<Long, byte[]> nodePages(final long nodePfn)
    {
        final Map<Long, byte[]> pages = new TreeMap<>();
        copyPage(pages, nodePfn);
        for (long obj = NodeDescriptor.objPfn(pk.mem().page(nodePfn)); obj != Pfn.NULL_PFN;
            obj = ObjDescriptor.objPfn(pk.mem().page(obj)))
        {
            copyPage(pages, obj);
            final DirectBuffer objPage = pk.mem().page(obj);
            for (final long head : new long[] {ObjDescriptor.foliosHeadLinkPfn(objPage),
                ObjDescriptor.bytesHeadLinkPfn(objPage)})
            {
                for (long link = head; link != Pfn.NULL_PFN; link = LinkDescriptor.linkPfn(pk.mem().page(link)))
                {
                    copyPage(pages, link);
                    for (int i = 0; i < LinkDescriptor.ENTRIES_MAX; i++)
                    {
                        final long entry = LinkDescriptor.entry(pk.mem().page(link), i);
                        if (!EntryCodec.isEmpty(entry))
                        {
                            final long pfn = EntryCodec.pfn(entry);
                            final byte[] folio = new byte[Folio.PAGE_SIZE << EntryCodec.order(entry)];
                            pk.mem().folio(pfn, EntryCodec.order(entry)).getBytes(0, folio);
                            pages.put(pfn, folio);
                        }
                    }
                }
            }
        }
        return pages;
    }

    private void copyPage(final Map<Long, byte[]> pages, final long pfn)
    {
        final byte[] page = new byte[Pfn.PAGE_SIZE];
        pk.mem().page(pfn).getBytes(0, page);
        pages.put(pfn, page);
    }

    /**
     * The node's pages hold the bytes they held when saved: byte-identical, but for the access mode a load
     * in progress sets in the node page's flags ({@code PKRAM_LOAD}).
     */
    private void assertNodeUnchanged(final Map<Long, byte[]> saved, final long nodePfn,
        final boolean loading)
    {
        final Map<Long, byte[]> now = nodePages(nodePfn);
        assertEquals(saved.keySet(), now.keySet(), "the same pages");
        for (final Map.Entry<Long, byte[]> page : saved.entrySet())
        {
            final byte[] expected = page.getValue().clone();
            if (loading && page.getKey() == nodePfn)
            {
                final int flags = NodeDescriptor.flags(pk.mem().page(nodePfn));
                assertEquals(NodeDescriptor.PKRAM_LOAD,
                    flags & NodeDescriptor.PKRAM_ACCMODE_MASK, "a load in progress");
                new UnsafeBuffer(expected).putInt(NodeDescriptor.FLAGS_OFFSET,
                    flags);
            }
            assertArrayEquals(expected, now.get(page.getKey()), "page 0x" + Long.toHexString(page.getKey()));
        }
    }

    @Test
    void shouldHandOutZeroedFoliosAfterTheirPagesWereDirtiedAndFreed()
    {
        // Every free page: taken, every byte dirtied, given back.
        final List<Folio> dirty = new ArrayList<>();
        while (pk.pageCounts().free() > 0)
        {
            final Folio folio = pk.allocFolio(0);
            folio.buffer().setMemory(0, folio.byteLength(), (byte)0xA5);
            dirty.add(folio);
        }
        dirty.forEach(pk::freeFolio);
        // Taken again, as order-0 and larger folios: no byte of the earlier owner shows through.
        final List<Folio> again = new ArrayList<>();
        for (final int order : new int[] {0, 3, 0, 9, 1})
        {
            final Folio folio = pk.allocFolio(order);
            again.add(folio);
            assertZero(folio);
        }
        while (pk.pageCounts().free() > 0)
        {
            final Folio folio = pk.allocFolio(0);
            again.add(folio);
            assertZero(folio);
        }
        again.forEach(pk::freeFolio);
        assertEquals(initialCounts, Images.counts(pk.pageCounts()));
    }

    private static void assertZero(final Folio folio)
    {
        for (int i = 0; i < folio.byteLength(); i += Long.BYTES)
        {
            if (folio.buffer().getLong(i) != 0)
            {
                throw new AssertionError("not zeroed: " + folio + " at byte " + i);
            }
        }
    }

    @Test
    void shouldRoundTripOneByteCallsRemainingAndByteBufferOverloads() throws IOException
    {
        final byte[] heapData = Images.bytes(11, 700);
        final ByteBuffer direct = ByteBuffer.allocateDirect(9000);
        direct.put(Images.bytes(12, 9000)).flip().position(1000);
        final ByteBuffer folioData = ByteBuffer.wrap(Images.bytes(13, 6000)).position(100);
        try (NodeSave save = pk.prepareSave("small-calls"))
        {
            try (ObjSave obj = save.prepareSaveObj(DataKind.FOLIOS, DataKind.BYTES))
            {
                final OutputStream out = obj.outputStream();
                out.write(0);
                out.write(0x7F);
                out.write(0x80);
                out.write(0xFF);
                out.write(0x1_41); // only the low eight bits count, as OutputStream says
                out.write(-2);
                assertEquals(6, obj.dataLength());
                final ByteBuffer heap = ByteBuffer.wrap(heapData, 50, 600);
                obj.write(heap);
                assertEquals(650, heap.position(), "write(ByteBuffer) moves the position to the limit");
                obj.write(direct);
                assertEquals(direct.limit(), direct.position());
                assertEquals(6 + 600 + 8000, obj.dataLength());
                obj.saveFolio(folioData, 20);
                assertEquals(100, folioData.position(), "saveFolio(ByteBuffer) does not move the position");
            }
            save.finish();
        }
        try (NodeLoad load = pk.prepareLoad("small-calls"); ObjLoad obj = load.prepareLoadObj())
        {
            final byte[] expectedFolios = new byte[2 * Folio.PAGE_SIZE];
            System.arraycopy(Images.bytes(13, 6000), 100, expectedFolios, 0, 5900);
            for (int i = 0; i < 2; i++)
            {
                final Folio folio = obj.loadFolio();
                assertEquals(20 + i, folio.index());
                final byte[] page = new byte[Folio.PAGE_SIZE];
                folio.buffer().getBytes(0, page);
                assertArrayEquals(java.util.Arrays.copyOfRange(expectedFolios, i * Folio.PAGE_SIZE,
                    (i + 1) * Folio.PAGE_SIZE), page, "folio " + i + " (the last page zero-filled)");
                pk.freeFolio(folio);
            }
            assertNull(obj.loadFolio());

            final long total = 6 + 600 + 8000;
            assertEquals(total, obj.remaining());
            final InputStream in = obj.inputStream();
            assertEquals(0, in.read());
            assertEquals(0x7F, in.read());
            assertEquals(0x80, in.read(), "read() returns 0..255, never a negative byte");
            assertEquals(0xFF, in.read());
            assertEquals(0x41, in.read());
            assertEquals(0xFE, in.read());
            assertEquals(total - 6, obj.remaining());
            assertEquals(total - 6, in.available());

            final ByteBuffer heapBack = ByteBuffer.allocate(700).position(100).limit(700);
            assertEquals(600, obj.read(heapBack));
            assertEquals(700, heapBack.position(), "read(ByteBuffer) moves the position past the bytes");
            assertArrayEquals(java.util.Arrays.copyOfRange(heapData, 50, 650),
                java.util.Arrays.copyOfRange(heapBack.array(), 100, 700));
            assertEquals(8000, obj.remaining());

            final ByteBuffer directBack = ByteBuffer.allocateDirect(10_000);
            assertEquals(8000, obj.read(directBack));
            assertEquals(8000, directBack.position());
            final byte[] back = new byte[8000];
            directBack.flip().get(back);
            assertArrayEquals(java.util.Arrays.copyOfRange(Images.bytes(12, 9000), 1000, 9000), back);
            assertEquals(0, obj.remaining());
            assertEquals(-1, obj.read(ByteBuffer.allocate(1)));
            assertEquals(-1, in.read());
            assertEquals(0, in.available());
            load.finish();
        }
        assertEquals(initialCounts, Images.counts(pk.pageCounts()));
    }

    @Test
    void shouldAllocateEveryPageWhenFormattingWithPopulate() throws Exception
    {
        final long size = 8L << 20;
        final Path populated = dir.resolve("populated.mem");
        final Path sparse = dir.resolve("sparse.mem");
        Pkram.format(populated, size, true);
        Pkram.format(sparse, size, false);
        assertEquals(size, java.nio.file.Files.size(populated));
        assertEquals(size, java.nio.file.Files.size(sparse));
        assertTrue(allocatedBytes(populated) >= size, "populate allocates every page: " + allocatedBytes(populated));
        assertTrue(allocatedBytes(sparse) < size / 2, "sparse leaves them unallocated: " + allocatedBytes(sparse));
        try (Pkram other = Pkram.boot(PkramOptions.of(populated).shutdownHook(false)))
        {
            NodeContent.save(other, "p", 1, 1);
            assertNull(NodeContent.loadAndVerify(other, "p", 1));
        }
    }

    /**
     * @return bytes the file system has allocated for the file ({@code stat}'s blocks times block size).
     */
    static long allocatedBytes(final Path file) throws IOException, InterruptedException
    {
        final Process stat = new ProcessBuilder("stat", "-c", "%b %B", file.toString()).redirectErrorStream(true)
            .start();
        final String out = new String(stat.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)
            .strip();
        assertEquals(0, stat.waitFor(), out);
        final String[] fields = out.split(" ");
        return Long.parseLong(fields[0]) * Long.parseLong(fields[1]);
    }

    private long linkCount(final long objPfn)
    {
        long link = ObjDescriptor.foliosHeadLinkPfn(pk.mem().page(objPfn));
        int n = 0;
        while (link != Pfn.NULL_PFN)
        {
            n++;
            link = LinkDescriptor.linkPfn(pk.mem().page(link));
        }
        return n;
    }

    /** A small graph: a name, a balance, a list of tags. */
    static final class Account implements BytesMarshallable
    {
        String name;
        long balance;
        List<String> tags;

        Account()
        {
        }

        Account(final String name, final long balance, final List<String> tags)
        {
            this.name = name;
            this.balance = balance;
            this.tags = tags;
        }

        @Override
        public void writeMarshallable(final BytesOut<?> out)
        {
            out.writeUtf8(name);
            out.writeStopBit(balance);
            out.writeStopBit(tags.size());
            for (final String tag : tags)
            {
                out.writeUtf8(tag);
            }
        }

        @Override
        public void readMarshallable(final BytesIn<?> in)
        {
            name = in.readUtf8();
            balance = in.readStopBit();
            final int n = (int)in.readStopBit();
            final List<String> read = new ArrayList<>();
            for (int i = 0; i < n; i++)
            {
                read.add(in.readUtf8());
            }
            tags = read;
        }

        @Override
        public boolean equals(final Object o)
        {
            return o instanceof Account a && a.name.equals(name) && a.balance == balance && a.tags.equals(tags);
        }

        @Override
        public int hashCode()
        {
            return name.hashCode();
        }

        @Override
        public String toString()
        {
            return name + "/" + balance + "/" + tags;
        }
    }
}
