package org.pkram.example;

import org.junit.jupiter.api.Test;
import org.pkram.testing.ScratchDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The example service ({@link KvService}) in child JVMs, against a model of what it must hold:
 * <ol>
 * <li>100,000 keys (values of 100..2000 bytes from a seed) loaded over HTTP, checkpointed;</li>
 * <li>more writes, then SIGTERM: the restart has every key (pkram's shutdown hook ran the service's
 * checkpoint);</li>
 * <li>rounds of writes, a checkpoint, more writes and a SIGKILL at a random moment: the restart has exactly the
 * last checkpoint; every third round the kill comes while a checkpoint of many folios runs, and the restart has
 * the previous or the new checkpoint, never a mix; a byte of a checkpointed value flipped in the memory file
 * makes the service refuse to start (one line, exit 3), and it serves again once the byte is back;</li>
 * <li>the time from spawn to the first served GET for the pkram service and for the same service restoring the
 * same data from a snapshot file, printed, not asserted.</li>
 * </ol>
 * {@code -Dkv.seed}, {@code -Dkv.rounds} change the seed and the number of kill rounds.
 */
class KvServiceIT
{
    private static final long SEED = Long.getLong("kv.seed", 20261204L);
    private static final int ROUNDS = Integer.getInteger("kv.rounds", 30);
    private static final int INITIAL_KEYS = 100_000;
    private static final int NEW_KEY_LIMIT = 150_000;
    private static final int BATCH = 1000;
    private static final String SIZE = "256M";
    private static final int SIGTERM_STATUS = 143;
    private static final int SIGKILL_STATUS = 137;
    private static final int TRIALS = 3;
    /** A checkpoint pauses 1 ms every 64 folios (about 40 ms for the whole log), so kills can land inside it. */
    private static final List<String> SLOW_CHECKPOINT = List.of("-Dkv.checkpointPauseEvery=64");
    private static final int LOST_VERSION = 1_000_000;

    @ScratchDir
    Path dir;

    private Path memoryFile;
    private Random random;
    /** What the service holds now. */
    private KvModel model;
    /** What the last checkpoint holds. */
    private KvModel committed;
    private long committedSeq;
    private final List<KvProcess> started = new ArrayList<>();

    @Test
    void shouldServeExactlyTheLastCheckpointAfterSigtermKillsAndCorruptionAndStartBeforeTheSnapshot()
        throws Exception
    {
        final long begin = System.nanoTime();
        memoryFile = dir.resolve("kv.mem");
        random = new Random(SEED);
        model = new KvModel(SEED);
        committed = model.copy();
        try
        {
            KvProcess service = loadAndTerminate();
            service = killRounds(service);
            service = corruptAndRefuse(service);
            startupTimes(service);
        }
        finally
        {
            for (final KvProcess process : started)
            {
                process.close();
            }
        }
        System.out.printf("KvServiceIT: seed=%d rounds=%d, %.1f s%n", SEED, ROUNDS,
            (System.nanoTime() - begin) / 1e9);
    }

