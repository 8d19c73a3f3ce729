package io.dwcp.codec;

import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;

/**
 * The delta half of a {@link PageCodec}: encodes a page against the version the receiver holds (its base) and
 * decodes such a payload over the receiver's current page. A page the same as its base is {@code UNCHANGED}; one
 * that differs travels as its changed runs ({@code DELTA_XBZRLE}, see {@link XorRunLength}), the same compressed by
 * zstd ({@code DELTA_XBZRLE_ZSTD}), or, in thorough mode only, its XOR with the base compressed by zstd
 * ({@code DELTA_ZSTD}); a page rewritten through and through may still go as the page by zstd, or raw.
 * <p>
 * Owns the scratch pages the runs and the XOR are built in, allocated once; borrows the plain zstd contexts of its
 * {@link PageCodec}, which sets their level and closes them. Allocates nothing per page.
 * <p>
 * Not thread safe: used only through the {@link PageCodec} that made it, on that codec's agent.
 */
final class DeltaCodec
{
    private final int pageSize;
    private final int maxCompressedLength;
    private final int zeroPageCrc;
    private final ZstdCompressCtx compressCtx;
    private final ZstdDecompressCtx decompressCtx;
    private final UnsafeBuffer xorPage;
    private final UnsafeBuffer runs;
    private final UnsafeBuffer alternative;
    private boolean isThorough;

    private PageEncoding lastEncoding;
    private int lastCrc;

    /**
     * Create the delta half of a codec.
     *
     * @param pageSize            bytes per page.
     * @param maxCompressedLength zstd's bound for one page.
     * @param zeroPageCrc         CRC32C of an all-zero page.
     * @param compressCtx         the codec's plain compression context.
     * @param decompressCtx       the codec's plain decompression context.
     */
    DeltaCodec(
        final int pageSize,
        final int maxCompressedLength,
        final int zeroPageCrc,
        final ZstdCompressCtx compressCtx,
        final ZstdDecompressCtx decompressCtx)
    {
        this.pageSize = pageSize;
        this.maxCompressedLength = maxCompressedLength;
        this.zeroPageCrc = zeroPageCrc;
        this.compressCtx = compressCtx;
        this.decompressCtx = decompressCtx;
        this.xorPage = new UnsafeBuffer(ByteBuffer.allocateDirect(pageSize));
        this.runs = new UnsafeBuffer(ByteBuffer.allocateDirect(pageSize));
        this.alternative = new UnsafeBuffer(ByteBuffer.allocateDirect(maxCompressedLength));
    }

    /**
     * Whether {@link #encode} also tries zstd over the XOR of a page with its base.
     *
     * @param isThorough true to try every delta encoding.
     */
    void thorough(final boolean isThorough)
    {
        this.isThorough = isThorough;
    }

    /**
     * Encoding chosen by the last {@link #encode} call.
     *
     * @return the encoding.
     */
    PageEncoding lastEncoding()
    {
        return lastEncoding;
    }

    /**
     * CRC32C of the page given to the last {@link #encode} call.
     *
     * @return the CRC32C.
     */
    int lastCrc()
    {
        return lastCrc;
    }

    /**
     * Encode a page against its base, as {@link PageCodec#encodeDelta} describes; the chosen encoding is then
     * {@link #lastEncoding()} and the page's CRC32C {@link #lastCrc()}.
     *
     * @param source       buffer holding the page.
     * @param sourceOffset of the page.
     * @param base         buffer holding the version the receiver holds.
     * @param baseOffset   of that version.
     * @param target       buffer for the payload, wrapping a direct {@link ByteBuffer}.
     * @param targetOffset where the payload starts; {@code maxCompressedLength} bytes must be free from there.
     * @return the payload length.
     */
    int encode(
        final UnsafeBuffer source,
        final int sourceOffset,
        final DirectBuffer base,
        final int baseOffset,
        final UnsafeBuffer target,
        final int targetOffset)
    {
        final int runLength = XorRunLength.encode(source, sourceOffset, base, baseOffset, pageSize, runs, 0, pageSize);
        if (0 == runLength)
        {
            lastEncoding = PageEncoding.UNCHANGED;
            lastCrc = PageChecksum.crc32c(source, sourceOffset, pageSize);
            return 0;
        }
        if (PageCodec.isZero(source, sourceOffset, pageSize))
        {
            lastEncoding = PageEncoding.ZERO;
            lastCrc = zeroPageCrc;
            return 0;
        }

        lastCrc = PageChecksum.crc32c(source, sourceOffset, pageSize);
        if (runLength > 0 && runLength <= pageSize >> 4)
        {
            // Small enough that zstd could save only a few bytes for far more work.
            target.putBytes(targetOffset, runs, 0, runLength);
            lastEncoding = PageEncoding.DELTA_XBZRLE;
            return runLength;
        }

        int bestLength = Integer.MAX_VALUE;
        PageEncoding best = PageEncoding.RAW;
        if (runLength > 0)
        {
            final int runsCompressed = compressCtx.compressDirectByteBuffer(
                target.byteBuffer(), target.wrapAdjustment() + targetOffset, maxCompressedLength,
                runs.byteBuffer(), runs.wrapAdjustment(), runLength);
            if (runsCompressed < runLength)
            {
                bestLength = runsCompressed;
                best = PageEncoding.DELTA_XBZRLE_ZSTD;
            }
            else
            {
                target.putBytes(targetOffset, runs, 0, runLength);
                bestLength = runLength;
                best = PageEncoding.DELTA_XBZRLE;
            }
        }

        if (isThorough)
        {
            XorRunLength.xor(source, sourceOffset, base, baseOffset, xorPage, pageSize);
            final int xorCompressed = compressCtx.compressDirectByteBuffer(
                alternative.byteBuffer(), alternative.wrapAdjustment(), maxCompressedLength,
                xorPage.byteBuffer(), xorPage.wrapAdjustment(), pageSize);
            if (xorCompressed < bestLength)
            {
                target.putBytes(targetOffset, alternative, 0, xorCompressed);
                bestLength = xorCompressed;
                best = PageEncoding.DELTA_ZSTD;
            }
        }

        if (bestLength > pageSize >> 1)
        {
            // Rewritten through and through: the page on its own may be cheaper than its difference.
            final int fullCompressed = compressCtx.compressDirectByteBuffer(
                alternative.byteBuffer(), alternative.wrapAdjustment(), maxCompressedLength,
                source.byteBuffer(), source.wrapAdjustment() + sourceOffset, pageSize);
            if (fullCompressed < bestLength)
            {
                target.putBytes(targetOffset, alternative, 0, fullCompressed);
                bestLength = fullCompressed;
                best = PageEncoding.ZSTD;
            }
        }

        if (bestLength >= pageSize)
        {
            lastEncoding = PageEncoding.RAW;
            return pageSize;
        }
        lastEncoding = best;
        return bestLength;
    }

