package io.dwcp.engine.sender;

import io.aeron.ExclusivePublication;
import io.dwcp.codecs.wire.HelloEncoder;
import io.dwcp.codecs.wire.MessageHeaderEncoder;
import io.dwcp.codecs.wire.TransferEndEncoder;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;

/**
 * Encodes and offers the frames the conductor sends on a transfer's peer session: the Hello that opens it and the
 * end that names each stripe's last frame and the digest.
 * <p>
 * Not thread safe: owned by the conductor.
 */
final class ConductorFrames
{
    private final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(64 * 1024));
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final HelloEncoder helloEncoder = new HelloEncoder();
    private final TransferEndEncoder transferEndEncoder = new TransferEndEncoder();
    private final String replyChannel;
    private final int replyStreamId;

    ConductorFrames(final String replyChannel, final int replyStreamId)
    {
        this.replyChannel = replyChannel;
        this.replyStreamId = replyStreamId;
    }

    /**
     * Offer a transfer's Hello.
     *
     * @param transfer    to open.
     * @param publication of its peer.
     * @return the publication's result.
     */
    long sendHello(final OutboundTransfer transfer, final ExclusivePublication publication)
    {
        helloEncoder.wrapAndApplyHeader(buffer, 0, headerEncoder)
            .transferId(transfer.transferId())
            .fileSize(transfer.fileSize())
            .pageSize(transfer.pageSize())
            .replyStreamId(replyStreamId)
            .stripeCount(transfer.stripeCount())
            .vmId(transfer.vmId())
            .replyChannel(replyChannel);
        return publication.offer(buffer, 0, MessageHeaderEncoder.ENCODED_LENGTH + helloEncoder.encodedLength());
    }

    /**
     * Offer a transfer's end.
     *
     * @param transfer    whose every stripe is drained.
     * @param digest      of the image as sent.
     * @param publication of its peer.
     * @return the publication's result.
     */
    long sendTransferEnd(final OutboundTransfer transfer, final long digest, final ExclusivePublication publication)
    {
        final long[] lastSequences = transfer.lastSequences();
        final TransferEndEncoder.StripesEncoder stripes = transferEndEncoder
            .wrapAndApplyHeader(buffer, 0, headerEncoder)
            .transferId(transfer.transferId())
            .digest(digest)
            .stripesCount(transfer.stripeCount());
        for (int k = 0; k < transfer.stripeCount(); k++)
        {
            stripes.next().lastSequence(lastSequences[k]);
        }
        return publication.offer(buffer, 0, MessageHeaderEncoder.ENCODED_LENGTH + transferEndEncoder.encodedLength());
    }
}
