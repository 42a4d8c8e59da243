package org.pkram.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

import net.openhft.chronicle.map.ChronicleMap;
import org.lmdbjava.ByteBufferProxy;
import org.lmdbjava.Dbi;
import org.lmdbjava.DbiFlags;
import org.lmdbjava.Env;
import org.lmdbjava.EnvFlags;

/**
 * Does each peer start on this JVM, with the flags it was given? Opens a tiny LMDB environment and a
 * tiny Chronicle Map in a temporary directory on /dev/shm and prints one line per peer: {@code ok}, or
 * the exception and its root cause. {@code quick-profile.sh} runs it once without the peers' flags and
 * once with them, so the results show why the flags are there.
 * <p>
 * Usage: {@code java [flags] -cp benchmarks.jar org.pkram.bench.PeerProbe LABEL}
 */
public final class PeerProbe
{
    private PeerProbe()
    {
    }

    /**
     * @param args a label for the flags in use.
     * @throws IOException when the temporary directory cannot be made.
     */
    public static void main(final String[] args) throws IOException
    {
        final String label = args.length > 0 ? args[0] : "this JVM";
        final Path dir = Files.createTempDirectory(RestartBenchmark.SHM, "pkram-probe-");
        try
        {
            System.out.println("JDK " + Runtime.version() + ", " + label + ":");
            System.out.println("  lmdb (lmdbjava 0.9.1):          " + attempt(() -> lmdb(dir)));
            System.out.println("  chronicle-map (2026.1):         " + attempt(() -> chronicle(dir)));
        }
        finally
        {
            RestartState.deleteTree(dir);
        }
    }

    private static void lmdb(final Path dir)
    {
        try (Env<ByteBuffer> env = Env.create(ByteBufferProxy.PROXY_OPTIMAL).setMapSize(1 << 20).setMaxDbs(1)
            .open(dir.resolve("probe.mdb").toFile(), EnvFlags.MDB_NOSUBDIR))
        {
            final Dbi<ByteBuffer> dbi = env.openDbi("probe", DbiFlags.MDB_CREATE);
            final ByteBuffer key = ByteBuffer.allocateDirect(8).putLong(0, 1);
            final ByteBuffer value = ByteBuffer.allocateDirect(8).putLong(0, 2);
            dbi.put(key, value);
        }
    }

    private static void chronicle(final Path dir) throws IOException
    {
        try (ChronicleMap<Long, byte[]> map = ChronicleMap.of(Long.class, byte[].class).entries(16)
            .constantValueSizeBySample(new byte[8]).createPersistedTo(dir.resolve("probe.map").toFile()))
        {
            map.put(1L, new byte[8]);
        }
    }

    private interface Attempt
    {
        void run() throws Exception;
    }

    private static String attempt(final Attempt attempt)
    {
        try
        {
            attempt.run();
            return "ok";
        }
        catch (final Throwable ex)
        {
            Throwable root = ex;
            while (root.getCause() != null && root.getCause() != root)
            {
                root = root.getCause();
            }
            return "FAILS: " + ex.getClass().getName() + (root != ex ? "; root cause: " + root : "");
        }
    }
}
