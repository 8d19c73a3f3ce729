package io.dwcp.engine.sender;

import org.agrona.collections.LongArrayQueue;

/**
 * Pages waiting to be sent, held as ranges so a round of a million pages costs two longs. Pages asked for again by
 * the receiver go ahead of the ranges.
 * <p>
 * Not thread safe: owned by the sender agent.
 */
final class PageQueue
{
    private final LongArrayQueue ranges = new LongArrayQueue(64, Long.MIN_VALUE);
    private final LongArrayQueue repairs = new LongArrayQueue(64, Long.MIN_VALUE);
    private long rangeNext;
    private long rangeRemaining;
    private long queuedPages;
    private long rangePagesQueued;
    private long rangePagesTaken;
    private boolean isLastRepair;

    /**
     * Queue a range of pages.
     *
     * @param firstPage first page.
     * @param pageCount pages in the range, positive.
     */
    void addRange(final long firstPage, final long pageCount)
    {
        ranges.addLong(firstPage);
        ranges.addLong(pageCount);
        queuedPages += pageCount;
        rangePagesQueued += pageCount;
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
        if (0 == rangeRemaining)
        {
            if (ranges.isEmpty())
            {
                return -1;
            }
            rangeNext = ranges.pollLong();
            rangeRemaining = ranges.pollLong();
        }
        rangeRemaining--;
        queuedPages--;
        rangePagesTaken++;
        return rangeNext++;
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
