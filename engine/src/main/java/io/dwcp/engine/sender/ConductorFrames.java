package io.dwcp.engine.sender;

import io.aeron.ExclusivePublication;
import io.aeron.logbuffer.BufferClaim;
import io.dwcp.codecs.wire.HelloEncoder;
import io.dwcp.codecs.wire.MessageHeaderEncoder;
import io.dwcp.codecs.wire.PathProbeEncoder;
import io.dwcp.codecs.wire.TransferAbandonEncoder;
import io.dwcp.codecs.wire.TransferEndEncoder;
import io.dwcp.engine.security.EngineSecurity;
import io.dwcp.engine.security.FrameSealer;
import io.dwcp.engine.security.HelloPrologue;
import io.dwcp.engine.security.InitiatorHandshake;
import io.dwcp.engine.security.SealedOffer;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;

/**
 * Encodes and offers the frames the conductor sends on a transfer's peer session: the Hello that opens it, with
 * the first handshake message when the transfer is authenticated, and the end that names each stripe's last frame
 * and the digest, sealed.
 * <p>
 * Not thread safe: owned by the conductor.
 */
final class ConductorFrames
{
    private static final int MAX_REASON_CHARS = 1024;

    private final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(64 * 1024));
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final HelloEncoder helloEncoder = new HelloEncoder();
    private final TransferEndEncoder transferEndEncoder = new TransferEndEncoder();
    private final TransferAbandonEncoder abandonEncoder = new TransferAbandonEncoder();
    private final PathProbeEncoder probeEncoder = new PathProbeEncoder();
    private final BufferClaim claim = new BufferClaim();
    private final String replyChannel;
    private final int replyStreamId;
    private final EngineSecurity security;
    private final long rekeyFrames;
    private final EpochClock epochClock;
    private long lastHandshakeMs;

    ConductorFrames(
        final String replyChannel,
        final int replyStreamId,
        final EngineSecurity security,
        final long rekeyFrames,
        final EpochClock epochClock)
    {
        this.replyChannel = replyChannel;
        this.replyStreamId = replyStreamId;
        this.security = security;
        this.rekeyFrames = rekeyFrames;
        this.epochClock = epochClock;
    }

    /**
     * Offer a transfer's Hello: the same bytes every time, so that the receiver sees one handshake.
     *
     * @param transfer    to open.
     * @param publication of its peer.
     * @return the publication's result.
     */
    long sendHello(final OutboundTransfer transfer, final ExclusivePublication publication)
    {
        final SenderSession session = transfer.session();
        if (null == session.hello())
        {
            helloEncoder.wrapAndApplyHeader(buffer, 0, headerEncoder)
                .transferId(transfer.transferId())
                .fileSize(transfer.fileSize())
                .pageSize(transfer.pageSize())
                .replyStreamId(replyStreamId)
                .stripeCount(transfer.stripeCount())
                .senderIndex(session.senderIndex())
                .vmId(transfer.vmId())
                .replyChannel(replyChannel);
            InitiatorHandshake handshake = null;
            if (session.isSecure())
            {
                // Rising from one handshake to the next, as the receiver's replay check requires.
                lastHandshakeMs = Math.max(epochClock.time(), lastHandshakeMs + 1);
                handshake = new InitiatorHandshake(security, session.receiverKey(),
                    HelloPrologue.of(buffer, helloEncoder.limit()), lastHandshakeMs, rekeyFrames);
                final byte[] message = handshake.firstMessage();
                helloEncoder.putHandshake(message, 0, message.length);
            }
            else
            {
                helloEncoder.putHandshake(new byte[0], 0, 0);
            }
            final byte[] hello = new byte[helloEncoder.limit()];
            buffer.getBytes(0, hello);
            session.hello(hello, handshake);
        }
        final byte[] hello = session.hello();
        buffer.putBytes(0, hello);
        return publication.offer(buffer, 0, hello.length);
    }

    /**
     * Offer a transfer's end, sealed when the transfer is authenticated.
     *
     * @param transfer    whose every stripe is drained.
     * @param digest      of the image as sent.
     * @param publication of its peer.
     * @return the publication's result.
     */
    long sendTransferEnd(final OutboundTransfer transfer, final long digest, final ExclusivePublication publication)
    {
        final FrameSealer sealer = transfer.session().controlSealer();
        final int offset = null == sealer ? 0 : FrameSealer.HEADER_LENGTH;
        final long[] lastSequences = transfer.lastSequences();
        final TransferEndEncoder.StripesEncoder stripes = transferEndEncoder
            .wrapAndApplyHeader(buffer, offset, headerEncoder)
            .transferId(transfer.transferId())
            .digest(digest)
            .stripesCount(transfer.stripeCount());
        for (int k = 0; k < transfer.stripeCount(); k++)
        {
            stripes.next().lastSequence(lastSequences[k]);
        }
        return SealedOffer.offer(publication, buffer,
            MessageHeaderEncoder.ENCODED_LENGTH + transferEndEncoder.encodedLength(), sealer, claim);
    }

    /**
     * Probe the path: the receiver echoes the sequence and timestamp.
     *
     * @param transfer    whose peer session carries it, behind its frames.
     * @param sequence    the probe's.
     * @param timestampNs the probe's.
     * @param publication the peer's.
     * @return the publication's result.
     */
    long sendProbe(
        final OutboundTransfer transfer, final long sequence, final long timestampNs,
        final ExclusivePublication publication)
    {
        final FrameSealer sealer = transfer.session().controlSealer();
        final int offset = null == sealer ? 0 : FrameSealer.HEADER_LENGTH;
        probeEncoder.wrapAndApplyHeader(buffer, offset, headerEncoder)
            .transferId(transfer.transferId())
            .sequence(sequence)
            .timestampNs(timestampNs);
        return SealedOffer.offer(publication, buffer,
            MessageHeaderEncoder.ENCODED_LENGTH + probeEncoder.encodedLength(), sealer, claim);
    }

    /**
     * Tell the receiver the agent abandoned the transfer, so that it removes its files.
     *
     * @param transfer    abandoned, bound to its receiver.
     * @param reason      the agent's.
     * @param publication the peer's.
     * @return the publication's result.
     */
    long sendAbandon(final OutboundTransfer transfer, final String reason, final ExclusivePublication publication)
    {
        final FrameSealer sealer = transfer.session().controlSealer();
        final int offset = null == sealer ? 0 : FrameSealer.HEADER_LENGTH;
        abandonEncoder.wrapAndApplyHeader(buffer, offset, headerEncoder)
            .transferId(transfer.transferId())
            .reason(reason.length() > MAX_REASON_CHARS ? reason.substring(0, MAX_REASON_CHARS) : reason);
        return SealedOffer.offer(publication, buffer,
            MessageHeaderEncoder.ENCODED_LENGTH + abandonEncoder.encodedLength(), sealer, claim);
    }
}
