package io.dwcp.codec;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;
import com.github.luben.zstd.ZstdException;
import io.dwcp.codecs.wire.PageEncoding;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;

/**
 * Encodes one page at a time into the cheapest correct form, and decodes with every size bounded.
 * <p>
 * Encodings: a zero page becomes a marker with no payload; any other page is compressed with zstd (magicless
 * frames with no content size or checksum, as the frame already carries the page size and a CRC32C); a page that
 * zstd cannot shrink is stored raw.
 * <p>
 * Works only on direct or mapped buffers, allocates nothing per page, and never throws on bad input: decoding
 * returns a {@link DecodeResult}.
 * <p>
 * Not thread safe: each agent owns its codec.
 */
public final class PageCodec implements AutoCloseable
{
    /** Outcome of decoding a page's payload. */
    public enum DecodeResult
    {
        /** The page was decoded and its CRC32C matched. */
        OK,
        /** The encoding value is not one this version knows. */
        UNKNOWN_ENCODING,
        /** The payload length is impossible for the encoding (for example larger than a page). */
        BAD_LENGTH,
        /** The compressed payload is corrupt or does not expand to exactly one page. */
        CORRUPT_PAYLOAD,
        /** The decoded page does not match the CRC32C the sender computed. */
        CRC_MISMATCH
    }

    private final int pageSize;
    private final int maxCompressedLength;
    private final int zeroPageCrc;
    private final ZstdCompressCtx compressCtx = new ZstdCompressCtx();
    private final ZstdDecompressCtx decompressCtx = new ZstdDecompressCtx();
    private int compressionLevel;
    private boolean isClosed;

    private PageEncoding lastEncoding;
    private int lastCrc;

    /**
     * Create a codec for one page size.
     *
     * @param pageSize         bytes per page, a power of two.
     * @param compressionLevel initial zstd level.
     */
    public PageCodec(final int pageSize, final int compressionLevel)
    {
        this.pageSize = pageSize;
        this.maxCompressedLength = (int)Zstd.compressBound(pageSize);
        this.zeroPageCrc = PageChecksum.zeroPageCrc32c(pageSize);
        compressCtx.setMagicless(true).setContentSize(false).setChecksum(false).setDictID(false);
        decompressCtx.setMagicless(true);
        compressionLevel(compressionLevel);
    }

    /**
     * Change the zstd level; takes effect from the next page.
     *
     * @param level from {@link Zstd#minCompressionLevel()} to {@link Zstd#maxCompressionLevel()}.
     */
    public void compressionLevel(final int level)
    {
        if (level < Zstd.minCompressionLevel() || level > Zstd.maxCompressionLevel())
        {
            throw new IllegalArgumentException("compression level " + level + " outside [" +
                Zstd.minCompressionLevel() + ", " + Zstd.maxCompressionLevel() + "]");
        }
        compressionLevel = level;
        compressCtx.setLevel(level);
    }

    /**
     * Current zstd level.
     *
     * @return current zstd level.
     */
    public int compressionLevel()
    {
        return compressionLevel;
    }

    /**
     * Bytes of output space {@link #encode} may need for one page.
     *
     * @return the worst-case payload length of one page.
     */
    public int maxEncodedLength()
    {
        return maxCompressedLength;
    }

    /**
     * Page size this codec works with.
     *
     * @return bytes per page.
     */
    public int pageSize()
    {
        return pageSize;
    }

    /**
     * CRC32C of an all-zero page.
     *
     * @return the CRC32C of a zero page.
     */
    public int zeroPageCrc()
    {
        return zeroPageCrc;
    }

    /**
     * Encode a page. The chosen encoding is then {@link #lastEncoding()} and the page's CRC32C {@link #lastCrc()}.
     * For {@link PageEncoding#RAW} nothing is written: the caller ships the source bytes as they are.
     *
     * @param source       buffer holding the page, wrapping a direct or mapped {@link ByteBuffer}.
     * @param sourceOffset of the page in {@code source}.
     * @param target       buffer for the payload, wrapping a direct {@link ByteBuffer}.
     * @param targetOffset where the payload starts; {@link #maxEncodedLength()} bytes must be free from there.
     * @return the payload length: 0 for a zero page, {@link #pageSize()} for a raw page.
     */
    public int encode(final UnsafeBuffer source, final int sourceOffset, final UnsafeBuffer target, final int targetOffset)
    {
        if (isZero(source, sourceOffset, pageSize))
        {
            lastEncoding = PageEncoding.ZERO;
            lastCrc = zeroPageCrc;
            return 0;
        }

        lastCrc = PageChecksum.crc32c(source, sourceOffset, pageSize);
        final int compressedLength = compressCtx.compressDirectByteBuffer(
            target.byteBuffer(), target.wrapAdjustment() + targetOffset, maxCompressedLength,
            source.byteBuffer(), source.wrapAdjustment() + sourceOffset, pageSize);

        if (compressedLength < pageSize)
        {
            lastEncoding = PageEncoding.ZSTD;
            return compressedLength;
        }

        lastEncoding = PageEncoding.RAW;
        return pageSize;
    }

    /**
     * Encoding chosen by the last {@link #encode} call.
     *
     * @return the encoding.
     */
    public PageEncoding lastEncoding()
    {
        return lastEncoding;
    }

