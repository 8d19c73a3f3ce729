package io.dwcp.engine.sender;

import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;

/**
 * The memory of a {@link BaselineStore} that keeps its baselines compressed: chunks of an eighth of a page taken from
 * a free list, up to eight per slot, a page that does not compress taking all eight.
 * <p>
 * Not thread safe: owned by its store.
 */
final class BaselineChunks
{
    /** Chunks of a page: a slot never takes more. */
    static final int CHUNKS_PER_PAGE = 8;

    private final int chunkSize;
    private final UnsafeBuffer memory;
    private final int[] chunksOfSlot;
    private final int[] lengthOfSlot;
    private final int[] freeChunks;
    private int freeChunkCount;

    /**
     * Allocate the chunks.
     *
     * @param pageSize   bytes per page, a multiple of {@link #CHUNKS_PER_PAGE}.
     * @param slotCount  slots of the store.
     * @param chunkCount chunks of the budget.
     */
    BaselineChunks(final int pageSize, final int slotCount, final int chunkCount)
    {
        chunkSize = pageSize / CHUNKS_PER_PAGE;
        memory = new UnsafeBuffer(ByteBuffer.allocateDirect(Math.max(1, chunkCount) * chunkSize));
        chunksOfSlot = new int[slotCount * CHUNKS_PER_PAGE];
        lengthOfSlot = new int[slotCount];
        freeChunks = new int[chunkCount];
        for (int i = 0; i < chunkCount; i++)
        {
            freeChunks[freeChunkCount++] = chunkCount - 1 - i;
        }
    }

    /** Free the chunks' memory; nothing may be kept or read afterwards. Idempotent. */
    void close()
    {
        if (null != memory.byteBuffer())
        {
            BufferUtil.free(memory.byteBuffer());
            memory.wrap(0, 0);
        }
    }

    /**
     * Are there free chunks enough for a slot of this length?
     *
     * @param length bytes to keep.
     * @return true if they are free.
     */
    boolean hasRoomFor(final int length)
    {
        return freeChunkCount >= (length + chunkSize - 1) / chunkSize;
    }

    /**
     * Keep a slot's bytes, in chunks that must be free ({@link #hasRoomFor}).
     *
     * @param slot       whose bytes they are; it holds none.
     * @param from       buffer holding them.
     * @param fromOffset of the bytes.
     * @param length     of the bytes, at most a page.
     */
    void put(final int slot, final DirectBuffer from, final int fromOffset, final int length)
    {
        for (int k = 0, offset = 0; offset < length; k++, offset += chunkSize)
        {
            final int chunk = freeChunks[--freeChunkCount];
            chunksOfSlot[slot * CHUNKS_PER_PAGE + k] = chunk;
            memory.putBytes(chunk * chunkSize, from, fromOffset + offset, Math.min(chunkSize, length - offset));
        }
        lengthOfSlot[slot] = length;
    }

    /**
     * Bytes a slot keeps.
     *
     * @param slot of the store.
     * @return its length, 0 for none.
     */
    int length(final int slot)
    {
        return lengthOfSlot[slot];
    }

    /**
     * Copy a slot's bytes out, in order.
     *
     * @param slot of the store.
     * @param to   buffer to copy into, from offset 0.
     */
    void copyOut(final int slot, final UnsafeBuffer to)
    {
        final int length = lengthOfSlot[slot];
        for (int k = 0, offset = 0; offset < length; k++, offset += chunkSize)
        {
            to.putBytes(offset, memory, chunksOfSlot[slot * CHUNKS_PER_PAGE + k] * chunkSize,
                Math.min(chunkSize, length - offset));
        }
    }

    /**
     * Give a slot's chunks back to the free list.
     *
     * @param slot of the store.
     */
    void release(final int slot)
    {
        final int chunks = (lengthOfSlot[slot] + chunkSize - 1) / chunkSize;
        for (int k = 0; k < chunks; k++)
        {
            freeChunks[freeChunkCount++] = chunksOfSlot[slot * CHUNKS_PER_PAGE + k];
        }
        lengthOfSlot[slot] = 0;
    }

    /**
     * Bytes of chunks in use.
     *
     * @return chunks taken times their size.
     */
    long usedBytes()
    {
        return (long)(freeChunks.length - freeChunkCount) * chunkSize;
    }
}
