package io.dwcp.engine.system;

import io.dwcp.engine.memory.ImageComparison;
import io.dwcp.engine.memory.MappedImage;
import io.dwcp.engine.status.EngineCounter;
import io.dwcp.engine.status.EngineCounters;
import io.dwcp.engine.test.EventRecorder;
import io.dwcp.engine.test.MigrationHarness;
import io.dwcp.engine.test.TestImages;
import io.dwcp.images.DirtyModel;
import io.dwcp.images.DirtyRound;
import io.dwcp.images.MemoryImageGenerator;
import io.dwcp.images.PageMix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Multi-round pre-copy migrations: the test plays a hypervisor agent whose guest dirties memory between rounds.
 */
class PreCopySystemTest
{
    private static final int PAGE_SIZE = 4096;
    private static final long IMAGE_SIZE = 32L * 1024 * 1024;
    private static final int CHANGED_PAGES = 64;

    @TempDir
    Path directory;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void fiveRoundsOverUdpArriveBitExactWithDeltas() throws Exception
    {
        final Path image = TestImages.generate(directory.resolve("source.img"), IMAGE_SIZE, 21);
        final long pageCount = IMAGE_SIZE / PAGE_SIZE;
        final MemoryImageGenerator generator = new MemoryImageGenerator(21, PageMix.DEFAULT, PAGE_SIZE);
        final DirtyRound dirtyRound = new DirtyRound(DirtyModel.JVM, generator);
        try (MigrationHarness harness = MigrationHarness.udp(directory.resolve("engines"));
            MappedImage guest = MappedImage.openReadWrite(image, PAGE_SIZE, IMAGE_SIZE))
        {
            final EventRecorder events = harness.events();
            harness.startTransfer(1, "vm-precopy", image, PAGE_SIZE);
            harness.commands().pageRange(1, 0, 0, (int)pageCount);
            harness.commands().endOfRound(1, 0);
            harness.awaitEvents("round 0", 60_000, () -> events.rounds.size() == 1);

            long dirtyPages = 0;
            for (int round = 1; round < 5; round++)
            {
                final long[] dirty = dirtyRound.apply(guest.segments(), pageCount, 99, round);
                dirtyPages += dirty.length;
                harness.commands().pages(1, round, dirty, dirty.length);
                harness.commands().endOfRound(1, round);
                final int completed = round + 1;
                harness.awaitEvents("round " + round, 60_000, () -> events.rounds.size() == completed);
            }
            harness.commands().endOfTransfer(1);
            harness.awaitEnd(1, 60_000);

            assertEquals(List.of(), events.failed);
            assertEquals(1, events.completed.size());
            assertEquals(-1, ImageComparison.firstDifference(image, harness.destinationOf("vm-precopy", 1)),
                "the destination equals the guest after the final round");

            assertEquals(5, events.rounds.size());
            // Pages sent again on request (a reference that arrived before its original) count in their round.
            final long resent = harness.senderEngine().senderCounters().value(EngineCounter.PAGES_RESENT);
            assertTrue(events.rounds.get(0).pages() >= pageCount && events.rounds.get(0).pages() <= pageCount + resent);
            long laterRoundPages = 0;
            long laterDeltaPages = 0;
            for (int i = 1; i < 5; i++)
            {
                final EventRecorder.Round round = events.rounds.get(i);
                assertEquals(i, round.round());
                laterRoundPages += round.pages();
                laterDeltaPages += round.deltaPages() + round.unchangedPages();
                assertTrue(round.wireBytes() < round.pages() * PAGE_SIZE / 2,
                    "round " + i + " sent " + round.wireBytes() + " bytes for " + round.pages() + " pages");
            }
            // A page resent on request counts in its round when that round has not completed yet.
            assertTrue(laterRoundPages >= dirtyPages && laterRoundPages <= dirtyPages + resent,
                laterRoundPages + " pages in later rounds for " + dirtyPages + " dirtied and " + resent + " resent");
            assertTrue(laterDeltaPages > laterRoundPages / 2,
                laterDeltaPages + " of " + laterRoundPages + " later-round pages went as deltas");
            assertTrue(harness.senderEngine().senderCounters().value(EngineCounter.BASELINE_HITS) > 0);
            assertEquals(List.of(), harness.errors());
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void roundsQueuedWithoutWaitingEachCompleteWithTheirOwnPages() throws Exception
    {
        final Path image = TestImages.generate(directory.resolve("source.img"), IMAGE_SIZE, 22);
        final long pageCount = IMAGE_SIZE / PAGE_SIZE;
        final MemoryImageGenerator generator = new MemoryImageGenerator(22, PageMix.DEFAULT, PAGE_SIZE);
        final DirtyRound dirtyRound = new DirtyRound(DirtyModel.VM, generator);
        try (MigrationHarness harness = MigrationHarness.udp(directory.resolve("engines"));
            MappedImage guest = MappedImage.openReadWrite(image, PAGE_SIZE, IMAGE_SIZE))
        {
            final EventRecorder events = harness.events();
            harness.startTransfer(2, "vm-pipelined", image, PAGE_SIZE);
            harness.commands().pageRange(2, 0, 0, (int)pageCount);
            harness.commands().endOfRound(2, 0);
            // The final round is the guest paused: nothing changes after its list is taken.
            final long[] first = dirtyRound.apply(guest.segments(), pageCount, 7, 1);
            harness.commands().pages(2, 1, first, first.length);
            harness.commands().endOfRound(2, 1);
            final long[] second = dirtyRound.apply(guest.segments(), pageCount, 7, 2);
            harness.commands().pages(2, 2, second, second.length);
            harness.commands().endOfRound(2, 2);
            harness.commands().endOfTransfer(2);
            harness.awaitEnd(2, 60_000);

            assertEquals(List.of(), events.failed);
            assertEquals(3, events.rounds.size(), "every round, the final one too, before the transfer completed");
            // A page sent again on request (a reference that arrived before its original) counts in its round when
            // its round has not completed yet; the round's own pages always do.
            final long resent = harness.senderEngine().senderCounters().value(EngineCounter.PAGES_RESENT);
            final long sent = events.rounds.get(0).pages() + events.rounds.get(1).pages() +
                events.rounds.get(2).pages();
            final long dirtied = pageCount + first.length + second.length;
            assertTrue(sent >= dirtied && sent <= dirtied + resent, sent + " pages in rounds for " + dirtied +
                " dirtied and " + resent + " resent");
            assertTrue(events.rounds.get(1).pages() >= first.length);
            assertTrue(events.rounds.get(2).pages() >= second.length);
            assertTrue(events.switchoverReady.size() <= 1);
            assertEquals(-1, ImageComparison.firstDifference(image, harness.destinationOf("vm-pipelined", 2)));
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void changesOfAFewHundredBytesGoAsRunsAtLevelOneAndInTheBlockFromLevelThree() throws Exception
    {
        assertEquals(0, laterBlockPagesForChangesOf(128, 1), "at level 1 runs up to 1/16 of a page");
        assertEquals(CHANGED_PAGES, laterBlockPagesForChangesOf(128, 3), "from level 3 runs up to 1/64 of a page");
        assertEquals(0, laterBlockPagesForChangesOf(40, 3), "a change under 1/64 of a page stays runs");
    }

    /**
     * Round 0 sends random pages; round 1 sends {@code CHANGED_PAGES} of them with a run of new bytes in each.
     *
     * @return pages round 1 put in blocks; every one of its pages counts as a delta.
     */
    private long laterBlockPagesForChangesOf(final int changedBytes, final int level) throws Exception
    {
        final long imageSize = 1024L * 1024;
        final Path image = directory.resolve("runs-" + changedBytes + "-" + level + ".img");
        final byte[] content = new byte[(int)imageSize];
        final Random random = new Random(changedBytes * 31L + level);
        random.nextBytes(content);
        Files.write(image, content);
        try (MigrationHarness harness = MigrationHarness.udpInClear(directory.resolve("engines-" + changedBytes +
            "-" + level)))
        {
            final EventRecorder events = harness.events();
            harness.startTransfer(1, "vm-runs", image, PAGE_SIZE, level);
            harness.commands().pageRange(1, 0, 0, (int)(imageSize / PAGE_SIZE));
            harness.commands().endOfRound(1, 0);
            harness.awaitEvents("round 0", 30_000, () -> events.rounds.size() == 1);
            final EngineCounters sender = harness.senderEngine().senderCounters();
            final long round0BlockPages = sender.value(EngineCounter.BLOCK_PAGES_SENT);

            final long[] changed = new long[CHANGED_PAGES];
            try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw"))
            {
                final byte[] run = new byte[changedBytes];
                for (int i = 0; i < CHANGED_PAGES; i++)
                {
                    changed[i] = 3L * i;
                    random.nextBytes(run);
                    file.seek(changed[i] * PAGE_SIZE + 8L * i);
                    file.write(run);
                }
            }
            harness.commands().pages(1, 1, changed, changed.length);
            harness.commands().endOfRound(1, 1);
            harness.commands().endOfTransfer(1);
            harness.awaitEnd(1, 30_000);

            assertEquals(List.of(), events.failed);
            assertEquals(CHANGED_PAGES, events.rounds.get(1).deltaPages());
            assertEquals(-1, ImageComparison.firstDifference(image, harness.destinationOf("vm-runs", 1)));
            assertEquals(List.of(), harness.errors());
            return sender.value(EngineCounter.BLOCK_PAGES_SENT) - round0BlockPages;
        }
    }
}
