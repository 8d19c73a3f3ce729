package io.dwcp.perf;

import io.dwcp.driver.DriverProfile;
import io.dwcp.engine.cli.Sizes;
import io.dwcp.engine.config.EngineConfiguration;
import io.dwcp.images.MemoryImageGenerator;
import io.dwcp.images.PageMix;
import org.agrona.IoUtil;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

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
 * <p>
 * This class reads the command line and runs the parts in turn: {@link EngineLatency}, {@link RawAeronLatency}
 * (both timed by {@link LatencySchedule}, on pages chosen by {@link BatchPages}) and {@link LatencyReport}. It runs
 * on the caller's thread; only the raw Aeron pong side has a thread of its own.
 */
public final class LatencyHarness
{
    /** Bytes per page of the generated image, for both systems. */
    static final int PAGE_SIZE = 4096;
    private static final long MAX_BATCHES_PER_SECOND = 100_000;

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

    /**
     * Generate the image, measure every cell with both systems, and write the results.
     *
     * @param settings as parsed.
     * @param out      where progress and the table are printed.
     * @throws Exception if a run fails or a file cannot be written.
     */
    static void run(final Settings settings, final PrintStream out) throws Exception
    {
        Files.createDirectories(settings.outputDirectory());
        final Path directory = Files.createTempDirectory("dwcp-latency-");
        final DriverProfile profile = DriverProfile.load("loopback");
        final List<LatencyCell> cells = new ArrayList<>();
        try
        {
            final Path image = directory.resolve("source.img");
            new MemoryImageGenerator(settings.seed(), PageMix.DEFAULT, PAGE_SIZE).generate(image, settings.imageSize());
            out.printf(Locale.ROOT, "latency: %d MiB image, batches %s pages, rates %s pages/s, %.1f s per cell " +
                "after %.1f s warm-up%n", settings.imageSize() >> 20, Arrays.toString(settings.batches()),
                Arrays.toString(settings.rates()), settings.durationNs() / 1e9, settings.warmupNs() / 1e9);

            cells.addAll(EngineLatency.measure(settings, directory, image, profile, out));
            cells.addAll(RawAeronLatency.measure(settings, image, profile, out));
        }
        finally
        {
            IoUtil.delete(directory.toFile(), true);
        }

        LatencyReport.write(settings.outputDirectory(), settings.batches(), cells, out);
    }

    /**
     * Idle strategy of the harness threads of both systems.
     *
     * @return a new instance, one per thread.
     */
    static IdleStrategy idleStrategy()
    {
        // The engine's own idle strategy, for the harness threads of both systems.
        return new BackoffIdleStrategy(10, 20, TimeUnit.MICROSECONDS.toNanos(1), EngineConfiguration.idleMaxParkNs());
    }
}
