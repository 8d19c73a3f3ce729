package io.dwcp.engine.receiver;

import io.dwcp.codec.BlockCodec;
import io.dwcp.engine.memory.MappedImage;
import io.dwcp.engine.status.EngineCounter;
import io.dwcp.engine.status.EngineCounters;
import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.function.Consumer;

/**
 * A stripe's decoded pages on their way to a writable destination: runs of consecutive pages written with one
 * positional write through the file, not through its mapping. A new page of a file faulted in through a mapping is
 * read or zeroed first: on ext4 the receiver of raw pages spent a quarter of its time zeroing pages it then
 * overwrote, and on tmpfs faulting cost 6 us a page against about a sixth of that through the file.
 * <p>
 * A run is the block pages of one frame's block, written from the block's own buffer, or whole pages decoded one by
 * one (raw, compressed, deltas, references), copied into a run buffer. At most one run is pending; anything that
 * reads the destination, or writes it another way, flushes it first, and so does the end of each frame.
 * <p>
 * Not thread safe: the receiver's thread.
 */
final class DestinationRuns implements AutoCloseable
{
    /** Whole pages gathered into one write at most. */
    static final int COPY_RUN_PAGES = 16;

    private final MappedImage destination;
    private final Consumer<String> onFailure;
    private final int pageSize;
    private BlockCodec runBlock;
    private int runFirstInBlock;
    private long runFirstPage;
    private int runPages;
    private boolean isCopyRun;
    private ByteBuffer blockBufferOf;
    private ByteBuffer blockBuffer;
    private ByteBuffer copyBuffer;
    private UnsafeBuffer copyView;

    /**
     * Runs for one stripe.
     *
     * @param destination written.
     * @param onFailure   told why when a write fails: the transfer fails.
     */
    DestinationRuns(final MappedImage destination, final Consumer<String> onFailure)
    {
        this.destination = destination;
        this.onFailure = onFailure;
        this.pageSize = destination.pageSize();
    }

    /** Drop a pending run, as left by a frame that ended in an exception: it is not the next frame's. */
    void drop()
    {
        runPages = 0;
    }

    /**
     * Whether pages wait to be written.
     *
     * @return true when a run is pending.
     */
    boolean isPending()
    {
        return runPages > 0;
    }

    /**
     * Add a decoded block page, written from the block's buffer with the block pages before it when they are
     * consecutive in the image and in the block.
     *
     * @param block        the frame's block.
     * @param pageNumber   of the page.
     * @param pageInBlock  its place in the block.
     * @param counters     for a failed write.
     * @param errorHandler for a failed write.
     * @return false when a write failed, and the transfer with it.
     */
    boolean addBlockPage(
        final BlockCodec block,
        final long pageNumber,
        final int pageInBlock,
        final EngineCounters counters,
        final ErrorHandler errorHandler)
    {
        if (runPages > 0 && (isCopyRun || runBlock != block || pageNumber != runFirstPage + runPages ||
            pageInBlock != runFirstInBlock + runPages) && !flush(counters, errorHandler))
        {
            return false;
        }
        if (0 == runPages)
        {
            isCopyRun = false;
            runBlock = block;
            runFirstPage = pageNumber;
            runFirstInBlock = pageInBlock;
        }
        runPages++;
        return true;
    }

    /**
     * Add a whole decoded page, copied into the run buffer and written with the pages before it when they are
     * consecutive in the image.
     *
     * @param pageNumber   of the page.
     * @param decoded      buffer holding it.
     * @param offset       of it in the buffer.
     * @param counters     for a failed write.
     * @param errorHandler for a failed write.
     * @return false when a write failed, and the transfer with it.
     */
    boolean addPage(
        final long pageNumber,
        final DirectBuffer decoded,
        final int offset,
        final EngineCounters counters,
        final ErrorHandler errorHandler)
    {
        if (runPages > 0 && (!isCopyRun || pageNumber != runFirstPage + runPages || COPY_RUN_PAGES == runPages) &&
            !flush(counters, errorHandler))
        {
            return false;
        }
        if (null == copyBuffer)
        {
            copyBuffer = ByteBuffer.allocateDirect(COPY_RUN_PAGES * pageSize);
            copyView = new UnsafeBuffer(copyBuffer);
        }
        if (0 == runPages)
        {
            isCopyRun = true;
            runFirstPage = pageNumber;
        }
        copyView.putBytes(runPages * pageSize, decoded, offset, pageSize);
        runPages++;
        return true;
    }

    /**
     * Write the pending run, if any.
     *
     * @param counters     for a failed write.
     * @param errorHandler for a failed write.
     * @return false when the write failed, and the transfer with it.
     */
    boolean flush(final EngineCounters counters, final ErrorHandler errorHandler)
    {
        if (0 == runPages)
        {
            return true;
        }
        final ByteBuffer pages;
        if (isCopyRun)
        {
            pages = copyBuffer;
            pages.limit(runPages * pageSize).position(0);
        }
        else
        {
            final ByteBuffer blockPages = runBlock.pages().byteBuffer();
            if (null == blockBuffer || blockBufferOf != blockPages)
            {
                blockBufferOf = blockPages;
                blockBuffer = blockPages.duplicate();
            }
            final int start = runBlock.pageOffset(runFirstInBlock);
            blockBuffer.limit(start + runPages * pageSize).position(start);
            pages = blockBuffer;
        }
        final long firstPage = runFirstPage;
        runPages = 0;
        try
        {
            destination.write(firstPage, pages);
            return true;
        }
        catch (final IOException ex)
        {
            counters.get(EngineCounter.ERRORS).increment();
            errorHandler.onError(ex);
            onFailure.accept("cannot write destination " + destination.file() + ": " + ex.getMessage());
            return false;
        }
    }

    @Override
    public void close()
    {
        runPages = 0;
        if (null != copyBuffer)
        {
            copyView.wrap(0, 0);
            BufferUtil.free(copyBuffer);
            copyBuffer = null;
        }
    }
}
