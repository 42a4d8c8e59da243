package org.pkram.example;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.pkram.DataKind;
import org.pkram.Folio;
import org.pkram.NodeLoad;
import org.pkram.NodeSave;
import org.pkram.ObjLoad;
import org.pkram.ObjSave;
import org.pkram.Pkram;

import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.zip.CRC32C;

/**
 * The key-value store in pkram memory, the way a service keeps live state (DESIGN section 7).
 * <ul>
 * <li>Values go into an append-only log of order-{@value #ORDER} folios (64 KiB) filled with records
 * ({@link KvRecords}); a full folio is never written again. The index (key to folio and offset) is in the
 * heap.</li>
 * <li>A checkpoint replaces node {@value #ROOT} ({@link Pkram#prepareReplace(String)}): one object holding every
 * log folio by reference (those of the previous version shared, so a checkpoint costs the new folios' entries
 * and no copy) and a byte stream of {@value #ROOT_BYTES} bytes: sequence number, records, folios, bytes used in
 * the last folio, and the CRC32C of all records in log order. The swap is the commit point.</li>
 * <li>Writes after a checkpoint go into the tail folio beyond its checkpointed length, or into new folios that
 * no committed root references (a kill frees them at the next boot). Nothing before a checkpointed length is
 * ever written again, and recovery reads the last folio only up to it: a kill leaves exactly the last
 * checkpoint.</li>
 * <li>Start: open the root live, rebuild the index by scanning the log up to the checkpointed length, verify
 * the count and the CRC, and refuse ({@link CorruptStoreException}) on any mismatch.</li>
 * </ul>
 * Thread-safe: one read-write lock.
 */
final class PkramKvStore implements KvStore
{
    /** The root node's name. */
    static final String ROOT = "root";
    /** Log folios are {@code 2^ORDER} pages. */
    static final int ORDER = 4;
    /** Bytes of a log folio. */
    static final int FOLIO_BYTES = Folio.PAGE_SIZE << ORDER;
    /** Bytes of the root's byte stream. */
    static final int ROOT_BYTES = 48;
    private static final int ROOT_MAGIC = 0x6b76726f;
    private static final int ROOT_VERSION = 1;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private final Pkram pk;
    private final PrintStream log;
    private final int pauseEvery;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final List<Folio> folios = new ArrayList<>();
    /** Each folio's view, taken once: {@link Folio#buffer()} is not thread-safe, the view itself is. */
    private final List<MutableDirectBuffer> buffers = new ArrayList<>();
    /** Key to {@code folio << 32 | offset} of its latest record. */
    private final Map<String, Long> index = new HashMap<>();
    private final byte[] header = new byte[KvRecords.HEADER];
    private final UnsafeBuffer headerView = new UnsafeBuffer(header);
    private CRC32C crc = new CRC32C();
    /** The live handle of the root found at start, closed after the first checkpoint replaced it. */
    private NodeLoad live;
    private int tailUsed;
    private long records;
    private long bytes;
    private long seq;
    private int committedFolios;
    private boolean stopping;

    private PkramKvStore(final Pkram pk, final PrintStream log, final int pauseEvery)
    {
        this.pk = pk;
        this.log = log;
        this.pauseEvery = pauseEvery;
    }

    /**
     * Open the store: recover the last checkpoint if node {@value #ROOT} exists, else start empty.
     *
     * @param pauseEvery tests only: sleep 1 ms after every that many folios of a checkpoint (0: never), so that a
     *                   kill can land inside one.
     */
    static PkramKvStore open(final Pkram pk, final PrintStream log, final int pauseEvery) throws CorruptStoreException
    {
        final PkramKvStore store = new PkramKvStore(pk, log, pauseEvery);
        if (pk.nodeNames().contains(ROOT))
        {
            try
            {
                store.recover();
            }
            catch (final CorruptStoreException | RuntimeException ex)
            {
                store.closeLive();
                throw ex;
            }
        }
        return store;
    }

