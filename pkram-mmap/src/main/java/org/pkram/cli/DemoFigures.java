package org.pkram.cli;

import java.io.IOException;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Properties;

/**
 * The {@code pkram demo} service's clock and figures: when the process was started, times in
 * milliseconds as the demo prints them, and the report the {@code demo} command reads back.
 */
final class DemoFigures
{
    private DemoFigures()
    {
    }

    /**
     * @return when this process was started, in microseconds since the epoch: as {@code pkram exec} (or the
     *         {@code demo} command for the baseline) recorded it, else as the JVM did.
     */
    static long startedMicros()
    {
        final String fromExec = System.getenv(ExecCommand.START_ENV);
        if (fromExec != null)
        {
            try
            {
                return Long.parseLong(fromExec.trim());
            }
            catch (final NumberFormatException ignored)
            {
                // Not from pkram exec: fall back to the JVM's own record.
            }
        }
        // Recorded when the JVM was created (ProcessHandle's start time has one-second granularity on Linux).
        return ManagementFactory.getRuntimeMXBean().getStartTime() * 1000;
    }

    /**
     * @return now, in microseconds since the epoch, comparable with {@link #startedMicros()}.
     */
    static long nowMicros()
    {
        return ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
    }

    static double millis(final long nanos)
    {
        return nanos / 1e6;
    }

    /**
     * {@code String.format} with every {@code Double} shown as the demo shows times: no decimals from 10
     * up, one below.
     */
    static String fmt(final String format, final Object... values)
    {
        final Object[] shown = new Object[values.length];
        for (int i = 0; i < values.length; i++)
        {
            shown[i] = values[i] instanceof Double d ? (d >= 10 ? String.format(Locale.ROOT, "%.0f", d) :
                String.format(Locale.ROOT, "%.1f", d)) : values[i];
        }
        return String.format(Locale.ROOT, format, shown);
    }

    /**
     * Write the figures of this run to the report file the {@code demo} command reads: whole, by a rename, since
     * the command may be watching for it.
     */
    static void store(final Path report, final Properties figures) throws IOException
    {
        final Path tmp = tmpFile(report);
        try (Writer writer = Files.newBufferedWriter(tmp))
        {
            figures.store(writer, "pkram demo");
        }
        Files.move(tmp, report, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * @return where {@link #store} writes the report before renaming it.
     */
    static Path tmpFile(final Path report)
    {
        return report.resolveSibling(report.getFileName() + ".tmp");
    }
}
