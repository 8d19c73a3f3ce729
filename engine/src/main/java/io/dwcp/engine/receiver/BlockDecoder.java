package io.dwcp.engine.receiver;

import io.dwcp.codec.BlockCodec;
import io.dwcp.codec.BlockDictionary;
import io.dwcp.codec.BlockStream;
import io.dwcp.codec.FrameTable;
import io.dwcp.codec.PageChecksum;
import io.dwcp.codec.PageCodec;
import io.dwcp.codec.PageEncoding;
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
    /** A listed page's difference from the one before: six bytes hold 42 bits, so the sum cannot overflow. */
    private static final int LISTED_DELTA_MAX_BYTES = 6;

    private BlockDecoder()
    {
    }

    /**
     * Decode the frame's block, its dictionary built from this receiver's copies of the delta pages and of the
     * pieces of similar pages its {@code SIMILAR_PIECES} entry lists, in entry order. A delta page beyond the image
     * or on another stripe gives a zero page to the dictionary, so the order holds; the page itself is rejected. A
     * similar page may be on any stripe, as the receiver's stripes share its thread. Its pieces are the copy's here,
     * or, when those do not have the check listed (16 bits of their CRC32C), the version's the page had when the
     * round started, if its stripe kept one because the round has written the page again. One found in neither
     * (never received, or not kept) is counted, and the pages it spoils fail their own CRC32C: rejecting the block
     * would lose all its pages. A list that is malformed rejects the block.
     *
     * @param view     the frame's bytes.
     * @param block    codec for the transfer's page size, or null when there is none.
     * @param entries  the frame's entries, read.
     * @param transfer whose frame it is.
     * @param round    of the frame.
     * @param stripe   the stripe whose frame it is.
     * @param stream   the stripe's stream, for a block that went through it.
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
        final BlockStream stream,
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
        if (entries.isStreamed())
        {
            return decodeStreamed(view, block, entries, stream, counters);
        }
        final long pageCount = destination.pageCount();
        final int pageSize = destination.pageSize();
        boolean hasPieces = false;
        for (int i = 0, count = entries.count(); i < count; i++)
        {
            final short encoding = entries.encoding(i);
            if (PageEncoding.SIMILAR_PIECES.value() == encoding)
            {
                if (hasPieces || !addPieces(view, entries, i, block, transfer, round, counters))
                {
                    counters.get(EngineCounter.SIMILAR_LISTS_MALFORMED).increment();
                    return PageCodec.DecodeResult.CORRUPT_PAYLOAD;
                }
                hasPieces = true;
                continue;
            }
            if (PageEncoding.BLOCK_DELTA.value() != encoding)
            {
                continue;
            }
            if (block.dictionary().room() < pageSize)
            {
                return PageCodec.DecodeResult.BAD_LENGTH;
            }
            final long pageNumber = entries.pageNumber(i);
            if (pageNumber >= 0 && pageNumber < pageCount && layout.stripeOf(pageNumber) == stripe)
            {
                block.dictionary().addVersion(destination.segmentOf(pageNumber), destination.offsetOf(pageNumber));
            }
            else
            {
                block.dictionary().addVersion(entries.zeroPage(), 0);
            }
        }
        return block.decompress(view, entries.blockOffset(), entries.blockLength(), blockPages);
    }

    /**
     * Decode a block that went through the stripe's stream, at the position its {@code STREAM} entry gives. One out
     * of step, after one that failed, or whose entry is misplaced is refused and counted; every result but OK leaves
     * the stream broken until the sender starts it anew, which it does after the pages refused are asked for again.
     */
    private static PageCodec.DecodeResult decodeStreamed(
        final DirectBuffer view,
        final BlockCodec block,
        final FrameEntries entries,
        final BlockStream stream,
        final EngineCounters counters)
    {
        final long position = entries.streamPosition();
        if (!entries.isStreamWellFormed() || (0 != position && (stream.isBroken() || position != stream.position())))
        {
            stream.markBroken();
            counters.get(EngineCounter.STREAMED_BLOCKS_REFUSED).increment();
            return PageCodec.DecodeResult.CORRUPT_PAYLOAD;
        }
        return stream.decompress(block, position, view, entries.blockOffset(), entries.blockLength(),
            entries.blockPages());
    }

    /**
     * Add to the block's dictionary the pieces a {@code SIMILAR_PIECES} entry lists, from this receiver's copies: a
     * copy whose pieces do not have the check listed (the low 16 bits of their CRC32C) gives way to the version the
     * page had when the round started, if its stripe kept one; one found in neither is counted, and the pages it
     * spoils fail their own CRC32C.
     *
     * @return false for a list that is malformed: its CRC32C, a count, a varint, a page or pieces that cannot be.
     */
    private static boolean addPieces(
        final DirectBuffer view,
        final FrameEntries entries,
        final int entry,
        final BlockCodec block,
        final InboundTransfer transfer,
        final int round,
        final EngineCounters counters)
    {
        final MappedImage destination = transfer.destination();
        final BlockDictionary dictionary = block.dictionary();
        final long pageCount = destination.pageCount();
        final long listed = entries.pageNumber(entry);
        final int offset = entries.payloadOffset(entry);
        final int end = offset + entries.payloadLength(entry);
        if (listed <= 0 || listed > (long)BlockDictionary.MAX_PIECED_PER_PAGE * block.maxPages() || end <= offset ||
            entries.crc(entry) != PageChecksum.crc32c(view, offset, end - offset))
        {
            return false;
        }
        final FrameTable.VarLong varLong = entries.listReader();
        int at = offset;
        long page = 0;
        for (long n = 0; n < listed; n++)
        {
            at = varLong.read(view, at, end, LISTED_DELTA_MAX_BYTES);
            if (at < 0)
            {
                return false;
            }
            final long delta = varLong.value();
            page += delta;
            if ((n > 0 && 0 == delta) || page >= pageCount || end - at < 1 + Short.BYTES)
            {
                return false;
            }
            final int pieces = view.getByte(at++) & 0xFF;
            final int check = view.getShort(at, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
            at += Short.BYTES;
            final int length = dictionary.piecesLength(pieces);
            if (0 == pieces || dictionary.room() < length)
            {
                return false;
            }
            final int start = dictionary.length();
            dictionary.addPieces(destination.segmentOf(page), destination.offsetOf(page), pieces);
            if (check != (PageChecksum.crc32c(dictionary.versions(), start, length) & 0xFFFF))
            {
                final RoundStartPages kept = transfer.stripe(transfer.layout().stripeOf(page)).roundStart();
                final int slot = kept.slotOf(round, page);
                boolean isKept = false;
                if (slot >= 0)
                {
                    dictionary.truncate(start);
                    dictionary.addPieces(kept.buffer(slot), kept.offsetOf(slot), pieces);
                    isKept = check == (PageChecksum.crc32c(dictionary.versions(), start, length) & 0xFFFF);
                }
                counters.get(isKept ? EngineCounter.ROUND_START_BASES_USED :
                    EngineCounter.SIMILAR_BASES_MISMATCHED).increment();
            }
        }
        return at == end;
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
