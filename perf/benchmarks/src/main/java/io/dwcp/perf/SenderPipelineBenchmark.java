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

import java.io.IOException;
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
 * One untimed run of each warms the JIT, the page cache and the allocator; the timed runs alternate which of one
 * and two workers goes first. The images are snapshots {@code MemoryCapture} took ({@code .mem} files). It prints,
 * per image, the median logical MB/s of plain zstd-jni and of the pipeline (with each of the pipeline's runs), the
 * ratio of two workers to one, and the share of the machine's CPU time the hypervisor stole meanwhile.
 */
public final class SenderPipelineBenchmark
{
    private static final int PAGE_SIZE = 4096;
    private static final int CHUNK_PAGES = 16;

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

        // The driver only moves positions for IPC: let it sleep a millisecond between duty cycles, so that the
        // workers have the cores (sleep-ns woke it thousands of times a second, each a context switch on a worker's
        // core; one term of each stripe holds far more than a millisecond of its frames).
        System.setProperty("aeron.shared.idle.strategy", "sleep-ms");
        final Path driverDirectory = AeronDirectories.forEmbeddedDriver("pipeline-bench");
        try (EmbeddedDriver driver = EmbeddedDriver.launch(driverDirectory, DriverProfile.load("loopback"),
            ThreadingMode.SHARED, Throwable::printStackTrace);
            Aeron aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(driver.aeronDirectoryName()));
            EngineCounters counters = new EngineCounters("pipeline", EngineCounter.Role.SENDER, aeron::addCounter))
        {
            System.out.printf(Locale.ROOT, "| image | MiB | zstd-jni -1 per page, 1 thread | 2 threads (ratio) | " +
                "1 worker | 2 workers | 2 workers / 1 worker | steal |%n" +
                "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |%n");
            int streamId = 2000;
            for (final Path image : images)
            {
                final long length = Files.size(image) / PAGE_SIZE * PAGE_SIZE;
                try (MappedImage mapped = MappedImage.openReadOnly(image, PAGE_SIZE, length))
                {
                    // Untimed: the JIT's compilations, the page cache and the first stores' fresh memory.
                    plainZstdMbPerSecond(mapped, level, 2);
                    run(aeron, counters, mapped, stripes, 2, level, streamId++);
                    final double[] zstdOne = new double[repeat];
                    final double[] zstdTwo = new double[repeat];
                    final double[] one = new double[repeat];
                    final double[] two = new double[repeat];
                    final long[] stealBefore = cpuTicks();
                    for (int r = 0; r < repeat; r++)
                    {
                        zstdOne[r] = plainZstdMbPerSecond(mapped, level, 1);
                        zstdTwo[r] = plainZstdMbPerSecond(mapped, level, 2);
                        // Alternate which goes first, so that neither always runs on a machine the other warmed.
                        if (0 == (r & 1))
                        {
                            one[r] = run(aeron, counters, mapped, stripes, 1, level, streamId++);
                            two[r] = run(aeron, counters, mapped, stripes, 2, level, streamId++);
                        }
                        else
                        {
                            two[r] = run(aeron, counters, mapped, stripes, 2, level, streamId++);
                            one[r] = run(aeron, counters, mapped, stripes, 1, level, streamId++);
                        }
                    }
                    final long[] stealAfter = cpuTicks();
                    final double stealShare = (stealAfter[1] - stealBefore[1]) /
                        (double)Math.max(1, stealAfter[0] - stealBefore[0]);
                    final double oneMedian = median(one);
                    final double twoMedian = median(two);
                    System.out.printf(Locale.ROOT,
                        "| %s | %.0f | %.0f MB/s | %.0f MB/s (%.2f) | %.0f MB/s %s | %.0f MB/s %s | %.2f | %.1f%% |%n",
                        image.getFileName(), length / (1024.0 * 1024.0), median(zstdOne), median(zstdTwo),
                        median(zstdTwo) / median(zstdOne), oneMedian, Arrays.toString(round(one)),
                        twoMedian, Arrays.toString(round(two)), twoMedian / oneMedian, 100 * stealShare);
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
        final long startNs = System.nanoTime();
        for (int t = 0; t < threads; t++)
        {
            final int thread = t;
            workers[t] = new Thread(() -> compressPages(image, level, thread, threads), "plain-zstd-" + t);
            workers[t].start();
        }
        for (final Thread worker : workers)
        {
            worker.join();
        }
        final long elapsedNs = System.nanoTime() - startNs;
        return image.pageCount() * (double)PAGE_SIZE / (elapsedNs / 1e9) / 1e6;
    }

    /**
     * Compress this thread's share of the pages: chunks of {@value #CHUNK_PAGES} pages dealt round-robin, as the
     * stripes deal them, so that two threads get the same mix of zero, text and heap pages. Halves of an image
     * differ: the thread with the heavier half made plain zstd look as if it scaled by 1.1-1.3.
     */
    private static void compressPages(final MappedImage image, final int level, final int thread, final int threads)
    {
        final ByteBuffer page = ByteBuffer.allocateDirect(PAGE_SIZE);
        final ByteBuffer compressed = ByteBuffer.allocateDirect(2 * PAGE_SIZE);
        final UnsafeBuffer pageView = new UnsafeBuffer(page);
        try (ZstdCompressCtx ctx = new ZstdCompressCtx())
        {
            ctx.setLevel(level);
            for (long chunk = thread; chunk * CHUNK_PAGES < image.pageCount(); chunk += threads)
            {
                final long end = Math.min(image.pageCount(), (chunk + 1) * CHUNK_PAGES);
                for (long p = chunk * CHUNK_PAGES; p < end; p++)
                {
                    pageView.putBytes(0, image.segmentOf(p), image.offsetOf(p), PAGE_SIZE);
                    page.clear();
                    compressed.clear();
                    ctx.compress(compressed, page);
                }
            }
        }
    }

    /**
     * The machine's CPU ticks so far, all and stolen by the hypervisor ({@code /proc/stat}), to say how much of the
     * two cores the timed runs really had; zeros where there is no such file.
     */
    private static long[] cpuTicks() throws IOException
    {
        final Path stat = Path.of("/proc/stat");
        if (!Files.isReadable(stat))
        {
            return new long[2];
        }
        final String[] fields = Files.readAllLines(stat).get(0).trim().split("\\s+");
        long total = 0;
        for (int i = 1; i < fields.length; i++)
        {
            total += Long.parseLong(fields[i]);
        }
        return new long[]{ total, fields.length > 8 ? Long.parseLong(fields[8]) : 0 };
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
