package io.dwcp.codec;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.UnsafeApi;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;

/**
 * Encodes one page at a time into the cheapest correct form, and decodes with every size bounded.
 * <p>
 * Encodings: a zero page becomes a marker with no payload; any other page is compressed with zstd (magicless
 * frames with no content size or checksum, as the frame already carries the page size and a CRC32C); a page that
 * zstd cannot shrink is stored raw. Given the version the receiver holds (the base), a page the same as its base is
 * a marker ({@code UNCHANGED}), and one that differs may travel as a delta: its changed runs with their new bytes
 * ({@code DELTA_XBZRLE}, see {@link XorRunLength}), the same compressed by zstd ({@code DELTA_XBZRLE_ZSTD}), or its
 * XOR with the base compressed by zstd ({@code DELTA_ZSTD}). The encoder picks the smallest it tries; the XOR by
 * zstd is tried only in thorough mode, as on the dirty model's pages it wins on about 1% of pages by a few bytes.
 * <p>
 * Works only on direct or mapped buffers, allocates nothing per page, and never throws on bad input: decoding
 * returns a {@link DecodeResult}.
 * <p>
 * This class is the one entry point and holds the plain encodings; the delta encodings are in {@code DeltaCodec},
 * the dictionary contexts in {@code PageDictionaries}.
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
    private final PageDictionaries dictionaries = new PageDictionaries();
    private final DeltaCodec delta;
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
        this.delta = new DeltaCodec(pageSize, maxCompressedLength, zeroPageCrc, compressCtx, decompressCtx);
        compressionLevel(compressionLevel);
    }

    /**
     * Whether {@link #encodeDelta} also tries zstd over the XOR of a page with its base. That costs one more
     * compression per changed page and rarely wins (see the class description).
     *
     * @param isThorough true to try every delta encoding.
     */
    public void thoroughDelta(final boolean isThorough)
    {
        delta.thorough(isThorough);
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
        dictionaries.compressionLevel(level);
    }

    /**
     * Compress full pages with a dictionary from now on ({@link PageEncoding#ZSTD_DICT}), once the receiver has it.
     *
     * @param dictionary trained on the transfer's pages.
     */
    public void compressWithDictionary(final byte[] dictionary)
    {
        dictionaries.compressWith(dictionary, compressionLevel);
    }

    /**
     * Accept pages compressed with this dictionary.
     *
     * @param dictionary as received and checked.
     */
    public void decompressWithDictionary(final byte[] dictionary)
    {
        dictionaries.decompressWith(dictionary);
    }

    /** Stop compressing with a dictionary, for example because the receiver refused it. */
    public void dropDictionary()
    {
        dictionaries.dropCompression();
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
    public int encode(
        final UnsafeBuffer source, final int sourceOffset, final UnsafeBuffer target, final int targetOffset)
    {
        return encode(source, sourceOffset, target, targetOffset, true);
    }

    /**
     * Take a page as it is, with no zero-page test or compression: the raw path of a transfer with compression off.
     * {@link #lastEncoding()} is then {@link PageEncoding#RAW} and {@link #lastCrc()} the page's CRC32C.
     *
     * @param source       buffer holding the page.
     * @param sourceOffset of the page in {@code source}.
     * @return the payload length, {@link #pageSize()}; the caller ships the source bytes.
     */
    public int encodeRaw(final UnsafeBuffer source, final int sourceOffset)
    {
        lastCrc = PageChecksum.crc32c(source, sourceOffset, pageSize);
        lastEncoding = PageEncoding.RAW;
        return pageSize;
    }

    /**
     * Encode a page, using the dictionary only if allowed (a page the receiver asked for again never uses it).
     *
     * @param source          buffer holding the page.
     * @param sourceOffset    of the page.
     * @param target          buffer for the payload.
     * @param targetOffset    where the payload starts; {@link #maxEncodedLength()} bytes must be free from there.
     * @param allowDictionary whether {@link PageEncoding#ZSTD_DICT} may be chosen.
     * @return the payload length.
     */
    public int encode(
        final UnsafeBuffer source,
        final int sourceOffset,
        final UnsafeBuffer target,
        final int targetOffset,
        final boolean allowDictionary)
    {
        if (isZero(source, sourceOffset, pageSize))
        {
            lastEncoding = PageEncoding.ZERO;
            lastCrc = zeroPageCrc;
            return 0;
        }

        lastCrc = PageChecksum.crc32c(source, sourceOffset, pageSize);
        final ZstdCompressCtx dictionaryCompressCtx = dictionaries.compressCtx();
        final boolean isDictionary = allowDictionary && null != dictionaryCompressCtx;
        final int compressedLength = (isDictionary ? dictionaryCompressCtx : compressCtx).compressDirectByteBuffer(
            target.byteBuffer(), target.wrapAdjustment() + targetOffset, maxCompressedLength,
            source.byteBuffer(), source.wrapAdjustment() + sourceOffset, pageSize);

        if (compressedLength < pageSize)
        {
            lastEncoding = isDictionary ? PageEncoding.ZSTD_DICT : PageEncoding.ZSTD;
            return compressedLength;
        }

        lastEncoding = PageEncoding.RAW;
        return pageSize;
    }

    /**
     * Encode a page against the version the receiver holds, choosing the smallest of: zero, unchanged, the changed
     * runs as they are or compressed by zstd, the XOR by zstd (thorough mode only), the page by zstd, or raw. For
     * {@link PageEncoding#RAW} nothing is written: the caller ships the source bytes as they are.
     *
     * @param source       buffer holding the page.
     * @param sourceOffset of the page.
     * @param base         buffer holding the version the receiver holds.
     * @param baseOffset   of that version.
     * @param target       buffer for the payload, wrapping a direct {@link ByteBuffer}.
     * @param targetOffset where the payload starts; {@link #maxEncodedLength()} bytes must be free from there.
     * @return the payload length.
     */
    public int encodeDelta(
        final UnsafeBuffer source,
        final int sourceOffset,
        final DirectBuffer base,
        final int baseOffset,
        final UnsafeBuffer target,
        final int targetOffset)
    {
        final int length = delta.encode(source, sourceOffset, base, baseOffset, target, targetOffset);
        lastEncoding = delta.lastEncoding();
        lastCrc = delta.lastCrc();
        return length;
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
        return decode(encodingCode, payload, payloadOffset, payloadLength, expectedCrc, null, 0, page);
    }

    /**
     * Decode a payload, which may be a delta against the page the receiver holds, into a page and check it against
     * its CRC32C. For {@link PageEncoding#UNCHANGED} the check is of the current page and {@code page} is left as it
     * is: there is nothing to apply. For {@link PageEncoding#ZERO} apply with {@link #applyZero}.
     *
     * @param encodingCode  the raw encoding value from the frame.
     * @param payload       buffer holding the payload.
     * @param payloadOffset of the payload.
     * @param payloadLength of the payload, not yet trusted.
     * @param expectedCrc   CRC32C the sender computed of the page.
     * @param current       buffer holding the receiver's current version of the page, or null if none.
     * @param currentOffset of the current version.
     * @param page          scratch buffer wrapping a direct {@link ByteBuffer} of at least one page.
     * @return the outcome; {@link DecodeResult#CRC_MISMATCH} for a delta means the base differs: ask for the page.
     */
    public DecodeResult decode(
        final short encodingCode,
        final DirectBuffer payload,
        final int payloadOffset,
        final int payloadLength,
        final int expectedCrc,
        final DirectBuffer current,
        final int currentOffset,
        final UnsafeBuffer page)
    {
        final PageEncoding encoding = PageEncoding.get(encodingCode);
        switch (encoding)
        {
            case UNCHANGED:
            case DELTA_XBZRLE:
            case DELTA_XBZRLE_ZSTD:
            case DELTA_ZSTD:
                return delta.decode(
                    encoding, payload, payloadOffset, payloadLength, expectedCrc, current, currentOffset, page);

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
            case ZSTD_DICT:
            {
                final ZstdDecompressCtx dictionaryDecompressCtx = dictionaries.decompressCtx();
                if (PageEncoding.ZSTD_DICT == encoding && null == dictionaryDecompressCtx)
                {
                    // No valid dictionary arrived: the page cannot be decoded here and is asked for again.
                    return DecodeResult.UNKNOWN_ENCODING;
                }
                if (payloadLength <= 0 || payloadLength >= pageSize)
                {
                    return DecodeResult.BAD_LENGTH;
                }
                if (pageSize != ZstdPayload.decompress(
                    PageEncoding.ZSTD_DICT == encoding ? dictionaryDecompressCtx : decompressCtx,
                    payload, payloadOffset, payloadLength, page, pageSize))
                {
                    return DecodeResult.CORRUPT_PAYLOAD;
                }
                break;
            }

            default:
                return DecodeResult.UNKNOWN_ENCODING;
        }

        return verify(page, 0, pageSize, expectedCrc);
    }

    /**
     * Check a decoded page against the CRC32C the sender computed, for pages decoded outside this codec (a frame's
     * block, a reference).
     *
     * @param page        buffer holding the page.
     * @param offset      of the page.
     * @param pageSize    bytes per page.
     * @param expectedCrc CRC32C the sender computed.
     * @return {@link DecodeResult#OK} or {@link DecodeResult#CRC_MISMATCH}.
     */
    public static DecodeResult verifyPage(
        final DirectBuffer page, final int offset, final int pageSize, final int expectedCrc)
    {
        return verify(page, offset, pageSize, expectedCrc);
    }

    /** Check a decoded page against the CRC32C the sender computed: the one check every encoding ends with. */
    static DecodeResult verify(final DirectBuffer page, final int offset, final int pageSize, final int expectedCrc)
    {
        return PageChecksum.crc32c(page, offset, pageSize) == expectedCrc ? DecodeResult.OK : DecodeResult.CRC_MISMATCH;
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
        // Bounds are checked once for the whole steps read, then they are read at raw addresses, as XorRunLength does.
        buffer.boundsCheck(offset, (length + 63) & ~63);
        final byte[] array = buffer.byteArray();
        final long address = buffer.addressOffset() + offset;
        long accumulated = 0;
        for (int i = 0; i < length; i += 64)
        {
            final long at = address + i;
            accumulated |= UnsafeApi.getLong(array, at) | UnsafeApi.getLong(array, at + 8) |
                UnsafeApi.getLong(array, at + 16) | UnsafeApi.getLong(array, at + 24) |
                UnsafeApi.getLong(array, at + 32) | UnsafeApi.getLong(array, at + 40) |
                UnsafeApi.getLong(array, at + 48) | UnsafeApi.getLong(array, at + 56);
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
     * Make a destination page all zeros, writing only if it is not already: writing would dirty a page for nothing.
     * Reading a hole of a file through a shared mapping allocates and zeroes a page (tmpfs, ext4): a caller that can
     * tell holes apart skips those first.
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
    @Override
    public void close()
    {
        if (!isClosed)
        {
            isClosed = true;
            compressCtx.close();
            decompressCtx.close();
            dictionaries.close();
        }
    }
}
