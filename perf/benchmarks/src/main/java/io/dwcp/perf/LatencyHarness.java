package io.dwcp.perf;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.FragmentAssembler;
import io.aeron.Subscription;
import io.aeron.driver.ThreadingMode;
import io.dwcp.codecs.agent.RoundCompletedDecoder;
import io.dwcp.driver.AeronDirectories;
import io.dwcp.driver.DriverProfile;
import io.dwcp.driver.EmbeddedDriver;
import io.dwcp.engine.cli.Sizes;
import io.dwcp.engine.config.EngineConfiguration;
import io.dwcp.engine.memory.ImageComparison;
import io.dwcp.engine.memory.MappedImage;
import io.dwcp.engine.queue.EngineEventListener;
import io.dwcp.engine.queue.EventAdapter;
import io.dwcp.engine.runtime.EngineThreading;
import io.dwcp.engine.runtime.LocalMigration;
import io.dwcp.engine.transport.Channels;
import io.dwcp.images.MemoryImageGenerator;
import io.dwcp.images.PageMix;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;
import org.HdrHistogram.HistogramLogWriter;
import org.agrona.CloseHelper;
import org.agrona.IoUtil;
import org.agrona.concurrent.AgentInvoker;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Latency of small and large batches of dirty pages, engine against raw Aeron, in one run.
 * <pre>
 * perf/bench LatencyHarness [--batches 1,16,256] [--rates 2000,10000,25000] [--duration 5] [--warmup 1]
 *                           [--image 64m] [--seed 42] [--out DIR]
 * </pre>
 * <b>Engine.</b> Two engines over UDP loopback, each one thread with an embedded driver (the default layout).
 * The harness plays the agent: after a full round 0 it submits each batch as one pre-copy round (a page batch and
 * an end of round) through the real command queue, at a fixed rate in pages per second. Before a batch goes it
 * writes a few words into each of its pages, as a guest would, so they travel as deltas. Each batch has an intended
 * send time on a fixed schedule; its latency is from that time to the receiver's timestamp on the acknowledgement
 * that covered its last page, carried back in the {@code RoundCompleted} event. A stalled engine therefore delays
 * every batch scheduled behind it, and the histogram shows it: coordinated omission cannot hide the stall. Both
 * engines run on this host and read the same monotonic clock.
 * <p>
 * <b>Raw Aeron.</b> The same driver profile and threading, ping and pong each on one thread with an embedded
 * driver: the ping side sends each batch's bytes as one message at the same intended times, and the pong side
 * answers with its receive time. The latency is the same span: intended send time to receipt at the far end.
 * <p>
 * Writes {@code latency.hlog} (every histogram, tagged), {@code latency.md} (percentiles) and {@code latency.png}
 * (percentile distributions, one panel per batch size) into the output directory.
 */
public final class LatencyHarness
{
    private static final int PAGE_SIZE = 4096;
    private static final int PING_STREAM_ID = 1201;
    private static final int PONG_STREAM_ID = 1202;
    private static final long HIGHEST_TRACKABLE_NS = TimeUnit.SECONDS.toNanos(120);
    private static final long MAX_BATCHES_PER_SECOND = 100_000;
    private static final long TRANSFER_ID = 1;
    private static final long STRIDE = 4099;

    /**
     * What to run.
     *
     * @param batches            pages per batch.
     * @param rates              pages per second.
     * @param durationNs         measured time per cell.
     * @param warmupNs           unmeasured time before it.
     * @param imageSize          bytes of the generated image.
     * @param seed               of the image and of the page choice.
     * @param outputDirectory    where the files go.
     */
    record Settings(
        int[] batches, long[] rates, long durationNs, long warmupNs, long imageSize, long seed, Path outputDirectory)
    {
    }

    /**
     * One measured cell.
     *
     * @param system    "engine" or "raw Aeron".
     * @param batch     pages per batch.
     * @param rate      pages per second.
     * @param histogram latencies in nanoseconds.
     */
    record Cell(String system, int batch, long rate, Histogram histogram)
    {
        String tag()
        {
            return (system.startsWith("engine") ? "engine" : "aeron") + "-batch" + batch + "-rate" + rate;
        }

        String summary()
        {
            return String.format(Locale.ROOT, "%-9s batch %3d rate %6d pages/s: p50 %8.1f us  p99 %8.1f us  " +
                "max %9.1f us (%d batches)", system, batch, rate, histogram.getValueAtPercentile(50) / 1e3,
                histogram.getValueAtPercentile(99) / 1e3, histogram.getMaxValue() / 1e3, histogram.getTotalCount());
        }
    }

