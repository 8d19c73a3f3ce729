package io.dwcp.engine.receiver;

import io.aeron.ExclusivePublication;
import io.dwcp.codecs.agent.FailureReason;
import io.dwcp.codecs.wire.ErrorCode;
import io.dwcp.engine.status.EngineCounter;
import io.dwcp.engine.status.EngineCounters;
import io.dwcp.engine.transport.AsyncPublication;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * Each held transfer's turn of the {@link ReceiverConductor}: it times the transfer out or lets its linger end, sends
 * its hello acknowledgement, held pages, probe echoes, page requests and acknowledgements through the
 * {@link ControlPublisher}, hands it to the {@link Verifier} once its end and all its frames are in, and sends the
 * verdict once it is durable.
 * <p>
 * Not thread safe: runs on the conductor's thread.
 */
final class TransferService
{
    private final ReceiverConductor conductor;
    private final ControlPublisher control;
    private final Verifier verifier;
    private final JournalKeeper journals;
    private final EngineCounters counters;
    private final long transferTimeoutNs;
    private final long lingerNs;
    private final UnsafeBuffer heldScratch =
        new UnsafeBuffer(ByteBuffer.allocateDirect(ControlPublisher.HELD_PAGES_PER_FRAME * Integer.BYTES));

    TransferService(
        final ReceiverConductor conductor,
        final ControlPublisher control,
        final Verifier verifier,
        final JournalKeeper journals,
        final EngineCounters counters,
        final long transferTimeoutNs,
        final long lingerNs)
    {
        this.conductor = conductor;
        this.control = control;
        this.verifier = verifier;
        this.journals = journals;
        this.counters = counters;
        this.transferTimeoutNs = transferTimeoutNs;
        this.lingerNs = lingerNs;
    }

    /**
     * One transfer's turn: its timeouts, its control frames, its verification and its verdict.
     *
     * @param transfer held.
     * @param nowNs    current time.
     * @return work done.
     */
    int service(final InboundTransfer transfer, final long nowNs)
    {
        final AsyncPublication peer = transfer.peer();
        if (null != peer.registrationError())
        {
            counters.get(EngineCounter.ERRORS).increment();
            conductor.failAndRemove(transfer, FailureReason.PEER_LOST,
                "cannot reply to " + peer.channel() + ": " + peer.registrationError());
            return 1;
        }
        if (isTimedOut(transfer, nowNs))
        {
            return 1;
        }

        final ExclusivePublication publication = peer.connectedPublication();
        if (null == publication)
        {
            return 0;
        }

        if (null != transfer.failure())
        {
            if (control.error(publication, transfer, ErrorCode.DESTINATION_UNAVAILABLE, transfer.failure()))
            {
                conductor.failAndRemove(transfer, FailureReason.INTERNAL_ERROR, transfer.failure());
            }
            return 1;
        }

        int workCount = 0;
        if (transfer.isHelloAckPending() &&
            control.helloAck(publication, transfer.transferId(), transfer.session().senderIndex(),
                transfer.resume().helloStatus(), "", transfer.session().secondMessage()))
        {
            transfer.helloAckPending(false);
            workCount++;
        }
        if (!transfer.isHelloAckPending() && transfer.resume().heldPagesToSend() > 0)
        {
            workCount += control.heldPages(publication, transfer, heldScratch, counters);
        }
        if (0 != transfer.probeSequence() && !transfer.isHelloAckPending() && control.pathEcho(publication, transfer))
        {
            transfer.probeEchoed();
            counters.get(EngineCounter.PROBES_ECHOED).increment();
            workCount++;
        }

        for (int k = 0, n = transfer.stripeCount(); k < n; k++)
        {
            final StripeImage stripe = transfer.stripe(k);
            if (stripe.isDictionaryRejectionPending() && control.error(publication, transfer,
                ErrorCode.DICTIONARY_REJECTED, "dictionary of stripe " + k + " failed its length or CRC check"))
            {
                stripe.dictionaryRejectionPending(false);
                workCount++;
            }
            if (stripe.hasPagesToRequest())
            {
                workCount += control.pageRequests(publication, transfer, stripe);
            }
            if (stripe.isAckPending())
            {
                transfer.ackPending(true);
            }
        }

        if (transfer.isReadyToVerify())
        {
            verifier.verify(transfer);
        }
        else if (transfer.isEndReceived() && InboundTransfer.State.RECEIVING == transfer.state() &&
            transfer.stripeBehindEnd() >= 0 && transfer.countEndAhead())
        {
            counters.get(EngineCounter.TRANSFER_ENDS_AHEAD).increment();
        }

        if (transfer.isAckPending() && control.pageAck(publication, transfer))
        {
            transfer.ackPending(false);
            workCount++;
        }
        if (verifier.verifyAhead(transfer, nowNs) > 0)
        {
            workCount++;
        }

        if (InboundTransfer.State.VERDICT_READY == transfer.state() && transfer.isMatch())
        {
            // Verified: durable before the sender hears so. The journal stays while the transfer lingers, for a
            // sender that restarts before it hears the verdict and reopens the transfer.
            if (!journals.isDurableForVerdict(transfer, nowNs))
            {
                return workCount;
            }
            transfer.resume().journalVerified();
        }
        if (InboundTransfer.State.VERDICT_READY == transfer.state() && control.verdict(publication, transfer))
        {
            conductor.finish(transfer);
            workCount++;
        }
        return workCount;
    }

    /**
     * Remove a transfer whose linger is over, or whose sender went silent, keeping what arrived for a sender that
     * comes back, restarted or reconnected; flush the others when due.
     *
     * @return true when the transfer was removed.
     */
    private boolean isTimedOut(final InboundTransfer transfer, final long nowNs)
    {
        if (InboundTransfer.State.DONE == transfer.state())
        {
            if (nowNs - transfer.doneNs() > lingerNs)
            {
                conductor.remove(transfer);
                return true;
            }
        }
        else if (transfer.resume().heldPagesToSend() > 0 || InboundTransfer.State.RECEIVING != transfer.state())
        {
            // The sender owes no frame while it waits for the held pages or the verdict: its silence counts after.
            transfer.onVerifying(nowNs);
        }
        else if (nowNs - transfer.lastFrameNs() > transferTimeoutNs)
        {
            transfer.resume().keepForResume();
            counters.get(EngineCounter.TRANSFERS_KEPT_FOR_RESUME).increment();
            conductor.failAndRemove(transfer, FailureReason.PEER_LOST, silenceOf(transfer) + "; its " +
                transfer.pagesApplied() + " applied pages are kept in " + transfer.destination().file().getFileName() +
                " for the sender to resume");
            return true;
        }
        journals.flushIfDue(transfer, nowNs);
        return false;
    }

    private String silenceOf(final InboundTransfer transfer)
    {
        final String silence = "no frame from the sender for " + TimeUnit.NANOSECONDS.toSeconds(transferTimeoutNs) +
            " s";
        final int behind = transfer.isEndReceived() ? transfer.stripeBehindEnd() : -1;
        if (behind < 0)
        {
            return silence;
        }
        return silence + ": its end names frame " + transfer.endLastSequence(behind) + " of stripe " + behind +
            " but only " + transfer.stripe(behind).highestSequence() + " arrived";
    }
}
