package io.dwcp.engine.system;

import io.dwcp.engine.config.CodecConfiguration;
import io.dwcp.engine.memory.ImageComparison;
import io.dwcp.engine.status.EngineCounter;
import io.dwcp.engine.status.EngineCounters;
import io.dwcp.engine.test.CorruptingRelay;
import io.dwcp.engine.test.EventRecorder;
import io.dwcp.engine.test.MigrationHarness;
import io.dwcp.engine.test.TestImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Pages whose data moved from another page the receiver holds, as a collector copies objects: the held version of
 * that page goes into the block's dictionary, and a receiver whose copy of it changed since rejects only the pages
 * it spoils, which are repaired; a list of similar pieces damaged in flight rejects its block, whose pages are
 * repaired. Every destination is checked byte for byte.
 */
class SimilarPagesSystemTest
{
    private static final int PAGE_SIZE = 4096;
    private static final long IMAGE_SIZE = 8L * 1024 * 1024;
    private static final int PAGE_COUNT = (int)(IMAGE_SIZE / PAGE_SIZE);
    private static final long SOURCE_PAGE = 100;
    private static final long MOVED_PAGES = 64;
    private static final long FIRST_MOVED = PAGE_COUNT - MOVED_PAGES;

    @TempDir
    Path directory;

    /**
     * Random pages from {@code SOURCE_PAGE} on, so they have anchors and compress badly alone, and other random
     * pages where their data will move.
     */
    private Path image(final long seed) throws Exception
    {
        final Path image = TestImages.generate(directory.resolve("source.img"), IMAGE_SIZE, seed);
        try (RandomAccessFile source = new RandomAccessFile(image.toFile(), "rw"))
        {
            final byte[] pages = new byte[(int)(MOVED_PAGES * PAGE_SIZE)];
            new Random(seed).nextBytes(pages);
            source.seek(SOURCE_PAGE * PAGE_SIZE);
            source.write(pages);
            // The pages the data moves to hold other data first, which the receiver then holds: similar pages are
            // looked for only for pages with a version held.
            new Random(seed + 1).nextBytes(pages);
            source.seek(FIRST_MOVED * PAGE_SIZE);
            source.write(pages);
        }
        return image;
    }

    /** The data of each source page, 40 bytes on, into the last pages of the image, behind new bytes. */
    private static void moveData(final Path image, final long seed) throws Exception
    {
        try (RandomAccessFile source = new RandomAccessFile(image.toFile(), "rw"))
        {
            final Random random = new Random(seed);
            final byte[] page = new byte[PAGE_SIZE];
            final byte[] moved = new byte[PAGE_SIZE];
            for (int i = 0; i < MOVED_PAGES; i++)
            {
                source.seek((SOURCE_PAGE + i) * PAGE_SIZE);
                source.readFully(page);
                random.nextBytes(moved);
                System.arraycopy(page, 0, moved, 40, PAGE_SIZE - 40);
                source.seek((FIRST_MOVED + i) * PAGE_SIZE);
                source.write(moved);
            }
        }
    }

