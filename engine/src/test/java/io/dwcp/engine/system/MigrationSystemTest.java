package io.dwcp.engine.system;

import io.dwcp.engine.memory.ImageComparison;
import io.dwcp.engine.status.EngineCounter;
import io.dwcp.engine.test.EventRecorder;
import io.dwcp.engine.test.MigrationHarness;
import io.dwcp.engine.test.TestImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Whole migrations through the real command queue, over UDP loopback and aeron:ipc, verified byte for byte.
 */
class MigrationSystemTest
{
    private static final long IMAGE_SIZE = 64L * 1024 * 1024;

    @TempDir
    Path directory;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void migrates64MiBOverUdpLoopback() throws Exception
    {
        final Path image = TestImages.generate(directory.resolve("source.img"), IMAGE_SIZE, 42);
        try (MigrationHarness harness = MigrationHarness.udp(directory.resolve("engines")))
        {
            harness.submitWholeImage(1, "vm-udp", image, 4096);
            harness.awaitEnd(1, 100_000);

            assertCompletedBitExact(harness, image, "vm-udp", 1);
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void migrates64MiBOverIpc() throws Exception
    {
        final Path image = TestImages.generate(directory.resolve("source.img"), IMAGE_SIZE, 7);
        try (MigrationHarness harness = MigrationHarness.ipc(directory.resolve("engines")))
        {
            harness.submitWholeImage(2, "vm-ipc", image, 4096);
            harness.awaitEnd(2, 100_000);

            assertCompletedBitExact(harness, image, "vm-ipc", 2);
        }
    }

    private static void assertCompletedBitExact(
        final MigrationHarness harness, final Path image, final String vmId, final long transferId) throws Exception
    {
        final EventRecorder events = harness.events();
        assertEquals(java.util.List.of(), events.failed, "failures");
        assertEquals(1, events.completed.size(), "completed events");
        final EventRecorder.Completed completed = events.completed.get(0);
        assertEquals(transferId, completed.transferId());
        assertEquals(IMAGE_SIZE / 4096, completed.pagesSent());
        assertTrue(completed.wireBytes() < IMAGE_SIZE, "compressed on the wire: " + completed.wireBytes());
        assertEquals(-1, ImageComparison.firstDifference(image, harness.destinationOf(vmId, transferId)),
            "first differing byte");
        assertEquals(IMAGE_SIZE / 4096,
            harness.receiverEngine().receiverCounters().value(EngineCounter.PAGES_APPLIED), "pages applied");
        assertEquals(java.util.List.of(), harness.errors(), "engine errors");
    }
}
