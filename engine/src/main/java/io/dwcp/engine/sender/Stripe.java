package io.dwcp.engine.sender;

import io.aeron.ExclusivePublication;
import io.dwcp.engine.security.FrameSealer;
import io.aeron.logbuffer.BufferClaim;
import io.dwcp.codec.BlockCodec;
import io.dwcp.codec.PageCodec;
import io.dwcp.codec.PageEncoding;
import io.dwcp.engine.link.Pacer;
import io.dwcp.engine.status.StripeCounter;
import io.dwcp.engine.status.StripeCounters;
import io.dwcp.engine.transport.PublicationResult;
import io.dwcp.engine.transport.StripeLayout;
import org.agrona.CloseHelper;
import org.agrona.concurrent.status.AtomicCounter;

/**
 * One Aeron stream of a transfer, and the protocol that runs on it, as Aeron's {@code NetworkPublication} owns
 * its own: the publication and its claim, the zstd contexts, the frame writer, the frame sequence, the queue of
 * this stripe's pages, its slice of the baseline store, its view of the rounds and the acknowledgements.
 * <p>
 * Not thread safe: after construction by the conductor, only its worker touches it, except the publication the
 * conductor hands over before it starts the stripe, and the counters anyone may read.
 */
final class Stripe implements AutoCloseable
{
    /** Where a stripe is in its life. */
    enum State
    {
        /** Queued pages wait for the receiver to accept the transfer. */
        WAITING,
        /** Sending. */
        STREAMING,
        /** Cannot go on; the failure is reported to the conductor. */
        FAILED,
        /** Released by its worker. */
        CLOSED
    }

    private final int slot;
    private final int index;
    private final long transferId;
    private final StripeLayout layout;
    private final TransferSource source;
    private final PageCodec codec;
    private final Pacer pacer;
    private final PageFrameWriter frameWriter;
    private final PageQueue pages;
    private final BaselineStore baselines;
    private final StripeRounds rounds = new StripeRounds();
    private final StripeCounters stripeCounters;
    private final StripeStatistics statistics;
    private final SenderCounters counters;
    private final int maxFrameLength;
    private final BufferClaim bufferClaim = new BufferClaim();
    private final StripeWire wire;
    private final StripePages pageSource;
    private final AtomicCounter backPressure;
    private long cycleNs;

    private ExclusivePublication publication;
    private FrameSealer sealer;
    private State state = State.WAITING;
    private int round;
    private long sentSequence;
    private long ackedSequence;
    private long lastAckTimestampNs;
    private long flushRequested;
    private long flushReported;
    private boolean isDictionaryHandled;
    private String failure;

    Stripe(
        final int slot,
        final int index,
        final long transferId,
        final StripeLayout layout,
        final TransferSource source,
        final PageCodec codec,
        final BaselineStore baselines,
        final StripeCounters stripeCounters,
        final StripeStatistics statistics,
        final SenderCounters counters,
        final int maxFrameLength,
        final int maxPagesPerFrame,
        final boolean isHdeEnabled,
        final BlockCodec block,
        final ContentIndex contentIndex,
        final SimilarPages similarPages,
        final int streamLevel)
    {
        this.slot = slot;
        this.index = index;
        this.transferId = transferId;
        this.layout = layout;
        this.source = source;
        this.pacer = source.pacer();
        this.codec = codec;
        this.baselines = baselines;
        this.stripeCounters = stripeCounters;
        this.statistics = statistics;
        this.counters = counters;
        this.maxFrameLength = maxFrameLength;
        this.pages = new PageQueue(layout, index);
        this.frameWriter = PageFrameWriter.create(
            codec, block, contentIndex, similarPages, maxFrameLength, maxPagesPerFrame, isHdeEnabled, streamLevel);
        wire = new StripeWire(stripeCounters);
        pageSource = new StripePages(source);
        backPressure = stripeCounters.get(StripeCounter.BACK_PRESSURE);
    }

    /**
     * One duty cycle's work: ship the dictionary, send frames, and report what the conductor waits for.
     *
     * @param nowNs     current time.
     * @param proxy     to the conductor.
     * @param shipper   encodes dictionary frames; the worker's.
     * @param maxFrames most page frames to publish in this call: the worker shares its cycle among its stripes.
     * @return page frames published.
     */
    int doWork(final long nowNs, final ConductorProxy proxy, final DictionaryShipper shipper, final int maxFrames)
    {
        int framesPublished = 0;
        cycleNs = nowNs;
        if (State.STREAMING == state)
        {
            if (!isDictionaryHandled && source.wantsDictionary())
            {
                shipDictionary(shipper);
            }
            framesPublished = sendFrames(nowNs, maxFrames);
        }
        report(proxy);
        return framesPublished;
    }

