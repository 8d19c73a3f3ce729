package io.dwcp.engine.receiver;

import io.dwcp.codec.FrameTable;
import io.dwcp.codec.PageEncoding;
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
    /** A frame's pages and, in block mode, the entry that lists similar pages or the one that places the block. */
    private static final int MAX_ENTRIES = SenderContext.MAX_PAGES_PER_FRAME + 1;

    private final long[] pageNumbers = new long[MAX_ENTRIES];
    private final short[] encodings = new short[MAX_ENTRIES];
    private final int[] crcs = new int[MAX_ENTRIES];
    private final int[] payloadOffsets = new int[MAX_ENTRIES];
    private final int[] payloadLengths = new int[MAX_ENTRIES];
    private final FrameTable.Reader reader = new FrameTable.Reader();
    private final FrameTable.VarLong listReader = new FrameTable.VarLong();
    private final UnsafeBuffer zeroPage =
        new UnsafeBuffer(ByteBuffer.allocateDirect(EngineConfiguration.MAX_PAGE_SIZE));
    private int count;
    private int blockPages;
    private int blockOffset;
    private int blockLength;
    private int streamEntry;
    private int streamEntries;

    /**
     * Read a frame's entries and find its block.
     *
     * @param frame       decoder wrapped over the frame.
     * @param frameLength bytes of the frame.
     * @return false when the frame is malformed: an entry or the block runs past its end, an entry's header or length
     *     does not end, or too many entries.
     */
    boolean read(final PageFrameDecoder frame, final int frameLength)
    {
        count = 0;
        streamEntry = -1;
        streamEntries = 0;
        blockPages = 0;
        blockOffset = 0;
        blockLength = 0;
        final int entriesAt = frame.limit() + PageFrameDecoder.entriesHeaderLength();
        if (entriesAt > frameLength)
        {
            return false;
        }
        final long entriesLength = frame.entriesLength();
        if (entriesLength < 0 || entriesLength > frameLength - entriesAt)
        {
            return false;
        }
        final FrameTable.Reader table = reader.wrap(frame.buffer(), entriesAt, (int)entriesLength);
        while (table.hasNext())
        {
            if (count == pageNumbers.length || !table.next())
            {
                return false;
            }
            final int i = count++;
            pageNumbers[i] = table.pageNumber();
            encodings[i] = (short)table.encoding();
            crcs[i] = table.crc();
            payloadOffsets[i] = table.payloadOffset();
            payloadLengths[i] = table.payloadLength();
            if (isBlock(encodings[i]))
            {
                blockPages++;
            }
            else if (PageEncoding.STREAM.value() == encodings[i])
            {
                streamEntry = i;
                streamEntries++;
            }
        }
        frame.limit(entriesAt + (int)entriesLength);
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

    /**
     * Did the frame's block go through its stripe's stream?
     *
     * @return true when the frame has a {@code STREAM} entry, well placed or not.
     */
    boolean isStreamed()
    {
        return streamEntries > 0;
    }

    /**
     * Is the frame's {@code STREAM} entry as the sender writes it: one, the last, with a CRC32C of 0, in a frame with
     * pages in its block and none with a version held nor a list of similar pages?
     *
     * @return false for a frame without one, or with one that is misplaced.
     */
    boolean isStreamWellFormed()
    {
        if (1 != streamEntries || count - 1 != streamEntry || 0 != crcs[streamEntry] || 0 == blockPages)
        {
            return false;
        }
        for (int i = 0; i < count; i++)
        {
            if (PageEncoding.BLOCK_DELTA.value() == encodings[i] || PageEncoding.SIMILAR_PIECES.value() == encodings[i])
            {
                return false;
            }
        }
        return true;
    }

    /**
     * The position in its stripe's stream of a streamed frame's block.
     *
     * @return the {@code STREAM} entry's page number; only when {@link #isStreamed()}.
     */
    long streamPosition()
    {
        return pageNumbers[streamEntry];
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

    /**
     * Reads the varints of the lists entries carry, as the table's own are read.
     *
     * @return the reader, reused.
     */
    FrameTable.VarLong listReader()
    {
        return listReader;
    }
}
