package org.pkram.crash;

import org.pkram.ChildJvm;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A {@link CrashWorkload} in a real JVM whose stdout is streamed line by line as it is written, and
 * that the parent can kill with SIGKILL ({@link ProcessHandle#destroyForcibly()}) at any moment.
 * <p>
 * Each line the child writes is {@code "<sequence> <event>"}; the lines handed out here are the events, the
 * sequence numbers are checked (1, 2, 3...) and the last one read is kept ({@link #lastRead()}), so a kill can
 * be recorded with the last event the parent had seen before it.
 * <p>
 * Only whole lines count: bytes after the last newline (there should be none, each line is one
 * {@code write}) are kept apart in {@link #partialLine()}.
 */
final class CrashChild implements AutoCloseable
{
    /** Exit status of a process killed by SIGKILL. */
    static final int KILLED_EXIT_CODE = 128 + 9;

    private static final String EOF = "\u0000eof";

    private final Process process;
    private final BlockingQueue<String> queue = new LinkedBlockingQueue<>();
    private final List<String> lines = new ArrayList<>();
    private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    private final Thread outReader;
    private final Thread errReader;
    private volatile String partial = "";
    /** The last line read from the child so far, with its sequence number ("#12 SAVED n3 7"). */
    private volatile String lastRead = "none";
    /** Lines whose sequence number was not the next one. */
    private final List<String> sequenceErrors = new ArrayList<>();
    private long expectedSequence = 1;
    private boolean eof;

    private CrashChild(final Process process)
    {
        this.process = process;
        outReader = Thread.ofPlatform().daemon().name("crash-child-out").start(this::readStdout);
        errReader = Thread.ofPlatform().daemon().name("crash-child-err").start(this::readStderr);
    }

    /**
     * Start a workload.
     *
     * @param systemProperties {@code -D} flags for the child, e.g. {@code -Dpkram.fault=save.committed}.
     * @param args             the workload's {@code key=value} arguments.
     * @return the running child.
     */
    static CrashChild start(final List<String> systemProperties, final List<String> args) throws IOException
    {
        final List<String> options = new ArrayList<>();
        // Start fast: the workload is small and short-lived.
        options.add("-Xmx256m");
        options.add("-XX:+UseSerialGC");
        options.add("-XX:TieredStopAtLevel=1");
        options.add("-XX:-UsePerfData");
        options.add("-Xshare:auto");
        options.addAll(systemProperties);
        final Process process = new ProcessBuilder(ChildJvm.command(options, CrashWorkload.class, args)).start();
        process.getOutputStream().close();
        return new CrashChild(process);
    }

    private void readStdout()
    {
        final ByteArrayOutputStream line = new ByteArrayOutputStream();
        try (InputStream in = process.getInputStream())
        {
            final byte[] buffer = new byte[8192];
            int n;
            while ((n = in.read(buffer)) > 0)
            {
                for (int i = 0; i < n; i++)
                {
                    if (buffer[i] == '\n')
                    {
                        queue.add(event(line.toString(StandardCharsets.UTF_8)));
                        line.reset();
                    }
                    else
                    {
                        line.write(buffer[i]);
                    }
                }
            }
        }
        catch (final IOException ignored)
        {
            // The pipe broke with the process: what was read is what it wrote.
        }
        finally
        {
            partial = line.toString(StandardCharsets.UTF_8);
            queue.add(EOF);
        }
    }

    /**
     * @return the event of a line {@code "<sequence> <event>"}, checking the sequence runs 1, 2, 3...
     */
    private String event(final String line)
    {
        final int space = line.indexOf(' ');
        long sequence = -1;
        try
        {
            sequence = space < 0 ? -1 : Long.parseLong(line.substring(0, space));
        }
        catch (final NumberFormatException ignored)
        {
            // Reported below.
        }
        if (sequence != expectedSequence)
        {
            synchronized (sequenceErrors)
            {
                sequenceErrors.add("line " + expectedSequence + " out of sequence: " + line);
            }
        }
        expectedSequence++;
        lastRead = "#" + sequence + " " + line.substring(space + 1);
        return line.substring(space + 1);
    }

    /**
     * @return the last line read from the child up to now, with its sequence number, or "none".
     */
    String lastRead()
    {
        return lastRead;
    }

    /**
     * @return lines that did not carry the next sequence number (none, normally); call once the child ended.
     */
    List<String> sequenceErrors()
    {
        synchronized (sequenceErrors)
        {
            return List.copyOf(sequenceErrors);
        }
    }

    private void readStderr()
    {
        try (InputStream in = process.getErrorStream())
        {
            final byte[] buffer = new byte[8192];
            int n;
            while ((n = in.read(buffer)) > 0)
            {
                synchronized (stderr)
                {
                    stderr.write(buffer, 0, n);
                }
            }
        }
        catch (final IOException ignored)
        {
            // Gone with the process.
        }
    }

    /**
     * Wait for the next line that starts with {@code prefix}, keeping every line read on the way.
     *
     * @return the line, or null when the child's stdout ended or the timeout passed first.
     */
    String awaitLine(final String prefix, final long timeoutMillis) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (!eof)
        {
            final long left = deadline - System.nanoTime();
            final String line = left <= 0 ? null : queue.poll(left, TimeUnit.NANOSECONDS);
            if (line == null)
            {
                return null;
            }
            if (line.equals(EOF))
            {
                eof = true;
                return null;
            }
            lines.add(line);
            if (line.startsWith(prefix))
            {
                return line;
            }
        }
        return null;
    }

    /**
     * SIGKILL the child now and wait until it is gone.
     *
     * @return its exit status: {@link #KILLED_EXIT_CODE}, or its own if it ended first.
     */
    int kill() throws InterruptedException
    {
        // Through the handle: Process.destroyForcibly() would also close our end of the pipes and lose
        // the lines the child wrote and we have not read yet.
        process.toHandle().destroyForcibly();
        return process.waitFor();
    }

    /**
     * Wait for the child to end on its own (killed after the timeout, which fails).
     *
     * @return its exit status.
     */
    int awaitExit(final long timeoutMillis) throws InterruptedException
    {
        if (!process.waitFor(timeoutMillis, TimeUnit.MILLISECONDS))
        {
            kill();
            throw new AssertionError("crash workload did not end in " + timeoutMillis + " ms; stdout tail: " +
                tail() + "; stderr: " + stderr());
        }
        return process.exitValue();
    }

    /**
     * @return every whole line the child wrote; call once it has ended.
     */
    List<String> lines() throws InterruptedException
    {
        outReader.join(TimeUnit.SECONDS.toMillis(30));
        while (!eof)
        {
            final String line = queue.take();
            if (line.equals(EOF))
            {
                eof = true;
            }
            else
            {
                lines.add(line);
            }
        }
        return lines;
    }

    /**
     * @return bytes after the last newline, once the child has ended ("" normally).
     */
    String partialLine()
    {
        return partial;
    }

    /**
     * @return what the child wrote on stderr: all of it once it has ended, so far while it runs.
     */
    String stderr() throws InterruptedException
    {
        if (!process.isAlive())
        {
            errReader.join(TimeUnit.SECONDS.toMillis(5));
        }
        synchronized (stderr)
        {
            return stderr.toString(StandardCharsets.UTF_8);
        }
    }

    /**
     * @return the last few lines read, for failure messages.
     */
    String tail()
    {
        return String.join(" | ", lines.subList(Math.max(0, lines.size() - 8), lines.size()));
    }

    /**
     * Kill the child if it still runs.
     */
    @Override
    public void close()
    {
        if (process.isAlive())
        {
            process.toHandle().destroyForcibly();
            try
            {
                process.waitFor(30, TimeUnit.SECONDS);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }
    }
}
