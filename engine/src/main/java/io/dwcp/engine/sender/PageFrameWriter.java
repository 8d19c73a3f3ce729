package io.dwcp.engine.sender;

import io.aeron.ExclusivePublication;
import io.aeron.logbuffer.BufferClaim;
import io.dwcp.codec.BlockCodec;
import io.dwcp.codec.FrameTable;
import io.dwcp.codec.PageCodec;
import io.dwcp.codec.PageEncoding;
import io.dwcp.codecs.wire.MessageHeaderEncoder;
import io.dwcp.codecs.wire.PageFrameEncoder;
import io.dwcp.engine.security.FrameSealer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;

/**
 * Builds one page frame at a time for a transfer, then publishes it: {@link BlockFrameWriter} for the frame codec,
 * where the pages of a frame are compressed together, {@link PagewiseFrameWriter} for a page at a time.
 * <p>
 * Building takes the stripe's pages and encodes them until the frame is full. Each page is copied once from the live
 * source, and everything about it (encoding, CRC, baseline, payload) comes from that copy: the guest may write the
 * page meanwhile. Zero and unchanged pages carry nothing. The entries and their publication are an
 * {@link OutgoingFrame}'s; this class holds what both kinds share: the frame, its staging, its counts and its place in
 * the stripe's sequence.
 * <p>
 * Not thread safe: owned by one stripe, on its worker's thread.
 */
abstract class PageFrameWriter
{
    /** Bytes of a frame besides its page entries and its block. */
    static final int FRAME_OVERHEAD = MessageHeaderEncoder.ENCODED_LENGTH + PageFrameEncoder.BLOCK_LENGTH +
        PageFrameEncoder.entriesHeaderLength() + PageFrameEncoder.blockHeaderLength();
    /** Most bytes of a page entry besides its payload; most take 5 (docs/FRAME-CODEC.md). */
    static final int ENTRY_OVERHEAD = FrameTable.MAX_ENTRY_OVERHEAD;

    final PageCodec codec;
    final int pageSize;
    final int maxPages;
    final int halfLength;
    final UnsafeBuffer staging;
    final OutgoingFrame frame;
    final UnsafeBuffer blockOut;
    final FrameCounts counts = new FrameCounts();

    int blockLength;
    int entryCount;
    /** Entries that are not pages: the list of similar pages, the block's place in the stream. */
    int nonPageEntries;
    int frameLength;
    int stagingLimit;
    boolean isReady;
    long sequence;
    int round;
    int stripe;

    /**
     * A writer for a stripe: the frame codec's when a block codec is given and deltas are on, else page by page.
     *
     * @param codec          the stripe's page codec: zero pages, small deltas, and every page in page mode.
     * @param block          the worker's block codec, or null to compress each page alone.
     * @param contentIndex   the worker's index of page contents sent, or null to find no duplicates.
     * @param similarPages   the worker's index of page anchors sent, or null to find no similar pages.
     * @param maxFrameLength largest frame in page mode.
     * @param maxPages       most pages per frame.
     * @param isHdeEnabled   false sends every page raw.
     * @param streamLevel    lowest zstd level at which blocks without a dictionary go through the stripe's stream.
     * @return the writer.
     */
    static PageFrameWriter create(
        final PageCodec codec,
        final BlockCodec block,
        final ContentIndex contentIndex,
        final SimilarPages similarPages,
        final int maxFrameLength,
        final int maxPages,
        final boolean isHdeEnabled,
        final int streamLevel)
    {
        return null != block && isHdeEnabled ?
            new BlockFrameWriter(codec, block, contentIndex, similarPages, maxPages, streamLevel) :
            new PagewiseFrameWriter(codec, maxFrameLength, maxPages, isHdeEnabled);
    }

