package io.dwcp.perf;

import io.dwcp.driver.DriverProfile;
import io.dwcp.engine.memory.ImageComparison;
import io.dwcp.engine.queue.EngineEventListener;
import io.dwcp.engine.runtime.EngineThreading;
import io.dwcp.engine.runtime.LocalMigration;
import io.dwcp.images.MemoryImageGenerator;
import io.dwcp.images.PageMix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The engine's traffic through the impairment relay: delayed, jittered and lossy, and still bit for bit.
 */
class ImpairmentRelayTest
{
    private static final long IMAGE_SIZE = 16L << 20;

    @TempDir
    Path directory;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void migrationThroughALossyDelayedRelayArrivesBitExact() throws Exception
    {
        final Path image = directory.resolve("source.img");
        new MemoryImageGenerator(77, PageMix.DEFAULT, 4096).generate(image, IMAGE_SIZE);
        try (LocalMigration migration = new LocalMigration(directory.resolve("engines"), false,
            DriverProfile.load("loopback"), EngineThreading.INVOKER, (context) -> {}, Throwable::printStackTrace))
        {
            final InetSocketAddress receiver = ImpairmentRelay.address(migration.receiverEndpoint());
            final int relayPort = LocalMigration.freeUdpPort();
            try (ImpairmentRelay relay = new ImpairmentRelay(new InetSocketAddress("localhost", relayPort), receiver,
                TimeUnit.MILLISECONDS.toNanos(2), TimeUnit.MILLISECONDS.toNanos(1), 0.02, 9))
            {
                migration.commands().startTransfer(
                    3, "vm-relayed", image.toString(), IMAGE_SIZE, 4096, 0, "localhost:" + relayPort);
                migration.commands().pageRange(3, 0, 0, (int)(IMAGE_SIZE / 4096));
                migration.commands().endOfRound(3, 0);
                migration.commands().endOfTransfer(3);
                final LocalMigration.Outcome outcome =
                    migration.awaitOutcome(3, new EngineEventListener() {}, TimeUnit.SECONDS.toNanos(100));

                assertTrue(outcome.completed(), outcome.failure());
                assertEquals(-1, ImageComparison.firstDifference(image, migration.destinationOf("vm-relayed", 3)));
                assertTrue(relay.dropped() > 0, "the relay dropped datagrams: " + relay.dropped());
                assertTrue(relay.forwarded() > 0);
            }
        }
    }

    @Test
    void impossibleImpairmentsAreRefused()
    {
        final InetSocketAddress any = new InetSocketAddress("localhost", 0);
        assertThrows(IllegalArgumentException.class, () -> new ImpairmentRelay(any, any, 1, 2, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new ImpairmentRelay(any, any, 0, 0, 1.0, 1));
    }
}
