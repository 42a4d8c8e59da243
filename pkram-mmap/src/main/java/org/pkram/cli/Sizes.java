package org.pkram.cli;

import org.pkram.ServiceEnvironment;
import org.pkram.error.InvalidArgumentException;

import java.util.Locale;

/**
 * Byte sizes on the command line ({@code 4096}, {@code 64K}, {@code 512M}, {@code 8G}, {@code 1T}; binary
 * units, an optional {@code B} or {@code iB}) and in output.
 */
final class Sizes
{
    private static final long MIB = 1L << 20;

    private Sizes()
    {
    }

    /**
     * @param text   e.g. {@code 512M}.
     * @param option the option it came from, for the message.
     * @return bytes.
     * @throws UsageException when it is not a size.
     */
    static long parse(final String text, final String option) throws UsageException
    {
        try
        {
            return ServiceEnvironment.parseSize(text);
        }
        catch (final InvalidArgumentException ex)
        {
            // The usage line words it without the errno: "option --size is not a size: 12Q (...)".
            throw new UsageException("option " + option + " is " +
                ex.getMessage().substring(ex.errno().name().length() + 2));
        }
    }

    /**
     * @param bytes a length.
     * @return it in MiB with one decimal when not whole, e.g. {@code 256 MiB}, {@code 0.5 MiB}.
     */
    static String mib(final long bytes)
    {
        if (bytes % MIB == 0)
        {
            return (bytes / MIB) + " MiB";
        }
        return String.format(Locale.ROOT, "%.1f MiB", bytes / (double)MIB);
    }

    /**
     * @param pages a page count.
     * @return e.g. {@code 1 page}, {@code 3 pages}.
     */
    static String pages(final long pages)
    {
        return pages + (pages == 1 ? " page" : " pages");
    }

    /**
     * @param count a count.
     * @param noun  the singular noun.
     * @return e.g. {@code 1 node}, {@code 2 nodes}.
     */
    static String plural(final long count, final String noun)
    {
        return count + " " + noun + (count == 1 ? "" : "s");
    }
}