    private static long[] movedPages()
    {
        final long[] pages = new long[(int)MOVED_PAGES];
        for (int i = 0; i < pages.length; i++)
        {
            pages[i] = FIRST_MOVED + i;
        }
        return pages;
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void fromLevelThreePagesSentWholeTakeTheirDataFromSimilarPagesTheReceiverHolds() throws Exception
    {
        final long[] bytesAndBases = sendMovedPagesWhole(3, 3);
        assertTrue(bytesAndBases[1] >= MOVED_PAGES * 3 / 4, "similar bases " + bytesAndBases[1]);
        // Random data costs its own size alone: against the pages it came from, a fraction of it.
        assertTrue(bytesAndBases[0] < MOVED_PAGES * PAGE_SIZE / 4, "round 1 took " + bytesAndBases[0] + " bytes");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void belowTheLevelSetPagesSentWholeLookForNone() throws Exception
    {
        final long[] bytesAndBases = sendMovedPagesWhole(3, 4);
        assertEquals(0, bytesAndBases[1]);
        assertTrue(bytesAndBases[0] > MOVED_PAGES * PAGE_SIZE * 3 / 4, "round 1 took " + bytesAndBases[0] + " bytes");
    }

    private long[] sendMovedPagesWhole(final int level, final int wholeLevel) throws Exception
    {
        final Path image = image(43);
        moveData(image, 44);
        return sendLastPagesInRoundOne(image, level, wholeLevel);
    }

    /**
     * Round 0 sends every page but the last ones, where the data of the source pages has already moved; round 1
     * sends those, which the receiver never had: each goes whole, in a block.
     *
     * @return round 1's wire bytes, the similar versions sent in all and in round 1, and those the receiver found
     *         mismatched.
     */
    private long[] sendLastPagesInRoundOne(final Path image, final int level, final int wholeLevel) throws Exception
    {
        try (MigrationHarness harness = MigrationHarness.udpInClear(
            directory.resolve("engines"), (context) -> context.similarWholeLevel(wholeLevel)))
        {
            final EventRecorder events = harness.events();
            harness.startTransfer(1, "vm-whole", image, PAGE_SIZE, level);
            harness.commands().pageRange(1, 0, 0, (int)FIRST_MOVED);
            harness.commands().endOfRound(1, 0);
            harness.awaitEvents("round 0", 30_000, () -> events.rounds.size() == 1);
            final EngineCounters sender = harness.senderEngine().senderCounters();
            final long round0Bytes = sender.value(EngineCounter.WIRE_BYTES_SENT);
            final long round0Bases = sender.value(EngineCounter.SIMILAR_BASES_SENT);

            harness.commands().pages(1, 1, movedPages(), (int)MOVED_PAGES);
            harness.commands().endOfRound(1, 1);
            harness.commands().endOfTransfer(1);
            harness.awaitEnd(1, 45_000);

            assertEquals(List.of(), events.failed);
            assertEquals(0, sender.value(EngineCounter.DELTA_PAGES_SENT), "no page had a version held");
            assertEquals(-1, ImageComparison.firstDifference(image, harness.destinationOf("vm-whole", 1)));
            assertEquals(List.of(), harness.errors());
            final long bases = sender.value(EngineCounter.SIMILAR_BASES_SENT);
            return new long[] {
                sender.value(EngineCounter.WIRE_BYTES_SENT) - round0Bytes, bases, bases - round0Bases,
                harness.receiverEngine().receiverCounters().value(EngineCounter.SIMILAR_BASES_MISMATCHED)};
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aLaterRoundsPagesSentWholeTakePiecesOfEveryPageTheirDataCameFrom() throws Exception
    {
        // Each moved page is four quarters of four source pages, as a collector fills a page from many: round 0
        // takes the two with the most anchors only, a later round every one, as for pages with a version.
        final Path image = image(47);
        try (RandomAccessFile source = new RandomAccessFile(image.toFile(), "rw"))
        {
            final byte[] quarter = new byte[PAGE_SIZE / 4];
            for (int i = 0; i < MOVED_PAGES; i++)
            {
                for (int q = 0; q < 4; q++)
                {
                    source.seek((SOURCE_PAGE + (i + q * 16) % MOVED_PAGES) * PAGE_SIZE + q * quarter.length);
                    source.readFully(quarter);
                    source.seek((FIRST_MOVED + i) * PAGE_SIZE + q * quarter.length);
                    source.write(quarter);
                }
            }
        }
        final long[] result = sendLastPagesInRoundOne(image, 3, CodecConfiguration.SIMILAR_WHOLE_LEVEL_DEFAULT);
        final long bases = result[2];
        assertTrue(bases > MOVED_PAGES * 5 / 2, "similar bases " + bases + " for " + MOVED_PAGES + " pages");
        assertTrue(result[0] < MOVED_PAGES * PAGE_SIZE / 4, "round 1 took " + result[0] + " bytes");
        assertEquals(0, result[3]);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void pagesWhoseDataMovedTravelAgainstTheVersionsOfThePagesItCameFrom() throws Exception
    {
        final Path image = image(41);
        try (MigrationHarness harness = MigrationHarness.udpInClear(directory.resolve("engines")))
        {
            final EventRecorder events = harness.events();
            harness.startTransfer(1, "vm-moved", image, PAGE_SIZE);
            harness.commands().pageRange(1, 0, 0, PAGE_COUNT);
            harness.commands().endOfRound(1, 0);
            harness.awaitEvents("round 0", 30_000, () -> events.rounds.size() == 1);
            final EngineCounters sender = harness.senderEngine().senderCounters();
            final long round0Bytes = sender.value(EngineCounter.WIRE_BYTES_SENT);

            moveData(image, 42);
            harness.commands().pages(1, 1, movedPages(), (int)MOVED_PAGES);
            harness.commands().endOfRound(1, 1);
            harness.commands().endOfTransfer(1);
            harness.awaitEnd(1, 45_000);

            assertEquals(List.of(), events.failed);
            assertTrue(sender.value(EngineCounter.SIMILAR_BASES_SENT) >= MOVED_PAGES * 3 / 4,
                "similar bases " + sender.value(EngineCounter.SIMILAR_BASES_SENT));
            // Random data costs its own size alone: against the pages it came from, a fraction of it.
            final long round1Bytes = sender.value(EngineCounter.WIRE_BYTES_SENT) - round0Bytes;
            final EngineCounters receiver = harness.receiverEngine().receiverCounters();
            assertTrue(round1Bytes < MOVED_PAGES * PAGE_SIZE / 4, "round 1 took " + round1Bytes + " bytes, " +
                "round 0 " + round0Bytes + "; resent " + sender.value(EngineCounter.PAGES_RESENT) + ", mismatched " +
                receiver.value(EngineCounter.SIMILAR_BASES_MISMATCHED) + ", rejected by CRC " +
                receiver.value(EngineCounter.PAGES_REJECTED_CRC) + ", block pages " +
                sender.value(EngineCounter.BLOCK_PAGES_SENT) + ", similar " +
                sender.value(EngineCounter.SIMILAR_BASES_SENT));
            // The round's own count agrees: a frame's block counts in the frame's round, not the next one.
            assertTrue(events.rounds.get(1).wireBytes() <= round1Bytes, "round 1 reported " +
                events.rounds.get(1).wireBytes() + " bytes, sent " + round1Bytes);
            assertEquals(0, receiver.value(EngineCounter.SIMILAR_BASES_MISMATCHED));
            assertEquals(-1, ImageComparison.firstDifference(image, harness.destinationOf("vm-moved", 1)));
            assertEquals(List.of(), harness.errors());
        }
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void listsOfSimilarPiecesDamagedInFlightRejectTheirBlocksWhosePagesAreRepaired() throws Exception
    {
        final Path image = image(45);
        try (MigrationHarness harness = MigrationHarness.udpInClear(directory.resolve("engines"));
            CorruptingRelay relay =
                new CorruptingRelay(MigrationHarness.portOf(harness.receiverEndpoint()), 3).similarLists())
        {
            final EventRecorder events = harness.events();
            harness.commands().startTransfer(3, "vm-bad-lists", image.toString(), IMAGE_SIZE, PAGE_SIZE, 0,
                relay.endpoint());
            harness.commands().pageRange(3, 0, 0, PAGE_COUNT);
            harness.commands().endOfRound(3, 0);
            harness.awaitEvents("round 0", 30_000, () -> events.rounds.size() == 1);
            // Each round moves the source pages' data again, 40 bytes on behind new bytes: its blocks list the
            // source pages' pieces, until a list of each kind of damage has been sent.
            int round = 1;
            while (relay.corrupted() < 3 && round < 12)
            {
                moveData(image, 46 + round);
                harness.commands().pages(3, round, movedPages(), (int)MOVED_PAGES);
                harness.commands().endOfRound(3, round);
                final int sent = round + 1;
                harness.awaitEvents("round " + round, 30_000, () -> events.rounds.size() == sent);
                round++;
            }
            harness.commands().endOfTransfer(3);
            harness.awaitEnd(3, 45_000);

            assertEquals(List.of(), events.failed);
            assertEquals(3, relay.corrupted(), "a flipped bit, pieces of 0, a count too high");
            final EngineCounters receiver = harness.receiverEngine().receiverCounters();
            assertEquals(3, receiver.value(EngineCounter.SIMILAR_LISTS_MALFORMED));
            assertEquals(3, receiver.value(EngineCounter.BLOCKS_REJECTED));
            assertTrue(receiver.value(EngineCounter.PAGES_REJECTED_BLOCK) >= 3);
            assertTrue(harness.senderEngine().senderCounters().value(EngineCounter.PAGES_RESENT) >= 3);
            assertEquals(-1, ImageComparison.firstDifference(image, harness.destinationOf("vm-bad-lists", 3)));
            assertEquals(List.of(), harness.errors());
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aSimilarPageWhoseCopyChangedOnTheReceiverSpoilsOnlyThePagesThatUsedItAndTheyAreRepaired()
        throws Exception
    {
        final Path image = image(43);
        try (MigrationHarness harness = MigrationHarness.udpInClear(directory.resolve("engines")))
        {
            final EventRecorder events = harness.events();
            harness.startTransfer(2, "vm-stale-similar", image, PAGE_SIZE);
            harness.commands().pageRange(2, 0, 0, PAGE_COUNT);
            harness.commands().endOfRound(2, 0);
            harness.awaitEvents("round 0", 30_000, () -> events.rounds.size() == 1);

            // The receiver's copy of one source page changes under it.
            try (RandomAccessFile destination = new RandomAccessFile(
                harness.destinationOf("vm-stale-similar", 2).toFile(), "rw"))
            {
                destination.seek(SOURCE_PAGE * PAGE_SIZE + 128);
                destination.write(new byte[]{1, 2, 3, 4, 5, 6, 7, 8});
            }
            moveData(image, 44);
            harness.commands().pages(2, 1, movedPages(), (int)MOVED_PAGES);
            harness.commands().endOfRound(2, 1);
            harness.awaitEvents("round 1", 30_000, () -> events.rounds.size() == 2);
            // The changed copy itself is found and repaired when its page is sent again.
            harness.commands().pages(2, 2, new long[]{SOURCE_PAGE}, 1);
            harness.commands().endOfRound(2, 2);
            harness.commands().endOfTransfer(2);
            harness.awaitEnd(2, 45_000);

            assertEquals(List.of(), events.failed);
            final EngineCounters receiver = harness.receiverEngine().receiverCounters();
            assertTrue(receiver.value(EngineCounter.SIMILAR_BASES_MISMATCHED) >= 1);
            assertEquals(0, receiver.value(EngineCounter.BLOCKS_REJECTED), "the block still decodes");
            final long rejected = receiver.value(EngineCounter.PAGES_REJECTED_CRC);
            assertTrue(rejected >= 2, "the spoiled page and the changed copy fail their CRC: " + rejected);
            assertTrue(rejected < MOVED_PAGES, "only the pages that used the changed copy: " + rejected);
            assertTrue(harness.senderEngine().senderCounters().value(EngineCounter.PAGES_RESENT) >= 2);
            assertEquals(-1, ImageComparison.firstDifference(image, harness.destinationOf("vm-stale-similar", 2)));
            assertEquals(List.of(), harness.errors());
        }
    }
}
