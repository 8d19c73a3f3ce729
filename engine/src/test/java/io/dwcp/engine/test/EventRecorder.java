package io.dwcp.engine.test;

import io.dwcp.codecs.agent.CommandRejectedDecoder;
import io.dwcp.codecs.agent.FailureReason;
import io.dwcp.codecs.agent.TransferAcceptedDecoder;
import io.dwcp.codecs.agent.TransferCompletedDecoder;
import io.dwcp.codecs.agent.TransferFailedDecoder;
import io.dwcp.codecs.agent.TransferProgressDecoder;
import io.dwcp.engine.queue.EngineEventListener;

import java.util.ArrayList;
import java.util.List;

/**
 * Keeps the events an engine wrote, as plain records a test can assert on.
 */
public final class EventRecorder implements EngineEventListener
{
    /** A completed transfer. */
    public record Completed(
        long transferId,
        long digest,
        long pagesSent,
        long bytesSent,
        long wireBytes,
        long elapsedNs,
        int attempts,
        long lastAttemptWireBytes)
    {
    }

    /** A failed transfer or a rejected command. */
    public record Failure(long transferId, FailureReason reason, String text)
    {
    }

    /** A progress event. */
    public record Progress(long transferId, long pagesSent, long pagesAcknowledged, long wireBytes)
    {
    }

    /** The engine changed how it uses a link. */
    public record LinkChange(long transferId, io.dwcp.codecs.agent.LinkTier tier, int confidencePercent, int level,
        int streams, long bandwidthBps, long latencyNs, long paceBps, String reason)
    {
    }

    /** A completed round. */
    public record Round(long transferId, int round, long pages, long zeroPages, long normalPages, long unchangedPages,
        long deltaPages, long wireBytes, long cacheHits, long cacheMisses, long expectedDowntimeNs, long duplicatePages)
    {
    }

    public final List<Round> rounds = new ArrayList<>();
    public final List<Long> switchoverReady = new ArrayList<>();
    public final List<LinkChange> links = new ArrayList<>();
    public final List<Long> accepted = new ArrayList<>();
    public final List<Progress> progress = new ArrayList<>();
    public final List<Completed> completed = new ArrayList<>();
    public final List<Failure> failed = new ArrayList<>();
    public final List<Failure> rejected = new ArrayList<>();
    public int unknown;

    public void onAccepted(final TransferAcceptedDecoder event)
    {
        accepted.add(event.transferId());
    }

    public void onProgress(final TransferProgressDecoder event)
    {
        progress.add(new Progress(event.transferId(), event.pagesSent(), event.pagesAcknowledged(), event.wireBytes()));
    }

    public void onRoundCompleted(final io.dwcp.codecs.agent.RoundCompletedDecoder event)
    {
        rounds.add(new Round(event.transferId(), event.round(), event.pages(), event.zeroPages(), event.normalPages(),
            event.unchangedPages(), event.deltaPages(), event.wireBytes(), event.cacheHits(), event.cacheMisses(),
            event.expectedDowntimeNs(), event.duplicatePages()));
    }

    public void onSwitchoverReady(final io.dwcp.codecs.agent.SwitchoverReadyDecoder event)
    {
        switchoverReady.add(event.transferId());
    }

    public void onLinkChanged(final io.dwcp.codecs.agent.LinkChangedDecoder event)
    {
        links.add(new LinkChange(event.transferId(), event.tier(), event.confidencePercent(),
            event.compressionLevel(), event.streams(), event.bandwidthBps(), event.latencyNs(), event.paceBps(),
            event.reason()));
    }

    public void onCompleted(final TransferCompletedDecoder event)
    {
        completed.add(new Completed(event.transferId(), event.digest(), event.pagesSent(), event.bytesSent(),
            event.wireBytes(), event.elapsedNs(), event.attempts(), event.lastAttemptWireBytes()));
    }

    public void onFailed(final TransferFailedDecoder event)
    {
        failed.add(new Failure(event.transferId(), event.reason(), event.text()));
    }

    public void onRejected(final CommandRejectedDecoder event)
    {
        rejected.add(new Failure(event.transferId(), event.reason(), event.text()));
    }

    public void onUnknown(final int templateId)
    {
        unknown++;
    }

    /**
     * Has a transfer ended, one way or the other?
     *
     * @param transferId of the transfer.
     * @return true once it completed or failed.
     */
    public boolean isEnded(final long transferId)
    {
        return completed.stream().anyMatch((c) -> c.transferId() == transferId) ||
            failed.stream().anyMatch((f) -> f.transferId() == transferId);
    }

    /**
     * Pages the receiver acknowledged for a transfer, as last reported.
     *
     * @param transferId of the transfer.
     * @return pages acknowledged, or 0.
     */
    public long pagesAcknowledged(final long transferId)
    {
        long pages = 0;
        for (final Progress p : progress)
        {
            if (p.transferId() == transferId)
            {
                pages = p.pagesAcknowledged();
            }
        }
        return pages;
    }
}
