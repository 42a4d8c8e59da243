package org.pkram;

import org.agrona.concurrent.UnsafeBuffer;
import org.pkram.image.LinkCursor;
import org.pkram.image.StreamConsumer;
import org.pkram.layout.ObjDescriptor;
import org.pkram.mem.PageAllocator;

import java.nio.ByteOrder;

/**
 * A kernel-faithful load takes the image apart as it reads, as {@code pkram_next_entry},
 * {@code pkram_next_link} and {@code pkram_read} do: each entry handed out is zeroed (no double free), an
 * exhausted link is freed and the object's head advanced past it, {@code data_len} shrinks with every read,
 * and each exhausted data page is freed. One instance per stream of an object.
 */
final class KernelConsumption implements StreamConsumer
{
    private final PageAllocator allocator;
    private final UnsafeBuffer obj;
    private final int headOffset;

    /**
     * @param allocator  where freed pages go.
     * @param obj        the object's page.
     * @param headOffset the stream's head field in it ({@link ObjDescriptor}).
     */
    KernelConsumption(final PageAllocator allocator, final UnsafeBuffer obj, final int headOffset)
    {
        this.allocator = allocator;
        this.obj = obj;
        this.headOffset = headOffset;
    }

    @Override
    public void entryTaken(final LinkCursor cursor)
    {
        cursor.clearEntry();
    }

    @Override
    public void linkLeft(final long linkPfn, final long nextLinkPfn)
    {
        obj.putLong(headOffset, nextLinkPfn, ByteOrder.LITTLE_ENDIAN);
        allocator.free(linkPfn, 0);
    }

    @Override
    public void bytesRead(final long remaining)
    {
        ObjDescriptor.dataLen(obj, remaining);
    }

    @Override
    public void dataPageDone(final long pfn)
    {
        allocator.free(pfn, 0);
    }
}
