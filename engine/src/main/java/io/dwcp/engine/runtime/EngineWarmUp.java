package io.dwcp.engine.runtime;

import io.dwcp.codecs.agent.RoundCompletedDecoder;
import io.dwcp.codecs.agent.TransferFailedDecoder;
import io.dwcp.driver.DriverProfile;
import io.dwcp.engine.memory.ImageComparison;
import io.dwcp.engine.memory.MappedImage;
import io.dwcp.engine.queue.EngineEventListener;
import io.dwcp.engine.queue.EventAdapter;
import io.dwcp.images.DirtyModel;
import io.dwcp.images.DirtyRound;
import io.dwcp.images.MemoryImageGenerator;
import io.dwcp.images.PageMix;
import org.agrona.IoUtil;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Warms a standalone engine's JVM before it serves: a generated image migrated in two pre-copy rounds (whole pages,
 * then deltas) through a private sender and receiver over UDP loopback, sealed, checked byte for byte. The JIT
 * compiles the page, codec, crypto and driver paths here rather than during the first real transfer, whose round 0
 * and handshake it slowed (a cold engine pair took about 1 s to accept a transfer that a warm one accepted in 0.15 s,
 * and its C2 compiler took more CPU than its sender). It touches nothing of the engine that serves: its own
 * directory, drivers, ports and keys, all gone when it returns.
 */
public final class EngineWarmUp
{
    private static final int PAGE_SIZE = 4096;
    private static final long SEED = 1;
    private static final long TIMEOUT_NS = TimeUnit.MINUTES.toNanos(2);
    private static final EngineEventListener NO_EVENTS = new EngineEventListener()
    {
    };

    /** Counts the rounds applied, and keeps a failure. */
    private static final class Rounds implements EngineEventListener
    {
        private int completed;
        private String failure;

        @Override
        public void onRoundCompleted(final RoundCompletedDecoder event)
        {
            completed++;
        }

        @Override
        public void onFailed(final TransferFailedDecoder event)
        {
            failure = event.reason() + ": " + event.text();
        }
    }

    private EngineWarmUp()
    {
    }

    /**
     * Migrate a generated image of this size, verify it, and remove everything.
     * <p>
     * A driver profile sets its values as system properties unless they are set (Aeron's contexts read them), so
     * the warm-up runs the serving engine's own profile, whose values that engine then finds, and removes every
     * Aeron property it added. Run on another profile, it left the loopback profile's 64 KiB MTU to a {@code lan}
     * engine on a 9000-byte link, whose fragmented datagrams then stalled a stripe at 100 Mbit/s.
     *
     * @param bytes   of the image, a whole number of pages.
     * @param profile the driver profile of the engine that will serve.
     * @return how long it took, in nanoseconds.
     * @throws IOException           if its files cannot be made.
     * @throws IllegalStateException if the migration fails or its destination differs.
     */
    public static long run(final long bytes, final DriverProfile profile) throws IOException
    {
        final long startNs = System.nanoTime();
        final Set<String> propertiesBefore = new HashSet<>(System.getProperties().stringPropertyNames());
        final Path directory = Files.createTempDirectory("dwcp-warmup-");
        try
        {
            final Path image = directory.resolve("warmup.img");
            final MemoryImageGenerator generator = new MemoryImageGenerator(SEED, PageMix.DEFAULT, PAGE_SIZE);
            generator.generate(image, bytes);
            final long pageCount = bytes / PAGE_SIZE;
            final Rounds rounds = new Rounds();
            try (LocalMigration migration = new LocalMigration(directory.resolve("engines"), false, profile,
                EngineThreading.INVOKER, (context) -> {}, Throwable::printStackTrace);
                MappedImage guest = MappedImage.openReadWrite(image, PAGE_SIZE, bytes);
                EventAdapter events = migration.newEventAdapter(rounds))
            {
                final long transferId = 1;
                migration.commands().startTransfer(transferId, "warmup", image.toString(), bytes, PAGE_SIZE, 0,
                    migration.receiverEndpoint());
                migration.commands().pageRange(transferId, 0, 0, Math.toIntExact(pageCount));
                migration.commands().endOfRound(transferId, 0);
                LocalMigration.pollUntil(events, () -> rounds.completed > 0 || null != rounds.failure, TIMEOUT_NS);
                if (null != rounds.failure)
                {
                    throw new IllegalStateException("warm-up migration failed: " + rounds.failure);
                }
                // The guest dirties some of its pages, and they go again as deltas against what was acknowledged.
                final long[] dirty = new DirtyRound(DirtyModel.JVM, generator).apply(guest.segments(), pageCount,
                    SEED, 1);
                migration.commands().pages(transferId, 1, dirty, dirty.length);
                migration.commands().endOfRound(transferId, 1);
                migration.commands().endOfTransfer(transferId);
                final LocalMigration.Outcome outcome = migration.awaitOutcome(transferId, NO_EVENTS, TIMEOUT_NS);
                if (!outcome.completed())
                {
                    throw new IllegalStateException("warm-up migration failed: " + outcome.failure());
                }
                final long difference = ImageComparison.firstDifference(image, migration.destinationOf("warmup",
                    transferId));
                if (-1 != difference)
                {
                    throw new IllegalStateException("warm-up migration's destination differs at byte " + difference);
                }
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while warming up", ex);
            }
            return System.nanoTime() - startNs;
        }
        finally
        {
            IoUtil.delete(directory.toFile(), true);
            System.getProperties().stringPropertyNames().stream()
                .filter((name) -> name.startsWith("aeron.") && !propertiesBefore.contains(name))
                .forEach(System::clearProperty);
        }
    }
}
