package io.dwcp.engine.sender;

import io.dwcp.engine.memory.RoundStartPages;
import io.dwcp.engine.status.EngineCounter;
import io.dwcp.engine.status.EngineCounters;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

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
 * With a {@link BaselineCompressor} the store keeps each baseline compressed, in chunks of an eighth of a page
 * taken from a free list, so the same budget covers about three times as many pages of typical memory. That costs
 * one more zstd compression per page sent and one decompression per base used. A page that does not compress is
 * kept as it is, in eight chunks. When the chunks run out, the same clock evicts baselines unused in this round and
 * the last until the page fits; if it still does not, the page is not stored, and any older version of it is
 * dropped.
 * <p>
 * Not thread safe: owned by the sender agent.
 */
final class BaselineStore implements AutoCloseable
{
    private static final int NO_SLOT = -1;
    private static final int VICTIM_SEARCH = 64;

    /** Compressed length meaning: compress the page here. */
    static final int COMPRESS = -1;
    /** Compressed length meaning: the page does not compress; store it as it is. */
    static final int INCOMPRESSIBLE = -2;

    private final int pageSize;
    private final int slotCount;
    private final long refreshIntervalNs;
    private final long pruneAfterNs;
    private final int maxDeltaChain;
    private final EngineCounters counters;
    private final BaselineSegments segments;
    private final int[] slotOfPage;
    private final long[] pageOfSlot;
    private final long[] sequenceOfSlot;
    private final long[] storedAtNs;
    private final long[] usedAtNs;
    private final int[] chainOfSlot;
    private final int[] roundOfSlot;
    private final int[] versionRoundOfSlot;
    private final int[] freeSlots;
    private final BaselineCompressor compressor;
    private final BaselineChunks chunks;
    private RoundStartPages roundStart;
    private int freeCount;
    private int clockHand;
    private long hits;
    private long misses;
    private long overflows;

    /**
     * Create a store for one transfer, keeping its baselines compressed if given a compressor.
     *
     * @param pageSize          bytes per page.
     * @param pageCount         pages in the image.
     * @param budgetBytes       most bytes of page copies to keep; below one page disables deltas.
     * @param refreshIntervalNs age after which a baseline is refreshed with a full page.
     * @param maxDeltaChain     most deltas in a row against successive baselines before a full page.
     * @param counters          for hits, misses, evictions, overflows and refreshes.
     * @param compressor        to keep baselines compressed, or null to keep them as they are.
     */
    BaselineStore(
        final int pageSize,
        final long pageCount,
        final long budgetBytes,
        final long refreshIntervalNs,
        final int maxDeltaChain,
        final EngineCounters counters,
        final BaselineCompressor compressor)
    {
        this.pageSize = pageSize;
        this.compressor = budgetBytes >= pageSize ? compressor : null;
        final int chunkSize = null == this.compressor ? pageSize : pageSize / BaselineChunks.CHUNKS_PER_PAGE;
        final int chunkCount = budgetBytes < pageSize ? 0 :
            (int)Math.min(budgetBytes / chunkSize, Integer.MAX_VALUE / chunkSize);
        this.slotCount = (int)Math.min(chunkCount, pageCount);
        this.refreshIntervalNs = refreshIntervalNs;
        this.pruneAfterNs = refreshIntervalNs > Long.MAX_VALUE / 2 ? Long.MAX_VALUE : 2 * refreshIntervalNs;
        this.maxDeltaChain = maxDeltaChain;
        this.counters = counters;
        chunks = null == this.compressor ? null : new BaselineChunks(pageSize, slotCount, chunkCount);
        segments = null == this.compressor ? new BaselineSegments(pageSize, slotCount, counters) : null;
        slotOfPage = new int[slotCount > 0 ? Math.toIntExact(pageCount) : 0];
        Arrays.fill(slotOfPage, NO_SLOT);
        pageOfSlot = new long[slotCount];
        sequenceOfSlot = new long[slotCount];
        storedAtNs = new long[slotCount];
        usedAtNs = new long[slotCount];
        chainOfSlot = new int[slotCount];
        roundOfSlot = new int[slotCount];
        versionRoundOfSlot = new int[slotCount];
        freeSlots = new int[slotCount];
        for (int i = 0; i < slotCount; i++)
        {
            freeSlots[freeCount++] = slotCount - 1 - i;
        }
        roundStart = new RoundStartPages(pageSize, 0);
    }

