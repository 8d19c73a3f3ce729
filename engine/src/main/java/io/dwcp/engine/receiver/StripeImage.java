package io.dwcp.engine.receiver;

import io.dwcp.codec.BlockCodec;
import io.dwcp.codec.BlockStream;
import io.dwcp.codec.PageCodec;
import io.dwcp.codec.PageEncoding;
import io.dwcp.codecs.wire.PageFrameDecoder;
import io.dwcp.engine.memory.FileHoles;
import io.dwcp.engine.memory.MappedImage;
import io.dwcp.engine.memory.RoundStartPages;
import io.dwcp.engine.status.EngineCounter;
import io.dwcp.engine.status.EngineCounters;
import io.dwcp.engine.status.StripeCounter;
import io.dwcp.engine.status.StripeCounters;
import io.dwcp.engine.transport.StripeLayout;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.ErrorHandler;
import org.agrona.collections.LongArrayQueue;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;

import java.util.BitSet;

/**
 * One stripe of a transfer on the receiver, as Aeron's {@code PublicationImage} is one publication's: the Aeron
 * session bound to it, the frames of its sequence, decoding each page into scratch, checking its CRC32C and only
 * then applying it to the destination, the pages to ask for again, and what to acknowledge.
 * <p>
 * Not thread safe: owned by the receiver's data adapter and conductor, which share a thread.
 */
final class StripeImage implements AutoCloseable
{
    /** No session is bound yet. */
    static final int NO_SESSION = Integer.MIN_VALUE;

    private final InboundTransfer transfer;
    private final FileHoles.Cursor destinationHoles;
    private final int index;
    private final StripeLayout layout;
    private final StripeCounters stripeCounters;
    private final AtomicCounter framesReceived;
    private final AtomicCounter bytesReceived;
    private final AtomicCounter stripePagesApplied;
    private final LongArrayQueue pagesToRequest = new LongArrayQueue(64, Long.MIN_VALUE);
    private final BitSet awaitingRepair = new BitSet();
    private final BitSet requestQueued = new BitSet();
    private int sessionId = NO_SESSION;
    private final DestinationRuns runs;
    private final RoundStartPages roundStart;
    private final BlockStream stream = new BlockStream();
    private PageCodec dictionaryCodec;
    private boolean isDictionaryRejectionPending;
    private int outstandingRepairs;
    private long highestSequence;
    private long pagesApplied;
    private long pagesRejected;
    private boolean isAckPending;

    StripeImage(final InboundTransfer transfer, final int index, final StripeLayout layout,
        final StripeCounters stripeCounters, final long roundStartBytes)
    {
        this.roundStart = new RoundStartPages(transfer.pageSize(), roundStartBytes);
        this.transfer = transfer;
        this.runs = new DestinationRuns(transfer.destination(), transfer::fail);
        this.index = index;
        this.layout = layout;
        this.stripeCounters = stripeCounters;
        destinationHoles = transfer.destination().holes().cursor();
        framesReceived = stripeCounters.get(StripeCounter.FRAMES_RECEIVED);
        bytesReceived = stripeCounters.get(StripeCounter.BYTES_RECEIVED);
        stripePagesApplied = stripeCounters.get(StripeCounter.PAGES_APPLIED);
    }

