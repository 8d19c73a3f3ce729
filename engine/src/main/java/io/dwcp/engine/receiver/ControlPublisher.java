package io.dwcp.engine.receiver;

import io.aeron.ExclusivePublication;
import io.aeron.logbuffer.BufferClaim;
import io.dwcp.codecs.wire.ErrorCode;
import io.dwcp.codecs.wire.ErrorFrameEncoder;
import io.dwcp.codecs.wire.HelloAckEncoder;
import io.dwcp.codecs.wire.HeldPagesEncoder;
import io.dwcp.codecs.wire.HelloStatus;
import io.dwcp.codecs.wire.MessageHeaderEncoder;
import io.dwcp.codecs.wire.PageAckEncoder;
import io.dwcp.codecs.wire.PathEchoEncoder;
import io.dwcp.codecs.wire.PageRequestEncoder;
import io.dwcp.codecs.wire.TransferVerdictEncoder;
import io.dwcp.codecs.wire.Verdict;
import io.dwcp.engine.security.FrameSealer;
import io.dwcp.engine.security.SealedOffer;
import io.dwcp.engine.status.EngineCounter;
import io.dwcp.engine.status.EngineCounters;
import io.dwcp.engine.transport.PublicationResult;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;

import java.nio.ByteBuffer;

/**
 * Encodes and offers the receiver's control frames to a sender: HelloAck, per-stripe acknowledgements, page
 * requests, the verdict and errors. Each method says whether the frame went; one that did not is counted as back
 * pressure and its caller tries again in a later duty cycle.
 * <p>
 * Not thread safe: owned by the receiver conductor.
 */
final class ControlPublisher
{
    /** Pages a HeldPages frame lists at most. */
    static final int HELD_PAGES_PER_FRAME = 1024;

    private static final int MAX_PAGES_PER_REQUEST = 1024;
    private static final int HELD_FRAMES_PER_CYCLE = 16;
    private static final byte[] NO_BYTES = new byte[0];

