package io.dwcp.engine.sender;

import io.dwcp.codecs.agent.FailureReason;
import io.dwcp.engine.queue.SbeQueueReader;
import io.dwcp.engine.status.EngineCounter;
import net.openhft.chronicle.queue.ChronicleQueue;
import org.agrona.collections.Long2LongHashMap;

import java.util.concurrent.TimeUnit;

/**
 * Keeps transfers alive across the loss of their receiver and the restart of this sender. A transfer whose receiver
 * goes silent is not failed: it is closed and opened again from its commands, read again from the queue, and the
 * new attempt's Hello reaches the receiver when it is back; the receiver then lists the pages it kept and only the
 * others are sent. A restarted sender does the same for every transfer its state says it left open. A transfer
 * fails only when the receiver is not back within the resume timeout.
 * <p>
 * Not thread safe: owned by the conductor.
 */
final class TransferReopener
{
    private final SenderConductor conductor;
    private final CommandIntake intake;
    private final ChronicleQueue commandQueue;
    private final SenderState state;
    private final long resumeTimeoutNs;
    private int reopeningStripes;

    TransferReopener(
        final SenderConductor conductor,
        final CommandIntake intake,
        final ChronicleQueue commandQueue,
        final SenderState state,
        final long resumeTimeoutNs)
    {
        this.conductor = conductor;
        this.intake = intake;
        this.commandQueue = commandQueue;
        this.state = state;
        this.resumeTimeoutNs = resumeTimeoutNs;
    }

    /**
     * A transfer opened from the command at this index; a new one is written to the state.
     *
     * @param transfer     opened.
     * @param commandIndex of its StartTransfer.
     * @param isReplayed   whether the command was read again, when the state has it already.
     */
    void opened(final OutboundTransfer transfer, final long commandIndex, final boolean isReplayed)
    {
        transfer.history().commandIndex(commandIndex);
        if (!isReplayed)
        {
            state.opened(transfer.transferId(), commandIndex);
        }
    }

    /**
     * A transfer ended for good.
     *
     * @param transferId of the transfer.
     */
    void closed(final long transferId)
    {
        state.closed(transferId);
    }

    /**
     * Reopen the transfers an earlier run of this sender left open.
     *
     * @param reader the live command reader, before its first poll.
     * @param nowNs  current time.
     */
    void reopenLeftOpen(final SbeQueueReader reader, final long nowNs)
    {
        final Long2LongHashMap open = state.load();
        final Long2LongHashMap.KeyIterator ids = open.keySet().iterator();
        while (ids.hasNext())
        {
            final long transferId = ids.nextValue();
            reopen(transferId, open.get(transferId), reader.nextIndex(), nowNs,
                "this sender restarted");
        }
    }

    /**
     * The receiver of a transfer went silent: reopen it, or fail it once the resume timeout is over.
     *
     * @param transfer whose receiver is lost.
     * @param text     what was lost.
     * @param reader   the live command reader.
     * @param nowNs    current time.
     */
    void lose(final OutboundTransfer transfer, final String text, final SbeQueueReader reader, final long nowNs)
    {
        final TransferHistory history = transfer.history();
        final long lostSinceNs = history.isReopened() ? history.lostSinceNs() : nowNs;
        if (0 == resumeTimeoutNs || TransferHistory.NO_INDEX == history.commandIndex() ||
            nowNs - lostSinceNs > resumeTimeoutNs)
        {
            conductor.fail(transfer, FailureReason.PEER_LOST, text + (history.isReopened() ?
                "; it was not back within the resume timeout of " + TimeUnit.NANOSECONDS.toMillis(resumeTimeoutNs) +
                " ms (dwcp.sender.resume.timeout.ms)" : ""));
            return;
        }
        conductor.close(transfer);
        // The new attempt keeps the stripes of the old: what the link measured since does not change them.
        reopeningStripes = transfer.stripeCount();
        try
        {
            final OutboundTransfer reopened =
                reopen(transfer.transferId(), history.commandIndex(), reader.nextIndex(), lostSinceNs, text);
            if (null != reopened)
            {
                reopened.history().continues(history, transfer.startNs(), transfer.pagesSent(), transfer.wireBytes());
            }
        }
        finally
        {
            reopeningStripes = 0;
        }
    }

    /**
     * @return the stripe count of the attempt being reopened from its commands now, or 0.
     */
    int reopeningStripes()
    {
        return reopeningStripes;
    }

    /**
     * Is a reopened transfer past its resume timeout while it waits for its receiver?
     *
     * @param transfer connecting.
     * @param nowNs    current time.
     * @return true when it should fail.
     */
    boolean isResumeOver(final OutboundTransfer transfer, final long nowNs)
    {
        return nowNs - transfer.history().lostSinceNs() > resumeTimeoutNs;
    }

    private OutboundTransfer reopen(
        final long transferId,
        final long commandIndex,
        final long beforeIndex,
        final long lostSinceNs,
        final String why)
    {
        conductor.counters().get(EngineCounter.TRANSFERS_REOPENED).increment();
        final long replayed = intake.replay(commandQueue, transferId, commandIndex, beforeIndex);
        final OutboundTransfer reopened = conductor.transfer(transferId);
        if (null != reopened)
        {
            reopened.history().reopened(lostSinceNs);
            return reopened;
        }
        state.closed(transferId);
        if (replayed <= 0)
        {
            conductor.counters().get(EngineCounter.TRANSFERS_FAILED).increment();
            conductor.events().failed(transferId, FailureReason.PEER_LOST, why + ", and the command queue no " +
                "longer holds the transfer's commands: it cannot be reopened");
        }
        return null;
    }
}
