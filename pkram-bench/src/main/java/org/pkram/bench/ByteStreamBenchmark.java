package org.pkram.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.pkram.DataKind;
import org.pkram.NodeLoad;
import org.pkram.NodeSave;
import org.pkram.ObjLoad;
import org.pkram.ObjSave;
import org.pkram.Pkram;

import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * A 64 MiB byte stream moved in 1 MiB chunks through {@link ObjSave#write(byte[], int, int)} and
 * {@link ObjLoad#read(byte[], int, int)}, against the same 64 MiB copied heap to heap with
 * {@link System#arraycopy} in 1 MiB chunks: the floor for a stream that copies every byte once.
 * {@link #heapCopyBaseline()} has the shape of a write (one 1 MiB source into a 64 MiB destination),
 * {@link #heapReadBaseline()} the shape of a read (a 64 MiB source into one 1 MiB destination, which
 * stays in cache).
 * <ul>
 * <li>{@link #write(WriteImage)}: prepare the node, one {@link DataKind#BYTES} object, 64 writes of the
 * same 1 MiB heap array, finish (the commit). The node is freed after each call, outside the
 * measurement.</li>
 * <li>{@link #read(ReadImage)}: a fresh 64 MiB node is saved before each call, outside the measurement;
 * the call loads it: prepare the load, take the object, 64 reads of 1 MiB into a heap array, finish
 * (which frees the node's pages).</li>
 * </ul>
 * Each image is a populated 256 MiB memory file on {@code /dev/shm}, booted crash-safe.
 */
@Fork(jvmArgsPrepend = BenchFlags.HEAP)
public class ByteStreamBenchmark extends AverageTimeBenchmark
{
    /** Bytes per write or read call. */
    static final int CHUNK = 1 << 20;
    /** Calls per operation: 64 MiB in all. */
    static final int CHUNKS = 64;
    /** Size of each memory file: the stream's 16384 data pages and their links fit many times over. */
    static final long IMAGE_SIZE = 256L << 20;

    private static final String NODE = "bytes";

    private byte[] source;
    private byte[] heapDestination;
    private byte[] heapSource;
    private byte[] chunkDestination;

    /**
     * Made by JMH.
     */
    public ByteStreamBenchmark()
    {
    }

    /**
     * The baselines' arrays: a random 1 MiB chunk and a 64 MiB destination for the write shape, a
     * 64 MiB source (the chunk 64 times) and a 1 MiB destination for the read shape.
     */
    @Setup(Level.Trial)
    public void setUp()
    {
        source = randomChunk();
        heapDestination = new byte[CHUNK * CHUNKS];
        heapSource = new byte[CHUNK * CHUNKS];
        for (int i = 0; i < CHUNKS; i++)
        {
            System.arraycopy(source, 0, heapSource, i * CHUNK, CHUNK);
        }
        chunkDestination = new byte[CHUNK];
    }

    /**
     * An image to write into; each call's node is freed after the call.
     */
    @State(Scope.Benchmark)
    public static class WriteImage
    {
        Path file;
        Pkram pkram;
        byte[] source;

        /**
         * Made by JMH.
         */
        public WriteImage()
        {
        }

        /**
         * Format and boot the image.
         */
        @Setup(Level.Trial)
        public void setUp()
        {
            file = ShmFile.format("bytes-write", IMAGE_SIZE, true);
            pkram = Pkram.boot(ShmFile.options(file, 0));
            source = randomChunk();
        }

        /**
         * Free the node the call committed, so every call starts from the same free memory.
         */
        @TearDown(Level.Invocation)
        public void freeNode()
        {
            if (pkram.truncate() != 1)
            {
                throw new IllegalStateException("write did not commit exactly one node");
            }
        }

        /**
         * Reboot and delete the file.
         */
        @TearDown(Level.Trial)
        public void tearDown()
        {
            try
            {
                pkram.close();
            }
            finally
            {
                ShmFile.delete(file);
            }
        }
    }

    /**
     * An image holding a fresh 64 MiB node before each call.
     */
    @State(Scope.Benchmark)
    public static class ReadImage
    {
        Path file;
        Pkram pkram;
        byte[] source;
        byte[] destination;

        /**
         * Made by JMH.
         */
        public ReadImage()
        {
        }

        /**
         * Format and boot the image.
         */
        @Setup(Level.Trial)
        public void setUp()
        {
            file = ShmFile.format("bytes-read", IMAGE_SIZE, true);
            pkram = Pkram.boot(ShmFile.options(file, 0));
            source = randomChunk();
            destination = new byte[CHUNK];
        }

        /**
         * Save the node the next call loads (not measured).
         */
        @Setup(Level.Invocation)
        public void saveNode()
        {
            save(pkram, source);
        }

        /**
         * Reboot and delete the file.
         */
        @TearDown(Level.Trial)
        public void tearDown()
        {
            try
            {
                pkram.close();
            }
            finally
            {
                ShmFile.delete(file);
            }
        }
    }

    /**
     * Save 64 MiB into a new node's byte stream, 1 MiB a call, and commit it.
     *
     * @param image the image.
     * @return the stream's length.
     */
    @Benchmark
    public long write(final WriteImage image)
    {
        return save(image.pkram, image.source);
    }

    /**
     * Load a 64 MiB node's byte stream, 1 MiB a call, and finish the load.
     *
     * @param image the image, with the node saved.
     * @return a checksum of bytes read, so the reads cannot be eliminated.
     */
    @Benchmark
    public long read(final ReadImage image)
    {
        final byte[] dst = image.destination;
        long total = 0;
        long check = 0;
        try (NodeLoad load = image.pkram.prepareLoad(NODE))
        {
            final ObjLoad obj = load.prepareLoadObj();
            for (int i = 0; i < CHUNKS; i++)
            {
                int done = 0;
                while (done < CHUNK)
                {
                    final int n = obj.read(dst, done, CHUNK - done);
                    if (n < 0)
                    {
                        throw new IllegalStateException("byte stream ended early: read=" + (total + done));
                    }
                    done += n;
                }
                total += done;
                check += dst[i];
            }
            obj.finish();
            load.finish();
        }
        return total + check;
    }

    /**
     * The same 64 MiB copied heap to heap, 1 MiB at a time: the 1 MiB source into consecutive chunks of
     * a 64 MiB array, as {@link #write(WriteImage)} copies it into consecutive data pages.
     *
     * @return the destination.
     */
    @Benchmark
    public byte[] heapCopyBaseline()
    {
        final byte[] src = source;
        final byte[] dst = heapDestination;
        for (int i = 0; i < CHUNKS; i++)
        {
            System.arraycopy(src, 0, dst, i * CHUNK, CHUNK);
        }
        return dst;
    }

    /**
     * The same 64 MiB copied heap to heap, 1 MiB at a time: consecutive chunks of a 64 MiB array into
     * one 1 MiB array, as {@link #read(ReadImage)} copies consecutive data pages into its 1 MiB buffer.
     *
     * @return a checksum of the copies, so they cannot be eliminated.
     */
    @Benchmark
    public long heapReadBaseline()
    {
        final byte[] src = heapSource;
        final byte[] dst = chunkDestination;
        long check = 0;
        for (int i = 0; i < CHUNKS; i++)
        {
            System.arraycopy(src, i * CHUNK, dst, 0, CHUNK);
            check += dst[i];
        }
        return check;
    }

    static long save(final Pkram pkram, final byte[] chunk)
    {
        final NodeSave node = pkram.prepareSave(NODE);
        final ObjSave obj = node.prepareSaveObj(DataKind.BYTES);
        for (int i = 0; i < CHUNKS; i++)
        {
            obj.write(chunk, 0, CHUNK);
        }
        final long length = obj.dataLength();
        node.finish();
        return length;
    }

    static byte[] randomChunk()
    {
        final byte[] chunk = new byte[CHUNK];
        new SplittableRandom(42).nextBytes(chunk);
        return chunk;
    }
}
