package org.pkram.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Reading a child process's lines without hanging on a child that hangs: a child that says nothing in time is
 * killed, which ends the read, and the reader is told it timed out.
 */
final class ChildLines
{
    /** One daemon thread kills late children for every reader in the JVM. */
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(task ->
    {
        final Thread thread = new Thread(task, "child-watchdog");
        thread.setDaemon(true);
        return thread;
    });

    private ChildLines()
    {
    }

    /**
     * @param out           the child's standard output.
     * @param process       the child.
     * @param timeoutMillis how long it may take to say the line.
     * @return the line, or null when the child closed its output first.
     * @throws IOException      when reading fails.
     * @throws TimeoutException when the child said nothing in time; it has been killed.
     */
    static String next(final BufferedReader out, final Process process, final long timeoutMillis)
        throws IOException, TimeoutException
    {
        // Set before the kill: the read can end (the pipe closes) while the kill is still under way, before the
        // watchdog's task counts as done, and that read must still be reported as a timeout.
        final AtomicBoolean fired = new AtomicBoolean();
        final ScheduledFuture<?> watchdog = WATCHDOG.schedule(() ->
        {
            fired.set(true);
            process.destroyForcibly();
        }, timeoutMillis, TimeUnit.MILLISECONDS);
        final String line;
        try
        {
            line = out.readLine();
        }
        finally
        {
            watchdog.cancel(false);
        }
        if (fired.get())
        {
            throw new TimeoutException("the child said nothing in " + timeoutMillis + " ms and was killed");
        }
        return line;
    }
}
