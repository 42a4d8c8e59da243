package org.pkram.example;

import java.nio.ByteBuffer;

/**
 * The service's store: an in-heap index over values kept either in pkram memory ({@link PkramKvStore}) or in the
 * heap with a snapshot file ({@link SnapshotKvStore}). Thread-safe.
 */
interface KvStore
{
    /**
     * Store a value.
     *
     * @param key   the key's UTF-8 bytes, 1..{@link KvRecords#MAX_KEY}.
     * @param value the value.
     * @throws IllegalArgumentException a key or value out of range.
     * @throws IllegalStateException    the service is stopping.
     */
    void put(byte[] key, byte[] value);

    /**
     * Store every record of a bulk body ({@link KvRecords#append}), under one lock.
     *
     * @param records the records; read to their end.
     * @return the number of records stored.
     */
    int putAll(ByteBuffer records);

    /**
     * @param key the key's UTF-8 bytes.
     * @return the value, or null.
     */
    byte[] get(byte[] key);

    /**
     * Commit everything stored so far: after it, a kill at any instant leaves exactly this state.
     *
     * @return the checkpoint's sequence number.
     */
    long checkpoint();

    /**
     * The checkpoint at shutdown; later writes are refused.
     */
    void shutdown();

    /**
     * @return {@code keys=N records=R bytes=B seq=S} and store-specific counts.
     */
    String stats();

    /**
     * @return {@link KvRecords#digestLine} over every key and value.
     */
    String digest();

    /**
     * @param key the key's UTF-8 bytes.
     * @return where its value starts in the memory file (bytes), or -1 (no such key, or not a pkram store).
     */
    long where(byte[] key);
}
