package org.pkram.cli;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Progress of a long step on a terminal: nothing for a step that ends within a second, or when the
 * output is not a terminal; otherwise one line rewritten in place, cleared at the end.
 */
final class Progress implements AutoCloseable
{
    private static final long SHOW_AFTER_NANOS = 1_000_000_000L;
    private static final long EVERY_NANOS = 200_000_000L;

    private final PrintStream err;
    private final String label;
    private final long total;
    private final boolean enabled;
    private final long start = System.nanoTime();
    private long lastShown;
    private boolean shown;

    private Progress(final PrintStream err, final String label, final long total, final boolean enabled)
    {
        this.err = err;
        this.label = label;
        this.total = total;
        this.enabled = enabled;
    }

    /**
     * @param err   where to draw it.
     * @param label what is going on, e.g. {@code saving big.img}.
     * @param total the amount of work in bytes.
     * @return a progress line, shown only on a terminal.
     */
    static Progress start(final PrintStream err, final String label, final long total)
    {
        return new Progress(err, label, total, CliContext.onTerminal());
    }

    /**
     * @param done bytes done so far.
     */
    void update(final long done)
    {
        if (!enabled)
        {
            return;
        }
        final long now = System.nanoTime();
        if (now - start < SHOW_AFTER_NANOS || now - lastShown < EVERY_NANOS)
        {
            return;
        }
        lastShown = now;
        shown = true;
        final int percent = total == 0 ? 100 : (int)(100.0 * done / total);
        err.print(String.format(Locale.ROOT, "\r%s: %3d%% (%s of %s)\u001b[K", label, percent,
            Sizes.mib(done & ~0xFFFFFL), Sizes.mib(total)));
        err.flush();
    }

    /**
     * Clear the line, if anything was shown.
     */
    @Override
    public void close()
    {
        if (shown)
        {
            err.print("\r\u001b[K");
            err.flush();
            shown = false;
        }
    }
}
