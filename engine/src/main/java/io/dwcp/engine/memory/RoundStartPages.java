package io.dwcp.engine.memory;

import org.agrona.DirectBuffer;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;

/**
 * The versions the pages of one stripe had when a pre-copy round started, kept for the pages the round has already
 * written again, so that a later page of the round may still take one into its block's dictionary. A collector moves
 * data out of pages that change themselves: on a live JVM half the pages a round sends are where another page's data
 * came from, and once a receiver has written such a page in place its old content is gone there. With these versions
 * kept, a JVM's round 1 costs about a fifth less (docs/FRAME-CODEC.md).
 * <p>
 * Sender and receiver keep one each per stripe, with the same budget, and take the same pages in the same order:
 * every page the stripe's frames carry in the round, the first time it comes, up to the budget; the sender with the
 * version it holds, or a place taken without one when it holds none, the receiver with what its destination held
 * just before the page was applied. A version either side lacks is found out by its CRC32C.
 * <p>
 * Round 0 keeps nothing. A new round forgets the last. The pages are kept in direct buffers of 1 MiB made as they
 * fill, and kept for the next round; the index is sized once for the budget. Not thread safe.
 */
public final class RoundStartPages
{
    /** Pages of one buffer: 1 MiB of 4 KiB pages, made when the first of them is kept, so a small round makes little
     * (16 MiB buffers for every stripe on both sides cost a live QEMU migration's small round 1 enough to lengthen it
     * and the downtime after it). */
    private static final int PAGES_PER_BUFFER_SHIFT = 8;
    private static final int PAGES_PER_BUFFER = 1 << PAGES_PER_BUFFER_SHIFT;
    private static final long NONE = -1;

    private final int pageSize;
    private final int capacity;
    private final UnsafeBuffer[] buffers;
    private final Long2LongHashMap slotOfPage;
    private final long[] pageOfSlot;
    private int round;
    private int count;

    /**
     * Keep versions within a budget.
     *
     * @param pageSize    bytes per page.
     * @param budgetBytes most bytes of versions; less than a page keeps none.
     */
    public RoundStartPages(final int pageSize, final long budgetBytes)
    {
        this.pageSize = pageSize;
        capacity = (int)Math.min(budgetBytes / pageSize, 1 << 24);
        buffers = new UnsafeBuffer[(capacity + PAGES_PER_BUFFER - 1) >> PAGES_PER_BUFFER_SHIFT];
        slotOfPage = new Long2LongHashMap(Math.max(8, capacity * 2), 0.65f, NONE);
        pageOfSlot = new long[capacity];
    }

    /**
     * Are versions kept at all?
     *
     * @return true when the budget holds at least a page.
     */
    public boolean isEnabled()
    {
        return capacity > 0;
    }

    /**
     * A page of the stripe is about to be written in a round: keep the version it had when the round started, the
     * first time it comes in the round and while the budget lasts.
     *
     * @param round      of the frame carrying the page.
     * @param pageNumber of the page.
     * @param version    buffer holding the version it has until now, or null when there is none to keep: the page
     *                   still takes its place.
     * @param offset     of the version.
     */
    public void keep(final int round, final long pageNumber, final DirectBuffer version, final int offset)
    {
        if (0 == capacity || round <= 0)
        {
            return;
        }
        if (round != this.round)
        {
            // Page by page, not the whole index: an agent may send a round of a page or two thousands of times a
            // second, and clearing an index sized for the budget each time cost more than the pages.
            for (int i = 0; i < count; i++)
            {
                slotOfPage.remove(pageOfSlot[i]);
            }
            count = 0;
            this.round = round;
        }
        if (count == capacity || slotOfPage.containsKey(pageNumber))
        {
            return;
        }
        final int slot = count++;
        pageOfSlot[slot] = pageNumber;
        if (null == version)
        {
            slotOfPage.put(pageNumber, NONE - 1 - slot);
            return;
        }
        final int index = slot >> PAGES_PER_BUFFER_SHIFT;
        if (null == buffers[index])
        {
            final int pages = Math.min(PAGES_PER_BUFFER, capacity - (index << PAGES_PER_BUFFER_SHIFT));
            buffers[index] = new UnsafeBuffer(ByteBuffer.allocateDirect(pages * pageSize));
        }
        buffers[index].putBytes(offsetOf(slot), version, offset, pageSize);
        slotOfPage.put(pageNumber, slot);
    }

    /**
     * Where the version a page had when the round started is kept.
     *
     * @param round      the current round.
     * @param pageNumber of the page.
     * @return its slot, or -1 when the page has not been written in this round or was not kept.
     */
    public int slotOf(final int round, final long pageNumber)
    {
        if (round != this.round || round <= 0)
        {
            return -1;
        }
        final long slot = slotOfPage.get(pageNumber);
        return slot < 0 ? -1 : (int)slot;
    }

    /**
     * The buffer holding a kept version.
     *
     * @param slot from {@link #slotOf}.
     * @return its buffer.
     */
    public UnsafeBuffer buffer(final int slot)
    {
        return buffers[slot >> PAGES_PER_BUFFER_SHIFT];
    }

    /**
     * Where a kept version starts in its {@link #buffer}.
     *
     * @param slot from {@link #slotOf}.
     * @return its offset.
     */
    public int offsetOf(final int slot)
    {
        return (slot & (PAGES_PER_BUFFER - 1)) * pageSize;
    }

    /**
     * Pages taken in the current round, with a version or without.
     *
     * @return how many.
     */
    public int count()
    {
        return count;
    }
}
