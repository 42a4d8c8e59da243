package org.pkram.bench;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

import org.lmdbjava.ByteBufferProxy;
import org.lmdbjava.Cursor;
import org.lmdbjava.Dbi;
import org.lmdbjava.DbiFlags;
import org.lmdbjava.Env;
import org.lmdbjava.EnvFlags;
import org.lmdbjava.PutFlags;
import org.lmdbjava.Txn;

/**
 * LMDB (lmdbjava 0.9.1 and the liblmdb it bundles for linux x86_64): one environment file on
 * /dev/shm with one database; key = the value's index as 8 big-endian bytes (so that key order is
 * index order), value = the 4 KiB. A 4 KiB value does not fit a 4 KiB LMDB page with its header, so
 * each one takes two overflow pages: the file is twice the data.
 * <p>
 * Restart to ready opens the environment read-write (as the restarted owner would), opens the
 * database, and walks a read transaction's cursor over every entry reading 8 bytes of each value in
 * the map (zero copy). Ready to serve stops after opening the database and a read transaction. The
 * transaction stays open until {@link #shutDown()}, so every value stays reachable.
 */
final class LmdbState implements RestartState
{
    private static final String DB = "values";
    private static final int ENTRIES_PER_TXN = 1 << 16;

    private Path file;
    private long mapSize;
    private Env<ByteBuffer> env;
    private Txn<ByteBuffer> txn;
    private Cursor<ByteBuffer> cursor;

    @Override
    public void build(final Path dir, final int count)
    {
        file = dir.resolve("lmdb.mdb");
        mapSize = mapSize(count);
        final byte[] template = RestartState.template();
        try (Env<ByteBuffer> writer = open(EnvFlags.MDB_NOSUBDIR, EnvFlags.MDB_WRITEMAP, EnvFlags.MDB_NOSYNC))
        {
            final Dbi<ByteBuffer> dbi = writer.openDbi(DB, DbiFlags.MDB_CREATE);
            final ByteBuffer key = ByteBuffer.allocateDirect(Long.BYTES).order(ByteOrder.BIG_ENDIAN);
            final ByteBuffer value = ByteBuffer.allocateDirect(VALUE_SIZE).order(ByteOrder.LITTLE_ENDIAN);
            value.put(template).flip();
            int i = 0;
            while (i < count)
            {
                try (Txn<ByteBuffer> write = writer.txnWrite())
                {
                    final int end = Math.min(count, i + ENTRIES_PER_TXN);
                    for (; i < end; i++)
                    {
                        key.putLong(0, i);
                        value.putLong(0, i);
                        dbi.put(write, key, value, PutFlags.MDB_APPEND);
                    }
                    write.commit();
                }
            }
            writer.sync(true);
        }
    }

    private Env<ByteBuffer> open(final EnvFlags... flags)
    {
        return Env.create(ByteBufferProxy.PROXY_OPTIMAL).setMapSize(mapSize).setMaxDbs(1).open(file.toFile(), flags);
    }

    @Override
    public void adopt(final Path dir, final int count, final String handover)
    {
        file = dir.resolve("lmdb.mdb");
        mapSize = mapSize(count);
    }

    private static long mapSize(final int count)
    {
        return 2L * count * VALUE_SIZE + 64L * count + (64L << 20);
    }

    @Override
    public long restartToReady(final Ready ready)
    {
        env = open(EnvFlags.MDB_NOSUBDIR);
        final Dbi<ByteBuffer> dbi = env.openDbi(DB);
        txn = env.txnRead();
        if (ready == Ready.SERVE)
        {
            // Open is ready: any key is a B-tree lookup away. The count comes from the database's meta page.
            return dbi.stat(txn).entries;
        }
        cursor = dbi.openCursor(txn);
        long sum = 0;
        if (cursor.first())
        {
            do
            {
                // The buffer is the cursor's view into the map, big-endian until told otherwise.
                final ByteBuffer value = cursor.val().order(ByteOrder.LITTLE_ENDIAN);
                sum += value.getLong(value.position());
            }
            while (cursor.next());
        }
        return sum;
    }

    @Override
    public void shutDown()
    {
        if (cursor != null)
        {
            cursor.close();
            cursor = null;
        }
        if (txn != null)
        {
            txn.close();
            txn = null;
        }
        if (env != null)
        {
            env.close();
            env = null;
        }
    }

    @Override
    public void delete()
    {
        shutDown();
    }
}
