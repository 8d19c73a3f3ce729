package io.dwcp.engine.system;

import io.dwcp.codecs.agent.FailureReason;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sources that change under the sender, files that are not memory, and an agent that abandons a transfer: each
 * fails its transfer with the right reason, and the engines go on to move the next image bit-exact.
 */
class ChangingSourceSystemTest
{
    private static final int PAGE_SIZE = 4096;
    private static final long IMAGE_SIZE = 32L * 1024 * 1024;
    private static final long PAGE_COUNT = IMAGE_SIZE / PAGE_SIZE;

    @TempDir
    Path directory;

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aSourceThatShrinksMidTransferFailsItAndTheEngineGoesOnServing() throws Exception
    {
        final Path image = TestImages.generate(directory.resolve("source.img"), IMAGE_SIZE, 3);
        final Path next = TestImages.generate(directory.resolve("next.img"), IMAGE_SIZE, 4);
        try (MigrationHarness harness = MigrationHarness.udp(directory.resolve("engines")))
        {
            sendHalfThen(harness, 60, image, () ->
            {
                try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw"))
                {
                    file.setLength(IMAGE_SIZE / 4);
                }
            });
            assertFailedThenNextIsExact(harness, 60, "shrank to " + IMAGE_SIZE / 4 + " bytes", next);
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aSourceReplacedMidTransferFailsItAndTheEngineGoesOnServing() throws Exception
    {
        final Path image = TestImages.generate(directory.resolve("source.img"), IMAGE_SIZE, 5);
        final Path other = TestImages.generate(directory.resolve("other.img"), IMAGE_SIZE, 6);
        final Path next = TestImages.generate(directory.resolve("next.img"), IMAGE_SIZE, 7);
        try (MigrationHarness harness = MigrationHarness.udp(directory.resolve("engines")))
        {
            sendHalfThen(harness, 61, image,
                () -> Files.move(other, image, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE));
            assertFailedThenNextIsExact(harness, 61, "was replaced", next);
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aDirectoryADeviceAndAPipeAreRefusedAsNotRegularFiles() throws Exception
    {
        final Path fifo = directory.resolve("fifo");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        final Path next = TestImages.generate(directory.resolve("next.img"), IMAGE_SIZE, 8);
        try (MigrationHarness harness = MigrationHarness.udp(directory.resolve("engines")))
        {
            final String[] specials = { directory.toString(), "/dev/zero", fifo.toString() };
            for (int i = 0; i < specials.length; i++)
            {
                harness.commands().startTransfer(70 + i, "vm-special", specials[i], IMAGE_SIZE, PAGE_SIZE, 0,
                    harness.receiverEndpoint());
            }
            harness.submitWholeImage(79, "vm-next", next, PAGE_SIZE);
            harness.awaitEnd(79, 30_000);
            final EventRecorder events = harness.events();
            assertEquals(3, events.failed.size(), () -> "failed: " + events.failed);
            for (int i = 0; i < specials.length; i++)
            {
                final EventRecorder.Failure failure = events.failed.get(i);
                assertEquals(70 + i, failure.transferId());
                assertEquals(FailureReason.FILE_UNREADABLE, failure.reason(), failure.text());
                assertTrue(failure.text().contains("is not a regular file"), failure.text());
            }
            assertEquals(-1, ImageComparison.firstDifference(next, harness.destinationOf("vm-next", 79)));
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void anAbandonedTransferLeavesNothingOnEitherSide() throws Exception
    {
        final Path image = TestImages.generate(directory.resolve("source.img"), IMAGE_SIZE, 9);
        final Path next = TestImages.generate(directory.resolve("next.img"), IMAGE_SIZE, 10);
        try (MigrationHarness harness = MigrationHarness.udp(directory.resolve("engines")))
        {
            sendHalfThen(harness, 62, image, () -> harness.commands().cancel(62, "the agent gave up"));
            final EngineCounters receiver = harness.receiverEngine().receiverCounters();
            harness.awaitEvents("the receiver to remove the abandoned transfer", 30_000,
                () -> 1 == receiver.value(EngineCounter.TRANSFERS_ABANDONED));
            final EventRecorder events = harness.events();
            assertEquals(FailureReason.CANCELLED, events.failed.get(0).reason());
            final Path destination = harness.destinationOf("vm-62", 62);
            assertFalse(Files.exists(destination), "destination removed");
            assertFalse(Files.exists(destination.resolveSibling(destination.getFileName() + ".resume")),
                "resume state removed");
            try (Stream<Path> state = Files.list(harness.senderStateDirectory()))
            {
                assertEquals(List.of(), state.toList(), "the sender keeps nothing of it");
            }
            harness.submitWholeImage(63, "vm-next", next, PAGE_SIZE);
            harness.awaitEnd(63, 30_000);
            assertEquals(-1, ImageComparison.firstDifference(next, harness.destinationOf("vm-next", 63)));
        }
    }

    @FunctionalInterface
    private interface Change
    {
        void apply() throws Exception;
    }

    /** Send the first half of an image, change things once some of it is applied, then ask for the rest. */
    private static void sendHalfThen(
        final MigrationHarness harness, final long transferId, final Path image, final Change change) throws Exception
    {
        final int half = (int)(PAGE_COUNT / 2);
        harness.commands().startTransfer(transferId, "vm-" + transferId, image.toString(), IMAGE_SIZE, PAGE_SIZE, 0,
            harness.receiverEndpoint());
        harness.commands().pageRange(transferId, 0, 0, half);
        final EngineCounters receiver = harness.receiverEngine().receiverCounters();
        harness.awaitEvents("some pages applied", 30_000, () -> receiver.value(EngineCounter.PAGES_APPLIED) > 0);
        change.apply();
        harness.commands().pageRange(transferId, 0, half, (int)PAGE_COUNT - half);
        harness.commands().endOfTransfer(transferId);
        try
        {
            harness.awaitEnd(transferId, 30_000);
        }
        catch (final AssertionError ex)
        {
            throw new AssertionError(ex.getMessage() + "; engine errors: " +
                harness.errors().stream().map(ChangingSourceSystemTest::traceOf).toList(), ex);
        }
    }

    private static void assertFailedThenNextIsExact(
        final MigrationHarness harness, final long transferId, final String why, final Path next) throws Exception
    {
        final EventRecorder events = harness.events();
        assertEquals(List.of(), events.completed, "never verified");
        assertEquals(1, events.failed.size(), () -> "failed: " + events.failed);
        assertEquals(transferId, events.failed.get(0).transferId());
        assertEquals(FailureReason.SOURCE_CHANGED, events.failed.get(0).reason(), events.failed.get(0).text());
        assertTrue(events.failed.get(0).text().contains(why), events.failed.get(0).text());
        harness.submitWholeImage(transferId + 100, "vm-next", next, PAGE_SIZE);
        harness.awaitEnd(transferId + 100, 30_000);
        assertEquals(-1, ImageComparison.firstDifference(next, harness.destinationOf("vm-next", transferId + 100)));
        final List<Throwable> errors = harness.errors().stream().filter((error) -> !(error instanceof InternalError))
            .toList();
        assertEquals(List.of(), errors, () -> "no error but the fault of reading the shrunk source: " +
            errors.stream().map(ChangingSourceSystemTest::traceOf).toList());
    }

    private static String traceOf(final Throwable error)
    {
        final java.io.StringWriter trace = new java.io.StringWriter();
        error.printStackTrace(new java.io.PrintWriter(trace));
        return trace.toString();
    }
}
