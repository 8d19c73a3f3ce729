package io.dwcp.engine.sender;

import io.aeron.AeronCounters;
import io.aeron.ExclusivePublication;
import io.dwcp.codec.PageCodec;
import io.dwcp.codecs.agent.FailureReason;
import io.dwcp.codecs.agent.LinkTier;
import io.dwcp.engine.config.LinkSettings;
import io.dwcp.engine.config.SenderContext;
import io.dwcp.engine.link.BandwidthBudget;
import io.dwcp.engine.link.CodecProfile;
import io.dwcp.engine.link.LevelSelector;
import io.dwcp.engine.link.LinkAdaptation;
import io.dwcp.engine.link.NetworkMetrics;
import io.dwcp.engine.link.PathMonitor;
import io.dwcp.engine.link.RdmaProbe;
import io.dwcp.engine.link.TierDetector;
import io.dwcp.engine.memory.FileHoles;
import io.dwcp.engine.memory.MappedImage;
import io.dwcp.engine.status.EngineCounter;
import io.dwcp.engine.status.EngineCounters;
import io.dwcp.engine.status.LinkCounter;
import io.dwcp.engine.status.LinkCounters;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersReader;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The conductor's link-aware part: probes each transfer's path, samples each link, detects its tier, adapts the
 * compression level, the stripe count and the pace to it, and admits transfers against each link's budget.
 * <p>
 * Not thread safe: owned by the conductor.
 */
final class LinkService
{
    /** Print every link sample to standard error: {@code -Ddwcp.link.trace=true}. */
    static final boolean IS_TRACED = Boolean.getBoolean("dwcp.link.trace");

    /** Pages of the first transfer the codec is profiled on. */
    static final int PROFILE_PAGES = 256;

    /** Speed share of a level at which pages sent whole look for similar pages: the JVM's, the slower measured. */
    static final double WHOLE_SIMILAR_SPEED = 0.65;

    private final SenderContext context;
    private final SenderConductor conductor;
    private final LinkSettings settings;
    private final EngineCounters counters;
    private final ConductorFrames frames;
    private final CountersReader aeronCounters;
    private LevelSelector selector;
    private boolean isProfiled;
    private boolean isProfiling;
    private final AtomicReference<CodecProfile> measuredProfile = new AtomicReference<>();
    private volatile boolean isProfileFailed;
    private int nextLinkNumber;
    private String rdmaReason;

    LinkService(final SenderContext context, final ConductorFrames frames, final SenderConductor conductor)
    {
        this.conductor = conductor;
        this.context = context;
        this.settings = context.linkSettings();
        this.counters = context.counters();
        this.frames = frames;
        aeronCounters = context.aeron().countersReader();
        if (LinkSettings.Transport.RDMA == settings.transport())
        {
            rdmaFallback("RDMA was asked for (" + LinkSettings.TRANSPORT_PROP_NAME + "=rdma)");
        }
    }

    /**
     * Say once why RDMA is not used, and count it: transfers go over UDP.
     *
     * @param why RDMA was wanted.
     */
    private void rdmaFallback(final String why)
    {
        counters.get(EngineCounter.RDMA_FALLBACKS).increment();
        if (null == rdmaReason)
        {
            rdmaReason = RdmaProbe.whyNot(RdmaProbe.DEVICES);
            System.err.println("dwcp: " + why + ", but RDMA is not used: " + rdmaReason + "; using UDP");
        }
    }

    /**
     * @return why RDMA is not used, or null when nothing asked for it yet.
     */
    String rdmaReason()
    {
        return rdmaReason;
    }

    /**
     * The link of a new peer.
     *
     * @param endpoint the receiver's.
     * @return the link.
     */
    PeerLink newLink(final String endpoint)
    {
        final PeerLink link = new PeerLink(new PathMonitor(settings.linkRateBps()),
            new BandwidthBudget(endpoint, settings.budgetBps()),
            new LinkCounters(context.aeron(), context.name(), nextLinkNumber++, endpoint));
        link.counters().set(LinkCounter.BUDGET_MBPS,
            BandwidthBudget.UNLIMITED == settings.budgetBps() ? 0 : settings.budgetBps() / 1_000_000);
        link.counters().set(LinkCounter.LEVEL, context.compressionLevel());
        link.adaptation(new LinkAdaptation(
            selector, context.workerCount(), context.compressionLevel(), settings.linkRateBps()));
        return link;
    }

