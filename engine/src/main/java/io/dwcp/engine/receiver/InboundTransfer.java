package io.dwcp.engine.receiver;

import io.dwcp.engine.memory.MappedImage;
import io.dwcp.engine.transport.AsyncPublication;
import io.dwcp.engine.transport.StripeLayout;
import io.dwcp.codecs.wire.HelloStatus;
import org.agrona.CloseHelper;

/**
 * One transfer on the receiver: its destination, its stripes' images, the end the sender announced and the final
 * verification.
 * <p>
 * Not thread safe: owned by the receiver's agents, which share a thread.
 */
final class InboundTransfer implements AutoCloseable
{
    /** Where a transfer is in its life. */
    enum State
    {
        /** Applying page frames. */
        RECEIVING,
        /** The verifier is computing the digest of the destination. */
        VERIFYING,
        /** Verdict computed; waiting to send it. */
        VERDICT_READY,
        /** Verdict sent; kept a while so that repairs and a repeated end are answered, then removed. */
        DONE
    }

    private final long transferId;
    private final String vmId;
    private final int pageSize;
    private final long fileSize;
    private final long pageCount;
    private final MappedImage destination;
    private final AsyncPublication peer;
    private final int controlSessionId;
    private final StripeLayout layout;
    private final StripeImage[] stripes;
    private final long[] endLastSequences;
    private long lastFrameNs;
    private long doneNs;
    private String failure;
    private State state = State.RECEIVING;
    private boolean isHelloAckPending = true;
    private boolean isAckPending;
    private boolean isEndReceived;
    private boolean isEndAheadCounted;
    private long expectedDigest;
    private long digest;
    private ReceiverSession session;
    private TransferJournal journal;
    private boolean isResumed;
    private long heldCursor = -1;
    private long heldMatched;
    private long lastFlushNs;
    private boolean isKeptForResume;
    private boolean isAbandoned;
    private boolean isJournalVerified;

    InboundTransfer(
        final long transferId,
        final String vmId,
        final int pageSize,
        final long fileSize,
        final int stripeCount,
        final MappedImage destination,
        final AsyncPublication peer,
        final int controlSessionId,
        final long nowNs)
    {
        this.transferId = transferId;
        this.vmId = vmId;
        this.pageSize = pageSize;
        this.fileSize = fileSize;
        this.pageCount = fileSize / pageSize;
        this.destination = destination;
        this.peer = peer;
        this.controlSessionId = controlSessionId;
        this.layout = new StripeLayout(stripeCount);
        this.stripes = new StripeImage[stripeCount];
        this.endLastSequences = new long[stripeCount];
        this.lastFrameNs = nowNs;
    }

    String vmId()
    {
        return vmId;
    }

    ReceiverSession session()
    {
        return session;
    }

    void session(final ReceiverSession session)
    {
        this.session = session;
    }

    void stripe(final int index, final StripeImage image)
    {
        stripes[index] = image;
    }

    StripeImage stripe(final int index)
    {
        return stripes[index];
    }

    int stripeCount()
    {
        return stripes.length;
    }

    StripeLayout layout()
    {
        return layout;
    }

    /**
     * The Aeron session whose Hello opened this transfer: its end comes on the same session.
     *
     * @return the session id.
     */
    int controlSessionId()
    {
        return controlSessionId;
    }

    boolean hasSameGeometry(
        final int pageSize, final long fileSize, final int stripeCount, final String vmId, final AsyncPublication peer)
    {
        return this.pageSize == pageSize && this.fileSize == fileSize && stripes.length == stripeCount &&
            this.vmId.equals(vmId) && this.peer == peer;
    }

    void onFrame(final long nowNs)
    {
        lastFrameNs = nowNs;
        isAckPending = true;
        onDestinationChanged();
    }

    /** The destination changed, or will: a verification under way or done is void, and the next end verifies. */
    void onDestinationChanged()
    {
        if (isJournalVerified)
        {
            // Pages after the verdict (repairs): verified again at the next end, resumable until then.
            journal.clearVerified();
            isJournalVerified = false;
        }
        if (State.VERIFYING == state || State.VERDICT_READY == state || State.DONE == state)
        {
            state = State.RECEIVING;
        }
    }

