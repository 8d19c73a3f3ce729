package io.dwcp.engine.sender;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.dwcp.codecs.agent.FailureReason;
import io.dwcp.engine.status.StripeCounter;
import io.dwcp.engine.status.StripeCounters;
import io.dwcp.engine.transport.AsyncPublication;
import io.dwcp.engine.transport.StripeLayout;
import org.agrona.CloseHelper;
import org.agrona.collections.LongArrayQueue;

import java.util.concurrent.TimeUnit;

/**
 * A transfer as the sender conductor runs it: its lifecycle (Hello, streaming, the end and the verdict), its
 * timers, the acknowledgements and repairs it forwards to the stripes' workers, and the progress it sums from
 * them. It never encodes a page: its {@link Stripe}s do, on their workers.
 * <p>
 * Not thread safe: owned by the conductor.
 */
final class OutboundTransfer
{
    /** Where a transfer is in its life. */
    enum State
    {
        /** Waiting for every publication to connect and the receiver to accept the Hello. */
        CONNECTING,
        /** Sending pages as commands queue them. */
        STREAMING,
        /** The end is sent; waiting for the receiver's verdict. */
        AWAITING_VERDICT,
        /** The digest matched; waiting for the stripes to report the last rounds. */
        VERIFIED,
        /** Finished, one way or another; its resources are being released. */
        DONE
    }

    /** No receiver session is bound yet. */
    static final int NO_SESSION = Integer.MIN_VALUE;

    private final long transferId;
    private final String vmId;
    private final int pageSize;
    private final long fileSize;
    private final long pageCount;
    private final int slot;
    private final StripeLayout layout;
    private final Stripe[] stripes;
    private final AsyncPublication[] publications;
    private final StripeCounters[] stripeCounters;
    private final WorkerProxy[] workers;
    private final int hostingWorkers;
    private final TransferSource source;
    private final StripeStatistics statistics;
    private final ReceiverPeer peer;
    private final RoundTracker rounds;
    private final long startNs;
    private final long[] ackedSequence;
    private final long[] ackTimestampNs;
    private final long[] deliveredAck;
    private final long[] lastSequenceAtEnd;
    private final long[] routedPages;
    private final long[] lastSeenSent;
    private final long[] lastProgressNs;
    private final long[] flushSent;
    private final boolean[] releasePending;
    private final LongArrayQueue pendingRepairs = new LongArrayQueue(64, Long.MIN_VALUE);

    private State state = State.CONNECTING;
    private int receiverSessionId = NO_SESSION;
    private int round;
    private boolean isEndRequested;
    private long flushEpoch;
    private int stripesDrained = -1;
    private boolean isStartPending;
    private boolean isDictionaryDropPending;
    private int releasesOutstanding;
    private long nextHelloNs;
    private long nextProgressNs;
    private long lastHeardNs;
    private long pagesAcknowledged;
    private long routedTotal;
    private long digest;
    private boolean isSwitchoverReady;

    OutboundTransfer(
        final long transferId,
        final String vmId,
        final int pageSize,
        final long fileSize,
        final int slot,
        final Stripe[] stripes,
        final AsyncPublication[] publications,
        final StripeCounters[] stripeCounters,
        final WorkerProxy[] workers,
        final TransferSource source,
        final StripeStatistics statistics,
        final ReceiverPeer peer,
        final long nowNs)
    {
        this.transferId = transferId;
        this.vmId = vmId;
        this.pageSize = pageSize;
        this.fileSize = fileSize;
        this.pageCount = fileSize / pageSize;
        this.slot = slot;
        this.stripes = stripes;
        this.layout = stripes[0].layout();
        this.publications = publications;
        this.stripeCounters = stripeCounters;
        this.workers = workers;
        this.hostingWorkers = Math.min(workers.length, stripes.length);
        this.source = source;
        this.statistics = statistics;
        this.peer = peer;
        this.rounds = new RoundTracker(stripes.length, nowNs);
        this.startNs = nowNs;
        this.lastHeardNs = nowNs;
        this.nextHelloNs = nowNs;
        this.nextProgressNs = nowNs;
        final int n = stripes.length;
        ackedSequence = new long[n];
        ackTimestampNs = new long[n];
        deliveredAck = new long[n];
        lastSequenceAtEnd = new long[n];
        routedPages = new long[n];
        lastSeenSent = new long[n];
        lastProgressNs = new long[n];
        flushSent = new long[hostingWorkers];
        releasePending = new boolean[hostingWorkers];
    }

