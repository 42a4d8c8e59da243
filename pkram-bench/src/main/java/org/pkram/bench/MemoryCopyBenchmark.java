package org.pkram.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;
import org.pkram.mem.PhysMem;

/**
 * A copy from the heap into the memory file (through the Agrona view pkram hands out for a page) against
 * a heap-to-heap {@code System.arraycopy} of the same size, in the same run: what "RAM" costs when it is
 * a mapped tmpfs file. The file is populated up front, so no page fault is measured.
 */
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class MemoryCopyBenchmark extends AverageTimeBenchmark
{
    /** Bytes copied per operation: a page and a 1 MiB chunk. */
    @Param({"4096", "1048576"})
    int bytes;

    private Path file;
    private PhysMem mem;
    private UnsafeBuffer target;
    private byte[] source;
    private byte[] heapTarget;

    /**
     * Made by JMH.
     */
    public MemoryCopyBenchmark()
    {
    }

    /**
     * Create and populate a 16 MiB memory file on /dev/shm.
     *
     * @throws Exception when the file cannot be created.
     */
    @Setup(Level.Trial)
    public void setUp() throws Exception
    {
        file = Files.createTempFile(Path.of("/dev/shm"), "pkram-copy-", ".mem");
        Files.delete(file);
        mem = PhysMem.create(file, 16L << 20, true);
        target = new UnsafeBuffer(mem.segment().address() + (1L << 20), bytes);
        source = new byte[bytes];
        heapTarget = new byte[bytes];
        for (int i = 0; i < bytes; i++)
        {
            source[i] = (byte)i;
        }
    }

    /**
     * Unmap and delete.
     *
     * @throws Exception when the file cannot be deleted.
     */
    @TearDown(Level.Trial)
    public void tearDown() throws Exception
    {
        mem.close();
        Files.deleteIfExists(file);
    }

    /**
     * Heap array into the memory file.
     *
     * @return a byte of the target, so the copy cannot be dropped.
     */
    @Benchmark
    public byte copyIntoMemoryFile()
    {
        target.putBytes(0, source, 0, bytes);
        return target.getByte(bytes - 1);
    }

    /**
     * The baseline: heap array into heap array.
     *
     * @return a byte of the target.
     */
    @Benchmark
    public byte heapArrayCopy()
    {
        System.arraycopy(source, 0, heapTarget, 0, bytes);
        return heapTarget[bytes - 1];
    }
}
