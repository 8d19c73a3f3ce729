package io.dwcp.engine.link;

import io.dwcp.codecs.agent.LinkTier;

import java.util.Arrays;

/**
 * Detects a path's tier as the seeds specify: over the last {@value #WINDOW} measurements (one per
 * {@link PathMonitor#SAMPLE_INTERVAL_NS}, so a 5 s window), the p50 latency and the p95 bandwidth decide,
 * <ul>
 *   <li>{@link LinkTier#TIER1}: latency under 10 ms and bandwidth over 10 Gbit/s;</li>
 *   <li>{@link LinkTier#TIER2}: latency under 50 ms and bandwidth over 1 Gbit/s;</li>
 *   <li>{@link LinkTier#TIER3}: anything else.</li>
 * </ul>
 * The confidence comes from the measurements' variance: for each threshold, the chance that the window's
 * statistic lies on the side it was found on, given the spread of the measurements (a normal approximation of the
 * standard error); the confidence is the smallest of those chances.
 * <p>
 * It does not flap: a new tier replaces the current one only after {@value #CHANGE_AFTER} successive windows
 * classify it so, each with a confidence of at least {@value #MIN_CHANGE_CONFIDENCE}. The first tier is reported
 * once the window is full.
 * <p>
 * Not thread safe. Allocates nothing after construction.
 */
public final class TierDetector
{
    /** Measurements in a window. */
    public static final int WINDOW = 10;
    /** Successive windows that must agree before the tier changes. */
    public static final int CHANGE_AFTER = 3;
    /** Confidence each of those windows needs. */
    public static final double MIN_CHANGE_CONFIDENCE = 0.6;

    static final double TIER1_LATENCY_MS = 10.0;
    static final double TIER2_LATENCY_MS = 50.0;
    static final double TIER1_BANDWIDTH_MBPS = 10_000.0;
    static final double TIER2_BANDWIDTH_MBPS = 1_000.0;

    private final double[] latencyMs = new double[WINDOW];
    private final double[] bandwidthMbps = new double[WINDOW];
    private final double[] sorted = new double[WINDOW];
    private int count;
    private int next;
    private LinkTier tier = LinkTier.UNKNOWN;
    private double confidence;
    private LinkTier candidate = LinkTier.UNKNOWN;
    private int candidateWindows;
    private double p50LatencyMs = -1;
    private double p95BandwidthMbps = -1;
    private long changes;

    /**
     * Add a measurement.
     *
     * @param latencyNs    round-trip time of the sample.
     * @param bandwidthBps bandwidth of the sample, bit/s.
     * @return true when the detected tier changed.
     */
    public boolean onMeasurement(final long latencyNs, final long bandwidthBps)
    {
        latencyMs[next] = latencyNs / 1e6;
        bandwidthMbps[next] = bandwidthBps / 1e6;
        next = (next + 1) % WINDOW;
        if (count < WINDOW)
        {
            count++;
        }
        if (count < WINDOW)
        {
            return false;
        }

        p50LatencyMs = percentile(latencyMs, 0.50);
        p95BandwidthMbps = percentile(bandwidthMbps, 0.95);
        final LinkTier found = classify(p50LatencyMs, p95BandwidthMbps);
        final double windowConfidence = confidenceOf(p50LatencyMs, p95BandwidthMbps);
        if (found == tier)
        {
            confidence = windowConfidence;
            candidate = LinkTier.UNKNOWN;
            candidateWindows = 0;
            return false;
        }
        if (LinkTier.UNKNOWN == tier)
        {
            return adopt(found, windowConfidence);
        }
        if (windowConfidence < MIN_CHANGE_CONFIDENCE)
        {
            candidateWindows = 0;
            return false;
        }
        candidateWindows = found == candidate ? candidateWindows + 1 : 1;
        candidate = found;
        return candidateWindows >= CHANGE_AFTER && adopt(found, windowConfidence);
    }

