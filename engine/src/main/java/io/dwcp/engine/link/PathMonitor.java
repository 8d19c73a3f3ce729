package io.dwcp.engine.link;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * What the sender measures of the path to one receiver, from what it observes:
 * <ul>
 *   <li>round-trip times, from probes that the receiver echoes with the sender's timestamp; an echo is believed
 *   only when it names a probe still outstanding and carries exactly the timestamp that probe was sent with;</li>
 *   <li>delivered bandwidth, from the bytes the receiver says it has received;</li>
 *   <li>loss, from the media driver's bytes sent and bytes retransmitted;</li>
 *   <li>jitter, the mean deviation of successive round trips (RFC 3550).</li>
 * </ul>
 * Every {@link #SAMPLE_INTERVAL_NS} it takes a sample: {@link NetworkMetrics} are updated, and the sample feeds
 * the {@link TierDetector} and the {@link BandwidthPredictor}.
 * <p>
 * Not thread safe: owned by the sender's conductor. Allocates nothing after construction.
 */
public final class PathMonitor
{
    /** Between samples: ten of them make the tier detector's 5 s window. */
    public static final long SAMPLE_INTERVAL_NS = TimeUnit.MILLISECONDS.toNanos(500);
    /** Probes awaiting their echo; an older one is forgotten, and its echo refused. */
    public static final int PROBES_IN_FLIGHT = 64;

    /** An echo refused: it names no outstanding probe, or its timestamp is not the probe's. */
    public static final long REFUSED = -1;

    private static final int RTTS_PER_SAMPLE = 64;

    private final long[] probeSequence = new long[PROBES_IN_FLIGHT];
    private final long[] probeTimestampNs = new long[PROBES_IN_FLIGHT];
    private final long[] sampleRtts = new long[RTTS_PER_SAMPLE];
    private final NetworkMetrics metrics = new NetworkMetrics();
    private final TierDetector tiers = new TierDetector();
    private final BandwidthPredictor predictor = new BandwidthPredictor();
    private final long linkRateBps;
    private long nextSequence = 1;
    private int sampleRttCount;
    private long minRttNs = Long.MAX_VALUE;
    private long smoothedRttNs = -1;
    private long lastRttNs = -1;
    private double jitterNs;
    private long deliveredBytes;
    private long sampleStartBytes;
    private long sampleStartNs = Long.MIN_VALUE;
    private long sampleLatencyNs = -1;
    private long peakBps;
    private long lastBytesSent = -1;
    private long lastBytesRetransmitted;
    private long echoes;
    private long refusedEchoes;
    private long samples;

    /**
     * A monitor.
     *
     * @param linkRateBps the link's rate when configured, bit/s, or 0 to take the available bandwidth from the
     *                    measurements.
     */
    public PathMonitor(final long linkRateBps)
    {
        this.linkRateBps = linkRateBps;
    }

    /**
     * A probe is about to be sent.
     *
     * @param nowNs its timestamp.
     * @return its sequence.
     */
    public long nextProbe(final long nowNs)
    {
        final long sequence = nextSequence++;
        final int slot = (int)(sequence % PROBES_IN_FLIGHT);
        probeSequence[slot] = sequence;
        probeTimestampNs[slot] = nowNs;
        return sequence;
    }

    /**
     * An echo arrived.
     *
     * @param sequence    the probe it names.
     * @param timestampNs the timestamp it carries.
     * @param nowNs       current time.
     * @return the round-trip time, or {@link #REFUSED}.
     */
    public long onEcho(final long sequence, final long timestampNs, final long nowNs)
    {
        final int slot = (int)(Math.floorMod(sequence, (long)PROBES_IN_FLIGHT));
        if (sequence <= 0 || probeSequence[slot] != sequence || probeTimestampNs[slot] != timestampNs ||
            nowNs < timestampNs)
        {
            refusedEchoes++;
            return REFUSED;
        }
        probeSequence[slot] = 0;
        final long rttNs = nowNs - timestampNs;
        echoes++;
        minRttNs = Math.min(minRttNs, rttNs);
        if (lastRttNs >= 0)
        {
            jitterNs += (Math.abs(rttNs - lastRttNs) - jitterNs) / 16.0;
        }
        lastRttNs = rttNs;
        smoothedRttNs = smoothedRttNs < 0 ? rttNs : smoothedRttNs + (rttNs - smoothedRttNs) / 8;
        if (sampleRttCount < RTTS_PER_SAMPLE)
        {
            sampleRtts[sampleRttCount++] = rttNs;
        }
        return rttNs;
    }

    /**
     * Bytes the receiver reported receiving since its previous report.
     *
     * @param bytes delivered.
     */
    public void onDelivered(final long bytes)
    {
        if (bytes > 0)
        {
            deliveredBytes += bytes;
        }
    }

    /**
     * Take a sample when one is due.
     *
     * @param nowNs              current time.
     * @param bytesSent          the driver's bytes sent, cumulative, or -1 when unknown.
     * @param bytesRetransmitted the driver's bytes retransmitted, cumulative.
     * @return true when a sample was taken.
     */
    public boolean sampleIfDue(final long nowNs, final long bytesSent, final long bytesRetransmitted)
    {
        if (Long.MIN_VALUE == sampleStartNs)
        {
            startSample(nowNs, bytesSent, bytesRetransmitted);
            return false;
        }
        final long elapsedNs = nowNs - sampleStartNs;
        if (elapsedNs < SAMPLE_INTERVAL_NS)
        {
            return false;
        }
        final long currentBps = (long)((deliveredBytes - sampleStartBytes) * 8e9 / elapsedNs);
        peakBps = Math.max(peakBps, currentBps);
        sampleLatencyNs = sampleRttCount > 0 ? medianRtt() : smoothedRttNs;
        double loss = 0;
        if (bytesSent >= 0 && lastBytesSent >= 0 && bytesSent > lastBytesSent)
        {
            loss = Math.min(1.0, (double)(bytesRetransmitted - lastBytesRetransmitted) / (bytesSent - lastBytesSent));
        }
        if (currentBps > 0)
        {
            // An idle sample says nothing of what the path carries.
            predictor.onSample(currentBps);
        }
        final long predicted = predictor.predictedBps();
        final long available = linkRateBps > 0 ? linkRateBps : Math.max(predicted, currentBps);
        metrics.update(currentBps, peakBps, available, sampleLatencyNs, minRttNs == Long.MAX_VALUE ? -1 : minRttNs,
            loss, (long)jitterNs, nowNs);
        samples++;
        startSample(nowNs, bytesSent, bytesRetransmitted);
        return true;
    }

    /**
     * Feed the latest sample to the tier detector: only samples taken while the path carried a transfer's pages
     * say what it can carry.
     *
     * @return true when the tier changed.
     */
    public boolean detectTier()
    {
        return sampleLatencyNs >= 0 && tiers.onMeasurement(sampleLatencyNs,
            linkRateBps > 0 ? linkRateBps : metrics.currentBandwidthBps());
    }

    private void startSample(final long nowNs, final long bytesSent, final long bytesRetransmitted)
    {
        sampleStartNs = nowNs;
        sampleStartBytes = deliveredBytes;
        sampleRttCount = 0;
        lastBytesSent = bytesSent;
        lastBytesRetransmitted = bytesRetransmitted;
    }

    private long medianRtt()
    {
        Arrays.sort(sampleRtts, 0, sampleRttCount);
        return sampleRtts[sampleRttCount / 2];
    }

    /**
     * @return the metrics of the latest sample.
     */
    public NetworkMetrics metrics()
    {
        return metrics;
    }

    /**
     * @return the tier detector.
     */
    public TierDetector tiers()
    {
        return tiers;
    }

    /**
     * @return the bandwidth predictor.
     */
    public BandwidthPredictor predictor()
    {
        return predictor;
    }

    /**
     * @return the smallest round trip seen, or -1.
     */
    public long minRttNs()
    {
        return Long.MAX_VALUE == minRttNs ? -1 : minRttNs;
    }

    /**
     * @return the latest sample's latency, or -1.
     */
    public long sampleLatencyNs()
    {
        return sampleLatencyNs;
    }

    /**
     * @return echoes believed.
     */
    public long echoes()
    {
        return echoes;
    }

    /**
     * @return echoes refused.
     */
    public long refusedEchoes()
    {
        return refusedEchoes;
    }

    /**
     * @return samples taken.
     */
    public long samples()
    {
        return samples;
    }

    /**
     * @return bytes delivered, cumulative.
     */
    public long deliveredBytes()
    {
        return deliveredBytes;
    }
}
