package io.dwcp.engine.sender;

import io.dwcp.engine.status.EngineCounter;
import io.dwcp.engine.status.EngineCounters;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The versions of pages the receiver holds, kept off-heap within a fixed budget, like QEMU's XBZRLE cache. A delta
 * is sent only against a version stored here whose frame the receiver has acknowledged.
 * <p>
 * Full, it resists scans: a page that misses may only take the slot of a baseline unused in this round and the
 * last one, found by a clock hand that looks at most {@value #VICTIM_SEARCH} slots; otherwise the page is not
 * stored. A round larger than the store therefore cannot flush the baselines that keep producing hits, which is what
 * empties an LRU cache (QEMU's XBZRLE cache among them) when the dirty set outgrows it. A baseline older than the
 * refresh interval, or reached through more than the maximum chain of deltas, is refreshed: the page goes in full.
 * Baselines unused for two refresh intervals are pruned. Zero pages are not stored: a zero page costs nothing to
 * send whatever the receiver holds.
 * <p>
 * Not thread safe: owned by the sender agent.
 */
final class BaselineStore
{
    private static final int NO_SLOT = -1;
    private static final int VICTIM_SEARCH = 64;

    private final int pageSize;
    private final int slotCount;
    private final long refreshIntervalNs;
    private final long pruneAfterNs;
    private final int maxDeltaChain;
    private final EngineCounters counters;
    private final UnsafeBuffer memory;
    private final int[] slotOfPage;
    private final long[] pageOfSlot;
    private final long[] sequenceOfSlot;
    private final long[] storedAtNs;
    private final long[] usedAtNs;
    private final int[] chainOfSlot;
    private final int[] roundOfSlot;
    private final int[] freeSlots;
    private int freeCount;
    private int clockHand;
    private long hits;
    private long misses;
    private long overflows;

    /**
     * Create a store for one transfer.
     *
     * @param pageSize          bytes per page.
     * @param pageCount         pages in the image.
     * @param budgetBytes       most bytes of page copies to keep; below one page disables deltas.
     * @param refreshIntervalNs age after which a baseline is refreshed with a full page.
     * @param maxDeltaChain     most deltas in a row against successive baselines before a full page.
     * @param counters          for hits, misses, evictions, overflows and refreshes.
     */
    BaselineStore(
        final int pageSize,
        final long pageCount,
        final long budgetBytes,
        final long refreshIntervalNs,
        final int maxDeltaChain,
        final EngineCounters counters)
    {
        this.pageSize = pageSize;
        this.slotCount = (int)Math.min(Math.min(budgetBytes / pageSize, pageCount), Integer.MAX_VALUE / pageSize);
        this.refreshIntervalNs = refreshIntervalNs;
        this.pruneAfterNs = refreshIntervalNs > Long.MAX_VALUE / 2 ? Long.MAX_VALUE : 2 * refreshIntervalNs;
        this.maxDeltaChain = maxDeltaChain;
        this.counters = counters;
        memory = new UnsafeBuffer(ByteBuffer.allocateDirect(Math.max(1, slotCount) * pageSize));
        slotOfPage = new int[slotCount > 0 ? Math.toIntExact(pageCount) : 0];
        Arrays.fill(slotOfPage, NO_SLOT);
        pageOfSlot = new long[slotCount];
        sequenceOfSlot = new long[slotCount];
        storedAtNs = new long[slotCount];
        usedAtNs = new long[slotCount];
        chainOfSlot = new int[slotCount];
        roundOfSlot = new int[slotCount];
        freeSlots = new int[slotCount];
        for (int i = 0; i < slotCount; i++)
        {
            freeSlots[freeCount++] = slotCount - 1 - i;
        }
    }

    /**
     * The baseline to encode a page against, if the receiver is known to hold one.
     *
     * @param pageNumber    of the page.
     * @param ackedSequence highest frame the receiver has acknowledged.
     * @param round         the pre-copy round the page is sent in.
     * @param nowNs         current time.
     * @return the slot, or -1 to send the page without a base.
     */
    int baseFor(final long pageNumber, final long ackedSequence, final int round, final long nowNs)
    {
        if (0 == slotCount)
        {
            return NO_SLOT;
        }
        final int slot = slotOfPage[(int)pageNumber];
        if (NO_SLOT == slot || sequenceOfSlot[slot] > ackedSequence)
        {
            counters.get(EngineCounter.BASELINE_MISSES).increment();
            misses++;
            return NO_SLOT;
        }
        if (nowNs - storedAtNs[slot] > refreshIntervalNs || chainOfSlot[slot] >= maxDeltaChain)
        {
            counters.get(EngineCounter.BASELINE_REFRESHES).increment();
            return NO_SLOT;
        }
        roundOfSlot[slot] = round;
        usedAtNs[slot] = nowNs;
        counters.get(EngineCounter.BASELINE_HITS).increment();
        hits++;
        return slot;
    }

    /**
     * Record the version of a page just encoded: the receiver will hold it once the frame carrying it is applied.
     *
     * @param pageNumber   of the page.
     * @param source       buffer holding the page as encoded.
     * @param sourceOffset of the page.
     * @param isZero       the page is all zero; nothing is stored.
     * @param isDelta      it went as a delta (or unchanged) against its baseline, which lengthens the chain.
     * @param sequence     of the frame that carries it.
     * @param round        the pre-copy round it is sent in.
     * @param nowNs        current time.
     */
    void store(
        final long pageNumber,
        final DirectBuffer source,
        final int sourceOffset,
        final boolean isZero,
        final boolean isDelta,
        final long sequence,
        final int round,
        final long nowNs)
    {
        if (0 == slotCount)
        {
            return;
        }
        int slot = slotOfPage[(int)pageNumber];
        if (isZero)
        {
            if (NO_SLOT != slot)
            {
                free(slot);
            }
            return;
        }
        if (NO_SLOT == slot)
        {
            slot = allocate(round);
            if (NO_SLOT == slot)
            {
                return;
            }
            slotOfPage[(int)pageNumber] = slot;
            pageOfSlot[slot] = pageNumber;
            chainOfSlot[slot] = 0;
            storedAtNs[slot] = nowNs;
        }
        else if (isDelta)
        {
            chainOfSlot[slot]++;
        }
        else
        {
            chainOfSlot[slot] = 0;
            storedAtNs[slot] = nowNs;
        }
        memory.putBytes(slot * pageSize, source, sourceOffset, pageSize);
        sequenceOfSlot[slot] = sequence;
        usedAtNs[slot] = nowNs;
        roundOfSlot[slot] = round;
    }

    /** Count a page that had a baseline but went whole because its delta was not smaller. */
    void overflow()
    {
        counters.get(EngineCounter.BASELINE_OVERFLOWS).increment();
        overflows++;
    }

    long hits()
    {
        return hits;
    }

    long misses()
    {
        return misses;
    }

    long overflows()
    {
        return overflows;
    }

    /**
     * Forget a page's baseline, for example when the receiver asks for the page again: its copy is in doubt.
     *
     * @param pageNumber of the page.
     */
    void invalidate(final long pageNumber)
    {
        if (slotCount > 0 && NO_SLOT != slotOfPage[(int)pageNumber])
        {
            free(slotOfPage[(int)pageNumber]);
        }
    }

    /**
     * Drop baselines unused for two refresh intervals.
     *
     * @param nowNs current time.
     * @return how many were dropped.
     */
    int prune(final long nowNs)
    {
        int pruned = 0;
        for (int slot = 0; slot < slotCount; slot++)
        {
            if (slotOfPage[(int)pageOfSlot[slot]] == slot && nowNs - usedAtNs[slot] > pruneAfterNs)
            {
                free(slot);
                pruned++;
            }
        }
        counters.get(EngineCounter.BASELINE_EVICTIONS).getAndAdd(pruned);
        return pruned;
    }

    /**
     * Memory holding the baselines; a slot's page starts at {@link #offsetOf(int)}.
     *
     * @return the buffer.
     */
    UnsafeBuffer memory()
    {
        return memory;
    }

    int offsetOf(final int slot)
    {
        return slot * pageSize;
    }

    int slotCount()
    {
        return slotCount;
    }

    int usedSlots()
    {
        return slotCount - freeCount;
    }

    private int allocate(final int round)
    {
        if (freeCount > 0)
        {
            return freeSlots[--freeCount];
        }

        for (int i = 0; i < VICTIM_SEARCH; i++)
        {
            final int slot = clockHand;
            clockHand = (clockHand + 1) % slotCount;
            if (roundOfSlot[slot] < round - 1)
            {
                slotOfPage[(int)pageOfSlot[slot]] = NO_SLOT;
                counters.get(EngineCounter.BASELINE_EVICTIONS).increment();
                return slot;
            }
        }
        return NO_SLOT;
    }

    private void free(final int slot)
    {
        slotOfPage[(int)pageOfSlot[slot]] = NO_SLOT;
        freeSlots[freeCount++] = slot;
    }
}
