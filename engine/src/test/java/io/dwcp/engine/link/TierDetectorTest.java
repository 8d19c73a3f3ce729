package io.dwcp.engine.link;

import io.dwcp.codecs.agent.LinkTier;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tier detection over a matrix of emulated links whose truth the test knows: rates from 50 Mbit/s to 40 Gbit/s,
 * one-way delays from 0.05 to 150 ms, loss from 0 to 5%. Each link gives a measurement every 500 ms as a sender
 * would see it: the round trip with jitter and now and then a queueing spike, and the delivered bandwidth with
 * noise and less the loss.
 */
class TierDetectorTest
{
    private static final long[] RATES_MBPS =
        {50, 100, 500, 800, 1_200, 1_500, 2_500, 5_000, 8_000, 11_500, 12_000, 25_000, 40_000};
    private static final double[] RTTS_MS = {0.1, 0.5, 2, 6, 8, 9, 11, 14, 30, 40, 45, 55, 60, 100, 300};
    private static final double[] LOSSES = {0, 0.001, 0.01, 0.05};
    private static final int MEASUREMENTS = 20;

    @Test
    void detectsAtLeast95PercentOfAMatrixOfLinksCorrectlyAndReportsTheConfidence()
    {
        final SplittableRandom random = new SplittableRandom(42);
        int correct = 0;
        int total = 0;
        double confidenceWhenRight = 0;
        double confidenceWhenWrong = 0;
        final List<String> wrong = new ArrayList<>();
        for (final long rateMbps : RATES_MBPS)
        {
            for (final double rttMs : RTTS_MS)
            {
                for (final double loss : LOSSES)
                {
                    final LinkTier truth = TierDetector.classify(rttMs, rateMbps);
                    final TierDetector detector = new TierDetector();
                    for (int i = 0; i < MEASUREMENTS; i++)
                    {
                        detector.onMeasurement(rttNs(random, rttMs), bandwidthBps(random, rateMbps, loss));
                    }
                    total++;
                    if (detector.tier() == truth)
                    {
                        correct++;
                        confidenceWhenRight += detector.confidence();
                    }
                    else
                    {
                        confidenceWhenWrong += detector.confidence();
                        wrong.add(rateMbps + " Mbit/s, " + rttMs + " ms, loss " + loss + ": " + detector.tier() +
                            " for " + truth + " at confidence " + detector.confidence());
                    }
                }
            }
        }
        final double accuracy = (double)correct / total;
        System.out.printf("tier detection: %d of %d links right (%.1f%%), mean confidence %.2f when right, " +
            "%.2f when wrong%n", correct, total, accuracy * 100, confidenceWhenRight / Math.max(1, correct),
            confidenceWhenWrong / Math.max(1, total - correct));
        assertTrue(accuracy >= 0.95, () -> accuracy + ", wrong: " + wrong);
        assertTrue(total - correct == 0 || confidenceWhenWrong / (total - correct) < confidenceWhenRight / correct,
            "a wrong tier comes with less confidence than a right one");
    }

    @Test
    void firstTierComesOnceTheWindowIsFull()
    {
        final TierDetector detector = new TierDetector();
        for (int i = 0; i < TierDetector.WINDOW - 1; i++)
        {
            assertEquals(false, detector.onMeasurement(1_000_000, 20_000_000_000L));
            assertEquals(LinkTier.UNKNOWN, detector.tier());
        }
        assertTrue(detector.onMeasurement(1_000_000, 20_000_000_000L));
        assertEquals(LinkTier.TIER1, detector.tier());
        assertEquals(1.0, detector.confidence(), 1e-9);
    }

    @Test
    void linkNoisyAroundAThresholdDoesNotFlap()
    {
        final SplittableRandom random = new SplittableRandom(7);
        final TierDetector detector = new TierDetector();
        for (int i = 0; i < 2_000; i++)
        {
            // 1 Gbit/s give or take 10%, 10 ms give or take 20%: both thresholds at once.
            final long bandwidth = (long)(1e9 * (0.9 + 0.2 * random.nextDouble()));
            final long rtt = (long)(10e6 * (0.8 + 0.4 * random.nextDouble()));
            detector.onMeasurement(rtt, bandwidth);
        }
        assertTrue(detector.changes() <= 3, () -> "changes: " + detector.changes());
    }

    @Test
    void roundTripThatJumpsAHundredFoldChangesTheTierOnce()
    {
        final TierDetector detector = new TierDetector();
        for (int i = 0; i < 20; i++)
        {
            detector.onMeasurement(2_000_000, 5_000_000_000L);
        }
        assertEquals(LinkTier.TIER2, detector.tier());
        int measurements = 0;
        while (LinkTier.TIER2 == detector.tier())
        {
            detector.onMeasurement(200_000_000, 5_000_000_000L);
            measurements++;
        }
        assertEquals(LinkTier.TIER3, detector.tier());
        assertEquals(2, detector.changes());
        // The p50 moves after half a window; then the change needs its confirmations.
        assertTrue(measurements <= TierDetector.WINDOW + TierDetector.CHANGE_AFTER, "measurements: " + measurements);
        for (int i = 0; i < 100; i++)
        {
            detector.onMeasurement(200_000_000, 5_000_000_000L);
        }
        assertEquals(2, detector.changes());
    }

    @Test
    void normalCdfMatchesKnownValues()
    {
        assertEquals(0.5, TierDetector.normalCdf(0), 1e-7);
        assertEquals(0.841345, TierDetector.normalCdf(1), 1e-5);
        assertEquals(0.977250, TierDetector.normalCdf(2), 1e-5);
        assertEquals(0.022750, TierDetector.normalCdf(-2), 1e-5);
    }

    private static long rttNs(final SplittableRandom random, final double rttMs)
    {
        // Jitter of up to 10% (at least 20 us), and a queueing spike of up to 3x in one sample of ten.
        double rtt = rttMs * (1 + 0.1 * (random.nextDouble() - 0.5)) + 0.02 * random.nextDouble();
        if (random.nextInt(10) == 0)
        {
            rtt *= 1 + 2 * random.nextDouble();
        }
        return (long)(rtt * 1e6);
    }

    private static long bandwidthBps(final SplittableRandom random, final long rateMbps, final double loss)
    {
        // Noise of 10%, down to 40% of the rate in one sample of eight (a pause between rounds), less the loss.
        double share = 0.95 + 0.1 * (random.nextDouble() - 0.5);
        if (random.nextInt(8) == 0)
        {
            share *= 0.4 + 0.6 * random.nextDouble();
        }
        return (long)(rateMbps * 1e6 * share * (1 - loss));
    }
}
