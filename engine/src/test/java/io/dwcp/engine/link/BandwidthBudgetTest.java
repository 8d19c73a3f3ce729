package io.dwcp.engine.link;

import io.dwcp.engine.config.LinkSettings;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BandwidthBudgetTest
{
    private static final long GBIT = 1_000_000_000L;

    @Test
    void budgetOfZeroIsRefusedWithTheSettingNamed()
    {
        final IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
            () -> new LinkSettings(0, 0, 0, 0, true, 0.6));
        assertTrue(error.getMessage().contains(LinkSettings.BUDGET_PROP_NAME), error.getMessage());
        assertTrue(error.getMessage().contains("admits no transfer"), error.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new BandwidthBudget("peer", 0));

        System.setProperty(LinkSettings.BUDGET_PROP_NAME, "0");
        try
        {
            final IllegalArgumentException fromProperty =
                assertThrows(IllegalArgumentException.class, LinkSettings::fromConfiguration);
            assertTrue(fromProperty.getMessage().startsWith(LinkSettings.BUDGET_PROP_NAME + "=0"),
                fromProperty.getMessage());
        }
        finally
        {
            System.clearProperty(LinkSettings.BUDGET_PROP_NAME);
        }
    }

    @Test
    void reservationLargerThanTheCapacityIsRefusedSayingSo()
    {
        final BandwidthBudget budget = new BandwidthBudget("host:1", GBIT);
        final String refusal = budget.reserve(1, 2 * GBIT);
        assertTrue(refusal.contains("larger than the capacity of host:1, 1000 Mbit/s"), refusal);
        assertEquals(0, budget.reservedBps());
        assertNull(budget.reserve(2, GBIT));
        assertTrue(budget.reserve(3, 1).contains("does not fit"));
        assertTrue(budget.reserve(2, 0).contains("already holds"));
        assertTrue(budget.reserve(4, -1).contains("negative"));
    }

    @Test
    void reservationsNeverAddUpToMoreThanTheCapacityAndEveryEndReleasesOne()
    {
        final SplittableRandom random = new SplittableRandom(11);
        final BandwidthBudget budget = new BandwidthBudget("host:1", 10 * GBIT);
        final List<Long> open = new ArrayList<>();
        int refused = 0;
        for (long transferId = 1; transferId <= 100_000; transferId++)
        {
            if (!open.isEmpty() && random.nextInt(3) == 0)
            {
                final long ended = open.remove(random.nextInt(open.size()));
                assertTrue(budget.release(ended));
                assertFalse(budget.release(ended), "released twice");
            }
            final long bps = random.nextLong(3 * GBIT);
            if (null == budget.reserve(transferId, bps))
            {
                open.add(transferId);
            }
            else
            {
                refused++;
            }
            assertTrue(budget.reservedBps() <= budget.capacityBps(), "over capacity");
            assertEquals(open.size(), budget.reservations());
        }
        for (final long transferId : open)
        {
            assertTrue(budget.release(transferId));
        }
        assertEquals(0, budget.reservedBps());
        assertTrue(refused > 0, "the budget was never full");
    }
}