    private LatencyHarness()
    {
    }

    /**
     * Run the harness.
     *
     * @param args see the class description.
     * @throws Exception if a run fails.
     */
    public static void main(final String[] args) throws Exception
    {
        final Settings settings;
        try
        {
            settings = parse(args);
        }
        catch (final IllegalArgumentException ex)
        {
            System.err.println("LatencyHarness: " + ex.getMessage());
            System.exit(2);
            return;
        }
        run(settings, System.out);
    }

    /**
     * Read and check the arguments.
     *
     * @param args command line.
     * @return the settings.
     * @throws IllegalArgumentException naming the argument that cannot work, and why.
     */
    static Settings parse(final String[] args)
    {
        int[] batches = { 1, 16, 256 };
        long[] rates = { 2_000, 10_000, 25_000 };
        double durationSeconds = 5;
        double warmupSeconds = 1;
        long imageSize = 64L << 20;
        long seed = 42;
        Path output = Path.of("latency-results");
        for (int i = 0; i < args.length; i++)
        {
            final String name = args[i];
            if (i + 1 >= args.length)
            {
                throw new IllegalArgumentException(name + " needs a value");
            }
            final String value = args[++i];
            try
            {
                switch (name)
                {
                    case "--batches" -> batches = Arrays.stream(value.split(",")).mapToInt(Integer::parseInt).toArray();
                    case "--rates" -> rates = Arrays.stream(value.split(",")).mapToLong(Long::parseLong).toArray();
                    case "--duration" -> durationSeconds = Double.parseDouble(value);
                    case "--warmup" -> warmupSeconds = Double.parseDouble(value);
                    case "--image" -> imageSize = Sizes.parse(value);
                    case "--seed" -> seed = Long.parseLong(value);
                    case "--out" -> output = Path.of(value);
                    default -> throw new IllegalArgumentException("unknown argument " + name +
                        "; expected --batches, --rates, --duration, --warmup, --image, --seed or --out");
                }
            }
            catch (final NumberFormatException ex)
            {
                throw new IllegalArgumentException(name + " " + value + " is not a number or list of numbers");
            }
        }

        if (imageSize <= 0 || imageSize % PAGE_SIZE != 0 || imageSize > Integer.MAX_VALUE)
        {
            throw new IllegalArgumentException("--image " + imageSize + " must be a positive whole number of " +
                PAGE_SIZE + "-byte pages, at most 2 GiB");
        }
        final long pageCount = imageSize / PAGE_SIZE;
        if (0 == batches.length || 0 == rates.length)
        {
            throw new IllegalArgumentException("--batches and --rates need at least one value each");
        }
        if (!(durationSeconds > 0) || !(warmupSeconds >= 0) || durationSeconds > 3600 || warmupSeconds > 3600)
        {
            throw new IllegalArgumentException("--duration must be above 0 and --warmup at least 0, both at most " +
                "3600 seconds: " + durationSeconds + ", " + warmupSeconds);
        }
        for (final int batch : batches)
        {
            if (batch <= 0 || batch > pageCount)
            {
                throw new IllegalArgumentException("batch of " + batch + " pages cannot be taken from an image of " +
                    pageCount + " pages");
            }
            if ((long)batch * PAGE_SIZE > 1024 * 1024)
            {
                throw new IllegalArgumentException("batch of " + batch + " pages is over 1 MiB, the largest message " +
                    "the raw Aeron comparison sends with the loopback profile's 16 MiB terms");
            }
            for (final long rate : rates)
            {
                if (rate <= 0)
                {
                    throw new IllegalArgumentException("rate " + rate + " pages/s must be positive");
                }
                if (rate < batch && rate * durationSeconds < batch)
                {
                    throw new IllegalArgumentException("rate " + rate + " pages/s sends less than one batch of " +
                        batch + " pages in " + durationSeconds + " s");
                }
                if (rate / batch > MAX_BATCHES_PER_SECOND)
                {
                    throw new IllegalArgumentException("rate " + rate + " pages/s in batches of " + batch + " is " +
                        (rate / batch) + " batches/s, over the " + MAX_BATCHES_PER_SECOND + " this harness can " +
                        "schedule");
                }
            }
        }
        return new Settings(batches, rates, (long)(durationSeconds * 1e9), (long)(warmupSeconds * 1e9), imageSize,
            seed, output);
    }

