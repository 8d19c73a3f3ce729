package io.dwcp.engine.sender;

/**
 * What one transfer keeps of its link: when it probes next, the receiver's last count of bytes received, whether
 * its level follows the link, and the bandwidth it reserved.
 * <p>
 * Not thread safe: owned by the conductor.
 */
final class TransferLink
{
    private final boolean isLevelAdaptive;
    private final long reservedBps;
    private long[] blockedNs;
    private int level;
    private long nextProbeNs;
    private long bytesReceived;

    TransferLink(final boolean isLevelAdaptive, final int level, final long reservedBps)
    {
        this.isLevelAdaptive = isLevelAdaptive;
        this.level = level;
        this.reservedBps = reservedBps;
    }

    boolean isLevelAdaptive()
    {
        return isLevelAdaptive;
    }

    int level()
    {
        return level;
    }

    void level(final int level)
    {
        this.level = level;
    }

    long reservedBps()
    {
        return reservedBps;
    }

    /**
     * The largest share of an interval any stripe waited on back pressure.
     *
     * @param transfer  this link's.
     * @param elapsedNs since the last call.
     * @return 0 to 1.
     */
    double blockedShare(final OutboundTransfer transfer, final long elapsedNs)
    {
        final int stripes = transfer.stripeCount();
        if (null == blockedNs || blockedNs.length != stripes)
        {
            blockedNs = new long[stripes];
        }
        long most = 0;
        for (int k = 0; k < stripes; k++)
        {
            final long now = transfer.stripeBlockedNs(k);
            most = Math.max(most, now - blockedNs[k]);
            blockedNs[k] = now;
        }
        return elapsedNs > 0 ? Math.min(1.0, (double)most / elapsedNs) : 0;
    }

    long nextProbeNs()
    {
        return nextProbeNs;
    }

    void nextProbeNs(final long nextProbeNs)
    {
        this.nextProbeNs = nextProbeNs;
    }

    /**
     * The receiver's cumulative count arrived: how much it grew since the last one.
     *
     * @param reported cumulative bytes received.
     * @return bytes delivered since the previous report, 0 when it did not grow.
     */
    long onBytesReceived(final long reported)
    {
        final long delta = reported - bytesReceived;
        if (delta <= 0)
        {
            return 0;
        }
        bytesReceived = reported;
        return delta;
    }
}
