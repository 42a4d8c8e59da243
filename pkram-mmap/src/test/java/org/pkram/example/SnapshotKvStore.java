package org.pkram.example;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * The baseline: the same service with its values in the heap; a checkpoint writes every record to a temporary
 * file and renames it over the snapshot (no fsync: like the pkram store, it survives a process kill, not a power
 * loss); a start reads the whole file back and rebuilds the map. File: {@code int magic, int version, long seq,
 * long records}, the records ({@code int keyLength, int valueLength, key, value}, big-endian), {@code long crc}
 * (CRC32C of the records).
 */
final class SnapshotKvStore implements KvStore
{
    private static final int MAGIC = 0x6b767366;
    private static final int VERSION = 1;
    private static final int BUFFER = 1 << 20;

    private final Path file;
    private final Map<String, byte[]> map = new HashMap<>();
    private long seq;
    private long bytes;
    private boolean stopping;

    private SnapshotKvStore(final Path file)
    {
        this.file = file;
    }

    /**
     * Open the store: read the snapshot file back if there is one.
     */
    static SnapshotKvStore open(final Path file) throws CorruptStoreException, IOException
    {
        final SnapshotKvStore store = new SnapshotKvStore(file);
        if (Files.exists(file))
        {
            store.load();
        }
        return store;
    }

    private void load() throws CorruptStoreException, IOException
    {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), BUFFER)))
        {
            if (in.readInt() != MAGIC || in.readInt() != VERSION)
            {
                throw new CorruptStoreException("snapshot " + file + " has a bad magic or version");
            }
            seq = in.readLong();
            final long count = in.readLong();
            final CRC32C crc = new CRC32C();
            final ByteBuffer header = ByteBuffer.allocate(KvRecords.HEADER);
            for (long i = 0; i < count; i++)
            {
                final int keyLength = in.readInt();
                final int valueLength = in.readInt();
                if (keyLength <= 0 || keyLength > KvRecords.MAX_KEY || valueLength < 0)
                {
                    throw new CorruptStoreException("snapshot " + file + ": bad record header " + i);
                }
                final byte[] key = new byte[keyLength];
                in.readFully(key);
                final byte[] value = new byte[valueLength];
                in.readFully(value);
                crc.update(header.clear().putInt(keyLength).putInt(valueLength).flip());
                crc.update(key);
                crc.update(value);
                map.put(new String(key, StandardCharsets.UTF_8), value);
                bytes += KvRecords.HEADER + keyLength + valueLength;
            }
            if (in.readLong() != crc.getValue() || in.read() != -1)
            {
                throw new CorruptStoreException("snapshot " + file + ": CRC32C mismatch or trailing bytes");
            }
        }
        catch (final EOFException ex)
        {
            throw new CorruptStoreException("snapshot " + file + " is truncated");
        }
    }

    @Override
    public synchronized void put(final byte[] key, final byte[] value)
    {
        checkWritable();
        if (key.length == 0 || key.length > KvRecords.MAX_KEY)
        {
            throw new IllegalArgumentException("key of " + key.length + " bytes");
        }
        final byte[] old = map.put(new String(key, StandardCharsets.UTF_8), value);
        bytes += value.length - (old == null ? -KvRecords.HEADER - key.length : old.length);
    }

    @Override
    public synchronized int putAll(final ByteBuffer records)
    {
        final ByteBuffer in = records.order(ByteOrder.LITTLE_ENDIAN);
        int count = 0;
        while (in.remaining() >= KvRecords.HEADER)
        {
            final int keyLength = in.getInt();
            final int valueLength = in.getInt();
            if (keyLength <= 0 || valueLength < 0 || keyLength + (long)valueLength > in.remaining())
            {
                throw new IllegalArgumentException("bad bulk record " + count);
            }
            final byte[] key = new byte[keyLength];
            final byte[] value = new byte[valueLength];
            in.get(key).get(value);
            put(key, value);
            count++;
        }
        return count;
    }

    @Override
    public synchronized byte[] get(final byte[] key)
    {
        return map.get(new String(key, StandardCharsets.UTF_8));
    }

    @Override
    public synchronized long checkpoint()
    {
        checkWritable();
        return write();
    }

    @Override
    public synchronized void shutdown()
    {
        if (!stopping)
        {
            write();
            stopping = true;
        }
    }

    private long write()
    {
        final long next = seq + 1;
        final Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try
        {
            try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp),
                BUFFER)))
            {
                out.writeInt(MAGIC);
                out.writeInt(VERSION);
                out.writeLong(next);
                out.writeLong(map.size());
                final CRC32C crc = new CRC32C();
                final ByteBuffer header = ByteBuffer.allocate(KvRecords.HEADER);
                for (final Map.Entry<String, byte[]> e : map.entrySet())
                {
                    final byte[] key = e.getKey().getBytes(StandardCharsets.UTF_8);
                    final byte[] value = e.getValue();
                    header.clear().putInt(key.length).putInt(value.length);
                    out.write(header.array());
                    out.write(key);
                    out.write(value);
                    crc.update(header.flip());
                    crc.update(key);
                    crc.update(value);
                }
                out.writeLong(crc.getValue());
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        seq = next;
        return seq;
    }

    private void checkWritable()
    {
        if (stopping)
        {
            throw new IllegalStateException("the service is stopping");
        }
    }

    @Override
    public synchronized String stats()
    {
        return "keys=" + map.size() + " records=" + map.size() + " bytes=" + bytes + " seq=" + seq;
    }

    @Override
    public synchronized String digest()
    {
        long sum = 0;
        for (final Map.Entry<String, byte[]> e : map.entrySet())
        {
            final byte[] value = e.getValue();
            sum += KvRecords.entryHash(e.getKey().getBytes(StandardCharsets.UTF_8), value, 0, value.length);
        }
        return KvRecords.digestLine(map.size(), sum);
    }

    @Override
    public long where(final byte[] key)
    {
        return -1;
    }
}
