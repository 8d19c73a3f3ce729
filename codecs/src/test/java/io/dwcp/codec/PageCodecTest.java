package io.dwcp.codec;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PageCodecTest
{
    private static final int PAGE_SIZE = 4096;

    private final PageCodec codec = new PageCodec(PAGE_SIZE, 1);
    private final UnsafeBuffer source = new UnsafeBuffer(ByteBuffer.allocateDirect(PAGE_SIZE));
    private final UnsafeBuffer encoded = new UnsafeBuffer(ByteBuffer.allocateDirect(4 * PAGE_SIZE));
    private final UnsafeBuffer decoded = new UnsafeBuffer(ByteBuffer.allocateDirect(PAGE_SIZE));

    @AfterEach
    void close()
    {
        codec.close();
    }

    @Test
    void aPageIsZeroOnlyWhenEveryByteIsAndIsReadWithinItsBuffer()
    {
        final int pageSize = 4096;
        final UnsafeBuffer pages = new UnsafeBuffer(ByteBuffer.allocateDirect(2 * pageSize));
        assertTrue(PageCodec.isZero(pages, pageSize, pageSize));
        for (int i = 0; i < pageSize; i++)
        {
            pages.putByte(pageSize + i, (byte)1);
            assertFalse(PageCodec.isZero(pages, pageSize, pageSize), "byte " + i);
            assertTrue(PageCodec.isZero(pages, 0, pageSize), "the page before, byte " + i);
            pages.putByte(pageSize + i, (byte)0);
        }
        assertTrue(PageCodec.isZero(new UnsafeBuffer(new byte[pageSize]), 0, pageSize));
        assertThrows(IndexOutOfBoundsException.class, () -> PageCodec.isZero(pages, pageSize + 64, pageSize));
        // It reads whole steps of 64 bytes: a range that ends inside the last step must have the step in the buffer.
        assertThrows(IndexOutOfBoundsException.class, () -> PageCodec.isZero(new UnsafeBuffer(new byte[100]), 0, 100));
    }

    @Test
    void zeroPageIsAMarkerWithNoPayload()
    {
        assertEquals(0, codec.encode(source, 0, encoded, 0));
        assertEquals(PageEncoding.ZERO, codec.lastEncoding());
        assertEquals(codec.zeroPageCrc(), codec.lastCrc());
        assertEquals(PageCodec.DecodeResult.OK,
            codec.decode(PageEncoding.ZERO.value(), encoded, 0, 0, codec.lastCrc(), decoded));
    }

    @Test
    void compressiblePageRoundTripsThroughZstd()
    {
        final byte[] text = "the quick brown fox jumps over the lazy dog ".repeat(100).getBytes();
        source.putBytes(0, text, 0, PAGE_SIZE);
        final int length = codec.encode(source, 0, encoded, 16);
        assertEquals(PageEncoding.ZSTD, codec.lastEncoding());
        assertTrue(length < 200, "compressed to " + length);

        assertEquals(PageCodec.DecodeResult.OK,
            codec.decode(PageEncoding.ZSTD.value(), encoded, 16, length, codec.lastCrc(), decoded));
        assertEquals(0, decoded.compareTo(source));
    }

    @Test
    void incompressiblePageIsStoredRaw()
    {
        final byte[] random = new byte[PAGE_SIZE];
        new Random(1).nextBytes(random);
        source.putBytes(0, random);
        assertEquals(PAGE_SIZE, codec.encode(source, 0, encoded, 0));
        assertEquals(PageEncoding.RAW, codec.lastEncoding());
        assertEquals(PageCodec.DecodeResult.OK,
            codec.decode(PageEncoding.RAW.value(), source, 0, PAGE_SIZE, codec.lastCrc(), decoded));
        assertEquals(0, decoded.compareTo(source));
    }

    @Test
    void badCrcIsRejected()
    {
        source.setMemory(0, PAGE_SIZE, (byte)7);
        final int length = codec.encode(source, 0, encoded, 0);
        assertEquals(PageCodec.DecodeResult.CRC_MISMATCH,
            codec.decode(PageEncoding.ZSTD.value(), encoded, 0, length, codec.lastCrc() ^ 1, decoded));
        assertEquals(PageCodec.DecodeResult.CRC_MISMATCH,
            codec.decode(PageEncoding.ZERO.value(), encoded, 0, 0, 12345, decoded));
    }

    @Test
    void sizesAreBoundedBeforeAnythingIsDecoded()
    {
        assertEquals(PageCodec.DecodeResult.BAD_LENGTH,
            codec.decode(PageEncoding.RAW.value(), encoded, 0, PAGE_SIZE + 1, 0, decoded));
        assertEquals(PageCodec.DecodeResult.BAD_LENGTH,
            codec.decode(PageEncoding.ZSTD.value(), encoded, 0, PAGE_SIZE, 0, decoded));
        assertEquals(PageCodec.DecodeResult.BAD_LENGTH,
            codec.decode(PageEncoding.ZSTD.value(), encoded, 0, -1, 0, decoded));
        assertEquals(PageCodec.DecodeResult.BAD_LENGTH,
            codec.decode(PageEncoding.ZERO.value(), encoded, 0, 1, codec.zeroPageCrc(), decoded));
        assertEquals(PageCodec.DecodeResult.UNKNOWN_ENCODING, codec.decode((short)77, encoded, 0, 10, 0, decoded));
    }

    @Test
    void zstdThatExpandsBeyondAPageOrFallsShortIsRejected()
    {
        // Two pages of text compress well; decoding them into one page must stop at the bound.
        final UnsafeBuffer twoPages = new UnsafeBuffer(ByteBuffer.allocateDirect(2 * PAGE_SIZE));
        twoPages.setMemory(0, 2 * PAGE_SIZE, (byte)'a');
        final PageCodec bigCodec = new PageCodec(2 * PAGE_SIZE, 1);
        final int length = bigCodec.encode(twoPages, 0, encoded, 0);
        bigCodec.close();
        assertEquals(PageCodec.DecodeResult.CORRUPT_PAYLOAD,
            codec.decode(PageEncoding.ZSTD.value(), encoded, 0, length, 0, decoded));

        final PageCodec smallCodec = new PageCodec(PAGE_SIZE / 2, 1);
        final int shortLength = smallCodec.encode(twoPages, 0, encoded, 0);
        smallCodec.close();
        assertEquals(PageCodec.DecodeResult.CORRUPT_PAYLOAD,
            codec.decode(PageEncoding.ZSTD.value(), encoded, 0, shortLength, 0, decoded));

        encoded.setMemory(0, 64, (byte)0xEE);
        assertEquals(PageCodec.DecodeResult.CORRUPT_PAYLOAD,
            codec.decode(PageEncoding.ZSTD.value(), encoded, 0, 64, 0, decoded));
    }

    @Test
    void everyLevelFromTheFastestToNineteenCanBeSelected()
    {
        source.putBytes(0, "abcdefgh".repeat(PAGE_SIZE / 8).getBytes());
        for (int level = -7; level <= 19; level++)
        {
            codec.compressionLevel(level);
            final int length = codec.encode(source, 0, encoded, 0);
            assertEquals(
                PageCodec.DecodeResult.OK,
                codec.decode(PageEncoding.ZSTD.value(), encoded, 0, length, codec.lastCrc(), decoded),
                "level " + level);
        }
    }
}