    /**
     * Apply a page frame of this stripe: read its entries, decode its block if it has one, then check and apply each
     * page in entry order. A block that does not decode to exactly its pages rejects those pages, which are asked
     * for again; the frame's other pages are applied.
     *
     * @param frame        decoder wrapped over the frame.
     * @param view         the frame's bytes, bounded to it.
     * @param frameLength  bytes of the frame.
     * @param sharedCodec  codec for the transfer's page size, used unless this stripe has a dictionary.
     * @param block        block codec for the transfer's page size.
     * @param entries      scratch for the frame's entries.
     * @param scratchPage  where each page is decoded before it is checked.
     * @param counters     the receiver's counters.
     * @param errorHandler for faults writing the destination.
     * @param nowNs        current time.
     */
    void onPageFrame(
        final PageFrameDecoder frame,
        final DirectBuffer view,
        final int frameLength,
        final PageCodec sharedCodec,
        final BlockCodec block,
        final FrameEntries entries,
        final UnsafeBuffer scratchPage,
        final EngineCounters counters,
        final ErrorHandler errorHandler,
        final long nowNs)
    {
        final long sequence = frame.sequence();
        highestSequence = Math.max(highestSequence, sequence);
        isAckPending = true;
        framesReceived.setRelease(framesReceived.get() + 1);
        bytesReceived.setRelease(bytesReceived.get() + frameLength);
        transfer.onFrame(nowNs);
        // A run left by a frame that ended in an exception is not this frame's: drop it.
        runs.drop();

        if (!entries.read(frame, frameLength))
        {
            // The rest of the frame cannot be read, so its pages can be neither applied nor asked for by number:
            // the transfer cannot be completed exactly and ends here, with the reason.
            counters.get(EngineCounter.FRAMES_MALFORMED).increment();
            transfer.fail("frame " + sequence + " of stripe " + index + " of transfer " + transfer.transferId() +
                " is malformed");
            return;
        }

        final MappedImage destination = transfer.destination();
        final long pageCount = transfer.pageCount();
        final int round = frame.round();
        final PageCodec.DecodeResult blockResult =
            BlockDecoder.decodeBlock(view, block, entries, transfer, round, index, stream, counters);
        if (PageCodec.DecodeResult.OK != blockResult && entries.blockPages() > 0)
        {
            counters.get(EngineCounter.BLOCKS_REJECTED).increment();
        }

        final PageCodec codec = null != dictionaryCodec ? dictionaryCodec : sharedCodec;
        int blockIndex = 0;
        for (int i = 0, count = entries.count(); i < count; i++)
        {
            final long pageNumber = entries.pageNumber(i);
            final short encoding = entries.encoding(i);
            if (PageEncoding.SIMILAR_PIECES.value() == encoding || PageEncoding.STREAM.value() == encoding)
            {
                // Not a page: the block's dictionary pieces or its place in the stream, used when it was decoded.
                continue;
            }
            final boolean isBlockPage = FrameEntries.isBlock(encoding);
            final int pageInBlock = isBlockPage ? blockIndex++ : -1;
            if (!isOwnPage(pageNumber, pageCount, counters))
            {
                continue;
            }

            final UnsafeBuffer current = destination.segmentOf(pageNumber);
            final int currentOffset = destination.offsetOf(pageNumber);
            // Before anything of this frame is written: the sender took the same page, in the same order.
            roundStart.keep(round, pageNumber, current, currentOffset);
            final int crc = entries.crc(i);
            final PageCodec.DecodeResult result;
            DirectBuffer decoded = scratchPage;
            int decodedOffset = 0;
            EngineCounter rejection = null;
            if (isBlockPage)
            {
                decoded = block.pages();
                decodedOffset = block.pageOffset(pageInBlock);
                result = PageCodec.DecodeResult.OK != blockResult ? blockResult :
                    PageCodec.verifyPage(decoded, decodedOffset, transfer.pageSize(), crc);
                rejection = PageCodec.DecodeResult.OK != blockResult ? EngineCounter.PAGES_REJECTED_BLOCK : null;
                breakStreamUnless(PageCodec.DecodeResult.OK == result, entries);
            }
            else if (runs.isPending() && readsDestination(encoding) && !runs.flush(counters, errorHandler))
            {
                return;
            }
            else if (PageEncoding.REFERENCE.value() == encoding)
            {
                result = BlockDecoder.decodeReference(view, entries.payloadOffset(i), entries.payloadLength(i),
                    pageNumber, destination, crc, scratchPage);
                rejection = EngineCounter.PAGES_REJECTED_REFERENCE;
            }
            else
            {
                result = codec.decode(encoding, view, entries.payloadOffset(i), entries.payloadLength(i), crc,
                    current, currentOffset, scratchPage);
            }

            if (PageCodec.DecodeResult.OK == result)
            {
                if (!write(encoding, codec, pageNumber, decoded, decodedOffset, block, pageInBlock, counters,
                    errorHandler))
                {
                    return;
                }
                if (PageEncoding.REFERENCE.value() == encoding)
                {
                    counters.get(EngineCounter.PAGES_COPIED_BY_REFERENCE).increment();
                }
                counters.get(EngineCounter.PAGES_APPLIED).increment();
                onPageApplied(pageNumber);
                transfer.onApplied(pageNumber, crc);
            }
            else
            {
                counters.get(null != rejection ? rejection : counterFor(result)).increment();
                if (onPageRejected(pageNumber))
                {
                    counters.get(EngineCounter.PAGES_REQUESTED).increment();
                }
            }
        }
        runs.flush(counters, errorHandler);
    }

