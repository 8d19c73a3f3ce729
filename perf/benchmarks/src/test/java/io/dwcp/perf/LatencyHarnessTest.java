package io.dwcp.perf;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The latency harness refuses parameters it cannot honour, saying which and why, before it starts anything.
 */
class LatencyHarnessTest
{
    private static void assertRefused(final String expected, final String... args)
    {
        final IllegalArgumentException ex =
            assertThrows(IllegalArgumentException.class, () -> LatencyHarness.parse(args));
        assertTrue(ex.getMessage().contains(expected), ex.getMessage());
    }

    @Test
    void impossibleParametersAreRefusedWithTheirReason()
    {
        assertRefused("cannot be taken from an image of 256 pages", "--image", "1m", "--batches", "1,512");
        assertRefused("batch of 0 pages", "--batches", "0");
        assertRefused("rate -5 pages/s must be positive", "--rates", "-5");
        assertRefused("over the 100000 this harness can schedule", "--batches", "1", "--rates", "1000000");
        assertRefused("sends less than one batch", "--batches", "256", "--rates", "10", "--duration", "1");
        assertRefused("--duration must be above 0", "--duration", "0");
        assertRefused("over 1 MiB", "--batches", "512");
        assertRefused("is not a number", "--rates", "fast");
        assertRefused("unknown argument --speed", "--speed", "2");
        assertRefused("--rates needs a value", "--rates");
        assertRefused("must be a positive whole number of 4096-byte pages", "--image", "1000");
    }

    @Test
    void defaultsAreTheIssuesThreeBatchSizesAtThreeRates()
    {
        final LatencyHarness.Settings settings = LatencyHarness.parse(new String[0]);
        assertArrayEquals(new int[] { 1, 16, 256 }, settings.batches());
        assertEquals(3, settings.rates().length);
    }
}
