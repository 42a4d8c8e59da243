/**
 * The one read path over a preserved image: a bounded cursor over a stream's links
 * ({@link org.pkram.image.LinkCursor}), the byte-stream reader and its record framing
 * ({@link org.pkram.image.ByteStreamReader}, {@link org.pkram.image.RecordFraming}), and read-only views of
 * nodes and objects ({@link org.pkram.image.NodeView}, {@link org.pkram.image.ObjView}) that consume nothing.
 * <p>
 * Emulates the load side of {@code mm/pkram.c} ({@code pkram_next_link}, {@code pkram_next_entry},
 * {@code pkram_read}), reading only: loads, live nodes, views ({@code Pkram.view}), truncate, the boot scan,
 * {@code ls}, {@code inspect} and {@code fsck} all walk through here; a load frees what it consumed at its finish. Single-threaded: one
 * cursor or reader per walk; views are valid while their mapping is attached.
 */
package org.pkram.image;
