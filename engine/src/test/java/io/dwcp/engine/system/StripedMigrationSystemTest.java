package io.dwcp.engine.system;

import io.dwcp.engine.memory.ImageComparison;
import io.dwcp.engine.memory.MappedImage;
import io.dwcp.engine.runtime.EngineThreading;
import io.dwcp.engine.status.EngineCounter;
import io.dwcp.engine.test.EventRecorder;
import io.dwcp.engine.test.MigrationHarness;
import io.dwcp.engine.test.TestImages;
import io.dwcp.engine.transport.StripeLayout;
import io.dwcp.images.DirtyModel;
import io.dwcp.images.DirtyRound;
import io.dwcp.images.MemoryImageGenerator;
import io.dwcp.images.PageMix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Migrations striped over 1 to 256 Aeron streams, over UDP and IPC, whole images and multi-round pre-copy with
 * deltas, on one thread and with workers on threads of their own; every destination is checked byte for byte.
 */
class StripedMigrationSystemTest
{
    private static final int PAGE_SIZE = 4096;
    /** Enough pages that every one of 256 stripes carries several chunks. */
    private static final long IMAGE_SIZE = 48L * 1024 * 1024;
    private static final long PAGE_COUNT = IMAGE_SIZE / PAGE_SIZE;

    @TempDir
    Path directory;

    @ParameterizedTest(name = "{0} stripes over {1}")
    @CsvSource({
        "1, udp", "4, udp", "16, udp", "64, udp", "256, udp",
        "1, ipc", "4, ipc", "16, ipc", "64, ipc", "256, ipc" })
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void wholeImageArrivesBitExact(final int stripes, final String transport) throws Exception
    {
        final Path image = TestImages.generate(directory.resolve("source.img"), IMAGE_SIZE, 90 + stripes);
        try (MigrationHarness harness = MigrationHarness.create(
            directory.resolve("engines"), "ipc".equals(transport), EngineThreading.INVOKER, (context) -> {}))
        {
            harness.commands().startTransfer(
                1, "vm-striped", image.toString(), IMAGE_SIZE, PAGE_SIZE, 0, stripes, harness.receiverEndpoint());
            harness.commands().pageRange(1, 0, 0, (int)PAGE_COUNT);
            harness.commands().endOfTransfer(1);
            harness.awaitEnd(1, 100_000);

            assertEquals(List.of(), harness.events().failed);
            assertEquals(1, harness.events().completed.size());
            assertEquals(-1, ImageComparison.firstDifference(image, harness.destinationOf("vm-striped", 1)));
            assertEquals(PAGE_COUNT, harness.receiverEngine().receiverCounters().value(EngineCounter.PAGES_APPLIED));
            assertEquals(List.of(), harness.errors());
        }
    }

    @ParameterizedTest(name = "{0} stripes")
    @ValueSource(ints = { 1, 4, 16, 64, 256 })
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void preCopyRoundsWithDeltasArriveBitExact(final int stripes) throws Exception
    {
        preCopy(stripes, EngineThreading.INVOKER, 1);
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void workersOnThreadsOfTheirOwnMigrateRoundsBitExact() throws Exception
    {
        preCopy(16, EngineThreading.DEDICATED, 2);
    }

    private void preCopy(final int stripes, final EngineThreading threading, final int workers) throws Exception
    {
        final Path image = TestImages.generate(directory.resolve("source.img"), IMAGE_SIZE, 31);
        final MemoryImageGenerator generator = new MemoryImageGenerator(31, PageMix.DEFAULT, PAGE_SIZE);
        final DirtyRound dirtyRound = new DirtyRound(DirtyModel.JVM, generator);
        try (MigrationHarness harness = MigrationHarness.create(
            directory.resolve("engines"), false, threading, (context) -> context.workerCount(workers));
            MappedImage guest = MappedImage.openReadWrite(image, PAGE_SIZE, IMAGE_SIZE))
        {
            final EventRecorder events = harness.events();
            harness.commands().startTransfer(
                2, "vm-rounds", image.toString(), IMAGE_SIZE, PAGE_SIZE, 0, stripes, harness.receiverEndpoint());
            harness.commands().pageRange(2, 0, 0, (int)PAGE_COUNT);
            harness.commands().endOfRound(2, 0);
            harness.awaitEvents("round 0", 60_000, () -> events.rounds.size() == 1);

            long dirtyPages = 0;
            for (int round = 1; round < 4; round++)
            {
                final long[] dirty = dirtyRound.apply(guest.segments(), PAGE_COUNT, 7, round);
                dirtyPages += dirty.length;
                harness.commands().pages(2, round, dirty, dirty.length);
                harness.commands().endOfRound(2, round);
                final int completed = round + 1;
                harness.awaitEvents("round " + round, 60_000, () -> events.rounds.size() == completed);
            }
            harness.commands().endOfTransfer(2);
            harness.awaitEnd(2, 60_000);

            assertEquals(List.of(), events.failed);
            assertEquals(-1, ImageComparison.firstDifference(image, harness.destinationOf("vm-rounds", 2)),
                "the destination equals the guest after the final round");
            long allPages = events.rounds.get(0).pages();
            long laterDeltas = 0;
            for (int i = 1; i < 4; i++)
            {
                assertEquals(i, events.rounds.get(i).round());
                allPages += events.rounds.get(i).pages();
                laterDeltas += events.rounds.get(i).deltaPages() + events.rounds.get(i).unchangedPages();
            }
            // A page sent again on request (a reference that arrived before its original, or a page spoiled by a
            // similar page whose copy changed) counts in the round being framed when it goes, and in none when that
            // is after the last round ended.
            final long resent = harness.senderEngine().senderCounters().value(EngineCounter.PAGES_RESENT);
            assertTrue(allPages >= PAGE_COUNT + dirtyPages && allPages <= PAGE_COUNT + dirtyPages + resent,
                "each round counts the pages of every stripe once: " + allPages + " for " +
                (PAGE_COUNT + dirtyPages) + " sent and " + resent + " resent");
            assertTrue(laterDeltas > 0, "later rounds send deltas against each stripe's baselines");
            assertTrue(stripes < StripeLayout.MAX_STRIPES || PAGE_COUNT > (long)stripes * StripeLayout.CHUNK_PAGES);
            assertEquals(List.of(), harness.errors());
        }
    }
}
