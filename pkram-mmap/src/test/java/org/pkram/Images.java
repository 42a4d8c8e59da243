package org.pkram;


import java.nio.file.Path;
import java.util.zip.CRC32C;

import static org.pkram.testing.SplitMix64.mix;

/**
 * Test helpers: small memory files and checksummed content.
 */
final class Images
{
    static final long SMALL = 64L << 20;

    private Images()
    {
    }

    static Path format(final Path dir, final long size)
    {
        final Path file = dir.resolve("pkram.mem");
        Pkram.format(file, size, false);
        return file;
    }

    /** Boot empty: any image the file holds is dropped ({@link PkramOptions#fresh}; resume is the default). */
    static Pkram bootFresh(final Path file, final Mode mode)
    {
        return Pkram.boot(PkramOptions.of(file).fresh(true).mode(mode).shutdownHook(false));
    }

    static Pkram boot(final Path file, final long pfn, final Mode mode)
    {
        return Pkram.boot(PkramOptions.of(file).superBlockPfn(pfn).mode(mode).shutdownHook(false));
    }

    /** Deterministic content for page {@code index} of stream {@code seed}. */
    static void fill(final Folio folio, final long seed)
    {
        for (int i = 0; i < folio.byteLength(); i += 8)
        {
            folio.buffer().putLong(i, mix(seed, folio.index() * 4096 + i));
        }
    }

    static void fill(final Folio folio, final long seed, final long index)
    {
        for (int i = 0; i < folio.byteLength(); i += 8)
        {
            folio.buffer().putLong(i, mix(seed, index * 4096 + i));
        }
    }

    static boolean matches(final Folio folio, final long seed)
    {
        for (int i = 0; i < folio.byteLength(); i += 8)
        {
            if (folio.buffer().getLong(i) != mix(seed, folio.index() * 4096 + i))
            {
                return false;
            }
        }
        return true;
    }

    static byte[] bytes(final long seed, final int length)
    {
        final byte[] data = new byte[length];
        for (int i = 0; i < length; i++)
        {
            data[i] = (byte)mix(seed, i);
        }
        return data;
    }

    static long crc(final byte[] data)
    {
        final CRC32C crc = new CRC32C();
        crc.update(data);
        return crc.getValue();
    }

    /** Allocator counts as one comparable string. */
    static String counts(final PageCounts counts)
    {
        return counts.toString();
    }
}
