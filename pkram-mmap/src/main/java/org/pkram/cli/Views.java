package org.pkram.cli;

import org.agrona.DirectBuffer;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A {@link ByteBuffer} over the bytes an Agrona buffer views in the memory file, so a file channel or a
 * checksum reads and writes a folio in place, without a copy.
 */
final class Views
{
    private Views()
    {
    }

    /**
     * @param buffer a buffer over off-heap memory (a folio's {@code buffer()}).
     * @param length bytes from its start, at most its capacity.
     * @return a little-endian direct buffer over the same bytes, valid as long as the folio is.
     */
    @SuppressWarnings("restricted") // the address comes from a live mapping, the length from its view
    static ByteBuffer byteBuffer(final DirectBuffer buffer, final int length)
    {
        if (length < 0 || length > buffer.capacity())
        {
            throw new IndexOutOfBoundsException("length=" + length + ", capacity=" + buffer.capacity());
        }
        final ByteBuffer wrapped = buffer.byteBuffer();
        if (wrapped != null || buffer.byteArray() != null)
        {
            throw new IllegalArgumentException("not a view of raw off-heap memory: " + buffer);
        }
        return MemorySegment.ofAddress(buffer.addressOffset()).reinterpret(length).asByteBuffer()
            .order(ByteOrder.LITTLE_ENDIAN);
    }
}
