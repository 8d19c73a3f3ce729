package io.dwcp.engine.queue;

import io.dwcp.codecs.agent.CommandRejectedDecoder;
import io.dwcp.codecs.agent.LinkChangedDecoder;
import io.dwcp.codecs.agent.RoundCompletedDecoder;
import io.dwcp.codecs.agent.SwitchoverReadyDecoder;
import io.dwcp.codecs.agent.TransferAcceptedDecoder;
import io.dwcp.codecs.agent.TransferCompletedDecoder;
import io.dwcp.codecs.agent.TransferFailedDecoder;
import io.dwcp.codecs.agent.TransferProgressDecoder;

/**
 * Receives events read from an engine's events queue. Decoders are valid only during the call.
 */
public interface EngineEventListener
{
    /**
     * A transfer was accepted.
     *
     * @param event decoder positioned on the event.
     */
    default void onAccepted(final TransferAcceptedDecoder event)
    {
    }

    /**
     * Progress of a transfer.
     *
     * @param event decoder positioned on the event.
     */
    default void onProgress(final TransferProgressDecoder event)
    {
    }

    /**
     * A pre-copy round was applied in full.
     *
     * @param event decoder positioned on the event.
     */
    default void onRoundCompleted(final RoundCompletedDecoder event)
    {
    }

    /**
     * The expected downtime fell under the limit.
     *
     * @param event decoder positioned on the event.
     */
    default void onSwitchoverReady(final SwitchoverReadyDecoder event)
    {
    }

    /**
     * The engine changed how it uses a transfer's link.
     *
     * @param event decoder positioned on the event.
     */
    default void onLinkChanged(final LinkChangedDecoder event)
    {
    }

    /**
     * A transfer completed and was verified.
     *
     * @param event decoder positioned on the event.
     */
    default void onCompleted(final TransferCompletedDecoder event)
    {
    }

    /**
     * A transfer failed.
     *
     * @param event decoder positioned on the event; read {@code text()} last.
     */
    default void onFailed(final TransferFailedDecoder event)
    {
    }

    /**
     * A command was rejected.
     *
     * @param event decoder positioned on the event; read {@code text()} last.
     */
    default void onRejected(final CommandRejectedDecoder event)
    {
    }

    /**
     * An excerpt was not an event this version knows.
     *
     * @param templateId of the message, or -1 when the schema is foreign.
     */
    default void onUnknown(final int templateId)
    {
    }
}
