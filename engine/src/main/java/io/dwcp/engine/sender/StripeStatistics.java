package io.dwcp.engine.sender;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Running totals of each stripe of a transfer that the conductor sums for progress and outcome events: pages and
 * how they were encoded. Each stripe writes only its own row, with ordered writes; the conductor reads any row.
 */
final class StripeStatistics
{
    /** The totals kept per stripe. */
    enum Total
    {
        PAGES, ZERO, RAW, COMPRESSED, UNCHANGED, DELTA, WIRE_BYTES
    }

    private static final int TOTALS = Total.values().length;

    private final int stripeCount;
    private final AtomicLongArray totals;

    StripeStatistics(final int stripeCount)
    {
        this.stripeCount = stripeCount;
        totals = new AtomicLongArray(stripeCount * TOTALS);
    }

    /**
     * A stripe published a frame. Its worker only.
     *
     * @param stripe that published it.
     * @param writer that built it.
     */
    void onFrameSent(final int stripe, final PageFrameWriter writer)
    {
        add(stripe, Total.PAGES, writer.entryCount());
        add(stripe, Total.ZERO, writer.counts().zeroPages());
        add(stripe, Total.RAW, writer.counts().rawPages());
        add(stripe, Total.COMPRESSED, writer.counts().compressedPages());
        add(stripe, Total.UNCHANGED, writer.counts().unchangedPages());
        add(stripe, Total.DELTA, writer.counts().deltaPages());
        add(stripe, Total.WIRE_BYTES, writer.frameLength());
    }

    private void add(final int stripe, final Total total, final long delta)
    {
        if (0 != delta)
        {
            final int i = stripe * TOTALS + total.ordinal();
            // Single writer per element: a plain read and an ordered write suffice.
            totals.lazySet(i, totals.get(i) + delta);
        }
    }

    /**
     * A total over every stripe.
     *
     * @param total which.
     * @return the sum.
     */
    long sum(final Total total)
    {
        long sum = 0;
        for (int stripe = 0; stripe < stripeCount; stripe++)
        {
            sum += totals.get(stripe * TOTALS + total.ordinal());
        }
        return sum;
    }

    /**
     * One stripe's total.
     *
     * @param stripe which.
     * @param total  which.
     * @return its value.
     */
    long get(final int stripe, final Total total)
    {
        return totals.get(stripe * TOTALS + total.ordinal());
    }
}
