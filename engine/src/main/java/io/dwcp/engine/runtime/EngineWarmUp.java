package io.dwcp.engine.runtime;

import io.dwcp.codecs.agent.RoundCompletedDecoder;
import io.dwcp.codecs.agent.TransferFailedDecoder;
import io.dwcp.codec.PageCodec;
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
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Warms a standalone engine's JVM before it serves: a generated image migrated in three pre-copy rounds (whole pages,
 * then deltas twice) through a private sender and receiver over UDP loopback, sealed, checked byte for byte, again
 * and again until the JIT has little left to compile. The JIT compiles the page, codec, crypto and driver paths here
 * rather than during the first real transfers, whose round 0 and handshake it slowed (a cold engine pair took about
 * 1 s to accept a transfer that a warm one accepted in 0.15 s, and its C2 compiler took more CPU than its sender).
 * <p>
 * One transfer was not enough: a frame's methods run once per 64 pages, so after 64 MiB they had run some 500 times,
 * short of C2's thresholds, and during a QEMU migration after such a warm-up the engines' C2 threads still took 38%
 * of the machine's CPU samples. The image is sparse, as a guest's RAM file is, and the receiver is left quiet between
 * rounds, so that the holes and verifying ahead are compiled too. It touches nothing of the engine that serves: its
 * own directory, drivers, ports and keys, all gone when it returns.
 */
public final class EngineWarmUp
{
    /**
     * What a warm-up did.
     *
     * @param elapsedNs     how long it took.
     * @param transfers     transfers it made.
     * @param compilationMs time the JIT's compilers spent meanwhile, summed over their threads; -1 if not known.
     */
    public record Outcome(long elapsedNs, int transfers, long compilationMs)
    {
    }

    private static final int PAGE_SIZE = 4096;
    private static final long SEED = 1;
    private static final long TIMEOUT_NS = TimeUnit.MINUTES.toNanos(2);
    /** Settled: a transfer during which the compilers worked less than this share of its time. */
    private static final double SETTLED_COMPILE_SHARE = 0.05;
    /** Between rounds, longer than the receiver needs to find a transfer quiet and verify ahead. */
    private static final long QUIET_MS = 20;
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
     * Migrate a generated image of this size, verify it, until the JIT settles or a number of transfers, and remove
     * everything.
     * <p>
     * A driver profile sets its values as system properties unless they are set (Aeron's contexts read them), so
     * the warm-up runs the serving engine's own profile, whose values that engine then finds, and removes every
     * Aeron property it added. Run on another profile, it left the loopback profile's 64 KiB MTU to a {@code lan}
     * engine on a 9000-byte link, whose fragmented datagrams then stalled a stripe at 100 Mbit/s.
     *
     * @param bytes        of the image, a whole number of pages.
     * @param maxTransfers transfers at most, whatever the JIT still does.
     * @param profile      the driver profile of the engine that will serve.
     * @return what it did.
     * @throws IOException           if its files cannot be made.
     * @throws IllegalStateException if a migration fails or its destination differs.
     */
    public static Outcome run(final long bytes, final int maxTransfers, final DriverProfile profile) throws IOException
    {
        final long startNs = System.nanoTime();
        final long compilationBeforeMs = compilationMs();
        final Set<String> propertiesBefore = new HashSet<>(System.getProperties().stringPropertyNames());
        final Path directory = Files.createTempDirectory("dwcp-warmup-");
        try
        {
            final Path image = directory.resolve("warmup.img");
            final MemoryImageGenerator generator = new MemoryImageGenerator(SEED, PageMix.DEFAULT, PAGE_SIZE);
            generateSparse(generator, image, directory.resolve("generated.img"), bytes);
            int transfers = 0;
            try (LocalMigration migration = new LocalMigration(directory.resolve("engines"), false, profile,
                EngineThreading.INVOKER, (context) -> {}, Throwable::printStackTrace);
                MappedImage guest = MappedImage.openReadWrite(image, PAGE_SIZE, bytes))
            {
                while (transfers < maxTransfers)
                {
                    final long transferStartNs = System.nanoTime();
                    final long compiledBeforeMs = compilationMs();
                    migrateOnce(migration, generator, guest, image, ++transfers);
                    final long transferMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - transferStartNs);
                    if (compiledBeforeMs < 0 || compilationMs() - compiledBeforeMs < transferMs * SETTLED_COMPILE_SHARE)
                    {
                        break;
                    }
                }
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while warming up", ex);
            }
            final long compilationAfterMs = compilationMs();
            return new Outcome(System.nanoTime() - startNs, transfers,
                compilationBeforeMs < 0 ? -1 : compilationAfterMs - compilationBeforeMs);
        }
        finally
        {
            IoUtil.delete(directory.toFile(), true);
            System.getProperties().stringPropertyNames().stream()
                .filter((name) -> name.startsWith("aeron.") && !propertiesBefore.contains(name))
                .forEach(System::clearProperty);
        }
    }

