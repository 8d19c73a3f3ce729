package io.dwcp.engine.link;

/**
 * Adapts how the engine uses one link to what the {@link PathMonitor} measures, once per sample, with hysteresis:
 * <ul>
 *   <li><b>Compression.</b> The link is the bottleneck when its queue grows (the round trip stands above twice the
 *   base plus 5 ms, more than the endpoints' own delay behind pages on a busy thread), when a pace is used up, or
 *   when the configured rate is more than 80% used, or when the path narrowed: the rate fell under half of what the
 *   last {@value #NARROWED_HISTORY} samples delivered while the window holds the stripes (back pressure over
 *   {@value #NARROWED_BACK_PRESSURE}) and the codec is not busy, until the rate rises by a quarter or the window
 *   lets the stripes go for {@value #NARROWED_RELEASE_SAMPLES} samples. Loss and back pressure alone do not say so:
 *   retransmissions on a noisy path and a slow receiver's flow control hold the window too (back pressure is reported,
 *   {@link #isWindowBound()}). Its rate is then what it delivers. While it is, the {@link LevelSelector}'s choice
 *   for that rate is taken when it is higher than the current level; while it is not, a lower choice is taken. A
 *   choice must stand for {@value #CONFIRM_SAMPLES} samples, and no level change follows another within
 *   {@value #HOLD_SAMPLES} samples.
 *   A link that has not been the bottleneck for {@value #PROBE_UP_SAMPLES} samples is believed to carry half as much
 *   again as it last did, so that a link that became faster gets less compression. The codec holds the rate when
 *   the link is not the bottleneck and the sender's workers spend over {@value #CODEC_BUSY_THRESHOLD} of their time
 *   encoding and sending while pages wait. A link of unknown rate (none configured, never the bottleneck) is then
 *   believed to carry half as much again as it delivers, and the level whose speed, scaled from what the current
 *   level delivers, moves the most memory is taken. A sender with little to send, or held by the receiver's
 *   window, is not busy, and is left at its level.</li>
 *   <li><b>Streams.</b> A round trip above twice the base for {@value #CONFIRM_SAMPLES} samples halves the stripe
 *   count the engine recommends for the link's next transfers; below 1.2 times for {@value #PROBE_UP_SAMPLES}
 *   samples ends that.</li>
 *   <li><b>Pacing.</b> Loss above {@value #LOSS_THRESHOLD} while the queue grows (congestion: random loss on a noisy
 *   path is not cured by going slower) for {@value #PROBE_UP_SAMPLES} samples paces the link at 95% of the most
 *   it delivered over the last two, its bottleneck rate, or a tenth under the pace if it was paced already, never
 *   under half the peak; {@value #PROBE_UP_SAMPLES} samples without loss raise the pace by a twentieth, and a pace
 *   half as much again as the peak ends pacing.</li>
 * </ul>
 * A steady link therefore changes mode at most once, when its first measurements arrive.
 * <p>
 * Not thread safe. Allocates nothing after construction.
 */
public final class LinkAdaptation
{
    /** {@link #onSample} changed the level. */
    public static final int LEVEL_CHANGED = 1;
    /** {@link #onSample} changed the recommended stripe count. */
    public static final int STREAMS_CHANGED = 2;
    /** {@link #onSample} changed the pace. */
    public static final int PACE_CHANGED = 4;

    static final int CONFIRM_SAMPLES = 2;
    static final int HOLD_SAMPLES = 2;
    static final int PROBE_UP_SAMPLES = 4;
    static final double LOSS_THRESHOLD = 0.01;
    static final double UTILIZATION_THRESHOLD = 0.8;
    static final long MIN_PACE_BPS = 1_000_000L;
    static final double BACK_PRESSURE_THRESHOLD = 0.2;
    static final long QUEUE_MARGIN_NS = 5_000_000L;
    static final double CODEC_BUSY_THRESHOLD = 0.6;
    static final double NARROWED_BACK_PRESSURE = 0.8;
    static final int NARROWED_HISTORY = 3;
    static final int NARROWED_RELEASE_SAMPLES = 2;

