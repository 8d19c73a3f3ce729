package io.dwcp.engine.qemu;

import io.dwcp.codecs.agent.CommandRejectedDecoder;
import io.dwcp.codecs.agent.RoundCompletedDecoder;
import io.dwcp.codecs.agent.SwitchoverReadyDecoder;
import io.dwcp.codecs.agent.TransferAcceptedDecoder;
import io.dwcp.codecs.agent.TransferCompletedDecoder;
import io.dwcp.codecs.agent.TransferFailedDecoder;
import io.dwcp.codecs.agent.TransferProgressDecoder;
import io.dwcp.engine.queue.EngineEventListener;

import java.util.ArrayList;
import java.util.List;

/**
 * What the sender reported about one transfer, gathered from its events queue. Events of other transfers are
 * ignored.
 * <p>
 * Not thread safe: read on the thread that polls the adapter.
 */
final class TransferEvents implements EngineEventListener
{
    /**
     * Statistics of one completed round, as the engine reported them.
     *
     * @param round              number.
     * @param pages              pages sent in the round.
     * @param wireBytes          frame bytes of the round.
     * @param durationNs         from its first page to its last acknowledgement.
     * @param throughput         logical bytes per second.
     * @param dirtyPagesRate     pages of the round per second since the previous round ended.
     * @param expectedDowntimeNs the engine's estimate for a final round this size.
     */
    record Round(int round, long pages, long wireBytes, long durationNs, long throughput, long dirtyPagesRate,
        long expectedDowntimeNs)
    {
    }

    private final long transferId;
    private final List<Round> rounds = new ArrayList<>();
    private boolean isAccepted;
    private int switchoverReadyRound = -1;
    private long switchoverExpectedDowntimeNs;
    private boolean isCompleted;
    private long digest;
    private long wireBytes;
    private long bytesSent;
    private String failure;

    TransferEvents(final long transferId)
    {
        this.transferId = transferId;
    }

    public void onAccepted(final TransferAcceptedDecoder event)
    {
        if (event.transferId() == transferId)
        {
            isAccepted = true;
        }
    }

    public void onProgress(final TransferProgressDecoder event)
    {
        if (event.transferId() == transferId)
        {
            wireBytes = Math.max(wireBytes, event.wireBytes());
            bytesSent = Math.max(bytesSent, event.bytesSent());
        }
    }

    public void onRoundCompleted(final RoundCompletedDecoder event)
    {
        if (event.transferId() == transferId)
        {
            rounds.add(new Round(event.round(), event.pages(), event.wireBytes(), event.durationNs(),
                event.throughputBytesPerSecond(), event.dirtyPagesRate(), event.expectedDowntimeNs()));
        }
    }

    public void onSwitchoverReady(final SwitchoverReadyDecoder event)
    {
        if (event.transferId() == transferId && switchoverReadyRound < 0)
        {
            switchoverReadyRound = event.round();
            switchoverExpectedDowntimeNs = event.expectedDowntimeNs();
        }
    }

    public void onCompleted(final TransferCompletedDecoder event)
    {
        if (event.transferId() == transferId)
        {
            isCompleted = true;
            digest = event.digest();
            wireBytes = event.wireBytes();
            bytesSent = event.bytesSent();
        }
    }

    public void onFailed(final TransferFailedDecoder event)
    {
        if (event.transferId() == transferId && null == failure)
        {
            failure = event.reason() + ": " + event.text();
        }
    }

    public void onRejected(final CommandRejectedDecoder event)
    {
        if (event.transferId() == transferId && null == failure)
        {
            failure = "command rejected: " + event.reason() + ": " + event.text();
        }
    }

    boolean isAccepted()
    {
        return isAccepted;
    }

    List<Round> rounds()
    {
        return rounds;
    }

    boolean isRoundCompleted(final int round)
    {
        for (int i = rounds.size() - 1; i >= 0; i--)
        {
            if (rounds.get(i).round() == round)
            {
                return true;
            }
        }
        return false;
    }

    int switchoverReadyRound()
    {
        return switchoverReadyRound;
    }

    long switchoverExpectedDowntimeNs()
    {
        return switchoverExpectedDowntimeNs;
    }

    boolean isCompleted()
    {
        return isCompleted;
    }

    long digest()
    {
        return digest;
    }

    long wireBytes()
    {
        return wireBytes;
    }

    long bytesSent()
    {
        return bytesSent;
    }

    String failure()
    {
        return failure;
    }
}
