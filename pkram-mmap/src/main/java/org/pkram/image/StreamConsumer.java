package org.pkram.image;

/**
 * What a consuming read does to the image as it goes: the kernel's load side frees what it has passed
 * ({@code pkram_next_entry} zeroes each entry it hands out, {@code pkram_next_link} frees an exhausted link
 * and advances the object's head, {@code pkram_read} shrinks {@code data_len} and puts each exhausted data
 * page). A non-consuming read (a view, or a crash-safe load, which must leave the image whole until it
 * finishes) passes no consumer.
 */
public interface StreamConsumer
{
    /**
     * An entry was handed out.
     *
     * @param cursor positioned on it ({@link LinkCursor#clearEntry()} zeroes it).
     */
    void entryTaken(LinkCursor cursor);

    /**
     * The cursor left a link for good.
     *
     * @param linkPfn     the link left.
     * @param nextLinkPfn the link entered next, 0 at the end of the stream.
     */
    void linkLeft(long linkPfn, long nextLinkPfn);

    /**
     * Bytes of a byte stream were read.
     *
     * @param remaining bytes of the stream not read yet.
     */
    void bytesRead(long remaining);

    /**
     * A byte stream's data page will not be read again (exhausted, the stream ended, or the reader finished).
     *
     * @param pfn the data page.
     */
    void dataPageDone(long pfn);
}