    private LevelSelector selector;
    private final int threads;
    private final long configuredRateBps;
    private int level;
    private int candidateLevel;
    private int candidateSamples;
    private long samplesSinceLevelChange = Long.MAX_VALUE / 2;
    private long bottleneckBps;
    private int calmSamples;
    private boolean isLinkBound;
    private boolean isWindowBound;
    private boolean isCodecBound;
    private int spikeSamples;
    private int quietSamples;
    private boolean isStreamsReduced;
    private int lossSamples;
    private int lossFreeSamples;
    private long paceBps;
    private long previousBps;
    private final long[] recentBps = new long[NARROWED_HISTORY];
    private int recentIndex;
    private long narrowedBps;
    private int unheldSamples;
    private long levelChanges;
    private long streamChanges;
    private long paceChanges;
    private String reason = "";

    /**
     * An adaptation.
     *
     * @param selector          chooses levels, or null to leave the level alone until {@link #selector} sets one.
     * @param threads           compressing threads.
     * @param level             the level the transfer starts at.
     * @param configuredRateBps the link's rate when configured, else 0.
     */
    public LinkAdaptation(
        final LevelSelector selector, final int threads, final int level, final long configuredRateBps)
    {
        this.selector = selector;
        this.threads = threads;
        this.level = level;
        this.configuredRateBps = configuredRateBps;
        bottleneckBps = configuredRateBps;
    }

    /**
     * React to a sample.
     *
     * @param metrics the monitor's, just updated.
     * @return what changed: a combination of {@link #LEVEL_CHANGED}, {@link #STREAMS_CHANGED} and
     * {@link #PACE_CHANGED}, or 0.
     */
    public int onSample(final NetworkMetrics metrics)
    {
        return onSample(metrics, 0);
    }

    /**
     * React to a sample.
     *
     * @param metrics           the monitor's, just updated.
     * @param backPressureShare of the sample's time the link's stripes could not publish because the path's flow
     *                          or congestion control window was full, 0 to 1: the link, not the codec, held them.
     * @return what changed: a combination of {@link #LEVEL_CHANGED}, {@link #STREAMS_CHANGED} and
     * {@link #PACE_CHANGED}, or 0.
     */
    public int onSample(final NetworkMetrics metrics, final double backPressureShare)
    {
        return onSample(metrics, backPressureShare, 0);
    }

