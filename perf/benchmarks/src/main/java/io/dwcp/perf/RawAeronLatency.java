package io.dwcp.perf;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.FragmentAssembler;
import io.aeron.Subscription;
import io.aeron.driver.ThreadingMode;
import io.aeron.logbuffer.FragmentHandler;
import io.dwcp.driver.AeronDirectories;
import io.dwcp.driver.DriverProfile;
import io.dwcp.driver.EmbeddedDriver;
import io.dwcp.engine.runtime.LocalMigration;
import io.dwcp.engine.transport.Channels;
import org.HdrHistogram.Histogram;
import org.agrona.CloseHelper;
import org.agrona.IoUtil;
import org.agrona.concurrent.AgentInvoker;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The raw Aeron side of the {@link LatencyHarness}: the same driver profile and threading as the engines, ping and
 * pong each on one thread with an embedded driver. The ping side sends each batch's pages, read from the image, as
 * one message at its intended time; the pong side answers with the batch's index and its receive time. A batch's
 * latency runs from its intended send time to that receipt at the far end, as for the engine.
 * <p>
 * Not thread safe: {@link #measure} runs the ping side on the caller's thread and starts, then stops and joins, the
 * pong thread itself; the two share only the publications and the running flag.
 */
final class RawAeronLatency
{
    private static final int PAGE_SIZE = LatencyHarness.PAGE_SIZE;
    private static final int PING_STREAM_ID = 1201;
    private static final int PONG_STREAM_ID = 1202;

    private final LatencyHarness.Settings settings;
    private final long pageCount;
    private final BatchPages batchPages;
    private final IdleStrategy idle = LatencyHarness.idleStrategy();
    private final AgentInvoker driver;
    private final AgentInvoker client;
    private final ExclusivePublication ping;
    private final Subscription pongs;
    private final UnsafeBuffer message;

    private RawAeronLatency(
        final LatencyHarness.Settings settings,
        final EmbeddedDriver pingDriver,
        final Aeron pingAeron,
        final ExclusivePublication ping,
        final Subscription pongs)
    {
        this.settings = settings;
        this.pageCount = settings.imageSize() / PAGE_SIZE;
        this.batchPages = new BatchPages(settings.seed());
        this.driver = pingDriver.invoker();
        this.client = pingAeron.conductorAgentInvoker();
        this.ping = ping;
        this.pongs = pongs;
        final int maxBatch = Arrays.stream(settings.batches()).max().orElseThrow();
        this.message = new UnsafeBuffer(ByteBuffer.allocateDirect(maxBatch * PAGE_SIZE));
    }

    /**
     * Measure every batch size at every rate over raw Aeron.
     *
     * @param settings of the run.
     * @param image    the image the batches' pages are read from.
     * @param profile  driver profile of both drivers.
     * @param out      where each cell's summary is printed.
     * @return one cell per batch size and rate.
     * @throws Exception if a driver fails, or the pongs stop arriving.
     */
    static List<LatencyCell> measure(
        final LatencyHarness.Settings settings, final Path image, final DriverProfile profile, final PrintStream out)
        throws Exception
    {
        final List<LatencyCell> cells = new ArrayList<>();
        final String pingEndpoint = "localhost:" + LocalMigration.freeUdpPort();
        final String pongEndpoint = "localhost:" + LocalMigration.freeUdpPort();
        final EmbeddedDriver pingDriver = EmbeddedDriver.launch(AeronDirectories.forEmbeddedDriver("latency-ping"),
            profile, ThreadingMode.INVOKER, Throwable::printStackTrace);
        final EmbeddedDriver pongDriver = EmbeddedDriver.launch(AeronDirectories.forEmbeddedDriver("latency-pong"),
            profile, ThreadingMode.INVOKER, Throwable::printStackTrace);
        final Aeron pingAeron = connect(pingDriver);
        final Aeron pongAeron = connect(pongDriver);
        final AtomicBoolean isRunning = new AtomicBoolean(true);
        Thread pongThread = null;
        try
        {
            final ExclusivePublication ping =
                pingAeron.addExclusivePublication(Channels.channelFor(pingEndpoint), PING_STREAM_ID);
            final Subscription pongs = pingAeron.addSubscription(Channels.channelFor(pongEndpoint), PONG_STREAM_ID);
            final Subscription pings = pongAeron.addSubscription(Channels.channelFor(pingEndpoint), PING_STREAM_ID);
            final ExclusivePublication pong =
                pongAeron.addExclusivePublication(Channels.channelFor(pongEndpoint), PONG_STREAM_ID);

            pongThread = new Thread(() -> echoPings(pongDriver, pongAeron, pings, pong, isRunning), "latency-pong");
            pongThread.start();

            final RawAeronLatency latency = new RawAeronLatency(settings, pingDriver, pingAeron, ping, pongs);
            latency.awaitConnected(pong);
            latency.measureCells(image, cells, out);
        }
        finally
        {
            isRunning.set(false);
            if (null != pongThread)
            {
                pongThread.join(TimeUnit.SECONDS.toMillis(10));
            }
            CloseHelper.closeAll(pingAeron, pongAeron, pingDriver, pongDriver);
        }
        return cells;
    }

    private void awaitConnected(final ExclusivePublication pong)
    {
        while (!ping.isConnected() || !pong.isConnected())
        {
            idle.idle(driver.invoke() + client.invoke());
        }
    }

    private void measureCells(final Path image, final List<LatencyCell> cells, final PrintStream out)
    {
        final MappedByteBuffer mapped = IoUtil.mapExistingFile(image.toFile(), "image");
        final UnsafeBuffer imageBuffer = new UnsafeBuffer(mapped);
        try
        {
            for (final int batch : settings.batches())
            {
                for (final long rate : settings.rates())
                {
                    final LatencyCell cell = measureCell(imageBuffer, batch, rate);
                    cells.add(cell);
                    out.println(cell.summary());
                }
            }
        }
        finally
        {
            IoUtil.unmap(mapped);
        }
    }

    /** One cell: a message per batch at fixed intended times, then wait for every pong. */
    private LatencyCell measureCell(final UnsafeBuffer imageBuffer, final int batch, final long rate)
    {
        final Histogram histogram = new Histogram(LatencySchedule.HIGHEST_TRACKABLE_NS, 3);
        final LatencySchedule schedule = new LatencySchedule(
            System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20), batch, rate, settings.warmupNs(),
            settings.durationNs());
        final int[] replies = { 0 };
        final FragmentHandler onPong = (buffer, offset, length, header) ->
        {
            schedule.record(histogram, (int)buffer.getLong(offset), buffer.getLong(offset + 8));
            replies[0]++;
        };
        while (schedule.hasNext())
        {
            int work = driver.invoke() + client.invoke() + pongs.poll(onPong, 16);
            if (System.nanoTime() - schedule.nextIntendedNs() >= 0)
            {
                final int index = schedule.take();
                copyPages(imageBuffer, batch);
                message.putLong(0, index);
                while (ping.offer(message, 0, batch * PAGE_SIZE) < 0)
                {
                    driver.invoke();
                    client.invoke();
                    pongs.poll(onPong, 16);
                }
                work++;
            }
            idle.idle(work);
        }
        final long deadlineNs = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (replies[0] < schedule.count())
        {
            if (System.nanoTime() - deadlineNs > 0)
            {
                throw new IllegalStateException("raw Aeron: " + replies[0] + " of " +
                    schedule.count() + " pongs arrived");
            }
            idle.idle(driver.invoke() + client.invoke() + pongs.poll(onPong, 16));
        }
        return new LatencyCell("raw Aeron", batch, rate, histogram);
    }

    /** The same pages the engine would read: spread through the image, copied into the message. */
    private void copyPages(final UnsafeBuffer imageBuffer, final int batch)
    {
        final long base = Math.floorMod(batchPages.nextRandom(), pageCount);
        for (int i = 0; i < batch; i++)
        {
            final long page = BatchPages.page(base, i, pageCount);
            message.putBytes(i * PAGE_SIZE, imageBuffer, (int)(page * PAGE_SIZE), PAGE_SIZE);
        }
    }

    /**
     * The pong side, on its own thread: answer each ping with its index and the time it arrived, until
     * {@code isRunning} is cleared.
     */
    private static void echoPings(
        final EmbeddedDriver pongDriver,
        final Aeron pongAeron,
        final Subscription pings,
        final ExclusivePublication pong,
        final AtomicBoolean isRunning)
    {
        final IdleStrategy idle = LatencyHarness.idleStrategy();
        final AgentInvoker driver = pongDriver.invoker();
        final AgentInvoker client = pongAeron.conductorAgentInvoker();
        final UnsafeBuffer reply = new UnsafeBuffer(ByteBuffer.allocateDirect(16));
        final FragmentAssembler assembler = new FragmentAssembler((buffer, offset, length, header) ->
        {
            reply.putLong(0, buffer.getLong(offset));
            reply.putLong(8, System.nanoTime());
            while (pong.offer(reply, 0, 16) < 0 && isRunning.get())
            {
                driver.invoke();
                client.invoke();
            }
        });
        while (isRunning.get())
        {
            idle.idle(driver.invoke() + client.invoke() + pings.poll(assembler, 16));
        }
    }

    private static Aeron connect(final EmbeddedDriver driver)
    {
        return Aeron.connect(new Aeron.Context()
            .aeronDirectoryName(driver.aeronDirectoryName())
            .useConductorAgentInvoker(true)
            .driverAgentInvoker(driver.invoker()));
    }
}
