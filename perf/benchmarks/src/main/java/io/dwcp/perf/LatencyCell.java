package io.dwcp.perf;

import org.HdrHistogram.Histogram;

import java.util.Locale;

/**
 * One measured cell of a {@link LatencyHarness} run: one system at one batch size and rate, with its latencies.
 * <p>
 * Immutable once measured; the histogram is filled on the thread that ran the cell and read after it.
 *
 * @param system    "engine" or "raw Aeron".
 * @param batch     pages per batch.
 * @param rate      pages per second.
 * @param histogram latencies in nanoseconds.
 */
record LatencyCell(String system, int batch, long rate, Histogram histogram)
{
    /**
     * Tag of the cell's histogram in {@code latency.hlog}.
     *
     * @return for example {@code engine-batch16-rate10000}.
     */
    String tag()
    {
        return (system.startsWith("engine") ? "engine" : "aeron") + "-batch" + batch + "-rate" + rate;
    }

    /**
     * One line of the run's progress output.
     *
     * @return the cell's p50, p99 and max, in microseconds, and its batch count.
     */
    String summary()
    {
        return String.format(Locale.ROOT, "%-9s batch %3d rate %6d pages/s: p50 %8.1f us  p99 %8.1f us  " +
            "max %9.1f us (%d batches)", system, batch, rate, histogram.getValueAtPercentile(50) / 1e3,
            histogram.getValueAtPercentile(99) / 1e3, histogram.getMaxValue() / 1e3, histogram.getTotalCount());
    }
}
