package io.dwcp.perf;

import org.HdrHistogram.Histogram;

import java.util.concurrent.TimeUnit;

/**
 * The fixed timetable of one {@link LatencyHarness} cell: batches at fixed intervals from a start time, each with
 * its intended send time remembered, so a latency is measured from when a batch should have gone, not from when it
 * did, and a stall shows in every batch behind it. Batches in the warm-up are not recorded.
 * <p>
 * Not thread safe: take and record on the thread that runs the cell.
 */
final class LatencySchedule
{
    /** Longest latency a histogram tracks; a longer one is recorded as this. */
    static final long HIGHEST_TRACKABLE_NS = TimeUnit.SECONDS.toNanos(120);

    private final long startNs;
    private final long intervalNs;
    private final long warmupNs;
    private final long[] intendedNs;
    private int next;

    /**
     * A timetable for one cell.
     *
     * @param startNs    intended send time of the first batch, on {@link System#nanoTime()}.
     * @param batch      pages per batch.
     * @param rate       pages per second.
     * @param warmupNs   unmeasured time from the start.
     * @param durationNs measured time after it.
     */
    LatencySchedule(final long startNs, final int batch, final long rate, final long warmupNs, final long durationNs)
    {
        this.startNs = startNs;
        this.intervalNs = Math.max(1, (long)(batch * 1e9 / rate));
        this.warmupNs = warmupNs;
        intendedNs = new long[(int)Math.max(1, (warmupNs + durationNs) / intervalNs)];
    }

    /**
     * Is a batch still to be sent?
     *
     * @return true until every batch has been taken.
     */
    boolean hasNext()
    {
        return next < intendedNs.length;
    }

    /**
     * When the next batch is meant to go.
     *
     * @return its intended send time.
     */
    long nextIntendedNs()
    {
        return startNs + next * intervalNs;
    }

    /**
     * Take the next batch, remembering its intended send time.
     *
     * @return its index, from 0.
     */
    int take()
    {
        intendedNs[next] = nextIntendedNs();
        return next++;
    }

    /**
     * Batches in the cell, warm-up included.
     *
     * @return the number of batches.
     */
    int count()
    {
        return intendedNs.length;
    }

    /**
     * Record a batch's latency, from its intended send time to its arrival, unless it was sent in the warm-up.
     *
     * @param histogram of the cell.
     * @param index     of the batch, as {@link #take()} gave it.
     * @param arrivedNs when it arrived at the far end, on the same clock.
     */
    void record(final Histogram histogram, final int index, final long arrivedNs)
    {
        final long intended = intendedNs[index];
        if (intended - startNs >= warmupNs)
        {
            histogram.recordValue(Math.min(HIGHEST_TRACKABLE_NS, Math.max(0, arrivedNs - intended)));
        }
    }
}
