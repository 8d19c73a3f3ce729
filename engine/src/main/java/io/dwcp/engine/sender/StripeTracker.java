package io.dwcp.engine.sender;

import io.dwcp.engine.status.StripeCounter;
import io.dwcp.engine.status.StripeCounters;
import io.dwcp.engine.transport.StripeLayout;
import org.agrona.collections.LongArrayQueue;

import java.util.concurrent.TimeUnit;

/**
 * The conductor's view of one transfer's stripes: it routes pages, round ends and repairs to the workers that own
 * the stripes, forwards the receiver's per-stripe acknowledgements, runs the flush that precedes the transfer's
 * end, watches each stripe for silence, and releases the stripes at the end. Anything a worker's full queue
 * refuses is kept here and forwarded in a later duty cycle.
 * <p>
 * Not thread safe: owned by the conductor.
 */
final class StripeTracker
{
    private final int slot;
    private final StripeLayout layout;
    private final Stripe[] stripes;
    private final StripeCounters[] stripeCounters;
    private final WorkerProxy[] workers;
    private final int hostingWorkers;
    private final StripeStatistics statistics;
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
    private long routedTotal;
    private long flushEpoch;
    private int stripesDrained = -1;
    private boolean isStartPending;
    private boolean isDictionaryDropPending;
    private int pendingLevel;
    private int releasesOutstanding;

    StripeTracker(
        final int slot,
        final Stripe[] stripes,
        final StripeCounters[] stripeCounters,
        final WorkerProxy[] workers,
        final StripeStatistics statistics)
    {
        this.slot = slot;
        this.stripes = stripes;
        this.layout = stripes[0].layout();
        this.stripeCounters = stripeCounters;
        this.workers = workers;
        this.hostingWorkers = Math.min(workers.length, stripes.length);
        this.statistics = statistics;
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

    int stripeCount()
    {
        return stripes.length;
    }

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

    /** Tell the hosting workers of the transfer; called once, after the room was checked. */
    void addToWorkers()
    {
        for (int w = 0; w < hostingWorkers; w++)
        {
            workers[w].addTransfer(slot);
        }
    }

    /**
     * Start the stripes once the receiver accepted the transfer.
     *
     * @param nowNs current time.
     */
    void start(final long nowNs)
    {
        for (int k = 0; k < stripes.length; k++)
        {
            lastProgressNs[k] = nowNs;
        }
        isStartPending = true;
    }

    void queueRange(final int round, final long firstPage, final long pageCount)
    {
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
            final int k = (int)((firstChunk + i) % stripes.length);
            workers[k % workers.length].queueRange(slot, round, firstPage, pageCount);
        }
    }

    void queueInline(final int round, final long pageNumber)
    {
        final int k = layout.stripeOf(pageNumber);
        routedPages[k]++;
        routedTotal++;
        workers[k % workers.length].queueInline(slot, round, pageNumber);
    }

    void endRound(final int round)
    {
        for (int w = 0; w < hostingWorkers; w++)
        {
            workers[w].endRound(slot, round);
        }
    }

    /**
     * A page to send again in full on its stripe; the end that follows is a new epoch's.
     *
     * @param pageNumber of the page.
     */
    void queueRepair(final long pageNumber)
    {
        pendingRepairs.addLong(pageNumber);
        stripesDrained = -1;
    }

    /**
     * Tell the workers to compress the stripes at another level.
     *
     * @param level zstd level, not 0.
     */
    void compressionLevel(final int level)
    {
        pendingLevel = level;
    }

    void dropDictionary()
    {
        isDictionaryDropPending = true;
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
        // Never beyond what was sent: an ack from the future would hide a lost receiver.
        final long acked = Math.min(sequence, stripeCounters[stripe].get(StripeCounter.FRAMES_SENT).get());
        if (acked > ackedSequence[stripe])
        {
            ackedSequence[stripe] = acked;
            ackTimestampNs[stripe] = receiverTimestampNs;
            lastProgressNs[stripe] = nowNs;
        }
    }

    /**
     * Forward to the workers what they have not been told yet: the start, acknowledgements, repairs, a dropped
     * dictionary.
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
                // A start repeated to a worker that already had it does nothing.
                isStarted &= workers[w].startTransfer(slot);
            }
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
        if (0 != pendingLevel)
        {
            boolean isSet = true;
            for (int w = 0; w < hostingWorkers; w++)
            {
                // Setting a level twice does nothing.
                isSet &= workers[w].level(slot, pendingLevel);
            }
            pendingLevel = isSet ? 0 : pendingLevel;
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
     * Ask the stripes to report once everything queued so far is published, if not yet asked in this epoch.
     *
     * @return work done.
     */
    int requestFlush()
    {
        if (!pendingRepairs.isEmpty() || isStartPending)
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
        return stripesDrained == stripes.length && pendingRepairs.isEmpty();
    }

    /** The end went: repairs after it start a new epoch and a new end. */
    void endSent()
    {
        stripesDrained = -1;
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
     * Which stripe, if any, has had frames or pages outstanding without progress for longer than the timeout.
     *
     * @param nowNs     current time.
     * @param timeoutNs peer timeout.
     * @return the stripe index, or -1.
     */
    int silentStripe(final long nowNs, final long timeoutNs)
    {
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
     * @param stripe   that is silent.
     * @param endpoint of the receiver.
     * @param nowNs    current time.
     * @return the reason.
     */
    String silenceOf(final int stripe, final String endpoint, final long nowNs)
    {
        final long sent = stripeCounters[stripe].get(StripeCounter.FRAMES_SENT).get();
        return "stripe " + stripe + " of " + stripes.length + " to " + endpoint + " made no progress for " +
            TimeUnit.NANOSECONDS.toMillis(nowNs - lastProgressNs[stripe]) + " ms with " +
            (sent - ackedSequence[stripe]) + " frames unacknowledged and " +
            (routedPages[stripe] - statistics.get(stripe, StripeStatistics.Total.PAGES)) + " pages unsent";
    }

    long queuedPages()
    {
        return Math.max(0, routedTotal + pendingRepairs.size() - statistics.sum(StripeStatistics.Total.PAGES));
    }

    /** Tell the hosting workers to let go of the stripes; the resources go once they all have. */
    void release()
    {
        releasesOutstanding = hostingWorkers;
        for (int w = 0; w < hostingWorkers; w++)
        {
            // A full queue: retryRelease sends it again; a removal is never lost.
            releasePending[w] = true;
        }
        retryRelease();
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
}
