package io.dwcp.engine.sender;

import io.aeron.ExclusivePublication;
import io.aeron.logbuffer.BufferClaim;
import io.dwcp.codecs.wire.DictionaryEncoder;
import io.dwcp.codecs.wire.MessageHeaderEncoder;
import io.dwcp.engine.config.SenderContext;
import io.dwcp.engine.security.FrameSealer;
import io.dwcp.engine.security.SealedOffer;
import io.dwcp.engine.status.EngineCounter;
import io.dwcp.engine.status.EngineCounters;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;

import java.nio.ByteBuffer;

/**
 * Ships a transfer's trained dictionary to the receiver on one stripe, in a frame of its own, after which that
 * stripe's full pages may use it. One per worker: its buffer serves every stripe the worker runs.
 * <p>
 * Not thread safe: owned by a worker.
 */
final class DictionaryShipper
{
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final DictionaryEncoder dictionaryEncoder = new DictionaryEncoder();
    private final UnsafeBuffer dictionaryBuffer =
        new UnsafeBuffer(ByteBuffer.allocateDirect(SenderContext.MAX_DICTIONARY_BYTES + 1024));
    private final BufferClaim claim = new BufferClaim();
    private final AtomicCounter sent;
    private final AtomicCounter dropped;

    DictionaryShipper(final EngineCounters counters)
    {
        sent = counters.get(EngineCounter.DICTIONARIES_SENT);
        dropped = counters.get(EngineCounter.DICTIONARIES_DROPPED);
    }

    /**
     * Offer a dictionary frame for one stripe.
     *
     * @param transferId  of the transfer.
     * @param stripe      whose pages will use it.
     * @param dictionary  its bytes; empty when training failed, which is counted and sends nothing.
     * @param publication of the stripe.
     * @param sealer      of the stripe's frames, or null when the transfer is insecure.
     * @return the publication's result, positive when sent; 0 when nothing was to be sent.
     */
    long send(
        final long transferId,
        final int stripe,
        final byte[] dictionary,
        final ExclusivePublication publication,
        final FrameSealer sealer)
    {
        if (0 == dictionary.length)
        {
            dropped.increment();
            return 0;
        }
        final UnsafeBuffer content = new UnsafeBuffer(dictionary);
        final int innerOffset = null == sealer ? 0 : FrameSealer.HEADER_LENGTH;
        dictionaryEncoder.wrapAndApplyHeader(dictionaryBuffer, innerOffset, headerEncoder)
            .transferId(transferId)
            .crc32c(crc32c(dictionary))
            .stripe(stripe)
            .putContent(content, 0, dictionary.length);
        final long result = SealedOffer.offer(publication, dictionaryBuffer,
            MessageHeaderEncoder.ENCODED_LENGTH + dictionaryEncoder.encodedLength(), sealer, claim);
        if (result > 0)
        {
            sent.increment();
        }
        return result;
    }

    private static int crc32c(final byte[] bytes)
    {
        final java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(bytes);
        return (int)crc.getValue();
    }
}
