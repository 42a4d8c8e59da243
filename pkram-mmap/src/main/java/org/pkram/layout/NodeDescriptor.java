package org.pkram.layout;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.AtomicBuffer;

/**
 * Emulates struct pkram_node (mm/pkram.c, v3). Occupies one page.
 * <p>
 * A node is one named unit of preserved data: the head of its object list and a link in the chain
 * of nodes the super block hands to the next boot. The rest of the page after {@link #LENGTH} is
 * zero.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                     Flags (SAVE=1, LOAD=2)                    |   0
 *  +---------------------------------------------------------------+
 *  |                         Padding (zero)                        |   4
 *  +---------------------------------------------------------------+
 *  |                     Obj PFN (first object)                    |   8
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |               Node PFN (next node of the chain)               |  16
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |             Name, UTF-8, NUL-terminated, 256 bytes          ...  24
 * ...                                                              |
 *  +---------------------------------------------------------------+
 *  |                      Zero to end of page                    ... 280
 * ...                                                              |
 *  +---------------------------------------------------------------+
 * </pre>
 * Commit order: the objects and the node's other fields first, then
 * {@link #flagsRelease(AtomicBuffer, int)} clearing {@link #PKRAM_SAVE}, as {@code pkram_finish_save}
 * clears it after {@code smp_wmb()}.
 * The release stores write in the platform's byte order; see
 * {@link SuperBlockDescriptor#nativeOrderIsLittleEndian()}. Every other accessor is explicitly
 * little-endian.
 * <p>
 * The accessors index a buffer that views exactly this page (index 0 = the page's first byte).
 */
public final class NodeDescriptor
{
    /** Offset of {@code __u32 flags}: the access mode bits, 0 once the node is committed. */
    public static final int FLAGS_OFFSET = 0;

    /** Offset of the C padding between {@code flags} and {@code obj_pfn}; always zero. */
    public static final int PAD0_OFFSET = FLAGS_OFFSET + Integer.BYTES;

    /** Offset of {@code __u64 obj_pfn}: the first object of the node (objects are LIFO; 0 = none). */
    public static final int OBJ_PFN_OFFSET = PAD0_OFFSET + Integer.BYTES;

    /** Offset of {@code __u64 node_pfn}: the next node of the chain (0 = last). */
    public static final int NODE_PFN_OFFSET = OBJ_PFN_OFFSET + Long.BYTES;

    /** Offset of {@code __u8 name[PKRAM_NAME_MAX]}: the node name, UTF-8, NUL-terminated. */
    public static final int NAME_OFFSET = NODE_PFN_OFFSET + Long.BYTES;

    /** {@code PKRAM_NAME_MAX}: bytes of the name field including the NUL, so at most 255 name bytes. */
    public static final int NAME_MAX = 256;

    /** {@code sizeof(struct pkram_node)}. */
    public static final int LENGTH = NAME_OFFSET + NAME_MAX;

    /** {@code PKRAM_SAVE}: the node is being saved; it is on the node list but cannot be loaded. */
    public static final int PKRAM_SAVE = 1;

    /** {@code PKRAM_LOAD}: the node is being loaded; it is off the node list. */
    public static final int PKRAM_LOAD = 2;

    /** {@code PKRAM_ACCMODE_MASK}: the access-mode bits of {@code flags}. */
    public static final int PKRAM_ACCMODE_MASK = 3;

    private NodeDescriptor()
    {
    }

