package io.dwcp.engine.system;

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
 * Blocks through their stripe's zstd stream (docs/FRAME-CODEC.md): a stream that loses its step on the receiver,
 * because a block was damaged in flight or arrived at a position it did not expect, refuses every block after it
 * until the sender starts the stream anew, which it does with the first page asked for again. Each case ends with
 * every page repaired, a bit-exact destination, and counters that show what happened.
 */
class StreamFaultSystemTest
{
    private static final int PAGE_SIZE = 4096;
    private static final long IMAGE_SIZE = 8L * 1024 * 1024;
    private static final int PAGE_COUNT = (int)(IMAGE_SIZE / PAGE_SIZE);
    /** Every level streams. */
    private static final int ALL_LEVELS = Integer.MIN_VALUE;
    /** A level the command names, which the link-aware selector then leaves as it is: no change of level restarts a
     * stream, only a repair does. */
    private static final int LEVEL = 3;

    @TempDir
    Path directory;

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void sealedRoundsStreamTheirBlocksAndArriveBitExact() throws Exception
    {
        final Path image = TestImages.generate(directory.resolve("source.img"), IMAGE_SIZE, 51);
        try (MigrationHarness harness = MigrationHarness.udp(
            directory.resolve("engines"), (context) -> context.streamLevel(ALL_LEVELS)))
        {
            final EventRecorder events = harness.events();
            harness.startTransfer(1, "vm-streamed", image, PAGE_SIZE, LEVEL);
            harness.commands().pageRange(1, 0, 0, PAGE_COUNT);
            harness.commands().endOfRound(1, 0);
            harness.awaitEvents("round 0", 30_000, () -> events.rounds.size() == 1);

            // Round 1: a page in eight rewritten, in blocks with their versions as dictionary, beside the stream.
            final long[] rewritten = rewrite(image, 8, 52);
            harness.commands().pages(1, 1, rewritten, rewritten.length);
            harness.commands().endOfRound(1, 1);
            harness.commands().endOfTransfer(1);
            harness.awaitEnd(1, 45_000);

            assertEquals(List.of(), events.failed);
            final EngineCounters sender = harness.senderEngine().senderCounters();
            final EngineCounters receiver = harness.receiverEngine().receiverCounters();
            assertTrue(sender.value(EngineCounter.BLOCKS_STREAMED) > 0);
            assertTrue(sender.value(EngineCounter.STREAM_RESTARTS) > 0);
            assertEquals(0, receiver.value(EngineCounter.STREAMED_BLOCKS_REFUSED));
            assertEquals(0, receiver.value(EngineCounter.BLOCKS_REJECTED));
            assertEquals(-1, ImageComparison.firstDifference(image, harness.destinationOf("vm-streamed", 1)));
            assertEquals(List.of(), harness.errors());
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void streamedBlocksCorruptedInFlightAreRepairedAndTheStreamStartsAnew() throws Exception
    {
        final Path image = TestImages.generate(directory.resolve("source.img"), IMAGE_SIZE, 53);
        try (MigrationHarness harness = MigrationHarness.udpInClear(
            directory.resolve("engines"), (context) -> context.streamLevel(ALL_LEVELS));
            CorruptingRelay relay = new CorruptingRelay(MigrationHarness.portOf(harness.receiverEndpoint()), 3))
        {
            sendThroughRelay(harness, relay, 2, "vm-flipped", image);
            assertEquals(3, relay.corrupted());
            assertRepairedWithANewStart(harness);
            assertEquals(-1, ImageComparison.firstDifference(image, harness.destinationOf("vm-flipped", 2)));
            assertEquals(List.of(), harness.errors());
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void streamedBlocksOutOfStepAreRefusedCountedAndRepaired() throws Exception
    {
        final Path image = TestImages.generate(directory.resolve("source.img"), IMAGE_SIZE, 54);
        try (MigrationHarness harness = MigrationHarness.udpInClear(
            directory.resolve("engines"), (context) -> context.streamLevel(ALL_LEVELS));
            CorruptingRelay relay =
                new CorruptingRelay(MigrationHarness.portOf(harness.receiverEndpoint()), 2).streamPositions())
        {
            sendThroughRelay(harness, relay, 3, "vm-out-of-step", image);
            assertEquals(2, relay.corrupted());
            final EngineCounters receiver = harness.receiverEngine().receiverCounters();
            assertTrue(receiver.value(EngineCounter.STREAMED_BLOCKS_REFUSED) >= 2,
                "refused " + receiver.value(EngineCounter.STREAMED_BLOCKS_REFUSED));
            assertRepairedWithANewStart(harness);
            assertEquals(-1, ImageComparison.firstDifference(image, harness.destinationOf("vm-out-of-step", 3)));
            assertEquals(List.of(), harness.errors());
        }
    }

    /** Send the whole image at the pinned level through the relay, and wait for the transfer to end, not failed. */
    private static void sendThroughRelay(
        final MigrationHarness harness,
        final CorruptingRelay relay,
        final long transferId,
        final String vmId,
        final Path image) throws Exception
    {
        harness.commands().startTransfer(transferId, vmId, image.toString(), IMAGE_SIZE, PAGE_SIZE, LEVEL,
            relay.endpoint());
        harness.commands().pageRange(transferId, 0, 0, PAGE_COUNT);
        harness.commands().endOfTransfer(transferId);
        harness.awaitEnd(transferId, 45_000);
        assertEquals(List.of(), harness.events().failed);
    }

    /** Pages rejected and asked for, sent again, and streams started anew. */
    private static void assertRepairedWithANewStart(final MigrationHarness harness)
    {
        final EngineCounters sender = harness.senderEngine().senderCounters();
        final EngineCounters receiver = harness.receiverEngine().receiverCounters();
        assertTrue(receiver.value(EngineCounter.BLOCKS_REJECTED) >= 2, "blocks rejected " +
            receiver.value(EngineCounter.BLOCKS_REJECTED));
        assertTrue(receiver.value(EngineCounter.PAGES_REJECTED_BLOCK) + receiver.value(
            EngineCounter.PAGES_REJECTED_CRC) >= 2);
        assertTrue(receiver.value(EngineCounter.PAGES_REQUESTED) >= 2);
        assertTrue(sender.value(EngineCounter.PAGES_RESENT) >= 2);
        assertTrue(sender.value(EngineCounter.BLOCKS_STREAMED) > 0);
        // A stripe's first block starts its stream, and one after a repair starts it again: without that, the
        // receiver would refuse its blocks to the end, and the destination would not be complete.
        assertTrue(sender.value(EngineCounter.STREAM_RESTARTS) >= 2);
    }

    /** Rewrite one page in {@code every} with random bytes, in the source image; the pages rewritten. */
    private static long[] rewrite(final Path image, final int every, final long seed) throws Exception
    {
        final Random random = new Random(seed);
        final long[] pages = new long[PAGE_COUNT / every];
        final byte[] page = new byte[PAGE_SIZE];
        try (RandomAccessFile source = new RandomAccessFile(image.toFile(), "rw"))
        {
            for (int i = 0; i < pages.length; i++)
            {
                pages[i] = (long)i * every + 3;
                random.nextBytes(page);
                source.seek(pages[i] * PAGE_SIZE);
                source.write(page);
            }
        }
        return pages;
    }
}
