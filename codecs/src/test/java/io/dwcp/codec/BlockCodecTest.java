package io.dwcp.codec;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BlockCodecTest
{
    private static final int PAGE_SIZE = 4096;
    private static final int PAGES = 16;

    private final BlockCodec sender = new BlockCodec(PAGE_SIZE, PAGES, 1);
    private final BlockCodec receiver = new BlockCodec(PAGE_SIZE, PAGES, 1);
    private final UnsafeBuffer current = new UnsafeBuffer(ByteBuffer.allocateDirect(PAGES * PAGE_SIZE));
    private final UnsafeBuffer previous = new UnsafeBuffer(ByteBuffer.allocateDirect(PAGES * PAGE_SIZE));
    private final UnsafeBuffer block = new UnsafeBuffer(
        ByteBuffer.allocateDirect(BlockCodec.maxCompressedLength(PAGE_SIZE, PAGES)));

    @AfterEach
    void close()
    {
        sender.close();
        receiver.close();
    }

    /** Random pages, each half filled with a text that repeats across pages, so pages compress better together. */
    private void fill(final long seed)
    {
        final Random random = new Random(seed);
        final byte[] bytes = new byte[PAGES * PAGE_SIZE];
        random.nextBytes(bytes);
        final byte[] text = ("page content shared by pages of one image " + seed).getBytes();
        for (int i = 0; i < bytes.length; i += 2 * text.length)
        {
            System.arraycopy(text, 0, bytes, i, Math.min(text.length, bytes.length - i));
        }
        previous.putBytes(0, bytes);
        current.putBytes(0, bytes);
        for (int p = 0; p < PAGES; p++)
        {
            // A few changed words per page.
            for (int w = 0; w < 8; w++)
            {
                current.putLong(p * PAGE_SIZE + random.nextInt(PAGE_SIZE / 8) * 8, random.nextLong());
            }
        }
    }

    @Test
    void pagesRoundTripAsOneBlockSmallerThanPageByPage()
    {
        fill(1);
        sender.begin();
        for (int p = 0; p < PAGES; p++)
        {
            sender.addPage(current, p * PAGE_SIZE);
        }
        final int length = sender.compress(block, 0, block.capacity());

        int pageByPage = 0;
        try (BlockCodec single = new BlockCodec(PAGE_SIZE, 1, 1))
        {
            for (int p = 0; p < PAGES; p++)
            {
                single.begin();
                single.addPage(current, p * PAGE_SIZE);
                pageByPage += single.compress(previous, 0, previous.capacity());
            }
        }
        assertTrue(length < pageByPage, length + " as a block against " + pageByPage + " page by page");

        receiver.begin();
        assertEquals(PageCodec.DecodeResult.OK, receiver.decompress(block, 0, length, PAGES));
        assertEquals(0, receiver.pages().compareTo(current));
    }

    @Test
    void deltaPagesUseTheHeldVersionsAsDictionary()
    {
        fill(2);
        sender.begin();
        sender.addPage(current, 0);
        for (int p = 1; p < PAGES; p++)
        {
            sender.addDeltaPage(current, p * PAGE_SIZE, previous, p * PAGE_SIZE);
        }
        final int length = sender.compress(block, 0, block.capacity());
        assertTrue(length < 3 * PAGE_SIZE, "a block of small changes took " + length);

        receiver.begin();
        for (int p = 1; p < PAGES; p++)
        {
            receiver.dictionary().addVersion(previous, p * PAGE_SIZE);
        }
        assertEquals(PageCodec.DecodeResult.OK, receiver.decompress(block, 0, length, PAGES));
        for (int p = 0; p < PAGES; p++)
        {
            assertEquals(PageChecksum.crc32c(current, p * PAGE_SIZE, PAGE_SIZE),
                PageChecksum.crc32c(receiver.pages(), receiver.pageOffset(p), PAGE_SIZE), "page " + p);
        }
    }

    @Test
    void pagesWrittenIntoTheirSlotAndKeptMakeTheSameBlockAsPagesCopiedIn()
    {
        fill(7);
        sender.begin();
        for (int p = 0; p < PAGES; p++)
        {
            sender.addPage(current, p * PAGE_SIZE);
            sender.addDeltaPage(current, p * PAGE_SIZE, previous, p * PAGE_SIZE);
            if (!sender.hasRoom())
            {
                break;
            }
        }
        final int copiedLength = sender.compress(block, 0, block.capacity());
        final byte[] copied = new byte[copiedLength];
        block.getBytes(0, copied);

        // The same pages written straight into the next slot; every other page is written there and not kept.
        sender.begin();
        for (int p = 0; p < PAGES && sender.hasRoom(); p++)
        {
            final int at = sender.nextPageOffset();
            sender.pages().putBytes(at, previous, ((p + 5) % PAGES) * PAGE_SIZE, PAGE_SIZE);
            assertEquals(at, sender.nextPageOffset(), "a page written and not kept holds no slot");
            sender.pages().putBytes(at, current, p * PAGE_SIZE, PAGE_SIZE);
            sender.commitPage();
            sender.pages().putBytes(sender.nextPageOffset(), current, p * PAGE_SIZE, PAGE_SIZE);
            sender.commitDeltaPage(previous, p * PAGE_SIZE);
        }
        assertEquals(PAGES, sender.pageCount());
        assertEquals(PAGES / 2, sender.dictionary().count());
        final int length = sender.compress(block, 0, block.capacity());
        final byte[] written = new byte[length];
        block.getBytes(0, written);
        assertEquals(copiedLength, length);
        assertTrue(Arrays.equals(copied, written), "the same block, byte for byte");

        receiver.begin();
        for (int p = 0; p < PAGES / 2; p++)
        {
            receiver.dictionary().addVersion(previous, p * PAGE_SIZE);
        }
        assertEquals(PageCodec.DecodeResult.OK, receiver.decompress(block, 0, length, PAGES));
        for (int p = 0; p < PAGES; p++)
        {
            assertEquals(PageChecksum.crc32c(current, (p / 2) * PAGE_SIZE, PAGE_SIZE),
                PageChecksum.crc32c(receiver.pages(), receiver.pageOffset(p), PAGE_SIZE), "page " + p);
        }
        assertThrows(IllegalStateException.class, sender::commitPage, "a full block keeps no more pages");
    }

    @Test
    void versionsOfSimilarPagesInTheDictionaryShrinkPagesWhoseDataMoved()
    {
        fill(5);
        // Each page of the block is the data of another page, moved by 40 bytes, with a few words changed: the
        // receiver holds those other pages, not an earlier version of these.
        final UnsafeBuffer moved = new UnsafeBuffer(ByteBuffer.allocateDirect(PAGES * PAGE_SIZE));
        final Random random = new Random(5);
        final byte[] fresh = new byte[PAGES * PAGE_SIZE];
        random.nextBytes(fresh);
        moved.putBytes(0, fresh);
        for (int p = 0; p < PAGES; p++)
        {
            moved.putBytes(p * PAGE_SIZE + 40, previous, p * PAGE_SIZE, PAGE_SIZE - 40);
        }

        sender.begin();
        for (int p = 0; p < PAGES; p++)
        {
            sender.addPage(moved, p * PAGE_SIZE);
        }
        final int alone = sender.compress(block, 0, block.capacity());
        sender.begin();
        for (int p = 0; p < PAGES; p++)
        {
            sender.addPage(moved, p * PAGE_SIZE);
            sender.dictionary().addVersion(previous, p * PAGE_SIZE);
        }
        final int length = sender.compress(block, 0, block.capacity());
        assertTrue(length < alone / 4, "with the similar pages " + length + " bytes, alone " + alone);

        receiver.begin();
        for (int p = 0; p < PAGES; p++)
        {
            receiver.dictionary().addVersion(previous, p * PAGE_SIZE);
        }
        assertEquals(PageCodec.DecodeResult.OK, receiver.decompress(block, 0, length, PAGES));
        for (int p = 0; p < PAGES; p++)
        {
            assertEquals(PageChecksum.crc32c(moved, p * PAGE_SIZE, PAGE_SIZE),
                PageChecksum.crc32c(receiver.pages(), receiver.pageOffset(p), PAGE_SIZE), "page " + p);
        }
    }

    @Test
    void piecesOfSimilarPagesInTheDictionaryShrinkPagesWhoseDataMovedAndAStalePieceIsReplaced()
    {
        fill(8);
        // Each page of the block holds the first half of another page, moved by 40 bytes, behind random bytes:
        // the pieces of those pages that line up with it are their first half and the piece after it.
        final UnsafeBuffer moved = new UnsafeBuffer(ByteBuffer.allocateDirect(PAGES * PAGE_SIZE));
        final byte[] fresh = new byte[PAGES * PAGE_SIZE];
        new Random(8).nextBytes(fresh);
        moved.putBytes(0, fresh);
        for (int p = 0; p < PAGES; p++)
        {
            moved.putBytes(p * PAGE_SIZE + 40, previous, p * PAGE_SIZE, PAGE_SIZE / 2);
        }
        final int pieces = 0b0001_1111;
        sender.begin();
        for (int p = 0; p < PAGES; p++)
        {
            sender.addPage(moved, p * PAGE_SIZE);
        }
        final int alone = sender.compress(block, 0, block.capacity());
        sender.begin();
        for (int p = 0; p < PAGES; p++)
        {
            sender.addPage(moved, p * PAGE_SIZE);
            sender.dictionary().addPieces(previous, p * PAGE_SIZE, pieces);
        }
        assertEquals(PAGES * 5 * PAGE_SIZE / BlockDictionary.PIECES_PER_PAGE, sender.dictionary().length());
        final int length = sender.compress(block, 0, block.capacity());
        assertTrue(length < alone * 3 / 5, "with the pieces " + length + " bytes, alone " + alone);

        // The receiver's copy of page 3 differs in a piece it takes: it puts another version in its place.
        final UnsafeBuffer stale = new UnsafeBuffer(ByteBuffer.allocateDirect(PAGE_SIZE));
        stale.putBytes(0, previous, 3 * PAGE_SIZE, PAGE_SIZE);
        stale.putLong(100, 0x1234_5678_9ABCL);
        receiver.begin();
        for (int p = 0; p < PAGES; p++)
        {
            final int start = receiver.dictionary().length();
            receiver.dictionary().addPieces(3 == p ? stale : previous, 3 == p ? 0 : p * PAGE_SIZE, pieces);
            if (3 == p)
            {
                receiver.dictionary().truncate(start);
                receiver.dictionary().addPieces(previous, p * PAGE_SIZE, pieces);
            }
        }
        assertEquals(PageCodec.DecodeResult.OK, receiver.decompress(block, 0, length, PAGES));
        for (int p = 0; p < PAGES; p++)
        {
            assertEquals(PageChecksum.crc32c(moved, p * PAGE_SIZE, PAGE_SIZE),
                PageChecksum.crc32c(receiver.pages(), receiver.pageOffset(p), PAGE_SIZE), "page " + p);
        }
        org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
            () -> receiver.dictionary().addPieces(previous, 0, 0));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
            () -> receiver.dictionary().addPieces(previous, 0, 0x100));
    }

    @Test
    void aDictionaryHoldsAtMostItsVersionsAndADecoderRefusesMoreThanItsPagesCanHave()
    {
        fill(6);
        sender.begin();
        for (int b = 0; b < sender.dictionary().maxVersions(); b++)
        {
            sender.dictionary().addVersion(previous, (b % PAGES) * PAGE_SIZE);
        }
        assertEquals(PAGES * (1 + BlockDictionary.MAX_SIMILAR_PER_PAGE), sender.dictionary().maxVersions());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
            () -> sender.dictionary().addVersion(previous, 0));

        sender.begin();
        sender.addPage(current, 0);
        final int length = sender.compress(block, 0, block.capacity());
        // One page can bring its own version and two similar ones; a fourth version is more than a block of one has.
        receiver.begin();
        for (int b = 0; b < 2 + BlockDictionary.MAX_SIMILAR_PER_PAGE; b++)
        {
            receiver.dictionary().addVersion(previous, b * PAGE_SIZE);
        }
        assertEquals(PageCodec.DecodeResult.BAD_LENGTH, receiver.decompress(block, 0, length, 1));
    }

    @Test
    void aHeldVersionThatDiffersDecodesWrongAndFailsTheCrc()
    {
        fill(3);
        sender.begin();
        sender.addDeltaPage(current, 0, previous, 0);
        sender.addDeltaPage(current, PAGE_SIZE, previous, PAGE_SIZE);
        final int length = sender.compress(block, 0, block.capacity());

        // The receiver lacks the version of the first page: it holds zeros there.
        final UnsafeBuffer lacking = new UnsafeBuffer(ByteBuffer.allocateDirect(PAGE_SIZE));
        receiver.begin();
        receiver.dictionary().addVersion(lacking, 0);
        receiver.dictionary().addVersion(previous, PAGE_SIZE);
        final PageCodec.DecodeResult result = receiver.decompress(block, 0, length, 2);
        if (PageCodec.DecodeResult.OK == result)
        {
            assertNotEquals(PageChecksum.crc32c(current, 0, PAGE_SIZE),
                PageChecksum.crc32c(receiver.pages(), 0, PAGE_SIZE));
        }
    }

    @Test
    void aBlockOfMoreOrFewerPagesThanItsEntriesIsRejected()
    {
        fill(4);
        sender.begin();
        for (int p = 0; p < 4; p++)
        {
            sender.addPage(current, p * PAGE_SIZE);
        }
        final int length = sender.compress(block, 0, block.capacity());

        receiver.begin();
        assertEquals(PageCodec.DecodeResult.CORRUPT_PAYLOAD, receiver.decompress(block, 0, length, 3));
        receiver.begin();
        assertEquals(PageCodec.DecodeResult.CORRUPT_PAYLOAD, receiver.decompress(block, 0, length, 5));
        receiver.begin();
        assertEquals(PageCodec.DecodeResult.BAD_LENGTH, receiver.decompress(block, 0, length, PAGES + 1));
        receiver.begin();
        assertEquals(PageCodec.DecodeResult.BAD_LENGTH, receiver.decompress(block, 0, 0, 4));
        receiver.begin();
        assertEquals(PageCodec.DecodeResult.OK, receiver.decompress(block, 0, length, 4));
    }

    @Test
    void aBlockFullOfPagesThatClaimsOneMoreIsRejected()
    {
        fill(5);
        try (BlockCodec big = new BlockCodec(PAGE_SIZE, PAGES + 1, 1))
        {
            big.begin();
            for (int p = 0; p < PAGES; p++)
            {
                big.addPage(current, p * PAGE_SIZE);
            }
            big.addPage(current, 0);
            final UnsafeBuffer bigBlock = new UnsafeBuffer(
                ByteBuffer.allocateDirect(BlockCodec.maxCompressedLength(PAGE_SIZE, PAGES + 1)));
            final int length = big.compress(bigBlock, 0, bigBlock.capacity());
            receiver.begin();
            assertEquals(PageCodec.DecodeResult.CORRUPT_PAYLOAD, receiver.decompress(bigBlock, 0, length, PAGES));
        }
    }

    @Test
    void flippedBitsAreACorruptBlockOrWrongPagesNeverAnException()
    {
        fill(6);
        sender.begin();
        for (int p = 0; p < PAGES; p++)
        {
            sender.addPage(current, p * PAGE_SIZE);
        }
        final int length = sender.compress(block, 0, block.capacity());
        final Random random = new Random(6);
        final UnsafeBuffer damaged = new UnsafeBuffer(ByteBuffer.allocateDirect(block.capacity()));
        for (int trial = 0; trial < 200; trial++)
        {
            damaged.putBytes(0, block, 0, length);
            final int at = random.nextInt(length);
            damaged.putByte(at, (byte)(damaged.getByte(at) ^ (1 << random.nextInt(8))));
            receiver.begin();
            final PageCodec.DecodeResult result = receiver.decompress(damaged, 0, length, PAGES);
            if (PageCodec.DecodeResult.OK == result)
            {
                int wrong = 0;
                for (int p = 0; p < PAGES; p++)
                {
                    if (PageChecksum.crc32c(current, p * PAGE_SIZE, PAGE_SIZE) !=
                        PageChecksum.crc32c(receiver.pages(), receiver.pageOffset(p), PAGE_SIZE))
                    {
                        wrong++;
                    }
                }
                assertTrue(wrong > 0, "a flipped bit at " + at + " changed nothing");
            }
            else
            {
                assertEquals(PageCodec.DecodeResult.CORRUPT_PAYLOAD, result);
            }
        }
    }
}
