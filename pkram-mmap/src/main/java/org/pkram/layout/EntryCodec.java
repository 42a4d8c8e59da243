package org.pkram.layout;

/**
 * Emulates pkram_entry_t (mm/pkram.c, v3): one u64 per folio in a link page, built as
 * {@code page_to_phys(page) | order | (flags & 0x7f) << 5}.
 * <pre>
 *   63                                          12 11        5 4       0
 *  +----------------------------------------------+-----------+---------+
 *  | physical address of the first page (52 bits) | flags (7) |order (5)|
 *  +----------------------------------------------+-----------+---------+
 * </pre>
 * The address is page aligned, so its low 12 bits carry the order and the flags. v3 defines no
 * flag (always 0; v2's {@code PKRAM_PAGE_TRANS_HUGE} was bit 0 of the flags). An entry of 0 is
 * empty: it ends a link that is not full. The codec accepts any order the 5-bit field holds
 * (0..31); whether an order is one pkram uses ({@link Pfn#isValidOrder(int)}, 0..10) is the
 * reader's check, as {@code order >= MAX_ORDER} is the kernel's check at load.
 * <p>
 * Pure functions on {@code long} values; byte order is the link page's business
 * ({@link LinkDescriptor}).
 */
public final class EntryCodec
{
    /** {@code PKRAM_ENTRY_ORDER_MASK}: the order field, bits 0..4. */
    public static final int ORDER_MASK = 0x1f;

    /** {@code PKRAM_ENTRY_FLAGS_SHIFT}: the flags field starts at bit 5. */
    public static final int FLAGS_SHIFT = 5;

    /** {@code PKRAM_ENTRY_FLAGS_MASK}: the flags field, 7 bits, applied before the shift. */
    public static final int FLAGS_MASK = 0x7f;

    /** Largest pfn an entry holds: the physical address must fit in 64 bits. */
    public static final long MAX_PFN = (1L << (Long.SIZE - Pfn.PAGE_SHIFT)) - 1;

    private EntryCodec()
    {
    }

    /**
     * Encodes an entry with no flags, as v3's {@code pkram_save_folio} does.
     *
     * @param pfn   the first page of the folio, {@code 0 <= pfn <= MAX_PFN}.
     * @param order the folio's order, 0..31.
     * @return the entry.
     * @throws IllegalArgumentException when {@code pfn} or {@code order} is out of range.
     */
    public static long encode(final long pfn, final int order)
    {
        return encode(pfn, order, 0);
    }

    /**
     * Encodes an entry. Unlike the kernel, which masks the flags, out-of-range values are rejected:
     * masking would silently store something other than what was asked.
     *
     * @param pfn   the first page of the folio, {@code 0 <= pfn <= MAX_PFN}.
     * @param order the folio's order, 0..31.
     * @param flags the entry flags, 0..0x7f (v3 defines none).
     * @return the entry; 0 only for pfn 0, order 0 and flags 0, which reads back as empty.
     * @throws IllegalArgumentException when {@code pfn}, {@code order} or {@code flags} is out of range.
     */
    public static long encode(final long pfn, final int order, final int flags)
    {
        if (pfn < 0 || pfn > MAX_PFN)
        {
            throw new IllegalArgumentException("pfn out of range: pfn=" + pfn + ", max=" + MAX_PFN);
        }
        if ((order & ~ORDER_MASK) != 0)
        {
            throw new IllegalArgumentException("order out of range: order=" + order + ", max=" + ORDER_MASK);
        }
        if ((flags & ~FLAGS_MASK) != 0)
        {
            throw new IllegalArgumentException("flags out of range: flags=" + flags + ", max=" + FLAGS_MASK);
        }
        return (pfn << Pfn.PAGE_SHIFT) | order | ((long)flags << FLAGS_SHIFT);
    }

    /**
     * Decodes the pfn of the folio's first page.
     *
     * @param entry an entry.
     * @return the pfn of the folio's first page ({@code PHYS_PFN(entry)}).
     */
    public static long pfn(final long entry)
    {
        return entry >>> Pfn.PAGE_SHIFT;
    }

    /**
     * Decodes the order.
     *
     * @param entry an entry.
     * @return the folio's order, 0..31 (unchecked: see {@link Pfn#isValidOrder(int)}).
     */
    public static int order(final long entry)
    {
        return (int)(entry & ORDER_MASK);
    }

    /**
     * Decodes the flags.
     *
     * @param entry an entry.
     * @return the entry's flags, 0..0x7f.
     */
    public static int flags(final long entry)
    {
        return (int)((entry >>> FLAGS_SHIFT) & FLAGS_MASK);
    }

    /**
     * Tells whether an entry is an unused slot.
     *
     * @param entry an entry.
     * @return true when the entry is 0: an unused slot, the end of a link that is not full.
     */
    public static boolean isEmpty(final long entry)
    {
        return entry == 0;
    }
}