    private int shipDictionary(final DictionaryShipper shipper)
    {
        final byte[] dictionary = source.trainedDictionary();
        if (null == dictionary)
        {
            return 0;
        }
        final long result = shipper.send(transferId, index, dictionary, publication, sealer);
        if (result > 0 || 0 == dictionary.length)
        {
            if (dictionary.length > 0)
            {
                // Frames after this one may use it: the stream delivers them in order.
                codec.compressWithDictionary(dictionary);
            }
            isDictionaryHandled = true;
            return 1;
        }
        onPublicationResult(result);
        return 0;
    }

    private int sendFrames(final long nowNs, final int maxFrames)
    {
        // A block frame may exceed the MTU: Aeron fragments it and the receiver's assembler joins it again.
        final int overhead = null == sealer ? 0 : FrameSealer.OVERHEAD;
        final int targetLength = frameWriter.isBlockMode() ? publication.maxMessageLength() - overhead :
            Math.min(maxFrameLength, publication.maxPayloadLength() - overhead);
        int framesPublished = 0;
        while (framesPublished < maxFrames)
        {
            if (!frameWriter.isReady())
            {
                if (!hasPagesToSend() || !pacer.isAllowed(nowNs))
                {
                    break;
                }
                if (source.hasShrunk())
                {
                    // Reading a mapping past its file's end faults: the conductor fails the transfer, saying why.
                    fail("memory file shrank while it was sent");
                    break;
                }
                frameWriter.build(this, sentSequence + 1, targetLength, nowNs);
                if (!frameWriter.isReady())
                {
                    break;
                }
            }

            final int frameLength = frameWriter.frameLength();
            final boolean isClaim = frameLength + overhead <= publication.maxPayloadLength();
            final long result = frameWriter.publish(transferId, publication, bufferClaim, sealer);
            if (result > 0)
            {
                pacer.onSent(frameLength + overhead, nowNs);
                onFrameSent(frameLength, isClaim, nowNs);
                framesPublished++;
            }
            else
            {
                onPublicationResult(result);
                break;
            }
        }
        return framesPublished;
    }

    private void onFrameSent(final int frameLength, final boolean isClaim, final long nowNs)
    {
        final PageFrameWriter writer = frameWriter;
        sentSequence = writer.sequence();
        wire.onSent(sentSequence, frameLength, nowNs);
        statistics.onFrameSent(index, writer);
        counters.onFrameSent(writer, frameLength, isClaim, source.pageSize());
    }

    private void onPublicationResult(final long result)
    {
        if (PublicationResult.isBackPressure(result))
        {
            wire.onBackPressure(cycleNs);
            counters.backPressure().increment();
        }
        if (PublicationResult.FATAL == PublicationResult.of(result, backPressure, counters.notConnected()))
        {
            fail("stripe " + index + ": publication is unusable: " + io.aeron.Publication.errorString(result));
        }
    }

    private int report(final ConductorProxy proxy)
    {
        if (State.FAILED == state)
        {
            if (null != failure && proxy.stripeFailed(slot, index, failure))
            {
                failure = null;
                return 1;
            }
            return 0;
        }

        int workCount = 0;
        int completed;
        while ((completed = rounds.completedRound(ackedSequence)) >= 0)
        {
            if (!proxy.stripeRoundCompleted(slot, index, completed, rounds.oldestStats(),
                rounds.oldestAppliedTimestampNs()))
            {
                break;
            }
            rounds.closeRound();
            workCount++;
        }

        if (flushRequested > flushReported && State.STREAMING == state && !hasPagesToSend() &&
            proxy.stripeDrained(slot, index, flushRequested, sentSequence))
        {
            flushReported = flushRequested;
            workCount++;
        }
        return workCount;
    }

    /**
     * Stop this stripe with a reason the conductor fails the transfer with.
     *
     * @param reason for the agent.
     */
    void fail(final String reason)
    {
        if (State.FAILED != state && State.CLOSED != state)
        {
            state = State.FAILED;
            failure = reason;
            frameWriter.discard();
        }
    }