    /**
     * Stripes for a transfer to a peer: the command's, the configured, or the seeds' formula over the measured path,
     * halved while adaptation says so.
     *
     * @param peer      the receiver.
     * @param requested by the command, 0 to choose.
     * @return the count.
     */
    int streamsFor(final ReceiverPeer peer, final int requested)
    {
        final PathMonitor monitor = peer.link().monitor();
        final NetworkMetrics metrics = monitor.metrics();
        final boolean isMeasured = monitor.samples() > 0 && metrics.peakBandwidthBps() > 0 && metrics.latencyNs() >= 0;
        final int streams = context.streamCountPolicy().streamsFor(requested,
            isMeasured ? metrics.peakBandwidthBps() / 1e6 : -1, isMeasured ? metrics.latencyNs() / 1e6 : -1);
        return 0 == requested && !context.streamCountPolicy().isFixed() ?
            peer.link().adaptation().streams(streams) : streams;
    }

    /**
     * The level a transfer starts at: the command's, else what the link's adaptation chose.
     *
     * @param peer      the receiver.
     * @param requested by the command, 0 for the engine's choice.
     * @return the level.
     */
    int levelFor(final ReceiverPeer peer, final int requested)
    {
        if (0 != requested)
        {
            return requested;
        }
        return settings.isAdaptive() ? peer.link().adaptation().level() : context.compressionLevel();
    }

    /**
     * Admit a transfer on its link.
     *
     * @param transferId    to admit.
     * @param peer          its receiver.
     * @param requested     level of the command, 0 for the engine's choice.
     * @param level         the level it starts at.
     * @param bandwidthMbps the command's reservation, 0 for the default.
     * @return what the transfer keeps of its link.
     * @throws TransferRefusal when the reservation does not fit.
     */
    TransferLink admit(
        final long transferId, final ReceiverPeer peer, final int requested, final int level, final int bandwidthMbps)
        throws TransferRefusal
    {
        if (bandwidthMbps < 0)
        {
            throw new TransferRefusal(FailureReason.MALFORMED_COMMAND, "bandwidth reservation " + bandwidthMbps +
                " Mbit/s is negative");
        }
        final long bps = bandwidthMbps > 0 ? bandwidthMbps * 1_000_000L : settings.reservationBps();
        final BandwidthBudget budget = peer.link().budget();
        final String refusal = budget.reserve(transferId, bps);
        if (null != refusal)
        {
            counters.get(EngineCounter.TRANSFERS_NOT_ADMITTED).increment();
            throw new TransferRefusal(FailureReason.NOT_ADMITTED, refusal);
        }
        peer.link().counters().set(LinkCounter.RESERVED_MBPS, budget.reservedBps() / 1_000_000);
        return new TransferLink(0 == requested && settings.isAdaptive(), level, bps);
    }

    /**
     * A transfer opened on its link: it is paced as the link is.
     *
     * @param transfer opened, counted on its peer.
     */
    void onOpened(final OutboundTransfer transfer)
    {
        transfer.source().pacer().rateBps(linkPaceBps(transfer.peer().link()) /
            Math.max(1, transfer.peer().transferCount()));
    }

    private long linkPaceBps(final PeerLink link)
    {
        return LinkSettings.Pacing.OFF == settings.pacing() ? 0 :
            LinkSettings.Pacing.RATE == settings.pacing() ? settings.linkRateBps() : link.adaptation().paceBps();
    }

    /**
     * A transfer ended, however: its reservation goes.
     *
     * @param transfer ended.
     */
    void release(final OutboundTransfer transfer)
    {
        final PeerLink link = transfer.peer().link();
        if (null != link && link.budget().release(transfer.transferId()))
        {
            link.counters().set(LinkCounter.RESERVED_MBPS, link.budget().reservedBps() / 1_000_000);
        }
    }

