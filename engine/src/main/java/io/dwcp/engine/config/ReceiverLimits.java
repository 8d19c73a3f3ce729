package io.dwcp.engine.config;

/**
 * What a receiver lets its peers make it hold, and how it checks handshakes. Fluent setters; defaults from
 * {@link SecurityConfiguration}. Every refusal these cause is counted and, to an authenticated peer, explained.
 */
public final class ReceiverLimits
{
    private long maxImageBytes = SecurityConfiguration.maxImageBytes();
    private int maxTransfers = SecurityConfiguration.maxTransfers();
    private int maxTransfersPerPeer = SecurityConfiguration.maxTransfersPerPeer();
    private int maxPeers = SecurityConfiguration.maxPeers();
    private long peerIdleMs = SecurityConfiguration.peerIdleMs();
    private long diskReserveBytes = SecurityConfiguration.diskReserveBytes();
    private boolean keepFailed = SecurityConfiguration.keepFailed();
    private long handshakeWindowMs = SecurityConfiguration.handshakeWindowMs();
    private long handshakesPerSecond = SecurityConfiguration.handshakesPerSecond();
    private int maxTermLength = SecurityConfiguration.maxTermLength();

    void conclude()
    {
        EngineContext.requirePositive("maxImageBytes", maxImageBytes);
        EngineContext.requirePositive("maxTransfers", maxTransfers);
        EngineContext.requirePositive("maxTransfersPerPeer", maxTransfersPerPeer);
        EngineContext.requirePositive("maxPeers", maxPeers);
        EngineContext.requirePositive("peerIdleMs", peerIdleMs);
        EngineContext.requirePositive("handshakeWindowMs", handshakeWindowMs);
        EngineContext.requirePositive("handshakesPerSecond", handshakesPerSecond);
        EngineContext.requirePositive("maxTermLength", maxTermLength);
        if (diskReserveBytes < 0)
        {
            throw new IllegalStateException("diskReserveBytes=" + diskReserveBytes + " must not be negative");
        }
    }

    /**
     * @param maxImageBytes largest image accepted.
     * @return this.
     */
    public ReceiverLimits maxImageBytes(final long maxImageBytes)
    {
        this.maxImageBytes = maxImageBytes;
        return this;
    }

    /** @return largest image accepted. */
    public long maxImageBytes()
    {
        return maxImageBytes;
    }

    /**
     * @param maxTransfers transfers held at once.
     * @return this.
     */
    public ReceiverLimits maxTransfers(final int maxTransfers)
    {
        this.maxTransfers = maxTransfers;
        return this;
    }

    /** @return transfers held at once. */
    public int maxTransfers()
    {
        return maxTransfers;
    }

    /**
     * @param maxTransfersPerPeer transfers held at once for one peer.
     * @return this.
     */
    public ReceiverLimits maxTransfersPerPeer(final int maxTransfersPerPeer)
    {
        this.maxTransfersPerPeer = maxTransfersPerPeer;
        return this;
    }

    /** @return transfers held at once for one peer. */
    public int maxTransfersPerPeer()
    {
        return maxTransfersPerPeer;
    }

    /**
     * @param maxPeers reply publications kept.
     * @return this.
     */
    public ReceiverLimits maxPeers(final int maxPeers)
    {
        this.maxPeers = maxPeers;
        return this;
    }

    /** @return reply publications kept. */
    public int maxPeers()
    {
        return maxPeers;
    }

    /**
     * @param peerIdleMs how long a reply publication that no transfer uses is kept.
     * @return this.
     */
    public ReceiverLimits peerIdleMs(final long peerIdleMs)
    {
        this.peerIdleMs = peerIdleMs;
        return this;
    }

    /** @return how long a reply publication that no transfer uses is kept. */
    public long peerIdleMs()
    {
        return peerIdleMs;
    }

    /**
     * @param diskReserveBytes free space to leave beyond an image's size.
     * @return this.
     */
    public ReceiverLimits diskReserveBytes(final long diskReserveBytes)
    {
        this.diskReserveBytes = diskReserveBytes;
        return this;
    }

    /** @return free space to leave beyond an image's size. */
    public long diskReserveBytes()
    {
        return diskReserveBytes;
    }

    /**
     * @param keepFailed keep the destination files of failed transfers.
     * @return this.
     */
    public ReceiverLimits keepFailed(final boolean keepFailed)
    {
        this.keepFailed = keepFailed;
        return this;
    }

    /** @return keep the destination files of failed transfers. */
    public boolean keepFailed()
    {
        return keepFailed;
    }

    /**
     * @param handshakeWindowMs how far a sender's clock may be from this receiver's.
     * @return this.
     */
    public ReceiverLimits handshakeWindowMs(final long handshakeWindowMs)
    {
        this.handshakeWindowMs = handshakeWindowMs;
        return this;
    }

    /** @return how far a sender's clock may be from this receiver's. */
    public long handshakeWindowMs()
    {
        return handshakeWindowMs;
    }

    /**
     * @param handshakesPerSecond handshakes examined per second at most.
     * @return this.
     */
    public ReceiverLimits handshakesPerSecond(final long handshakesPerSecond)
    {
        this.handshakesPerSecond = handshakesPerSecond;
        return this;
    }

    /** @return handshakes examined per second at most. */
    public long handshakesPerSecond()
    {
        return handshakesPerSecond;
    }

    /**
     * @param maxTermLength largest term of a sender's session; a larger one is rejected at the Aeron level.
     * @return this.
     */
    public ReceiverLimits maxTermLength(final int maxTermLength)
    {
        this.maxTermLength = maxTermLength;
        return this;
    }

    /** @return largest term of a sender's session. */
    public int maxTermLength()
    {
        return maxTermLength;
    }
}
