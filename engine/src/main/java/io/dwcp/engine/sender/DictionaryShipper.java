package io.dwcp.engine.sender;

import io.aeron.ExclusivePublication;
import io.aeron.Publication;
import io.dwcp.codecs.wire.DictionaryEncoder;
import io.dwcp.codecs.wire.MessageHeaderEncoder;
import io.dwcp.engine.config.SenderContext;
import io.dwcp.engine.status.EngineCounter;
import io.dwcp.engine.status.EngineCounters;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Trains a dictionary per transfer on a thread of its own and ships it to the receiver in a frame of its own,
 * after which the transfer's full pages use it. Training never runs on the engine thread.
 * <p>
 * Not thread safe: owned by the sender agent.
 */
final class DictionaryShipper implements AutoCloseable
{
    private final int dictionaryBytes;
    private final int samplePages;
    private final EngineCounters counters;
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final DictionaryEncoder dictionaryEncoder = new DictionaryEncoder();
    private final UnsafeBuffer dictionaryBuffer =
        new UnsafeBuffer(ByteBuffer.allocateDirect(SenderContext.MAX_DICTIONARY_BYTES + 1024));
    private ExecutorService trainer;

    DictionaryShipper(final int dictionaryBytes, final int samplePages, final EngineCounters counters)
    {
        this.dictionaryBytes = dictionaryBytes;
        this.samplePages = samplePages;
        this.counters = counters;
    }

    /**
     * Start training for a new transfer, if dictionaries are wanted and the transfer has a source file.
     *
     * @param transfer the new transfer.
     * @param hasSource whether its pages come from a mapped file.
     */
    void start(final OutboundTransfer transfer, final boolean hasSource)
    {
        if (dictionaryBytes <= 0 || !hasSource)
        {
            return;
        }
        if (null == trainer)
        {
            trainer = Executors.newSingleThreadExecutor((runnable) ->
            {
                final Thread thread = new Thread(runnable, "dwcp-dictionary-trainer");
                thread.setDaemon(true);
                return thread;
            });
        }
        transfer.startDictionaryTraining(trainer, dictionaryBytes, samplePages);
    }

    /**
     * Ship a trained dictionary, if one is ready.
     *
     * @param transfer    whose dictionary to ship.
     * @param publication to the receiver.
     * @return 1 if a dictionary was shipped or dropped, otherwise 0.
     */
    int send(final OutboundTransfer transfer, final ExclusivePublication publication)
    {
        if (null == pendingDictionary(transfer))
        {
            return 0;
        }
        final byte[] dictionary = transfer.pendingDictionary();
        if (0 == dictionary.length)
        {
            transfer.pendingDictionary(null);
            counters.get(EngineCounter.DICTIONARIES_DROPPED).increment();
            return 1;
        }
        final UnsafeBuffer content = new UnsafeBuffer(dictionary);
        dictionaryEncoder.wrapAndApplyHeader(dictionaryBuffer, 0, headerEncoder)
            .transferId(transfer.transferId())
            .crc32c(crc32c(dictionary))
            .putContent(content, 0, dictionary.length);
        final long result = publication.offer(
            dictionaryBuffer, 0, MessageHeaderEncoder.ENCODED_LENGTH + dictionaryEncoder.encodedLength());
        if (result > 0)
        {
            // Frames after this one may use it: the stream delivers them in order.
            transfer.codec().compressWithDictionary(dictionary);
            transfer.pendingDictionary(null);
            counters.get(EngineCounter.DICTIONARIES_SENT).increment();
            return 1;
        }
        if (Publication.BACK_PRESSURED == result || Publication.ADMIN_ACTION == result)
        {
            counters.get(EngineCounter.BACK_PRESSURE).increment();
        }
        return 0;
    }

    private static int crc32c(final byte[] bytes)
    {
        final java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(bytes);
        return (int)crc.getValue();
    }

    private static byte[] pendingDictionary(final OutboundTransfer transfer)
    {
        if (null == transfer.pendingDictionary())
        {
            final byte[] trained = transfer.takeTrainedDictionary();
            if (null != trained)
            {
                transfer.pendingDictionary(trained);
            }
        }
        return transfer.pendingDictionary();
    }

    /** Stop the trainer thread. */
    public void close()
    {
        if (null != trainer)
        {
            trainer.shutdownNow();
        }
    }
}