    /** A page of a streamed block that decoded wrong: the stream's history here is no longer the sender's. */
    private void breakStreamUnless(final boolean isPageOk, final FrameEntries entries)
    {
        if (!isPageOk && entries.isStreamed())
        {
            stream.markBroken();
        }
    }

    /**
     * The versions this stripe's pages had when the current round started, for the pages it has written again.
     *
     * @return the stripe's round-start versions.
     */
    RoundStartPages roundStart()
    {
        return roundStart;
    }

    /**
     * Write the pages waiting in a run, if any: at the end of every frame, however it ended.
     *
     * @param counters     for a failed write.
     * @param errorHandler for a failed write.
     */
    void flushWrites(final EngineCounters counters, final ErrorHandler errorHandler)
    {
        runs.flush(counters, errorHandler);
    }

    /**
     * Write a checked page: block pages and whole decoded pages in runs through the file when the destination was
     * made by this receiver, zero pages and the rest through the mapping.
     */
    private boolean write(
        final short encoding,
        final PageCodec codec,
        final long pageNumber,
        final DirectBuffer decoded,
        final int decodedOffset,
        final BlockCodec block,
        final int pageInBlock,
        final EngineCounters counters,
        final ErrorHandler errorHandler)
    {
        final boolean isWritable = transfer.destination().isWritable();
        if (FrameEntries.isBlock(encoding) && isWritable)
        {
            return runs.addBlockPage(block, pageNumber, pageInBlock, counters, errorHandler);
        }
        if (isWholePage(encoding) && isWritable)
        {
            return runs.addPage(pageNumber, decoded, decodedOffset, counters, errorHandler);
        }
        return runs.flush(counters, errorHandler) &&
            apply(encoding, codec, pageNumber, decoded, decodedOffset, counters, errorHandler);
    }

    /** Whether a page number names a page of the image that this stripe carries; counted when it does not. */
    private boolean isOwnPage(final long pageNumber, final long pageCount, final EngineCounters counters)
    {
        if (pageNumber < 0 || pageNumber >= pageCount)
        {
            counters.get(EngineCounter.PAGES_REJECTED_RANGE).increment();
            return false;
        }
        if (layout.stripeOf(pageNumber) != index)
        {
            // Another stripe carries this page; applying it here could reorder it against its own versions.
            counters.get(EngineCounter.PAGES_REJECTED_STRIPE).increment();
            return false;
        }
        return true;
    }

    /** Whether a page so encoded is decoded whole into the scratch page, to be written as it is. */
    private static boolean isWholePage(final short encoding)
    {
        return PageEncoding.ZERO.value() != encoding && PageEncoding.UNCHANGED.value() != encoding;
    }

    /**
     * Whether decoding a page so encoded reads the destination: a delta's version, a reference's page. Such a page
     * may wait in the pending run, which is therefore written first.
     */
    private static boolean readsDestination(final short encoding)
    {
        return PageEncoding.REFERENCE.value() == encoding || PageEncoding.UNCHANGED.value() == encoding ||
            PageEncoding.DELTA_XBZRLE.value() == encoding || PageEncoding.DELTA_XBZRLE_ZSTD.value() == encoding ||
            PageEncoding.DELTA_ZSTD.value() == encoding;
    }

    /** Write a checked page to the destination; false when the write faulted and the transfer failed. */
    private boolean apply(
        final short encoding,
        final PageCodec codec,
        final long pageNumber,
        final DirectBuffer decoded,
        final int decodedOffset,
        final EngineCounters counters,
        final ErrorHandler errorHandler)
    {
        final UnsafeBuffer current = transfer.destination().segmentOf(pageNumber);
        final int currentOffset = transfer.destination().offsetOf(pageNumber);
        try
        {
            if (PageEncoding.ZERO.value() == encoding)
            {
                // A page in a hole of the destination is zero already. Asking costs a call; reading it through the
                // mapping would allocate a zeroed page of the file's. Asked afresh: this stripe writes the file.
                destinationHoles.forget();
                if (!destinationHoles.isHole(pageNumber * transfer.pageSize(), transfer.pageSize()))
                {
                    codec.applyZero(current, currentOffset);
                }
            }
            else if (PageEncoding.UNCHANGED.value() != encoding)
            {
                current.putBytes(currentOffset, decoded, decodedOffset, transfer.pageSize());
            }
            return true;
        }
        catch (final InternalError ex)
        {
            // A fault writing the mapping: typically the destination's file system is full.
            counters.get(EngineCounter.ERRORS).increment();
            errorHandler.onError(ex);
            transfer.fail("cannot write destination " + transfer.destination().file() + ": " + ex.getMessage());
            return false;
        }
    }

