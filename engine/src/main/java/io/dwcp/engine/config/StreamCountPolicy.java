package io.dwcp.engine.config;

import io.dwcp.engine.transport.StripeLayout;

/**
 * Chooses how many stripes a transfer uses, in this order: the count the agent's command asks for; a fixed count
 * from configuration; the seeds' formula when the path's bandwidth and latency have been measured,
 * <pre>
 *   optimal_streams = min(MaxStreams, max(MinStreams, bandwidth_mbps / (latency_ms * 0.1)))
 * </pre>
 * and otherwise the configured default, kept within the minimum and the maximum.
 * <p>
 * Immutable and thread safe.
 */
public final class StreamCountPolicy
{
    private final int fixed;
    private final int min;
    private final int max;
    private final int unmeasured;

    /**
     * A policy.
     *
     * @param fixed      stripes for every transfer, or 0 for none fixed.
     * @param min        fewest stripes the formula may choose, at least 1.
     * @param max        most stripes the formula may choose, at most {@link StripeLayout#MAX_STRIPES}.
     * @param unmeasured stripes when the path is not measured.
     * @throws IllegalArgumentException naming the setting and the bad value.
     */
    public StreamCountPolicy(final int fixed, final int min, final int max, final int unmeasured)
    {
        requireInRange(EngineConfiguration.STREAMS_MIN_PROP_NAME, min, 1, StripeLayout.MAX_STRIPES);
        requireInRange(EngineConfiguration.STREAMS_MAX_PROP_NAME, max, min, StripeLayout.MAX_STRIPES);
        requireInRange(EngineConfiguration.STREAMS_PROP_NAME, unmeasured, 1, StripeLayout.MAX_STRIPES);
        requireInRange(EngineConfiguration.STREAMS_FIXED_PROP_NAME, fixed, 0, StripeLayout.MAX_STRIPES);
        this.fixed = fixed;
        this.min = min;
        this.max = max;
        this.unmeasured = unmeasured;
    }

    /**
     * The policy the system properties describe.
     *
     * @return the policy.
     */
    public static StreamCountPolicy fromConfiguration()
    {
        return new StreamCountPolicy(EngineConfiguration.streamsFixed(), EngineConfiguration.streamsMin(),
            EngineConfiguration.streamsMax(), EngineConfiguration.streams());
    }

    /**
     * Stripes for a transfer.
     *
     * @param requested     by the command, or 0 to let the engine choose; any other value is returned as it is, for
     *                      the geometry check to refuse when it is out of range.
     * @param bandwidthMbps measured bandwidth of the path in Mbit/s, or a value not above 0 when unknown.
     * @param latencyMs     measured latency of the path in ms, or a negative value when unknown.
     * @return the stripe count, from 1 to {@link StripeLayout#MAX_STRIPES} unless the request was outside.
     */
    public int streamsFor(final int requested, final double bandwidthMbps, final double latencyMs)
    {
        if (0 != requested)
        {
            return requested;
        }
        if (fixed > 0)
        {
            return fixed;
        }
        if (bandwidthMbps > 0 && latencyMs >= 0)
        {
            return formula(bandwidthMbps, latencyMs);
        }
        return Math.max(min, Math.min(max, unmeasured));
    }

    /**
     * @return true when configuration fixes every transfer's count, so that neither the formula nor adaptation
     * chooses it.
     */
    public boolean isFixed()
    {
        return fixed > 0;
    }

    /**
     * The seeds' formula.
     *
     * @param bandwidthMbps bandwidth in Mbit/s.
     * @param latencyMs     latency in ms; 0 counts as a latency too small to limit the count.
     * @return the count, within the minimum and the maximum.
     */
    public int formula(final double bandwidthMbps, final double latencyMs)
    {
        final double optimal = latencyMs <= 0 ? max : bandwidthMbps / (latencyMs * 0.1);
        return (int)Math.min(max, Math.max(min, Math.floor(optimal)));
    }

    private static void requireInRange(final String name, final int value, final int low, final int high)
    {
        if (value < low || value > high)
        {
            throw new IllegalArgumentException(name + "=" + value + " must be from " + low + " to " + high);
        }
    }
}