    private void recover() throws CorruptStoreException
    {
        final long begin = System.nanoTime();
        live = pk.openLive(ROOT);
        final ObjLoad obj = live.prepareLoadObj();
        if (obj == null)
        {
            throw new CorruptStoreException("root has no object");
        }
        final List<Folio> loaded = new ArrayList<>();
        Folio folio;
        while ((folio = obj.loadFolio()) != null)
        {
            loaded.add(folio);
        }
        loaded.sort(Comparator.comparingLong(Folio::index));
        final byte[] rootBytes = new byte[ROOT_BYTES];
        int read = 0;
        while (read < ROOT_BYTES)
        {
            final int n = obj.read(rootBytes, read, ROOT_BYTES - read);
            if (n < 0)
            {
                throw new CorruptStoreException("root record is " + read + " bytes, not " + ROOT_BYTES);
            }
            read += n;
        }
        if (obj.remaining() != 0 || live.prepareLoadObj() != null)
        {
            throw new CorruptStoreException("root holds more than one object or record");
        }
        final UnsafeBuffer root = new UnsafeBuffer(rootBytes);
        if (root.getInt(0, LE) != ROOT_MAGIC || root.getInt(4, LE) != ROOT_VERSION || root.getInt(8, LE) != ORDER)
        {
            throw new CorruptStoreException("root record has a bad magic, version or folio order");
        }
        final int folioCount = root.getInt(12, LE);
        final int used = root.getInt(16, LE);
        seq = root.getLong(24, LE);
        final long expectedRecords = root.getLong(32, LE);
        final long expectedCrc = root.getLong(40, LE);
        if (folioCount != loaded.size() || used < 0 || used > FOLIO_BYTES || folioCount == 0 && used != 0)
        {
            throw new CorruptStoreException("root seq=" + seq + " names " + folioCount + " folios (last " + used +
                " bytes used) but holds " + loaded.size());
        }
        for (int i = 0; i < folioCount; i++)
        {
            final Folio f = loaded.get(i);
            if (f.order() != ORDER || f.index() != (long)i << ORDER)
            {
                throw new CorruptStoreException("root seq=" + seq + ": log folio " + i + " is " + f);
            }
            folios.add(f);
            buffers.add(f.buffer());
        }
        final long opened = System.nanoTime();
        scan(used, expectedRecords, expectedCrc);
        log.println("recover: root seq=" + seq + ", " + folioCount + " folios opened live in " +
            (opened - begin) / 1000 + " us, " + records + " records scanned and verified in " +
            (System.nanoTime() - opened) / 1000 + " us");
        committedFolios = folioCount;
        if (folioCount > 0)
        {
            // Beyond the checkpointed length: writes made after the checkpoint, lost by the kill. Clearing them is
            // an in-place write to the committed node that recovery never reads, so it is safe at any instant.
            buffers.getLast().setMemory(used, FOLIO_BYTES - used, (byte)0);
        }
    }

    /** Rebuild the index from the log, up to {@code used} bytes of the last folio, and check it. */
    private void scan(final int used, final long expectedRecords, final long expectedCrc) throws CorruptStoreException
    {
        final byte[] scratch = new byte[FOLIO_BYTES];
        final UnsafeBuffer view = new UnsafeBuffer(scratch);
        final CRC32C check = new CRC32C();
        long count = 0;
        for (int i = 0; i < folios.size(); i++)
        {
            final boolean last = i == folios.size() - 1;
            final int limit = last ? used : FOLIO_BYTES;
            buffers.get(i).getBytes(0, scratch, 0, limit);
            int pos = 0;
            while (pos + KvRecords.HEADER <= limit)
            {
                final int keyLength = view.getInt(pos, LE);
                if (keyLength == 0)
                {
                    break;
                }
                final int valueLength = view.getInt(pos + 4, LE);
                if (keyLength < 0 || keyLength > KvRecords.MAX_KEY || valueLength < 0 ||
                    valueLength > limit - pos - KvRecords.HEADER - keyLength)
                {
                    throw new CorruptStoreException("root seq=" + seq + ": bad record header in log folio " + i +
                        " at offset " + pos + " (key " + keyLength + " bytes, value " + valueLength + " bytes)");
                }
                index.put(new String(scratch, pos + KvRecords.HEADER, keyLength, StandardCharsets.UTF_8),
                    (long)i << 32 | pos);
                pos += KvRecords.HEADER + keyLength + valueLength;
                count++;
            }
            if (last && pos != used)
            {
                throw new CorruptStoreException("root seq=" + seq + ": records of the last log folio end at " + pos +
                    ", not at the checkpointed " + used);
            }
            check.update(scratch, 0, pos);
            bytes += pos;
        }
        if (count != expectedRecords || check.getValue() != expectedCrc)
        {
            throw new CorruptStoreException(String.format("root seq=%d: CRC32C 0x%08x over %d records, checkpointed" +
                " 0x%08x over %d records", seq, check.getValue(), count, expectedCrc, expectedRecords));
        }
        records = count;
        tailUsed = used;
        crc = check;
    }

