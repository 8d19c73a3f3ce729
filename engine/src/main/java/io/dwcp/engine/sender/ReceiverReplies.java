package io.dwcp.engine.sender;

import io.dwcp.codec.VarDataBounds;
import io.dwcp.codecs.agent.FailureReason;
import io.dwcp.codecs.wire.ErrorCode;
import io.dwcp.codecs.wire.ErrorFrameDecoder;
import io.dwcp.codecs.wire.HeldPagesDecoder;
import io.dwcp.codecs.wire.HelloAckDecoder;
import io.dwcp.codecs.wire.HelloStatus;
import io.dwcp.codecs.wire.PageAckDecoder;
import io.dwcp.codecs.wire.PageRequestDecoder;
import io.dwcp.codecs.wire.PathEchoDecoder;
import io.dwcp.codecs.wire.TransferVerdictDecoder;
import io.dwcp.codecs.wire.Verdict;
import io.dwcp.engine.security.FrameOpener;
import io.dwcp.engine.security.HandshakeException;
import io.dwcp.engine.security.InitiatorHandshake;
import io.dwcp.engine.security.WireText;
import io.dwcp.engine.status.EngineCounter;
import io.dwcp.engine.status.EngineCounters;

/**
 * What the sender does with the receivers' control frames: a HelloAck binds the receiver's session and starts the
 * stripes, acknowledgements go to the stripes they name, page requests become repairs, the verdict completes or
 * fails the transfer, an error frame fails it or drops the dictionary. A frame for an unknown transfer, from a
 * session the transfer is not bound to, or naming a stripe the transfer does not have is counted and ignored.
 * <p>
 * Not thread safe: owned by the conductor.
 */
final class ReceiverReplies implements ControlHandler
{
    private static final int MAX_TEXT_LENGTH = 4096;

    private final SenderConductor conductor;
    private final EngineCounters counters;
    private int sealedIndex;

    ReceiverReplies(final SenderConductor conductor)
    {
        this.conductor = conductor;
        this.counters = conductor.counters();
    }


