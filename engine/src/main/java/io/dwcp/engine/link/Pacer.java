package io.dwcp.engine.link;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Paces a transfer's frames at a rate, shared by its stripes whichever workers run them: a virtual clock advances
 * by each frame's time on the wire at the rate, and a frame may go when the clock is not ahead of now. After an
 * idle spell the clock may lag by at most {@link #BURST_NS}, so a burst is bounded too.
 * <p>
 * Thread safe: the conductor sets the rate, workers take turns.
 */
public final class Pacer
{
    /** Credit an idle pacer keeps. */
    public static final long BURST_NS = 2_000_000L;

    private final AtomicLong nextSendNs = new AtomicLong(Long.MIN_VALUE / 2);
    private volatile long rateBps;

    /**
     * @param rateBps bit/s, or 0 not to pace.
     */
    public void rateBps(final long rateBps)
    {
        this.rateBps = Math.max(0, rateBps);
    }

    /**
     * @return bit/s, or 0 when not paced.
     */
    public long rateBps()
    {
        return rateBps;
    }

    /**
     * May a frame go now?
     *
     * @param nowNs current time.
     * @return true when not paced, or the rate allows it.
     */
    public boolean isAllowed(final long nowNs)
    {
        return 0 == rateBps || nextSendNs.get() - nowNs <= 0;
    }

    /**
     * A frame went.
     *
     * @param bytes on the wire.
     * @param nowNs current time.
     */
    public void onSent(final int bytes, final long nowNs)
    {
        final long rate = rateBps;
        if (0 == rate)
        {
            return;
        }
        final long costNs = (long)(bytes * 8e9 / rate);
        long current;
        do
        {
            current = nextSendNs.get();
        }
        while (!nextSendNs.compareAndSet(current, Math.max(current, nowNs - BURST_NS) + costNs));
    }
}