    @Override
    public void put(final byte[] key, final byte[] value)
    {
        lock.writeLock().lock();
        try
        {
            append(key, value, 0, value.length);
        }
        finally
        {
            lock.writeLock().unlock();
        }
    }

    @Override
    public int putAll(final ByteBuffer records)
    {
        final ByteBuffer in = records.order(LE);
        int count = 0;
        lock.writeLock().lock();
        try
        {
            while (in.remaining() >= KvRecords.HEADER)
            {
                final int keyLength = in.getInt();
                final int valueLength = in.getInt();
                if (keyLength <= 0 || valueLength < 0 || keyLength + (long)valueLength > in.remaining())
                {
                    throw new IllegalArgumentException("bad bulk record " + count);
                }
                final byte[] key = new byte[keyLength];
                in.get(key);
                append(key, in.array(), in.arrayOffset() + in.position(), valueLength);
                in.position(in.position() + valueLength);
                count++;
            }
        }
        finally
        {
            lock.writeLock().unlock();
        }
        return count;
    }

    /** Append one record to the tail of the log; the write lock is held. */
    private void append(final byte[] key, final byte[] src, final int offset, final int length)
    {
        checkWritable();
        final int need = KvRecords.HEADER + key.length + length;
        if (key.length == 0 || key.length > KvRecords.MAX_KEY || need > FOLIO_BYTES)
        {
            throw new IllegalArgumentException("key of " + key.length + " bytes, value of " + length +
                " bytes: a record must fit one " + FOLIO_BYTES + "-byte folio");
        }
        if (folios.isEmpty() || FOLIO_BYTES - tailUsed < need)
        {
            newFolio();
        }
        final int folioNo = folios.size() - 1;
        final MutableDirectBuffer buf = buffers.get(folioNo);
        final int pos = tailUsed;
        headerView.putInt(0, key.length, LE);
        headerView.putInt(4, length, LE);
        buf.putBytes(pos, header);
        buf.putBytes(pos + KvRecords.HEADER, key);
        buf.putBytes(pos + KvRecords.HEADER + key.length, src, offset, length);
        crc.update(header, 0, KvRecords.HEADER);
        crc.update(key, 0, key.length);
        crc.update(src, offset, length);
        tailUsed += need;
        bytes += need;
        records++;
        index.put(new String(key, StandardCharsets.UTF_8), (long)folioNo << 32 | pos);
    }

    /** Seal the tail folio (a zero key length ends its records) and start a new one. */
    private void newFolio()
    {
        if (!folios.isEmpty() && FOLIO_BYTES - tailUsed >= KvRecords.HEADER)
        {
            buffers.getLast().putInt(tailUsed, 0, LE);
        }
        final Folio folio = pk.allocFolio(ORDER);
        folios.add(folio);
        buffers.add(folio.buffer());
        tailUsed = 0;
    }

    @Override
    public byte[] get(final byte[] key)
    {
        lock.readLock().lock();
        try
        {
            final Long at = index.get(new String(key, StandardCharsets.UTF_8));
            if (at == null)
            {
                return null;
            }
            final MutableDirectBuffer buf = buffers.get((int)(at >>> 32));
            final int pos = (int)(long)at;
            final byte[] value = new byte[buf.getInt(pos + 4, LE)];
            buf.getBytes(pos + KvRecords.HEADER + buf.getInt(pos, LE), value);
            return value;
        }
        finally
        {
            lock.readLock().unlock();
        }
    }

    @Override
    public long checkpoint()
    {
        lock.writeLock().lock();
        try
        {
            checkWritable();
            return commit();
        }
        finally
        {
            lock.writeLock().unlock();
        }
    }