    /**
     * {@inheritDoc}
     */
    @Override
    public void onHelloAck(final HelloAckDecoder frame, final int sessionId)
    {
        final OutboundTransfer transfer = 0 != frame.senderIndex() ?
            conductor.transferByIndex(frame.senderIndex()) : conductor.transfer(frame.transferId());
        if (null == transfer || transfer.transferId() != frame.transferId() ||
            transfer.state() != OutboundTransfer.State.CONNECTING ||
            !VarDataBounds.fits(frame.textLength(), MAX_TEXT_LENGTH, frame.buffer(), frame.limit()))
        {
            onRejectedControlFrame();
            return;
        }
        HelloStatus status = frame.status();
        String text = frame.text();
        final SenderSession session = transfer.session();
        final int handshakeLength = frame.handshakeLength();
        if (session.isSecure())
        {
            if (!VarDataBounds.fits(handshakeLength, MAX_TEXT_LENGTH, frame.buffer(), frame.limit()) ||
                null == session.handshake())
            {
                counters.get(EngineCounter.HANDSHAKES_FAILED).increment();
                return;
            }
            final byte[] message = new byte[handshakeLength];
            frame.getHandshake(message, 0, handshakeLength);
            final InitiatorHandshake handshake = session.handshake();
            try
            {
                handshake.onSecondMessage(message);
            }
            catch (final HandshakeException ex)
            {
                // A forged answer changes nothing: the transfer waits for the real one.
                counters.get(EngineCounter.HANDSHAKES_FAILED).increment();
                return;
            }
            status = handshake.isResumed() ? HelloStatus.RESUMED :
                handshake.isAccepted() ? HelloStatus.ACCEPTED : HelloStatus.REJECTED;
            text = handshake.text();
            session.established(handshake.keys());
        }
        else if (0 != handshakeLength)
        {
            onRejectedControlFrame();
            return;
        }
        final boolean isResumed = HelloStatus.RESUMED == status;
        if (HelloStatus.ACCEPTED == status || HelloStatus.RESUMED == status)
        {
            if (isResumed)
            {
                // The receiver kept pages of an earlier attempt: none goes until it has listed them all.
                transfer.source().expectHeldPages();
            }
            transfer.accepted(sessionId, conductor.nowNs());
            conductor.events().accepted(transfer.transferId(), transfer.pageCount(), transfer.pageSize(),
                conductor.nowNs(), session.isSecure());
        }
        else
        {
            conductor.fail(transfer, FailureReason.PEER_REJECTED, "receiver refused transfer: " +
                WireText.sanitise(text));
        }
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public FrameOpener openerFor(final int senderIndex, final int channel)
    {
        final OutboundTransfer transfer = conductor.transferByIndex(senderIndex);
        final FrameOpener opener = null == transfer || 0 != channel ? null : transfer.session().controlOpener();
        if (null == opener)
        {
            counters.get(EngineCounter.FRAMES_UNAUTHENTICATED).increment();
        }
        return opener;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void onSealedRejected(final int result)
    {
        counters.get(FrameOpener.REPLAYED == result ? EngineCounter.FRAMES_REPLAYED :
            FrameOpener.FORGED == result ? EngineCounter.FRAMES_FORGED : EngineCounter.CONTROL_FRAMES_REJECTED)
            .increment();
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void sealedIndex(final int senderIndex)
    {
        this.sealedIndex = senderIndex;
    }

    private OutboundTransfer boundTransfer(final long transferId, final int sessionId)
    {
        final OutboundTransfer transfer = conductor.transfer(transferId);
        if (null == transfer || transfer.receiverSessionId() != sessionId)
        {
            onRejectedControlFrame();
            return null;
        }
        final SenderSession session = transfer.session();
        if (session.isSecure() ? session.senderIndex() != sealedIndex : 0 != sealedIndex)
        {
            // In clear for a secure transfer, or opened by another transfer's key.
            counters.get(EngineCounter.FRAMES_UNAUTHENTICATED).increment();
            return null;
        }
        return transfer;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void onHeldPages(final HeldPagesDecoder frame, final int sessionId)
    {
        final OutboundTransfer transfer = boundTransfer(frame.transferId(), sessionId);
        if (null == transfer)
        {
            return;
        }
        final int length = frame.crcsLength();
        final int offset = frame.limit() + HeldPagesDecoder.crcsHeaderLength();
        if (0 != length % Integer.BYTES || offset + length > frame.buffer().capacity() ||
            !transfer.source().onHeldPages(frame.firstPage(), frame.buffer(), offset, length / Integer.BYTES))
        {
            onRejectedControlFrame();
            return;
        }
        transfer.heardFromReceiver(conductor.nowNs());
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void onPageAck(final PageAckDecoder frame, final int sessionId)
    {
        final OutboundTransfer transfer = boundTransfer(frame.transferId(), sessionId);
        if (null == transfer)
        {
            return;
        }
        final long receiverTimestampNs = frame.timestampNs();
        final long pagesApplied = frame.pagesApplied();
        for (final PageAckDecoder.StripesDecoder stripe : frame.stripes())
        {
            final int index = stripe.stripe();
            if (index < 0 || index >= transfer.stripeCount())
            {
                onRejectedControlFrame();
                continue;
            }
            transfer.tracker().onStripeAck(index, stripe.sequence(), receiverTimestampNs, conductor.nowNs());
        }
        transfer.onPagesApplied(pagesApplied, conductor.nowNs());
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void onPageRequest(final PageRequestDecoder frame, final int sessionId)
    {
        final OutboundTransfer transfer = boundTransfer(frame.transferId(), sessionId);
        if (null == transfer)
        {
            return;
        }
        transfer.heardFromReceiver(conductor.nowNs());
        for (final PageRequestDecoder.PagesDecoder page : frame.pages())
        {
            final long pageNumber = page.pageNumber();
            if (pageNumber >= 0 && pageNumber < transfer.pageCount())
            {
                transfer.queueRepair(pageNumber);
                counters.get(EngineCounter.PAGES_RESENT).increment();
            }
            else
            {
                onRejectedControlFrame();
            }
        }
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void onTransferVerdict(final TransferVerdictDecoder frame, final int sessionId)
    {
        final OutboundTransfer transfer = boundTransfer(frame.transferId(), sessionId);
        if (null == transfer)
        {
            return;
        }
        if (transfer.state() != OutboundTransfer.State.AWAITING_VERDICT)
        {
            // A verdict on an end that repairs have since superseded; the next end gets its own.
            onRejectedControlFrame();
            return;
        }
        transfer.heardFromReceiver(conductor.nowNs());
        if (Verdict.MATCH == frame.verdict() && frame.digest() == transfer.digest())
        {
            transfer.verified();
        }
        else
        {
            conductor.fail(transfer, FailureReason.DIGEST_MISMATCH, "receiver digest " +
                Long.toHexString(frame.digest()) +
                " does not match sender digest " + Long.toHexString(transfer.digest()));
        }
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void onErrorFrame(final ErrorFrameDecoder frame, final int sessionId)
    {
        final OutboundTransfer transfer = boundTransfer(frame.transferId(), sessionId);
        if (null == transfer || !VarDataBounds.fits(frame.textLength(), MAX_TEXT_LENGTH, frame.buffer(), frame.limit()))
        {
            return;
        }
        final ErrorCode errorCode = frame.code();
        final String text = frame.text();
        if (ErrorCode.DICTIONARY_REJECTED == errorCode)
        {
            // Pages that used it are asked for again and go without it; later pages do not use it.
            transfer.dropDictionary();
            counters.get(EngineCounter.DICTIONARIES_DROPPED).increment();
            return;
        }
        conductor.fail(transfer, FailureReason.PEER_REJECTED, "receiver error " + errorCode + ": " +
            WireText.sanitise(text));
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void onPathEcho(final PathEchoDecoder frame, final int sessionId)
    {
        final OutboundTransfer transfer = boundTransfer(frame.transferId(), sessionId);
        if (null != transfer)
        {
            conductor.links().onEcho(transfer, frame.sequence(), frame.timestampNs(), frame.bytesReceived(),
                conductor.nowNs());
        }
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void onRejectedControlFrame()
    {
        counters.get(EngineCounter.CONTROL_FRAMES_REJECTED).increment();
    }
}