    static void run(final Settings settings, final PrintStream out) throws Exception
    {
        Files.createDirectories(settings.outputDirectory());
        final Path directory = Files.createTempDirectory("dwcp-latency-");
        final DriverProfile profile = DriverProfile.load("loopback");
        final List<Cell> cells = new ArrayList<>();
        try
        {
            final Path image = directory.resolve("source.img");
            new MemoryImageGenerator(settings.seed(), PageMix.DEFAULT, PAGE_SIZE).generate(image, settings.imageSize());
            out.printf(Locale.ROOT, "latency: %d MiB image, batches %s pages, rates %s pages/s, %.1f s per cell " +
                "after %.1f s warm-up%n", settings.imageSize() >> 20, Arrays.toString(settings.batches()),
                Arrays.toString(settings.rates()), settings.durationNs() / 1e9, settings.warmupNs() / 1e9);

            cells.addAll(engine(settings, directory, image, profile, out));
            cells.addAll(rawAeron(settings, image, profile, out));
        }
        finally
        {
            IoUtil.delete(directory.toFile(), true);
        }

        writeLog(settings.outputDirectory().resolve("latency.hlog"), cells);
        final String table = table(cells);
        Files.writeString(settings.outputDirectory().resolve("latency.md"), table);
        chart(settings, cells, settings.outputDirectory().resolve("latency.png"));
        out.println();
        out.print(table);
        out.println("wrote latency.hlog, latency.md and latency.png to " + settings.outputDirectory());
    }

    /** Schedules batches at fixed intervals and remembers each one's intended send time. */
    private static final class Schedule
    {
        private final long startNs;
        private final long intervalNs;
        private final long warmupNs;
        private final long[] intendedNs;
        private int next;

        Schedule(final long startNs, final int batch, final long rate, final long warmupNs, final long durationNs)
        {
            this.startNs = startNs;
            this.intervalNs = Math.max(1, (long)(batch * 1e9 / rate));
            this.warmupNs = warmupNs;
            intendedNs = new long[(int)Math.max(1, (warmupNs + durationNs) / intervalNs)];
        }

        boolean hasNext()
        {
            return next < intendedNs.length;
        }

        long nextIntendedNs()
        {
            return startNs + next * intervalNs;
        }

        int take()
        {
            intendedNs[next] = nextIntendedNs();
            return next++;
        }

        int count()
        {
            return intendedNs.length;
        }

        void record(final Histogram histogram, final int index, final long arrivedNs)
        {
            final long intended = intendedNs[index];
            if (intended - startNs >= warmupNs)
            {
                histogram.recordValue(Math.min(HIGHEST_TRACKABLE_NS, Math.max(0, arrivedNs - intended)));
            }
        }
    }

    private static IdleStrategy idleStrategy()
    {
        // The engine's own idle strategy, for the harness threads of both systems.
        return new BackoffIdleStrategy(10, 20, TimeUnit.MICROSECONDS.toNanos(1), EngineConfiguration.idleMaxParkNs());
    }