    /**
     * Profile the codec on the first transfer's memory, once, so that levels can be chosen for links. The pages are
     * copied here; the measurement (90-140 ms of compressing at seven levels) runs on a thread of its own, so that
     * it does not hold up the transfer's handshake and first frames, and its result is taken by {@link #doWork}.
     *
     * @param transfer just opened.
     */
    void profileOnce(final OutboundTransfer transfer)
    {
        final MappedImage image = transfer.source().mappedSource();
        if (isProfiled || isProfiling || !settings.isAdaptive() || null == image || 0 == settings.probeIntervalNs())
        {
            return;
        }
        final int pageSize = transfer.pageSize();
        final ByteBuffer sample = ByteBuffer.allocateDirect(PROFILE_PAGES * pageSize);
        final UnsafeBuffer view = new UnsafeBuffer(sample);
        final long pageCount = transfer.pageCount();
        final long stride = Math.max(1, pageCount / (4L * PROFILE_PAGES));
        // Holes are zero and are not read: reading one through the mapping allocates a page of the file's.
        final FileHoles.Cursor holes = image.holes().cursor();
        int pages = 0;
        for (long page = 0; page < pageCount && pages < PROFILE_PAGES; page += stride)
        {
            final UnsafeBuffer segment = image.segmentOf(page);
            final int offset = image.offsetOf(page);
            if (!holes.isHole(page * pageSize, pageSize) && !PageCodec.isZero(segment, offset, pageSize))
            {
                view.putBytes(pages * pageSize, segment, offset, pageSize);
                pages++;
            }
        }
        if (pages < PROFILE_PAGES / 4)
        {
            // Too little that is not zero: a later transfer profiles instead.
            return;
        }
        sample.limit(pages * pageSize);
        final int blockBytes = Math.max(1, context.blockPages()) * pageSize;
        isProfiling = true;
        isProfileFailed = false;
        final Thread measurement = new Thread(() ->
        {
            try
            {
                measuredProfile.set(CodecProfile.measure(sample, blockBytes));
            }
            catch (final RuntimeException | Error ex)
            {
                isProfileFailed = true;
            }
        }, "dwcp-codec-profile");
        measurement.setDaemon(true);
        measurement.start();
    }

    /** Take the codec's profile once it is measured, and let every link's adaptation choose levels by it. */
    private int takeProfile(final ArrayList<ReceiverPeer> peers)
    {
        final CodecProfile profile = measuredProfile.getAndSet(null);
        if (null == profile)
        {
            if (isProfileFailed)
            {
                // A later transfer profiles instead.
                isProfiling = false;
                isProfileFailed = false;
            }
            return 0;
        }
        isProfiling = false;
        isProfiled = true;
        // Similar pages for pages sent whole cost a level of the link's choice a third of its speed or more (a JVM's
        // round 0: level 3 at 0.65 and level 5 at 0.70 of its speed without them), which the plain blocks of the
        // profile do not see: a level chosen for a 100 Mbit/s link made the codec the bottleneck (81% of the link).
        final CodecProfile chosenBy = SimilarPages.isWanted(context) ? profile.slowerFrom(
            Math.max(context.similarWholeLevel(), SimilarBases.MIN_LEVEL), WHOLE_SIMILAR_SPEED) : profile;
        selector = new LevelSelector(chosenBy, settings.cpuShare());
        if (IS_TRACED)
        {
            System.err.println("dwcp link: " + profile + (chosenBy != profile ? ", levels chosen by " + chosenBy : ""));
        }
        for (final ReceiverPeer peer : peers)
        {
            peer.link().adaptation().selector(selector);
        }
        return 1;
    }

    /**
     * Probe what is due, and sample each link whose sample is due.
     *
     * @param nowNs     current time.
     * @param transfers open.
     * @param peers     every peer.
     * @return work done.
     */
    int doWork(final long nowNs, final ArrayList<OutboundTransfer> transfers, final ArrayList<ReceiverPeer> peers)
    {
        final long intervalNs = settings.probeIntervalNs();
        if (0 == intervalNs)
        {
            return 0;
        }
        int workCount = isProfiling ? takeProfile(peers) : 0;
        for (int i = 0, size = transfers.size(); i < size; i++)
        {
            final OutboundTransfer transfer = transfers.get(i);
            final TransferLink link = transfer.link();
            if (isProbing(transfer) && nowNs - link.nextProbeNs() >= 0)
            {
                final ExclusivePublication publication = transfer.peerPublication();
                final PathMonitor monitor = transfer.peer().link().monitor();
                if (null != publication && frames.sendProbe(transfer, monitor.nextProbe(nowNs), nowNs, publication) > 0)
                {
                    counters.get(EngineCounter.PROBES_SENT).increment();
                }
                link.nextProbeNs(nowNs + intervalNs);
                workCount++;
            }
        }
        for (int i = 0, size = peers.size(); i < size; i++)
        {
            final ReceiverPeer peer = peers.get(i);
            if (peer.transferCount() > 0 && peer.link().monitor().sampleIfDue(nowNs,
                systemCounter(AeronCounters.SYSTEM_COUNTER_ID_BYTES_SENT),
                systemCounter(AeronCounters.SYSTEM_COUNTER_ID_RETRANSMITTED_BYTES)))
            {
                onSample(peer, transfers);
                workCount++;
            }
        }
        return workCount;
    }