    /**
     * Poll the publications the driver is creating.
     *
     * @param aeron client.
     * @return work done.
     */
    int resolvePublications(final Aeron aeron)
    {
        int workCount = 0;
        for (final AsyncPublication publication : publications)
        {
            workCount += publication.resolve(aeron);
        }
        return workCount;
    }

    /**
     * Why a publication could not be created, if one could not.
     *
     * @return the error, or null.
     */
    String registrationError()
    {
        if (null != peer.registrationError())
        {
            return "cannot publish to " + peer.endpoint() + ": " + peer.registrationError();
        }
        for (int k = 0; k < publications.length; k++)
        {
            if (null != publications[k].registrationError())
            {
                return "cannot publish stripe " + k + " to " + peer.endpoint() + ": " +
                    publications[k].registrationError();
            }
        }
        return null;
    }

    /**
     * Are the peer's publication and every stripe's connected?
     *
     * @return true when a Hello may go.
     */
    boolean isConnected()
    {
        if (!peer.isConnected())
        {
            return false;
        }
        for (final AsyncPublication publication : publications)
        {
            if (null == publication.connectedPublication())
            {
                return false;
            }
        }
        return true;
    }

    /**
     * Stripes whose publication is not connected, for a message.
     *
     * @return their count.
     */
    int unconnectedStripes()
    {
        int count = 0;
        for (final AsyncPublication publication : publications)
        {
            if (null == publication.connectedPublication())
            {
                count++;
            }
        }
        return count;
    }

    /**
     * The receiver accepted the transfer: bind its session and start the stripes.
     *
     * @param sessionId of the receiver's control publication.
     * @param nowNs     current time.
     */
    void accepted(final int sessionId, final long nowNs)
    {
        receiverSessionId = sessionId;
        lastHeardNs = nowNs;
        state = State.STREAMING;
        for (int k = 0; k < stripes.length; k++)
        {
            stripes[k].handOver(publications[k].publication());
            lastProgressNs[k] = nowNs;
        }
        isStartPending = true;
    }

    // Routing commands to the stripes' workers.

    /**
     * Room in every hosting worker's queue for a command's messages?
     *
     * @param messages the command may write to each.
     * @return true when they fit.
     */
    boolean hasCapacityFor(final int messages)
    {
        for (int w = 0; w < hostingWorkers; w++)
        {
            if (!workers[w].hasCapacityFor(messages))
            {
                return false;
            }
        }
        return true;
    }

    /**
     * Tell the hosting workers of the transfer; called once, with room checked.
     */
    void addToWorkers()
    {
        for (int w = 0; w < hostingWorkers; w++)
        {
            workers[w].addTransfer(slot);
        }
    }

    void queueRange(final int round, final long firstPage, final long pageCount, final long nowNs)
    {
        round(round);
        rounds.onPagesQueued(nowNs);
        final long firstChunk = firstPage / StripeLayout.CHUNK_PAGES;
        final long lastChunk = (firstPage + pageCount - 1) / StripeLayout.CHUNK_PAGES;
        final int touched = (int)Math.min(stripes.length, lastChunk - firstChunk + 1);
        for (int i = 0; i < touched; i++)
        {
            final int k = (int)((firstChunk + i) % stripes.length);
            final long own = layout.pagesIn(k, firstPage, pageCount);
            routedPages[k] += own;
            routedTotal += own;
        }
        // A worker passes the range to each of its stripes, which keep only their own pages of it.
        final int hosts = Math.min(touched, hostingWorkers);
        for (int i = 0; i < hosts; i++)
        {
            workers[(int)((firstChunk + i) % stripes.length) % workers.length].queueRange(slot, round, firstPage, pageCount);
        }
    }

    void queueInline(final int round, final long pageNumber, final long nowNs)
    {
        round(round);
        rounds.onPagesQueued(nowNs);
        final int k = layout.stripeOf(pageNumber);
        routedPages[k]++;
        routedTotal++;
        workers[k % workers.length].queueInline(slot, round, pageNumber);
    }

    void endRound(final int round)
    {
        round(round);
        rounds.onEndRound(round);
        for (int w = 0; w < hostingWorkers; w++)
        {
            workers[w].endRound(slot, round);
        }
    }

    /**
     * The receiver asks for a page again; it is sent in full on its stripe, and the end is sent again after it.
     *
     * @param pageNumber of the page.
     */
    void queueRepair(final long pageNumber)
    {
        pendingRepairs.addLong(pageNumber);
        if (State.AWAITING_VERDICT == state)
        {
            state = State.STREAMING;
        }
        flushEpochInvalidated();
    }

    private void flushEpochInvalidated()
    {
        if (stripesDrained >= 0)
        {
            stripesDrained = -1;
        }
    }

