package io.dwcp.engine.system;

import io.dwcp.codec.PageChecksum;
import io.dwcp.codecs.agent.FailureReason;
import io.dwcp.codec.PageEncoding;
import io.dwcp.engine.memory.ImageComparison;
import io.dwcp.engine.status.EngineCounter;
import io.dwcp.engine.status.EngineCounters;
import io.dwcp.engine.test.CorruptingRelay;
import io.dwcp.engine.test.EventRecorder;
import io.dwcp.engine.test.FrameForger;
import io.dwcp.engine.test.MigrationHarness;
import io.dwcp.engine.test.TestImages;
import io.dwcp.engine.transport.StripeLayout;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad input on stripes: frames for a stripe the transfer does not have, pages on the wrong stripe, a stripe that
 * goes silent while the others progress, and an end naming frames that never arrive. Each ends with the input
 * counted, nothing wrong applied, and the engines still migrating bit-exact.
 */
class StripeFaultSystemTest
{
    private static final int PAGE_SIZE = 4096;
    private static final long IMAGE_SIZE = 4L * 1024 * 1024;
    private static final long PAGE_COUNT = IMAGE_SIZE / PAGE_SIZE;

    @TempDir
    Path directory;

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void framesForAMissingStripeAndPagesOnTheWrongStripeAreCountedAndNeverApplied() throws Exception
    {
        try (MigrationHarness harness = MigrationHarness.udpInClear(directory.resolve("engines"));
            FrameForger forger = new FrameForger(harness.receiverEndpoint()))
        {
            final EngineCounters receiver = harness.receiverEngine().receiverCounters();
            final UnsafeBuffer page = new UnsafeBuffer(ByteBuffer.allocateDirect(PAGE_SIZE));
            page.setMemory(0, PAGE_SIZE, (byte)0x3C);
            final int crc = PageChecksum.crc32c(page, 0, PAGE_SIZE);

            forger.hello(40, "vm-stripes", IMAGE_SIZE, PAGE_SIZE, 2);
            // Stripe 5 of a two-stripe transfer, and a negative stripe.
            forger.sendPage(40, 5, 1, 0, PageEncoding.RAW, crc, page, PAGE_SIZE, FrameForger.VERSION);
            forger.sendPage(40, -1, 1, 0, PageEncoding.RAW, crc, page, PAGE_SIZE, FrameForger.VERSION);
            // Page 16 belongs to stripe 1 (chunks of 16 pages, dealt round-robin), sent on stripe 0.
            forger.sendPage(40, 0, 1, StripeLayout.CHUNK_PAGES, PageEncoding.RAW, crc, page, PAGE_SIZE,
                FrameForger.VERSION);

            harness.awaitEvents("stripe faults counted", 30_000, () ->
                receiver.value(EngineCounter.FRAMES_BAD_STRIPE) == 2 &&
                receiver.value(EngineCounter.PAGES_REJECTED_STRIPE) == 1);
            assertEquals(0, receiver.value(EngineCounter.PAGES_APPLIED));
            assertArrayEquals(new byte[(int)IMAGE_SIZE], Files.readAllBytes(harness.destinationOf("vm-stripes", 40)),
                "nothing of the forged frames was written");

            migrateAndVerify(harness, 41, 4);
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aStripeSilentWhileTheOthersProgressFailsTheTransferAtThePeerTimeout() throws Exception
    {
        final Path image = TestImages.generate(directory.resolve("source.img"), IMAGE_SIZE, 44);
        try (MigrationHarness harness = MigrationHarness.udpInClear(directory.resolve("engines"),
            // Not reopened: this is the silence of one stripe, which a new attempt would meet again.
            (context) -> context.peerTimeoutNs(TimeUnit.SECONDS.toNanos(2)).resumeTimeoutNs(0));
            CorruptingRelay relay =
                new CorruptingRelay(MigrationHarness.portOf(harness.receiverEndpoint()), 0).silenceStripe(2))
        {
            harness.commands().startTransfer(42, "vm-silent", image.toString(), IMAGE_SIZE, PAGE_SIZE, 0, 4,
                relay.endpoint());
            harness.commands().pageRange(42, 0, 0, (int)PAGE_COUNT);
            harness.commands().endOfTransfer(42);
            harness.awaitEnd(42, 30_000);

            final EventRecorder events = harness.events();
            assertEquals(1, events.failed.size(), () -> "failed: " + events.failed);
            assertEquals(FailureReason.PEER_LOST, events.failed.get(0).reason());
            assertTrue(events.failed.get(0).text().contains("stripe 2 of 4"), events.failed.get(0).text());
            assertTrue(relay.dropped() > 0);
            final EngineCounters receiver = harness.receiverEngine().receiverCounters();
            assertTrue(receiver.value(EngineCounter.PAGES_APPLIED) >= 3 * PAGE_COUNT / 4,
                "the other stripes progressed: " + receiver.value(EngineCounter.PAGES_APPLIED));

            // The engines go on serving.
            migrateAndVerify(harness, 43, 4);
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void anEndNamingFramesThatNeverArriveIsWaitedForThenFailsClearly() throws Exception
    {
        try (MigrationHarness harness = MigrationHarness.udpInClear(directory.resolve("engines"), (context) -> {},
            (context) -> context.transferTimeoutNs(TimeUnit.SECONDS.toNanos(2)));
            FrameForger forger = new FrameForger(harness.receiverEndpoint()))
        {
            final EngineCounters receiver = harness.receiverEngine().receiverCounters();
            final UnsafeBuffer page = new UnsafeBuffer(ByteBuffer.allocateDirect(PAGE_SIZE));
            page.setMemory(0, PAGE_SIZE, (byte)0x42);
            final int crc = PageChecksum.crc32c(page, 0, PAGE_SIZE);

            forger.hello(45, "vm-end-ahead", IMAGE_SIZE, PAGE_SIZE, 1);
            forger.sendPage(45, 0, 1, 3, PageEncoding.RAW, crc, page, PAGE_SIZE, FrameForger.VERSION);
            forger.transferEnd(45, 0L, 5);

            harness.awaitEvents("end waited for, then failed", 30_000, () ->
                receiver.value(EngineCounter.TRANSFER_ENDS_AHEAD) == 1 && !harness.receiverEvents().failed.isEmpty());
            final EventRecorder.Failure failure = harness.receiverEvents().failed.get(0);
            assertEquals(45, failure.transferId());
            assertEquals(FailureReason.PEER_LOST, failure.reason());
            assertTrue(failure.text().contains("names frame 5 of stripe 0 but only 1 arrived"), failure.text());
            assertEquals(0, receiver.value(EngineCounter.TRANSFERS_VERIFIED));
            assertEquals(1, receiver.value(EngineCounter.PAGES_APPLIED));

            migrateAndVerify(harness, 46, 4);
        }
    }

    private void migrateAndVerify(final MigrationHarness harness, final long transferId, final int stripes)
        throws Exception
    {
        final Path image = TestImages.generate(directory.resolve("after-" + transferId + ".img"), IMAGE_SIZE,
            (int)transferId);
        harness.commands().startTransfer(transferId, "vm-after", image.toString(), IMAGE_SIZE, PAGE_SIZE, 0, stripes,
            harness.receiverEndpoint());
        harness.commands().pageRange(transferId, 0, 0, (int)PAGE_COUNT);
        harness.commands().endOfTransfer(transferId);
        harness.awaitEnd(transferId, 30_000);
        assertEquals(transferId, harness.events().completed.get(harness.events().completed.size() - 1).transferId());
        assertEquals(-1, ImageComparison.firstDifference(image, harness.destinationOf("vm-after", transferId)));
    }
}