    /**
     * Adapt to a new sample.
     *
     * @param metrics           just updated.
     * @param backPressureShare of the sample's time the most held back stripe waited on back pressure, 0 to 1.
     * @param codecBusyShare    of the sample's time the sender's workers spent encoding and sending while pages
     *                          waited, 0 to 1 (0 when none waited): over {@value #CODEC_BUSY_THRESHOLD} with no full
     *                          link, the codec holds the rate. Back pressure does not say otherwise: under INVOKER a
     *                          busy worker's frames also wait for its own driver's next turn.
     * @return {@link #LEVEL_CHANGED}, {@link #STREAMS_CHANGED} and {@link #PACE_CHANGED}, or-ed, or 0.
     */
    public int onSample(final NetworkMetrics metrics, final double backPressureShare, final double codecBusyShare)
    {
        final long baseNs = metrics.minLatencyNs();
        final long latencyNs = metrics.latencyNs();
        // A few milliseconds of the round trip are the endpoints' own work, behind pages on a busy thread; a link's
        // queue adds more than that (tbf's at 100 Mbit/s: 20 to 50 ms).
        final boolean isQueueing = baseNs >= 0 && latencyNs > 2 * baseNs + QUEUE_MARGIN_NS;
        final boolean isLossy = metrics.packetLoss() > LOSS_THRESHOLD;
        final boolean isBusy = configuredRateBps > 0 && metrics.currentBandwidthBps() > UTILIZATION_THRESHOLD *
            configuredRateBps;
        // Paced and delivering the pace: the pacer holds the stripes instead of the window.
        final boolean isPaceFull = paceBps > 0 && metrics.currentBandwidthBps() > UTILIZATION_THRESHOLD * paceBps;
        // Neither loss nor back pressure alone makes the link the bottleneck: on a noisy path the retransmissions
        // hold the window, and behind a slow receiver its flow control does; compressing harder then only slows the
        // codec (measured: level 3 instead of 1 cost a tenth of the time at 1 Gbit/s). A full link queues.
        // A path that narrowed: the rate fell to under half of what the last samples delivered while the window
        // holds the stripes and the codec has time to spare. CUBIC, cut back by the loss at the change, keeps the new
        // bottleneck's queue short for seconds (tc from 1 Gbit/s to 100 Mbit/s: round trips of 6-11 ms over a base
        // of 3 ms for 2 s), so the queue alone took 2.4-2.6 s to show it. A steady rate, however held back, never
        // narrows.
        // It stays so while the window holds the stripes at about that rate, however busy the level it chose keeps
        // the codec: until the rate rises by a quarter, or the stripes are let go for two samples running.
        final long currentBps = metrics.currentBandwidthBps();
        final boolean isHeld = backPressureShare > NARROWED_BACK_PRESSURE && currentBps > 0;
        unheldSamples = isHeld ? 0 : unheldSamples + 1;
        if (isHeld && codecBusyShare < CODEC_BUSY_THRESHOLD && currentBps < recentPeakBps() / 2)
        {
            narrowedBps = currentBps;
        }
        else if (unheldSamples >= NARROWED_RELEASE_SAMPLES || currentBps > narrowedBps + narrowedBps / 4)
        {
            narrowedBps = 0;
        }
        recentBps[recentIndex] = currentBps;
        recentIndex = (recentIndex + 1) % NARROWED_HISTORY;
        isLinkBound = isQueueing || isBusy || isPaceFull || narrowedBps > 0;
        isWindowBound = backPressureShare > BACK_PRESSURE_THRESHOLD;
        int changed = 0;
        isCodecBound = !isLinkBound && codecBusyShare > CODEC_BUSY_THRESHOLD && metrics.currentBandwidthBps() > 0;
        if (isLinkBound)
        {
            calmSamples = 0;
            bottleneckBps = configuredRateBps > 0 ? configuredRateBps : metrics.currentBandwidthBps();
        }
        else if (isCodecBound && 0 == configuredRateBps &&
            bottleneckBps < metrics.currentBandwidthBps() + metrics.currentBandwidthBps() / 2)
        {
            // A link of unknown rate that does not queue while the codec is busy carries what it delivers, and more:
            // the codec holds the rate, and a faster level may move more memory. A rate believed from an earlier
            // queue (the first samples, behind a compiling JIT, are noisy) gives way to what is delivered.
            calmSamples = 0;
            bottleneckBps = metrics.currentBandwidthBps() + metrics.currentBandwidthBps() / 2;
        }
        else if (++calmSamples >= PROBE_UP_SAMPLES && bottleneckBps > 0 && 0 == configuredRateBps)
        {
            calmSamples = 0;
            bottleneckBps = bottleneckBps + bottleneckBps / 2;
        }
        changed |= adaptLevel(metrics.currentBandwidthBps());
        changed |= adaptStreams(baseNs, latencyNs);
        // Loss with a growing queue is congestion, which a pace cures; loss without one (a noisy path) is not.
        changed |= adaptPace(metrics, isLossy && isQueueing);
        return changed;
    }

    private long recentPeakBps()
    {
        long peakBps = 0;
        for (final long bps : recentBps)
        {
            peakBps = Math.max(peakBps, bps);
        }
        return peakBps;
    }

    private int adaptLevel(final long deliveredBps)
    {
        samplesSinceLevelChange++;
        if (null == selector || bottleneckBps <= 0)
        {
            return 0;
        }
        final int index = selector.indexOf(level);
        final int chosen = isCodecBound && index >= 0 ?
            selector.chooseCodecBound(bottleneckBps, level, deliveredBps / 8.0 * selector.profile().ratio(index)) :
            selector.choose(bottleneckBps, threads);
        final boolean isWanted = isLinkBound ? chosen > level : chosen < level;
        if (!isWanted)
        {
            candidateSamples = 0;
            return 0;
        }
        candidateSamples = chosen == candidateLevel ? candidateSamples + 1 : 1;
        candidateLevel = chosen;
        if (candidateSamples < CONFIRM_SAMPLES || samplesSinceLevelChange < HOLD_SAMPLES)
        {
            return 0;
        }
        reason = (isLinkBound ? "the link is the bottleneck at " : "the codec is the bottleneck; the link carries ") +
            bottleneckBps / 1_000_000 + " Mbit/s: zstd level " + level + " -> " + chosen;
        level = chosen;
        candidateSamples = 0;
        samplesSinceLevelChange = 0;
        levelChanges++;
        return LEVEL_CHANGED;
    }

