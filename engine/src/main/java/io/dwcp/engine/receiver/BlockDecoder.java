package io.dwcp.engine.receiver;

import io.dwcp.codec.BlockCodec;
import io.dwcp.codec.PageChecksum;
import io.dwcp.codec.PageCodec;
import io.dwcp.codecs.wire.PageEncoding;
import io.dwcp.engine.memory.MappedImage;
import io.dwcp.engine.memory.RoundStartPages;
import io.dwcp.engine.status.EngineCounter;
import io.dwcp.engine.status.EngineCounters;
import io.dwcp.engine.transport.StripeLayout;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;

/**
 * Decoding of what a page frame's entries take from this receiver's own copies: the frame's block, whose dictionary
 * is built from the copies of its delta and similar pages, and references to a page held.
 */
final class BlockDecoder
{
    private BlockDecoder()
    {
    }

    /**
     * Decode the frame's block, its dictionary built from this receiver's copies of the delta and similar pages in
     * entry order. A delta page beyond the image or on another stripe gives a zero page to the dictionary, so the
     * order holds; the page itself is rejected. A similar page may be on any stripe, as the receiver's stripes share
     * its thread. Its version is the copy here, or, when that does not have the CRC32C its entry names, the version
     * the page had when the round started, if its stripe kept one because the round has written the page again. One
     * beyond the image (a zero page stands in), or found in neither (never received, or not kept), is counted, and
     * the pages it spoils fail their own CRC32C: rejecting the block would lose all its pages.
     *
     * @param view     the frame's bytes.
     * @param block    codec for the transfer's page size, or null when there is none.
     * @param entries  the frame's entries, read.
     * @param transfer whose frame it is.
     * @param round    of the frame.
     * @param stripe   the stripe whose frame it is.
     * @param counters the receiver's counters.
     * @return the block's result; {@link PageCodec.DecodeResult#OK} for a frame without one.
     */
    static PageCodec.DecodeResult decodeBlock(
        final DirectBuffer view,
        final BlockCodec block,
        final FrameEntries entries,
        final InboundTransfer transfer,
        final int round,
        final int stripe,
        final EngineCounters counters)
    {
        final MappedImage destination = transfer.destination();
        final StripeLayout layout = transfer.layout();
        final int blockPages = entries.blockPages();
        if (0 == blockPages)
        {
            return entries.blockLength() > 0 ? PageCodec.DecodeResult.BAD_LENGTH : PageCodec.DecodeResult.OK;
        }
        if (null == block || blockPages > block.maxPages())
        {
            return PageCodec.DecodeResult.BAD_LENGTH;
        }
        block.begin();
        final long pageCount = destination.pageCount();
        final int pageSize = destination.pageSize();
        for (int i = 0, count = entries.count(); i < count; i++)
        {
            final short encoding = entries.encoding(i);
            final boolean isSimilar = PageEncoding.SIMILAR_BASE.value() == encoding;
            if (!isSimilar && PageEncoding.BLOCK_DELTA.value() != encoding)
            {
                continue;
            }
            if (block.baseCount() >= block.maxBases())
            {
                return PageCodec.DecodeResult.BAD_LENGTH;
            }
            final long pageNumber = entries.pageNumber(i);
            final boolean isInImage = pageNumber >= 0 && pageNumber < pageCount;
            if (isSimilar && isInImage && entries.crc(i) != PageChecksum.crc32c(
                destination.segmentOf(pageNumber), destination.offsetOf(pageNumber), pageSize))
            {
                final RoundStartPages kept = transfer.stripe(layout.stripeOf(pageNumber)).roundStart();
                final int slot = kept.slotOf(round, pageNumber);
                if (slot >= 0 &&
                    entries.crc(i) == PageChecksum.crc32c(kept.buffer(slot), kept.offsetOf(slot), pageSize))
                {
                    counters.get(EngineCounter.ROUND_START_BASES_USED).increment();
                    block.addBase(kept.buffer(slot), kept.offsetOf(slot));
                    continue;
                }
                counters.get(EngineCounter.SIMILAR_BASES_MISMATCHED).increment();
            }
            else if (isSimilar && !isInImage)
            {
                counters.get(EngineCounter.SIMILAR_BASES_MISMATCHED).increment();
            }
            if (isInImage && (isSimilar || layout.stripeOf(pageNumber) == stripe))
            {
                block.addBase(destination.segmentOf(pageNumber), destination.offsetOf(pageNumber));
            }
            else
            {
                block.addBase(entries.zeroPage(), 0);
            }
        }
        return block.decompress(view, entries.blockOffset(), entries.blockLength(), blockPages);
    }

    /**
     * A page equal to another the receiver holds: copy that page into scratch and check it.
     *
     * @param view          the frame's bytes.
     * @param payloadOffset of the reference's payload.
     * @param payloadLength of the reference's payload, not yet trusted.
     * @param pageNumber    of the page being decoded.
     * @param destination   of the transfer.
     * @param crc           CRC32C of the page.
     * @param scratchPage   where the page is copied.
     * @return the page's result.
     */
    static PageCodec.DecodeResult decodeReference(
        final DirectBuffer view,
        final int payloadOffset,
        final int payloadLength,
        final long pageNumber,
        final MappedImage destination,
        final int crc,
        final UnsafeBuffer scratchPage)
    {
        if (Long.BYTES != payloadLength)
        {
            return PageCodec.DecodeResult.BAD_LENGTH;
        }
        final long original = view.getLong(payloadOffset, ByteOrder.LITTLE_ENDIAN);
        if (original < 0 || original >= destination.pageCount() || original == pageNumber)
        {
            return PageCodec.DecodeResult.CORRUPT_PAYLOAD;
        }
        final int pageSize = destination.pageSize();
        scratchPage.putBytes(0, destination.segmentOf(original), destination.offsetOf(original), pageSize);
        return PageCodec.verifyPage(scratchPage, 0, pageSize, crc);
    }
}
