package io.dwcp.engine.status;

/**
 * The gauges each link (each receiver a sender sends to) has, updated at every sample of its path, with the Aeron
 * counter type id that tells them apart in the counters file. Every one carries the key laid out by
 * {@link LinkCounters}: the link's number in its engine.
 */
public enum LinkCounter
{
    /** Tier detected: 0 unknown, 1 to 3. */
    TIER(7730, "tier"),
    /** Confidence in the tier, percent. */
    TIER_CONFIDENCE(7731, "tier confidence %"),
    /** Delivered bandwidth over the last sample. */
    CURRENT_MBPS(7732, "current bandwidth Mbit/s"),
    /** Highest delivered bandwidth. */
    PEAK_MBPS(7733, "peak bandwidth Mbit/s"),
    /** Bandwidth the link is believed to carry. */
    AVAILABLE_MBPS(7734, "available bandwidth Mbit/s"),
    /** Current over available bandwidth. */
    UTILIZATION_PERCENT(7735, "utilization %"),
    /** Round trip of the last sample. */
    LATENCY_US(7736, "latency us"),
    /** Smallest round trip seen. */
    MIN_LATENCY_US(7737, "base latency us"),
    /** Jitter. */
    JITTER_US(7738, "jitter us"),
    /** Bytes retransmitted over bytes sent, by the driver, over the last sample. */
    LOSS_PPM(7739, "loss ppm"),
    /** The predictor's bandwidth one second ahead. */
    PREDICTED_MBPS(7740, "predicted bandwidth Mbit/s"),
    /** The predictor's weighted error so far. */
    PREDICTION_ERROR_PERMILLE(7741, "prediction error per mille"),
    /** zstd level adaptation chose. */
    LEVEL(7742, "compression level"),
    /** Stripe count recommended for the link's next transfer. */
    STREAMS(7743, "streams recommended"),
    /** Pacing rate, 0 when not paced. */
    PACE_MBPS(7744, "pace Mbit/s"),
    /** Bandwidth reserved by admitted transfers. */
    RESERVED_MBPS(7745, "reserved Mbit/s"),
    /** The link's bandwidth budget, 0 when unlimited. */
    BUDGET_MBPS(7746, "budget Mbit/s"),
    /** Transfers open on the link. */
    TRANSFERS(7747, "transfers"),
    /** Sender clock of the last sample, ms: a health check sees a link whose measurements stopped. */
    SAMPLED_AT_MS(7748, "last sample at ms");

    private final int typeId;
    private final String label;

    LinkCounter(final int typeId, final String label)
    {
        this.typeId = typeId;
        this.label = label;
    }

    /**
     * @return the Aeron counter type id.
     */
    public int typeId()
    {
        return typeId;
    }

    /**
     * @return the label's suffix.
     */
    public String label()
    {
        return label;
    }
}
