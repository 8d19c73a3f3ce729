package io.dwcp.engine.system;

import io.dwcp.codec.PageChecksum;
import io.dwcp.codecs.agent.FailureReason;
import io.dwcp.codecs.wire.MessageHeaderEncoder;
import io.dwcp.codec.PageEncoding;
import io.dwcp.engine.memory.ImageComparison;
import io.dwcp.engine.config.SenderContext;
import io.dwcp.engine.status.EngineCounter;
import io.dwcp.engine.status.EngineCounters;
import io.dwcp.engine.test.EventRecorder;
import io.dwcp.engine.test.CorruptingRelay;
import io.dwcp.engine.test.FrameForger;
import io.dwcp.engine.test.MigrationHarness;
import io.dwcp.engine.test.TestImages;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad input and faults, over real engines: each is rejected with a clear event or counter and the engines go on.
 */
class FaultSystemTest
{
    private static final int PAGE_SIZE = 4096;
    private static final long IMAGE_SIZE = 8L * 1024 * 1024;
    private static final long PAGE_COUNT = IMAGE_SIZE / PAGE_SIZE;

    private static final Consumer<SenderContext> PAGE_BY_PAGE = (context) -> context.blockPages(0);

    @TempDir
    Path directory;

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void missingMemoryFileFailsThatTransferAndTheNextCommandStillRuns() throws Exception
    {
        final Path image = TestImages.generate(directory.resolve("source.img"), IMAGE_SIZE, 1);
        try (MigrationHarness harness = MigrationHarness.udpInClear(directory.resolve("engines")))
        {
            harness.commands().startTransfer(10, "vm-missing", directory.resolve("no-such.img").toString(),
                IMAGE_SIZE, PAGE_SIZE, 0, harness.receiverEndpoint());
            harness.commands().pageRange(10, 0, 0, (int)PAGE_COUNT);
            harness.submitWholeImage(11, "vm-ok", image, PAGE_SIZE);
            harness.awaitEnd(11, 30_000);

            final EventRecorder events = harness.events();
            assertEquals(1, events.failed.size(), () -> "failed: " + events.failed);
            assertEquals(10, events.failed.get(0).transferId());
            assertEquals(FailureReason.FILE_NOT_FOUND, events.failed.get(0).reason());
            assertTrue(events.failed.get(0).text().contains("no-such.img"), events.failed.get(0).text());
            // The batch for the refused transfer names a transfer that does not exist.
            assertEquals(FailureReason.UNKNOWN_TRANSFER, events.rejected.get(0).reason());
            assertEquals(11, events.completed.get(0).transferId());
            assertEquals(-1, ImageComparison.firstDifference(image, harness.destinationOf("vm-ok", 11)));
            assertEquals(2, harness.senderEngine().senderCounters().value(EngineCounter.COMMANDS_REJECTED));
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void pageBeyondTheFileIsRejectedTheTransferGoesOnAndItsOutcomeIsIncompleteNotVerified() throws Exception
    {
        final Path image = TestImages.generate(directory.resolve("source.img"), IMAGE_SIZE, 2);
        try (MigrationHarness harness = MigrationHarness.udpInClear(directory.resolve("engines")))
        {
            harness.commands().startTransfer(20, "vm-range", image.toString(), IMAGE_SIZE, PAGE_SIZE, 0,
                harness.receiverEndpoint());
            harness.commands().pageRange(20, 0, PAGE_COUNT - 1, 2);
            harness.commands().pageRange(20, 0, 0, (int)PAGE_COUNT);
            harness.commands().endOfTransfer(20);
            harness.awaitEnd(20, 30_000);

            final EventRecorder events = harness.events();
            assertEquals(1, events.rejected.size(), () -> "rejected: " + events.rejected);
            assertEquals(FailureReason.PAGE_OUT_OF_RANGE, events.rejected.get(0).reason());
            assertTrue(events.rejected.get(0).text().contains(String.valueOf(PAGE_COUNT)),
                events.rejected.get(0).text());
            // Never a silent success: what was sent is verified, and the outcome says a batch was refused.
            assertEquals(List.of(), events.completed);
            assertEquals(1, events.failed.size(), () -> "failed: " + events.failed);
            assertEquals(FailureReason.INCOMPLETE, events.failed.get(0).reason());
            assertTrue(events.failed.get(0).text().contains("1 page batches were refused"),
                events.failed.get(0).text());
            assertEquals(1, harness.senderEngine().senderCounters().value(EngineCounter.PAGE_BATCHES_REFUSED));
            assertEquals(-1, ImageComparison.firstDifference(image, harness.destinationOf("vm-range", 20)));
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void forgedFramesAreCountedAndNeverApplied() throws Exception
    {
        final Path image = TestImages.generate(directory.resolve("source.img"), IMAGE_SIZE, 3);
        try (MigrationHarness harness = MigrationHarness.udpInClear(directory.resolve("engines")))
        {
            harness.commands().startTransfer(30, "vm-real", image.toString(), IMAGE_SIZE, PAGE_SIZE, 0,
                harness.receiverEndpoint());
            harness.commands().pageRange(30, 0, 0, (int)PAGE_COUNT);
            final EngineCounters receiver = harness.receiverEngine().receiverCounters();
            harness.awaitEvents("first round applied", 30_000,
                () -> receiver.value(EngineCounter.PAGES_APPLIED) == PAGE_COUNT);

            final UnsafeBuffer garbage = new UnsafeBuffer(ByteBuffer.allocateDirect(2 * PAGE_SIZE));
            garbage.setMemory(0, 2 * PAGE_SIZE, (byte)0x5A);
            final int garbageCrc = PageChecksum.crc32c(garbage, 0, PAGE_SIZE);
            try (FrameForger forger = new FrameForger(harness.receiverEndpoint()))
            {
                // Frames naming the real transfer from another session, and with an unknown schema version.
                forger.sendPage(30, 3, PageEncoding.RAW, garbageCrc, garbage, PAGE_SIZE, FrameForger.VERSION);
                forger.sendPage(30, 4, PageEncoding.RAW, garbageCrc, garbage, PAGE_SIZE, 99);

                // The forger's own transfer, then every kind of bad page in it.
                forger.hello(31, "vm-forged", IMAGE_SIZE, PAGE_SIZE);
                forger.sendPage(31, 3, PageEncoding.RAW, garbageCrc + 1, garbage, PAGE_SIZE, FrameForger.VERSION);
                forger.sendPage(
                    31, PAGE_COUNT + 5, PageEncoding.RAW, garbageCrc, garbage, PAGE_SIZE, FrameForger.VERSION);
                forger.sendPage(31, 5, PageEncoding.ZSTD, garbageCrc, garbage, 100, FrameForger.VERSION);
                forger.sendPage(31, 6, PageEncoding.RAW, garbageCrc, garbage, PAGE_SIZE + 8, FrameForger.VERSION);
                forger.sendPageWithLyingLength(31, 7, garbage);

                harness.awaitEvents("forged frames counted", 30_000, () ->
                    receiver.value(EngineCounter.FRAMES_FOREIGN_SESSION) == 1 &&
                    receiver.value(EngineCounter.FRAMES_UNKNOWN_SCHEMA) == 1 &&
                    receiver.value(EngineCounter.PAGES_REJECTED_CRC) == 1 &&
                    receiver.value(EngineCounter.PAGES_REJECTED_RANGE) == 1 &&
                    receiver.value(EngineCounter.PAGES_REJECTED_CORRUPT) == 1 &&
                    receiver.value(EngineCounter.PAGES_REJECTED_LENGTH) == 1 &&
                    receiver.value(EngineCounter.FRAMES_MALFORMED) == 1);
            }
            // The forged transfer holds no forged page, or failed already and its file is gone.
            final Path forged = harness.destinationOf("vm-forged", 31);
            if (Files.exists(forged))
            {
                assertArrayEquals(new byte[(int)IMAGE_SIZE], Files.readAllBytes(forged), "no forged page was written");
            }
            else
            {
                assertEquals(1, receiver.value(EngineCounter.DESTINATIONS_REMOVED), "removed as failed");
            }

            harness.commands().endOfTransfer(30);
            harness.awaitEnd(30, 30_000);

            final EventRecorder events = harness.events();
            assertEquals(List.of(), events.failed);
            assertEquals(30, events.completed.get(0).transferId());
            assertEquals(-1, ImageComparison.firstDifference(image, harness.destinationOf("vm-real", 30)));
            assertEquals(List.of(), harness.errors());
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void pagesCorruptedInFlightFailTheirCrcAndAreSentAgain() throws Exception
    {
        final Path image = TestImages.generate(directory.resolve("source.img"), IMAGE_SIZE, 6);
        // Page by page, so each flipped bit damages exactly one page; blocks: BlockFaultSystemTest.
        try (MigrationHarness harness = MigrationHarness.udpInClear(directory.resolve("engines"), PAGE_BY_PAGE);
            CorruptingRelay relay = new CorruptingRelay(MigrationHarness.portOf(harness.receiverEndpoint()), 3))
        {
            harness.commands().startTransfer(60, "vm-relay", image.toString(), IMAGE_SIZE, PAGE_SIZE, 0,
                relay.endpoint());
            harness.commands().pageRange(60, 0, 0, (int)PAGE_COUNT);
            harness.commands().endOfTransfer(60);
            harness.awaitEnd(60, 30_000);

            assertEquals(List.of(), harness.events().failed);
            final EngineCounters receiver = harness.receiverEngine().receiverCounters();
            assertEquals(3, relay.corrupted());
            assertEquals(3, receiver.value(EngineCounter.PAGES_REJECTED_CRC) +
                receiver.value(EngineCounter.PAGES_REJECTED_CORRUPT));
            assertEquals(3, receiver.value(EngineCounter.PAGES_REQUESTED));
            assertEquals(3, harness.senderEngine().senderCounters().value(EngineCounter.PAGES_RESENT));
            assertEquals(List.of(), harness.events().failed);
            assertEquals(60, harness.events().completed.get(0).transferId());
            assertEquals(-1, ImageComparison.firstDifference(image, harness.destinationOf("vm-relay", 60)));
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void repairsThatAreCorruptedAgainAreAskedForAgain() throws Exception
    {
        final Path image = TestImages.generate(directory.resolve("source.img"), IMAGE_SIZE, 8);
        final long victim = firstPageWithPayload(image);
        // The first copy of the page and its first two repairs are damaged; the third repair gets through.
        try (MigrationHarness harness = MigrationHarness.udpInClear(directory.resolve("engines"), PAGE_BY_PAGE);
            CorruptingRelay relay = new CorruptingRelay(MigrationHarness.portOf(harness.receiverEndpoint()), 3, victim))
        {
            harness.commands().startTransfer(70, "vm-flaky", image.toString(), IMAGE_SIZE, PAGE_SIZE, 0,
                relay.endpoint());
            harness.commands().pageRange(70, 0, 0, (int)PAGE_COUNT);
            harness.commands().endOfTransfer(70);
            harness.awaitEnd(70, 45_000);

            assertEquals(List.of(), harness.events().failed);
            final EngineCounters receiver = harness.receiverEngine().receiverCounters();
            assertEquals(3, relay.corrupted());
            assertEquals(3, receiver.value(EngineCounter.PAGES_REJECTED_CRC) +
                receiver.value(EngineCounter.PAGES_REJECTED_CORRUPT));
            assertEquals(3, receiver.value(EngineCounter.PAGES_REQUESTED));
            assertEquals(3, harness.senderEngine().senderCounters().value(EngineCounter.PAGES_RESENT));
            assertEquals(List.of(), harness.events().failed);
            assertEquals(70, harness.events().completed.get(0).transferId());
            assertEquals(-1, ImageComparison.firstDifference(image, harness.destinationOf("vm-flaky", 70)));
        }
    }

    private static long firstPageWithPayload(final Path image) throws Exception
    {
        final byte[] bytes = Files.readAllBytes(image);
        for (int page = 0; page < PAGE_COUNT; page++)
        {
            for (int i = 0; i < PAGE_SIZE; i++)
            {
                if (0 != bytes[page * PAGE_SIZE + i])
                {
                    return page;
                }
            }
        }
        throw new IllegalStateException("image has only zero pages");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void anAgentPausingLongerThanThePeerTimeoutBetweenRoundsIsNotALostPeer() throws Exception
    {
        final Path image = TestImages.generate(directory.resolve("source.img"), IMAGE_SIZE, 9);
        try (MigrationHarness harness = MigrationHarness.udpInClear(
            directory.resolve("engines"), (context) -> context.peerTimeoutNs(TimeUnit.MILLISECONDS.toNanos(300))))
        {
            harness.commands().startTransfer(80, "vm-pause", image.toString(), IMAGE_SIZE, PAGE_SIZE, 0,
                harness.receiverEndpoint());
            harness.commands().pageRange(80, 0, 0, (int)PAGE_COUNT);
            harness.commands().endOfRound(80, 0);
            final EngineCounters receiver = harness.receiverEngine().receiverCounters();
            harness.awaitEvents("round 0 applied", 30_000,
                () -> receiver.value(EngineCounter.PAGES_APPLIED) == PAGE_COUNT);

            // Three peer timeouts with nothing outstanding, as an agent between rounds might wait.
            Thread.sleep(900);
            harness.commands().pageRange(80, 1, 10, 100);
            harness.commands().endOfRound(80, 1);
            harness.commands().endOfTransfer(80);
            harness.awaitEnd(80, 30_000);

            assertEquals(List.of(), harness.events().failed);
            assertEquals(PAGE_COUNT + 100, harness.events().completed.get(0).pagesSent());
            assertEquals(-1, ImageComparison.firstDifference(image, harness.destinationOf("vm-pause", 80)));
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void anExistingDestinationIsNeverOverwritten() throws Exception
    {
        final Path image = TestImages.generate(directory.resolve("source.img"), IMAGE_SIZE, 10);
        try (MigrationHarness harness = MigrationHarness.udpInClear(directory.resolve("engines")))
        {
            final Path destination = harness.destinationOf("vm-exists", 90);
            Files.writeString(destination, "precious");
            harness.submitWholeImage(90, "vm-exists", image, PAGE_SIZE);
            harness.awaitEnd(90, 30_000);

            assertEquals(FailureReason.PEER_REJECTED, harness.events().failed.get(0).reason());
            assertTrue(harness.events().failed.get(0).text().contains("already exists"),
                harness.events().failed.get(0).text());
            assertEquals("precious", Files.readString(destination));
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void forgedLengthsAreBoundedBeforeAnythingIsAllocated() throws Exception
    {
        final Path image = TestImages.generate(directory.resolve("source.img"), IMAGE_SIZE, 11);
        try (MigrationHarness harness = MigrationHarness.udpInClear(directory.resolve("engines")))
        {
            final EngineCounters receiver = harness.receiverEngine().receiverCounters();
            try (FrameForger forger = new FrameForger(harness.receiverEndpoint()))
            {
                forger.helloWithLyingVmIdLength(100);
                harness.awaitEvents("forged hello refused", 30_000,
                    () -> receiver.value(EngineCounter.FRAMES_MALFORMED) == 1);
            }

            final UnsafeBuffer command = new UnsafeBuffer(new byte[256]);
            final io.dwcp.codecs.agent.StartTransferEncoder start = new io.dwcp.codecs.agent.StartTransferEncoder()
                .wrapAndApplyHeader(command, 0, new io.dwcp.codecs.agent.MessageHeaderEncoder())
                .transferId(101).fileSize(IMAGE_SIZE).pageSize(PAGE_SIZE).compressionLevel(0)
                .vmId("vm").memoryFile(image.toString()).receiver(harness.receiverEndpoint());
            final int length = io.dwcp.codecs.agent.MessageHeaderEncoder.ENCODED_LENGTH + start.encodedLength();
            command.putInt(io.dwcp.codecs.agent.MessageHeaderEncoder.ENCODED_LENGTH +
                io.dwcp.codecs.agent.StartTransferEncoder.BLOCK_LENGTH, 0x7FFF_FFF0);
            harness.commands().appendRaw(command, 0, length);

            harness.submitWholeImage(102, "vm-ok", image, PAGE_SIZE);
            harness.awaitEnd(102, 30_000);

            assertEquals(101, harness.events().failed.get(0).transferId());
            assertEquals(FailureReason.MALFORMED_COMMAND, harness.events().failed.get(0).reason());
            assertEquals(102, harness.events().completed.get(0).transferId());
            assertEquals(-1, ImageComparison.firstDifference(image, harness.destinationOf("vm-ok", 102)));
            assertEquals(List.of(), harness.errors());
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void malformedCommandsAreRejectedAndTheEngineGoesOn() throws Exception
    {
        final Path image = TestImages.generate(directory.resolve("source.img"), IMAGE_SIZE, 4);
        try (MigrationHarness harness = MigrationHarness.udpInClear(directory.resolve("engines")))
        {
            final UnsafeBuffer bogus = new UnsafeBuffer(new byte[64]);
            new MessageHeaderEncoder().wrap(bogus, 0).blockLength(8).templateId(1).schemaId(7701).version(99);
            harness.commands().appendRaw(bogus, 0, 16);
            harness.commands().appendRaw(bogus, 0, 3);
            harness.commands().startTransfer(40, "vm-bad-page-size", image.toString(), IMAGE_SIZE, 1000, 0,
                harness.receiverEndpoint());
            harness.commands().endOfRound(41, 0);
            harness.submitWholeImage(42, "vm-ok", image, PAGE_SIZE);
            harness.awaitEnd(42, 30_000);

            final EventRecorder events = harness.events();
            assertEquals(FailureReason.MALFORMED_COMMAND, events.rejected.get(0).reason());
            assertTrue(events.rejected.get(0).text().contains("version 99"), events.rejected.get(0).text());
            assertEquals(FailureReason.MALFORMED_COMMAND, events.rejected.get(1).reason());
            assertEquals(FailureReason.UNKNOWN_TRANSFER, events.rejected.get(2).reason());
            assertEquals(FailureReason.BAD_GEOMETRY, events.failed.get(0).reason());
            assertEquals(42, events.completed.get(0).transferId());
            assertEquals(-1, ImageComparison.firstDifference(image, harness.destinationOf("vm-ok", 42)));
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void receiverStoppingMidTransferIsReportedAndNothingIsCorrupted() throws Exception
    {
        final Path image = TestImages.generate(directory.resolve("source.img"), IMAGE_SIZE, 5);
        final byte[] sourceBefore = Files.readAllBytes(image);
        try (MigrationHarness harness = MigrationHarness.udpInClear(
            directory.resolve("engines"), (context) -> context.peerTimeoutNs(TimeUnit.SECONDS.toNanos(1))
                .resumeTimeoutNs(TimeUnit.SECONDS.toNanos(2))))
        {
            final int half = (int)(PAGE_COUNT / 2);
            harness.commands().startTransfer(50, "vm-lost", image.toString(), IMAGE_SIZE, PAGE_SIZE, 0,
                harness.receiverEndpoint());
            harness.commands().pageRange(50, 0, 0, half);
            final EngineCounters receiver = harness.receiverEngine().receiverCounters();
            harness.awaitEvents("first half applied", 30_000,
                () -> receiver.value(EngineCounter.PAGES_APPLIED) == half);
            final Path destination = harness.destinationOf("vm-lost", 50);
            final byte[] firstHalfApplied = readRange(destination, (long)half * PAGE_SIZE);

            harness.stopReceiver();
            harness.commands().pageRange(50, 0, half, (int)PAGE_COUNT - half);
            harness.commands().endOfTransfer(50);
            harness.awaitEnd(50, 30_000);

            final EventRecorder events = harness.events();
            assertEquals(1, events.failed.size());
            assertEquals(FailureReason.PEER_LOST, events.failed.get(0).reason());
            assertTrue(events.failed.get(0).text().contains(harness.receiverEndpoint()), events.failed.get(0).text());
            assertTrue(events.failed.get(0).text().contains("resume timeout"), events.failed.get(0).text());
            assertTrue(harness.senderEngine().senderCounters().value(EngineCounter.TRANSFERS_REOPENED) >= 1);
            assertEquals(List.of(), events.completed);
            assertEquals(1, harness.senderEngine().senderCounters().value(EngineCounter.TRANSFERS_FAILED));
            assertEquals(0, harness.senderEngine().senderCounters().value(EngineCounter.TRANSFERS_COMPLETED));
            assertArrayEquals(sourceBefore, Files.readAllBytes(image), "the source is untouched");
            assertArrayEquals(readRange(image, (long)half * PAGE_SIZE), firstHalfApplied,
                "pages applied before the loss are exact");
        }
    }

    private static byte[] readRange(final Path file, final long length) throws Exception
    {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r"))
        {
            final MappedByteBuffer mapped = raf.getChannel().map(FileChannel.MapMode.READ_ONLY, 0, length);
            final byte[] bytes = new byte[(int)length];
            mapped.get(bytes);
            return bytes;
        }
    }
}