    private final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(64 * 1024));
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final HelloAckEncoder helloAckEncoder = new HelloAckEncoder();
    private final PageAckEncoder pageAckEncoder = new PageAckEncoder();
    private final PathEchoEncoder pathEchoEncoder = new PathEchoEncoder();
    private final PageRequestEncoder pageRequestEncoder = new PageRequestEncoder();
    private final TransferVerdictEncoder verdictEncoder = new TransferVerdictEncoder();
    private final ErrorFrameEncoder errorFrameEncoder = new ErrorFrameEncoder();
    private final HeldPagesEncoder heldPagesEncoder = new HeldPagesEncoder();
    private final long[] requestScratch = new long[MAX_PAGES_PER_REQUEST];
    private final BufferClaim claim = new BufferClaim();
    private final NanoClock nanoClock;
    private final AtomicCounter backPressure;

    ControlPublisher(final NanoClock nanoClock, final EngineCounters counters)
    {
        this.nanoClock = nanoClock;
        this.backPressure = counters.get(EngineCounter.CONTROL_BACK_PRESSURE);
    }

    /**
     * Answer a Hello, in clear: for an authenticated transfer the handshake message holds what counts.
     *
     * @param publication to the sender.
     * @param transferId  answered.
     * @param senderIndex the Hello's.
     * @param status      in clear; an authenticated answer carries its own.
     * @param text        in clear, empty for an authenticated answer.
     * @param handshake   the second handshake message, or null when insecure.
     * @return true when sent.
     */
    boolean helloAck(
        final ExclusivePublication publication,
        final long transferId,
        final int senderIndex,
        final HelloStatus status,
        final String text,
        final byte[] handshake)
    {
        final byte[] message = null == handshake ? NO_BYTES : handshake;
        helloAckEncoder.wrapAndApplyHeader(buffer, 0, headerEncoder)
            .transferId(transferId)
            .status(status)
            .senderIndex(senderIndex)
            .text(text)
            .putHandshake(message, 0, message.length);
        return offer(publication, helloAckEncoder.encodedLength(), null);
    }

    boolean error(
        final ExclusivePublication publication,
        final InboundTransfer transfer,
        final ErrorCode code,
        final String text)
    {
        final FrameSealer sealer = transfer.session().controlSealer();
        errorFrameEncoder.wrapAndApplyHeader(buffer, offsetFor(sealer), headerEncoder)
            .transferId(transfer.transferId())
            .code(code)
            .text(text);
        return offer(publication, errorFrameEncoder.encodedLength(), sealer);
    }

    private static int offsetFor(final FrameSealer sealer)
    {
        return null == sealer ? 0 : FrameSealer.HEADER_LENGTH;
    }

    /**
     * Acknowledge the stripes with news, and the transfer's totals.
     *
     * @param publication to the sender.
     * @param transfer    to acknowledge.
     * @return true when sent; the stripes' pending flags are then cleared.
     */
    boolean pageAck(final ExclusivePublication publication, final InboundTransfer transfer)
    {
        int pending = 0;
        for (int k = 0, n = transfer.stripeCount(); k < n; k++)
        {
            if (transfer.stripe(k).isAckPending())
            {
                pending++;
            }
        }
        final FrameSealer sealer = transfer.session().controlSealer();
        final PageAckEncoder.StripesEncoder stripes = pageAckEncoder
            .wrapAndApplyHeader(buffer, offsetFor(sealer), headerEncoder)
            .transferId(transfer.transferId())
            .pagesApplied(transfer.pagesApplied())
            .pagesRejected(transfer.pagesRejected())
            .timestampNs(nanoClock.nanoTime())
            .stripesCount(pending);
        for (int k = 0, n = transfer.stripeCount(); k < n; k++)
        {
            final StripeImage stripe = transfer.stripe(k);
            if (stripe.isAckPending())
            {
                stripes.next().stripe(k).sequence(stripe.highestSequence());
            }
        }
        if (!offer(publication, pageAckEncoder.encodedLength(), sealer))
        {
            return false;
        }
        for (int k = 0, n = transfer.stripeCount(); k < n; k++)
        {
            transfer.stripe(k).ackPending(false);
        }
        return true;
    }

    /**
     * Ask for one stripe's rejected pages again, up to a frame's worth.
     *
     * @param publication to the sender.
     * @param transfer    of the stripe.
     * @param stripe      whose pages to ask for.
     * @return work done.
     */
    int pageRequests(final ExclusivePublication publication, final InboundTransfer transfer, final StripeImage stripe)
    {
        int count = 0;
        long pageNumber;
        while (count < MAX_PAGES_PER_REQUEST && (pageNumber = stripe.pollPageToRequest()) >= 0)
        {
            requestScratch[count++] = pageNumber;
        }
        if (0 == count)
        {
            return 0;
        }
        final FrameSealer sealer = transfer.session().controlSealer();
        final PageRequestEncoder.PagesEncoder pages = pageRequestEncoder
            .wrapAndApplyHeader(buffer, offsetFor(sealer), headerEncoder)
            .transferId(transfer.transferId())
            .pagesCount(count);
        for (int i = 0; i < count; i++)
        {
            pages.next().pageNumber(requestScratch[i]);
        }
        if (!offer(publication, pageRequestEncoder.encodedLength(), sealer))
        {
            for (int i = 0; i < count; i++)
            {
                stripe.requeuePageToRequest(requestScratch[i]);
            }
            return 0;
        }
        return 1;
    }

    /**
     * Tell the sender of a resumed transfer which pages the destination holds, a few frames per duty cycle: each page's
     * CRC32C as its content has it now, where the journal's record agrees.
     *
     * @param publication to the sender.
     * @param transfer    resumed.
     * @param crcs        scratch for a frame's CRCs.
     * @param counters    where the held pages are counted.
     * @return frames sent.
     */
    int heldPages(
        final ExclusivePublication publication,
        final InboundTransfer transfer,
        final UnsafeBuffer crcs,
        final EngineCounters counters)
    {
        int frames = 0;
        final FrameSealer sealer = transfer.session().controlSealer();
        while (frames < HELD_FRAMES_PER_CYCLE && transfer.resume().heldPagesToSend() > 0)
        {
            final long firstPage = transfer.resume().heldCursor();
            final int count = (int)Math.min(HELD_PAGES_PER_FRAME, transfer.resume().heldPagesToSend());
            final long matched = transfer.resume().journal().held(transfer.destination(), firstPage, count, crcs);
            heldPagesEncoder.wrapAndApplyHeader(buffer, offsetFor(sealer), headerEncoder)
                .transferId(transfer.transferId())
                .firstPage(firstPage)
                .putCrcs(crcs, 0, count * Integer.BYTES);
            if (!offer(publication, heldPagesEncoder.encodedLength(), sealer))
            {
                break;
            }
            counters.get(EngineCounter.PAGES_HELD_ON_RESUME).getAndAdd(matched);
            transfer.resume().heldSent(count);
            frames++;
        }
        return frames;
    }

    /**
     * Echo the latest path probe, with the bytes received so far.
     *
     * @param publication to the sender.
     * @param transfer    probed.
     * @return true when sent.
     */
    boolean pathEcho(final ExclusivePublication publication, final InboundTransfer transfer)
    {
        final FrameSealer sealer = transfer.session().controlSealer();
        pathEchoEncoder.wrapAndApplyHeader(buffer, offsetFor(sealer), headerEncoder)
            .transferId(transfer.transferId())
            .sequence(transfer.probeSequence())
            .timestampNs(transfer.probeTimestampNs())
            .bytesReceived(transfer.bytesReceived())
            .receiverTimestampNs(nanoClock.nanoTime());
        return offer(publication, pathEchoEncoder.encodedLength(), sealer);
    }

    boolean verdict(final ExclusivePublication publication, final InboundTransfer transfer)
    {
        final FrameSealer sealer = transfer.session().controlSealer();
        verdictEncoder.wrapAndApplyHeader(buffer, offsetFor(sealer), headerEncoder)
            .transferId(transfer.transferId())
            .verdict(transfer.isMatch() ? Verdict.MATCH : Verdict.MISMATCH)
            .digest(transfer.digest());
        return offer(publication, verdictEncoder.encodedLength(), sealer);
    }

    private boolean offer(final ExclusivePublication publication, final int bodyLength, final FrameSealer sealer)
    {
        final long result = SealedOffer.offer(
            publication, buffer, MessageHeaderEncoder.ENCODED_LENGTH + bodyLength, sealer, claim);
        return PublicationResult.SENT == PublicationResult.of(result, backPressure, backPressure);
    }
}
