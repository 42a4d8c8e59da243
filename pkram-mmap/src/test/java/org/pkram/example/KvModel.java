package org.pkram.example;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * What the test expects the service to hold: for each key number, the version of its value (0: absent). A value
 * is a pure function of the seed, the key and the version (100..2000 bytes), so the test stores no values, and
 * the digest of a state is the sum of per-entry hashes kept beside the versions.
 */
final class KvModel
{
    /** Key numbers are 0..KEY_SPACE - 1. */
    static final int KEY_SPACE = 200_000;
    private static final int MIN_VALUE = 100;
    private static final int MAX_VALUE = 2000;

    private final long seed;
    private final int[] versions;
    private final long[] hashes;
    private int keys;
    private long hashSum;

    KvModel(final long seed)
    {
        this(seed, new int[KEY_SPACE], new long[KEY_SPACE], 0, 0);
    }

    private KvModel(final long seed, final int[] versions, final long[] hashes, final int keys, final long hashSum)
    {
        this.seed = seed;
        this.versions = versions;
        this.hashes = hashes;
        this.keys = keys;
        this.hashSum = hashSum;
    }

    /**
     * @return a copy: the state as of now, e.g. at a checkpoint.
     */
    KvModel copy()
    {
        return new KvModel(seed, versions.clone(), hashes.clone(), keys, hashSum);
    }

    static String key(final int key)
    {
        final String digits = Integer.toString(key);
        return "k" + "0000000".substring(digits.length()) + digits;
    }

    static byte[] keyBytes(final int key)
    {
        return key(key).getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * @return the value of {@code key} at {@code version}: 100..2000 bytes, deterministic from the seed.
     */
    byte[] value(final int key, final int version)
    {
        final long stream = KvRecords.mix(seed, (long)key << 32 | version);
        final int length = MIN_VALUE + (int)Long.remainderUnsigned(stream, MAX_VALUE - MIN_VALUE + 1);
        final byte[] value = new byte[length];
        final ByteBuffer out = ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN);
        int i = 0;
        for (; i + Long.BYTES <= length; i += Long.BYTES)
        {
            out.putLong(i, KvRecords.mix(stream, i));
        }
        long word = KvRecords.mix(stream, i);
        for (; i < length; i++)
        {
            out.put(i, (byte)word);
            word >>>= 8;
        }
        return value;
    }

    /**
     * Record that {@code key} now holds {@code version}.
     */
    void set(final int key, final int version)
    {
        final byte[] value = value(key, version);
        set(key, version, KvRecords.entryHash(keyBytes(key), value, 0, value.length));
    }

    /**
     * Record that {@code key} now holds {@code version}, whose entry hash the caller computed.
     */
    void set(final int key, final int version, final long entryHash)
    {
        if (versions[key] == 0)
        {
            keys++;
        }
        hashSum += entryHash - hashes[key];
        hashes[key] = entryHash;
        versions[key] = version;
    }

    int version(final int key)
    {
        return versions[key];
    }

    /**
     * @return the expected value of {@code key}, or null when absent.
     */
    byte[] expected(final int key)
    {
        return versions[key] == 0 ? null : value(key, versions[key]);
    }

    int keys()
    {
        return keys;
    }

    /**
     * @return the digest line the service must answer for this state.
     */
    String digest()
    {
        return KvRecords.digestLine(keys, hashSum);
    }

    /**
     * @return the key numbers present, ascending.
     */
    int[] present()
    {
        return java.util.stream.IntStream.range(0, KEY_SPACE).filter(k -> versions[k] != 0).toArray();
    }

    @Override
    public boolean equals(final Object other)
    {
        return other instanceof KvModel m && m.seed == seed && Arrays.equals(m.versions, versions);
    }

    @Override
    public int hashCode()
    {
        return Arrays.hashCode(versions);
    }
}
