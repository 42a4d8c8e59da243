package org.pkram.example;

import org.pkram.ChildJvm;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One run of {@link KvService} in a child JVM (the same java and classpath, the flags pkram requires): its
 * stdout lines as they come, its stderr in a file, and an HTTP client for its port.
 */
final class KvProcess implements AutoCloseable
{
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final Process process;
    private final long spawnNanos;
    private final List<String> lines = new ArrayList<>();
    private final Thread reader;
    private final Path err;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(10)).build();
    private int port = -1;

    private KvProcess(final ProcessBuilder builder, final Path err) throws IOException
    {
        this.err = err;
        this.spawnNanos = System.nanoTime();
        this.process = builder.redirectError(err.toFile()).start();
        process.getOutputStream().close();
        reader = Thread.ofPlatform().daemon().name("kv-stdout-" + process.pid()).start(this::readLines);
    }

    /**
     * Start the pkram service on {@code memoryFile} ({@code PKRAM_MEM}, {@code PKRAM_SIZE}).
     */
    static KvProcess pkram(final Path memoryFile, final String size, final List<String> options) throws IOException
    {
        final ProcessBuilder builder = builder(options, List.of("pkram"));
        builder.environment().put("PKRAM_MEM", memoryFile.toString());
        builder.environment().put("PKRAM_SIZE", size);
        return new KvProcess(builder, Files.createTempFile(memoryFile.getParent(), "kv-", ".err"));
    }

    /**
     * Start the snapshot service on {@code file}.
     */
    static KvProcess snapshot(final Path file, final List<String> options) throws IOException
    {
        return new KvProcess(builder(options, List.of("snapshot", file.toString())),
            Files.createTempFile(file.getParent(), "kv-", ".err"));
    }

    private static ProcessBuilder builder(final List<String> options, final List<String> args)
    {
        final List<String> jvm = new ArrayList<>(List.of("-Xmx512m"));
        jvm.addAll(options);
        final ProcessBuilder builder = new ProcessBuilder(ChildJvm.command(jvm, KvService.class, args));
        for (final String name : List.of("PKRAM", "PKRAM_MEM", "PKRAM_SIZE", "NOTIFY_SOCKET", "JDK_JAVA_OPTIONS",
            "JAVA_TOOL_OPTIONS"))
        {
            builder.environment().remove(name);
        }
        return builder;
    }

    private void readLines()
    {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
            StandardCharsets.UTF_8)))
        {
            String line;
            while ((line = in.readLine()) != null)
            {
                synchronized (lines)
                {
                    lines.add(line);
                    lines.notifyAll();
                }
            }
        }
        catch (final IOException ex)
        {
            // the child is gone
        }
        finally
        {
            synchronized (lines)
            {
                lines.add(null);
                lines.notifyAll();
            }
        }
    }

    /**
     * Wait for {@code ready port=N}.
     *
     * @return the line.
     */
    String awaitReady() throws InterruptedException
    {
        final String ready = awaitLine("ready port=");
        port = Integer.parseInt(ready.split("[ =]")[2]);
        return ready;
    }

    /**
     * @return the first stdout line starting with {@code prefix}.
     * @throws AssertionError the child ended or took a minute without printing it.
     */
    String awaitLine(final String prefix) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TIMEOUT.toNanos();
        synchronized (lines)
        {
            int seen = 0;
            while (true)
            {
                for (; seen < lines.size(); seen++)
                {
                    final String line = lines.get(seen);
                    if (line == null)
                    {
                        throw new AssertionError("service ended before printing '" + prefix + "': " + describe());
                    }
                    if (line.startsWith(prefix))
                    {
                        return line;
                    }
                }
                final long left = deadline - System.nanoTime();
                if (left <= 0)
                {
                    throw new AssertionError("no '" + prefix + "' in 60 s: " + describe());
                }
                lines.wait(TimeUnit.NANOSECONDS.toMillis(left) + 1);
            }
        }
    }

    /**
     * @return the stdout lines so far (all of them once the child has ended and {@link #awaitExit()} returned).
     */
    List<String> lines()
    {
        synchronized (lines)
        {
            return lines.stream().filter(l -> l != null).toList();
        }
    }

    long spawnNanos()
    {
        return spawnNanos;
    }

    /**
     * @return CPU time the child has used so far (all its threads), in ms, or -1 if the system does not say.
     */
    long cpuMillis()
    {
        return process.toHandle().info().totalCpuDuration().map(Duration::toMillis).orElse(-1L);
    }

    /**
     * @return the response to {@code method path} with {@code body} (null: none).
     */
    HttpResponse<byte[]> call(final String method, final String path, final byte[] body)
        throws IOException, InterruptedException
    {
        final HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(TIMEOUT)
            .method(method, body == null ? HttpRequest.BodyPublishers.noBody() :
                HttpRequest.BodyPublishers.ofByteArray(body))
            .build();
        return client.send(request, HttpResponse.BodyHandlers.ofByteArray());
    }

    /**
     * @return the body of a 200 answer, as text.
     * @throws AssertionError another status.
     */
    String text(final String method, final String path, final byte[] body) throws IOException, InterruptedException
    {
        final HttpResponse<byte[]> response = call(method, path, body);
        final String text = new String(response.body(), StandardCharsets.UTF_8);
        if (response.statusCode() != 200)
        {
            throw new AssertionError(method + " " + path + " answered " + response.statusCode() + ": " + text);
        }
        return text;
    }

    /**
     * @return the value of {@code key}, or null on 404.
     */
    byte[] get(final String key) throws IOException, InterruptedException
    {
        final HttpResponse<byte[]> response = call("GET", "/kv/" + key, null);
        if (response.statusCode() == 404)
        {
            return null;
        }
        if (response.statusCode() != 200)
        {
            throw new AssertionError("GET " + key + " answered " + response.statusCode());
        }
        return response.body();
    }

    void put(final String key, final byte[] value) throws IOException, InterruptedException
    {
        final HttpResponse<byte[]> response = call("PUT", "/kv/" + key, value);
        if (response.statusCode() != 204)
        {
            throw new AssertionError("PUT " + key + " answered " + response.statusCode());
        }
    }

    long checkpoint() throws IOException, InterruptedException
    {
        return Long.parseLong(text("POST", "/checkpoint", null));
    }

    /** @return the stats line's field {@code name}. */
    long stat(final String name) throws IOException, InterruptedException
    {
        for (final String field : text("GET", "/stats", null).split(" "))
        {
            if (field.startsWith(name + "="))
            {
                return Long.parseLong(field.substring(name.length() + 1));
            }
        }
        throw new AssertionError("no " + name + " in the stats");
    }

    /**
     * SIGTERM. Sent through the process handle: {@link Process#destroy()} sends the same signal but also closes
     * this side of the child's stdout, so what the child prints while it stops (its checkpoint) would be lost.
     */
    void terminate()
    {
        process.toHandle().destroy();
    }

    /** SIGKILL, through the process handle as {@link #terminate()}. */
    void kill()
    {
        process.toHandle().destroyForcibly();
    }

    boolean isAlive()
    {
        return process.isAlive();
    }

    /**
     * @return the exit status, once the child and its stdout have ended.
     */
    int awaitExit() throws InterruptedException
    {
        if (!process.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS))
        {
            process.destroyForcibly();
            throw new AssertionError("service did not end in 60 s: " + describe());
        }
        reader.join(TIMEOUT.toMillis());
        return process.exitValue();
    }

    String stderr()
    {
        try
        {
            return Files.readString(err, StandardCharsets.UTF_8);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    String describe()
    {
        return "pid=" + process.pid() + (process.isAlive() ? "" : " exit=" + process.exitValue()) + ", stdout=" +
            lines() + ", stderr=" + stderr().strip();
    }

    /** Kill it if it still runs; remove the stderr file. */
    @Override
    public void close() throws IOException
    {
        if (process.isAlive())
        {
            process.destroyForcibly();
            try
            {
                process.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }
        client.shutdownNow();
        Files.deleteIfExists(err);
    }
}