    private void onPageApplied(final long pageNumber)
    {
        pagesApplied++;
        stripePagesApplied.setRelease(pagesApplied);
        if (outstandingRepairs > 0 && awaitingRepair.get((int)pageNumber))
        {
            awaitingRepair.clear((int)pageNumber);
            outstandingRepairs--;
        }
        transfer.onDestinationChanged();
    }

    /**
     * A page failed its checks: ask the sender for it again. A page whose repair also fails is asked for again.
     *
     * @param pageNumber of the page, within the image.
     * @return true if a new request was queued.
     */
    private boolean onPageRejected(final long pageNumber)
    {
        pagesRejected++;
        transfer.onDestinationChanged();
        if (!awaitingRepair.get((int)pageNumber))
        {
            awaitingRepair.set((int)pageNumber);
            outstandingRepairs++;
        }
        if (!requestQueued.get((int)pageNumber))
        {
            requestQueued.set((int)pageNumber);
            pagesToRequest.addLong(pageNumber);
            return true;
        }
        return false;
    }

    /**
     * Take the next page to request, skipping pages that arrived intact since they were queued.
     *
     * @return the page number, or -1 when none is left.
     */
    long pollPageToRequest()
    {
        while (!pagesToRequest.isEmpty())
        {
            final long pageNumber = pagesToRequest.pollLong();
            requestQueued.clear((int)pageNumber);
            if (awaitingRepair.get((int)pageNumber))
            {
                return pageNumber;
            }
        }
        return -1;
    }

    /**
     * Put back a page whose request could not be sent.
     *
     * @param pageNumber of the page.
     */
    void requeuePageToRequest(final long pageNumber)
    {
        if (!requestQueued.get((int)pageNumber))
        {
            requestQueued.set((int)pageNumber);
            pagesToRequest.addLong(pageNumber);
        }
    }

    private static EngineCounter counterFor(final PageCodec.DecodeResult result)
    {
        return switch (result)
        {
            case CRC_MISMATCH -> EngineCounter.PAGES_REJECTED_CRC;
            case BAD_LENGTH -> EngineCounter.PAGES_REJECTED_LENGTH;
            case CORRUPT_PAYLOAD -> EngineCounter.PAGES_REJECTED_CORRUPT;
            default -> EngineCounter.PAGES_REJECTED_ENCODING;
        };
    }

    boolean hasPagesToRequest()
    {
        return !pagesToRequest.isEmpty();
    }

    int outstandingRepairs()
    {
        return outstandingRepairs;
    }

    int sessionId()
    {
        return sessionId;
    }

    void bind(final int sessionId)
    {
        this.sessionId = sessionId;
    }

    int index()
    {
        return index;
    }

    InboundTransfer transfer()
    {
        return transfer;
    }

    long highestSequence()
    {
        return highestSequence;
    }

    long pagesApplied()
    {
        return pagesApplied;
    }

    long pagesRejected()
    {
        return pagesRejected;
    }

    boolean isAckPending()
    {
        return isAckPending;
    }

    void ackPending(final boolean isAckPending)
    {
        this.isAckPending = isAckPending;
    }

    /**
     * This stripe's own codec once it has a dictionary; until then the receiver's shared codec serves it.
     *
     * @param codec with the dictionary loaded.
     */
    void dictionaryCodec(final PageCodec codec)
    {
        CloseHelper.close(dictionaryCodec);
        dictionaryCodec = codec;
    }

    boolean isDictionaryRejectionPending()
    {
        return isDictionaryRejectionPending;
    }

    void dictionaryRejectionPending(final boolean isPending)
    {
        isDictionaryRejectionPending = isPending;
    }

    @Override
    public void close()
    {
        CloseHelper.closeAll(dictionaryCodec, stripeCounters, runs, stream);
        dictionaryCodec = null;
    }

    /**
     * @return wire bytes of the frames this image received.
     */
    long bytesReceived()
    {
        return bytesReceived.get();
    }
}
