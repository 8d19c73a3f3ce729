package io.dwcp.engine.memory;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RoundStartPagesTest
{
    private static final int PAGE_SIZE = 4096;

    private final UnsafeBuffer page = new UnsafeBuffer(ByteBuffer.allocateDirect(PAGE_SIZE));

    private void fill(final int value)
    {
        page.setMemory(0, PAGE_SIZE, (byte)value);
    }

    @Test
    void keepsTheFirstVersionOfEachPageInARoundAndForgetsThemInTheNext()
    {
        final RoundStartPages kept = new RoundStartPages(PAGE_SIZE, 4L * PAGE_SIZE);
        fill(1);
        kept.keep(1, 10, page, 0);
        fill(2);
        kept.keep(1, 10, page, 0);
        final int slot = kept.slotOf(1, 10);
        assertTrue(slot >= 0);
        assertEquals(1, kept.buffer(slot).getByte(kept.offsetOf(slot) + PAGE_SIZE - 1), "the first version stays");
        assertEquals(1, kept.count());

        assertEquals(-1, kept.slotOf(2, 10), "asked in another round");
        kept.keep(2, 11, page, 0);
        assertEquals(-1, kept.slotOf(2, 10), "a new round forgets the last");
        assertTrue(kept.slotOf(2, 11) >= 0);
    }

    @Test
    void roundZeroKeepsNothingAPlaceWithoutAVersionCountsAndTheBudgetBounds()
    {
        final RoundStartPages kept = new RoundStartPages(PAGE_SIZE, 2L * PAGE_SIZE + PAGE_SIZE / 2);
        kept.keep(0, 1, page, 0);
        assertEquals(0, kept.count());
        assertEquals(-1, kept.slotOf(0, 1));

        kept.keep(3, 1, null, 0);
        assertEquals(-1, kept.slotOf(3, 1), "taken without a version");
        kept.keep(3, 2, page, 0);
        kept.keep(3, 3, page, 0);
        assertEquals(2, kept.count());
        assertTrue(kept.slotOf(3, 2) >= 0);
        assertEquals(-1, kept.slotOf(3, 3), "past the budget of two pages");
        kept.keep(3, 1, page, 0);
        assertEquals(-1, kept.slotOf(3, 1), "a page's place is taken once a round");
    }

    @Test
    void aBudgetBelowAPageKeepsNone()
    {
        final RoundStartPages kept = new RoundStartPages(PAGE_SIZE, PAGE_SIZE - 1);
        assertFalse(kept.isEnabled());
        kept.keep(1, 1, page, 0);
        assertEquals(-1, kept.slotOf(1, 1));
        assertEquals(0, kept.count());
    }
}
