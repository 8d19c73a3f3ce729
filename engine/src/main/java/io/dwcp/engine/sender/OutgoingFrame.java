package io.dwcp.engine.sender;

import io.aeron.ExclusivePublication;
import io.aeron.logbuffer.BufferClaim;
import io.dwcp.codec.FrameTable;
import io.dwcp.codecs.wire.MessageHeaderEncoder;
import io.dwcp.codec.PageEncoding;
import io.dwcp.codecs.wire.PageFrameEncoder;
import io.dwcp.engine.security.FrameSealer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The entries of the page frame a {@link PageFrameWriter} builds, and their publication: the SBE frame is written
 * straight into a claimed region of the publication when it fits under the MTU ({@code tryClaim}), and into a
 * buffer that is offered otherwise, sealed once so that a retry after back pressure offers the same bytes.
 * <p>
 * Not thread safe: owned by one frame writer.
 */
final class OutgoingFrame
{
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final PageFrameEncoder frameEncoder = new PageFrameEncoder();
    private final UnsafeBuffer offerBuffer;
    private final long[] pageNumbers;
    private final PageEncoding[] encodings;
    private final int[] crcs;
    private final UnsafeBuffer[] payloadBuffers;
    private final int[] payloadOffsets;
    private final int[] payloadLengths;
    private int count;
    private boolean isOfferBufferWritten;

    /**
     * Create a frame of at most {@code maxEntries} entries.
     *
     * @param maxEntries     most entries of a frame.
     * @param maxWireLength  longest frame, sealed, that may go by {@code offer}.
     */
    OutgoingFrame(final int maxEntries, final int maxWireLength)
    {
        offerBuffer = new UnsafeBuffer(ByteBuffer.allocateDirect(maxWireLength));
        pageNumbers = new long[maxEntries];
        encodings = new PageEncoding[maxEntries];
        crcs = new int[maxEntries];
        payloadBuffers = new UnsafeBuffer[maxEntries];
        payloadOffsets = new int[maxEntries];
        payloadLengths = new int[maxEntries];
    }

    /** Start a new frame: no entries, nothing written to offer. */
    void reset()
    {
        count = 0;
        isOfferBufferWritten = false;
    }

    /**
     * Add an entry.
     *
     * @param pageNumber    of the page.
     * @param encoding      of its payload.
     * @param crc           CRC32C of the page (of the payload, for {@code SIMILAR_PIECES}).
     * @param payloadBuffer holding the payload, which must stay there until the frame is published.
     * @param payloadOffset of the payload.
     * @param payloadLength bytes of the payload.
     * @return bytes the entry takes in the frame.
     */
    int add(
        final long pageNumber,
        final PageEncoding encoding,
        final int crc,
        final UnsafeBuffer payloadBuffer,
        final int payloadOffset,
        final int payloadLength)
    {
        final int i = count++;
        final int length = FrameTable.entryLength(
            0 == i ? FrameTable.NO_PAGE : pageNumbers[i - 1], pageNumber, encoding.value(), payloadLength);
        pageNumbers[i] = pageNumber;
        encodings[i] = encoding;
        crcs[i] = crc;
        payloadBuffers[i] = payloadBuffer;
        payloadOffsets[i] = payloadOffset;
        payloadLengths[i] = payloadLength;
        return length;
    }

    /**
     * Bytes an entry would take if it were added now.
     *
     * @param pageNumber    of the page.
     * @param encoding      of its payload.
     * @param payloadLength bytes of the payload.
     * @return bytes of the entry.
     */
    int lengthIfAdded(final long pageNumber, final PageEncoding encoding, final int payloadLength)
    {
        return FrameTable.entryLength(
            0 == count ? FrameTable.NO_PAGE : pageNumbers[count - 1], pageNumber, encoding.value(), payloadLength);
    }

    int count()
    {
        return count;
    }

    long[] pageNumbers()
    {
        return pageNumbers;
    }

    PageEncoding[] encodings()
    {
        return encodings;
    }

    /**
     * Try to publish the frame.
     *
     * @param transferId  of the transfer.
     * @param round       the frame's pre-copy round.
     * @param sequence    of the frame on its stripe.
     * @param stripe      whose session carries it.
     * @param frameLength bytes of the frame before sealing.
     * @param block       buffer holding the frame's block.
     * @param blockLength bytes of the block, 0 for none.
     * @param publication to the receiver.
     * @param bufferClaim reusable claim.
     * @param sealer      of the stripe's frames, or null when the transfer is insecure.
     * @return the publication's result: positive when sent, otherwise an Aeron back-pressure code.
     */
    long publish(
        final long transferId,
        final int round,
        final long sequence,
        final int stripe,
        final int frameLength,
        final UnsafeBuffer block,
        final int blockLength,
        final ExclusivePublication publication,
        final BufferClaim bufferClaim,
        final FrameSealer sealer)
    {
        final int innerOffset = null == sealer ? 0 : FrameSealer.HEADER_LENGTH;
        final int wireLength = null == sealer ? frameLength : frameLength + FrameSealer.OVERHEAD;
        if (wireLength <= publication.maxPayloadLength())
        {
            final long result = publication.tryClaim(wireLength, bufferClaim);
            if (result > 0)
            {
                final MutableDirectBuffer buffer = bufferClaim.buffer();
                final int offset = bufferClaim.offset();
                try
                {
                    encode(transferId, round, sequence, stripe, block, blockLength, buffer, offset + innerOffset);
                    if (null != sealer)
                    {
                        sealer.seal(buffer, offset, frameLength);
                    }
                }
                catch (final RuntimeException | InternalError ex)
                {
                    // A claim left open would stall every transfer sharing this publication.
                    bufferClaim.abort();
                    throw ex;
                }
                bufferClaim.commit();
            }
            return result;
        }
        if (!isOfferBufferWritten)
        {
            encode(transferId, round, sequence, stripe, block, blockLength, offerBuffer, innerOffset);
            if (null != sealer)
            {
                // Sealed once: a retry after back pressure offers the same bytes under the same counter.
                sealer.seal(offerBuffer, 0, frameLength);
            }
            isOfferBufferWritten = true;
        }
        return publication.offer(offerBuffer, 0, wireLength);
    }

    private void encode(
        final long transferId,
        final int round,
        final long sequence,
        final int stripe,
        final UnsafeBuffer block,
        final int blockLength,
        final MutableDirectBuffer buffer,
        final int offset)
    {
        frameEncoder.wrapAndApplyHeader(buffer, offset, headerEncoder)
            .transferId(transferId)
            .round(round)
            .sequence(sequence)
            .stripe(stripe);
        // The entries are written in place, after their length.
        final int lengthAt = frameEncoder.limit();
        final int start = lengthAt + PageFrameEncoder.entriesHeaderLength();
        int at = start;
        long previous = FrameTable.NO_PAGE;
        for (int i = 0; i < count; i++)
        {
            at += FrameTable.write(buffer, at, previous, pageNumbers[i], encodings[i].value(), crcs[i],
                payloadBuffers[i], payloadOffsets[i], payloadLengths[i]);
            previous = pageNumbers[i];
        }
        buffer.putInt(lengthAt, at - start, ByteOrder.LITTLE_ENDIAN);
        frameEncoder.limit(at);
        frameEncoder.putBlock(block, 0, blockLength);
    }
}
