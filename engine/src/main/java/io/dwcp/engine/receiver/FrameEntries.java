package io.dwcp.engine.receiver;

import io.dwcp.codecs.wire.PageEncoding;
import io.dwcp.codecs.wire.PageFrameDecoder;
import io.dwcp.engine.config.EngineConfiguration;
import io.dwcp.engine.config.SenderContext;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;

/**
 * The entries of one page frame, read in a first pass so that the frame's block, which follows them, can be decoded
 * before any page is applied: page number, encoding, CRC32C and where each payload lies, and where the block lies.
 * Every length is checked against the frame's bytes.
 * <p>
 * Reused for every frame; not thread safe: owned by the receiver's data adapter.
 */
final class FrameEntries
{
    private final long[] pageNumbers = new long[SenderContext.MAX_PAGES_PER_FRAME];
    private final short[] encodings = new short[SenderContext.MAX_PAGES_PER_FRAME];
    private final int[] crcs = new int[SenderContext.MAX_PAGES_PER_FRAME];
    private final int[] payloadOffsets = new int[SenderContext.MAX_PAGES_PER_FRAME];
    private final int[] payloadLengths = new int[SenderContext.MAX_PAGES_PER_FRAME];
    private final UnsafeBuffer zeroPage =
        new UnsafeBuffer(ByteBuffer.allocateDirect(EngineConfiguration.MAX_PAGE_SIZE));
    private int count;
    private int blockPages;
    private int blockOffset;
    private int blockLength;

    /**
     * Read a frame's entries and find its block.
     *
     * @param frame       decoder wrapped over the frame.
     * @param frameLength bytes of the frame.
     * @return false when the frame is malformed: an entry or the block runs past its end, or too many entries.
     */
    boolean read(final PageFrameDecoder frame, final int frameLength)
    {
        count = 0;
        blockPages = 0;
        blockOffset = 0;
        blockLength = 0;
        final PageFrameDecoder.PagesDecoder pages = frame.pages();
        if (pages.count() > pageNumbers.length)
        {
            return false;
        }
        for (final PageFrameDecoder.PagesDecoder page : pages)
        {
            final int i = count++;
            pageNumbers[i] = page.pageNumber();
            encodings[i] = page.encodingRaw();
            crcs[i] = page.crc32c();
            final int payloadOffset = frame.limit() + PageFrameDecoder.PagesDecoder.payloadHeaderLength();
            final int payloadLength = page.skipPayload();
            if (payloadLength < 0 || payloadLength > frameLength - payloadOffset)
            {
                return false;
            }
            payloadOffsets[i] = payloadOffset;
            payloadLengths[i] = payloadLength;
            if (isBlock(encodings[i]))
            {
                blockPages++;
            }
        }
        if (frame.limit() + PageFrameDecoder.blockHeaderLength() > frameLength)
        {
            return false;
        }
        final long length = frame.blockLength();
        blockOffset = frame.limit() + PageFrameDecoder.blockHeaderLength();
        if (length < 0 || length > frameLength - blockOffset)
        {
            return false;
        }
        blockLength = (int)length;
        return true;
    }

    /**
     * Is the page in the frame's block?
     *
     * @param encoding raw encoding value.
     * @return true for {@code BLOCK} and {@code BLOCK_DELTA}.
     */
    static boolean isBlock(final short encoding)
    {
        return PageEncoding.BLOCK.value() == encoding || PageEncoding.BLOCK_DELTA.value() == encoding;
    }

    int count()
    {
        return count;
    }

    long pageNumber(final int i)
    {
        return pageNumbers[i];
    }

    short encoding(final int i)
    {
        return encodings[i];
    }

    int crc(final int i)
    {
        return crcs[i];
    }

    int payloadOffset(final int i)
    {
        return payloadOffsets[i];
    }

    int payloadLength(final int i)
    {
        return payloadLengths[i];
    }

    int blockPages()
    {
        return blockPages;
    }

    int blockOffset()
    {
        return blockOffset;
    }

    int blockLength()
    {
        return blockLength;
    }

    /**
     * A page of zeros, standing in the dictionary for a delta page this receiver cannot take.
     *
     * @return zeros of the largest page size.
     */
    UnsafeBuffer zeroPage()
    {
        return zeroPage;
    }
}
