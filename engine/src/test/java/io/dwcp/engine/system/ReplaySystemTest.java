package io.dwcp.engine.system;

import io.dwcp.driver.AeronDirectories;
import io.dwcp.driver.DriverProfile;
import io.dwcp.engine.memory.ImageComparison;
import io.dwcp.engine.memory.MappedImage;
import io.dwcp.engine.queue.SbeQueueReader;
import io.dwcp.engine.queue.SbeQueueWriter;
import io.dwcp.engine.queue.SbeQueues;
import io.dwcp.engine.recording.RecordingException;
import io.dwcp.engine.recording.RecordingReader;
import io.dwcp.engine.recording.RecordingSummary;
import io.dwcp.engine.recording.Replayer;
import io.dwcp.engine.runtime.EngineThreading;
import io.dwcp.engine.runtime.LocalMigration;
import io.dwcp.engine.security.EngineSecurity;
import io.dwcp.engine.test.EventRecorder;
import io.dwcp.engine.test.MigrationHarness;
import io.dwcp.engine.test.TestImages;
import io.dwcp.images.DirtyModel;
import io.dwcp.images.DirtyRound;
import io.dwcp.images.MemoryImageGenerator;
import io.dwcp.images.PageMix;
import net.openhft.chronicle.queue.ChronicleQueue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Recording a transfer at the sender and replaying it to another receiver.
 */
class ReplaySystemTest
{
    private static final int PAGE_SIZE = 4096;
    private static final long IMAGE_SIZE = 16L * 1024 * 1024;
    private static final String VM = "vm-recorded";
    private static final long TRANSFER = 7;
    private static final int SIMILAR_INDEX_BYTES = 8 * 1024 * 1024;
    private static final int SIMILAR_WHOLE_LEVEL = 5;
    /** Not the default: every block without a dictionary goes through its stripe's stream. */
    private static final int STREAM_LEVEL = Integer.MIN_VALUE;
    private static final long ROUND_START_BYTES = 3L * 1024 * 1024;

    @TempDir
    Path directory;

    private record Original(long wireBytes, long digest, Path destination, Path recording)
    {
    }

    /** Run a two-round pre-copy migration with the sender recording it; keep its destination. */
    private Original recordTwoRounds() throws Exception
    {
        final Path recording = directory.resolve("recording");
        final Path image = TestImages.generate(directory.resolve("source.img"), IMAGE_SIZE, 31);
        final long pageCount = IMAGE_SIZE / PAGE_SIZE;
        final DirtyRound dirtyRound = new DirtyRound(DirtyModel.VM, new MemoryImageGenerator(31, PageMix.DEFAULT,
            PAGE_SIZE));
        final Path destination = directory.resolve("original-destination.img");
        final EventRecorder.Completed completed;
        try (MigrationHarness harness = MigrationHarness.udp(directory.resolve("original"),
            (context) -> context.recordingDirectory(recording).similarIndexBytes(SIMILAR_INDEX_BYTES)
                .similarWholeLevel(SIMILAR_WHOLE_LEVEL).roundStartBytes(ROUND_START_BYTES).streamLevel(STREAM_LEVEL));
            MappedImage guest = MappedImage.openReadWrite(image, PAGE_SIZE, IMAGE_SIZE))
        {
            final EventRecorder events = harness.events();
            harness.startTransfer(TRANSFER, VM, image, PAGE_SIZE);
            harness.commands().pageRange(TRANSFER, 0, 0, (int)pageCount);
            harness.commands().endOfRound(TRANSFER, 0);
            harness.awaitEvents("round 0", 60_000, () -> events.rounds.size() == 1);
            final long[] dirty = dirtyRound.apply(guest.segments(), pageCount, 5, 1);
            harness.commands().pages(TRANSFER, 1, dirty, dirty.length);
            harness.commands().endOfRound(TRANSFER, 1);
            harness.commands().endOfTransfer(TRANSFER);
            harness.awaitEnd(TRANSFER, 60_000);

            assertEquals(List.of(), events.failed);
            assertEquals(2, events.rounds.size());
            assertTrue(events.rounds.get(1).deltaPages() > 0, "round 1 sent deltas");
            completed = events.completed.get(0);
            assertEquals(-1, ImageComparison.firstDifference(image, harness.destinationOf(VM, TRANSFER)));
            Files.copy(harness.destinationOf(VM, TRANSFER), destination);
        }
        return new Original(completed.wireBytes(), completed.digest(), destination, recording);
    }

