package org.pkram.bench;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reload from a file: the values written back to back into one file; restart to ready reads the
 * whole file into heap arrays with a {@link FileChannel} (1 GiB arrays, as one Java array holds less
 * than 2 GiB), closes it, then, when warm, reads the first 8 bytes of every value from the heap copy.
 * Ready to serve is the same read: a file's values are reachable only once they are on the heap.
 * <p>
 * {@link #shutDown()} drops the arrays and asks for a full GC, so the next restart starts from an
 * empty heap as a new process would. The fork's heap is fixed ({@code -Xms6g -Xmx6g}), so after the
 * warm-up iteration it is committed and touched: the measured iterations do not pay the page faults
 * (and zeroing) of fresh memory that a new process pays for its 4 GiB. That flatters
 * {@code filechannel}; it also keeps its times from depending on whether the JVM gave memory back.
 */
final class FileChannelState implements RestartState
{
    /** Values in one heap array: 1 GiB. */
    static final int VALUES_PER_CHUNK = (1 << 30) / VALUE_SIZE;

    private static final VarHandle LONG_LE =
        MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private Path file;
    private int count;
    private byte[][] chunks;

    @Override
    public void build(final Path dir, final int count) throws IOException
    {
        this.file = dir.resolve("values.bin");
        this.count = count;
        final byte[] template = RestartState.template();
        final ByteBuffer buffer = ByteBuffer.allocateDirect(256 * VALUE_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE))
        {
            for (int i = 0; i < count; i++)
            {
                final int at = buffer.position();
                buffer.put(template);
                buffer.putLong(at, i);
                if (!buffer.hasRemaining() || i == count - 1)
                {
                    buffer.flip();
                    while (buffer.hasRemaining())
                    {
                        channel.write(buffer);
                    }
                    buffer.clear();
                }
            }
        }
    }

    @Override
    public void adopt(final Path dir, final int count, final String handover)
    {
        this.file = dir.resolve("values.bin");
        this.count = count;
    }

    @Override
    public long restartToReady(final Ready ready) throws IOException
    {
        final int chunkCount = (count + VALUES_PER_CHUNK - 1) / VALUES_PER_CHUNK;
        chunks = new byte[chunkCount][];
        long position = 0;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ))
        {
            for (int c = 0; c < chunkCount; c++)
            {
                final int values = Math.min(VALUES_PER_CHUNK, count - c * VALUES_PER_CHUNK);
                final byte[] chunk = new byte[values * VALUE_SIZE];
                final ByteBuffer target = ByteBuffer.wrap(chunk);
                while (target.hasRemaining())
                {
                    final int read = channel.read(target, position);
                    if (read < 0)
                    {
                        throw new IOException("file shorter than its values: file=" + file + ", position=" + position);
                    }
                    position += read;
                }
                chunks[c] = chunk;
            }
        }
        if (ready == Ready.SERVE)
        {
            return position / VALUE_SIZE;
        }
        long sum = 0;
        for (final byte[] chunk : chunks)
        {
            for (int at = 0; at < chunk.length; at += VALUE_SIZE)
            {
                sum += (long)LONG_LE.get(chunk, at);
            }
        }
        return sum;
    }

    @Override
    public void shutDown()
    {
        chunks = null;
        System.gc();
    }

    @Override
    public void delete()
    {
        chunks = null;
    }
}
