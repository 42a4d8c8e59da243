package org.pkram.bench;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

import net.openhft.chronicle.hash.Data;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.ChronicleMapBuilder;

/**
 * Chronicle Map 2026.1 persisted to a file on /dev/shm: {@code ChronicleMap<Long, byte[]>} sized for
 * N entries with a constant value size of 4 KiB.
 * <p>
 * Restart to ready opens the existing file ({@link ChronicleMapBuilder#createPersistedTo(File)} on a
 * file that exists maps it and reads its header; no recovery) and visits every entry with
 * {@link ChronicleMap#forEachEntry}, reading 8 bytes of each value in the map (zero copy, no
 * {@code byte[]} made). Ready to serve stops after opening. The map stays open until {@link #shutDown()}.
 */
final class ChronicleMapState implements RestartState
{
    private File file;
    private int count;
    private ChronicleMap<Long, byte[]> map;

    @Override
    public void build(final Path dir, final int count) throws IOException
    {
        this.file = dir.resolve("chronicle.map").toFile();
        this.count = count;
        final byte[] value = RestartState.template();
        final ByteBuffer view = ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN);
        try (ChronicleMap<Long, byte[]> writer = builder().createPersistedTo(file))
        {
            for (int i = 0; i < count; i++)
            {
                view.putLong(0, i);
                writer.put((long)i, value);
            }
        }
    }

    private ChronicleMapBuilder<Long, byte[]> builder()
    {
        return ChronicleMap.of(Long.class, byte[].class)
            .name("restart-values")
            .entries(count)
            .constantValueSizeBySample(new byte[VALUE_SIZE]);
    }

    @Override
    public void adopt(final Path dir, final int count, final String handover)
    {
        this.file = dir.resolve("chronicle.map").toFile();
        this.count = count;
    }

    @Override
    public long restartToReady(final Ready ready) throws IOException
    {
        map = builder().createPersistedTo(file);
        if (ready == Ready.SERVE)
        {
            // Open is ready: any key is a hash lookup away. The size comes from the segment headers.
            return map.longSize();
        }
        final long[] sum = new long[1];
        map.forEachEntry(entry ->
        {
            final Data<byte[]> value = entry.value();
            // Chronicle Bytes reads native order: little-endian on x86_64, as the values were written.
            sum[0] += value.bytes().readLong(value.offset());
        });
        return sum[0];
    }

    @Override
    public void shutDown()
    {
        if (map != null)
        {
            map.close();
            map = null;
        }
    }

    @Override
    public void delete()
    {
        shutDown();
    }
}
