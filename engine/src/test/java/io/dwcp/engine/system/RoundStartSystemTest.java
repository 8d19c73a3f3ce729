package io.dwcp.engine.system;

import io.dwcp.engine.config.EngineConfiguration;
import io.dwcp.engine.memory.ImageComparison;
import io.dwcp.engine.status.EngineCounter;
import io.dwcp.engine.status.EngineCounters;
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
 * Data moved out of pages that change themselves, as a collector's copying does: the round sends the pages it came
 * from first, which the receiver overwrites in place, and then the pages it went to, which still travel against the
 * versions the first pages had when the round started, kept on both sides. A receiver that kept none finds out by
 * the CRC32C, and the pages that used them are repaired. Every destination is checked byte for byte.
 */
class RoundStartSystemTest
{
    private static final int PAGE_SIZE = 4096;
    private static final long IMAGE_SIZE = 8L * 1024 * 1024;
    private static final int PAGE_COUNT = (int)(IMAGE_SIZE / PAGE_SIZE);
    private static final int SOURCE_PAGE = 100;
    private static final int MOVED_PAGES = 64;
    private static final int FIRST_MOVED = PAGE_COUNT - MOVED_PAGES;

    @TempDir
    Path directory;

    /** Random source pages, which have anchors and compress badly alone, and other random pages to move into. */
    private Path image(final long seed) throws Exception
    {
        final Path image = TestImages.generate(directory.resolve("source.img"), IMAGE_SIZE, seed);
        try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw"))
        {
            final byte[] pages = new byte[MOVED_PAGES * PAGE_SIZE];
            new Random(seed).nextBytes(pages);
            file.seek((long)SOURCE_PAGE * PAGE_SIZE);
            file.write(pages);
            new Random(seed + 1).nextBytes(pages);
            file.seek((long)FIRST_MOVED * PAGE_SIZE);
            file.write(pages);
        }
        return image;
    }

    /** Each source page's data, 40 bytes on, into a page at the end; the source pages get new random data. */
    private static void moveDataOut(final Path image, final long seed) throws Exception
    {
        try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw"))
        {
            final Random random = new Random(seed);
            final byte[] page = new byte[PAGE_SIZE];
            final byte[] moved = new byte[PAGE_SIZE];
            for (int i = 0; i < MOVED_PAGES; i++)
            {
                file.seek((long)(SOURCE_PAGE + i) * PAGE_SIZE);
                file.readFully(page);
                random.nextBytes(moved);
                System.arraycopy(page, 0, moved, 40, PAGE_SIZE - 40);
                file.seek((long)(FIRST_MOVED + i) * PAGE_SIZE);
                file.write(moved);
                random.nextBytes(page);
                file.seek((long)(SOURCE_PAGE + i) * PAGE_SIZE);
                file.write(page);
            }
        }
    }

    private static long[] pages(final int first)
    {
        final long[] pages = new long[MOVED_PAGES];
        for (int i = 0; i < pages.length; i++)
        {
            pages[i] = first + i;
        }
        return pages;
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void pagesTakeDataFromTheVersionsPagesTheRoundAlreadyResentHadWhenItStarted() throws Exception
    {
        final long[] result = migrate(MigrationHarness.udpInClear(directory.resolve("engines")), "vm-moved-out");
        assertTrue(result[1] >= MOVED_PAGES * 3 / 4, "round-start versions sent " + result[1]);
        assertTrue(result[2] >= result[1] * 3 / 4, "round-start versions used " + result[2]);
        // Random data costs its own size alone: against the versions it came from, a fraction of it.
        assertTrue(result[0] < MOVED_PAGES * PAGE_SIZE / 4, "the moved pages took " + result[0] + " bytes");
        assertEquals(0, result[3], "no similar page mismatched");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aReceiverThatKeptNoneRejectsThePagesThatUsedThemAndTheyAreRepaired() throws Exception
    {
        final long[] result = migrate(MigrationHarness.udpInClear(directory.resolve("engines"),
            (sender) -> sender.roundStartBytes(EngineConfiguration.roundStartBytes()),
            (receiver) -> receiver.roundStartBytes(0)), "vm-kept-none");
        assertTrue(result[1] >= MOVED_PAGES * 3 / 4, "round-start versions sent " + result[1]);
        assertEquals(0, result[2], "none kept, none used");
        assertTrue(result[3] >= result[1] * 3 / 4, "the receiver counts what it did not hold: " + result[3]);
        assertTrue(result[4] >= MOVED_PAGES / 2, "the pages that used them are rejected: " + result[4]);
    }

    /**
     * Round 0 sends every page; round 1 sends the source pages, waits until they are on the wire, then the pages
     * their data moved to.
     *
     * @return the moved pages' wire bytes, round-start versions sent and used, similar pages mismatched, pages
     *         rejected by CRC.
     */
    private long[] migrate(final MigrationHarness migration, final String vmId) throws Exception
    {
        final Path image = image(51);
        try (MigrationHarness harness = migration)
        {
            final EventRecorder events = harness.events();
            harness.startTransfer(1, vmId, image, PAGE_SIZE, 1);
            harness.commands().pageRange(1, 0, 0, PAGE_COUNT);
            harness.commands().endOfRound(1, 0);
            harness.awaitEvents("round 0", 30_000, () -> events.rounds.size() == 1);
            final EngineCounters sender = harness.senderEngine().senderCounters();
            final EngineCounters receiver = harness.receiverEngine().receiverCounters();

            moveDataOut(image, 52);
            final long applied = receiver.value(EngineCounter.PAGES_APPLIED);
            harness.commands().pages(1, 1, pages(SOURCE_PAGE), MOVED_PAGES);
            harness.awaitEvents("source pages applied", 30_000,
                () -> receiver.value(EngineCounter.PAGES_APPLIED) >= applied + MOVED_PAGES);
            final long before = sender.value(EngineCounter.WIRE_BYTES_SENT);
            harness.commands().pages(1, 1, pages(FIRST_MOVED), MOVED_PAGES);
            harness.commands().endOfRound(1, 1);
            harness.awaitEvents("round 1", 30_000, () -> events.rounds.size() == 2);
            final long movedBytes = sender.value(EngineCounter.WIRE_BYTES_SENT) - before;
            harness.commands().endOfTransfer(1);
            harness.awaitEnd(1, 45_000);

            assertEquals(List.of(), events.failed);
            assertEquals(-1, ImageComparison.firstDifference(image, harness.destinationOf(vmId, 1)));
            assertEquals(List.of(), harness.errors());
            return new long[] {
                movedBytes,
                sender.value(EngineCounter.ROUND_START_BASES_SENT),
                receiver.value(EngineCounter.ROUND_START_BASES_USED),
                receiver.value(EngineCounter.SIMILAR_BASES_MISMATCHED),
                receiver.value(EngineCounter.PAGES_REJECTED_CRC)};
        }
    }
}
