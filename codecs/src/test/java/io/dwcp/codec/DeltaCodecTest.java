package io.dwcp.codec;

import com.github.luben.zstd.ZstdCompressCtx;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DeltaCodecTest
{
    private static final int PAGE_SIZE = 4096;

    private final PageCodec codec = new PageCodec(PAGE_SIZE, 3);
    private final UnsafeBuffer base = direct(PAGE_SIZE);
    private final UnsafeBuffer page = direct(PAGE_SIZE);
    private final UnsafeBuffer encoded = direct(2 * PAGE_SIZE);
    private final UnsafeBuffer decoded = direct(PAGE_SIZE);
    private final Random random = new Random(11);

    @AfterEach
    void close()
    {
        codec.close();
    }

    private static UnsafeBuffer direct(final int length)
    {
        return new UnsafeBuffer(ByteBuffer.allocateDirect(length));
    }

    private void randomise(final UnsafeBuffer buffer)
    {
        final byte[] bytes = new byte[PAGE_SIZE];
        random.nextBytes(bytes);
        buffer.putBytes(0, bytes);
    }

    private PageEncoding roundTrip()
    {
        final int length = codec.encodeDelta(page, 0, base, 0, encoded, 0);
        final PageEncoding encoding = codec.lastEncoding();
        final UnsafeBuffer payload = PageEncoding.RAW == encoding ? page : encoded;
        final PageCodec.DecodeResult result =
            codec.decode(encoding.value(), payload, 0, length, codec.lastCrc(), base, 0, decoded);
        assertEquals(PageCodec.DecodeResult.OK, result, encoding.toString());
        if (PageEncoding.UNCHANGED == encoding)
        {
            assertEquals(0, base.compareTo(page));
        }
        else if (PageEncoding.ZERO != encoding)
        {
            assertEquals(0, decoded.compareTo(page), encoding.toString());
        }
        return encoding;
    }

    @Test
    void unchangedPageIsAMarker()
    {
        randomise(base);
        page.putBytes(0, base, 0, PAGE_SIZE);
        assertEquals(PageEncoding.UNCHANGED, roundTrip());
        assertEquals(0, codec.encodeDelta(page, 0, base, 0, encoded, 0));
    }

    @Test
    void aFewChangedWordsTravelAsRuns()
    {
        randomise(base);
        page.putBytes(0, base, 0, PAGE_SIZE);
        page.putLong(8, 42);
        page.putInt(1000, 7);
        page.putByte(4095, (byte)(page.getByte(4095) ^ 1));
        assertEquals(PageEncoding.DELTA_XBZRLE, roundTrip());
        assertTrue(codec.encodeDelta(page, 0, base, 0, encoded, 0) < 40);
    }

    @Test
    void aHalfRewrittenPageStillRoundTrips()
    {
        randomise(base);
        page.putBytes(0, base, 0, PAGE_SIZE);
        for (int i = 0; i < PAGE_SIZE; i += 64)
        {
            page.putLong(i, random.nextLong());
            page.putLong(i + 8, random.nextLong());
        }
        final PageEncoding encoding = roundTrip();
        assertTrue(encoding == PageEncoding.DELTA_XBZRLE || encoding == PageEncoding.DELTA_XBZRLE_ZSTD,
            encoding.toString());
    }

    @Test
    void structuredNewContentTravelsAsCompressedRuns()
    {
        randomise(base);
        page.putBytes(0, base, 0, PAGE_SIZE);
        final byte[] text = "GET /index.html 200\n".repeat(40).getBytes();
        for (int i = 0; i < PAGE_SIZE; i += 256)
        {
            page.putBytes(i, text, i % 64, 128);
        }
        assertEquals(PageEncoding.DELTA_XBZRLE_ZSTD, roundTrip());
        assertTrue(codec.encodeDelta(page, 0, base, 0, encoded, 0) < PAGE_SIZE / 8);
    }

    @Test
    void thoroughModeAlsoTriesTheXorByZstd()
    {
        // Every byte flipped the same way: the runs carry the whole random page, while the XOR is one repeated byte.
        randomise(base);
        for (int i = 0; i < PAGE_SIZE; i++)
        {
            page.putByte(i, (byte)(base.getByte(i) ^ 0x01));
        }
        assertEquals(PageEncoding.RAW, roundTrip());
        codec.thoroughDelta(true);
        assertEquals(PageEncoding.DELTA_ZSTD, roundTrip());
        assertTrue(codec.encodeDelta(page, 0, base, 0, encoded, 0) < 64);
    }

    @Test
    void compressedRunsThatOverflowOrOverrunThePageAreRejected()
    {
        final UnsafeBuffer runs = direct(2 * PAGE_SIZE);
        try (ZstdCompressCtx zstd = new ZstdCompressCtx())
        {
            zstd.setMagicless(true).setContentSize(false).setChecksum(false).setDictID(false);

            // Decompresses to more than a page.
            final int tooLong = zstd.compressDirectByteBuffer(encoded.byteBuffer(), 0, 2 * PAGE_SIZE,
                runs.byteBuffer(), 0, PAGE_SIZE + 100);
            assertEquals(PageCodec.DecodeResult.CORRUPT_PAYLOAD, codec.decode(
                PageEncoding.DELTA_XBZRLE_ZSTD.value(), encoded, 0, tooLong, 0, base, 0, decoded));

            // Well-formed zstd whose runs reach past the page: skip 4000 bytes, then a literal of 200.
            int at = XorRunLength.putVarint(runs, 0, 4000);
            at = XorRunLength.putVarint(runs, at, 200);
            final int overrun = zstd.compressDirectByteBuffer(encoded.byteBuffer(), 0, 2 * PAGE_SIZE,
                runs.byteBuffer(), 0, at + 200);
            assertEquals(PageCodec.DecodeResult.CORRUPT_PAYLOAD, codec.decode(
                PageEncoding.DELTA_XBZRLE_ZSTD.value(), encoded, 0, overrun, 0, base, 0, decoded));
        }
        assertEquals(PageCodec.DecodeResult.UNKNOWN_ENCODING, codec.decode(
            PageEncoding.DELTA_XBZRLE_ZSTD.value(), encoded, 0, 8, 0, null, 0, decoded));
        assertEquals(PageCodec.DecodeResult.BAD_LENGTH, codec.decode(
            PageEncoding.DELTA_XBZRLE_ZSTD.value(), encoded, 0, PAGE_SIZE, 0, base, 0, decoded));
    }

    @Test
    void aCompletelyNewPageFallsBackToFullEncodings()
    {
        randomise(base);
        randomise(page);
        assertEquals(PageEncoding.RAW, roundTrip());

        page.putBytes(0, "log line 2026-11-22 INFO request served\n".repeat(110).getBytes(), 0, PAGE_SIZE);
        assertEquals(PageEncoding.ZSTD, roundTrip());

        page.setMemory(0, PAGE_SIZE, (byte)0);
        assertEquals(PageEncoding.ZERO, roundTrip());
    }

    @Test
    void aDeltaAgainstTheWrongBaseFailsItsCrc()
    {
        randomise(base);
        page.putBytes(0, base, 0, PAGE_SIZE);
        page.putLong(64, 99);
        final int length = codec.encodeDelta(page, 0, base, 0, encoded, 0);
        base.putLong(512, base.getLong(512) ^ 1);
        assertEquals(PageCodec.DecodeResult.CRC_MISMATCH, codec.decode(
            codec.lastEncoding().value(), encoded, 0, length, codec.lastCrc(), base, 0, decoded));
    }

    @Test
    void malformedRunPayloadsAreRejected()
    {
        final UnsafeBuffer xor = direct(PAGE_SIZE);
        // An unchanged run past the page.
        encoded.putByte(0, (byte)0x80);
        encoded.putByte(1, (byte)0x40);
        encoded.putByte(2, (byte)0x01);
        encoded.putByte(3, (byte)0x00);
        assertFalse(XorRunLength.apply(encoded, 0, 5, xor, PAGE_SIZE));
        // A literal longer than the payload.
        encoded.putByte(0, (byte)0x00);
        encoded.putByte(1, (byte)0x10);
        assertFalse(XorRunLength.apply(encoded, 0, 4, xor, PAGE_SIZE));
        // A truncated varint, a zero-length literal and an over-long varint.
        encoded.putByte(0, (byte)0x81);
        assertFalse(XorRunLength.apply(encoded, 0, 1, xor, PAGE_SIZE));
        encoded.putByte(0, (byte)0x01);
        encoded.putByte(1, (byte)0x00);
        assertFalse(XorRunLength.apply(encoded, 0, 2, xor, PAGE_SIZE));
        encoded.setMemory(0, 8, (byte)0xFF);
        assertFalse(XorRunLength.apply(encoded, 0, 8, xor, PAGE_SIZE));

        assertEquals(PageCodec.DecodeResult.BAD_LENGTH, codec.decode(
            PageEncoding.DELTA_XBZRLE.value(), encoded, 0, PAGE_SIZE + 1, 0, base, 0, decoded));
        assertEquals(PageCodec.DecodeResult.CORRUPT_PAYLOAD, codec.decode(
            PageEncoding.DELTA_ZSTD.value(), encoded, 0, 8, 0, base, 0, decoded));
        assertEquals(PageCodec.DecodeResult.BAD_LENGTH, codec.decode(
            PageEncoding.UNCHANGED.value(), encoded, 0, 3, 0, base, 0, decoded));
    }

    @Test
    void runsCarryTheNewBytesAndRebuildThePageOverItsBase()
    {
        final UnsafeBuffer rebuilt = direct(PAGE_SIZE);
        for (int trial = 0; trial < 300; trial++)
        {
            randomise(base);
            page.putBytes(0, base, 0, PAGE_SIZE);
            int changed = 0;
            for (int e = random.nextInt(30); e > 0; e--)
            {
                final int at = random.nextInt(PAGE_SIZE);
                page.putByte(at, (byte)(page.getByte(at) ^ (1 + random.nextInt(255))));
            }
            for (int i = 0; i < PAGE_SIZE; i++)
            {
                changed += page.getByte(i) != base.getByte(i) ? 1 : 0;
            }
            final int length = XorRunLength.encode(page, 0, base, 0, PAGE_SIZE, encoded, 0, PAGE_SIZE);
            assertEquals(0 == changed, 0 == length, "trial " + trial);
            rebuilt.putBytes(0, base, 0, PAGE_SIZE);
            assertTrue(XorRunLength.apply(encoded, 0, length, rebuilt, PAGE_SIZE), "trial " + trial);
            assertEquals(0, rebuilt.compareTo(page), "trial " + trial);
        }
    }

    @Test
    void randomEditsAlwaysRoundTrip()
    {
        for (int trial = 0; trial < 500; trial++)
        {
            randomise(base);
            page.putBytes(0, base, 0, PAGE_SIZE);
            final int edits = random.nextInt(40);
            for (int e = 0; e < edits; e++)
            {
                final int at = random.nextInt(PAGE_SIZE);
                final int length = Math.min(PAGE_SIZE - at, 1 + random.nextInt(200));
                for (int i = 0; i < length; i++)
                {
                    page.putByte(at + i, random.nextInt(4) == 0 ? 0 : (byte)random.nextInt());
                }
            }
            roundTrip();
        }
    }
}