    private static boolean isProbing(final OutboundTransfer transfer)
    {
        final OutboundTransfer.State state = transfer.state();
        return (OutboundTransfer.State.STREAMING == state || OutboundTransfer.State.AWAITING_VERDICT == state) &&
            !transfer.source().isAwaitingHeldPages();
    }

    private long systemCounter(final int id)
    {
        return AeronCounters.DRIVER_SYSTEM_COUNTER_TYPE_ID == aeronCounters.getCounterTypeId(id) ?
            aeronCounters.getCounterValue(id) : -1;
    }

    /**
     * An echo of a transfer's probe.
     *
     * @param transfer      that probed, bound to the receiver's session.
     * @param sequence      the echo names.
     * @param timestampNs   the echo carries.
     * @param bytesReceived the receiver's count.
     * @param nowNs         current time.
     */
    void onEcho(
        final OutboundTransfer transfer, final long sequence, final long timestampNs, final long bytesReceived,
        final long nowNs)
    {
        final PathMonitor monitor = transfer.peer().link().monitor();
        if (PathMonitor.REFUSED == monitor.onEcho(sequence, timestampNs, nowNs))
        {
            counters.get(EngineCounter.PROBE_ECHOES_REFUSED).increment();
            return;
        }
        counters.get(EngineCounter.PROBE_ECHOES).increment();
        monitor.onDelivered(transfer.link().onBytesReceived(bytesReceived));
        transfer.heardFromReceiver(nowNs);
    }

    private void onSample(final ReceiverPeer peer, final ArrayList<OutboundTransfer> transfers)
    {
        counters.get(EngineCounter.LINK_SAMPLES).increment();
        final PeerLink link = peer.link();
        final PathMonitor monitor = link.monitor();
        final boolean isTierChanged = monitor.detectTier();
        if (isTierChanged)
        {
            counters.get(EngineCounter.TIER_CHANGES).increment();
            if (LinkTier.TIER1 == monitor.tiers().tier() && LinkSettings.Transport.AUTO == settings.transport())
            {
                rdmaFallback("link " + peer.endpoint() + " is Tier1, where the hybrid mode would use RDMA");
            }
        }
        final long nowNs = monitor.metrics().timestampNs();
        final long elapsedNs = nowNs - link.lastSampleNs();
        link.lastSampleNs(nowNs);
        double blocked = 0;
        boolean isBacklogged = false;
        for (int i = 0, size = transfers.size(); i < size; i++)
        {
            final OutboundTransfer transfer = transfers.get(i);
            if (transfer.peer() == peer)
            {
                blocked = Math.max(blocked, transfer.link().blockedShare(transfer, elapsedNs));
                isBacklogged |= transfer.queuedPages() > 0;
            }
        }
        final long busyNs = counters.get(EngineCounter.WORKER_BUSY_NS).get();
        final double busy = elapsedNs > 0 && isBacklogged ?
            Math.min(1.0, (double)(busyNs - link.lastBusyNs()) / ((double)elapsedNs * context.workerCount())) : 0;
        link.lastBusyNs(busyNs);
        final LinkAdaptation adaptation = link.adaptation();
        final int changed = adaptation.onSample(monitor.metrics(), blocked, busy);
        if (IS_TRACED)
        {
            System.err.println("dwcp link " + peer.endpoint() + ": " + monitor.metrics() + ", blocked " +
                Math.round(blocked * 100) + "%, codec busy " + Math.round(busy * 100) + "%" +
                (adaptation.isCodecBound() ? ", codec-bound" : "") + ", bottleneck " +
                adaptation.bottleneckBps() / 1_000_000 + " Mbit/s, level " + adaptation.level() +
                (0 != changed ? ", changed: " + adaptation.reason() : ""));
        }
        if (0 != (changed & LinkAdaptation.LEVEL_CHANGED))
        {
            counters.get(EngineCounter.LEVEL_CHANGES).increment();
        }
        if (0 != (changed & LinkAdaptation.STREAMS_CHANGED))
        {
            counters.get(EngineCounter.STREAM_CHANGES).increment();
        }
        if (0 != (changed & LinkAdaptation.PACE_CHANGED))
        {
            counters.get(EngineCounter.PACE_CHANGES).increment();
        }
        final long paceBps = linkPaceBps(link);
        final int streams = streamsFor(peer, 0);
        final String reason = isTierChanged && 0 == changed ? "tier " + monitor.tiers().tier() +
            " detected" : adaptation.reason();
        for (int i = 0, size = transfers.size(); i < size; i++)
        {
            final OutboundTransfer transfer = transfers.get(i);
            if (transfer.peer() != peer)
            {
                continue;
            }
            if (0 != (changed & LinkAdaptation.LEVEL_CHANGED) && transfer.link().isLevelAdaptive())
            {
                transfer.link().level(adaptation.level());
                transfer.tracker().compressionLevel(adaptation.level());
            }
            // The link's pace is shared by its transfers.
            transfer.source().pacer().rateBps(paceBps / Math.max(1, peer.transferCount()));
            if (isTierChanged || 0 != changed)
            {
                report(transfer, monitor.tiers(), streams, paceBps, reason);
            }
        }
        updateCounters(link, streams, paceBps, peer.transferCount());
    }

