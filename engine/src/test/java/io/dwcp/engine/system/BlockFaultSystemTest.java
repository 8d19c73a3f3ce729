package io.dwcp.engine.system;

import io.dwcp.codec.PageChecksum;
import io.dwcp.codec.PageEncoding;
import io.dwcp.engine.memory.ImageComparison;
import io.dwcp.engine.status.EngineCounter;
import io.dwcp.engine.status.EngineCounters;
import io.dwcp.engine.test.CorruptingRelay;
import io.dwcp.engine.test.EventRecorder;
import io.dwcp.engine.test.FrameForger;
import io.dwcp.engine.test.MigrationHarness;
import io.dwcp.engine.test.TestImages;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad input to the frame codec, each case ending with every affected page repaired and a bit-exact destination (or,
 * for a forged transfer with no sender to repair it, nothing applied), and counters that show what happened: blocks
 * damaged in flight, blocks of more or fewer pages than their entries, deltas against a version the receiver lacks,
 * and references to a page that changed since or was never received.
 */
class BlockFaultSystemTest
{
    private static final int PAGE_SIZE = 4096;
    private static final long IMAGE_SIZE = 8L * 1024 * 1024;
    private static final int PAGE_COUNT = (int)(IMAGE_SIZE / PAGE_SIZE);

