package io.dwcp.engine.link;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BandwidthPredictorTest
{
    @Test
    void steadyLinkIsPredictedWithinItsNoise()
    {
        final SplittableRandom random = new SplittableRandom(3);
        final BandwidthPredictor predictor = new BandwidthPredictor();
        for (int i = 0; i < 200; i++)
        {
            predictor.onSample((long)(1e9 * (0.95 + 0.1 * random.nextDouble())));
        }
        assertTrue(predictor.weightedError() < 0.06, "error " + predictor.weightedError());
        assertEquals(1e9, predictor.predictedBps(), 0.05e9);
        assertEquals(200 - BandwidthPredictor.HORIZON, predictor.scored());
    }

    @Test
    void feedbackMovesThePredictionToTheModelThatMissesLeast()
    {
        final BandwidthPredictor predictor = new BandwidthPredictor();
        // A ramp: a trend model follows it, the others lag.
        for (int i = 0; i < 60; i++)
        {
            predictor.onSample(100_000_000L + i * 10_000_000L);
        }
        assertEquals("holt", predictor.modelName());
        final double rampError = predictor.trackedError(2);
        assertTrue(rampError < 0.01, "holt's error on a ramp " + rampError);

        // Then a rate that alternates between two levels: the median of five holds best.
        for (int i = 0; i < 60; i++)
        {
            predictor.onSample(i % 5 == 0 ? 200_000_000L : 700_000_000L);
        }
        assertEquals("median5", predictor.modelName());
    }

    @Test
    void stepIsFollowedWithinTheHorizonAndAFewSamples()
    {
        final BandwidthPredictor predictor = new BandwidthPredictor();
        for (int i = 0; i < 40; i++)
        {
            predictor.onSample(1_000_000_000L);
        }
        int samples = 0;
        while (Math.abs(predictor.predictedBps() - 100_000_000L) > 10_000_000L)
        {
            predictor.onSample(100_000_000L);
            samples++;
        }
        assertTrue(samples <= 4, "samples to follow a step down: " + samples);
    }
}
