package io.dwcp.engine.link;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Adaptation fed with metrics as a monitor would give them, one sample per 500 ms.
 */
class LinkAdaptationTest
{
    /** Level -3 at 650 MB/s and x2.3, level 1 at 500 MB/s and x2.5, up to 9 at 40 MB/s and x3.6: real memory's. */
    private static final CodecProfile PROFILE = new CodecProfile(new int[]{-3, -1, 1, 3, 5, 7, 9},
        new double[]{650e6, 600e6, 500e6, 300e6, 150e6, 80e6, 40e6},
        new double[]{2.3, 2.4, 2.5, 2.8, 3.1, 3.4, 3.6}, 0);

    private final NetworkMetrics metrics = new NetworkMetrics();

    @Test
    void slowLinkBuysMoreCompressionAndAFastOneLess()
    {
        final LevelSelector selector = new LevelSelector(PROFILE, 1.0);
        assertEquals(9, selector.choose(50_000_000L, 1));
        assertEquals(7, selector.choose(100_000_000L, 1));
        assertEquals(-3, selector.choose(10_000_000_000L, 1));
        assertTrue(selector.choose(1_000_000_000L, 1) <= 3);
    }

    @Test
    void levelsSlowedByWorkTheProfileDoesNotSeeAreChosenOnlyWhereTheyStillKeepUp()
    {
        final CodecProfile slowed = PROFILE.slowerFrom(3, 0.5);
        assertEquals(PROFILE.bytesPerSecond(2), slowed.bytesPerSecond(2));
        assertEquals(PROFILE.bytesPerSecond(3) * 0.5, slowed.bytesPerSecond(3));
        assertEquals(PROFILE.ratio(4), slowed.ratio(4));
        final int plain = new LevelSelector(PROFILE, 0.6).choose(100_000_000L, 1);
        final int slower = new LevelSelector(slowed, 0.6).choose(100_000_000L, 1);
        assertTrue(slower < plain, "slowed " + slower + ", plain " + plain);
        assertTrue(PROFILE == PROFILE.slowerFrom(11, 0.5), "no level slowed: the same profile");
    }

    @Test
    void steadyLinkChangesModeAtMostOnce()
    {
        final LinkAdaptation adaptation = new LinkAdaptation(new LevelSelector(PROFILE, 0.6), 1, 1, 0);
        long changes = 0;
        for (int i = 0; i < 600; i++)
        {
            // 100 Mbit/s, saturated: the queue holds the round trip at 20 ms over a base of 0.2 ms.
            sample(100_000_000L, 20_000_000L, 200_000L, 0);
            changes += 0 != adaptation.onSample(metrics) ? 1 : 0;
        }
        assertEquals(1, changes, "mode changes on a steady link");
        assertEquals(1, adaptation.levelChanges());
        assertTrue(adaptation.level() >= 5, "level on a slow link " + adaptation.level());
    }

    @Test
    void rateThatDropsMidTransferIsAdaptedToWithinTwoSeconds()
    {
        final LinkAdaptation adaptation = new LinkAdaptation(new LevelSelector(PROFILE, 0.6), 1, 1, 0);
        for (int i = 0; i < 20; i++)
        {
            // 10 Gbit/s, not the bottleneck: the round trip stays at its base.
            sample(2_000_000_000L, 200_000L, 200_000L, 0);
            adaptation.onSample(metrics);
        }
        assertEquals(1, adaptation.level());
        int samples = 0;
        while (adaptation.level() == 1)
        {
            // tc change to 100 Mbit/s: the queue fills.
            sample(100_000_000L, 30_000_000L, 200_000L, 0);
            adaptation.onSample(metrics);
            samples++;
        }
        assertTrue(samples * PathMonitor.SAMPLE_INTERVAL_NS <= 2_000_000_000L, "samples to react: " + samples);
        assertTrue(adaptation.level() >= 5, "level " + adaptation.level());
    }

    @Test
    void pathThatNarrowsWhileCongestionControlKeepsItsQueueShortIsAdaptedToWithinASecond()
    {
        final LinkAdaptation adaptation = new LinkAdaptation(new LevelSelector(PROFILE, 0.6), 1, 1, 0);
        for (int i = 0; i < 20; i++)
        {
            sample(900_000_000L, 3_000_000L, 3_000_000L, 0);
            assertEquals(0, adaptation.onSample(metrics, 0.3, 0.4) & LinkAdaptation.LEVEL_CHANGED);
        }
        int samples = 0;
        while (adaptation.level() == 1 && samples < 20)
        {
            // tc change to 100 Mbit/s: the window holds the stripes, the codec idles, the round trip hardly moves.
            sample(100_000_000L, 6_000_000L, 3_000_000L, 0);
            adaptation.onSample(metrics, 1.0, 0.25);
            samples++;
        }
        assertTrue(samples * PathMonitor.SAMPLE_INTERVAL_NS <= 1_000_000_000L, "samples to react: " + samples);
        assertTrue(adaptation.level() >= 5, "level " + adaptation.level());
        final long changes = adaptation.levelChanges();
        for (int i = 0; i < 100; i++)
        {
            // The level it chose keeps the codec busier; the window still holds the stripes at the narrowed rate.
            sample(100_000_000L, 6_000_000L, 3_000_000L, 0);
            adaptation.onSample(metrics, 1.0, 0 == i % 3 ? 0.95 : 0.5);
            assertTrue(adaptation.isLinkBound(), "sample " + i);
        }
        assertEquals(changes, adaptation.levelChanges(), "the narrowed path, once steady, changes nothing more");
    }