    /** Steps 1 and 2: load, checkpoint, write more, SIGTERM, restart with every key. */
    private KvProcess loadAndTerminate() throws Exception
    {
        final long t1 = System.nanoTime();
        final KvProcess first = start(KvProcess.pkram(memoryFile, SIZE, SLOW_CHECKPOINT));
        first.awaitReady();
        assertTrue(first.lines().stream().anyMatch(l -> l.startsWith("boot: created the memory file")),
            first::describe);
        final long t0 = System.nanoTime();
        final int[] keys = java.util.stream.IntStream.range(0, INITIAL_KEYS).toArray();
        bulk(first, keys, 1);
        final double loadSeconds = (System.nanoTime() - t0) / 1e9;
        assertEquals(1, first.checkpoint());
        commit(1);
        assertEquals(model.digest(), first.text("GET", "/digest", null));
        System.out.printf("step 1: %d keys loaded in %.1f s, checkpoint seq=1; %s%n", INITIAL_KEYS, loadSeconds,
            first.text("GET", "/stats", null));

        // Writes after the checkpoint, one PUT each from two threads: new keys and overwrites.
        final ExecutorService pool = Executors.newFixedThreadPool(2);
        try
        {
            final List<Future<?>> puts = new ArrayList<>();
            for (int t = 0; t < 2; t++)
            {
                final int thread = t;
                puts.add(pool.submit(() ->
                {
                    for (int i = thread; i < 500; i += 2)
                    {
                        first.put(KvModel.key(INITIAL_KEYS + i), model.value(INITIAL_KEYS + i, 1));
                        first.put(KvModel.key(i * 7), model.value(i * 7, 2));
                    }
                    return null;
                }));
            }
            for (final Future<?> put : puts)
            {
                put.get();
            }
        }
        finally
        {
            pool.shutdown();
        }
        for (int i = 0; i < 500; i++)
        {
            model.set(INITIAL_KEYS + i, 1);
            model.set(i * 7, 2);
        }
        first.terminate();
        assertEquals(SIGTERM_STATUS, first.awaitExit(), first::describe);
        assertTrue(first.lines().stream().anyMatch(l -> l.startsWith("checkpoint done seq=2 ")),
            "the shutdown hook ran the service's checkpoint: " + first.describe());
        commit(2);

        final KvProcess second = start(KvProcess.pkram(memoryFile, SIZE, SLOW_CHECKPOINT));
        verify(second, 2, 300);
        System.out.printf("step 2 (%.1f s with step 1): SIGTERM after 1,000 more writes: restart has all %d keys" +
            " (seq=2), %s%n", (System.nanoTime() - t1) / 1e9, model.keys(), second.awaitLine("recovered "));
        return second;
    }

    /** Step 3: rounds of writes, checkpoint, lost writes, SIGKILL; some kills inside a checkpoint. */
    private KvProcess killRounds(final KvProcess initial) throws Exception
    {
        final long t0 = System.nanoTime();
        KvProcess service = initial;
        long checkpointMicros = 50_000;
        final int[] landed = new int[3];
        final int[] outcomes = new int[2];
        int lostChecked = 0;
        for (int round = 0; round < ROUNDS; round++)
        {
            final boolean inCheckpoint = round % 3 == 2;
            writeRandom(service, inCheckpoint ? 3000 : 400 + random.nextInt(1200), round + 3);
            final List<Integer> lost = Collections.synchronizedList(new ArrayList<>());
            KvModel candidate = null;
            final AtomicLong answered = new AtomicLong(-1);
            if (inCheckpoint)
            {
                candidate = model.copy();
                final KvProcess target = service;
                final Thread checkpoint = Thread.ofPlatform().start(() -> answered.set(quietCheckpoint(target)));
                // Uniform over the time a checkpoint took last (the service prints it): before, inside and after.
                TimeUnit.MICROSECONDS.sleep(random.nextLong(checkpointMicros * 3 / 2 + 5_000));
                service.kill();
                checkpoint.join();
            }
            else
            {
                final long seq = service.checkpoint();
                assertEquals(committedSeq + 1, seq);
                commit(seq);
                final AtomicBoolean stop = new AtomicBoolean();
                final KvProcess target = service;
                final int version = LOST_VERSION + round * 10_000;
                final Thread writer = Thread.ofPlatform().start(() -> lostWrites(target, version, stop, lost));
                TimeUnit.MILLISECONDS.sleep(20 + random.nextInt(230));
                service.kill();
                stop.set(true);
                writer.join();
            }
            assertEquals(SIGKILL_STATUS, service.awaitExit(), service::describe);
            final List<String> lines = service.lines();
            checkpointMicros = lines.stream().filter(l -> l.startsWith("checkpoint done seq=")).reduce((a, b) -> b)
                .map(l -> Long.parseLong(l.substring(l.indexOf("micros=") + 7))).orElse(checkpointMicros);
            service.close();
            service = start(KvProcess.pkram(memoryFile, SIZE, SLOW_CHECKPOINT));
            service.awaitReady();
            final long seq = service.stat("seq");
            if (inCheckpoint)
            {
                final boolean began = lines.stream().anyMatch(l -> l.startsWith("checkpoint begin seq=" +
                    (committedSeq + 1) + " "));
                final boolean done = lines.stream().anyMatch(l -> l.startsWith("checkpoint done seq="));
                landed[!began ? 0 : done ? 2 : 1]++;
                if (seq == committedSeq + 1)
                {
                    assertTrue(began, "a checkpoint that never began cannot be there");
                    model = candidate;
                    commit(seq);
                    outcomes[1]++;
                }
                else
                {
                    assertEquals(committedSeq, seq, "the previous checkpoint or the new one");
                    assertEquals(-1, answered.get(), "an answered checkpoint must survive the kill");
                    outcomes[0]++;
                }
            }
            model = committed.copy();
            verify(service, committedSeq, 100);
            lostChecked += checkLost(service, lost);
        }
        System.out.printf("step 3 (%.1f s): %d kill rounds, each restart exactly the last checkpoint (seq=%d, %d" +
            " keys); %d lost writes read back as checkpointed; kills aimed at a checkpoint: %d before it began, %d" +
            " inside, %d after it ended; restarts with the previous checkpoint %d, with the new one %d (last" +
            " checkpoint %d us)%n", (System.nanoTime() - t0) / 1e9, ROUNDS, committedSeq, committed.keys(),
            lostChecked, landed[0], landed[1], landed[2], outcomes[0], outcomes[1], checkpointMicros);
        assertTrue(ROUNDS < 3 || landed[1] > 0, "no kill landed inside a checkpoint: the rounds tested less than" +
            " they claim");
        return service;
    }

