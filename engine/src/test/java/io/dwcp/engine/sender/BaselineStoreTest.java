package io.dwcp.engine.sender;

import io.dwcp.engine.status.EngineCounter;
import io.dwcp.engine.status.EngineCounters;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BaselineStoreTest
{
    private static final int PAGE_SIZE = 4096;
    private static final long REFRESH_NS = 1_000_000_000L;

    private final CountersManager countersManager = new CountersManager(
        new UnsafeBuffer(ByteBuffer.allocateDirect(256 * 1024)),
        new UnsafeBuffer(ByteBuffer.allocateDirect(64 * 1024)));
    private final EngineCounters counters = new EngineCounters(
        "test", EngineCounter.Role.SENDER, (typeId, label) -> countersManager.newCounter(label, typeId));
    private final UnsafeBuffer page = new UnsafeBuffer(ByteBuffer.allocateDirect(PAGE_SIZE));

    private BaselineStore store(final int slots, final int maxChain)
    {
        return new BaselineStore(PAGE_SIZE, 1000, (long)slots * PAGE_SIZE, REFRESH_NS, maxChain, counters, null);
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
        assertEquals(8, store.baseBuffer(slot).getLong(store.baseOffset(slot)));
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
        final BaselineStore store = new BaselineStore(PAGE_SIZE, 1000, PAGE_SIZE - 1, REFRESH_NS, 16, counters, null);
        put(store, 1, 1, 0);
        assertEquals(-1, store.baseFor(1, 1, 1, 0));
        assertEquals(0, store.slotCount());
    }

    private final BaselineCompressor compressor = new BaselineCompressor(PAGE_SIZE);
    private final Random random = new Random(5);

    @AfterEach
    void closeCompressor()
    {
        compressor.close();
    }

    private void fill(final boolean isCompressible, final int seed)
    {
        for (int i = 0; i < PAGE_SIZE; i += 8)
        {
            page.putLong(i, isCompressible ? (i & 0xF0) + seed : random.nextLong());
        }
    }

    private void assertBaseEquals(final BaselineStore store, final int slot, final byte[] expected)
    {
        assertTrue(slot >= 0);
        final byte[] actual = new byte[PAGE_SIZE];
        store.baseBuffer(slot).getBytes(store.baseOffset(slot), actual);
        assertArrayEquals(expected, actual);
    }

    @Test
    void aCompressedStoreGivesBackEachPageExactlyAndHoldsMoreThanItsBudgetInPages()
    {
        final BaselineStore store = new BaselineStore(PAGE_SIZE, 1000, 4L * PAGE_SIZE, REFRESH_NS, 16, counters,
            compressor);
        final byte[][] pages = new byte[12][PAGE_SIZE];
        for (int p = 0; p < 12; p++)
        {
            fill(p != 3, p);
            page.getBytes(0, pages[p]);
            store.store(p, page, 0, false, false, 1, 0, 0);
        }
        // Eleven compressible pages at one chunk each and one random page kept as it is, in eight: 19 of 32 chunks.
        assertEquals(12, store.usedSlots());
        assertEquals(19L * PAGE_SIZE / 8, store.usedBytes());
        assertTrue(store.usedBytes() <= 4L * PAGE_SIZE);
        for (int p = 0; p < 12; p++)
        {
            assertBaseEquals(store, store.baseFor(p, 1, 1, 0), pages[p]);
        }
    }

    @Test
    void aCompressedStoreThatRunsOutOfChunksEvictsOnlyUnusedBaselinesAndDropsWhatItCannotKeep()
    {
        // Fifteen chunks: one compressible page (one chunk) and one random page (eight) leave six free.
        final BaselineStore store = new BaselineStore(PAGE_SIZE, 1000, 15L * PAGE_SIZE / 8, REFRESH_NS, 16, counters,
            compressor);
        fill(true, 1);
        store.store(5, page, 0, false, false, 1, 0, 0);
        fill(false, 0);
        final byte[] six = new byte[PAGE_SIZE];
        page.getBytes(0, six);
        store.store(6, page, 0, false, false, 1, 0, 0);
        assertTrue(store.baseFor(5, 1, 1, 0) >= 0);
        assertTrue(store.baseFor(6, 1, 1, 0) >= 0);

        // Page 5 turns random in round 1: it needs eight chunks, seven are free, and page 6 is in use. Its old
        // version is dropped rather than kept stale.
        fill(false, 0);
        store.store(5, page, 0, false, false, 2, 1, 0);
        assertEquals(-1, store.baseFor(5, 2, 1, 0));
        assertEquals(0, counters.value(EngineCounter.BASELINE_EVICTIONS));
        assertBaseEquals(store, store.baseFor(6, 2, 1, 0), six);

        // In round 3 page 6 has gone unused for a round and gives way.
        final byte[] seven = new byte[PAGE_SIZE];
        page.getBytes(0, seven);
        store.store(7, page, 0, false, false, 3, 3, 0);
        assertEquals(1, counters.value(EngineCounter.BASELINE_EVICTIONS));
        assertEquals(-1, store.baseFor(6, 3, 3, 0));
        assertBaseEquals(store, store.baseFor(7, 3, 3, 0), seven);
    }
}