    /**
     * Acknowledgement of one stripe's frames.
     *
     * @param stripe              index.
     * @param sequence            highest frame the receiver applied on it.
     * @param receiverTimestampNs the receiver's clock.
     * @param nowNs               current time.
     */
    void onStripeAck(final int stripe, final long sequence, final long receiverTimestampNs, final long nowNs)
    {
        lastHeardNs = nowNs;
        final long sent = stripeCounters[stripe].get(StripeCounter.FRAMES_SENT).get();
        final long acked = Math.min(sequence, sent);
        if (acked > ackedSequence[stripe])
        {
            ackedSequence[stripe] = acked;
            ackTimestampNs[stripe] = receiverTimestampNs;
            lastProgressNs[stripe] = nowNs;
        }
    }

    void onPagesApplied(final long pagesApplied, final long nowNs)
    {
        lastHeardNs = nowNs;
        pagesAcknowledged = Math.max(pagesAcknowledged, Math.min(pagesApplied, pagesSent()));
    }

    /**
     * Forward to the workers what they have not been told yet: the start, acknowledgements, repairs, a dropped
     * dictionary. Anything a full queue refuses is kept and forwarded in a later cycle.
     *
     * @return work done.
     */
    int forwardToWorkers()
    {
        int workCount = 0;
        if (isStartPending)
        {
            boolean isStarted = true;
            for (int w = 0; w < hostingWorkers; w++)
            {
                isStarted &= workers[w].startTransfer(slot);
            }
            // A start repeated to a worker that already had it does nothing.
            isStartPending = !isStarted;
            workCount++;
        }
        for (int k = 0; k < stripes.length; k++)
        {
            if (ackedSequence[k] > deliveredAck[k] &&
                workers[k % workers.length].ack(slot, k, ackedSequence[k], ackTimestampNs[k]))
            {
                deliveredAck[k] = ackedSequence[k];
                workCount++;
            }
        }
        while (!pendingRepairs.isEmpty())
        {
            final long pageNumber = pendingRepairs.peekLong();
            final int k = layout.stripeOf(pageNumber);
            if (!workers[k % workers.length].queueRepair(slot, pageNumber))
            {
                break;
            }
            pendingRepairs.pollLong();
            routedPages[k]++;
            routedTotal++;
            workCount++;
        }
        if (isDictionaryDropPending)
        {
            boolean isDropped = true;
            for (int w = 0; w < hostingWorkers; w++)
            {
                isDropped &= workers[w].dropDictionary(slot);
            }
            isDictionaryDropPending = !isDropped;
        }
        return workCount;
    }

    /**
     * Ask the stripes to report once everything queued so far is published, if the end is due and not yet asked
     * for in this epoch.
     *
     * @return work done.
     */
    int requestFlushIfDue()
    {
        if (State.STREAMING != state || !isEndRequested || !pendingRepairs.isEmpty() || isStartPending)
        {
            return 0;
        }
        if (stripesDrained < 0)
        {
            // A new epoch: reports of the old one no longer count.
            flushEpoch++;
            stripesDrained = 0;
        }
        int workCount = 0;
        for (int w = 0; w < hostingWorkers; w++)
        {
            if (flushSent[w] < flushEpoch && workers[w].flush(slot, flushEpoch))
            {
                flushSent[w] = flushEpoch;
                workCount++;
            }
        }
        return workCount;
    }

    void onStripeDrained(final int stripe, final long epoch, final long lastSequence)
    {
        if (epoch == flushEpoch && stripesDrained >= 0)
        {
            lastSequenceAtEnd[stripe] = lastSequence;
            stripesDrained++;
        }
    }

    /**
     * Has every stripe published everything queued before the end, in the current epoch?
     *
     * @return true when the end may be sent.
     */
    boolean isDrained()
    {
        return State.STREAMING == state && isEndRequested && stripesDrained == stripes.length &&
            pendingRepairs.isEmpty();
    }

    long computeDigest()
    {
        digest = source.computeDigest();
        return digest;
    }

    void endSent(final long nowNs)
    {
        state = State.AWAITING_VERDICT;
        lastHeardNs = nowNs;
        // Repairs after this end start a new epoch and a new end.
        stripesDrained = -1;
    }

