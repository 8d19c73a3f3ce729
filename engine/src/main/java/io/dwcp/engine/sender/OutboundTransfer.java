package io.dwcp.engine.sender;

import io.dwcp.codec.ImageDigest;
import io.dwcp.codec.PageCodec;
import io.dwcp.engine.memory.MappedImage;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.collections.LongArrayQueue;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;

/**
 * State of one transfer on the sender: its source, its queue of pages, its frame writer and its progress.
 * <p>
 * Not thread safe: owned by the sender agent.
 */
final class OutboundTransfer implements AutoCloseable
{
    /** Where a transfer is in its life. */
    enum State
    {
        /** Waiting for the receiver to accept the Hello. */
        CONNECTING,
        /** Sending pages as commands queue them. */
        STREAMING,
        /** All pages sent after the end of transfer; waiting for the receiver's verdict. */
        AWAITING_VERDICT,
        /** Finished, one way or another. */
        DONE
    }

    private final long transferId;
    private final String vmId;
    private final int pageSize;
    private final long pageCount;
    private final long fileSize;
    private final MappedImage source;
    private final ReceiverPeer peer;
    private final PageCodec codec;
    private final PageFrameWriter frameWriter;
    private final PageQueue pages = new PageQueue();
    private final BaselineStore baselines;
    private final UnsafeBuffer pageCrcs;
    private final long startNs;
    private MappedImage inlineOverlay;
    private BitSet inlinePages;

    /** No receiver session is bound yet. */
    static final int NO_SESSION = Integer.MIN_VALUE;

    private State state = State.CONNECTING;
    private int receiverSessionId = NO_SESSION;
    private int round;
    private boolean isEndRequested;
    private boolean isEndSent;
    private long nextHelloNs;
    private long nextProgressNs;
    private long lastHeardNs;
    private long sentSequence;
    private long ackedSequence;
    private long pagesAcknowledged;
    private long pagesSent;
    private long wireBytes;
    private long zeroPages;
    private long rawPages;
    private long compressedPages;
    private long unchangedPages;
    private long deltaPages;
    private final LongArrayQueue endedRounds = new LongArrayQueue(16, -1);
    private final LongArrayQueue pagesQueuedAtRoundEnd = new LongArrayQueue(16, -1);
    private long roundLastSequence = -1;
    private long roundFirstPageNs;
    private long previousRoundEndNs;
    private boolean isSwitchoverReady;
    private final long[] roundStart = new long[RoundStat.values().length];
    private long digest;

    OutboundTransfer(
        final long transferId,
        final String vmId,
        final int pageSize,
        final long fileSize,
        final MappedImage source,
        final ReceiverPeer peer,
        final PageCodec codec,
        final int maxFrameLength,
        final int maxPagesPerFrame,
        final BaselineStore baselines,
        final long nowNs)
    {
        this.baselines = baselines;
        this.transferId = transferId;
        this.vmId = vmId;
        this.pageSize = pageSize;
        this.fileSize = fileSize;
        this.pageCount = fileSize / pageSize;
        this.source = source;
        this.peer = peer;
        this.codec = codec;
        this.frameWriter = new PageFrameWriter(codec, maxFrameLength, maxPagesPerFrame);
        this.startNs = nowNs;
        this.lastHeardNs = nowNs;
        this.nextHelloNs = nowNs;
        this.nextProgressNs = nowNs;

        // Pages never sent stay zero at the receiver, whose destination starts as zeros.
        pageCrcs = new UnsafeBuffer(ByteBuffer.allocateDirect(Math.toIntExact(pageCount * Integer.BYTES)));
        final int zeroCrc = codec.zeroPageCrc();
        for (long i = 0; i < pageCount; i++)
        {
            pageCrcs.putInt((int)(i * Integer.BYTES), zeroCrc);
        }
    }

    /**
     * Store a page carried inline in a command; it is sent from this copy, not from the source file.
     *
     * @param pageNumber of the page.
     * @param content    its bytes.
     * @param offset     of the page in {@code content}.
     * @throws IOException if the overlay file cannot be created.
     */
    void putInlinePage(final long pageNumber, final DirectBuffer content, final int offset) throws IOException
    {
        if (null == inlineOverlay)
        {
            final Path file = Files.createTempFile("dwcp-inline-" + transferId + "-", ".img");
            try
            {
                inlineOverlay = MappedImage.createReadWrite(file, pageSize, fileSize);
            }
            finally
            {
                // The mapping stays valid after the name is gone; nothing is left behind, even on failure.
                Files.deleteIfExists(file);
            }
            inlinePages = new BitSet();
        }
        inlineOverlay.segmentOf(pageNumber).putBytes(inlineOverlay.offsetOf(pageNumber), content, offset, pageSize);
        inlinePages.set(Math.toIntExact(pageNumber));
        pages.addRange(pageNumber, 1);
    }

