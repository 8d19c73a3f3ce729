package io.dwcp.engine.link;

/**
 * The seeds' {@code NetworkMetrics} of one path, as last measured: updated in place, so that measuring allocates
 * nothing. Bandwidths are in bit/s, times in nanoseconds.
 * <p>
 * Not thread safe: written by the sender's conductor; {@link #copyTo} gives another thread a consistent copy.
 */
public final class NetworkMetrics
{
    private long currentBandwidthBps;
    private long peakBandwidthBps;
    private long availableBandwidthBps;
    private double utilization;
    private long latencyNs = -1;
    private long minLatencyNs = -1;
    private double packetLoss;
    private long jitterNs;
    private long timestampNs;

    void update(
        final long currentBandwidthBps,
        final long peakBandwidthBps,
        final long availableBandwidthBps,
        final long latencyNs,
        final long minLatencyNs,
        final double packetLoss,
        final long jitterNs,
        final long timestampNs)
    {
        this.currentBandwidthBps = currentBandwidthBps;
        this.peakBandwidthBps = peakBandwidthBps;
        this.availableBandwidthBps = availableBandwidthBps;
        this.utilization = availableBandwidthBps > 0 ?
            Math.min(1.0, (double)currentBandwidthBps / availableBandwidthBps) : 0.0;
        this.latencyNs = latencyNs;
        this.minLatencyNs = minLatencyNs;
        this.packetLoss = packetLoss;
        this.jitterNs = jitterNs;
        this.timestampNs = timestampNs;
    }

    /**
     * Copy every field into another instance.
     *
     * @param other to overwrite.
     * @return the other.
     */
    public NetworkMetrics copyTo(final NetworkMetrics other)
    {
        other.currentBandwidthBps = currentBandwidthBps;
        other.peakBandwidthBps = peakBandwidthBps;
        other.availableBandwidthBps = availableBandwidthBps;
        other.utilization = utilization;
        other.latencyNs = latencyNs;
        other.minLatencyNs = minLatencyNs;
        other.packetLoss = packetLoss;
        other.jitterNs = jitterNs;
        other.timestampNs = timestampNs;
        return other;
    }

    /**
     * @return bandwidth delivered to the receiver over the last sample, bit/s.
     */
    public long currentBandwidthBps()
    {
        return currentBandwidthBps;
    }

    /**
     * @return highest delivered bandwidth of any sample, bit/s.
     */
    public long peakBandwidthBps()
    {
        return peakBandwidthBps;
    }

    /**
     * @return what the path is believed to carry: the predicted bandwidth, or the configured link rate when set.
     */
    public long availableBandwidthBps()
    {
        return availableBandwidthBps;
    }

    /**
     * @return current over available bandwidth, 0 to 1.
     */
    public double utilization()
    {
        return utilization;
    }

    /**
     * @return smoothed round-trip time of the probes, or -1 before the first echo.
     */
    public long latencyNs()
    {
        return latencyNs;
    }

    /**
     * @return the smallest round-trip time seen: the path's base latency without queues, or -1.
     */
    public long minLatencyNs()
    {
        return minLatencyNs;
    }

    /**
     * @return fraction of the bytes sent that the driver had to send again over the last sample, 0 to 1.
     */
    public double packetLoss()
    {
        return packetLoss;
    }

    /**
     * @return mean deviation of successive round-trip times, as RFC 3550 computes jitter.
     */
    public long jitterNs()
    {
        return jitterNs;
    }

    /**
     * @return the sender's clock when last updated, 0 before the first sample.
     */
    public long timestampNs()
    {
        return timestampNs;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public String toString()
    {
        return "NetworkMetrics{current=" + currentBandwidthBps / 1_000_000 + " Mbit/s, peak=" +
            peakBandwidthBps / 1_000_000 + " Mbit/s, available=" + availableBandwidthBps / 1_000_000 +
            " Mbit/s, utilization=" + Math.round(utilization * 100) + "%, latency=" + latencyNs / 1000 +
            " us, min latency=" + minLatencyNs / 1000 + " us, loss=" + packetLoss + ", jitter=" + jitterNs / 1000 +
            " us}";
    }
}
