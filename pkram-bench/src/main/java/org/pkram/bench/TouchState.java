package org.pkram.bench;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The floor under pkram's restart: map the same memory file pkram built and read 8 bytes of every page
 * that holds a value, in the order pkram loads them, nothing else. No super block, node or link page is
 * read and no object is made per value. What this costs is mostly the kernel's price of first touching a
 * resident tmpfs page in a new mapping, which on a virtual machine moves by 10× from day to day; pkram's own
 * cost is its time above this one, measured in the same run.
 * <p>
 * The files are pkram's: {@link #build(Path, int)} builds them with {@link PkramState} and keeps the pfn of
 * every value's page, in memory and in {@code touch.pfns} (8 bytes each, little-endian) for a restarted
 * process, which reads it as pkram reads its link pages. Warm reads the first 8 bytes of each of those pages,
 * so its sum is pkram's; ready to serve maps the file and stops. The mapping is {@code MAP_SHARED},
 * read-write, of the whole file, as pkram maps it.
 */
final class TouchState implements RestartState
{
    private static final ValueLayout.OfLong LONG_LE =
        ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final long PAGE = 4096;
    private static final String PFNS = "touch.pfns";

    private Path file;
    private Path pfnFile;
    private long[] pfns;
    private Arena arena;

    @Override
    public void build(final Path dir, final int count) throws IOException
    {
        final PkramState pkram = new PkramState();
        pkram.build(dir, count);
        file = pkram.file();
        pfns = pkram.valuePfns();
        pfnFile = dir.resolve(PFNS);
        final ByteBuffer bytes = ByteBuffer.allocate(pfns.length * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asLongBuffer().put(pfns);
        Files.write(pfnFile, bytes.array());
    }

    @Override
    public void adopt(final Path dir, final int count, final String handover)
    {
        file = dir.resolve("pkram.mem");
        pfnFile = dir.resolve(PFNS);
        pfns = null;
    }

    @Override
    public long restartToReady(final Ready ready) throws IOException
    {
        if (pfns == null)
        {
            final ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(pfnFile)).order(ByteOrder.LITTLE_ENDIAN);
            pfns = new long[bytes.remaining() / Long.BYTES];
            bytes.asLongBuffer().get(pfns);
        }
        arena = Arena.ofShared();
        final MemorySegment memory;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE))
        {
            memory = channel.map(FileChannel.MapMode.READ_WRITE, 0, channel.size(), arena);
        }
        if (ready == Ready.SERVE)
        {
            return pfns.length;
        }
        long sum = 0;
        for (final long pfn : pfns)
        {
            sum += memory.get(LONG_LE, pfn * PAGE);
        }
        return sum;
    }

    @Override
    public void shutDown()
    {
        if (arena != null)
        {
            arena.close();
            arena = null;
        }
    }

    @Override
    public void delete()
    {
        shutDown();
    }
}
