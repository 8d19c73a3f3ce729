package io.dwcp.perf;

import io.dwcp.codecs.agent.RoundCompletedDecoder;
import io.dwcp.driver.DriverProfile;
import io.dwcp.engine.memory.ImageComparison;
import io.dwcp.engine.memory.MappedImage;
import io.dwcp.engine.queue.EngineEventListener;
import io.dwcp.engine.queue.EventAdapter;
import io.dwcp.engine.runtime.EngineThreading;
import io.dwcp.engine.runtime.LocalMigration;
import org.HdrHistogram.Histogram;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The engine side of the {@link LatencyHarness}: two engines over UDP loopback, each one thread with an embedded
 * driver. After a full round 0, each batch is one pre-copy round (a page batch and an end of round) submitted
 * through the real command queue at its intended time, after the guest wrote a few words into each of its pages so
 * they travel as deltas. A batch's latency runs from its intended send time to the receiver's timestamp on the
 * acknowledgement that covered its last page, carried back in the {@code RoundCompleted} event. At the end the
 * destination is checked byte for byte against the guest.
 * <p>
 * Not thread safe: run it on one thread, which also polls the events and so receives {@link #onRoundCompleted}.
 */
final class EngineLatency implements EngineEventListener
{
    private static final long TRANSFER_ID = 1;
    private static final int PAGE_SIZE = LatencyHarness.PAGE_SIZE;

    private final LatencyHarness.Settings settings;
    private final long pageCount;
    private final long[] pages;
    private final BatchPages batchPages;
    private int nextRound = 1;
    private int firstRoundOfCell;
    private LatencySchedule schedule;
    private Histogram histogram;
    private int roundsCompleted;
    private long missingTimestamps;

    private EngineLatency(final LatencyHarness.Settings settings)
    {
        this.settings = settings;
        this.pageCount = settings.imageSize() / PAGE_SIZE;
        this.pages = new long[Arrays.stream(settings.batches()).max().orElseThrow()];
        this.batchPages = new BatchPages(settings.seed());
    }

    /**
     * Measure every batch size at every rate through the engine.
     *
     * @param settings  of the run.
     * @param directory scratch directory for the engines.
     * @param image     the guest's image, written to as the guest would.
     * @param profile   driver profile of both engines.
     * @param out       where each cell's summary is printed.
     * @return one cell per batch size and rate.
     * @throws Exception if the engines fail, or the destination differs from the guest.
     */
    static List<LatencyCell> measure(
        final LatencyHarness.Settings settings, final Path directory, final Path image, final DriverProfile profile,
        final PrintStream out) throws Exception
    {
        return new EngineLatency(settings).run(directory, image, profile, out);
    }

    /**
     * Record the latency of the batch a completed round carried, if it is one of the current cell's.
     *
     * @param event as the sender reported it.
     */
    @Override
    public void onRoundCompleted(final RoundCompletedDecoder event)
    {
        roundsCompleted++;
        final int index = event.round() - firstRoundOfCell;
        if (null != schedule && index >= 0)
        {
            if (0 == event.appliedTimestampNs())
            {
                missingTimestamps++;
            }
            else
            {
                schedule.record(histogram, index, event.appliedTimestampNs());
            }
        }
    }

    private List<LatencyCell> run(
        final Path directory, final Path image, final DriverProfile profile, final PrintStream out) throws Exception
    {
        final List<LatencyCell> cells = new ArrayList<>();
        try (LocalMigration migration = new LocalMigration(directory.resolve("engines"), false, profile,
            EngineThreading.INVOKER, (context) -> {}, Throwable::printStackTrace);
            EventAdapter events = migration.newEventAdapter(this);
            MappedImage guest = MappedImage.openReadWrite(image, PAGE_SIZE, settings.imageSize()))
        {
            migration.startTransfer(TRANSFER_ID, "latency-vm", image, PAGE_SIZE, 0);
            migration.commands().pageRange(TRANSFER_ID, 0, 0, (int)pageCount);
            migration.commands().endOfRound(TRANSFER_ID, 0);
            LocalMigration.pollUntil(events, () -> roundsCompleted >= 1, TimeUnit.MINUTES.toNanos(5));

            final IdleStrategy idle = LatencyHarness.idleStrategy();
            for (final int batch : settings.batches())
            {
                for (final long rate : settings.rates())
                {
                    final LatencyCell cell = measureCell(migration, events, guest, idle, batch, rate);
                    cells.add(cell);
                    out.println(cell.summary());
                }
            }

            migration.commands().endOfTransfer(TRANSFER_ID);
            final LocalMigration.Outcome outcome =
                migration.awaitOutcome(TRANSFER_ID, new EngineEventListener() {}, TimeUnit.MINUTES.toNanos(5));
            if (!outcome.completed())
            {
                throw new IllegalStateException("engine transfer failed: " + outcome.failure());
            }
            final long difference = ImageComparison.firstDifference(image, migration.destinationOf("latency-vm",
                TRANSFER_ID));
            if (difference >= 0)
            {
                throw new IllegalStateException("destination differs from the guest at byte " + difference);
            }
            if (missingTimestamps > 0)
            {
                throw new IllegalStateException(missingTimestamps + " rounds completed without an applied time");
            }
            out.println("engine: destination verified byte for byte, digest " + Long.toHexString(outcome.digest()));
        }
        return cells;
    }

    /** One cell: a batch per round at fixed intended times, then wait until every round has completed. */
    private LatencyCell measureCell(
        final LocalMigration migration,
        final EventAdapter events,
        final MappedImage guest,
        final IdleStrategy idle,
        final int batch,
        final long rate) throws InterruptedException
    {
        histogram = new Histogram(LatencySchedule.HIGHEST_TRACKABLE_NS, 3);
        firstRoundOfCell = nextRound;
        schedule = new LatencySchedule(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20), batch, rate,
            settings.warmupNs(), settings.durationNs());
        final int expectedRounds = roundsCompleted + schedule.count();
        while (schedule.hasNext())
        {
            int work = events.poll(64);
            if (System.nanoTime() - schedule.nextIntendedNs() >= 0)
            {
                schedule.take();
                dirty(guest, batch, nextRound);
                migration.commands().pages(TRANSFER_ID, nextRound, pages, batch);
                migration.commands().endOfRound(TRANSFER_ID, nextRound);
                nextRound++;
                work++;
            }
            idle.idle(work);
        }
        LocalMigration.pollUntil(events, () -> roundsCompleted >= expectedRounds, TimeUnit.MINUTES.toNanos(5));
        schedule = null;
        return new LatencyCell("engine", batch, rate, histogram);
    }

    /** The guest writes a few words into each page of the next batch; the pages are spread through the image. */
    private void dirty(final MappedImage guest, final int batch, final int round)
    {
        final long x = batchPages.nextRandom();
        final long base = Math.floorMod(x, pageCount);
        for (int i = 0; i < batch; i++)
        {
            final long page = BatchPages.page(base, i, pageCount);
            pages[i] = page;
            final UnsafeBuffer segment = guest.segmentOf(page);
            final int offset = guest.offsetOf(page);
            for (int word = 0; word < 8; word++)
            {
                final int at = (int)(((x >>> (word * 8)) & 0x1FF) * 8) % PAGE_SIZE;
                segment.putLong(offset + at, round * 0x9E3779B97F4A7C15L + word);
            }
        }
    }
}