    /**
     * Decode a delta payload ({@code UNCHANGED}, {@code DELTA_XBZRLE}, {@code DELTA_XBZRLE_ZSTD} or
     * {@code DELTA_ZSTD}) over the receiver's current page, as {@link PageCodec#decode} describes.
     *
     * @param encoding      one of the four delta encodings.
     * @param payload       buffer holding the payload.
     * @param payloadOffset of the payload.
     * @param payloadLength of the payload, not yet trusted.
     * @param expectedCrc   CRC32C the sender computed of the page.
     * @param current       buffer holding the receiver's current version of the page, or null if none.
     * @param currentOffset of the current version.
     * @param page          scratch buffer wrapping a direct {@link ByteBuffer} of at least one page.
     * @return the outcome; {@link PageCodec.DecodeResult#CRC_MISMATCH} means the base differs.
     */
    PageCodec.DecodeResult decode(
        final PageEncoding encoding,
        final DirectBuffer payload,
        final int payloadOffset,
        final int payloadLength,
        final int expectedCrc,
        final DirectBuffer current,
        final int currentOffset,
        final UnsafeBuffer page)
    {
        if (null == current)
        {
            return PageCodec.DecodeResult.UNKNOWN_ENCODING;
        }

        switch (encoding)
        {
            case UNCHANGED:
                if (0 != payloadLength)
                {
                    return PageCodec.DecodeResult.BAD_LENGTH;
                }
                return PageCodec.verify(current, currentOffset, pageSize, expectedCrc);

            case DELTA_XBZRLE:
                if (payloadLength <= 0 || payloadLength > pageSize)
                {
                    return PageCodec.DecodeResult.BAD_LENGTH;
                }
                page.putBytes(0, current, currentOffset, pageSize);
                if (!XorRunLength.apply(payload, payloadOffset, payloadLength, page, pageSize))
                {
                    return PageCodec.DecodeResult.CORRUPT_PAYLOAD;
                }
                break;

            case DELTA_XBZRLE_ZSTD:
            {
                if (payloadLength <= 0 || payloadLength >= pageSize)
                {
                    return PageCodec.DecodeResult.BAD_LENGTH;
                }
                // The runs never exceed a page; zstd stops at that bound on a payload that claims more.
                final int runLength = ZstdPayload.decompress(
                    decompressCtx, payload, payloadOffset, payloadLength, runs, pageSize);
                if (runLength <= 0)
                {
                    return PageCodec.DecodeResult.CORRUPT_PAYLOAD;
                }
                page.putBytes(0, current, currentOffset, pageSize);
                if (!XorRunLength.apply(runs, 0, runLength, page, pageSize))
                {
                    return PageCodec.DecodeResult.CORRUPT_PAYLOAD;
                }
                break;
            }

            case DELTA_ZSTD:
                if (payloadLength <= 0 || payloadLength >= pageSize)
                {
                    return PageCodec.DecodeResult.BAD_LENGTH;
                }
                if (pageSize != ZstdPayload.decompress(
                    decompressCtx, payload, payloadOffset, payloadLength, xorPage, pageSize))
                {
                    return PageCodec.DecodeResult.CORRUPT_PAYLOAD;
                }
                XorRunLength.xor(current, currentOffset, xorPage, 0, page, pageSize);
                break;

            default:
                return PageCodec.DecodeResult.UNKNOWN_ENCODING;
        }

        return PageCodec.verify(page, 0, pageSize, expectedCrc);
    }
}