    /** Running totals a round's statistics are taken from, as differences at its end. */
    enum RoundStat
    {
        PAGES, ZERO, NORMAL, UNCHANGED, DELTA, WIRE, HITS, MISSES, OVERFLOWS
    }

    /**
     * The agent ended a round: it completes when every page queued so far is applied.
     *
     * @param round that ended.
     */
    void endRound(final int round)
    {
        endedRounds.addLong(round);
        pagesQueuedAtRoundEnd.addLong(pages.rangePagesQueued());
    }

    /**
     * Called before a frame is built, to time the round from its first page.
     *
     * @param nowNs current time.
     */
    void onRoundActivity(final long nowNs)
    {
        if (0 == roundFirstPageNs)
        {
            roundFirstPageNs = nowNs;
        }
    }

    /**
     * Has the oldest ended round been sent in full and acknowledged?
     *
     * @return the round number, or -1.
     */
    int completedRound()
    {
        if (endedRounds.isEmpty())
        {
            return -1;
        }
        final long round = endedRounds.peekLong();
        if (roundLastSequence < 0)
        {
            if (pages.rangePagesTaken() < pagesQueuedAtRoundEnd.peekLong() || frameWriter.isReady() ||
                frameWriter.hasPending())
            {
                return -1;
            }
            roundLastSequence = sentSequence;
        }
        return ackedSequence >= roundLastSequence ? (int)round : -1;
    }

    /**
     * Close the oldest ended round and return the difference of a running total since its start.
     *
     * @param stats receives the differences, indexed by {@link RoundStat#ordinal()}.
     * @param nowNs current time.
     * @return [duration of the round from its first page, time since the previous round ended] in nanoseconds.
     */
    long[] closeRound(final long[] stats, final long nowNs)
    {
        endedRounds.pollLong();
        pagesQueuedAtRoundEnd.pollLong();
        roundLastSequence = -1;
        final long[] totals = totals();
        for (int i = 0; i < totals.length; i++)
        {
            stats[i] = totals[i] - roundStart[i];
            roundStart[i] = totals[i];
        }
        final long firstPageNs = 0 == roundFirstPageNs ? nowNs : roundFirstPageNs;
        final long sincePreviousNs = nowNs - (0 == previousRoundEndNs ? startNs : previousRoundEndNs);
        roundFirstPageNs = 0;
        previousRoundEndNs = nowNs;
        return new long[] { Math.max(1, nowNs - firstPageNs), Math.max(1, sincePreviousNs) };
    }

    private long[] totals()
    {
        return new long[] { pagesSent, zeroPages, rawPages + compressedPages, unchangedPages, deltaPages, wireBytes,
            baselines.hits(), baselines.misses(), baselines.overflows() };
    }

    boolean isSwitchoverReady()
    {
        return isSwitchoverReady;
    }

    void switchoverReady()
    {
        isSwitchoverReady = true;
    }

    void queueRange(final long firstPage, final long count)
    {
        if (null != inlinePages)
        {
            inlinePages.clear(Math.toIntExact(firstPage), Math.toIntExact(firstPage + count));
        }
        pages.addRange(firstPage, count);
    }

    void queueRepair(final long pageNumber)
    {
        // The receiver's copy is in doubt: the repair goes in full.
        baselines.invalidate(pageNumber);
        pages.addRepair(pageNumber);
        if (State.AWAITING_VERDICT == state)
        {
            state = State.STREAMING;
            isEndSent = false;
        }
    }

    long pollPage()
    {
        return pages.poll();
    }

    UnsafeBuffer sourceOf(final long pageNumber)
    {
        if (null != inlinePages && inlinePages.get((int)pageNumber))
        {
            return inlineOverlay.segmentOf(pageNumber);
        }
        return source.segmentOf(pageNumber);
    }

    int sourceOffsetOf(final long pageNumber)
    {
        return (null != source ? source : inlineOverlay).offsetOf(pageNumber);
    }

    void recordPageCrc(final long pageNumber, final int crc)
    {
        pageCrcs.putInt((int)(pageNumber * Integer.BYTES), crc);
    }

    long computeDigest()
    {
        digest = ImageDigest.of(pageCrcs, pageCount);
        return digest;
    }