    @Override
    public void shutdown()
    {
        lock.writeLock().lock();
        try
        {
            if (!stopping)
            {
                commit();
                stopping = true;
            }
        }
        finally
        {
            lock.writeLock().unlock();
        }
    }

    /**
     * Replace the root: every log folio by reference, then the root record; the write lock is held. If it fails
     * before the swap, the previous root stays committed, but folios allocated since were freed with the dropped
     * version, so the caller must stop the service.
     */
    private long commit()
    {
        final long next = seq + 1;
        log.println("checkpoint begin seq=" + next + " folios=" + folios.size() + " new=" +
            (folios.size() - committedFolios));
        log.flush();
        final long start = System.nanoTime();
        boolean swapped = false;
        try (NodeSave save = pk.prepareReplace(ROOT))
        {
            final ObjSave obj = save.prepareSaveObj(DataKind.FOLIOS, DataKind.BYTES);
            for (int i = 0; i < folios.size(); i++)
            {
                obj.saveFolio(folios.get(i), (long)i << ORDER);
                pause(i);
            }
            final UnsafeBuffer root = new UnsafeBuffer(new byte[ROOT_BYTES]);
            root.putInt(0, ROOT_MAGIC, LE);
            root.putInt(4, ROOT_VERSION, LE);
            root.putInt(8, ORDER, LE);
            root.putInt(12, folios.size(), LE);
            root.putInt(16, tailUsed, LE);
            root.putLong(24, next, LE);
            root.putLong(32, records, LE);
            root.putLong(40, crc.getValue(), LE);
            obj.write(root, 0, ROOT_BYTES);
            obj.finish();
            save.finish();
            swapped = true;
        }
        finally
        {
            if (!swapped)
            {
                // The dropped version freed the folios allocated since the last checkpoint: refuse every write.
                stopping = true;
            }
        }
        seq = next;
        committedFolios = folios.size();
        closeLive();
        log.println("checkpoint done seq=" + seq + " micros=" + (System.nanoTime() - start) / 1000);
        log.flush();
        return seq;
    }

    private void pause(final int folio)
    {
        if (pauseEvery > 0 && folio % pauseEvery == pauseEvery - 1)
        {
            try
            {
                Thread.sleep(1);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void closeLive()
    {
        if (live != null)
        {
            live.close();
            live = null;
        }
    }

    private void checkWritable()
    {
        if (stopping || pk.isClosed())
        {
            throw new IllegalStateException("the service is stopping");
        }
    }

    @Override
    public String stats()
    {
        lock.readLock().lock();
        try
        {
            return "keys=" + index.size() + " records=" + records + " bytes=" + bytes + " seq=" + seq + " folios=" +
                folios.size() + " committedFolios=" + committedFolios;
        }
        finally
        {
            lock.readLock().unlock();
        }
    }

    @Override
    public String digest()
    {
        lock.readLock().lock();
        try
        {
            long sum = 0;
            final byte[] value = new byte[FOLIO_BYTES];
            for (final Map.Entry<String, Long> e : index.entrySet())
            {
                final MutableDirectBuffer buf = buffers.get((int)(e.getValue() >>> 32));
                final int pos = (int)(long)e.getValue();
                final int keyLength = buf.getInt(pos, LE);
                final int valueLength = buf.getInt(pos + 4, LE);
                buf.getBytes(pos + KvRecords.HEADER + keyLength, value, 0, valueLength);
                sum += KvRecords.entryHash(e.getKey().getBytes(StandardCharsets.UTF_8), value, 0, valueLength);
            }
            return KvRecords.digestLine(index.size(), sum);
        }
        finally
        {
            lock.readLock().unlock();
        }
    }

    @Override
    public long where(final byte[] key)
    {
        lock.readLock().lock();
        try
        {
            final Long at = index.get(new String(key, StandardCharsets.UTF_8));
            if (at == null)
            {
                return -1;
            }
            final int folioNo = (int)(at >>> 32);
            final int pos = (int)(long)at;
            return folios.get(folioNo).pfn() * Folio.PAGE_SIZE + pos + KvRecords.HEADER +
                buffers.get(folioNo).getInt(pos, LE);
        }
        finally
        {
            lock.readLock().unlock();
        }
    }
}