    @TempDir
    Path directory;

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void blocksCorruptedInFlightRejectTheirPagesWhichAreSentAgain() throws Exception
    {
        final Path image = TestImages.generate(directory.resolve("source.img"), IMAGE_SIZE, 31);
        try (MigrationHarness harness = MigrationHarness.udpInClear(directory.resolve("engines"));
            CorruptingRelay relay = new CorruptingRelay(MigrationHarness.portOf(harness.receiverEndpoint()), 3))
        {
            harness.commands().startTransfer(1, "vm-flipped", image.toString(), IMAGE_SIZE, PAGE_SIZE, 0,
                relay.endpoint());
            harness.commands().pageRange(1, 0, 0, PAGE_COUNT);
            harness.commands().endOfTransfer(1);
            harness.awaitEnd(1, 45_000);

            assertEquals(List.of(), harness.events().failed);
            assertEquals(3, relay.corrupted());
            final EngineCounters receiver = harness.receiverEngine().receiverCounters();
            final long rejected = receiver.value(EngineCounter.PAGES_REJECTED_BLOCK) +
                receiver.value(EngineCounter.PAGES_REJECTED_CRC);
            assertTrue(rejected >= 3, "pages rejected " + rejected);
            assertTrue(receiver.value(EngineCounter.PAGES_REQUESTED) >= 3);
            assertTrue(harness.senderEngine().senderCounters().value(EngineCounter.PAGES_RESENT) >= 3);
            assertTrue(harness.senderEngine().senderCounters().value(EngineCounter.BLOCK_PAGES_SENT) > 0);
            assertEquals(-1, ImageComparison.firstDifference(image, harness.destinationOf("vm-flipped", 1)));
            assertEquals(List.of(), harness.errors());
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void blocksOfMoreOrFewerPagesThanTheirEntriesAreRejectedAndTheirPagesRepaired() throws Exception
    {
        final Path image = TestImages.generate(directory.resolve("source.img"), IMAGE_SIZE, 32);
        try (MigrationHarness harness = MigrationHarness.udpInClear(directory.resolve("engines"));
            CorruptingRelay relay =
                new CorruptingRelay(MigrationHarness.portOf(harness.receiverEndpoint()), 2).retypeBlockEntries())
        {
            harness.commands().startTransfer(2, "vm-retyped", image.toString(), IMAGE_SIZE, PAGE_SIZE, 0,
                relay.endpoint());
            harness.commands().pageRange(2, 0, 0, PAGE_COUNT);
            harness.commands().endOfTransfer(2);
            harness.awaitEnd(2, 45_000);

            assertEquals(List.of(), harness.events().failed);
            assertEquals(2, relay.corrupted());
            final EngineCounters receiver = harness.receiverEngine().receiverCounters();
            assertEquals(2, receiver.value(EngineCounter.BLOCKS_REJECTED));
            assertTrue(receiver.value(EngineCounter.PAGES_REJECTED_BLOCK) >= 2);
            assertTrue(receiver.value(EngineCounter.PAGES_REQUESTED) >= 2);
            assertEquals(-1, ImageComparison.firstDifference(image, harness.destinationOf("vm-retyped", 2)));
            assertEquals(List.of(), harness.errors());
        }
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void aDeltaAgainstAVersionTheReceiverLacksFailsItsCrcAndIsSentInFull() throws Exception
    {
        final Path image = TestImages.generate(directory.resolve("source.img"), IMAGE_SIZE, 33);
        final long[] victims = new long[64];
        try (MigrationHarness harness = MigrationHarness.udpInClear(directory.resolve("engines")))
        {
            final EventRecorder events = harness.events();
            harness.startTransfer(3, "vm-lacking", image, PAGE_SIZE);
            harness.commands().pageRange(3, 0, 0, PAGE_COUNT);
            harness.commands().endOfRound(3, 0);
            harness.awaitEvents("round 0", 30_000, () -> events.rounds.size() == 1);

            // The receiver's copies of the victims stop being the versions the sender sent; then the guest rewrites
            // a quarter of each victim, too much for runs, so each goes in a block with its old version as dictionary.
            final Random random = new Random(33);
            final byte[] scribble = new byte[PAGE_SIZE / 4];
            try (RandomAccessFile destination = new RandomAccessFile(
                harness.destinationOf("vm-lacking", 3).toFile(), "rw");
                RandomAccessFile source = new RandomAccessFile(image.toFile(), "rw"))
            {
                for (int i = 0; i < victims.length; i++)
                {
                    victims[i] = 8L + 3L * i;
                    random.nextBytes(scribble);
                    destination.seek(victims[i] * PAGE_SIZE + 100);
                    destination.write(scribble);
                    random.nextBytes(scribble);
                    source.seek(victims[i] * PAGE_SIZE + PAGE_SIZE / 2);
                    source.write(scribble);
                }
            }
            harness.commands().pages(3, 1, victims, victims.length);
            harness.commands().endOfRound(3, 1);
            harness.commands().endOfTransfer(3);
            harness.awaitEnd(3, 45_000);

            assertEquals(List.of(), events.failed);
            assertTrue(events.rounds.get(1).deltaPages() > 0, "round 1 sent deltas");
            final EngineCounters receiver = harness.receiverEngine().receiverCounters();
            assertTrue(receiver.value(EngineCounter.PAGES_REJECTED_CRC) >= 1);
            assertTrue(harness.senderEngine().senderCounters().value(EngineCounter.PAGES_RESENT) >= 1);
            assertEquals(-1, ImageComparison.firstDifference(image, harness.destinationOf("vm-lacking", 3)));
            assertEquals(List.of(), harness.errors());
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void pagesALaterRoundRewritesWithDataAnotherPageHoldsGoAsReferences() throws Exception
    {
        // Random originals, then pages sent in round 0 that round 1 overwrites with copies of them, as a guest
        // copies a file's pages out of its page cache.
        final Path image = TestImages.generate(directory.resolve("source.img"), IMAGE_SIZE, 35);
        final int copies = 32;
        final int firstOriginal = 100;
        final int firstCopy = PAGE_COUNT / 2;
        final byte[] originals = new byte[copies * PAGE_SIZE];
        new java.util.Random(35).nextBytes(originals);
        try (RandomAccessFile source = new RandomAccessFile(image.toFile(), "rw"))
        {
            source.seek((long)firstOriginal * PAGE_SIZE);
            source.write(originals);
        }
        try (MigrationHarness harness = MigrationHarness.udpInClear(directory.resolve("engines")))
        {
            final EventRecorder events = harness.events();
            harness.startTransfer(5, "vm-copies", image, PAGE_SIZE);
            harness.commands().pageRange(5, 0, 0, PAGE_COUNT);
            harness.commands().endOfRound(5, 0);
            harness.awaitEvents("round 0", 30_000, () -> events.rounds.size() == 1);

            final long[] rewritten = new long[copies];
            try (RandomAccessFile source = new RandomAccessFile(image.toFile(), "rw"))
            {
                source.seek((long)firstCopy * PAGE_SIZE);
                source.write(originals);
            }
            for (int i = 0; i < copies; i++)
            {
                rewritten[i] = firstCopy + i;
            }
            harness.commands().pages(5, 1, rewritten, copies);
            harness.commands().endOfRound(5, 1);
            harness.commands().endOfTransfer(5);
            harness.awaitEnd(5, 30_000);

            assertEquals(List.of(), events.failed);
            final EventRecorder.Round round = events.rounds.get(1);
            // The index is lossy: an original may have lost its slot to another page of round 0.
            assertTrue(round.duplicatePages() >= copies * 3 / 4, "references in round 1: " + round.duplicatePages());
            assertTrue(round.wireBytes() < (long)copies * PAGE_SIZE / 2, "round 1 took " + round.wireBytes());
            assertEquals(-1, ImageComparison.firstDifference(image, harness.destinationOf("vm-copies", 5)));
            assertEquals(List.of(), harness.errors());
        }
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void aReferenceToAPageThatChangedSinceIsAskedForAndSentInFull() throws Exception
    {
        final Path image = TestImages.generate(directory.resolve("source.img"), IMAGE_SIZE, 34);
        final int half = PAGE_COUNT / 2;
        final long original = firstNonZeroPage(image);
        final long duplicate = half + 5;
        try (RandomAccessFile source = new RandomAccessFile(image.toFile(), "rw"))
        {
            final byte[] page = new byte[PAGE_SIZE];
            source.seek(original * PAGE_SIZE);
            source.readFully(page);
            source.seek(duplicate * PAGE_SIZE);
            source.write(page);
        }
        try (MigrationHarness harness = MigrationHarness.udpInClear(directory.resolve("engines")))
        {
            final EventRecorder events = harness.events();
            harness.startTransfer(4, "vm-stale", image, PAGE_SIZE);
            harness.commands().pageRange(4, 0, 0, half);
            harness.commands().endOfRound(4, 0);
            harness.awaitEvents("round 0", 30_000, () -> events.rounds.size() == 1);

            // The receiver's copy of the original changes under it; the duplicate then goes as a reference to it.
            try (RandomAccessFile destination = new RandomAccessFile(
                harness.destinationOf("vm-stale", 4).toFile(), "rw"))
            {
                destination.seek(original * PAGE_SIZE + 64);
                destination.write(new byte[]{1, 2, 3, 4});
            }
            harness.commands().pageRange(4, 1, half, PAGE_COUNT - half);
            harness.commands().pages(4, 1, new long[]{original}, 1);
            harness.commands().endOfRound(4, 1);
            harness.commands().endOfTransfer(4);
            harness.awaitEnd(4, 45_000);

            assertEquals(List.of(), events.failed);
            assertTrue(events.rounds.get(1).duplicatePages() >= 1, "round 1 sent the duplicate as a reference");
            assertTrue(harness.senderEngine().senderCounters().value(EngineCounter.DUPLICATE_PAGES_SENT) >= 1);
            final EngineCounters receiver = harness.receiverEngine().receiverCounters();
            assertTrue(receiver.value(EngineCounter.PAGES_REJECTED_REFERENCE) >= 1);
            assertTrue(receiver.value(EngineCounter.PAGES_REJECTED_CRC) >= 1, "the changed original is repaired");
            assertEquals(-1, ImageComparison.firstDifference(image, harness.destinationOf("vm-stale", 4)));
            assertEquals(List.of(), harness.errors());
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void forgedReferencesAndBlocksAreCountedAndNeverApplied() throws Exception
    {
        try (MigrationHarness harness = MigrationHarness.udpInClear(directory.resolve("engines"));
            FrameForger forger = new FrameForger(harness.receiverEndpoint()))
        {
            final EngineCounters receiver = harness.receiverEngine().receiverCounters();
            final UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(2 * PAGE_SIZE));
            payload.setMemory(0, PAGE_SIZE, (byte)0x5A);
            final int crc = PageChecksum.crc32c(payload, 0, PAGE_SIZE);
            forger.hello(9, "vm-forged-block", IMAGE_SIZE, PAGE_SIZE);

            // A reference to a page the receiver never received (it holds zeros there), one beyond the image, and
            // one whose payload is not a page number.
            payload.putLong(PAGE_SIZE, 5, ByteOrder.LITTLE_ENDIAN);
            final UnsafeBuffer reference = new UnsafeBuffer(payload, PAGE_SIZE, Long.BYTES);
            forger.sendPage(9, 1, PageEncoding.REFERENCE, crc, reference, Long.BYTES, FrameForger.VERSION);
            reference.putLong(0, PAGE_COUNT + 1, ByteOrder.LITTLE_ENDIAN);
            forger.sendPage(9, 2, PageEncoding.REFERENCE, crc, reference, Long.BYTES, FrameForger.VERSION);
            forger.sendPage(9, 3, PageEncoding.REFERENCE, crc, reference, 3, FrameForger.VERSION);
            // A block page whose frame has no block.
            forger.sendPage(9, 4, PageEncoding.BLOCK, crc, payload, 0, FrameForger.VERSION);

            harness.awaitEvents("forged pages counted", 30_000, () ->
                receiver.value(EngineCounter.PAGES_REJECTED_REFERENCE) == 3 &&
                receiver.value(EngineCounter.PAGES_REJECTED_BLOCK) == 1 &&
                receiver.value(EngineCounter.BLOCKS_REJECTED) == 1);
            assertEquals(0, receiver.value(EngineCounter.PAGES_APPLIED));
            assertArrayEquals(new byte[(int)IMAGE_SIZE],
                Files.readAllBytes(harness.destinationOf("vm-forged-block", 9)), "no forged page was written");
            assertEquals(List.of(), harness.errors());
        }
    }

    private static long firstNonZeroPage(final Path image) throws Exception
    {
        final byte[] bytes = Files.readAllBytes(image);
        for (int page = 1; page < PAGE_COUNT / 2; page++)
        {
            for (int i = 0; i < PAGE_SIZE; i++)
            {
                if (0 != bytes[page * PAGE_SIZE + i])
                {
                    return page;
                }
            }
        }
        throw new IllegalStateException("no non-zero page in the first half");
    }
}