    /**
     * Which stripe, if any, has had frames or pages outstanding without progress for longer than the timeout.
     *
     * @param nowNs     current time.
     * @param timeoutNs peer timeout.
     * @return the stripe index, or -1.
     */
    int silentStripe(final long nowNs, final long timeoutNs)
    {
        if (State.STREAMING != state && State.AWAITING_VERDICT != state)
        {
            return -1;
        }
        for (int k = 0; k < stripes.length; k++)
        {
            final long sent = stripeCounters[k].get(StripeCounter.FRAMES_SENT).get();
            final boolean isOutstanding = sent > ackedSequence[k] ||
                statistics.get(k, StripeStatistics.Total.PAGES) < routedPages[k];
            if (!isOutstanding || sent != lastSeenSent[k])
            {
                // Silence counts only while the receiver owes this stripe an answer, or pages wait on it.
                lastSeenSent[k] = sent;
                lastProgressNs[k] = nowNs;
            }
            else if (nowNs - lastProgressNs[k] > timeoutNs)
            {
                return k;
            }
        }
        return -1;
    }

    /**
     * Text for a silent stripe's failure.
     *
     * @param stripe that is silent.
     * @param nowNs  current time.
     * @return the reason.
     */
    String silenceOf(final int stripe, final long nowNs)
    {
        final long sent = stripeCounters[stripe].get(StripeCounter.FRAMES_SENT).get();
        return "stripe " + stripe + " of " + stripes.length + " to " + peer.endpoint() + " made no progress for " +
            TimeUnit.NANOSECONDS.toMillis(nowNs - lastProgressNs[stripe]) + " ms with " +
            (sent - ackedSequence[stripe]) + " frames unacknowledged and " +
            (routedPages[stripe] - statistics.get(stripe, StripeStatistics.Total.PAGES)) + " pages unsent";
    }

    /**
     * Tell the hosting workers to let go of the stripes; the resources go once they all have.
     *
     * @return true when released already (workers on this thread).
     */
    boolean release()
    {
        state = State.DONE;
        releasesOutstanding = hostingWorkers;
        for (int w = 0; w < hostingWorkers; w++)
        {
            if (!workers[w].removeTransfer(slot))
            {
                // Cannot lose it: the conductor retries through retryRelease.
                releasePending[w] = true;
            }
        }
        return 0 == releasesOutstanding;
    }

    /**
     * Send removals a full queue refused.
     *
     * @return work done.
     */
    int retryRelease()
    {
        int workCount = 0;
        for (int w = 0; w < hostingWorkers; w++)
        {
            if (releasePending[w] && workers[w].removeTransfer(slot))
            {
                releasePending[w] = false;
                workCount++;
            }
        }
        return workCount;
    }

    /**
     * A worker let go of the stripes.
     *
     * @return true once every worker has.
     */
    boolean onReleased()
    {
        return --releasesOutstanding <= 0;
    }

    /** Close what the conductor owns: publications, stripe counters and the source. After every release. */
    void closeResources()
    {
        for (final AsyncPublication publication : publications)
        {
            publication.close();
        }
        CloseHelper.closeAll(stripeCounters);
        source.close();
    }

    void dropDictionary()
    {
        isDictionaryDropPending = true;
    }

    void requestEnd()
    {
        isEndRequested = true;
    }

    void verified()
    {
        state = State.VERIFIED;
    }

    private void round(final int round)
    {
        this.round = Math.max(this.round, round);
    }

    long pagesSent()
    {
        return statistics.sum(StripeStatistics.Total.PAGES);
    }

    long wireBytes()
    {
        return statistics.sum(StripeStatistics.Total.WIRE_BYTES);
    }

    long queuedPages()
    {
        return Math.max(0, routedTotal + pendingRepairs.size() - pagesSent());
    }

    /**
     * The ends of the stripes' sequences at the last flush, for the transfer end frame.
     *
     * @return one per stripe; read only.
     */
    long[] lastSequences()
    {
        return lastSequenceAtEnd;
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

    StripeStatistics statistics()
    {
        return statistics;
    }

    RoundTracker rounds()
    {
        return rounds;
    }

    TransferSource source()
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

    boolean isEndRequested()
    {
        return isEndRequested;
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

    int slot()
    {
        return slot;
    }

    int stripeCount()
    {
        return stripes.length;
    }

    ReceiverPeer peer()
    {
        return peer;
    }

    ExclusivePublication peerPublication()
    {
        return peer.publication();
    }

    State state()
    {
        return state;
    }

    int round()
    {
        return round;
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

    long pagesAcknowledged()
    {
        return pagesAcknowledged;
    }

    long digest()
    {
        return digest;
    }

    long zeroPages()
    {
        return statistics.sum(StripeStatistics.Total.ZERO);
    }

    long rawPages()
    {
        return statistics.sum(StripeStatistics.Total.RAW);
    }

    long compressedPages()
    {
        return statistics.sum(StripeStatistics.Total.COMPRESSED);
    }
}