    /**
     * Keep, within a budget, the versions pages had when a round started once the round sends them again, as the
     * receiver does, so that a similar page already sent again in the round may still be named as it was.
     *
     * @param budgetBytes most bytes of such versions for this store's stripe; 0 keeps none.
     */
    void keepRoundStart(final long budgetBytes)
    {
        roundStart = new RoundStartPages(pageSize, budgetBytes);
    }

    /**
     * The versions pages had when this round started, for the pages the round has sent again.
     *
     * @return the stripe's kept versions; none are kept unless {@link #keepRoundStart} was called.
     */
    RoundStartPages roundStart()
    {
        return roundStart;
    }

    /** Count a round-start version put in a block's dictionary. */
    void onRoundStartUsed()
    {
        counters.get(EngineCounter.ROUND_START_BASES_SENT).increment();
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
        if (null != compressor && !expand(slot))
        {
            // Cannot happen unless memory is corrupt; the page goes in full and its baseline is dropped.
            free(slot);
            counters.get(EngineCounter.BASELINE_MISSES).increment();
            misses++;
            return NO_SLOT;
        }
        roundOfSlot[slot] = round;
        usedAtNs[slot] = nowNs;
        counters.get(EngineCounter.BASELINE_HITS).increment();
        hits++;
        return slot;
    }

    /**
     * The version of a page the receiver holds, for another page's dictionary: the last version sent, if its frame
     * is delivered. Neither a hit nor a use: it counts nothing and leaves the page's place in the store as it is.
     *
     * @param pageNumber    of the page, in this store's numbering.
     * @param deliveredUpTo highest frame sequence known to be applied.
     * @param beforeRound   only a version sent in an earlier round than this one.
     * @return the slot, read with {@link #baseBuffer} and {@link #baseOffset} before the store is used again, or -1.
     */
    int heldSlot(final long pageNumber, final long deliveredUpTo, final int beforeRound)
    {
        if (0 == slotCount)
        {
            return NO_SLOT;
        }
        final int slot = slotOfPage[(int)pageNumber];
        if (NO_SLOT == slot || sequenceOfSlot[slot] > deliveredUpTo || versionRoundOfSlot[slot] >= beforeRound)
        {
            return NO_SLOT;
        }
        return null != compressor && !expand(slot) ? NO_SLOT : slot;
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
        store(pageNumber, source, sourceOffset, null, COMPRESS, isZero, isDelta, sequence, round, nowNs);
    }

