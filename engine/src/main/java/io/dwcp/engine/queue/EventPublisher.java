package io.dwcp.engine.queue;

import io.dwcp.codecs.agent.CommandRejectedEncoder;
import io.dwcp.codecs.agent.FailureReason;
import io.dwcp.codecs.agent.LinkChangedEncoder;
import io.dwcp.codecs.agent.LinkTier;
import io.dwcp.codecs.agent.MessageHeaderEncoder;
import io.dwcp.codecs.agent.RoundCompletedEncoder;
import io.dwcp.codecs.agent.SwitchoverReadyEncoder;
import io.dwcp.codecs.agent.TransferAcceptedEncoder;
import io.dwcp.codecs.agent.TransferCompletedEncoder;
import io.dwcp.codecs.agent.TransferFailedEncoder;
import io.dwcp.codecs.agent.TransferProgressEncoder;
import net.openhft.chronicle.queue.ChronicleQueue;

/**
 * The engine's side of the events queue.
 * <p>
 * Not thread safe: create and use on the engine's agent thread.
 */
public final class EventPublisher implements AutoCloseable
{
    private final SbeQueueWriter writer;
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final TransferAcceptedEncoder acceptedEncoder = new TransferAcceptedEncoder();
    private final TransferProgressEncoder progressEncoder = new TransferProgressEncoder();
    private final TransferCompletedEncoder completedEncoder = new TransferCompletedEncoder();
    private final TransferFailedEncoder failedEncoder = new TransferFailedEncoder();
    private final CommandRejectedEncoder rejectedEncoder = new CommandRejectedEncoder();
    private final RoundCompletedEncoder roundEncoder = new RoundCompletedEncoder();
    private final SwitchoverReadyEncoder switchoverEncoder = new SwitchoverReadyEncoder();
    private final LinkChangedEncoder linkChangedEncoder = new LinkChangedEncoder();

    /**
     * Create a publisher.
     *
     * @param queue the events queue.
     */
    public EventPublisher(final ChronicleQueue queue)
    {
        writer = new SbeQueueWriter(queue);
    }

    /**
     * A transfer was accepted by the receiver.
     *
     * @param transferId  of the transfer.
     * @param pageCount   pages in the image.
     * @param pageSize    bytes per page.
     * @param timestampNs when, on the engine's clock.
     * @param isAuthenticated whether the engines authenticated each other and seal the transfer's frames.
     */
    public void accepted(
        final long transferId,
        final long pageCount,
        final int pageSize,
        final long timestampNs,
        final boolean isAuthenticated)
    {
        acceptedEncoder.wrapAndApplyHeader(writer.buffer(), 0, headerEncoder)
            .transferId(transferId).pageCount(pageCount).pageSize(pageSize).timestampNs(timestampNs)
            .authenticated((short)(isAuthenticated ? 1 : 0));
        writer.append(MessageHeaderEncoder.ENCODED_LENGTH + acceptedEncoder.encodedLength());
    }

    /**
     * Start a progress event; fill in the fields, then call {@link #commitProgress()}.
     *
     * @return the encoder, wrapped and ready for fields.
     */
    public TransferProgressEncoder progress()
    {
        return progressEncoder.wrapAndApplyHeader(writer.buffer(), 0, headerEncoder);
    }

    /** Append the progress event started by {@link #progress()}. */
    public void commitProgress()
    {
        writer.append(MessageHeaderEncoder.ENCODED_LENGTH + progressEncoder.encodedLength());
    }

    /**
     * Start a round-completed event; fill in the fields, then call {@link #commitRoundCompleted()}.
     *
     * @return the encoder, wrapped and ready for fields.
     */
    public RoundCompletedEncoder roundCompleted()
    {
        return roundEncoder.wrapAndApplyHeader(writer.buffer(), 0, headerEncoder);
    }

    /** Append the event started by {@link #roundCompleted()}. */
    public void commitRoundCompleted()
    {
        writer.append(MessageHeaderEncoder.ENCODED_LENGTH + roundEncoder.encodedLength());
    }

