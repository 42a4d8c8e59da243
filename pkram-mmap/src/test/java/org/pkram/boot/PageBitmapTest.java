package org.pkram.boot;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PageBitmapTest
{
    @Test
    void shouldClaimAPageOnceAndCountIt()
    {
        final PageBitmap bits = new PageBitmap(200);
        assertTrue(bits.claimPage(63));
        assertTrue(bits.claimPage(64));
        assertTrue(bits.claimPage(199));
        assertFalse(bits.claimPage(64), "a page claimed twice");
        assertEquals(3, bits.cardinality());
        assertTrue(bits.get(63) && bits.get(64) && bits.get(199));
        assertFalse(bits.get(62) || bits.get(65) || bits.get(0));
    }

    @Test
    void shouldSeeTheSameSetThroughClaimAndClaimPage()
    {
        final PageBitmap bits = new PageBitmap(1024);
        assertTrue(bits.claim(512, 2));
        assertFalse(bits.claimPage(514), "inside a claimed folio");
        assertTrue(bits.claimPage(516));
        assertFalse(bits.claim(516, 0));
        assertFalse(bits.claim(508, 3), "overlaps the folio at 512");
        assertEquals(5, bits.cardinality(), "a failed claim changes nothing");
        assertFalse(bits.get(508));
        assertEquals(512, bits.nextSet(0));
    }
}