    private static List<Cell> engine(
        final Settings settings, final Path directory, final Path image, final DriverProfile profile,
        final PrintStream out) throws Exception
    {
        final List<Cell> cells = new ArrayList<>();
        final long pageCount = settings.imageSize() / PAGE_SIZE;
        final long[] pages = new long[Arrays.stream(settings.batches()).max().orElseThrow()];
        final long[] random = { settings.seed() | 1 };
        final int[] firstRoundOfCell = { 0 };
        final Schedule[] schedule = new Schedule[1];
        final Histogram[] histogram = new Histogram[1];
        final int[] roundsCompleted = { 0 };
        final long[] missingTimestamps = { 0 };

        final EngineEventListener listener = new EngineEventListener()
        {
            public void onRoundCompleted(final RoundCompletedDecoder event)
            {
                roundsCompleted[0]++;
                final int index = event.round() - firstRoundOfCell[0];
                if (null != schedule[0] && index >= 0)
                {
                    if (0 == event.appliedTimestampNs())
                    {
                        missingTimestamps[0]++;
                    }
                    else
                    {
                        schedule[0].record(histogram[0], index, event.appliedTimestampNs());
                    }
                }
            }
        };

        try (LocalMigration migration = new LocalMigration(directory.resolve("engines"), false, profile,
            EngineThreading.INVOKER, (context) -> {}, Throwable::printStackTrace);
            EventAdapter events = migration.newEventAdapter(listener);
            MappedImage guest = MappedImage.openReadWrite(image, PAGE_SIZE, settings.imageSize()))
        {
            migration.startTransfer(TRANSFER_ID, "latency-vm", image, PAGE_SIZE, 0);
            migration.commands().pageRange(TRANSFER_ID, 0, 0, (int)pageCount);
            migration.commands().endOfRound(TRANSFER_ID, 0);
            LocalMigration.pollUntil(events, () -> roundsCompleted[0] >= 1, TimeUnit.MINUTES.toNanos(5));

            int round = 1;
            final IdleStrategy idle = idleStrategy();
            for (final int batch : settings.batches())
            {
                for (final long rate : settings.rates())
                {
                    histogram[0] = new Histogram(HIGHEST_TRACKABLE_NS, 3);
                    firstRoundOfCell[0] = round;
                    schedule[0] = new Schedule(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20), batch, rate,
                        settings.warmupNs(), settings.durationNs());
                    final int expectedRounds = roundsCompleted[0] + schedule[0].count();
                    while (schedule[0].hasNext())
                    {
                        int work = events.poll(64);
                        if (System.nanoTime() - schedule[0].nextIntendedNs() >= 0)
                        {
                            schedule[0].take();
                            dirty(guest, pages, batch, pageCount, random, round);
                            migration.commands().pages(TRANSFER_ID, round, pages, batch);
                            migration.commands().endOfRound(TRANSFER_ID, round);
                            round++;
                            work++;
                        }
                        idle.idle(work);
                    }
                    LocalMigration.pollUntil(events, () -> roundsCompleted[0] >= expectedRounds,
                        TimeUnit.MINUTES.toNanos(5));
                    schedule[0] = null;
                    final Cell cell = new Cell("engine", batch, rate, histogram[0]);
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
            if (missingTimestamps[0] > 0)
            {
                throw new IllegalStateException(missingTimestamps[0] + " rounds completed without an applied time");
            }
            out.println("engine: destination verified byte for byte, digest " + Long.toHexString(outcome.digest()));
        }
        return cells;
    }

    /** The guest writes a few words into each page of the next batch; the pages are spread through the image. */
    private static void dirty(
        final MappedImage guest, final long[] pages, final int batch, final long pageCount, final long[] random,
        final int round)
    {
        final long x = nextRandom(random);
        final long base = Math.floorMod(x, pageCount);
        for (int i = 0; i < batch; i++)
        {
            final long page = (base + i * STRIDE) % pageCount;
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

    private static List<Cell> rawAeron(
        final Settings settings, final Path image, final DriverProfile profile, final PrintStream out)
        throws Exception
    {
        final List<Cell> cells = new ArrayList<>();
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

            final IdleStrategy idle = idleStrategy();
            final AgentInvoker driver = pingDriver.invoker();
            final AgentInvoker client = pingAeron.conductorAgentInvoker();
            while (!ping.isConnected() || !pong.isConnected())
            {
                idle.idle(driver.invoke() + client.invoke());
            }

            final int maxBatch = Arrays.stream(settings.batches()).max().orElseThrow();
            final UnsafeBuffer message = new UnsafeBuffer(ByteBuffer.allocateDirect(maxBatch * PAGE_SIZE));
            final java.nio.MappedByteBuffer mapped = IoUtil.mapExistingFile(image.toFile(), "image");
            final UnsafeBuffer imageBuffer = new UnsafeBuffer(mapped);
            final long pageCount = settings.imageSize() / PAGE_SIZE;
            final long[] random = { settings.seed() | 1 };
            try
            {
                for (final int batch : settings.batches())
                {
                    for (final long rate : settings.rates())
                    {
                        final Histogram histogram = new Histogram(HIGHEST_TRACKABLE_NS, 3);
                        final Schedule schedule = new Schedule(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20),
                            batch, rate, settings.warmupNs(), settings.durationNs());
                        final int[] replies = { 0 };
                        final io.aeron.logbuffer.FragmentHandler onPong = (buffer, offset, length, header) ->
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
                                copyPages(imageBuffer, message, batch, pageCount, random);
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
                        final Cell cell = new Cell("raw Aeron", batch, rate, histogram);
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

    /**
     * The pong side of {@link #rawAeron}, on its own thread: answer each ping with its index and the time it arrived,
     * until {@code isRunning} is cleared.
     */
    private static void echoPings(
        final EmbeddedDriver pongDriver,
        final Aeron pongAeron,
        final Subscription pings,
        final ExclusivePublication pong,
        final AtomicBoolean isRunning)
    {
        final IdleStrategy idle = idleStrategy();
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

    /** Xorshift step: both systems draw the same sequence of batch positions from the same seed. */
    private static long nextRandom(final long[] random)
    {
        long x = random[0];
        x ^= x << 13;
        x ^= x >>> 7;
        x ^= x << 17;
        random[0] = x;
        return x;
    }

    /** The same pages the engine would read: spread through the image, copied into the message. */
    private static void copyPages(
        final UnsafeBuffer image, final UnsafeBuffer message, final int batch, final long pageCount,
        final long[] random)
    {
        final long base = Math.floorMod(nextRandom(random), pageCount);
        for (int i = 0; i < batch; i++)
        {
            final long page = (base + i * STRIDE) % pageCount;
            message.putBytes(i * PAGE_SIZE, image, (int)(page * PAGE_SIZE), PAGE_SIZE);
        }
    }

    private static Aeron connect(final EmbeddedDriver driver)
    {
        return Aeron.connect(new Aeron.Context()
            .aeronDirectoryName(driver.aeronDirectoryName())
            .useConductorAgentInvoker(true)
            .driverAgentInvoker(driver.invoker()));
    }

    private static void writeLog(final Path file, final List<Cell> cells) throws IOException
    {
        try (PrintStream stream = new PrintStream(Files.newOutputStream(file), false, "UTF-8"))
        {
            final HistogramLogWriter writer = new HistogramLogWriter(stream);
            writer.outputComment("DWCP latency harness: intended send time to applied at the receiver, ns");
            writer.outputLogFormatVersion();
            writer.outputStartTime(System.currentTimeMillis());
            writer.outputLegend();
            for (final Cell cell : cells)
            {
                final Histogram histogram = cell.histogram();
                histogram.setTag(cell.tag());
                histogram.setStartTimeStamp(0);
                histogram.setEndTimeStamp(1);
                writer.outputIntervalHistogram(histogram);
            }
        }
    }

    static String table(final List<Cell> cells)
    {
        final StringBuilder text = new StringBuilder();
        text.append("| batch (pages) | rate (pages/s) | system | p50 µs | p99 µs | p99.9 µs | p99.99 µs | max µs | " +
            "batches |\n");
        text.append("| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for (final Cell cell : cells.stream()
            .sorted(java.util.Comparator.comparingInt(Cell::batch).thenComparingLong(Cell::rate)
                .thenComparing(Cell::system, java.util.Comparator.reverseOrder()))
            .toList())
        {
            final Histogram h = cell.histogram();
            text.append(String.format(Locale.ROOT, "| %d | %d | %s | %.1f | %.1f | %.1f | %.1f | %.1f | %d |%n",
                cell.batch(), cell.rate(), cell.system(), h.getValueAtPercentile(50) / 1e3,
                h.getValueAtPercentile(99) / 1e3, h.getValueAtPercentile(99.9) / 1e3,
                h.getValueAtPercentile(99.99) / 1e3, h.getMaxValue() / 1e3, h.getTotalCount()));
        }
        return text.toString();
    }

    private static void chart(final Settings settings, final List<Cell> cells, final Path file) throws IOException
    {
        System.setProperty("java.awt.headless", "true");
        final List<XYChart> charts = new ArrayList<>();
        for (final int batch : settings.batches())
        {
            final XYChart chart = new XYChartBuilder().width(640).height(480)
                .title("batch of " + batch + (1 == batch ? " page" : " pages"))
                .xAxisTitle("percentile, in nines: 1 = 90%, 2 = 99%, 3 = 99.9%, 4 = 99.99%")
                .yAxisTitle("latency (µs)").build();
            final org.knowm.xchart.style.XYStyler styler = chart.getStyler();
            styler.setYAxisLogarithmic(true);
            styler.setLegendPosition(Styler.LegendPosition.InsideNW);
            styler.setMarkerSize(0);
            for (final Cell cell : cells)
            {
                if (cell.batch() != batch || 0 == cell.histogram().getTotalCount())
                {
                    continue;
                }
                final List<Double> xs = new ArrayList<>();
                final List<Double> ys = new ArrayList<>();
                for (final HistogramIterationValue value : cell.histogram().percentiles(5))
                {
                    final double percentile = value.getPercentileLevelIteratedTo();
                    if (percentile >= 100.0)
                    {
                        break;
                    }
                    xs.add(Math.log10(100.0 / (100.0 - percentile)));
                    ys.add(Math.max(1.0, value.getValueIteratedTo() / 1e3));
                }
                if (!xs.isEmpty())
                {
                    chart.addSeries(cell.system() + ", " + cell.rate() + " pages/s", xs, ys);
                }
            }
            charts.add(chart);
        }
        BitmapEncoder.saveBitmap(charts, 1, charts.size(), file.toString(), BitmapEncoder.BitmapFormat.PNG);
    }
}
