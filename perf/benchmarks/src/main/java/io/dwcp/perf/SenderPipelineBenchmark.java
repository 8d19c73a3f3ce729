package io.dwcp.perf;

import com.github.luben.zstd.ZstdCompressCtx;
import io.aeron.Aeron;
import io.aeron.driver.ThreadingMode;
import io.dwcp.driver.AeronDirectories;
import io.dwcp.driver.DriverProfile;
import io.dwcp.driver.EmbeddedDriver;
import io.dwcp.engine.memory.MappedImage;
import io.dwcp.engine.sender.SenderPipeline;
import io.dwcp.engine.status.EngineCounter;
import io.dwcp.engine.status.EngineCounters;
import org.agrona.CloseHelper;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The sender pipeline alone, at one and at two workers on threads of their own: the real stripes and workers encode
 * round 0 of a real-memory snapshot and publish it over {@code aeron:ipc} to a subscription that discards it.
 * Beside them, in the same run, plain zstd-jni level 1 compresses the same pages one at a time on one thread and
 * on two, which says how far two threads can scale on this machine at all.
 * <pre>
 * perf/bench SenderPipelineBenchmark --image FILE [--image FILE ...] [--stripes 8] [--repeat 3] [--level 1]
 * </pre>
 * The images are snapshots {@code MemoryCapture} took ({@code .mem} files). It prints, per image, the logical MB/s of
 * each run and the median, and the ratio of two workers to one.
 */
public final class SenderPipelineBenchmark
{
    private static final int PAGE_SIZE = 4096;

    private SenderPipelineBenchmark()
    {
    }

    /**
     * Run the benchmark.
     *
     * @param args see the class description.
     * @throws Exception if a run fails.
     */
    public static void main(final String[] args) throws Exception
    {
        final List<Path> images = new ArrayList<>();
        int stripes = 8;
        int repeat = 3;
        int level = 1;
        for (int i = 0; i < args.length; i++)
        {
            switch (args[i])
            {
                case "--image" -> images.add(Path.of(args[++i]));
                case "--stripes" -> stripes = Integer.parseInt(args[++i]);
                case "--repeat" -> repeat = Integer.parseInt(args[++i]);
                case "--level" -> level = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (images.isEmpty())
        {
            throw new IllegalArgumentException("give at least one --image, a snapshot from MemoryCapture");
        }

        // The driver only moves positions for IPC: let it sleep between duty cycles so the workers have the cores.
        System.setProperty("aeron.shared.idle.strategy", "sleep-ns");
        final Path driverDirectory = AeronDirectories.forEmbeddedDriver("pipeline-bench");
        try (EmbeddedDriver driver = EmbeddedDriver.launch(driverDirectory, DriverProfile.load("loopback"),
            ThreadingMode.SHARED, Throwable::printStackTrace);
            Aeron aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(driver.aeronDirectoryName()));
            EngineCounters counters = new EngineCounters("pipeline", EngineCounter.Role.SENDER, aeron::addCounter))
        {
            System.out.printf(Locale.ROOT, "| image | MiB | zstd-jni -1 per page, 1 thread | 2 threads (ratio) | " +
                "1 worker | 2 workers | 2 workers / 1 worker |%n| --- | ---: | ---: | ---: | ---: | ---: | ---: |%n");
            int streamId = 2000;
            for (final Path image : images)
            {
                final long length = Files.size(image) / PAGE_SIZE * PAGE_SIZE;
                try (MappedImage mapped = MappedImage.openReadOnly(image, PAGE_SIZE, length))
                {
                    final double zstd = plainZstdMbPerSecond(mapped, level, 1);
                    final double zstdTwo = plainZstdMbPerSecond(mapped, level, 2);
                    final double[] one = new double[repeat];
                    final double[] two = new double[repeat];
                    for (int r = 0; r < repeat; r++)
                    {
                        one[r] = run(aeron, counters, mapped, stripes, 1, level, streamId++);
                        two[r] = run(aeron, counters, mapped, stripes, 2, level, streamId++);
                    }
                    final double oneMedian = median(one);
                    final double twoMedian = median(two);
                    System.out.printf(Locale.ROOT,
                        "| %s | %.0f | %.0f MB/s | %.0f MB/s (%.2f) | %.0f MB/s %s | %.0f MB/s %s | %.2f |%n",
                        image.getFileName(), length / (1024.0 * 1024.0), zstd, zstdTwo, zstdTwo / zstd, oneMedian,
                        Arrays.toString(round(one)),
                        twoMedian, Arrays.toString(round(two)), twoMedian / oneMedian);
                }
            }
        }
    }

    private static double run(
        final Aeron aeron,
        final EngineCounters counters,
        final MappedImage image,
        final int stripes,
        final int workers,
        final int level,
        final int streamId) throws InterruptedException
    {
        final List<AgentRunner> runners = new ArrayList<>();
        try (SenderPipeline pipeline = new SenderPipeline(
            aeron, "aeron:ipc", streamId, image, stripes, workers, level, counters))
        {
            final long startNs = System.nanoTime();
            for (final org.agrona.concurrent.Agent agent : pipeline.workerAgents())
            {
                final AgentRunner runner = new AgentRunner(new BackoffIdleStrategy(10, 20, 1_000, 100_000),
                    Throwable::printStackTrace, null, agent);
                runners.add(runner);
                AgentRunner.startOnThread(runner);
            }
            while (pipeline.pagesSent() < pipeline.pageCount())
            {
                Thread.sleep(1);
            }
            final long elapsedNs = System.nanoTime() - startNs;
            CloseHelper.closeAll(runners);
            runners.clear();
            return pipeline.pageCount() * (double)PAGE_SIZE / (elapsedNs / 1e9) / 1e6;
        }
        finally
        {
            CloseHelper.closeAll(runners);
        }
    }

    private static double plainZstdMbPerSecond(final MappedImage image, final int level, final int threads)
        throws InterruptedException
    {
        final Thread[] workers = new Thread[threads];
        final long pagesPerThread = (image.pageCount() + threads - 1) / threads;
        final long startNs = System.nanoTime();
        for (int t = 0; t < threads; t++)
        {
            final long first = t * pagesPerThread;
            final long end = Math.min(image.pageCount(), first + pagesPerThread);
            workers[t] = new Thread(() -> compressPages(image, level, first, end), "plain-zstd-" + t);
            workers[t].start();
        }
        for (final Thread worker : workers)
        {
            worker.join();
        }
        final long elapsedNs = System.nanoTime() - startNs;
        return image.pageCount() * (double)PAGE_SIZE / (elapsedNs / 1e9) / 1e6;
    }

    private static void compressPages(final MappedImage image, final int level, final long first, final long end)
    {
        final ByteBuffer page = ByteBuffer.allocateDirect(PAGE_SIZE);
        final ByteBuffer compressed = ByteBuffer.allocateDirect(2 * PAGE_SIZE);
        final UnsafeBuffer pageView = new UnsafeBuffer(page);
        try (ZstdCompressCtx ctx = new ZstdCompressCtx())
        {
            ctx.setLevel(level);
            for (long p = first; p < end; p++)
            {
                pageView.putBytes(0, image.segmentOf(p), image.offsetOf(p), PAGE_SIZE);
                page.clear();
                compressed.clear();
                ctx.compress(compressed, page);
            }
        }
    }

    private static double median(final double[] values)
    {
        final double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static long[] round(final double[] values)
    {
        final long[] rounded = new long[values.length];
        for (int i = 0; i < values.length; i++)
        {
            rounded[i] = Math.round(values[i]);
        }
        return rounded;
    }
}
