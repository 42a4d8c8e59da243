package org.pkram.cli;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Byte sizes on the command line ({@code 4096}, {@code 64K}, {@code 512M}, {@code 8G}, {@code 1T}; binary
 * units, an optional {@code B} or {@code iB}) and in output.
 */
final class Sizes
{
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([KMGT]?)(I?B)?");
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
        final Matcher m = SIZE.matcher(text.trim().toUpperCase(Locale.ROOT));
        if (!m.matches() || (m.group(2).isEmpty() && m.group(3) != null && m.group(3).equals("IB")))
        {
            throw new UsageException("option " + option + " is not a size: " + text + " (e.g. 4096, 512M, 8G)");
        }
        final int shift = switch (m.group(2))
        {
            case "K" -> 10;
            case "M" -> 20;
            case "G" -> 30;
            case "T" -> 40;
            default -> 0;
        };
        try
        {
            final long number = Long.parseLong(m.group(1));
            if (number > (Long.MAX_VALUE >> shift))
            {
                throw new NumberFormatException();
            }
            return number << shift;
        }
        catch (final NumberFormatException ex)
        {
            throw new UsageException("option " + option + " is too large: " + text);
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
