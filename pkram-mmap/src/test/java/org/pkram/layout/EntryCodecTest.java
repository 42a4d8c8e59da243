package org.pkram.layout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.IntStream;
import java.util.stream.LongStream;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * pkram_entry_t: {@code phys | order | (flags & 0x7f) << 5}, checked against values computed by
 * hand from that C expression.
 */
class EntryCodecTest
{
    private static final long MAX_PFN = (1L << 52) - 1;

    /** Edge pfns: the lowest page, a middle one, the highest the 52 bits hold, and high aligned ones. */
    static Stream<Arguments> ordersAndPfns()
    {
        return IntStream.rangeClosed(0, 31).boxed().flatMap(order ->
            LongStream.of(
                1L,
                1L << 20,
                MAX_PFN,
                MAX_PFN & -(1L << Math.min(order, 51)),
                1L << 40,
                1L << 51)
                .mapToObj(pfn -> Arguments.of(pfn, order)));
    }

    @ParameterizedTest
    @MethodSource("ordersAndPfns")
    void shouldRoundTripEveryOrderWithEdgePfns(final long pfn, final int order)
    {
        final long entry = EntryCodec.encode(pfn, order);

        assertEquals(pfn, EntryCodec.pfn(entry));
        assertEquals(order, EntryCodec.order(entry));
        assertEquals(0, EntryCodec.flags(entry));
        assertFalse(EntryCodec.isEmpty(entry));
        assertEquals((pfn << 12) | order, entry);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
    void shouldRoundTripEveryOrderPkramAccepts(final int order)
    {
        // A naturally aligned folio of this order, as the allocator hands them out.
        final long pfn = 0x12345L << order;
        final long entry = EntryCodec.encode(pfn, order);

        assertEquals(pfn, EntryCodec.pfn(entry));
        assertEquals(order, EntryCodec.order(entry));
        assertTrue(Pfn.isValidOrder(EntryCodec.order(entry)));
    }

    @Test
    void shouldEncodeAsTheKernelExpression()
    {
        // page_to_phys(page) | order | (flags & 0x7f) << 5, worked by hand.
        assertEquals(0x0000_0000_0010_0000L, EntryCodec.encode(0x100, 0));
        assertEquals(0x0000_0000_0020_8003L, EntryCodec.encode(0x208, 3));
        assertEquals(0x0000_1234_5678_0004L, EntryCodec.encode(0x1_2345_6780L, 4));
        assertEquals(0x0000_0000_0040_000AL, EntryCodec.encode(0x400, 10));
        assertEquals(0xFFFF_FFFF_FFFF_F000L, EntryCodec.encode(MAX_PFN, 0));
        assertEquals(0x0000_0000_0000_1020L, EntryCodec.encode(1, 0, 1));
        assertEquals(0x0000_0000_0000_1FFFL, EntryCodec.encode(1, 31, 0x7f));
    }

    @Test
    void shouldRoundTripEveryFlagsValue()
    {
        for (int flags = 0; flags <= 0x7f; flags++)
        {
            for (final int order : new int[] {0, 9, 31})
            {
                final long entry = EntryCodec.encode(0xABCDEL, order, flags);

                assertEquals(0xABCDEL, EntryCodec.pfn(entry));
                assertEquals(order, EntryCodec.order(entry));
                assertEquals(flags, EntryCodec.flags(entry));
            }
        }
    }

    @Test
    void shouldHaveKernelMasks()
    {
        assertEquals(0x1f, EntryCodec.ORDER_MASK);
        assertEquals(5, EntryCodec.FLAGS_SHIFT);
        assertEquals(0x7f, EntryCodec.FLAGS_MASK);
        assertEquals(MAX_PFN, EntryCodec.MAX_PFN);
        // order and flags together fill exactly the 12 bits below a page-aligned address.
        assertEquals(0xFFF, EntryCodec.ORDER_MASK | (EntryCodec.FLAGS_MASK << EntryCodec.FLAGS_SHIFT));
        assertEquals(0, EntryCodec.ORDER_MASK & (EntryCodec.FLAGS_MASK << EntryCodec.FLAGS_SHIFT));
    }

    @Test
    void shouldDecodeFieldsIndependently()
    {
        final long entry = 0x0000_0000_0ABC_D000L | (0x55L << 5) | 7;

        assertEquals(0xABCDL, EntryCodec.pfn(entry));
        assertEquals(7, EntryCodec.order(entry));
        assertEquals(0x55, EntryCodec.flags(entry));
    }

    @Test
    void shouldTreatOnlyZeroAsEmpty()
    {
        assertTrue(EntryCodec.isEmpty(0));
        assertFalse(EntryCodec.isEmpty(1));
        assertFalse(EntryCodec.isEmpty(EntryCodec.encode(1, 0)));
        // Physical page 0 at order 0 is indistinguishable from an empty slot, which is why pfn 0 is
        // never handed out.
        assertTrue(EntryCodec.isEmpty(EntryCodec.encode(0, 0)));
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, 32, 33, 64, Integer.MAX_VALUE, Integer.MIN_VALUE})
    void shouldRejectOrderOutsideTheField(final int order)
    {
        assertThrows(IllegalArgumentException.class, () -> EntryCodec.encode(1, order));
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, 0x80, 0xFF, Integer.MIN_VALUE})
    void shouldRejectFlagsOutsideTheField(final int flags)
    {
        assertThrows(IllegalArgumentException.class, () -> EntryCodec.encode(1, 0, flags));
    }

    @ParameterizedTest
    @ValueSource(longs = {-1L, Long.MIN_VALUE, 1L << 52, (1L << 52) + 1, Long.MAX_VALUE})
    void shouldRejectPfnOutsideTheAddress(final long pfn)
    {
        assertThrows(IllegalArgumentException.class, () -> EntryCodec.encode(pfn, 0));
    }
}