    /**
     * Give the stripe its connected publication, before it is started. Conductor thread; the start command that
     * follows makes it visible to the worker.
     *
     * @param publication of the stripe.
     * @param sealer      of the stripe's frames, or null when the transfer is insecure.
     */
    void handOver(final ExclusivePublication publication, final FrameSealer sealer)
    {
        this.publication = publication;
        this.sealer = sealer;
    }

    void start()
    {
        if (State.WAITING == state)
        {
            state = State.STREAMING;
        }
    }

    void queueRange(final int round, final long firstPage, final long pageCount)
    {
        round(round);
        pageSource.onRange(firstPage, pageCount);
        pages.addRange(firstPage, pageCount);
    }

    void queueInline(final int round, final long pageNumber)
    {
        round(round);
        pageSource.onInline(pageNumber);
        pages.addRange(pageNumber, 1);
    }

    void queueRepair(final long pageNumber)
    {
        // The receiver's copy is in doubt: the repair goes in full.
        baselines.invalidate(layout.localIndex(pageNumber));
        pages.addRepair(pageNumber);
    }

    void endRound(final int round)
    {
        round(round);
        rounds.endRound(round, pages.rangePagesQueued(), pages.rangePagesTaken(), sentSequence, ackedSequence,
            lastAckTimestampNs);
    }

    void flush(final long epoch)
    {
        flushRequested = Math.max(flushRequested, epoch);
    }

    void onAck(final long sequence, final long receiverTimestampNs)
    {
        // Never beyond what was sent: an ack from the future would hide a lost receiver.
        final long acked = Math.min(sequence, sentSequence);
        if (acked > ackedSequence)
        {
            ackedSequence = acked;
            lastAckTimestampNs = receiverTimestampNs;
            wire.onAcked(acked);
        }
        rounds.onAck(ackedSequence, receiverTimestampNs);
    }

    /**
     * Compress at another level from the next frame on: the receiver decodes any level.
     *
     * @param level zstd level, in range.
     */
    void compressionLevel(final int level)
    {
        if (level != codec.compressionLevel())
        {
            codec.compressionLevel(level);
        }
    }

    void dropDictionary()
    {
        codec.dropDictionary();
        isDictionaryHandled = true;
    }

    private void round(final int round)
    {
        this.round = Math.max(this.round, round);
    }

    // For the frame writer.

    long pollPage()
    {
        return pages.poll();
    }

    boolean isLastPageRepair()
    {
        return pages.isLastRepair();
    }

    StripePages pageSource()
    {
        return pageSource;
    }

    TransferSource source()
    {
        return source;
    }

    long baselineIndexOf(final long pageNumber)
    {
        return layout.localIndex(pageNumber);
    }

    void recordPageCrc(final long pageNumber, final int crc)
    {
        source.recordPageCrc(pageNumber, crc);
    }

    void onFrameOverhead(final int bytes)
    {
        rounds.onFrameOverhead(bytes);
    }

    void onFrameBytes(final long sequence, final int bytes)
    {
        rounds.onFrameBytes(sequence, bytes);
    }

    void onPageFramed(
        final long sequence,
        final PageEncoding encoding,
        final int entryBytes,
        final boolean hadBaseline,
        final boolean overflowed)
    {
        rounds.onPageFramed(sequence, encoding, entryBytes, hadBaseline, overflowed, pages.rangePagesTaken());
    }

    BaselineStore baselines()
    {
        return baselines;
    }

    long sentSequence()
    {
        return sentSequence;
    }

    long ackedSequence()
    {
        return ackedSequence;
    }

    int round()
    {
        return round;
    }

    int index()
    {
        return index;
    }

    StripeLayout layout()
    {
        return layout;
    }

    int slot()
    {
        return slot;
    }

    State state()
    {
        return state;
    }

    boolean hasPagesToSend()
    {
        return !pages.isEmpty() || frameWriter.isReady() || frameWriter.hasPending();
    }

    /**
     * Prune baselines unused for long. Worker thread.
     *
     * @param nowNs current time.
     */
    void prune(final long nowNs)
    {
        baselines.prune(nowNs);
    }

    /** Release what the worker owns: the frame writer's pending frame, the codec and the baseline slice. */
    public void close()
    {
        state = State.CLOSED;
        frameWriter.discard();
        frameWriter.close();
        CloseHelper.closeAll(codec, baselines);
    }
}