    /**
     * A transfer completed: what its link was, and how well the bandwidth was predicted, go to the agent.
     *
     * @param transfer completed.
     */
    void onCompleted(final OutboundTransfer transfer)
    {
        final PeerLink link = transfer.peer().link();
        final PathMonitor monitor = link.monitor();
        if (0 == settings.probeIntervalNs() || 0 == monitor.samples())
        {
            return;
        }
        final double error = monitor.predictor().weightedError();
        report(transfer, monitor.tiers(), streamsFor(transfer.peer(), 0), link.adaptation().paceBps(),
            "completed: " + monitor.samples() + " link samples, " + monitor.echoes() + " probe echoes, " +
            "bandwidth prediction error " + (error < 0 ? "not scored" : Math.round(error * 1000) / 10.0 + "%") +
            " over " + monitor.predictor().scored() + " predictions (model " + monitor.predictor().modelName() +
            "), " + link.adaptation().levelChanges() + " level changes, " + link.adaptation().paceChanges() +
            " pace changes");
    }

    private void report(
        final OutboundTransfer transfer, final TierDetector tiers, final int streams, final long paceBps,
        final String reason)
    {
        conductor.events().linkChanged(transfer.transferId(), tiers.tier(), (int)Math.round(tiers.confidence() * 100),
            transfer.link().level(), streams, (long)(Math.max(0, tiers.p95BandwidthMbps()) * 1e6),
            (long)(Math.max(0, tiers.p50LatencyMs()) * 1e6), paceBps, reason);
    }

    private void updateCounters(final PeerLink link, final int streams, final long paceBps, final int transfers)
    {
        final PathMonitor monitor = link.monitor();
        final NetworkMetrics metrics = monitor.metrics();
        final LinkCounters gauges = link.counters();
        final LinkTier tier = monitor.tiers().tier();
        gauges.set(LinkCounter.TIER, LinkTier.UNKNOWN == tier ? 0 : tier.value());
        gauges.set(LinkCounter.TIER_CONFIDENCE, Math.round(monitor.tiers().confidence() * 100));
        gauges.set(LinkCounter.CURRENT_MBPS, metrics.currentBandwidthBps() / 1_000_000);
        gauges.set(LinkCounter.PEAK_MBPS, metrics.peakBandwidthBps() / 1_000_000);
        gauges.set(LinkCounter.AVAILABLE_MBPS, metrics.availableBandwidthBps() / 1_000_000);
        gauges.set(LinkCounter.UTILIZATION_PERCENT, Math.round(metrics.utilization() * 100));
        gauges.set(LinkCounter.LATENCY_US, metrics.latencyNs() / 1000);
        gauges.set(LinkCounter.MIN_LATENCY_US, metrics.minLatencyNs() / 1000);
        gauges.set(LinkCounter.JITTER_US, metrics.jitterNs() / 1000);
        gauges.set(LinkCounter.LOSS_PPM, Math.round(metrics.packetLoss() * 1e6));
        gauges.set(LinkCounter.PREDICTED_MBPS, Math.max(0, monitor.predictor().predictedBps()) / 1_000_000);
        gauges.set(LinkCounter.PREDICTION_ERROR_PERMILLE,
            Math.round(Math.max(0, monitor.predictor().weightedError()) * 1000));
        final LinkAdaptation adaptation = link.adaptation();
        gauges.set(LinkCounter.LEVEL, adaptation.level());
        gauges.set(LinkCounter.STREAMS, streams);
        gauges.set(LinkCounter.PACE_MBPS, paceBps / 1_000_000);
        gauges.set(LinkCounter.TRANSFERS, transfers);
        gauges.set(LinkCounter.SAMPLED_AT_MS, context.epochClock().time());
    }
}
