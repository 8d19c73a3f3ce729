package io.dwcp.engine.sender;

/**
 * What a transfer carries from one attempt to the next and into its outcome: where its commands start in the queue,
 * since when its receiver is lost while it is reopened, what the earlier attempts of this sender sent and when the
 * first of them started (so that the outcome describes the whole transfer, not its last attempt), and the page
 * batches that were refused, which keep it from completing as verified.
 * <p>
 * Not thread safe: owned by the conductor.
 */
final class TransferHistory
{
    /** No index: the transfer's commands cannot be read again. */
    static final long NO_INDEX = -1;

    private long commandIndex = NO_INDEX;
    private long lostSinceNs;
    private boolean isReopened;
    private long firstStartNs;
    private long earlierPagesSent;
    private long earlierWireBytes;
    private int earlierAttempts;
    private long helloSinceNs;
    private long refusedBatches;
    private String firstRefusal;

    long commandIndex()
    {
        return commandIndex;
    }

    void commandIndex(final long commandIndex)
    {
        this.commandIndex = commandIndex;
    }

    /**
     * This attempt reopens a transfer whose receiver was lost, or that a restarted sender left open.
     *
     * @param lostSinceNs when the first attempt lost its receiver, or the restart.
     */
    void reopened(final long lostSinceNs)
    {
        this.lostSinceNs = lostSinceNs;
        isReopened = true;
    }

    /**
     * Carry the attempts before this one into it; a sender that restarted knows none of its predecessor's.
     *
     * @param earlier the history of the attempt that lost its receiver.
     * @param startNs when that attempt started.
     * @param pagesSent pages that attempt sent.
     * @param wireBytes wire bytes that attempt sent.
     */
    void continues(final TransferHistory earlier, final long startNs, final long pagesSent, final long wireBytes)
    {
        firstStartNs = 0 == earlier.earlierAttempts ? startNs : earlier.firstStartNs;
        earlierPagesSent = earlier.earlierPagesSent + pagesSent;
        earlierWireBytes = earlier.earlierWireBytes + wireBytes;
        earlierAttempts = earlier.earlierAttempts + 1;
    }

    /**
     * When the transfer's first attempt in this sender started.
     *
     * @param startNs when this attempt started.
     * @return the earliest start.
     */
    long firstStartNs(final long startNs)
    {
        return 0 == earlierAttempts ? startNs : firstStartNs;
    }

    /**
     * @return pages the earlier attempts sent.
     */
    long earlierPagesSent()
    {
        return earlierPagesSent;
    }

    /**
     * @return wire bytes the earlier attempts sent.
     */
    long earlierWireBytes()
    {
        return earlierWireBytes;
    }

    /**
     * @return attempts before this one, in this sender.
     */
    int earlierAttempts()
    {
        return earlierAttempts;
    }

    /**
     * Is the Hello of a reopened transfer due for a new handshake? A receiver that restarted since it was made
     * refuses it as older than the receiver's start.
     *
     * @param nowNs      current time.
     * @param intervalNs between new handshakes.
     * @return true, once per interval.
     */
    boolean isHelloRenewalDue(final long nowNs, final long intervalNs)
    {
        if (0 == helloSinceNs)
        {
            helloSinceNs = nowNs;
        }
        if (nowNs - helloSinceNs < intervalNs)
        {
            return false;
        }
        helloSinceNs = nowNs;
        return true;
    }

    boolean isReopened()
    {
        return isReopened;
    }

    long lostSinceNs()
    {
        return lostSinceNs;
    }

    /**
     * A page batch of the transfer was refused.
     *
     * @param reason why, as the agent was told.
     */
    void batchRefused(final String reason)
    {
        if (0 == refusedBatches++)
        {
            firstRefusal = reason;
        }
    }

    long refusedBatches()
    {
        return refusedBatches;
    }

    String firstRefusal()
    {
        return firstRefusal;
    }
}