    /**
     * One transfer of the image in three rounds, the guest dirtying pages before the second and third, each round
     * followed by a quiet spell; checked byte for byte, its destination then removed.
     */
    private static void migrateOnce(
        final LocalMigration migration,
        final MemoryImageGenerator generator,
        final MappedImage guest,
        final Path image,
        final long transferId) throws IOException, InterruptedException
    {
        final long bytes = guest.pageCount() * PAGE_SIZE;
        final long pageCount = guest.pageCount();
        final Rounds rounds = new Rounds();
        try (EventAdapter events = migration.newEventAdapter(rounds))
        {
            migration.commands().startTransfer(transferId, "warmup", image.toString(), bytes, PAGE_SIZE, 0,
                migration.receiverEndpoint());
            migration.commands().pageRange(transferId, 0, 0, Math.toIntExact(pageCount));
            migration.commands().endOfRound(transferId, 0);
            for (int round = 1; round <= 2; round++)
            {
                final int completed = round;
                LocalMigration.pollUntil(events, () -> rounds.completed >= completed || null != rounds.failure,
                    TIMEOUT_NS);
                if (null != rounds.failure)
                {
                    throw new IllegalStateException("warm-up migration failed: " + rounds.failure);
                }
                Thread.sleep(QUIET_MS);
                // The guest dirties some of its pages, and they go again as deltas against what was acknowledged.
                final long[] dirty = new DirtyRound(DirtyModel.JVM, generator).apply(guest.segments(), pageCount,
                    SEED + transferId, round);
                migration.commands().pages(transferId, round, dirty, dirty.length);
                migration.commands().endOfRound(transferId, round);
            }
        }
        migration.commands().endOfTransfer(transferId);
        final LocalMigration.Outcome outcome = migration.awaitOutcome(transferId, NO_EVENTS, TIMEOUT_NS);
        if (!outcome.completed())
        {
            throw new IllegalStateException("warm-up migration failed: " + outcome.failure());
        }
        final Path destination = migration.destinationOf("warmup", transferId);
        final long difference = ImageComparison.firstDifference(image, destination);
        if (-1 != difference)
        {
            throw new IllegalStateException("warm-up migration's destination differs at byte " + difference);
        }
        Files.deleteIfExists(destination);
    }

    /**
     * Generate the image, then copy its pages that are not zero into a sparse file: the zero pages are holes, as the
     * pages a guest never touched are in its RAM file.
     */
    private static void generateSparse(
        final MemoryImageGenerator generator, final Path image, final Path generated, final long bytes)
        throws IOException
    {
        generator.generate(generated, bytes);
        try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw"))
        {
            file.setLength(bytes);
        }
        try (FileChannel from = FileChannel.open(generated, StandardOpenOption.READ);
            FileChannel to = FileChannel.open(image, StandardOpenOption.WRITE))
        {
            final ByteBuffer page = ByteBuffer.allocate(PAGE_SIZE);
            final UnsafeBuffer view = new UnsafeBuffer(page.array());
            for (long position = 0; position < bytes; position += PAGE_SIZE)
            {
                page.clear();
                while (page.hasRemaining() && from.read(page, position + page.position()) > 0)
                {
                    // Until the whole page is read.
                }
                if (!PageCodec.isZero(view, 0, PAGE_SIZE))
                {
                    page.flip();
                    while (page.hasRemaining())
                    {
                        to.write(page, position + page.position());
                    }
                }
            }
        }
        Files.delete(generated);
    }

    /** Time the JIT's compilers have spent since the JVM started, or -1 when the JVM does not say. */
    private static long compilationMs()
    {
        final CompilationMXBean compiler = ManagementFactory.getCompilationMXBean();
        return null != compiler && compiler.isCompilationTimeMonitoringSupported() ?
            compiler.getTotalCompilationTime() : -1;
    }
}