    /**
     * Fail the transfer: the next duty cycle tells the sender and removes it.
     *
     * @param failure for the sender and the events.
     */
    void fail(final String failure)
    {
        if (null == this.failure)
        {
            this.failure = failure;
        }
    }

    String failure()
    {
        return failure;
    }

    long lastFrameNs()
    {
        return lastFrameNs;
    }

    /**
     * The receiver is verifying the transfer, so the sender, waiting for the verdict, owes it no frame.
     *
     * @param nowNs current time, from which the sender's silence counts again.
     */
    void onVerifying(final long nowNs)
    {
        lastFrameNs = nowNs;
    }

    void done(final long nowNs)
    {
        state = State.DONE;
        doneNs = nowNs;
    }

    long doneNs()
    {
        return doneNs;
    }

    /**
     * The sender says every page is sent.
     *
     * @param stripe         index of an entry of the end.
     * @param lastSequence   the stripe's last frame.
     */
    void endLastSequence(final int stripe, final long lastSequence)
    {
        endLastSequences[stripe] = lastSequence;
    }

    void onTransferEnd(final long expectedDigest, final long nowNs)
    {
        isEndReceived = true;
        isEndAheadCounted = false;
        lastFrameNs = nowNs;
        this.expectedDigest = expectedDigest;
        if (State.DONE == state || State.VERDICT_READY == state)
        {
            // A repeated end after repairs: verify again and answer again.
            state = State.RECEIVING;
        }
    }

    /**
     * The first stripe whose frames the end names have not all arrived.
     *
     * @return its index, or -1 when every stripe has reached its end.
     */
    int stripeBehindEnd()
    {
        for (int k = 0; k < stripes.length; k++)
        {
            if (stripes[k].highestSequence() < endLastSequences[k])
            {
                return k;
            }
        }
        return -1;
    }

    long endLastSequence(final int stripe)
    {
        return endLastSequences[stripe];
    }

    boolean isEndReceived()
    {
        return isEndReceived;
    }

    /**
     * Count an end that is ahead of the frames once per end.
     *
     * @return true the first time it is asked after an end.
     */
    boolean countEndAhead()
    {
        final boolean isFirst = !isEndAheadCounted;
        isEndAheadCounted = true;
        return isFirst;
    }

    boolean isReadyToVerify()
    {
        if (State.RECEIVING != state || !isEndReceived)
        {
            return false;
        }
        for (int k = 0; k < stripes.length; k++)
        {
            // Frames beyond the end (repairs) are covered only by the end that follows them.
            if (stripes[k].outstandingRepairs() > 0 || stripes[k].highestSequence() != endLastSequences[k])
            {
                return false;
            }
        }
        return true;
    }

    void startVerify()
    {
        state = State.VERIFYING;
    }

    void verdictReady(final long digest)
    {
        this.digest = digest;
        state = State.VERDICT_READY;
    }

    boolean isMatch()
    {
        return digest == expectedDigest;
    }

    long digest()
    {
        return digest;
    }

    long pagesApplied()
    {
        long total = 0;
        for (final StripeImage stripe : stripes)
        {
            total += stripe.pagesApplied();
        }
        return total;
    }

    long pagesRejected()
    {
        long total = 0;
        for (final StripeImage stripe : stripes)
        {
            total += stripe.pagesRejected();
        }
        return total;
    }

    State state()
    {
        return state;
    }

    boolean isHelloAckPending()
    {
        return isHelloAckPending;
    }

    void helloAckPending(final boolean isHelloAckPending)
    {
        this.isHelloAckPending = isHelloAckPending;
    }

    /**
     * Does the sender need an acknowledgement: a stripe's frames, or a sign of life during verification?
     *
     * @return true if so.
     */
    boolean isAckPending()
    {
        return isAckPending;
    }

    void ackPending(final boolean isAckPending)
    {
        this.isAckPending = isAckPending;
    }

    long transferId()
    {
        return transferId;
    }

