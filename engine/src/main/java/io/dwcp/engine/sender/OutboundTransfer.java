package io.dwcp.engine.sender;

import io.aeron.ExclusivePublication;
import io.dwcp.engine.status.StripeCounters;
import io.dwcp.engine.transport.AsyncPublication;
import org.agrona.CloseHelper;

/**
 * A transfer as the sender conductor runs it: its lifecycle (Hello, streaming, the end and the verdict), its
 * timers, and the progress it sums from its stripes. Its {@link StripeTracker} routes its pages and the receiver's
 * answers to the stripes' workers. It never encodes a page: its {@link Stripe}s do, on their workers.
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
    private final Stripe[] stripes;
    private final StripePublications publications;
    private final StripeCounters[] stripeCounters;
    private final StripeTracker tracker;
    private final TransferSource source;
    private final StripeStatistics statistics;
    private final ReceiverPeer peer;
    private final RoundTracker rounds;
    private final long startNs;
    private final TransferHistory history = new TransferHistory();

    private State state = State.CONNECTING;
    private int receiverSessionId = NO_SESSION;
    private int round;
    private boolean isEndRequested;
    private long nextHelloNs;
    private long nextProgressNs;
    private long nextSourceCheckNs;
    private long lastHeardNs;
    private long pagesAcknowledged;
    private long digest;
    private boolean isSwitchoverReady;
    private SenderSession session;
    private TransferLink link;

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
        this.publications = new StripePublications(peer, publications);
        this.stripeCounters = stripeCounters;
        this.tracker = new StripeTracker(slot, stripes, stripeCounters, workers, statistics);
        this.source = source;
        this.statistics = statistics;
        this.peer = peer;
        this.rounds = new RoundTracker(stripes.length, nowNs);
        this.startNs = nowNs;
        this.lastHeardNs = nowNs;
        this.nextHelloNs = nowNs;
        this.nextProgressNs = nowNs;
    }

    /**
     * @return the stripes' publications, as the driver creates and connects them.
     */
    StripePublications publications()
    {
        return publications;
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
            stripes[k].handOver(publications.publication(k), session.stripeSealer(k));
        }
        tracker.start(nowNs);
    }

    long nextSourceCheckNs()
    {
        return nextSourceCheckNs;
    }

    void nextSourceCheckNs(final long nowNs)
    {
        nextSourceCheckNs = nowNs;
    }

    TransferHistory history()
    {
        return history;
    }

    /**
     * @param stripe index.
     * @return time the stripe has waited on back pressure, ns, cumulative.
     */
    long stripeBlockedNs(final int stripe)
    {
        return stripeCounters[stripe].get(io.dwcp.engine.status.StripeCounter.BLOCKED_NS).get();
    }

    /**
     * @return what the transfer keeps of its link.
     */
    TransferLink link()
    {
        return link;
    }

    void link(final TransferLink link)
    {
        this.link = link;
    }

    SenderSession session()
    {
        return session;
    }

    void session(final SenderSession session)
    {
        this.session = session;
    }

    StripeTracker tracker()
    {
        return tracker;
    }

    void queueRange(final int round, final long firstPage, final long pageCount, final long nowNs)
    {
        round(round);
        rounds.onPagesQueued(nowNs);
        tracker.queueRange(round, firstPage, pageCount);
    }

    void queueInline(final int round, final long pageNumber, final long nowNs)
    {
        round(round);
        rounds.onPagesQueued(nowNs);
        tracker.queueInline(round, pageNumber);
    }

    void endRound(final int round)
    {
        round(round);
        rounds.onEndRound(round);
        tracker.endRound(round);
    }

    /**
     * The receiver asks for a page again; it is sent in full on its stripe, and the end is sent again after it.
     *
     * @param pageNumber of the page.
     */
    void queueRepair(final long pageNumber)
    {
        tracker.queueRepair(pageNumber);
        if (State.AWAITING_VERDICT == state)
        {
            state = State.STREAMING;
        }
    }

    void onPagesApplied(final long pagesApplied, final long nowNs)
    {
        lastHeardNs = nowNs;
        pagesAcknowledged = Math.max(pagesAcknowledged, Math.min(pagesApplied, pagesSent()));
    }

    /**
     * Ask the stripes to flush if the end is due.
     *
     * @return work done.
     */
    int requestFlushIfDue()
    {
        return State.STREAMING == state && isEndRequested ? tracker.requestFlush() : 0;
    }

    /**
     * Has every stripe published everything queued before the end?
     *
     * @return true when the end may be sent.
     */
    boolean isDrained()
    {
        return State.STREAMING == state && isEndRequested && tracker.isDrained();
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
        tracker.endSent();
    }

    /**
     * Which stripe, if any, has been silent too long while streaming or awaiting the verdict.
     *
     * @param nowNs     current time.
     * @param timeoutNs peer timeout.
     * @return the stripe index, or -1.
     */
    int silentStripe(final long nowNs, final long timeoutNs)
    {
        return State.STREAMING == state || State.AWAITING_VERDICT == state ?
            tracker.silentStripe(nowNs, timeoutNs) : -1;
    }

    String silenceOf(final int stripe, final long nowNs)
    {
        return tracker.silenceOf(stripe, peer.endpoint(), nowNs);
    }

    /** Tell the workers to let go of the stripes; the resources go once they all have. */
    void release()
    {
        state = State.DONE;
        tracker.release();
    }

    int retryRelease()
    {
        return tracker.retryRelease();
    }

    boolean onReleased()
    {
        return tracker.onReleased();
    }

    /** Close what the conductor owns: publications, stripe counters and the source. After every release. */
    void closeResources()
    {
        publications.close();
        CloseHelper.closeAll(stripeCounters);
        source.close();
    }

    void dropDictionary()
    {
        tracker.dropDictionary();
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
        return tracker.queuedPages();
    }

    /**
     * The ends of the stripes' sequences at the last flush, for the transfer end frame.
     *
     * @return one per stripe; read only.
     */
    long[] lastSequences()
    {
        return tracker.lastSequences();
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
