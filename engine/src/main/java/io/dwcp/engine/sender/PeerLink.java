package io.dwcp.engine.sender;

import io.dwcp.engine.link.BandwidthBudget;
import io.dwcp.engine.link.LinkAdaptation;
import io.dwcp.engine.link.PathMonitor;
import io.dwcp.engine.status.LinkCounters;
import org.agrona.CloseHelper;

/**
 * The link to one receiver as the sender knows it: its path monitor, its adaptation, its bandwidth budget and its
 * counters.
 * <p>
 * Not thread safe: owned by the conductor.
 */
final class PeerLink implements AutoCloseable
{
    private final PathMonitor monitor;
    private final BandwidthBudget budget;
    private final LinkCounters counters;
    private LinkAdaptation adaptation;
    private long lastSampleNs;
    private long lastBusyNs;

    PeerLink(final PathMonitor monitor, final BandwidthBudget budget, final LinkCounters counters)
    {
        this.monitor = monitor;
        this.budget = budget;
        this.counters = counters;
    }

    PathMonitor monitor()
    {
        return monitor;
    }

    BandwidthBudget budget()
    {
        return budget;
    }

    LinkCounters counters()
    {
        return counters;
    }

    /**
     * @return the adaptation.
     */
    LinkAdaptation adaptation()
    {
        return adaptation;
    }

    void adaptation(final LinkAdaptation adaptation)
    {
        this.adaptation = adaptation;
    }

    long lastSampleNs()
    {
        return lastSampleNs;
    }

    void lastSampleNs(final long lastSampleNs)
    {
        this.lastSampleNs = lastSampleNs;
    }

    long lastBusyNs()
    {
        return lastBusyNs;
    }

    void lastBusyNs(final long lastBusyNs)
    {
        this.lastBusyNs = lastBusyNs;
    }

    public void close()
    {
        CloseHelper.close(counters);
    }
}