    /**
     * Reads {@code flags}.
     *
     * @param page a view of the node page.
     * @return the flags; {@code flags & PKRAM_ACCMODE_MASK} is the access mode, 0 when committed.
     */
    public static int flags(final DirectBuffer page)
    {
        return page.getInt(FLAGS_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Writes {@code flags}.
     *
     * @param page  a view of the node page.
     * @param flags the flags.
     */
    public static void flags(final MutableDirectBuffer page, final int flags)
    {
        page.putInt(FLAGS_OFFSET, flags, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Stores the flags with release semantics: clearing {@link #PKRAM_SAVE} this way commits the node,
     * so a reader that sees 0 also sees every object and link written before. Native byte order.
     *
     * @param page  a view of the node page.
     * @param flags the flags.
     */
    public static void flagsRelease(final AtomicBuffer page, final int flags)
    {
        page.putIntRelease(FLAGS_OFFSET, flags);
    }

    /**
     * Reads {@code pad0}.
     *
     * @param page a view of the node page.
     * @return the padding word after the flags; 0 in a valid node.
     */
    public static int pad0(final DirectBuffer page)
    {
        return page.getInt(PAD0_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Reads {@code obj_pfn}.
     *
     * @param page a view of the node page.
     * @return the pfn of the first object, 0 when none.
     */
    public static long objPfn(final DirectBuffer page)
    {
        return page.getLong(OBJ_PFN_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Writes {@code obj_pfn}.
     *
     * @param page a view of the node page.
     * @param pfn  the pfn of the first object, 0 when none.
     */
    public static void objPfn(final MutableDirectBuffer page, final long pfn)
    {
        page.putLong(OBJ_PFN_OFFSET, pfn, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Stores the object-list head with release semantics, so that a reader seeing the new head also
     * sees the object page it points to. Native byte order.
     *
     * @param page a view of the node page.
     * @param pfn  the pfn of the first object, 0 when none.
     */
    public static void objPfnRelease(final AtomicBuffer page, final long pfn)
    {
        page.putLongRelease(OBJ_PFN_OFFSET, pfn);
    }

    /**
     * Reads {@code node_pfn}.
     *
     * @param page a view of the node page.
     * @return the pfn of the next node of the chain, 0 when last.
     */
    public static long nodePfn(final DirectBuffer page)
    {
        return page.getLong(NODE_PFN_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Writes {@code node_pfn}.
     *
     * @param page a view of the node page.
     * @param pfn  the pfn of the next node of the chain, 0 when last.
     */
    public static void nodePfn(final MutableDirectBuffer page, final long pfn)
    {
        page.putLong(NODE_PFN_OFFSET, pfn, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Stores the next-node link with release semantics, so that a reader following it sees the node
     * it points to. Native byte order.
     *
     * @param page a view of the node page.
     * @param pfn  the pfn of the next node of the chain, 0 when last.
     */
    public static void nodePfnRelease(final AtomicBuffer page, final long pfn)
    {
        page.putLongRelease(NODE_PFN_OFFSET, pfn);
    }

    /**
     * Writes the name, its NUL, and zeroes the rest of the field, so the field never keeps bytes of
     * an older name (the kernel's node page starts zeroed and {@code strcpy}s once).
     *
     * @param page a view of the node page.
     * @param utf8 the name as UTF-8, shorter than {@link #NAME_MAX} and free of NUL bytes.
     * @throws IllegalArgumentException when {@code utf8.length >= NAME_MAX} (the kernel's
     *                                  {@code ENAMETOOLONG}) or the name contains a NUL byte (C would
     *                                  read it as a shorter name).
     */
    public static void putName(final MutableDirectBuffer page, final byte[] utf8)
    {
        if (utf8.length >= NAME_MAX)
        {
            throw new IllegalArgumentException(
                "name too long: length=" + utf8.length + ", max=" + (NAME_MAX - 1));
        }
        for (int i = 0; i < utf8.length; i++)
        {
            if (utf8[i] == 0)
            {
                throw new IllegalArgumentException("name contains NUL: index=" + i);
            }
        }
        page.putBytes(NAME_OFFSET, utf8);
        page.setMemory(NAME_OFFSET + utf8.length, NAME_MAX - utf8.length, (byte)0);
    }

    /**
     * Measures {@code name} up to its NUL.
     *
     * @param page a view of the node page.
     * @return the name's length in bytes (the index of the first NUL in the field), or -1 when the
     *         field holds no NUL, which only a corrupt node does.
     */
    public static int nameLength(final DirectBuffer page)
    {
        for (int i = 0; i < NAME_MAX; i++)
        {
            if (page.getByte(NAME_OFFSET + i) == 0)
            {
                return i;
            }
        }
        return -1;
    }

    /**
     * Reads {@code name}.
     *
     * @param page a view of the node page.
     * @return the name decoded as UTF-8 (malformed sequences become U+FFFD); compare raw bytes when
     *         exactness matters, as the kernel's {@code strcmp} does.
     * @throws IllegalStateException when the field holds no NUL (a corrupt node).
     */
    public static String name(final DirectBuffer page)
    {
        final int length = nameLength(page);
        if (length < 0)
        {
            throw new IllegalStateException("node name not NUL-terminated: max=" + NAME_MAX);
        }
        final byte[] utf8 = new byte[length];
        page.getBytes(NAME_OFFSET, utf8);
        return new String(utf8, StandardCharsets.UTF_8);
    }
}
