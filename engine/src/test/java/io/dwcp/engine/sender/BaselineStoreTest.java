package io.dwcp.engine.sender;

import io.dwcp.engine.status.EngineCounter;
import io.dwcp.engine.status.EngineCounters;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersManager;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BaselineStoreTest
{
    private static final int PAGE_SIZE = 4096;
    private static final long REFRESH_NS = 1_000_000_000L;

    private final CountersManager countersManager = new CountersManager(
        new UnsafeBuffer(ByteBuffer.allocateDirect(256 * 1024)), new UnsafeBuffer(ByteBuffer.allocateDirect(64 * 1024)));
    private final EngineCounters counters = new EngineCounters(
        "test", EngineCounter.Role.SENDER, (typeId, label) -> countersManager.newCounter(label, typeId));
    private final UnsafeBuffer page = new UnsafeBuffer(ByteBuffer.allocateDirect(PAGE_SIZE));

    private BaselineStore store(final int slots, final int maxChain)
    {
        return new BaselineStore(PAGE_SIZE, 1000, (long)slots * PAGE_SIZE, REFRESH_NS, maxChain, counters);
    }

    private void put(final BaselineStore store, final long pageNumber, final long sequence, final int round)
    {
        page.putLong(0, pageNumber + 1);
        store.store(pageNumber, page, 0, false, false, sequence, round, 0);
    }

    @Test
    void aBaseIsUsedOnlyOnceTheReceiverAcknowledgedIt()
    {
        final BaselineStore store = store(4, 16);
        put(store, 7, 10, 0);
        assertEquals(-1, store.baseFor(7, 9, 1, 1));
        final int slot = store.baseFor(7, 10, 1, 1);
        assertTrue(slot >= 0);
        assertEquals(8, store.memory().getLong(store.offsetOf(slot)));
        assertEquals(-1, store.baseFor(8, 10, 1, 1), "never stored");
    }

    @Test
    void oldBaselinesAndLongChainsAreRefreshedWithFullPages()
    {
        final BaselineStore store = store(4, 2);
        put(store, 1, 1, 0);
        assertEquals(-1, store.baseFor(1, 1, 1, REFRESH_NS + 1), "older than the refresh interval");

        put(store, 2, 1, 0);
        store.store(2, page, 0, false, true, 2, 1, 0);
        store.store(2, page, 0, false, true, 3, 1, 0);
        assertEquals(-1, store.baseFor(2, 3, 1, 0), "two deltas in a row reach the chain limit");
        assertEquals(2, counters.value(EngineCounter.BASELINE_REFRESHES));
    }

    @Test
    void aRoundLargerThanTheStoreCannotFlushBaselinesInUse()
    {
        final BaselineStore store = store(4, 16);
        for (long p = 0; p < 4; p++)
        {
            put(store, p, 1, 0);
        }
        // Round 1 hits pages 0 and 1, then misses many others: nothing in use may be evicted.
        assertTrue(store.baseFor(0, 1, 1, 0) >= 0);
        assertTrue(store.baseFor(1, 1, 1, 0) >= 0);
        for (long p = 100; p < 200; p++)
        {
            put(store, p, 2, 1);
        }
        assertEquals(0, counters.value(EngineCounter.BASELINE_EVICTIONS));
        assertEquals(4, store.usedSlots());

        // In round 2, pages 2 and 3 (unused since round 0) give way; 0 and 1, used in round 1, stay.
        put(store, 300, 3, 2);
        put(store, 301, 3, 2);
        assertEquals(2, counters.value(EngineCounter.BASELINE_EVICTIONS));
        assertTrue(store.baseFor(0, 3, 2, 0) >= 0);
        assertTrue(store.baseFor(1, 3, 2, 0) >= 0);
        assertTrue(store.baseFor(300, 3, 2, 0) >= 0);
        assertEquals(-1, store.baseFor(2, 3, 2, 0));
    }

    @Test
    void zeroPagesInvalidationAndPruningFreeSlots()
    {
        final BaselineStore store = store(4, 16);
        put(store, 1, 1, 0);
        put(store, 2, 1, 0);
        put(store, 3, 1, 0);
        store.store(1, page, 0, true, false, 2, 0, 0);
        store.invalidate(2);
        assertEquals(1, store.usedSlots());
        assertEquals(-1, store.baseFor(1, 5, 1, 0));
        assertEquals(-1, store.baseFor(2, 5, 1, 0));

        assertEquals(1, store.prune(3 * REFRESH_NS));
        assertEquals(0, store.usedSlots());
    }

    @Test
    void aBudgetBelowOnePageDisablesDeltas()
    {
        final BaselineStore store = new BaselineStore(PAGE_SIZE, 1000, PAGE_SIZE - 1, REFRESH_NS, 16, counters);
        put(store, 1, 1, 0);
        assertEquals(-1, store.baseFor(1, 1, 1, 0));
        assertEquals(0, store.slotCount());
    }
}
