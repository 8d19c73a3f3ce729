package io.dwcp.engine.receiver;

import io.dwcp.engine.memory.MappedImage;
import io.dwcp.engine.transport.AsyncPublication;
import io.dwcp.engine.transport.StripeLayout;
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
    private long probeSequence;
    private long probeTimestampNs;
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
    private final TransferResume resume;
    private final VerifiedPages verifiedPages;

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
        this.resume = new TransferResume(destination, pageCount);
        this.verifiedPages = new VerifiedPages(pageCount, pageSize, destination.holes().cursor());
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
        resume.onDestinationChanged();
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

    /**
     * A path probe to echo: only the latest waits, as the sender forgets older ones.
     *
     * @param sequence    the probe's.
     * @param timestampNs the probe's, echoed unchanged.
     */
    void probe(final long sequence, final long timestampNs)
    {
        probeSequence = sequence;
        probeTimestampNs = timestampNs;
    }

    /**
     * @return sequence of the probe waiting for its echo, or 0.
     */
    long probeSequence()
    {
        return probeSequence;
    }

    long probeTimestampNs()
    {
        return probeTimestampNs;
    }

    void probeEchoed()
    {
        probeSequence = 0;
    }

    /**
     * @return bytes of page and dictionary frames received on every stripe, cumulative.
     */
    long bytesReceived()
    {
        long total = 0;
        for (final StripeImage stripe : stripes)
        {
            if (null != stripe)
            {
                total += stripe.bytesReceived();
            }
        }
        return total;
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
     * What keeps this transfer resumable: its journal, and what the sender is told it holds.
     *
     * @return the transfer's resume state.
     */
    TransferResume resume()
    {
        return resume;
    }

    /**
     * The pages verified ahead of the transfer's end.
     *
     * @return the bits.
     */
    VerifiedPages verifiedPages()
    {
        return verifiedPages;
    }

    /**
     * A page was applied with this CRC: its record goes to the journal, made durable at the next flush.
     *
     * @param pageNumber of the page.
     * @param crc        of its content.
     */
    void onApplied(final long pageNumber, final int crc)
    {
        verifiedPages.onWritten(pageNumber);
        resume.onApplied(pageNumber, crc);
    }

    @Override
    public void close()
    {
        state = State.DONE;
        for (final StripeImage stripe : stripes)
        {
            CloseHelper.close(stripe);
        }
        resume.close();
        verifiedPages.close();
        destination.close();
    }
}
