package io.dwcp.engine.sender;

import io.dwcp.engine.status.EngineCounter;
import io.dwcp.engine.status.EngineCounters;
import org.agrona.concurrent.status.AtomicCounter;

/**
 * The sender's engine-wide counters that stripes update per frame, resolved once. Several workers may add to the
 * same counter, so these use atomic adds.
 */
final class SenderCounters
{
    private final AtomicCounter framesSent;
    private final AtomicCounter framesClaimed;
    private final AtomicCounter pagesSent;
    private final AtomicCounter zeroPagesSent;
    private final AtomicCounter rawPagesSent;
    private final AtomicCounter compressedPagesSent;
    private final AtomicCounter unchangedPagesSent;
    private final AtomicCounter deltaPagesSent;
    private final AtomicCounter dictionaryPagesSent;
    private final AtomicCounter blockPagesSent;
    private final AtomicCounter duplicatePagesSent;
    private final AtomicCounter similarBasesSent;
    private final AtomicCounter blocksStreamed;
    private final AtomicCounter streamRestarts;
    private final AtomicCounter logicalBytesSent;
    private final AtomicCounter wireBytesSent;
    private final AtomicCounter backPressure;
    private final AtomicCounter notConnected;

    SenderCounters(final EngineCounters counters)
    {
        framesSent = counters.get(EngineCounter.FRAMES_SENT);
        framesClaimed = counters.get(EngineCounter.FRAMES_CLAIMED);
        pagesSent = counters.get(EngineCounter.PAGES_SENT);
        zeroPagesSent = counters.get(EngineCounter.ZERO_PAGES_SENT);
        rawPagesSent = counters.get(EngineCounter.RAW_PAGES_SENT);
        compressedPagesSent = counters.get(EngineCounter.COMPRESSED_PAGES_SENT);
        unchangedPagesSent = counters.get(EngineCounter.UNCHANGED_PAGES_SENT);
        deltaPagesSent = counters.get(EngineCounter.DELTA_PAGES_SENT);
        dictionaryPagesSent = counters.get(EngineCounter.DICTIONARY_PAGES_SENT);
        blockPagesSent = counters.get(EngineCounter.BLOCK_PAGES_SENT);
        duplicatePagesSent = counters.get(EngineCounter.DUPLICATE_PAGES_SENT);
        similarBasesSent = counters.get(EngineCounter.SIMILAR_BASES_SENT);
        blocksStreamed = counters.get(EngineCounter.BLOCKS_STREAMED);
        streamRestarts = counters.get(EngineCounter.STREAM_RESTARTS);
        logicalBytesSent = counters.get(EngineCounter.LOGICAL_BYTES_SENT);
        wireBytesSent = counters.get(EngineCounter.WIRE_BYTES_SENT);
        backPressure = counters.get(EngineCounter.BACK_PRESSURE);
        notConnected = counters.get(EngineCounter.NOT_CONNECTED);
    }

    void onFrameSent(final PageFrameWriter writer, final int frameLength, final boolean isClaim, final int pageSize)
    {
        framesSent.increment();
        if (isClaim)
        {
            framesClaimed.increment();
        }
        pagesSent.getAndAdd(writer.entryCount());
        zeroPagesSent.getAndAdd(writer.counts().zeroPages());
        rawPagesSent.getAndAdd(writer.counts().rawPages());
        compressedPagesSent.getAndAdd(writer.counts().compressedPages());
        unchangedPagesSent.getAndAdd(writer.counts().unchangedPages());
        deltaPagesSent.getAndAdd(writer.counts().deltaPages());
        dictionaryPagesSent.getAndAdd(writer.counts().dictionaryPages());
        blockPagesSent.getAndAdd(writer.counts().blockPages());
        duplicatePagesSent.getAndAdd(writer.counts().referencePages());
        similarBasesSent.getAndAdd(writer.counts().similarBases());
        if (writer.counts().streamedBlocks() > 0)
        {
            blocksStreamed.getAndAdd(writer.counts().streamedBlocks());
            streamRestarts.getAndAdd(writer.counts().streamRestarts());
        }
        logicalBytesSent.getAndAdd((long)writer.entryCount() * pageSize);
        wireBytesSent.getAndAdd(frameLength);
    }

    AtomicCounter backPressure()
    {
        return backPressure;
    }

    AtomicCounter notConnected()
    {
        return notConnected;
    }
}
