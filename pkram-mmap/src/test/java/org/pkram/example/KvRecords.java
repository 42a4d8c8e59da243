package org.pkram.example;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * What the service and its test agree on: the record layout of a bulk request (the same as in the log), the
 * limits on keys and values, and the hash of an entry that the digest of a whole store sums.
 * <p>
 * A record is {@code int keyLength, int valueLength} (little-endian), then the key's UTF-8 bytes, then the value.
 * A key is 1..{@value #MAX_KEY} bytes; a key length of 0 ends the records of a log folio.
 */
final class KvRecords
{
    /** Bytes of a record's header: key length and value length. */
    static final int HEADER = 8;
    /** Longest key, in UTF-8 bytes. */
    static final int MAX_KEY = 1024;

    private KvRecords()
    {
    }

    /**
     * Append one record to a bulk request body.
     */
    static void append(final ByteBuffer out, final byte[] key, final byte[] value)
    {
        out.order(ByteOrder.LITTLE_ENDIAN).putInt(key.length).putInt(value.length).put(key).put(value);
    }

    /**
     * The hash of one entry, order-independent when summed: CRC32C of the key and of the value, mixed.
     */
    static long entryHash(final byte[] key, final byte[] value, final int offset, final int length)
    {
        final CRC32C crc = new CRC32C();
        crc.update(key, 0, key.length);
        final long keyCrc = crc.getValue();
        crc.reset();
        crc.update(value, offset, length);
        return mix(keyCrc << 32 | crc.getValue(), length);
    }

    /**
     * A digest line over a whole store: {@code keys=N digest=HEX}.
     */
    static String digestLine(final long keys, final long hashSum)
    {
        return "keys=" + keys + " digest=" + String.format("%016x", hashSum);
    }

    /**
     * The SplitMix64 finalizer of {@code value}, seeded by {@code salt}.
     */
    static long mix(final long value, final long salt)
    {
        long z = value + salt * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
