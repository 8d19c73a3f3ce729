package io.dwcp.engine.sender;

import io.dwcp.engine.status.EngineCounter;
import io.dwcp.engine.status.EngineCounters;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;

/**
 * The memory of a {@link BaselineStore} that keeps its pages as they are: one page per slot, in segments of
 * {@value #SEGMENT_SLOTS} slots allocated as slots are first used (slots are handed out from the lowest), so that a
 * store the size of a large image costs no stall, and no memory, before it fills. {@link #close()} frees them at
 * once rather than whenever the collector finds their buffers: a heap that rarely collects would otherwise hold
 * every finished transfer's store.
 * <p>
 * Not thread safe: owned by its store.
 */
final class BaselineSegments
{
    private static final int SEGMENT_SLOTS = 4096;

    private final int pageSize;
    private final int slotCount;
    private final EngineCounters counters;
    private final UnsafeBuffer[] segments;
    private boolean isExhausted;

    /**
     * Memory for a store's slots, none of it allocated yet.
     *
     * @param pageSize  bytes per page.
     * @param slotCount slots of the store.
     * @param counters  for a failed allocation, counted as an error.
     */
    BaselineSegments(final int pageSize, final int slotCount, final EngineCounters counters)
    {
        this.pageSize = pageSize;
        this.slotCount = slotCount;
        this.counters = counters;
        segments = new UnsafeBuffer[(slotCount + SEGMENT_SLOTS - 1) / SEGMENT_SLOTS];
    }

    /**
     * Make sure a slot has memory, allocating its segment on first use.
     *
     * @param slot to keep a page in.
     * @return false when the JVM has no direct memory left for it, or the memory was freed: keep nothing there.
     */
    boolean ensure(final int slot)
    {
        final int index = slot / SEGMENT_SLOTS;
        if (null == segments[index] && !isExhausted)
        {
            final int slots = Math.min(SEGMENT_SLOTS, slotCount - index * SEGMENT_SLOTS);
            try
            {
                segments[index] = new UnsafeBuffer(ByteBuffer.allocateDirect(slots * pageSize));
            }
            catch (final OutOfMemoryError ex)
            {
                // Counted once, never tried again: each failed attempt makes the JVM collect and wait.
                isExhausted = true;
                counters.get(EngineCounter.ERRORS).increment();
            }
        }
        return null != segments[index];
    }

    /**
     * The buffer holding a slot's page, which {@link #ensure} made.
     *
     * @param slot of the page.
     * @return the buffer; the page starts at {@link #offset(int)}.
     */
    UnsafeBuffer buffer(final int slot)
    {
        return segments[slot / SEGMENT_SLOTS];
    }

    /**
     * Where a slot's page starts in its {@link #buffer(int)}.
     *
     * @param slot of the page.
     * @return the offset.
     */
    int offset(final int slot)
    {
        return (slot % SEGMENT_SLOTS) * pageSize;
    }

    /** Free every segment; {@link #ensure} keeps nothing afterwards. Idempotent. */
    void close()
    {
        for (int i = 0; i < segments.length; i++)
        {
            if (null != segments[i])
            {
                BufferUtil.free(segments[i].byteBuffer());
                segments[i] = null;
            }
        }
        isExhausted = true;
    }
}
