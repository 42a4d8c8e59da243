package org.pkram.mem;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pkram.error.PkramUnavailableException;
import org.pkram.layout.Pfn;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link PhysMem#closeDetached()} and {@link PhysMem#detachedAddress()}: a view used after its mapping is
 * gone never crashes the JVM, never touches the file and never lands in a later mapping.
 */
class PhysMemDetachTest
{
    private static final long SIZE = 8L << 20;
    private static final long PFN = 5;
    private static final long ORIGINAL = 0x1122334455667788L;
    private static final int DETACHED_END = Pfn.PAGE_SIZE << Pfn.MAX_FOLIO_ORDER;

    @TempDir
    Path dir;

    @Test
    void shouldLeaveAStaleViewHarmlessAfterCloseDetached() throws IOException
    {
        final Path file = dir.resolve("m.mem");
        final PhysMem mem = PhysMem.create(file, SIZE, false);
        final long oldAddress = mem.segment().address();
        final UnsafeBuffer stale = mem.page(PFN);
        stale.putLong(0, ORIGINAL);

        mem.closeDetached();
        mem.closeDetached(); // idempotent
        mem.close(); // and a later plain close is a no-op
        assertTrue(mem.isClosed());
        assertThrows(IllegalStateException.class, () -> mem.segment().get(ValueLayout.JAVA_LONG, 0));
        assertThrows(PkramUnavailableException.class, () -> mem.page(PFN), "ENODEV once closed");

        // The view now shows private zero pages: it reads zeros and keeps what it writes to itself.
        assertEquals(0, stale.getLong(0));
        stale.putLong(0, 0xBADL);
        stale.putLong(Pfn.PAGE_SIZE - 8, 0xBADL);
        assertEquals(0xBADL, stale.getLong(0));
        assertEquals(ORIGINAL, longInFile(file, Pfn.toAddr(PFN)));
        assertEquals(0, longInFile(file, Pfn.toAddr(PFN) + Pfn.PAGE_SIZE - 8));

        // The lock went with the close, the address range did not.
        try (PhysMem again = PhysMem.open(file))
        {
            final long newAddress = again.segment().address();
            assertTrue(newAddress + SIZE <= oldAddress || newAddress >= oldAddress + SIZE,
                "new mapping overlaps the detached range: old=" + Long.toHexString(oldAddress) + ", new=" +
                Long.toHexString(newAddress));
            stale.putLong(8, 0xBEEFL);
            assertEquals(0, again.page(PFN).getLong(8));
            assertEquals(ORIGINAL, again.page(PFN).getLong(0));
        }
        assertEquals(0, longInFile(file, Pfn.toAddr(PFN) + 8));
    }

    @Test
    void shouldMapASecondAttachElsewhereAfterCloseDetachedOfAReadOnlyAttach() throws IOException
    {
        final Path file = dir.resolve("m.mem");
        PhysMem.create(file, SIZE, false).close();
        final PhysMem reader = PhysMem.openReadOnly(file);
        final UnsafeBuffer stale = reader.page(0);
        final long oldAddress = reader.segment().address();
        reader.closeDetached();
        stale.putLong(0, -1L); // was a read-only page: a write there would have been a SIGSEGV
        try (PhysMem again = PhysMem.open(file))
        {
            assertNotEquals(oldAddress, again.segment().address());
            assertNotEquals(-1L, again.page(0).getLong(0));
        }
    }

    @Test
    void shouldFailABoundsCheckedUseOfAViewWrappedAtTheDetachedRegionWithNoCapacity()
    {
        final long address = PhysMem.detachedAddress();
        assertTrue(address != 0);
        assertEquals(address, PhysMem.detachedAddress());
        assertEquals(Pfn.PAGE_SIZE << Pfn.MAX_FOLIO_ORDER, PhysMem.DETACHED_LENGTH);
        final UnsafeBuffer view = new UnsafeBuffer(address, 0);
        assertThrows(IndexOutOfBoundsException.class, () -> view.getLong(0));
    }

    @Test
    void shouldAbsorbAFullOrderTenWriteThroughADetachedViewWithBoundsChecksOff() throws Exception
    {
        final Path file = dir.resolve("m.mem");
        final Result child = runChild(List.of("-Dagrona.disable.bounds.checks=true"), WriteDetached.class,
            file.toString());
        assertEquals(0, child.exitCode(), child.stdout() + child.stderr());
        assertEquals("boundsChecks=false, last=5a5a5a5a5a5a5a5a", child.stdout().trim());
        final long folioAddr = Pfn.toAddr(1024);
        assertEquals(ORIGINAL, longInFile(file, folioAddr));
        assertEquals(0, longInFile(file, folioAddr + DETACHED_END - 8));
    }

    private static long longInFile(final Path file, final long offset) throws IOException
    {
        final byte[] bytes = Files.readAllBytes(file);
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong((int)offset);
    }

    /** Child, bounds checks off: detach an order-10 folio's view, as a free does, and write all of it. */
    static final class WriteDetached
    {
        public static void main(final String[] args)
        {
            final PhysMem mem = PhysMem.create(Path.of(args[0]), SIZE, false);
            final UnsafeBuffer folio = mem.folio(1024, Pfn.MAX_FOLIO_ORDER);
            folio.putLong(0, ORIGINAL);
            mem.close();
            folio.wrap(PhysMem.detachedAddress(), 0);
            folio.setMemory(0, DETACHED_END, (byte)0x5A);
            for (int offset = 0; offset < DETACHED_END; offset += Pfn.PAGE_SIZE)
            {
                folio.putLong(offset + Pfn.PAGE_SIZE - 8, 0x5A5A5A5A5A5A5A5AL);
            }
            System.out.println("boundsChecks=" + UnsafeBuffer.SHOULD_BOUNDS_CHECK + ", last=" +
                Long.toHexString(folio.getLong(DETACHED_END - 8)));
        }
    }

    /** What a child printed and how it ended. */
    record Result(int exitCode, String stdout, String stderr)
    {
    }

    /** As {@code org.pkram.ChildJvm.run}, with extra JVM flags. */
    static Result runChild(final List<String> jvmFlags, final Class<?> main, final String... args)
        throws IOException, InterruptedException
    {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(JvmFlags.required());
        command.addAll(jvmFlags);
        command.add("-Xmx256m");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(main.getName());
        command.addAll(List.of(args));
        final Process process = new ProcessBuilder(command).start();
        process.getOutputStream().close();
        final byte[] out = process.getInputStream().readAllBytes();
        final byte[] err = process.getErrorStream().readAllBytes();
        if (!process.waitFor(120, TimeUnit.SECONDS))
        {
            process.destroyForcibly();
            throw new AssertionError("child JVM did not finish in 120 s: " + command);
        }
        return new Result(process.exitValue(), new String(out, StandardCharsets.UTF_8),
            new String(err, StandardCharsets.UTF_8));
    }
}
