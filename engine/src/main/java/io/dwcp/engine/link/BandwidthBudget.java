package io.dwcp.engine.link;

import org.agrona.collections.Long2LongHashMap;

/**
 * The bandwidth budget of one link: each transfer on it is admitted with a reservation, and the reservations never
 * add up to more than the capacity. A reservation is released when its transfer ends, however it ends.
 * <p>
 * Not thread safe: owned by the sender's conductor, which admits every transfer.
 */
public final class BandwidthBudget
{
    /** A budget for a link whose capacity nobody set: it admits every reservation. */
    public static final long UNLIMITED = Long.MAX_VALUE;

    private final String link;
    private final long capacityBps;
    private final Long2LongHashMap reservations = new Long2LongHashMap(-1);
    private long reservedBps;

    /**
     * A budget.
     *
     * @param link        the link's name, for the refusals' texts.
     * @param capacityBps bit/s, above 0, or {@link #UNLIMITED}.
     * @throws IllegalArgumentException for a capacity not above 0, which could admit nothing.
     */
    public BandwidthBudget(final String link, final long capacityBps)
    {
        if (capacityBps <= 0)
        {
            throw new IllegalArgumentException("the bandwidth budget of " + link + " is " + capacityBps +
                " bit/s: a budget must be above 0, since one of 0 admits no transfer");
        }
        this.link = link;
        this.capacityBps = capacityBps;
    }

    /**
     * Admit a transfer with a reservation.
     *
     * @param transferId reserving.
     * @param bps        to reserve, 0 upwards.
     * @return null when admitted, else why not.
     */
    public String reserve(final long transferId, final long bps)
    {
        if (bps < 0)
        {
            return "a reservation of " + bps + " bit/s is negative";
        }
        if (reservations.containsKey(transferId))
        {
            return "transfer " + transferId + " already holds a reservation on " + link;
        }
        if (bps > capacityBps)
        {
            return "a reservation of " + mbps(bps) + " Mbit/s is larger than the capacity of " + link + ", " +
                mbps(capacityBps) + " Mbit/s";
        }
        if (bps > capacityBps - reservedBps)
        {
            return "a reservation of " + mbps(bps) + " Mbit/s does not fit the budget of " + link + ": " +
                mbps(reservedBps) + " of " + mbps(capacityBps) + " Mbit/s are reserved by " + reservations.size() +
                " transfers";
        }
        reservations.put(transferId, bps);
        reservedBps += bps;
        return null;
    }

    /**
     * Release a transfer's reservation.
     *
     * @param transferId ended.
     * @return true when it held one.
     */
    public boolean release(final long transferId)
    {
        final long bps = reservations.remove(transferId);
        if (bps < 0)
        {
            return false;
        }
        reservedBps -= bps;
        return true;
    }

    /**
     * @return bit/s reserved now.
     */
    public long reservedBps()
    {
        return reservedBps;
    }

    /**
     * @return the capacity, bit/s, or {@link #UNLIMITED}.
     */
    public long capacityBps()
    {
        return capacityBps;
    }

    /**
     * @return reservations held.
     */
    public int reservations()
    {
        return reservations.size();
    }

    private static String mbps(final long bps)
    {
        return UNLIMITED == bps ? "unlimited" : Long.toString(bps / 1_000_000);
    }
}