    /**
     * Record the version of a page just encoded, reusing its encoding where a compressed store can: a page that went
     * by plain zstd is stored as its payload, and one that went raw is stored as it is, so only deltas are
     * compressed again.
     *
     * @param pageNumber       of the page.
     * @param source           buffer holding the page as encoded.
     * @param sourceOffset     of the page.
     * @param compressed       buffer holding the page's plain zstd payload, or null.
     * @param compressedLength of that payload; {@link #INCOMPRESSIBLE} for a page known not to compress, or
     *                         {@link #COMPRESS} to compress it here.
     * @param isZero           the page is all zero; nothing is stored.
     * @param isDelta          it went as a delta (or unchanged) against its baseline, which lengthens the chain.
     * @param sequence         of the frame that carries it.
     * @param round            the pre-copy round it is sent in.
     * @param nowNs            current time.
     */
    void store(
        final long pageNumber,
        final DirectBuffer source,
        final int sourceOffset,
        final DirectBuffer compressed,
        final int compressedLength,
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
        if (round > 0 && roundStart.isEnabled())
        {
            keepRoundStart(pageNumber, slot, round);
        }
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
            if (null == compressor && !segments.ensure(slot))
            {
                // No memory for the slot's segment: the page simply goes without a baseline from now on.
                freeSlots[freeCount++] = slot;
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
        if (null == compressor)
        {
            segments.buffer(slot).putBytes(segments.offset(slot), source, sourceOffset, pageSize);
        }
        else if (!storeCompressed(slot, source, sourceOffset, compressed, compressedLength, round))
        {
            free(slot);
            return;
        }
        sequenceOfSlot[slot] = sequence;
        usedAtNs[slot] = nowNs;
        roundOfSlot[slot] = round;
        versionRoundOfSlot[slot] = round;
    }

    /**
     * Before a page's version is replaced in a round: keep the one it had when the round started, the first time the
     * round sends it (a version stored in this round comes later, and the page is kept by then), or take its place
     * without one when none is held, as the receiver takes every page it is sent.
     */
    private void keepRoundStart(final long pageNumber, final int slot, final int round)
    {
        if (NO_SLOT == slot)
        {
            roundStart.keep(round, pageNumber, null, 0);
        }
        else if (null == compressor)
        {
            roundStart.keep(round, pageNumber, segments.buffer(slot), segments.offset(slot));
        }
        else if (expand(slot))
        {
            roundStart.keep(round, pageNumber, compressor.page(), 0);
        }
        else
        {
            roundStart.keep(round, pageNumber, null, 0);
        }
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
     * Buffer holding the base that {@link #baseFor} just returned; it starts at {@link #baseOffset(int)}. For a
     * compressed store it is scratch, valid until the next call to {@link #baseFor}.
     *
     * @param slot the slot {@link #baseFor} returned.
     * @return the buffer.
     */
    UnsafeBuffer baseBuffer(final int slot)
    {
        return null == compressor ? segments.buffer(slot) : compressor.page();
    }

    int baseOffset(final int slot)
    {
        return null == compressor ? segments.offset(slot) : 0;
    }

    /**
     * Bytes of the budget in use.
     *
     * @return bytes taken by stored baselines.
     */
    long usedBytes()
    {
        return null == compressor ? (long)usedSlots() * pageSize : chunks.usedBytes();
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
                if (null != compressor)
                {
                    chunks.release(slot);
                }
                counters.get(EngineCounter.BASELINE_EVICTIONS).increment();
                return slot;
            }
        }
        return NO_SLOT;
    }

    private void free(final int slot)
    {
        slotOfPage[(int)pageOfSlot[slot]] = NO_SLOT;
        if (null != compressor)
        {
            chunks.release(slot);
        }
        freeSlots[freeCount++] = slot;
    }

    /** Free the page copies and the compressor's native contexts at once; nothing is kept afterwards. Idempotent. */
    public void close()
    {
        if (null == compressor)
        {
            segments.close();
        }
        else
        {
            chunks.close();
            compressor.close();
        }
    }

    private boolean storeCompressed(
        final int slot,
        final DirectBuffer source,
        final int sourceOffset,
        final DirectBuffer compressed,
        final int compressedLength,
        final int round)
    {
        chunks.release(slot);
        final boolean isGiven = null != compressed && compressedLength > 0;
        int length = isGiven ? compressedLength :
            INCOMPRESSIBLE == compressedLength ? pageSize : compressor.compress(source, sourceOffset);
        final boolean isRaw = length >= pageSize;
        if (isRaw)
        {
            length = pageSize;
        }
        for (int i = 0; i < VICTIM_SEARCH && !chunks.hasRoomFor(length); i++)
        {
            final int victim = clockHand;
            clockHand = (clockHand + 1) % slotCount;
            if (victim != slot && slotOfPage[(int)pageOfSlot[victim]] == victim && roundOfSlot[victim] < round - 1)
            {
                free(victim);
                counters.get(EngineCounter.BASELINE_EVICTIONS).increment();
            }
        }
        if (!chunks.hasRoomFor(length))
        {
            return false;
        }
        chunks.put(slot, isRaw ? source : isGiven ? compressed : compressor.packed(), isRaw ? sourceOffset : 0, length);
        return true;
    }

    private boolean expand(final int slot)
    {
        final int length = chunks.length(slot);
        chunks.copyOut(slot, length == pageSize ? compressor.page() : compressor.packed());
        return length == pageSize || compressor.expand(length);
    }
}
