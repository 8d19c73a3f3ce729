package io.dwcp.engine.sender;

import io.dwcp.codecs.agent.FailureReason;
import io.dwcp.engine.config.SenderContext;
import io.dwcp.engine.status.EngineCounter;
import io.dwcp.engine.status.EngineCounters;
import io.dwcp.engine.transport.PublicationResult;

import java.util.concurrent.TimeUnit;

/**
 * Each open transfer's lifecycle, one duty cycle at a time, for the {@link SenderConductor}: while connecting, the
 * Hellos and their renewal, the peer and resume timeouts; while streaming, forwarding to the workers, rounds, flushes
 * and the end; then the verdict's wait and completion; in every state, the checks of the source and of silent
 * stripes, and progress.
 * <p>
 * Not thread safe: owned by the conductor.
 */
final class TransferLifecycle
{
    private static final long HELLO_RENEWAL_INTERVAL_NS = TimeUnit.SECONDS.toNanos(2);
    private static final long SOURCE_CHECK_INTERVAL_NS = TimeUnit.MILLISECONDS.toNanos(50);

    private final SenderConductor conductor;
    private final SenderContext context;
    private final ConductorFrames frames;
    private final TransferReporter reporter;
    private final EngineCounters counters;
    private final long peerTimeoutNs;
    private final long helloIntervalNs;
    private final long progressIntervalNs;

    TransferLifecycle(
        final SenderConductor conductor,
        final SenderContext context,
        final ConductorFrames frames,
        final TransferReporter reporter)
    {
        this.conductor = conductor;
        this.context = context;
        this.frames = frames;
        this.reporter = reporter;
        this.counters = context.counters();
        peerTimeoutNs = context.peerTimeoutNs();
        helloIntervalNs = context.helloIntervalNs();
        progressIntervalNs = context.progressIntervalNs();
    }

    private int serviceConnecting(final OutboundTransfer transfer, final long nowNs)
    {
        int workCount = 0;
        final String registrationError = transfer.publications().registrationError();
        if (null != registrationError)
        {
            conductor.fail(transfer, FailureReason.RECEIVER_UNREACHABLE, registrationError);
            return 1;
        }
        if (transfer.history().isReopened())
        {
            if (conductor.reopener().isResumeOver(transfer, nowNs))
            {
                conductor.fail(transfer, FailureReason.PEER_LOST, "receiver " + transfer.peer().endpoint() +
                    " was lost and is not back within the resume timeout of " +
                    TimeUnit.NANOSECONDS.toMillis(context.resumeTimeoutNs()) +
                    " ms (dwcp.sender.resume.timeout.ms)");
                return 1;
            }
            if (transfer.history().isHelloRenewalDue(nowNs, HELLO_RENEWAL_INTERVAL_NS))
            {
                transfer.session().renewHello();
            }
        }
        else if (nowNs - transfer.startNs() > peerTimeoutNs)
        {
            conductor.fail(transfer, FailureReason.RECEIVER_UNREACHABLE, "no answer from receiver " +
                transfer.peer().endpoint() + " within " + TimeUnit.NANOSECONDS.toMillis(peerTimeoutNs) +
                " ms (" + transfer.publications().unconnectedStripes() + " of " + transfer.stripeCount() +
                " stripes not connected)");
            return 1;
        }
        if (transfer.publications().isConnected() && nowNs - transfer.nextHelloNs() >= 0)
        {
            transfer.nextHelloNs(nowNs + helloIntervalNs);
            onResult(transfer, frames.sendHello(transfer, transfer.peerPublication()));
            workCount++;
        }
        workCount += transfer.publications().resolve(context.aeron());
        return workCount;
    }

    /**
     * One duty cycle's work for a transfer: its source checks, its state's timers and frames.
     *
     * @param transfer open.
     * @param nowNs    current time.
     * @return work done.
     */
    int service(final OutboundTransfer transfer, final long nowNs)
    {
        if (nowNs - transfer.nextSourceCheckNs() >= 0)
        {
            transfer.nextSourceCheckNs(nowNs + SOURCE_CHECK_INTERVAL_NS);
            final String change = transfer.source().sourceChange();
            if (null != change)
            {
                conductor.fail(transfer, FailureReason.SOURCE_CHANGED, change);
                return 1;
            }
        }
        int workCount = 0;
        switch (transfer.state())
        {
            case CONNECTING ->
            {
                return serviceConnecting(transfer, nowNs);
            }
            case STREAMING ->
            {
                if (transfer.source().isAwaitingHeldPages())
                {
                    // Resumed: nothing goes until the receiver has listed what it kept.
                    if (nowNs - transfer.lastHeardNs() > peerTimeoutNs)
                    {
                        conductor.reopener().lose(transfer, "receiver " + transfer.peer().endpoint() +
                            " stopped listing the pages it kept", conductor.commandReader(), nowNs);
                        return 1;
                    }
                    return workCount;
                }
                workCount += transfer.tracker().forwardToWorkers();
                workCount += reporter.completeRounds(transfer, nowNs);
                workCount += transfer.requestFlushIfDue();
                if (transfer.isDrained())
                {
                    final long result = frames.sendTransferEnd(
                        transfer, transfer.computeDigest(), transfer.peerPublication());
                    if (result > 0)
                    {
                        transfer.endSent(nowNs);
                        workCount++;
                    }
                    else
                    {
                        onResult(transfer, result);
                    }
                }
            }
            case AWAITING_VERDICT ->
            {
                workCount += transfer.tracker().forwardToWorkers();
                workCount += reporter.completeRounds(transfer, nowNs);
                if (nowNs - transfer.lastHeardNs() > peerTimeoutNs)
                {
                    conductor.reopener().lose(transfer, "receiver " + transfer.peer().endpoint() +
                        " sent no verdict within " + TimeUnit.NANOSECONDS.toMillis(peerTimeoutNs) + " ms",
                        conductor.commandReader(), nowNs);
                    return workCount + 1;
                }
            }
            case VERIFIED ->
            {
                workCount += transfer.tracker().forwardToWorkers();
                workCount += reporter.completeRounds(transfer, nowNs);
                // Every frame was applied; the stripes' round reports follow the acknowledgements, or never come.
                if (!transfer.rounds().hasPendingRounds() || nowNs - transfer.lastHeardNs() > peerTimeoutNs)
                {
                    conductor.complete(transfer);
                    return workCount + 1;
                }
            }
            default ->
            {
                return 0;
            }
        }

        final int silent = transfer.silentStripe(nowNs, peerTimeoutNs);
        if (silent >= 0)
        {
            conductor.reopener().lose(transfer, transfer.silenceOf(silent, nowNs), conductor.commandReader(), nowNs);
            return workCount + 1;
        }

        if (nowNs - transfer.nextProgressNs() >= 0)
        {
            transfer.nextProgressNs(nowNs + progressIntervalNs);
            reporter.emitProgress(transfer, nowNs);
        }
        return workCount;
    }

    void onResult(final OutboundTransfer transfer, final long result)
    {
        if (PublicationResult.FATAL == PublicationResult.of(result, counters.get(EngineCounter.BACK_PRESSURE),
            counters.get(EngineCounter.NOT_CONNECTED)))
        {
            conductor.fail(transfer, FailureReason.INTERNAL_ERROR, "publication to " + transfer.peer().endpoint() +
                " is unusable: " + io.aeron.Publication.errorString(result));
        }
    }
}
