package io.dwcp.engine.sender;

/**
 * What a transfer carries from one attempt to the next and into its outcome: where its commands start in the queue,
 * since when its receiver is lost while it is reopened, and the page batches that were refused, which keep it from
 * completing as verified.
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