    /**
     * @param codec         the stripe's page codec.
     * @param maxPages      most pages per frame.
     * @param halfLength    bytes of each of staging's two halves.
     * @param frameCapacity most bytes of a frame, the sealer's overhead included.
     * @param maxEntries    most entries of a frame.
     * @param blockOut      where the frame's block is compressed to; empty page by page.
     */
    PageFrameWriter(
        final PageCodec codec,
        final int maxPages,
        final int halfLength,
        final int frameCapacity,
        final int maxEntries,
        final UnsafeBuffer blockOut)
    {
        this.codec = codec;
        this.pageSize = codec.pageSize();
        this.maxPages = maxPages;
        this.halfLength = halfLength;
        this.blockOut = blockOut;
        staging = new UnsafeBuffer(ByteBuffer.allocateDirect(2 * halfLength));
        frame = new OutgoingFrame(maxEntries, frameCapacity);
    }

    /**
     * Are the pages of a frame compressed together?
     *
     * @return true for the frame codec, false for page by page.
     */
    abstract boolean isBlockMode();

    /**
     * Build the next frame of a stripe.
     *
     * @param transfer     the stripe whose pages to take.
     * @param sequence     of the frame.
     * @param targetLength bytes a frame should not exceed, unless it holds a single page.
     * @param nowNs        current time.
     * @return pages in the frame.
     */
    abstract int build(Stripe transfer, long sequence, int targetLength, long nowNs);

    /**
     * Is a built frame waiting to be published?
     *
     * @return true if {@link #publish} has a frame to send.
     */
    boolean isReady()
    {
        return isReady;
    }

    /**
     * Does a page wait for the next frame?
     *
     * @return true when a page was encoded but did not fit.
     */
    boolean hasPending()
    {
        return false;
    }

    final void startFrame(final Stripe transfer, final long sequence)
    {
        transfer.pageSource().forgetHoles();
        this.sequence = sequence;
        this.round = transfer.round();
        this.stripe = transfer.index();
        entryCount = 0;
        nonPageEntries = 0;
        frame.reset();
        frameLength = FRAME_OVERHEAD;
        counts.reset();
        blockLength = 0;
    }

    final int addEntry(
        final long pageNumber,
        final PageEncoding encoding,
        final int crc,
        final UnsafeBuffer payloadBuffer,
        final int payloadOffset,
        final int payloadLength)
    {
        final int entryBytes = frame.add(pageNumber, encoding, crc, payloadBuffer, payloadOffset, payloadLength);
        entryCount++;
        frameLength += entryBytes;
        counts.add(encoding);
        return entryBytes;
    }

    /**
     * Try to publish the built frame.
     *
     * @param transferId  of the transfer.
     * @param publication to the receiver.
     * @param bufferClaim reusable claim.
     * @param sealer      of the stripe's frames, or null when the transfer is insecure.
     * @return the publication's result: positive when sent, otherwise an Aeron back-pressure code.
     */
    final long publish(
        final long transferId,
        final ExclusivePublication publication,
        final BufferClaim bufferClaim,
        final FrameSealer sealer)
    {
        final long result = frame.publish(transferId, round, sequence, stripe, frameLength, blockOut, blockLength,
            publication, bufferClaim, sealer);
        if (result > 0)
        {
            isReady = false;
        }
        return result;
    }

    /** Drop the built frame and any page kept for the next one. */
    void discard()
    {
        isReady = false;
    }

    /** Free what the writer holds natively, when its stripe closes. */
    void close()
    {
    }

    final FrameCounts counts()
    {
        return counts;
    }

    final int frameLength()
    {
        return frameLength;
    }

    /**
     * Pages in the built frame; its entries for similar pages' versions are not pages sent.
     *
     * @return page entries.
     */
    final int entryCount()
    {
        return entryCount - nonPageEntries;
    }

    static boolean isDelta(final PageEncoding encoding)
    {
        return PageEncoding.UNCHANGED == encoding || PageEncoding.DELTA_XBZRLE == encoding ||
            PageEncoding.DELTA_XBZRLE_ZSTD == encoding || PageEncoding.DELTA_ZSTD == encoding;
    }

    final long sequence()
    {
        return sequence;
    }
}