    int pageSize()
    {
        return pageSize;
    }

    long pageCount()
    {
        return pageCount;
    }

    MappedImage destination()
    {
        return destination;
    }

    AsyncPublication peer()
    {
        return peer;
    }

    /**
     * The journal that keeps the transfer resumable, and whether its destination holds pages of an earlier attempt,
     * which the sender is told before it sends any.
     *
     * @param journal   of the transfer.
     * @param isResumed whether pages are held from an earlier attempt.
     */
    void journal(final TransferJournal journal, final boolean isResumed)
    {
        this.journal = journal;
        this.isResumed = isResumed;
        heldCursor = isResumed ? 0 : -1;
    }

    TransferJournal journal()
    {
        return journal;
    }

    boolean isResumed()
    {
        return isResumed;
    }

    /**
     * The HelloAck's status: resumed when pages of an earlier attempt are held.
     *
     * @return the status.
     */
    HelloStatus helloStatus()
    {
        return isResumed ? HelloStatus.RESUMED : HelloStatus.ACCEPTED;
    }

    long lastFlushNs()
    {
        return lastFlushNs;
    }

    void lastFlushNs(final long nowNs)
    {
        lastFlushNs = nowNs;
    }

    boolean hasJournal()
    {
        return null != journal;
    }

    /** Verified and durable: the journal says so, for a restarted receiver to clear it. */
    void journalVerified()
    {
        if (null != journal && !isJournalVerified)
        {
            journal.markVerified();
            isJournalVerified = true;
        }
    }

    /** Removing this attempt keeps its destination and journal for the next. */
    void keepForResume()
    {
        isKeptForResume = true;
    }

    boolean isKeptForResume()
    {
        return isKeptForResume;
    }

    /** The agent abandoned the transfer: everything of it goes. */
    void abandon()
    {
        isAbandoned = true;
    }

    boolean isAbandoned()
    {
        return isAbandoned;
    }

    /**
     * Close and remove the journal: the transfer is verified, failed for good, or abandoned.
     *
     * @param counters where a failure to remove it is counted.
     */
    void dropJournal(final io.dwcp.engine.status.EngineCounters counters)
    {
        if (null == journal)
        {
            return;
        }
        try
        {
            journal.delete();
        }
        catch (final java.io.IOException ex)
        {
            counters.get(io.dwcp.engine.status.EngineCounter.ERRORS).increment();
        }
        journal = null;
    }

    /**
     * Pages the sender has still to be told are held, from {@link #heldCursor()}; 0 once all are told.
     *
     * @return pages left to list.
     */
    long heldPagesToSend()
    {
        return heldCursor < 0 ? 0 : pageCount - heldCursor;
    }

    long heldCursor()
    {
        return heldCursor;
    }

    void heldSent(final int pages, final long matched)
    {
        heldCursor += pages;
        heldMatched += matched;
        if (heldCursor >= pageCount)
        {
            heldCursor = -1;
        }
    }

    long heldMatched()
    {
        return heldMatched;
    }

    /**
     * A page was applied with this CRC: its record goes to the journal, made durable at the next flush.
     *
     * @param pageNumber of the page.
     * @param crc        of its content.
     */
    void onApplied(final long pageNumber, final int crc)
    {
        if (null != journal)
        {
            journal.record(pageNumber, crc);
        }
    }

    /**
     * Make applied pages and their records durable, if any were applied since the last flush.
     *
     * @return true if a flush was done.
     * @throws java.io.IOException if the destination or the journal cannot be written out.
     */
    boolean flushJournal() throws java.io.IOException
    {
        if (null == journal || !journal.hasUnflushedRecords())
        {
            return false;
        }
        journal.flush(destination);
        return true;
    }

    @Override
    public void close()
    {
        state = State.DONE;
        for (final StripeImage stripe : stripes)
        {
            CloseHelper.close(stripe);
        }
        try
        {
            flushJournal();
        }
        catch (final java.io.IOException ignore)
        {
            // What was not made durable is sent again by a later attempt: the journal vouches only for the rest.
        }
        CloseHelper.close(journal);
        destination.close();
    }
}