    private Replayer replayer(
        final Path recording, final String receiver, final Consumer<io.dwcp.engine.config.SenderContext> settings,
        final ByteArrayOutputStream output) throws IOException
    {
        return new Replayer(recording, receiver, "localhost:" + LocalMigration.freeUdpPort(), Replayer.MAX_SPEED,
            TimeUnit.SECONDS.toNanos(60), directory.resolve("replay-work"),
            (builder) -> builder.embeddedDriver(AeronDirectories.forEmbeddedDriver("replay"),
                DriverProfile.load("loopback"), EngineThreading.INVOKER),
            settings, new PrintStream(output, true, StandardCharsets.UTF_8));
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void replayOfTwoRoundRecordingMatchesTheOriginalDestinationAndWireBytes() throws Exception
    {
        final Original original = recordTwoRounds();

        final RecordingSummary summary = RecordingReader.scan(original.recording());
        // The settings that shape the wire bytes are the recording's, not the replaying engine's defaults.
        assertEquals(SIMILAR_INDEX_BYTES, summary.settings().similarIndexBytes());
        assertEquals(SIMILAR_WHOLE_LEVEL, summary.settings().similarWholeLevel());
        assertEquals(ROUND_START_BYTES, summary.settings().roundStartBytes());
        assertEquals(STREAM_LEVEL, summary.settings().streamLevel());
        assertEquals(1, summary.transfers().size());
        final RecordingSummary.Transfer recorded = summary.transfers().get(0);
        assertEquals(TRANSFER, recorded.transferId());
        assertEquals(2, recorded.pagesByRound().size());
        assertEquals(IMAGE_SIZE / PAGE_SIZE, recorded.pagesByRound().get(0));
        assertTrue(recorded.isEnded());

        // Replay twice, each to a fresh receiver: both runs give the original's bytes on the wire and at the far end.
        for (int run = 0; run < 2; run++)
        {
            final ByteArrayOutputStream output = new ByteArrayOutputStream();
            try (MigrationHarness target = MigrationHarness.udp(directory.resolve("target-" + run)))
            {
                final List<Replayer.TransferResult> results =
                    replayer(original.recording(), target.receiverEndpoint(),
                        (context) -> context.security(target.senderSecurity()), output).replay();

                assertEquals(1, results.size());
                final LocalMigration.Outcome outcome = results.get(0).outcome();
                assertNotNull(outcome);
                assertTrue(outcome.completed(), outcome.failure() + " " + output);
                assertEquals(original.digest(), outcome.digest());
                assertEquals(original.wireBytes(), outcome.wireBytes(), "wire bytes of replay " + run);
                assertEquals(-1, ImageComparison.firstDifference(original.destination(),
                    target.destinationOf(VM, TRANSFER)), "destination of replay " + run);
            }
        }
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void truncatedForeignAndMissingRecordingsAreRefusedBeforeAnythingIsSent() throws Exception
    {
        final Original original = recordTwoRounds();

        // A recording whose sender died mid-transfer: the same records without the last few.
        final Path truncated = directory.resolve("truncated");
        long records = 0;
        try (ChronicleQueue source = ChronicleQueue.singleBuilder(original.recording()).readOnly(true).build();
            SbeQueueReader reader = new SbeQueueReader(source, null))
        {
            while (reader.poll((buffer, offset, length, index) -> {}, 1) > 0)
            {
                records++;
            }
        }
        final long kept = records - 3;
        try (ChronicleQueue source = ChronicleQueue.singleBuilder(original.recording()).readOnly(true).build();
            SbeQueueReader reader = new SbeQueueReader(source, null);
            ChronicleQueue target = SbeQueues.open(truncated);
            SbeQueueWriter writer = new SbeQueueWriter(target))
        {
            for (long i = 0; i < kept; i++)
            {
                reader.poll((buffer, offset, length, index) ->
                {
                    writer.buffer().putBytes(0, buffer, offset, length);
                    writer.append(length);
                }, 1);
            }
        }

        final ByteArrayOutputStream output = new ByteArrayOutputStream();
        try (MigrationHarness target = MigrationHarness.udp(directory.resolve("target")))
        {
            final RecordingException cut = assertThrows(RecordingException.class,
                () -> replayer(truncated, target.receiverEndpoint(),
                    (context) -> context.security(target.senderSecurity()), output).replay());
            assertTrue(cut.getMessage().contains("is truncated"), cut.getMessage());
            assertTrue(cut.getMessage().contains("transfer " + TRANSFER + " in round 1"), cut.getMessage());

            // The same recording with its queue file cut short on disk, half way through the page contents.
            final Path cutOnDisk = directory.resolve("cut-on-disk");
            Files.createDirectories(cutOnDisk);
            try (var files = Files.list(original.recording()))
            {
                for (final Path file : files.toList())
                {
                    Files.copy(file, cutOnDisk.resolve(file.getFileName()));
                }
            }
            try (var files = Files.list(cutOnDisk))
            {
                final Path cq4 = files.filter((file) -> file.toString().endsWith(".cq4")).findFirst().orElseThrow();
                try (var channel = java.nio.channels.FileChannel.open(cq4, java.nio.file.StandardOpenOption.WRITE))
                {
                    channel.truncate(RecordingReader.scan(original.recording()).contentBytes() / 2);
                }
            }
            final RecordingException cutFile = assertThrows(RecordingException.class,
                () -> replayer(cutOnDisk, target.receiverEndpoint(),
                    (context) -> context.security(target.senderSecurity()), output).replay());
            assertTrue(cutFile.getMessage().contains("is truncated"), cutFile.getMessage());

            final Path commandQueue = directory.resolve("original").resolve("commands");
            final RecordingException foreign = assertThrows(RecordingException.class,
                () -> replayer(commandQueue, target.receiverEndpoint(),
                    (context) -> context.security(target.senderSecurity()), output).replay());
            assertTrue(foreign.getMessage().contains("is not a DWCP recording"), foreign.getMessage());

            final RecordingException missing = assertThrows(RecordingException.class,
                () -> RecordingReader.scan(directory.resolve("no-such-recording")));
            assertTrue(missing.getMessage().contains("does not exist"), missing.getMessage());
            assertFalse(Files.exists(directory.resolve("no-such-recording")), "reading never creates a queue");

            final Path notQueue = Files.createDirectories(directory.resolve("not-a-queue"));
            Files.writeString(notQueue.resolve("notes.txt"), "hello");
            final RecordingException empty = assertThrows(RecordingException.class,
                () -> RecordingReader.scan(notQueue));
            assertTrue(empty.getMessage().contains("holds no Chronicle Queue files"), empty.getMessage());

            assertFalse(Files.exists(target.destinationOf(VM, TRANSFER)), "nothing reached the receiver");
            assertEquals(List.of(), target.errors());
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void replayToAnUnreachableReceiverFailsClearlyAfterTheBoundedWait() throws Exception
    {
        final Original original = recordTwoRounds();
        final ByteArrayOutputStream output = new ByteArrayOutputStream();
        final String nobody = "localhost:" + LocalMigration.freeUdpPort();

        // The replay's own wait is 60 s: a RECEIVER_UNREACHABLE verdict shows the sender's 1 s bound ended it.
        final List<Replayer.TransferResult> results = replayer(original.recording(), nobody,
            (context) -> context.peerTimeoutNs(TimeUnit.SECONDS.toNanos(1)).security(EngineSecurity.insecure()),
            output).replay();

        final LocalMigration.Outcome outcome = results.get(0).outcome();
        assertFalse(outcome.completed());
        assertTrue(outcome.failure().startsWith("RECEIVER_UNREACHABLE"), outcome.failure());
        assertTrue(outcome.failure().contains(nobody), outcome.failure());
    }
}