    void onFrameSent(final int frameLength)
    {
        sentSequence = frameWriter.sequence();
        pagesSent += frameWriter.entryCount();
        zeroPages += frameWriter.zeroPages();
        rawPages += frameWriter.rawPages();
        compressedPages += frameWriter.compressedPages();
        unchangedPages += frameWriter.unchangedPages();
        deltaPages += frameWriter.deltaPages();
        wireBytes += frameLength;
    }

    void onAck(final long sequence, final long pagesApplied, final long nowNs)
    {
        lastHeardNs = nowNs;
        // Never beyond what was sent: an ack from the future would hide a lost receiver.
        ackedSequence = Math.max(ackedSequence, Math.min(sequence, sentSequence));
        pagesAcknowledged = Math.max(pagesAcknowledged, Math.min(pagesApplied, pagesSent));
    }

    /**
     * A frame is about to be built: if nothing was outstanding, the receiver's silence is counted from now, not
     * from the last time it had anything to answer (an agent may pause for minutes between rounds).
     *
     * @param nowNs current time.
     */
    void beforeFrameBuilt(final long nowNs)
    {
        if (!isAwaitingReceiver())
        {
            lastHeardNs = nowNs;
        }
    }

    /**
     * Does the receiver owe this sender an answer? Only then does its silence count against the peer timeout.
     *
     * @return true while frames are unacknowledged or waiting for the publication, a Hello is unanswered or a
     * verdict is awaited.
     */
    boolean isAwaitingReceiver()
    {
        return State.CONNECTING == state || State.AWAITING_VERDICT == state || sentSequence > ackedSequence ||
            frameWriter.isReady();
    }

    /**
     * The Aeron session of the receiver's control publication, bound by its first HelloAck.
     *
     * @return the session id, or {@link #NO_SESSION}.
     */
    int receiverSessionId()
    {
        return receiverSessionId;
    }

    void receiverSessionId(final int sessionId)
    {
        receiverSessionId = sessionId;
    }

    boolean hasPagesToSend()
    {
        return !pages.isEmpty() || frameWriter.isReady() || frameWriter.hasPending();
    }

    boolean isSourceMapped()
    {
        return null != source;
    }

    long transferId()
    {
        return transferId;
    }

    String vmId()
    {
        return vmId;
    }

    int pageSize()
    {
        return pageSize;
    }

    long pageCount()
    {
        return pageCount;
    }

    long fileSize()
    {
        return fileSize;
    }

    ReceiverPeer peer()
    {
        return peer;
    }

    PageCodec codec()
    {
        return codec;
    }

    PageFrameWriter frameWriter()
    {
        return frameWriter;
    }

    State state()
    {
        return state;
    }

    void state(final State state)
    {
        this.state = state;
    }

    int round()
    {
        return round;
    }

    void round(final int round)
    {
        this.round = Math.max(this.round, round);
    }

    boolean isEndRequested()
    {
        return isEndRequested;
    }

    void requestEnd()
    {
        isEndRequested = true;
    }

    boolean isEndSent()
    {
        return isEndSent;
    }

    void endSent()
    {
        isEndSent = true;
        state = State.AWAITING_VERDICT;
    }

    long nextHelloNs()
    {
        return nextHelloNs;
    }

    void nextHelloNs(final long nextHelloNs)
    {
        this.nextHelloNs = nextHelloNs;
    }

    long nextProgressNs()
    {
        return nextProgressNs;
    }

    void nextProgressNs(final long nextProgressNs)
    {
        this.nextProgressNs = nextProgressNs;
    }

    long lastHeardNs()
    {
        return lastHeardNs;
    }

    void heardFromReceiver(final long nowNs)
    {
        lastHeardNs = nowNs;
    }

    long startNs()
    {
        return startNs;
    }

    long sentSequence()
    {
        return sentSequence;
    }

    long ackedSequence()
    {
        return ackedSequence;
    }

    BaselineStore baselines()
    {
        return baselines;
    }

    long queuedPages()
    {
        return pages.size();
    }

    long pagesAcknowledged()
    {
        return pagesAcknowledged;
    }

    long pagesSent()
    {
        return pagesSent;
    }

    long wireBytes()
    {
        return wireBytes;
    }

    long zeroPages()
    {
        return zeroPages;
    }

    long rawPages()
    {
        return rawPages;
    }

    long compressedPages()
    {
        return compressedPages;
    }

    long unchangedPages()
    {
        return unchangedPages;
    }

    long deltaPages()
    {
        return deltaPages;
    }

    long digest()
    {
        return digest;
    }

    public void close()
    {
        state = State.DONE;
        frameWriter.discard();
        CloseHelper.closeAll(source, inlineOverlay, codec);
    }
}
