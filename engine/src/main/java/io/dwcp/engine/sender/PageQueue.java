package io.dwcp.engine.sender;

import io.dwcp.engine.transport.StripeLayout;
import org.agrona.collections.LongArrayQueue;

/**
 * Pages of one stripe waiting to be sent, held as ranges so a round of a million pages costs two longs. A range
 * names pages of every stripe; this queue yields only its own stripe's pages of it (see {@link StripeLayout}) and
 * counts only those. Pages asked for again by the receiver go ahead of the ranges.
 * <p>
 * Not thread safe: owned by the stripe, on its worker's thread.
 */
final class PageQueue
{
    private final StripeLayout layout;
    private final int stripe;
    private final LongArrayQueue ranges = new LongArrayQueue(64, Long.MIN_VALUE);
    private final LongArrayQueue repairs = new LongArrayQueue(64, Long.MIN_VALUE);
    private long rangeNext;
    private long rangeEnd;
    private long queuedPages;
    private long rangePagesQueued;
    private long rangePagesTaken;
    private boolean isLastRepair;

    /**
     * A queue for one stripe.
     *
     * @param layout of the transfer's stripes.
     * @param stripe whose pages this queue yields.
     */
    PageQueue(final StripeLayout layout, final int stripe)
    {
        this.layout = layout;
        this.stripe = stripe;
    }

    /**
     * Queue this stripe's pages of a range.
     *
     * @param firstPage first page.
     * @param pageCount pages in the range, positive.
     * @return how many of them are this stripe's.
     */
    long addRange(final long firstPage, final long pageCount)
    {
        final long own = layout.pagesIn(stripe, firstPage, pageCount);
        if (own > 0)
        {
            ranges.addLong(firstPage);
            ranges.addLong(firstPage + pageCount);
            queuedPages += own;
            rangePagesQueued += own;
        }
        return own;
    }

    /**
     * Queue one page ahead of the ranges.
     *
     * @param pageNumber page to send again.
     */
    void addRepair(final long pageNumber)
    {
        repairs.addLong(pageNumber);
        queuedPages++;
    }

    /**
     * Take the next page.
     *
     * @return the page number, or -1 when the queue is empty.
     */
    long poll()
    {
        if (!repairs.isEmpty())
        {
            queuedPages--;
            isLastRepair = true;
            return repairs.pollLong();
        }
        isLastRepair = false;
        long pageNumber = rangeNext < rangeEnd ? layout.nextPageOf(stripe, rangeNext) : rangeEnd;
        while (pageNumber >= rangeEnd)
        {
            if (ranges.isEmpty())
            {
                return -1;
            }
            rangeNext = ranges.pollLong();
            rangeEnd = ranges.pollLong();
            pageNumber = layout.nextPageOf(stripe, rangeNext);
        }
        rangeNext = pageNumber + 1;
        queuedPages--;
        rangePagesTaken++;
        return pageNumber;
    }

    /**
     * Was the page last taken one the receiver asked for again?
     *
     * @return true for a repair.
     */
    boolean isLastRepair()
    {
        return isLastRepair;
    }

    /**
     * Pages ever queued as ranges (not repairs), for marking where a round ends.
     *
     * @return the count.
     */
    long rangePagesQueued()
    {
        return rangePagesQueued;
    }

    /**
     * Pages ever taken from ranges.
     *
     * @return the count.
     */
    long rangePagesTaken()
    {
        return rangePagesTaken;
    }

    /**
     * Pages waiting.
     *
     * @return pages queued and not yet taken.
     */
    long size()
    {
        return queuedPages;
    }

    /**
     * Is nothing waiting?
     *
     * @return true when no page is queued.
     */
    boolean isEmpty()
    {
        return 0 == queuedPages;
    }
}
