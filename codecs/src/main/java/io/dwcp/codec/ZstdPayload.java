package io.dwcp.codec;

import com.github.luben.zstd.ZstdDecompressCtx;
import com.github.luben.zstd.ZstdException;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;

/**
 * Bounded zstd decompression of an untrusted payload, the one way {@link PageCodec} and {@link DeltaCodec} expand
 * what arrived: the output never passes the capacity given, and a corrupt payload is a result, not an exception.
 * <p>
 * Stateless; thread safe as long as each thread passes its own context and buffers.
 */
final class ZstdPayload
{
    private ZstdPayload()
    {
    }

    /**
     * Decompress a payload into at most {@code capacity} bytes.
     *
     * @param context       zstd context to decompress with, plain or with a dictionary.
     * @param payload       buffer holding the payload; must wrap a direct buffer or a byte array.
     * @param payloadOffset of the payload.
     * @param payloadLength of the payload.
     * @param page          buffer to decompress into, wrapping a direct {@link ByteBuffer}.
     * @param capacity      most bytes to write into {@code page}.
     * @return the decompressed length, or -1 for a payload that is corrupt or expands past the capacity.
     */
    static int decompress(
        final ZstdDecompressCtx context,
        final DirectBuffer payload,
        final int payloadOffset,
        final int payloadLength,
        final UnsafeBuffer page,
        final int capacity)
    {
        final ByteBuffer pageBuffer = page.byteBuffer();
        final int pageBufferOffset = page.wrapAdjustment();
        try
        {
            final int decodedLength;
            final ByteBuffer payloadBuffer = payload.byteBuffer();
            if (null != payloadBuffer && payloadBuffer.isDirect())
            {
                decodedLength = context.decompressDirectByteBuffer(
                    pageBuffer, pageBufferOffset, capacity,
                    payloadBuffer, payload.wrapAdjustment() + payloadOffset, payloadLength);
            }
            else if (null != payload.byteArray())
            {
                decodedLength = context.decompressByteArrayToDirectByteBuffer(
                    pageBuffer, pageBufferOffset, capacity,
                    payload.byteArray(), payload.wrapAdjustment() + payloadOffset, payloadLength);
            }
            else
            {
                return -1;
            }

            return decodedLength;
        }
        catch (final ZstdException ex)
        {
            // Corrupt input, or output that would overflow the capacity: zstd stopped at the bound we gave it.
            return -1;
        }
    }
}