    @Test
    void rateHeldBackAtAStepOfLessThanHalfIsNotANarrowedPath()
    {
        final LinkAdaptation adaptation = new LinkAdaptation(new LevelSelector(PROFILE, 0.6), 1, 1, 0);
        for (int i = 0; i < 50; i++)
        {
            // A receiver's flow control holds the rate, which moves by a third between samples.
            sample(0 == i % 2 ? 600_000_000L : 400_000_000L, 3_000_000L, 3_000_000L, 0);
            assertEquals(0, adaptation.onSample(metrics, 1.0, 0.25) & LinkAdaptation.LEVEL_CHANGED);
        }
        assertEquals(1, adaptation.level());
    }

    @Test
    void codecBoundSenderOnALinkOfUnknownRateGetsAFasterLevel()
    {
        final LinkAdaptation adaptation = new LinkAdaptation(new LevelSelector(PROFILE, 0.6), 1, 1, 0);
        long changes = 0;
        for (int i = 0; i < 100; i++)
        {
            // The sender's one thread compresses at 150 MB/s, a third of the profile's speed: 60 MB/s of wire, the
            // round trip at its base, pages always waiting, the worker busy nine tenths of the time and its frames
            // waiting for its own driver's turn.
            sample(480_000_000L, 300_000L, 300_000L, 0);
            changes += adaptation.onSample(metrics, 1.0, 0.9) & LinkAdaptation.LEVEL_CHANGED;
            if (3 == i)
            {
                assertTrue(adaptation.level() < 1, "level after four samples " + adaptation.level());
            }
        }
        assertTrue(adaptation.isCodecBound());
        assertEquals(-3, adaptation.level());
        assertTrue(changes <= 2, "level changes " + changes);
    }

    @Test
    void senderWithNothingWaitingOrHeldBackKeepsItsLevel()
    {
        final LinkAdaptation idle = new LinkAdaptation(new LevelSelector(PROFILE, 0.6), 1, 1, 0);
        final LinkAdaptation held = new LinkAdaptation(new LevelSelector(PROFILE, 0.6), 1, 1, 0);
        for (int i = 0; i < 100; i++)
        {
            sample(480_000_000L, 300_000L, 300_000L, 0);
            assertEquals(0, idle.onSample(metrics, 0, 0) & LinkAdaptation.LEVEL_CHANGED);
            // Pages wait, but behind the receiver's flow control: the worker waits too, the window holds the rate.
            assertEquals(0, held.onSample(metrics, 0.9, 0.3) & LinkAdaptation.LEVEL_CHANGED);
        }
        assertEquals(1, idle.level());
        assertEquals(1, held.level());
        assertTrue(!idle.isCodecBound() && !held.isCodecBound());
    }

    @Test
    void codecBoundSenderThatFillsTheLinkGetsItsCompressionBack()
    {
        final LinkAdaptation adaptation = new LinkAdaptation(new LevelSelector(PROFILE, 0.6), 1, 1, 0);
        for (int i = 0; i < 10; i++)
        {
            sample(480_000_000L, 300_000L, 300_000L, 0);
            adaptation.onSample(metrics, 0, 0.9);
        }
        assertEquals(-3, adaptation.level());
        for (int i = 0; i < 10; i++)
        {
            // The faster level fills a 100 Mbit/s link: its queue grows.
            sample(100_000_000L, 30_000_000L, 300_000L, 0);
            adaptation.onSample(metrics, 0, 0.9);
        }
        assertTrue(adaptation.level() >= 5, "level on a full 100 Mbit/s link " + adaptation.level());
    }

    @Test
    void latencySpikeHalvesTheStreamsAndLossPacesDown()
    {
        final LinkAdaptation adaptation = new LinkAdaptation(null, 1, 3, 0);
        sample(500_000_000L, 1_000_000L, 1_000_000L, 0);
        assertEquals(0, adaptation.onSample(metrics));
        assertEquals(16, adaptation.streams(16));
        sample(500_000_000L, 9_000_000L, 1_000_000L, 0);
        adaptation.onSample(metrics);
        assertEquals(LinkAdaptation.STREAMS_CHANGED, adaptation.onSample(metrics) & LinkAdaptation.STREAMS_CHANGED);
        assertEquals(8, adaptation.streams(16));

        sample(400_000_000L, 9_000_000L, 1_000_000L, 0.02);
        for (int i = 1; i < LinkAdaptation.PROBE_UP_SAMPLES; i++)
        {
            assertEquals(0, adaptation.onSample(metrics) & LinkAdaptation.PACE_CHANGED);
        }
        assertEquals(LinkAdaptation.PACE_CHANGED, adaptation.onSample(metrics) & LinkAdaptation.PACE_CHANGED);
        assertEquals(380_000_000L, adaptation.paceBps());
        assertEquals(3, adaptation.level(), "no selector, no level change");
    }

    @Test
    void lossWithoutAGrowingQueueIsNoiseAndIsNotPacedDown()
    {
        final LinkAdaptation adaptation = new LinkAdaptation(null, 1, 3, 0);
        for (int i = 0; i < 20; i++)
        {
            // 5% of datagrams lost at random, the round trip at its base: a noisy path, not a full one.
            sample(400_000_000L, 1_000_000L, 1_000_000L, 0.05);
            assertEquals(0, adaptation.onSample(metrics) & LinkAdaptation.PACE_CHANGED);
        }
        assertEquals(0, adaptation.paceBps());
    }

    private void sample(final long bandwidthBps, final long latencyNs, final long baseNs, final double loss)
    {
        metrics.update(bandwidthBps, Math.max(bandwidthBps, metrics.peakBandwidthBps()), bandwidthBps, latencyNs,
            baseNs, loss, 0, 0);
    }
}