    private int adaptStreams(final long baseNs, final long latencyNs)
    {
        if (baseNs < 0 || latencyNs < 0)
        {
            return 0;
        }
        if (latencyNs > 2 * baseNs && latencyNs - baseNs > 1_000_000L)
        {
            quietSamples = 0;
            if (++spikeSamples >= CONFIRM_SAMPLES && !isStreamsReduced)
            {
                isStreamsReduced = true;
                streamChanges++;
                reason = "round trip " + latencyNs / 1000 + " us is over twice the base " + baseNs / 1000 +
                    " us: fewer streams";
                return STREAMS_CHANGED;
            }
            return 0;
        }
        spikeSamples = 0;
        if (latencyNs < baseNs + baseNs / 5 && ++quietSamples >= PROBE_UP_SAMPLES && isStreamsReduced)
        {
            isStreamsReduced = false;
            streamChanges++;
            reason = "round trip back to " + latencyNs / 1000 + " us: streams by the formula again";
            return STREAMS_CHANGED;
        }
        return 0;
    }

    private int adaptPace(final NetworkMetrics metrics, final boolean isCongested)
    {
        final long delivered = Math.max(metrics.currentBandwidthBps(), previousBps);
        previousBps = metrics.currentBandwidthBps();
        if (isCongested)
        {
            lossFreeSamples = 0;
            if (++lossSamples < PROBE_UP_SAMPLES || delivered <= 0)
            {
                return 0;
            }
            lossSamples = 0;
            // The bottleneck's rate is what got through; a pace already under it goes down by a tenth, never under
            // half the peak: loss that a pace does not cure must not spiral the rate down.
            final long pace = 0 == paceBps ? delivered - delivered / 20 : Math.min(paceBps - paceBps / 10, delivered);
            final long floor = Math.max(MIN_PACE_BPS, metrics.peakBandwidthBps() / 2);
            if (paceBps > 0 && paceBps <= floor)
            {
                return 0;
            }
            paceBps = Math.max(pace, floor);
            paceChanges++;
            reason = "loss " + Math.round(metrics.packetLoss() * 1000) / 10.0 + "%: paced at " + paceBps / 1_000_000 +
                " Mbit/s";
            return PACE_CHANGED;
        }
        lossSamples = 0;
        if (paceBps > 0 && ++lossFreeSamples >= PROBE_UP_SAMPLES)
        {
            lossFreeSamples = 0;
            paceBps += paceBps / 20;
            if (paceBps > metrics.peakBandwidthBps() + metrics.peakBandwidthBps() / 2)
            {
                paceBps = 0;
            }
            paceChanges++;
            reason = 0 == paceBps ? "no loss: pacing ends" : "no loss: paced at " + paceBps / 1_000_000 + " Mbit/s";
            return PACE_CHANGED;
        }
        return 0;
    }

    /**
     * Start choosing levels, once the codec has been profiled.
     *
     * @param selector chooses levels.
     */
    public void selector(final LevelSelector selector)
    {
        this.selector = selector;
    }

    /**
     * @return zstd level to use now.
     */
    public int level()
    {
        return level;
    }

    /**
     * @param streams the count the formula gives.
     * @return the count to open now: halved while the round trip stands over twice the base.
     */
    public int streams(final int streams)
    {
        return isStreamsReduced ? Math.max(1, streams / 2) : streams;
    }

    /**
     * @return pacing rate, bit/s, 0 when not paced.
     */
    public long paceBps()
    {
        return paceBps;
    }

    /**
     * @return whether the stripes waited on their window for more than a fifth of the last sample.
     */
    public boolean isWindowBound()
    {
        return isWindowBound;
    }

    /**
     * @return whether the codec held the rate at the last sample: the workers busy while pages waited, the link not
     * the bottleneck.
     */
    public boolean isCodecBound()
    {
        return isCodecBound;
    }

    /**
     * @return whether the last sample found the link to be the bottleneck.
     */
    public boolean isLinkBound()
    {
        return isLinkBound;
    }

    /**
     * @return the rate the link is believed to carry, bit/s, 0 when unknown.
     */
    public long bottleneckBps()
    {
        return bottleneckBps;
    }

    /**
     * @return level changes so far.
     */
    public long levelChanges()
    {
        return levelChanges;
    }

    /**
     * @return stream recommendation changes so far.
     */
    public long streamChanges()
    {
        return streamChanges;
    }

    /**
     * @return pace changes so far.
     */
    public long paceChanges()
    {
        return paceChanges;
    }

    /**
     * @return why the latest change was made.
     */
    public String reason()
    {
        return reason;
    }
}
