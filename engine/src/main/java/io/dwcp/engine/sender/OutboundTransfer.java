package io.dwcp.engine.sender;

import io.dwcp.codec.ImageDigest;
import io.dwcp.codec.PageCodec;
import io.dwcp.engine.memory.MappedImage;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
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
    private java.util.concurrent.CompletableFuture<byte[]> dictionary;
    private byte[] pendingDictionary;
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
    private long lastAckTimestampNs;
    private long pagesAcknowledged;
    private long pagesSent;
    private long wireBytes;
    private long zeroPages;
    private long rawPages;
    private long compressedPages;
    private long unchangedPages;
    private long deltaPages;
    // Ended rounds not yet reported, oldest first; a handful at most, walked by index on the per-page path.
    private final java.util.ArrayList<RoundEnd> roundEnds = new java.util.ArrayList<>();
    private final long[] openRoundStats = new long[RoundStat.values().length];
    private long lastAssignedSequence;
    private long roundFirstPageNs;
    private long previousRoundEndNs;
    private boolean isSwitchoverReady;

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
        final boolean isHdeEnabled,
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
        this.frameWriter = new PageFrameWriter(codec, maxFrameLength, maxPagesPerFrame, isHdeEnabled);
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

    /** A round the agent ended: the pages queued up to it, the frame that carries the last of them, its counts. */
    private static final class RoundEnd
    {
        private final int round;
        private final long pagesQueued;
        private final long[] stats;
        private long lastSequence = -1;
        private long appliedTimestampNs;

        RoundEnd(final int round, final long pagesQueued, final long[] stats)
        {
            this.round = round;
            this.pagesQueued = pagesQueued;
            this.stats = stats;
        }
    }

    /**
     * The agent ended a round: it completes when the frame carrying its last page is acknowledged.
     *
     * @param round that ended.
     */
    void endRound(final int round)
    {
        final RoundEnd end = new RoundEnd(round, pages.rangePagesQueued(), openRoundStats.clone());
        java.util.Arrays.fill(openRoundStats, 0);
        if (pages.rangePagesTaken() >= end.pagesQueued)
        {
            // Every page of the round is already in a frame (or the round is empty).
            end.lastSequence = Math.max(lastAssignedSequence, sentSequence);
            lastAssignedSequence = end.lastSequence;
            if (ackedSequence >= end.lastSequence)
            {
                // Already acknowledged before the agent ended the round: it was applied by the latest ack.
                end.appliedTimestampNs = lastAckTimestampNs;
            }
        }
        roundEnds.add(end);
    }

    /**
     * A page went into the frame with this sequence: count it in its round, and bind the round to that frame when
     * it was the round's last page.
     *
     * @param sequence    of the frame carrying the page.
     * @param encoding    of the page.
     * @param wireBytes   the page's entry in the frame, payload included.
     * @param hadBaseline whether a baseline was found for it.
     * @param overflowed  whether its delta was not smaller than the page.
     */
    void onPageFramed(
        final long sequence,
        final io.dwcp.codecs.wire.PageEncoding encoding,
        final int wireBytes,
        final boolean hadBaseline,
        final boolean overflowed)
    {
        final long[] stats = statsOfRoundBeingFramed();
        stats[RoundStat.PAGES.ordinal()]++;
        stats[RoundStat.WIRE.ordinal()] += wireBytes;
        stats[(hadBaseline ? RoundStat.HITS : RoundStat.MISSES).ordinal()]++;
        if (overflowed)
        {
            stats[RoundStat.OVERFLOWS.ordinal()]++;
        }
        final RoundStat kind = switch (encoding)
        {
            case ZERO -> RoundStat.ZERO;
            case UNCHANGED -> RoundStat.UNCHANGED;
            case DELTA_XBZRLE, DELTA_XBZRLE_ZSTD, DELTA_ZSTD -> RoundStat.DELTA;
            default -> RoundStat.NORMAL;
        };
        stats[kind.ordinal()]++;

        for (int i = 0, size = roundEnds.size(); i < size; i++)
        {
            final RoundEnd end = roundEnds.get(i);
            if (end.lastSequence < 0 && pages.rangePagesTaken() >= end.pagesQueued)
            {
                end.lastSequence = sequence;
                lastAssignedSequence = sequence;
            }
        }
    }

    /**
     * Count a frame's own overhead in the round of its first page.
     *
     * @param bytes of the frame beyond its page entries.
     */
    void onFrameOverhead(final int bytes)
    {
        statsOfRoundBeingFramed()[RoundStat.WIRE.ordinal()] += bytes;
    }

    private long[] statsOfRoundBeingFramed()
    {
        for (int i = 0, size = roundEnds.size(); i < size; i++)
        {
            final RoundEnd end = roundEnds.get(i);
            if (end.lastSequence < 0)
            {
                return end.stats;
            }
        }
        return openRoundStats;
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
     * Has the oldest ended round been framed in full and acknowledged?
     *
     * @return the round number, or -1.
     */
    int completedRound()
    {
        final RoundEnd end = roundEnds.isEmpty() ? null : roundEnds.get(0);
        if (null == end || end.lastSequence < 0 || ackedSequence < end.lastSequence)
        {
            return -1;
        }
        return end.round;
    }

    /**
     * Close the oldest ended round.
     *
     * @param stats receives its counts, indexed by {@link RoundStat#ordinal()}.
     * @param nowNs current time.
     * @return [duration of the round from its first page, time since the previous round ended, the receiver's
     * timestamp on the acknowledgement that covered the round's last page (0 if none did)] in nanoseconds.
     */
    long[] closeRound(final long[] stats, final long nowNs)
    {
        final RoundEnd end = roundEnds.remove(0);
        System.arraycopy(end.stats, 0, stats, 0, stats.length);
        final long firstPageNs = 0 == roundFirstPageNs ? nowNs : roundFirstPageNs;
        final long sincePreviousNs = nowNs - (0 == previousRoundEndNs ? startNs : previousRoundEndNs);
        roundFirstPageNs = 0;
        previousRoundEndNs = nowNs;
        return new long[] { Math.max(1, nowNs - firstPageNs), Math.max(1, sincePreviousNs), end.appliedTimestampNs };
    }

    /**
     * The transfer's source file, as mapped.
     *
     * @return the mapping, or null when every page travels inline.
     */
    MappedImage mappedSource()
    {
        return source;
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

    boolean isLastPageRepair()
    {
        return pages.isLastRepair();
    }

    /**
     * Train a dictionary on pages sampled evenly through the source, on another thread.
     *
     * @param executor        runs the training, off the engine thread.
     * @param dictionaryBytes size of the dictionary.
     * @param samplePages     pages to sample.
     */
    void startDictionaryTraining(final java.util.concurrent.Executor executor, final int dictionaryBytes,
        final int samplePages)
    {
        final long step = Math.max(1, pageCount / samplePages);
        dictionary = java.util.concurrent.CompletableFuture.supplyAsync(() ->
        {
            final com.github.luben.zstd.ZstdDictTrainer trainer =
                new com.github.luben.zstd.ZstdDictTrainer(Math.toIntExact(Math.min(
                    (long)samplePages * pageSize, Integer.MAX_VALUE)), dictionaryBytes);
            final byte[] page = new byte[pageSize];
            for (long p = 0; p < pageCount; p += step)
            {
                // Read-only mapping: safe to read from this thread while the engine sends.
                final UnsafeBuffer segment = source.segmentOf(p);
                final int offset = source.offsetOf(p);
                if (!PageCodec.isZero(segment, offset, pageSize))
                {
                    segment.getBytes(offset, page);
                    trainer.addSample(page.clone());
                }
            }
            return trainer.trainSamples();
        }, executor);
    }

    byte[] pendingDictionary()
    {
        return pendingDictionary;
    }

    void pendingDictionary(final byte[] pendingDictionary)
    {
        this.pendingDictionary = pendingDictionary;
    }

    /**
     * The trained dictionary, once training ended and it has not been taken yet.
     *
     * @return the dictionary, null while training or when none is wanted, or an empty array if training failed.
     */
    byte[] takeTrainedDictionary()
    {
        if (null == dictionary || !dictionary.isDone())
        {
            return null;
        }
        final java.util.concurrent.CompletableFuture<byte[]> done = dictionary;
        dictionary = null;
        try
        {
            return done.getNow(null);
        }
        catch (final RuntimeException ex)
        {
            // Too few or too uniform samples: zstd cannot train on them.
            return new byte[0];
        }
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

    void onAck(final long sequence, final long pagesApplied, final long receiverTimestampNs, final long nowNs)
    {
        lastHeardNs = nowNs;
        // Never beyond what was sent: an ack from the future would hide a lost receiver.
        final long acked = Math.min(sequence, sentSequence);
        if (acked > ackedSequence)
        {
            ackedSequence = acked;
            lastAckTimestampNs = receiverTimestampNs;
        }
        pagesAcknowledged = Math.max(pagesAcknowledged, Math.min(pagesApplied, pagesSent));

        // The first acknowledgement covering a round's last frame says when the receiver had applied the round.
        for (int i = 0, size = roundEnds.size(); i < size; i++)
        {
            final RoundEnd end = roundEnds.get(i);
            if (end.lastSequence < 0 || end.lastSequence > ackedSequence)
            {
                break;
            }
            if (0 == end.appliedTimestampNs)
            {
                end.appliedTimestampNs = receiverTimestampNs;
            }
        }
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
        if (null != dictionary && !dictionary.isDone() && null != source)
        {
            // A trainer still reads the source: it is unmapped when the training ends, never under the trainer.
            dictionary.whenComplete((result, error) -> source.close());
            CloseHelper.closeAll(inlineOverlay, codec, baselines);
            return;
        }
        CloseHelper.closeAll(source, inlineOverlay, codec, baselines);
    }
}
