package io.dwcp.engine.sender;

import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The open transfers' stripes by slot, the handle commands to workers carry instead of object references. The
 * conductor fills a slot before it tells a worker of the transfer and clears it once every worker has released
 * it; workers only read.
 * <p>
 * Thread safe for that protocol: one writer (the conductor), readers that are told of a slot through a queue.
 */
final class TransferSlots
{
    private final AtomicReferenceArray<Stripe[]> stripesBySlot;
    private final int[] freeSlots;
    private int freeCount;

    TransferSlots(final int capacity)
    {
        stripesBySlot = new AtomicReferenceArray<>(capacity);
        freeSlots = new int[capacity];
        for (int i = 0; i < capacity; i++)
        {
            freeSlots[freeCount++] = capacity - 1 - i;
        }
    }

    /**
     * Take a slot for a transfer's stripes. Conductor only.
     *
     * @param stripes of the transfer.
     * @return the slot, or -1 when every slot is taken.
     */
    int allocate(final Stripe[] stripes)
    {
        if (0 == freeCount)
        {
            return -1;
        }
        final int slot = freeSlots[--freeCount];
        stripesBySlot.set(slot, stripes);
        return slot;
    }

    /**
     * Give a slot back once no worker holds it. Conductor only.
     *
     * @param slot to free.
     */
    void free(final int slot)
    {
        stripesBySlot.set(slot, null);
        freeSlots[freeCount++] = slot;
    }

    /**
     * The stripes in a slot.
     *
     * @param slot of the transfer.
     * @return its stripes, or null.
     */
    Stripe[] stripes(final int slot)
    {
        return stripesBySlot.get(slot);
    }

    /**
     * Slots in all.
     *
     * @return the capacity.
     */
    int capacity()
    {
        return freeSlots.length;
    }
}