    /**
     * CRC32C of the page given to the last {@link #encode} call.
     *
     * @return the CRC32C.
     */
    public int lastCrc()
    {
        return lastCrc;
    }

    /**
     * Decode a payload into a page and check it against its CRC32C. The page buffer is scratch: it is written even
     * when the result is not {@link DecodeResult#OK}, so never pass the destination itself. A zero page leaves the
     * scratch untouched; apply it with {@link #applyZero}.
     *
     * @param encodingCode  the raw encoding value from the frame.
     * @param payload       buffer holding the payload; must wrap a direct buffer or a byte array.
     * @param payloadOffset of the payload.
     * @param payloadLength of the payload, not yet trusted.
     * @param expectedCrc   CRC32C the sender computed.
     * @param page          scratch buffer wrapping a direct {@link ByteBuffer} of at least one page.
     * @return the outcome; only {@link DecodeResult#OK} means {@code page} holds the page.
     */
    public DecodeResult decode(
        final short encodingCode,
        final DirectBuffer payload,
        final int payloadOffset,
        final int payloadLength,
        final int expectedCrc,
        final UnsafeBuffer page)
    {
        final PageEncoding encoding = PageEncoding.get(encodingCode);
        switch (encoding)
        {
            case ZERO:
                if (0 != payloadLength)
                {
                    return DecodeResult.BAD_LENGTH;
                }
                // Nothing to decode: the caller applies a zero page with applyZero.
                return expectedCrc == zeroPageCrc ? DecodeResult.OK : DecodeResult.CRC_MISMATCH;

            case RAW:
                if (payloadLength != pageSize)
                {
                    return DecodeResult.BAD_LENGTH;
                }
                page.putBytes(0, payload, payloadOffset, pageSize);
                break;

            case ZSTD:
                if (payloadLength <= 0 || payloadLength >= pageSize)
                {
                    return DecodeResult.BAD_LENGTH;
                }
                if (!decompress(payload, payloadOffset, payloadLength, page))
                {
                    return DecodeResult.CORRUPT_PAYLOAD;
                }
                break;

            default:
                return DecodeResult.UNKNOWN_ENCODING;
        }

        return PageChecksum.crc32c(page, 0, pageSize) == expectedCrc ? DecodeResult.OK : DecodeResult.CRC_MISMATCH;
    }

    private boolean decompress(
        final DirectBuffer payload, final int payloadOffset, final int payloadLength, final UnsafeBuffer page)
    {
        final ByteBuffer pageBuffer = page.byteBuffer();
        final int pageBufferOffset = page.wrapAdjustment();
        try
        {
            final int decodedLength;
            final ByteBuffer payloadBuffer = payload.byteBuffer();
            if (null != payloadBuffer && payloadBuffer.isDirect())
            {
                decodedLength = decompressCtx.decompressDirectByteBuffer(
                    pageBuffer, pageBufferOffset, pageSize,
                    payloadBuffer, payload.wrapAdjustment() + payloadOffset, payloadLength);
            }
            else if (null != payload.byteArray())
            {
                decodedLength = decompressCtx.decompressByteArrayToDirectByteBuffer(
                    pageBuffer, pageBufferOffset, pageSize,
                    payload.byteArray(), payload.wrapAdjustment() + payloadOffset, payloadLength);
            }
            else
            {
                return false;
            }

            return decodedLength == pageSize;
        }
        catch (final ZstdException ex)
        {
            // Corrupt input, or output that would overflow the page: zstd stopped at the bound we gave it.
            return false;
        }
    }

    /**
     * Is a range of memory all zeros? Reads 64 bytes per step and stops at the first non-zero step.
     *
     * @param buffer holding the bytes.
     * @param offset of the first byte.
     * @param length a multiple of 64.
     * @return true if every byte is zero.
     */
    public static boolean isZero(final DirectBuffer buffer, final int offset, final int length)
    {
        long accumulated = 0;
        for (int i = 0; i < length; i += 64)
        {
            final int base = offset + i;
            accumulated |= buffer.getLong(base) | buffer.getLong(base + 8) | buffer.getLong(base + 16) |
                buffer.getLong(base + 24) | buffer.getLong(base + 32) | buffer.getLong(base + 40) |
                buffer.getLong(base + 48) | buffer.getLong(base + 56);
            if (0 != accumulated)
            {
                return false;
            }
        }
        return true;
    }

    /**
     * Copy a decoded page to its destination.
     *
     * @param page              scratch page that {@link #decode} reported OK for.
     * @param destination       destination buffer.
     * @param destinationOffset of the page in the destination.
     */
    public void apply(final DirectBuffer page, final MutableDirectBuffer destination, final int destinationOffset)
    {
        destination.putBytes(destinationOffset, page, 0, pageSize);
    }

    /**
     * Make a destination page all zeros, writing only if it is not already: reading a hole in a sparse file maps the
     * shared zero page, while writing would allocate a page for nothing.
     *
     * @param destination       destination buffer.
     * @param destinationOffset of the page in the destination.
     */
    public void applyZero(final MutableDirectBuffer destination, final int destinationOffset)
    {
        if (!isZero(destination, destinationOffset, pageSize))
        {
            destination.setMemory(destinationOffset, pageSize, (byte)0);
        }
    }

    /** Free the native zstd contexts. Idempotent. */
    public void close()
    {
        if (!isClosed)
        {
            isClosed = true;
            compressCtx.close();
            decompressCtx.close();
        }
    }
}
