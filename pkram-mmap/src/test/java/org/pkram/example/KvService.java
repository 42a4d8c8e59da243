package org.pkram.example;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.pkram.Pkram;
import org.pkram.error.PkramException;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A small HTTP key-value cache, bound to 127.0.0.1 on a port the system chooses: {@code PUT /kv/KEY} (body = value),
 * {@code GET /kv/KEY}, {@code POST /bulk} (records as {@link KvRecords}), {@code POST /checkpoint} (answers the
 * sequence number), {@code GET /stats}, {@code GET /digest}, {@code GET /where/KEY} (the value's offset in the
 * memory file, for tests that damage it), {@code POST /shutdown} (checkpoint, close, exit 0).
 * <p>
 * {@code pkram} mode: state in pkram memory ({@link PkramKvStore}), booted by {@link Pkram#fromEnvironment()}
 * ({@code PKRAM_MEM}, {@code PKRAM_SIZE}); the checkpoint at shutdown runs as pkram's {@link Pkram#onShutdown}
 * callback, so a SIGTERM keeps every key. {@code snapshot FILE} mode: the baseline ({@link SnapshotKvStore}), with
 * its own shutdown hook. Once serving it prints {@code ready port=N millis=M} (M: since the process started). A
 * checkpoint that does not verify at start is refused: one line on stderr, exit status 3.
 * <p>
 * Tests only: {@code -Dkv.checkpointPauseEvery=N} sleeps 1 ms after every N folios a checkpoint saves.
 */
public final class KvService
{
    /** Exit status when the checkpointed state does not verify. */
    public static final int EXIT_CORRUPT = 3;
    /** Exit status when a checkpoint failed half-way (the previous one stays committed). */
    public static final int EXIT_CHECKPOINT_FAILED = 70;

    private final KvStore store;
    private final Runnable stop;
    private HttpServer server;
    private ExecutorService executor;

    private KvService(final KvStore store, final Runnable stop)
    {
        this.store = store;
        this.stop = stop;
    }

    /**
     * @param args {@code pkram} or {@code snapshot FILE}.
     * @throws IOException the server cannot bind, or the snapshot cannot be read.
     */
    public static void main(final String[] args) throws IOException
    {
        final PrintStream out = System.out;
        final long begin = System.nanoTime();
        final KvService service;
        if (args.length == 1 && args[0].equals("pkram"))
        {
            service = startPkram(out);
        }
        else if (args.length == 2 && args[0].equals("snapshot"))
        {
            service = startSnapshot(Path.of(args[1]));
        }
        else
        {
            System.err.println("usage: KvService pkram | snapshot FILE");
            System.exit(2);
            return;
        }
        final long recovered = (System.nanoTime() - begin) / 1_000_000;
        out.println("recovered " + service.store.stats() + " mainMillis=" + recovered);
        final int port = service.serve();
        final long millis = ProcessHandle.current().info().startInstant()
            .map(start -> Duration.between(start, Instant.now()).toMillis()).orElse(-1L);
        out.println("ready port=" + port + " millis=" + millis);
        out.flush();
    }

    private static KvService startPkram(final PrintStream out)
    {
        final long begin = System.nanoTime();
        final Pkram pk;
        try
        {
            pk = Pkram.fromEnvironment();
        }
        catch (final PkramException ex)
        {
            refuse("pkram: " + ex.getMessage());
            System.exit(EXIT_CORRUPT);
            return null;
        }
        pk.bootMessages().forEach(m -> out.println("boot: " + m));
        out.println("boot: millis=" + (System.nanoTime() - begin) / 1_000_000);
        final PkramKvStore store;
        try
        {
            store = PkramKvStore.open(pk, out, Integer.getInteger("kv.checkpointPauseEvery", 0));
        }
        catch (final CorruptStoreException | PkramException ex)
        {
            refuse(ex.getMessage());
            pk.close();
            System.exit(EXIT_CORRUPT);
            return null;
        }
        // Registered only once the state verified: a refused start must not checkpoint anything.
        pk.onShutdown(store::shutdown);
        return new KvService(store, pk::close);
    }

    private static KvService startSnapshot(final Path file) throws IOException
    {
        final SnapshotKvStore store;
        try
        {
            store = SnapshotKvStore.open(file);
        }
        catch (final CorruptStoreException ex)
        {
            refuse(ex.getMessage());
            System.exit(EXIT_CORRUPT);
            return null;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(store::shutdown, "kv-snapshot-at-exit"));
        return new KvService(store, store::shutdown);
    }

    private static void refuse(final String why)
    {
        System.err.println("kv: refusing to start: " + why.replace('\n', ' ') + "; the memory is left as it is");
        System.err.flush();
    }

    private int serve() throws IOException
    {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 64);
        executor = Executors.newFixedThreadPool(4);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
        return server.getAddress().getPort();
    }

    private void handle(final HttpExchange exchange) throws IOException
    {
        try (exchange)
        {
            final String method = exchange.getRequestMethod();
            final String path = exchange.getRequestURI().getPath();
            final byte[] body = exchange.getRequestBody().readAllBytes();
            try
            {
                route(exchange, method, path, body);
            }
            catch (final IllegalStateException ex)
            {
                reply(exchange, 503, ex.getMessage());
            }
            catch (final IllegalArgumentException ex)
            {
                reply(exchange, 400, ex.getMessage());
            }
            catch (final PkramException ex)
            {
                reply(exchange, 507, ex.getMessage());
            }
        }
    }

    private void route(final HttpExchange exchange, final String method, final String path, final byte[] body)
        throws IOException
    {
        if (path.startsWith("/kv/") && method.equals("GET"))
        {
            final byte[] value = store.get(key(path, "/kv/"));
            reply(exchange, value == null ? 404 : 200, value == null ? new byte[0] : value);
        }
        else if (path.startsWith("/kv/") && method.equals("PUT"))
        {
            store.put(key(path, "/kv/"), body);
            reply(exchange, 204, new byte[0]);
        }
        else if (path.equals("/bulk") && method.equals("POST"))
        {
            reply(exchange, 200, Integer.toString(store.putAll(ByteBuffer.wrap(body))));
        }
        else if (path.equals("/checkpoint") && method.equals("POST"))
        {
            reply(exchange, 200, Long.toString(checkpoint()));
        }
        else if (path.equals("/stats") && method.equals("GET"))
        {
            reply(exchange, 200, store.stats());
        }
        else if (path.equals("/digest") && method.equals("GET"))
        {
            reply(exchange, 200, store.digest());
        }
        else if (path.startsWith("/where/") && method.equals("GET"))
        {
            final long at = store.where(key(path, "/where/"));
            reply(exchange, at < 0 ? 404 : 200, at < 0 ? "" : Long.toString(at));
        }
        else if (path.equals("/shutdown") && method.equals("POST"))
        {
            reply(exchange, 200, "stopping");
            Thread.ofPlatform().name("kv-shutdown").start(this::shutdown);
        }
        else
        {
            reply(exchange, 404, "no such endpoint: " + method + " " + path);
        }
    }

    private long checkpoint()
    {
        try
        {
            return store.checkpoint();
        }
        catch (final IllegalStateException ex)
        {
            throw ex;
        }
        catch (final RuntimeException ex)
        {
            // The folios written since the last checkpoint went with the dropped version: stop at once. The last
            // checkpoint is committed and is what the next start finds.
            System.err.println("kv: checkpoint failed, stopping: " + ex);
            Runtime.getRuntime().halt(EXIT_CHECKPOINT_FAILED);
            throw ex;
        }
    }

    /** Orderly stop: no new requests, then the checkpoint (pkram's onShutdown callback, or the snapshot), exit 0. */
    private void shutdown()
    {
        server.stop(0);
        executor.shutdown();
        stop.run();
        System.exit(0);
    }

    private static byte[] key(final String path, final String prefix)
    {
        return path.substring(prefix.length()).getBytes(StandardCharsets.UTF_8);
    }

    private static void reply(final HttpExchange exchange, final int status, final String text) throws IOException
    {
        reply(exchange, status, text.getBytes(StandardCharsets.UTF_8));
    }

    private static void reply(final HttpExchange exchange, final int status, final byte[] body) throws IOException
    {
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0)
        {
            try (OutputStream os = exchange.getResponseBody())
            {
                os.write(body);
            }
        }
    }
}
