package io.dwcp.engine.link;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PathMonitorTest
{
    private static final long MS = 1_000_000L;

    @Test
    void echoIsBelievedOnlyForAnOutstandingProbeWithItsOwnTimestamp()
    {
        final PathMonitor monitor = new PathMonitor(0);
        final long sequence = monitor.nextProbe(100 * MS);
        assertEquals(PathMonitor.REFUSED, monitor.onEcho(sequence, 100 * MS - 1, 104 * MS), "forged timestamp");
        assertEquals(PathMonitor.REFUSED, monitor.onEcho(sequence + 1, 100 * MS, 104 * MS), "never sent");
        assertEquals(PathMonitor.REFUSED, monitor.onEcho(0, 0, 104 * MS), "no sequence");
        assertEquals(4 * MS, monitor.onEcho(sequence, 100 * MS, 104 * MS));
        assertEquals(PathMonitor.REFUSED, monitor.onEcho(sequence, 100 * MS, 105 * MS), "replayed");
        assertEquals(4, monitor.refusedEchoes());
        assertEquals(1, monitor.echoes());

        // A probe the ring has since overwritten is forgotten.
        final long old = monitor.nextProbe(200 * MS);
        for (int i = 0; i < PathMonitor.PROBES_IN_FLIGHT; i++)
        {
            monitor.nextProbe(201 * MS);
        }
        assertEquals(PathMonitor.REFUSED, monitor.onEcho(old, 200 * MS, 210 * MS));
    }

    @Test
    void sampleGivesDeliveredBandwidthRoundTripJitterAndLoss()
    {
        final PathMonitor monitor = new PathMonitor(0);
        assertFalse(monitor.sampleIfDue(0, 0, 0), "the first call starts the first sample");
        long nowNs = 0;
        for (int i = 0; i < 5; i++)
        {
            final long sentNs = nowNs;
            final long sequence = monitor.nextProbe(sentNs);
            nowNs += (i % 2 == 0 ? 10 : 12) * MS;
            monitor.onEcho(sequence, sentNs, nowNs);
            monitor.onDelivered(1_250_000);
            nowNs += 90 * MS;
        }
        assertTrue(monitor.sampleIfDue(nowNs, 10_000_000, 100_000));
        final NetworkMetrics metrics = monitor.metrics();
        assertEquals(6_250_000 * 8 * 1e9 / nowNs, metrics.currentBandwidthBps(), 1e3);
        assertEquals(10 * MS, metrics.latencyNs(), "the median of 10, 12, 10, 12, 10");
        assertEquals(10 * MS, metrics.minLatencyNs());
        assertTrue(metrics.jitterNs() > 0 && metrics.jitterNs() < 2 * MS, "jitter " + metrics.jitterNs());
        assertEquals(0.01, metrics.packetLoss(), 1e-9);
        assertFalse(monitor.sampleIfDue(nowNs + 1, 20_000_000, 200_000));
        assertTrue(monitor.sampleIfDue(nowNs + PathMonitor.SAMPLE_INTERVAL_NS, 20_000_000, 600_000));
        assertEquals(0.05, monitor.metrics().packetLoss(), 1e-9);
    }
}
