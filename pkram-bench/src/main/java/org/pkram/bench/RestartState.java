package org.pkram.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * One system's persisted state for {@link RestartBenchmark}: N values of 4 KiB, value {@code i} holding
 * {@code i} (little-endian) in its first 8 bytes and fixed pseudo-random bytes after that.
 * <p>
 * Lifecycle, per trial: {@link #build(Path, int)} once (written in the system's own format, then
 * closed, as a process that saved its state and exited); then per invocation
 * {@link #restartToReady(Ready)} (measured: a cold open of the existing files, every value reached and,
 * when warm, its first 8 bytes read) and {@link #shutDown()} (not measured: close, and for pkram the re-save
 * that loading consumed); then {@link #delete()}.
 * <p>
 * {@link ProcessRestartBenchmark} restarts in a new JVM instead: the child {@link #adopt adopts} the files the
 * trial built, with the {@link #handover()} string the previous process left (pkram's super block pfn).
 */
interface RestartState
{
    /** Bytes in one value. */
    int VALUE_SIZE = 4096;

    /**
     * Write the values, in this system's persisted form, into {@code dir}, and close everything.
     *
     * @param dir   an empty directory on /dev/shm, owned by this state.
     * @param count values to write.
     * @throws Exception whatever the system throws; the benchmark fails with it.
     */
    void build(Path dir, int count) throws Exception;

    /**
     * Take over the files another process built or left with {@link #shutDown()}, as a restarted process
     * does: nothing is opened yet.
     *
     * @param dir      the directory {@link #build(Path, int)} wrote.
     * @param count    values in it.
     * @param handover what the last process's {@link #handover()} returned.
     */
    void adopt(Path dir, int count, String handover);

    /**
     * @return what a new process needs, beyond the directory and the count, to find the state: pkram's
     *         super block pfn; {@code -} for systems whose files say everything.
     */
    default String handover()
    {
        return "-";
    }

    /**
     * From nothing open to every value reachable: open the files, reach each value and, when
     * {@code ready} is {@link Ready#WARM}, sum the first 8 bytes of all of them.
     *
     * @param ready how far to go.
     * @return the sum ({@link Ready#WARM}) or the number of values reachable ({@link Ready#SERVE}): must be
     *         {@link Ready#expected(int)}.
     * @throws Exception whatever the system throws.
     */
    long restartToReady(Ready ready) throws Exception;

    /**
     * Close what {@link #restartToReady(Ready)} opened and leave the files as {@link #build(Path, int)} did.
     *
     * @throws Exception whatever the system throws.
     */
    void shutDown() throws Exception;

    /**
     * Close anything still open. Idempotent.
     */
    default void delete()
    {
    }

    /**
     * @param count values.
     * @return the sum of {@code 0 .. count-1}.
     */
    static long expectedSum(final int count)
    {
        return (long)count * (count - 1) / 2;
    }

    /**
     * @return the bytes every value carries after its first 8 (fixed, pseudo-random).
     */
    static byte[] template()
    {
        final byte[] bytes = new byte[VALUE_SIZE];
        new SplittableRandom(0x9E3779B97F4A7C15L).nextBytes(bytes);
        return bytes;
    }

    /**
     * @param name the system name of {@link RestartBenchmark#system}.
     * @return a new, unbuilt state of that system.
     */
    static RestartState of(final String name)
    {
        return switch (name)
        {
            case "pkram" -> new PkramState();
            case "touch" -> new TouchState();
            case "filechannel" -> new FileChannelState();
            case "lmdb" -> new LmdbState();
            case "chronicle-map" -> new ChronicleMapState();
            default -> throw new IllegalArgumentException("unknown system: " + name);
        };
    }

    /**
     * @param dir a directory.
     * @return the allocated bytes of the files in it (tmpfs blocks: sparse files count what they hold).
     * @throws IOException when it cannot be listed.
     */
    static long allocatedBytes(final Path dir) throws IOException
    {
        final ProcessBuilder du = new ProcessBuilder("du", "-s", "-B1", dir.toString());
        du.redirectErrorStream(true);
        final Process process = du.start();
        final String out = new String(process.getInputStream().readAllBytes()).trim();
        try
        {
            process.waitFor();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        return Long.parseLong(out.split("\\s+")[0]);
    }

    /**
     * Delete a directory and everything in it.
     *
     * @param dir the directory; nothing happens when it does not exist.
     */
    static void deleteTree(final Path dir)
    {
        if (dir == null || !Files.exists(dir))
        {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir))
        {
            for (final Path path : paths.sorted(Comparator.reverseOrder()).toList())
            {
                Files.deleteIfExists(path);
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot delete " + dir, ex);
        }
    }
}
