package io.dwcp.engine.receiver;

import io.dwcp.engine.memory.MappedImage;
import io.dwcp.engine.transport.AsyncPublication;
import org.agrona.collections.LongArrayQueue;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.util.BitSet;

/**
 * State of one transfer on the receiver: its destination, the pages it must ask for again and the final
 * verification.
 * <p>
 * Not thread safe: owned by the receiver agent.
 */
final class InboundTransfer implements AutoCloseable
{
    /** Where a transfer is in its life. */
    enum State
    {
        /** Applying page frames. */
        RECEIVING,
        /** Computing the digest of the destination, a slice per duty cycle. */
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
    private final int sessionId;
    private final LongArrayQueue pagesToRequest = new LongArrayQueue(64, Long.MIN_VALUE);
    private final BitSet awaitingRepair = new BitSet();
    private final BitSet requestQueued = new BitSet();
    private int outstandingRepairs;
    private long lastFrameNs;
    private long doneNs;
    private String failure;
    private io.dwcp.codec.PageCodec dictionaryCodec;
    private boolean isDictionaryRejectionPending;

    private State state = State.RECEIVING;
    private boolean isHelloAckPending = true;
    private boolean isAckPending;
    private long highestSequence;
    private long pagesApplied;
    private long pagesRejected;
    private boolean isEndReceived;
    private long expectedDigest;
    private long endLastSequence;
    private UnsafeBuffer pageCrcs;
    private long verifyCursor;
    private long digest;

    InboundTransfer(
        final long transferId,
        final String vmId,
        final int pageSize,
        final long fileSize,
        final MappedImage destination,
        final AsyncPublication peer,
        final int sessionId,
        final long nowNs)
    {
        this.sessionId = sessionId;
        this.transferId = transferId;
        this.vmId = vmId;
        this.pageSize = pageSize;
        this.fileSize = fileSize;
        this.pageCount = fileSize / pageSize;
        this.destination = destination;
        this.peer = peer;
        this.lastFrameNs = nowNs;
    }

    /**
     * The Aeron session whose Hello opened this transfer; frames from any other session are not its frames.
     *
     * @return the session id.
     */
    int sessionId()
    {
        return sessionId;
    }

    boolean hasSameGeometry(final int pageSize, final long fileSize, final String vmId, final AsyncPublication peer)
    {
        return this.pageSize == pageSize && this.fileSize == fileSize && this.vmId.equals(vmId) && this.peer == peer;
    }

    void onFrame(final long sequence, final long nowNs)
    {
        highestSequence = Math.max(highestSequence, sequence);
        lastFrameNs = nowNs;
        isAckPending = true;
        reopenIfVerified();
    }

    void onPageApplied(final long pageNumber)
    {
        pagesApplied++;
        isAckPending = true;
        if (outstandingRepairs > 0 && awaitingRepair.get((int)pageNumber))
        {
            awaitingRepair.clear((int)pageNumber);
            outstandingRepairs--;
        }
        reopenIfVerified();
    }

    /**
     * A page failed its checks: ask the sender for it again. A page whose repair also fails is asked for again.
     *
     * @param pageNumber of the page, within the image.
     * @return true if a new request was queued.
     */
    boolean onPageRejected(final long pageNumber)
    {
        pagesRejected++;
        isAckPending = true;
        reopenIfVerified();
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

    private void reopenIfVerified()
    {
        if (State.VERIFYING == state || State.VERDICT_READY == state || State.DONE == state)
        {
            // The destination changed, or will change, after or during verification: verify again at the next end.
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

    void done(final long nowNs)
    {
        state = State.DONE;
        doneNs = nowNs;
    }

    long doneNs()
    {
        return doneNs;
    }

    void onTransferEnd(final long lastSequence, final long expectedDigest, final long nowNs)
    {
        isEndReceived = true;
        lastFrameNs = nowNs;
        this.expectedDigest = expectedDigest;
        endLastSequence = Math.max(endLastSequence, lastSequence);
        if (State.DONE == state || State.VERDICT_READY == state)
        {
            // A repeated end after repairs: verify again and answer again.
            state = State.RECEIVING;
        }
    }

    boolean isReadyToVerify()
    {
        // Pages sent after the last end (repairs) are covered only by the end that follows them.
        return State.RECEIVING == state && isEndReceived && 0 == outstandingRepairs &&
            endLastSequence >= highestSequence;
    }

    void startVerify()
    {
        state = State.VERIFYING;
        verifyCursor = 0;
        if (null == pageCrcs)
        {
            pageCrcs = new UnsafeBuffer(ByteBuffer.allocateDirect(Math.toIntExact(pageCount * Integer.BYTES)));
        }
    }

    long verifyCursor()
    {
        return verifyCursor;
    }

    void verifyCursor(final long verifyCursor)
    {
        this.verifyCursor = verifyCursor;
    }

    UnsafeBuffer pageCrcs()
    {
        return pageCrcs;
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

    boolean hasPagesToRequest()
    {
        return !pagesToRequest.isEmpty();
    }

    State state()
    {
        return state;
    }

    void state(final State state)
    {
        this.state = state;
    }

    boolean isHelloAckPending()
    {
        return isHelloAckPending;
    }

    void helloAckPending(final boolean isHelloAckPending)
    {
        this.isHelloAckPending = isHelloAckPending;
    }

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

    MappedImage destination()
    {
        return destination;
    }

    AsyncPublication peer()
    {
        return peer;
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

    /**
     * This transfer's own codec, once it has a dictionary; until then the receiver's shared codec serves it.
     *
     * @return the codec, or null.
     */
    io.dwcp.codec.PageCodec dictionaryCodec()
    {
        return dictionaryCodec;
    }

    void dictionaryCodec(final io.dwcp.codec.PageCodec codec)
    {
        if (null != dictionaryCodec)
        {
            dictionaryCodec.close();
        }
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

    public void close()
    {
        state = State.DONE;
        destination.close();
        if (null != dictionaryCodec)
        {
            dictionaryCodec.close();
        }
    }

    /**
     * The destination file, for messages.
     *
     * @return its path.
     */
    java.nio.file.Path destinationFile()
    {
        return destination.file();
    }
}
