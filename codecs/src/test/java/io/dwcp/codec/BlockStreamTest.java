package io.dwcp.codec;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BlockStreamTest
{
    private static final int PAGE_SIZE = 4096;
    private static final int PAGES = 8;
    private static final int BLOCKS = 6;
    private static final int LEVEL = 3;

    private final BlockCodec sender = new BlockCodec(PAGE_SIZE, PAGES, LEVEL);
    private final BlockCodec receiver = new BlockCodec(PAGE_SIZE, PAGES, LEVEL);
    private final BlockStream senderStream = new BlockStream();
    private final BlockStream receiverStream = new BlockStream();
    private final UnsafeBuffer image = new UnsafeBuffer(ByteBuffer.allocateDirect(BLOCKS * PAGES * PAGE_SIZE));
    private final UnsafeBuffer[] blocks = new UnsafeBuffer[BLOCKS];
    private final int[] lengths = new int[BLOCKS];
    private final long[] positions = new long[BLOCKS];

    @AfterEach
    void close()
    {
        sender.close();
        receiver.close();
        senderStream.close();
        receiverStream.close();
    }

    /**
     * Random blocks, each block the one before with a few words changed: a block alone compresses as random data, a
     * block streamed after the one before as matches into it.
     */
    private void fill(final long seed)
    {
        final Random random = new Random(seed);
        final byte[] first = new byte[PAGES * PAGE_SIZE];
        random.nextBytes(first);
        for (int b = 0; b < BLOCKS; b++)
        {
            image.putBytes(b * first.length, first);
            for (int w = 0; w < 16; w++)
            {
                image.putLong(b * first.length + random.nextInt(first.length / 8) * 8, random.nextLong());
            }
        }
        for (int b = 0; b < BLOCKS; b++)
        {
            blocks[b] = new UnsafeBuffer(ByteBuffer.allocateDirect(BlockCodec.maxCompressedLength(PAGE_SIZE, PAGES)));
        }
    }

    private void send(final int b, final BlockStream stream)
    {
        sender.begin();
        for (int p = 0; p < PAGES; p++)
        {
            sender.addPage(image, (b * PAGES + p) * PAGE_SIZE);
        }
        positions[b] = null == stream ? -1 : stream.nextPosition(LEVEL);
        lengths[b] = null == stream ? sender.compress(blocks[b], 0, blocks[b].capacity()) :
            stream.compress(sender, blocks[b], 0, blocks[b].capacity());
    }

    private PageCodec.DecodeResult receive(final int b)
    {
        return receiverStream.decompress(receiver, positions[b], blocks[b], 0, lengths[b], PAGES);
    }

    private void assertBlockDecoded(final int b)
    {
        assertEquals(PageCodec.DecodeResult.OK, receive(b), "block " + b);
        for (int p = 0; p < PAGES; p++)
        {
            final int at = (b * PAGES + p) * PAGE_SIZE;
            for (int i = 0; i < PAGE_SIZE; i += Long.BYTES)
            {
                assertEquals(image.getLong(at + i), receiver.pages().getLong(receiver.pageOffset(p) + i));
            }
        }
    }

    @Test
    void blocksStreamedFindTheBlocksBeforeThemAndDecodeInOrder()
    {
        fill(1);
        for (int b = 0; b < BLOCKS; b++)
        {
            send(b, senderStream);
            assertEquals(b, positions[b]);
        }
        for (int b = 0; b < BLOCKS; b++)
        {
            assertBlockDecoded(b);
        }
        assertEquals(BLOCKS, receiverStream.position());
        assertFalse(receiverStream.isBroken());
        final int streamed = lengths[BLOCKS - 1];
        send(BLOCKS - 1, null);
        assertTrue(streamed * 4 < lengths[BLOCKS - 1],
            streamed + " streamed against " + lengths[BLOCKS - 1] + " alone");
    }

    @Test
    void aBlockOutOfStepOrCorruptBreaksTheStreamUntilARestart()
    {
        fill(2);
        for (int b = 0; b < 3; b++)
        {
            send(b, senderStream);
        }
        // The first block is lost: the second is out of step, and so is the third though it is the next position.
        assertEquals(PageCodec.DecodeResult.CORRUPT_PAYLOAD, receive(1));
        assertTrue(receiverStream.isBroken());
        assertEquals(PageCodec.DecodeResult.CORRUPT_PAYLOAD, receive(2));

        // The sender restarts, as after a repair: position 0 decodes, and the stream goes on from there.
        senderStream.restart();
        send(3, senderStream);
        send(4, senderStream);
        assertEquals(0, positions[3]);
        assertEquals(1, positions[4]);
        assertBlockDecoded(3);
        assertFalse(receiverStream.isBroken());

        // A flipped bit in the middle of a block: it fails or decodes wrong; either way the next one is refused.
        blocks[4].putByte(lengths[4] / 2, (byte)(blocks[4].getByte(lengths[4] / 2) ^ 0x10));
        final PageCodec.DecodeResult result = receive(4);
        if (PageCodec.DecodeResult.OK == result)
        {
            // Wrong pages fail their CRC32C, and the receiver then marks the stream broken itself.
            receiverStream.markBroken();
        }
        send(5, senderStream);
        assertEquals(2, positions[5]);
        assertEquals(PageCodec.DecodeResult.CORRUPT_PAYLOAD, receive(5));
    }

    @Test
    void aBlockThatClaimsMoreOrFewerPagesBreaksTheStream()
    {
        fill(3);
        send(0, senderStream);
        // Random pages: the block may be longer than any block of one page fewer can be, refused before decoding.
        assertNotEquals(PageCodec.DecodeResult.OK,
            receiverStream.decompress(receiver, 0, blocks[0], 0, lengths[0], PAGES - 1));
        assertTrue(receiverStream.isBroken());

        final BlockCodec larger = new BlockCodec(PAGE_SIZE, PAGES + 1, LEVEL);
        try (BlockStream stream = new BlockStream())
        {
            assertEquals(PageCodec.DecodeResult.CORRUPT_PAYLOAD,
                stream.decompress(larger, 0, blocks[0], 0, lengths[0], PAGES + 1));
            assertTrue(stream.isBroken());
        }
        finally
        {
            larger.close();
        }
        assertEquals(PageCodec.DecodeResult.BAD_LENGTH,
            receiverStream.decompress(receiver, -1, blocks[0], 0, lengths[0], PAGES));
        assertEquals(PageCodec.DecodeResult.BAD_LENGTH,
            receiverStream.decompress(receiver, 0, blocks[0], 0, lengths[0], PAGES + 1));
    }

    @Test
    void aBlockOfTheMostPagesThatHoldsMoreIsRefused()
    {
        // Pages that compress well, so a block of one page more still fits the bound of a block of the most pages.
        final UnsafeBuffer text = new UnsafeBuffer(ByteBuffer.allocateDirect((PAGES + 1) * PAGE_SIZE));
        final byte[] line = "a page of text that repeats, as real memory's often does\n".getBytes();
        for (int i = 0; i < text.capacity(); i++)
        {
            text.putByte(i, line[i % line.length]);
        }
        final UnsafeBuffer out = new UnsafeBuffer(
            ByteBuffer.allocateDirect(BlockCodec.maxCompressedLength(PAGE_SIZE, PAGES + 1)));
        try (BlockCodec larger = new BlockCodec(PAGE_SIZE, PAGES + 1, LEVEL);
            BlockStream stream = new BlockStream())
        {
            larger.begin();
            for (int p = 0; p <= PAGES; p++)
            {
                larger.addPage(text, p * PAGE_SIZE);
            }
            final int length = stream.compress(larger, out, 0, out.capacity());
            assertTrue(length <= BlockCodec.maxCompressedLength(PAGE_SIZE, PAGES));
            assertEquals(PageCodec.DecodeResult.CORRUPT_PAYLOAD,
                receiverStream.decompress(receiver, 0, out, 0, length, PAGES));
            assertTrue(receiverStream.isBroken());
        }
    }

    @Test
    void aStartThatAsksForALargerWindowIsRefused()
    {
        fill(4);
        send(0, senderStream);
        // The window descriptor, after the frame header's descriptor: one exponent more than the stream's.
        final int descriptor = blocks[0].getByte(1) & 0xFF;
        assertEquals(BlockStream.WINDOW_LOG - 10, descriptor >>> 3);
        blocks[0].putByte(1, (byte)(descriptor + 8));
        assertEquals(PageCodec.DecodeResult.CORRUPT_PAYLOAD, receive(0));
        assertTrue(receiverStream.isBroken());
        blocks[0].putByte(1, (byte)descriptor);
        assertBlockDecoded(0);
    }

    @Test
    void aChangeOfLevelRestartsTheStreamAndABlockInAHeapBufferDecodes()
    {
        fill(5);
        send(0, senderStream);
        send(1, senderStream);
        assertEquals(1, positions[1]);
        assertEquals(0, senderStream.nextPosition(LEVEL + 1));
        sender.compressionLevel(LEVEL + 1);
        sender.begin();
        sender.addPage(image, 0);
        assertEquals(0, senderStream.nextPosition(LEVEL + 1));
        final int length = senderStream.compress(sender, blocks[2], 0, blocks[2].capacity());
        assertEquals(1, senderStream.nextPosition(LEVEL + 1));
        assertNotEquals(0, length);

        final byte[] heap = new byte[lengths[0]];
        blocks[0].getBytes(0, heap);
        assertEquals(PageCodec.DecodeResult.OK,
            receiverStream.decompress(receiver, 0, new UnsafeBuffer(heap), 0, heap.length, PAGES));
        assertBlockDecoded(1);
    }
}
