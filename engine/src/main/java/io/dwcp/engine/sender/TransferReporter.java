package io.dwcp.engine.sender;

import io.dwcp.engine.queue.EventPublisher;

/**
 * Reports a transfer's progress and its completed pre-copy rounds to the agent's events queue, and tells the agent
 * when switchover is ready.
 * <p>
 * Not thread safe: owned by the sender conductor.
 */
final class TransferReporter
{
    private final long switchoverDowntimeLimitNs;
    private final long[] roundStats = new long[StripeRounds.STAT_COUNT];
    private final long[] roundTimes = new long[3];
    private EventPublisher events;

    TransferReporter(final long switchoverDowntimeLimitNs)
    {
        this.switchoverDowntimeLimitNs = switchoverDowntimeLimitNs;
    }

    /**
     * Bind to the events queue, on the agent thread.
     *
     * @param events publisher of the agent's events.
     */
    void events(final EventPublisher events)
    {
        this.events = events;
    }

    /**
     * Emit the completion of a verified transfer: the whole transfer, every attempt of it in this sender. A reopened
     * one's last attempt sends only what the receiver did not keep, and alone would look many times faster and
     * smaller than the transfer was; it is given too.
     *
     * @param transfer verified.
     * @param nowNs    current time.
     */
    void emitCompleted(final OutboundTransfer transfer, final long nowNs)
    {
        final TransferHistory history = transfer.history();
        final long pagesSent = history.earlierPagesSent() + transfer.pagesSent();
        events.completed(
            transfer.transferId(),
            transfer.digest(),
            pagesSent,
            pagesSent * transfer.pageSize(),
            history.earlierWireBytes() + transfer.wireBytes(),
            nowNs - history.firstStartNs(transfer.startNs()),
            history.earlierAttempts() + 1,
            transfer.wireBytes());
    }

    /**
     * Emit a progress event.
     *
     * @param transfer to report.
     * @param nowNs    current time.
     */
    void emitProgress(final OutboundTransfer transfer, final long nowNs)
    {
        final long elapsedNs = Math.max(1, nowNs - transfer.startNs());
        final long pageSize = transfer.pageSize();
        final long bytesSent = transfer.pagesSent() * pageSize;
        final long bytesAcknowledged = transfer.pagesAcknowledged() * pageSize;
        final long pagesRemaining = transfer.queuedPages();
        events.progress()
            .transferId(transfer.transferId())
            .round(transfer.round())
            .pagesSent(transfer.pagesSent())
            .bytesSent(bytesSent)
            .pagesAcknowledged(transfer.pagesAcknowledged())
            .bytesAcknowledged(bytesAcknowledged)
            .pagesRemaining(pagesRemaining)
            .bytesRemaining(pagesRemaining * pageSize)
            .wireBytes(transfer.wireBytes())
            .zeroPages(transfer.zeroPages())
            .rawPages(transfer.rawPages())
            .compressedPages(transfer.compressedPages())
            .compressionRatio(transfer.wireBytes() > 0 ? (double)bytesSent / transfer.wireBytes() : 0.0)
            .throughputBytesPerSecond((long)(bytesAcknowledged * 1e9 / elapsedNs))
            .elapsedNs(elapsedNs);
        events.commitProgress();
    }

    /**
     * Emit an event for each round that has been applied in full, and switchover-ready once.
     *
     * @param transfer to report.
     * @param nowNs    current time.
     * @return rounds reported.
     */
    int completeRounds(final OutboundTransfer transfer, final long nowNs)
    {
        int workCount = 0;
        int round;
        final RoundTracker rounds = transfer.rounds();
        while ((round = rounds.completedRound()) >= 0)
        {
            rounds.closeRound(roundStats, roundTimes, nowNs);
            final long[] times = roundTimes;
            final long durationNs = times[0];
            final long sincePreviousNs = times[1];
            final long pages = roundStats[StripeRounds.Stat.PAGES.ordinal()];
            final long bytes = pages * transfer.pageSize();
            final long throughput = (long)(bytes * 1e9 / durationNs);
            // The final round resends what is dirty then: estimate it by this round's size, or by what the agent
            // has already queued if that is larger, at the bandwidth this round achieved (QEMU's expected-downtime).
            final long remainingBytes = Math.max(pages, transfer.queuedPages()) * transfer.pageSize();
            final long expectedDowntimeNs = Math.max(
                throughput > 0 ? (long)(remainingBytes * 1e9 / throughput) : durationNs,
                linkDowntimeNs(transfer, remainingBytes, bytes, roundStats[StripeRounds.Stat.WIRE.ordinal()]));
            events.roundCompleted()
                .transferId(transfer.transferId())
                .round(round)
                .pages(pages)
                .zeroPages(roundStats[StripeRounds.Stat.ZERO.ordinal()])
                .normalPages(roundStats[StripeRounds.Stat.NORMAL.ordinal()])
                .unchangedPages(roundStats[StripeRounds.Stat.UNCHANGED.ordinal()])
                .deltaPages(roundStats[StripeRounds.Stat.DELTA.ordinal()])
                .wireBytes(roundStats[StripeRounds.Stat.WIRE.ordinal()])
                .cacheHits(roundStats[StripeRounds.Stat.HITS.ordinal()])
                .cacheMisses(roundStats[StripeRounds.Stat.MISSES.ordinal()])
                .cacheOverflows(roundStats[StripeRounds.Stat.OVERFLOWS.ordinal()])
                .duplicatePages(roundStats[StripeRounds.Stat.DUPLICATE.ordinal()])
                .durationNs(durationNs)
                .throughputBytesPerSecond(throughput)
                .dirtyPagesRate((long)(pages * 1e9 / sincePreviousNs))
                .transferredBytes(transfer.pagesSent() * transfer.pageSize())
                .remainingPages(transfer.queuedPages())
                .totalPages(transfer.pageCount())
                .expectedDowntimeNs(expectedDowntimeNs)
                .appliedTimestampNs(times[2]);
            events.commitRoundCompleted();

            if (round > 0 && !transfer.isSwitchoverReady() && expectedDowntimeNs < switchoverDowntimeLimitNs)
            {
                transfer.switchoverReady();
                events.switchoverReady(transfer.transferId(), round, expectedDowntimeNs, switchoverDowntimeLimitNs);
            }
            workCount++;
        }
        return workCount;
    }

    /**
     * The final round's time on the link, as QEMU's {@code avail-switchover-bandwidth} would give it: its bytes, at
     * this round's wire bytes per byte, over the bandwidth the link's predictor expects, while the link is the
     * bottleneck. A link that is slowing down delays the switchover before a round has shown it.
     */
    private static long linkDowntimeNs(
        final OutboundTransfer transfer, final long remainingBytes, final long roundBytes, final long roundWireBytes)
    {
        final PeerLink link = transfer.peer().link();
        // Only a link that is the bottleneck delivers what it can carry; an idle or codec-bound one says less.
        final long predictedBps = null == link || !link.adaptation().isLinkBound() ? -1 :
            link.monitor().predictor().predictedBps();
        if (predictedBps <= 0 || roundBytes <= 0)
        {
            return 0;
        }
        final double wireBytes = remainingBytes * ((double)roundWireBytes / roundBytes);
        return (long)(wireBytes * 8e9 / predictedBps);
    }
}