    /**
     * The expected downtime fell under the limit.
     *
     * @param transferId         of the transfer.
     * @param round              whose statistics showed it.
     * @param expectedDowntimeNs the estimate.
     * @param limitNs            the configured limit.
     */
    public void switchoverReady(
        final long transferId, final int round, final long expectedDowntimeNs, final long limitNs)
    {
        switchoverEncoder.wrapAndApplyHeader(writer.buffer(), 0, headerEncoder)
            .transferId(transferId).round(round).expectedDowntimeNs(expectedDowntimeNs).downtimeLimitNs(limitNs);
        writer.append(MessageHeaderEncoder.ENCODED_LENGTH + switchoverEncoder.encodedLength());
    }

    /**
     * The engine changed how it uses a transfer's link.
     *
     * @param transferId        of the transfer.
     * @param tier              detected.
     * @param confidencePercent of the tier.
     * @param level             zstd level now used.
     * @param streams           stripes the engine would open on the link now.
     * @param bandwidthBps      p95 delivered bandwidth of the last window.
     * @param latencyNs         p50 round trip of the last window.
     * @param paceBps           pacing rate, 0 when not paced.
     * @param reason            what changed and why.
     */
    public void linkChanged(
        final long transferId,
        final LinkTier tier,
        final int confidencePercent,
        final int level,
        final int streams,
        final long bandwidthBps,
        final long latencyNs,
        final long paceBps,
        final String reason)
    {
        linkChangedEncoder.wrapAndApplyHeader(writer.buffer(), 0, headerEncoder)
            .transferId(transferId)
            .tier(tier)
            .confidencePercent(confidencePercent)
            .compressionLevel(level)
            .streams(streams)
            .bandwidthBps(bandwidthBps)
            .latencyNs(latencyNs)
            .paceBps(paceBps)
            .reason(reason);
        writer.append(MessageHeaderEncoder.ENCODED_LENGTH + linkChangedEncoder.encodedLength());
    }

    /**
     * A transfer ended with matching digests.
     *
     * @param transferId           of the transfer.
     * @param digest               both engines computed.
     * @param pagesSent            pages sent in all rounds, by every attempt.
     * @param bytesSent            logical bytes sent, by every attempt.
     * @param wireBytes            frame bytes sent, by every attempt.
     * @param elapsedNs            since the transfer's first attempt started.
     * @param attempts             of the transfer in this sender.
     * @param lastAttemptWireBytes frame bytes the last attempt sent.
     */
    public void completed(
        final long transferId,
        final long digest,
        final long pagesSent,
        final long bytesSent,
        final long wireBytes,
        final long elapsedNs,
        final int attempts,
        final long lastAttemptWireBytes)
    {
        completedEncoder.wrapAndApplyHeader(writer.buffer(), 0, headerEncoder)
            .transferId(transferId)
            .digest(digest)
            .pagesSent(pagesSent)
            .bytesSent(bytesSent)
            .wireBytes(wireBytes)
            .elapsedNs(elapsedNs)
            .attempts(attempts)
            .lastAttemptWireBytes(lastAttemptWireBytes);
        writer.append(MessageHeaderEncoder.ENCODED_LENGTH + completedEncoder.encodedLength());
    }

    /**
     * A transfer ended without a verified destination.
     *
     * @param transferId of the transfer.
     * @param reason     code.
     * @param text       for a person.
     */
    public void failed(final long transferId, final FailureReason reason, final String text)
    {
        failedEncoder.wrapAndApplyHeader(writer.buffer(), 0, headerEncoder)
            .transferId(transferId).reason(reason).text(text);
        writer.append(MessageHeaderEncoder.ENCODED_LENGTH + failedEncoder.encodedLength());
    }

    /**
     * A command was refused; the transfer it names, if any, goes on.
     *
     * @param transferId named by the command, or 0.
     * @param reason     code.
     * @param text       for a person.
     */
    public void rejected(final long transferId, final FailureReason reason, final String text)
    {
        rejectedEncoder.wrapAndApplyHeader(writer.buffer(), 0, headerEncoder)
            .transferId(transferId).reason(reason).text(text);
        writer.append(MessageHeaderEncoder.ENCODED_LENGTH + rejectedEncoder.encodedLength());
    }

    /** Release the appender. */
    public void close()
    {
        writer.close();
    }
}