    private boolean adopt(final LinkTier found, final double windowConfidence)
    {
        tier = found;
        confidence = windowConfidence;
        candidate = LinkTier.UNKNOWN;
        candidateWindows = 0;
        changes++;
        return true;
    }

    /**
     * The seeds' rules.
     *
     * @param latencyMs     p50 latency.
     * @param bandwidthMbps p95 bandwidth.
     * @return the tier.
     */
    public static LinkTier classify(final double latencyMs, final double bandwidthMbps)
    {
        if (latencyMs < TIER1_LATENCY_MS && bandwidthMbps > TIER1_BANDWIDTH_MBPS)
        {
            return LinkTier.TIER1;
        }
        if (latencyMs < TIER2_LATENCY_MS && bandwidthMbps > TIER2_BANDWIDTH_MBPS)
        {
            return LinkTier.TIER2;
        }
        return LinkTier.TIER3;
    }

    private double confidenceOf(final double latency, final double bandwidth)
    {
        final double latencyError = standardError(latencyMs);
        final double bandwidthError = standardError(bandwidthMbps);
        double result = sameSide(latency, TIER1_LATENCY_MS, latencyError);
        result = Math.min(result, sameSide(latency, TIER2_LATENCY_MS, latencyError));
        result = Math.min(result, sameSide(bandwidth, TIER1_BANDWIDTH_MBPS, bandwidthError));
        return Math.min(result, sameSide(bandwidth, TIER2_BANDWIDTH_MBPS, bandwidthError));
    }

    private static double standardError(final double[] values)
    {
        double sum = 0;
        for (final double value : values)
        {
            sum += value;
        }
        final double mean = sum / values.length;
        double squares = 0;
        for (final double value : values)
        {
            squares += (value - mean) * (value - mean);
        }
        return Math.sqrt(squares / (values.length - 1)) / Math.sqrt(values.length);
    }

    /** Chance that a statistic found at value, with this standard error, is on the same side of threshold. */
    private static double sameSide(final double value, final double threshold, final double error)
    {
        if (error <= 0)
        {
            return value == threshold ? 0.5 : 1.0;
        }
        return normalCdf(Math.abs(value - threshold) / error);
    }

    /** The standard normal CDF, by the Abramowitz and Stegun approximation 26.2.17 (error below 7.5e-8). */
    static double normalCdf(final double z)
    {
        final double t = 1.0 / (1.0 + 0.2316419 * Math.abs(z));
        final double density = Math.exp(-z * z / 2) / Math.sqrt(2 * Math.PI);
        final double tail = density * t * (0.319381530 + t * (-0.356563782 + t * (1.781477937 +
            t * (-1.821255978 + t * 1.330274429))));
        return z >= 0 ? 1.0 - tail : tail;
    }

    private double percentile(final double[] values, final double quantile)
    {
        System.arraycopy(values, 0, sorted, 0, WINDOW);
        Arrays.sort(sorted);
        final double rank = quantile * (WINDOW - 1);
        final int low = (int)Math.floor(rank);
        final int high = Math.min(WINDOW - 1, low + 1);
        return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
    }

    /**
     * @return the tier, {@link LinkTier#UNKNOWN} until a window is full.
     */
    public LinkTier tier()
    {
        return tier;
    }

    /**
     * @return confidence in the tier of the latest window that agreed with it, 0 to 1.
     */
    public double confidence()
    {
        return confidence;
    }

    /**
     * @return p50 latency of the latest full window, ms, or -1.
     */
    public double p50LatencyMs()
    {
        return p50LatencyMs;
    }

    /**
     * @return p95 bandwidth of the latest full window, Mbit/s, or -1.
     */
    public double p95BandwidthMbps()
    {
        return p95BandwidthMbps;
    }

    /**
     * @return times the tier changed, the first detection included.
     */
    public long changes()
    {
        return changes;
    }
}