    private static long quietCheckpoint(final KvProcess service)
    {
        try
        {
            return service.checkpoint();
        }
        catch (final IOException | AssertionError ex)
        {
            return -1;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** Writes after the checkpoint until the kill: single PUTs and small bulks of versions never checkpointed. */
    private void lostWrites(final KvProcess service, final int version, final AtomicBoolean stop,
        final List<Integer> lost)
    {
        final Random own = new Random(version);
        try
        {
            for (int i = 0; !stop.get(); i++)
            {
                if (i % 2 == 0)
                {
                    final int key = own.nextInt(NEW_KEY_LIMIT);
                    lost.add(key);
                    service.put(KvModel.key(key), model.value(key, version + i));
                }
                else
                {
                    final int[] keys = own.ints(50, 0, NEW_KEY_LIMIT).toArray();
                    final int[] versions = new int[keys.length];
                    Arrays.fill(versions, version + i);
                    Arrays.stream(keys).forEach(lost::add);
                    service.text("POST", "/bulk", body(keys, versions));
                }
            }
        }
        catch (final IOException | AssertionError ex)
        {
            // killed
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    /** The keys the lost writes touched read back as the checkpoint has them. */
    private int checkLost(final KvProcess service, final List<Integer> lost) throws Exception
    {
        final List<Integer> keys;
        synchronized (lost)
        {
            keys = new ArrayList<>(lost.subList(0, Math.min(lost.size(), 40)));
        }
        for (final int key : keys)
        {
            assertArrayEquals(committed.expected(key), service.get(KvModel.key(key)), "key " + key);
        }
        return keys.size();
    }

    /** Step 3, last part: a byte flipped inside a checkpointed value; the service refuses, then serves again. */
    private KvProcess corruptAndRefuse(final KvProcess service) throws Exception
    {
        final int[] present = committed.present();
        final int key = present[random.nextInt(present.length)];
        final long offset = Long.parseLong(service.text("GET", "/where/" + KvModel.key(key), null)) + 17;
        assertEquals("stopping", service.text("POST", "/shutdown", null));
        assertEquals(0, service.awaitExit(), service::describe);
        commit(committedSeq + 1);

        final byte good = flip(offset);
        final KvProcess refused = start(KvProcess.pkram(memoryFile, SIZE, List.of()));
        assertEquals(KvService.EXIT_CORRUPT, refused.awaitExit(), refused::describe);
        final String err = refused.stderr().strip();
        assertTrue(err.startsWith("kv: refusing to start: root seq=" + committedSeq + ": CRC32C "), err);
        assertEquals(1, err.lines().count(), err);
        assertFalse(refused.lines().stream().anyMatch(l -> l.startsWith("ready")), refused::describe);
        assertEquals((byte)~good, flip(offset), "the refused start left the damaged byte as it was");

        final KvProcess again = start(KvProcess.pkram(memoryFile, SIZE, List.of()));
        verify(again, committedSeq, 100);
        System.out.printf("step 3: byte at offset %d of the memory file (value of %s) flipped: refused (exit %d:" +
            " \"%s\"); restored: serves seq=%d again%n", offset, KvModel.key(key), KvService.EXIT_CORRUPT, err,
            committedSeq);
        return again;
    }

    /** Flip every bit of one byte of the memory file; return what it was. */
    private byte flip(final long offset) throws IOException
    {
        try (FileChannel channel = FileChannel.open(memoryFile, StandardOpenOption.READ, StandardOpenOption.WRITE))
        {
            final ByteBuffer one = ByteBuffer.allocate(1);
            assertEquals(1, channel.read(one, offset));
            final byte was = one.get(0);
            channel.write(ByteBuffer.wrap(new byte[] {(byte)~was}), offset);
            return was;
        }
    }

    /** Step 4: spawn to first served GET, pkram against the snapshot file, same data, alternating. */
    private void startupTimes(final KvProcess service) throws Exception
    {
        final Path snapshotFile = dir.resolve("kv.snapshot");
        final KvProcess loader = start(KvProcess.snapshot(snapshotFile, List.of()));
        loader.awaitReady();
        final int[] present = committed.present();
        final int[] versions = Arrays.stream(present).map(committed::version).toArray();
        bulk(loader, present, versions);
        assertEquals(committed.digest(), loader.text("GET", "/digest", null));
        assertEquals("stopping", loader.text("POST", "/shutdown", null));
        assertEquals(0, loader.awaitExit(), loader::describe);
        final String pkramStats = service.text("GET", "/stats", null);
        assertEquals("stopping", service.text("POST", "/shutdown", null));
        assertEquals(0, service.awaitExit(), service::describe);
        commit(committedSeq + 1);

        final long[][] millis = new long[2][TRIALS];
        final long[][] cpu = new long[2][TRIALS];
        final List<String> details = new ArrayList<>();
        final int[] probe = {present[0], present[present.length / 2], present[present.length - 1]};
        for (int trial = 0; trial < TRIALS; trial++)
        {
            for (int mode = 0; mode < 2; mode++)
            {
                final KvProcess process = start(mode == 0 ? KvProcess.pkram(memoryFile, SIZE, List.of()) :
                    KvProcess.snapshot(snapshotFile, List.of()));
                process.awaitReady();
                final int key = probe[trial];
                assertArrayEquals(committed.expected(key), process.get(KvModel.key(key)));
                millis[mode][trial] = (System.nanoTime() - process.spawnNanos()) / 1_000_000;
                cpu[mode][trial] = process.cpuMillis();
                details.add((mode == 0 ? "pkram: " : "snapshot: ") + process.lines().stream()
                    .filter(l -> !l.startsWith("checkpoint")).toList());
                assertEquals(committed.digest(), process.text("GET", "/digest", null), "every key, " + mode);
                spotCheck(process, committed, 100);
                assertEquals("stopping", process.text("POST", "/shutdown", null));
                assertEquals(0, process.awaitExit(), process::describe);
                if (mode == 0)
                {
                    commit(committedSeq + 1);
                }
            }
        }
        System.out.printf("step 4: %d keys (pkram log %s; snapshot file %d bytes): spawn to first served GET," +
            " pkram %s ms (median %d, CPU %s ms), snapshot %s ms (median %d, CPU %s ms): snapshot/pkram = %.2f" +
            " (CPU %.2f)%n", committed.keys(), pkramStats, Files.size(snapshotFile), Arrays.toString(millis[0]),
            median(millis[0]), Arrays.toString(cpu[0]), Arrays.toString(millis[1]), median(millis[1]),
            Arrays.toString(cpu[1]), (double)median(millis[1]) / median(millis[0]),
            (double)median(cpu[1]) / median(cpu[0]));
        details.forEach(l -> System.out.println("  " + l));
    }

    private static long median(final long[] values)
    {
        final long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private KvProcess start(final KvProcess process)
    {
        started.add(process);
        return process;
    }

    private void commit(final long seq)
    {
        committed = model.copy();
        committedSeq = seq;
    }

    /** The service serves checkpoint {@code seq}: the same digest over every key, and spot checks. */
    private void verify(final KvProcess service, final long seq, final int spot) throws Exception
    {
        service.awaitReady();
        assertEquals(seq, service.stat("seq"), service::describe);
        assertEquals(committed.digest(), service.text("GET", "/digest", null), "every key and value");
        assertEquals(committed.keys(), service.stat("keys"));
        spotCheck(service, committed, spot);
    }

    private void spotCheck(final KvProcess service, final KvModel expected, final int spot) throws Exception
    {
        for (int i = 0; i < spot; i++)
        {
            final int key = random.nextInt(i % 10 == 9 ? KvModel.KEY_SPACE : NEW_KEY_LIMIT);
            assertArrayEquals(expected.expected(key), service.get(KvModel.key(key)), "key " + key);
        }
    }

    /** Random writes, new keys and overwrites, at {@code version}, in bulks; the model follows. */
    private void writeRandom(final KvProcess service, final int count, final int version) throws Exception
    {
        final int[] keys = random.ints(count, 0, NEW_KEY_LIMIT).distinct().toArray();
        bulk(service, keys, version);
    }

    private void bulk(final KvProcess service, final int[] keys, final int version) throws Exception
    {
        final int[] versions = new int[keys.length];
        Arrays.fill(versions, version);
        bulk(service, keys, versions);
    }

    /** Store {@code keys} at {@code versions} in batches from two threads; the model follows. */
    private void bulk(final KvProcess service, final int[] keys, final int[] versions) throws Exception
    {
        final ExecutorService pool = Executors.newFixedThreadPool(2);
        final long[] hashes = new long[keys.length];
        try
        {
            final List<Future<String>> answers = new ArrayList<>();
            for (int from = 0; from < keys.length; from += BATCH)
            {
                final int start = from;
                final int end = Math.min(keys.length, from + BATCH);
                answers.add(pool.submit(() -> service.text("POST", "/bulk", body(keys, versions, start, end, hashes))));
            }
            for (final Future<String> answer : answers)
            {
                answer.get();
            }
        }
        finally
        {
            pool.shutdown();
        }
        for (int i = 0; i < keys.length; i++)
        {
            model.set(keys[i], versions[i], hashes[i]);
        }
    }

    private byte[] body(final int[] keys, final int[] versions)
    {
        return body(keys, versions, 0, keys.length, new long[keys.length]);
    }

    /** A bulk body of records {@code from..to - 1}; their entry hashes go into {@code hashes}. */
    private byte[] body(final int[] keys, final int[] versions, final int from, final int to, final long[] hashes)
    {
        final byte[][] values = new byte[to - from][];
        int size = 0;
        for (int i = from; i < to; i++)
        {
            final byte[] value = model.value(keys[i], versions[i]);
            values[i - from] = value;
            hashes[i] = KvRecords.entryHash(KvModel.keyBytes(keys[i]), value, 0, value.length);
            size += KvRecords.HEADER + KvModel.keyBytes(keys[i]).length + value.length;
        }
        final ByteBuffer out = ByteBuffer.allocate(size);
        for (int i = from; i < to; i++)
        {
            KvRecords.append(out, KvModel.keyBytes(keys[i]), values[i - from]);
        }
        return out.array();
    }
}
