package io.dwcp.perf;

import io.dwcp.driver.DriverProfile;
import io.dwcp.engine.memory.ImageComparison;
import io.dwcp.engine.queue.EngineEventListener;
import io.dwcp.engine.runtime.EngineThreading;
import io.dwcp.engine.runtime.LocalMigration;
import io.dwcp.engine.security.EngineSecurity;
import io.dwcp.engine.status.EngineCounter;
import org.agrona.IoUtil;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * End-to-end migration of one real-memory snapshot through the real engines over UDP loopback, at several stripe
 * counts, beside {@code zstd -1} piped over TCP on the same file in the same run. Every engine destination is
 * compared byte for byte with the source.
 * <pre>
 * perf/bench StripedThroughput --image FILE [--stripes 1,4,16,64] [--threading INVOKER] [--workers 1] [--repeat 1]
 *     [--warmup 1] [--ipc] [--security sealed|clear|both] [--daemons]
 * </pre>
 * Before the table, {@code --warmup} untimed runs of each take the JIT past its first compilations: a fresh JVM's C2
 * compiler takes half a core or more through the first two engine runs, on a machine of two cores. Each row gives
 * the process's CPU time per GiB of image while it ran, all threads counted (engine, drivers, JIT, GC; the zstd
 * pipe's two ends): what the run costs, which the machine's swings in speed move far less than its rate; and, for
 * an engine run, the three Java threads that took the most CPU, each as a share of one core: one near 100% holds the
 * rate.
 * With {@code --security both} each stripe count runs sealed (the default: Noise IK, AES-256-GCM) and in clear
 * ({@code --insecure}), alternating which goes first, and a row gives the sealed run's speed over the clear one's.
 * The image is a snapshot {@code MemoryCapture} took (a {@code .mem} file, a whole number of pages).
 * <p>
 * By default every run starts a new pair of engines, so each transfer is the first on its link: the link-aware level
 * starts at the configured one and adapts within the transfer. With {@code --daemons} one pair of engines serves
 * every run, warm-up included, as a hypervisor agent's long-running engines would: a transfer starts at the level
 * the link's adaptation reached in the one before. Each destination is deleted once it has been compared.
 */
public final class StripedThroughput
{
    private static final int PAGE_SIZE = 4096;

    private StripedThroughput()
    {
    }

    /**
     * Run the comparison and print a Markdown table.
     *
     * @param args see the class description.
     * @throws Exception if a run fails or a destination differs.
     */
    public static void main(final String[] args) throws Exception
    {
        Path source = null;
        final List<Integer> stripeCounts = new ArrayList<>(List.of(1, 4, 16, 64));
        EngineThreading threading = EngineThreading.INVOKER;
        int workers = 1;
        int repeat = 1;
        int warmup = 1;
        boolean isIpc = false;
        String security = "sealed";
        boolean isDaemons = false;
        for (int i = 0; i < args.length; i++)
        {
            switch (args[i])
            {
                case "--image" -> source = Path.of(args[++i]);
                case "--stripes" ->
                {
                    stripeCounts.clear();
                    for (final String count : args[++i].split(","))
                    {
                        stripeCounts.add(Integer.parseInt(count.trim()));
                    }
                }
                case "--threading" -> threading = EngineThreading.valueOf(args[++i]);
                case "--workers" -> workers = Integer.parseInt(args[++i]);
                case "--repeat" -> repeat = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--ipc" -> isIpc = true;
                case "--security" -> security = args[++i];
                case "--daemons" -> isDaemons = true;
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (null == source)
        {
            throw new IllegalArgumentException("give --image, a snapshot from MemoryCapture");
        }
        if (isDaemons && "both".equals(security))
        {
            throw new IllegalArgumentException("--daemons runs one pair of engines: give --security sealed or clear");
        }

        final Path work = Files.createTempDirectory("dwcp-striped-");
        try (LocalMigration daemons = isDaemons ?
            open(work.resolve("daemons"), threading, workers, isIpc, "sealed".equals(security)) : null)
        {
            final long length = Files.size(source);
            if (0 == length || 0 != length % PAGE_SIZE)
            {
                throw new IllegalArgumentException(source + " is not a whole number of pages");
            }
            final Path image = source;
            System.out.printf(Locale.ROOT, "image %s, %.1f MiB, %s threading, %d worker(s), %s%n%n",
                source.getFileName(), length / (1024.0 * 1024.0), threading, workers,
                isDaemons ? "one pair of engines for every run" : "new engines for each run");
            final Engines engines = new Engines(daemons, threading, workers, isIpc);
            final List<Boolean> warmModes = modes(security, 0);
            for (int w = 0; w < warmup; w++)
            {
                ZstdTcpPipe.run(image, work.resolve("zstd-out.img"), 1);
                for (final boolean isSealed : warmModes)
                {
                    final Run run = engines.run(work.resolve("warmup-" + w + "-" + isSealed), image, length,
                        stripeCounts.get(0), isSealed);
                    System.err.printf(Locale.ROOT, "warm-up %d, %s: engine %.0f MB/s, not counted%n", w + 1,
                        isSealed ? "sealed" : "in clear", run.logicalMbPerSecond());
                }
            }
            System.out.printf(Locale.ROOT, "| run | logical MB/s | wire MiB | CPU s per GiB | busiest threads, share " +
                "of a core | ratio to zstd -1 over TCP |%n| --- | ---: | ---: | ---: | --- | ---: |%n");
            for (int r = 0; r < repeat; r++)
            {
                final long zstdCpuNs = processCpuNs();
                final ZstdTcpPipe.Result zstd = ZstdTcpPipe.run(image, work.resolve("zstd-out.img"), 1);
                final double zstdCpu = cpuSecondsPerGib(processCpuNs() - zstdCpuNs, length);
                final double zstdMbps = length / (zstd.elapsedNs() / 1e9) / 1e6;
                System.out.printf(Locale.ROOT, "| zstd -1 over TCP | %.0f | %.1f | %.2f | — | 1.00 |%n", zstdMbps,
                    zstd.wireBytes() / (1024.0 * 1024.0), zstdCpu);
                for (final int stripes : stripeCounts)
                {
                    runStripes(work.resolve("run-" + r + "-" + stripes), image, length, stripes, engines,
                        modes(security, r), zstdMbps);
                }
            }
        }
        finally
        {
            IoUtil.delete(work.toFile(), true);
        }
    }

    private static List<Boolean> modes(final String security, final int repeat)
    {
        return switch (security)
        {
            case "sealed" -> List.of(true);
            case "clear" -> List.of(false);
            case "both" -> 0 == repeat % 2 ? List.of(false, true) : List.of(true, false);
            default -> throw new IllegalArgumentException("--security sealed, clear or both");
        };
    }

    private static void runStripes(
        final Path directory,
        final Path image,
        final long length,
        final int stripes,
        final Engines engines,
        final List<Boolean> modes,
        final double zstdMbps) throws Exception
    {
        double sealedMbps = 0;
        double clearMbps = 0;
        for (final boolean isSealed : modes)
        {
            final Run run = engines.run(directory.resolveSibling(directory.getFileName() + "-" + isSealed), image,
                length, stripes, isSealed);
            System.out.printf(Locale.ROOT, "| engine, %d stripes%s, %s%s | %.0f | %.1f | %.2f | %s | %.2f |%n",
                stripes, engines.isIpc ? ", aeron:ipc" : "", isSealed ? "sealed" : "in clear",
                0 == run.reopened() ? "" : ", receiver lost and reopened " + run.reopened() + "x",
                run.logicalMbPerSecond(), run.wireBytes() / (1024.0 * 1024.0),
                cpuSecondsPerGib(run.cpuNs(), length), run.busiestThreads(), run.logicalMbPerSecond() / zstdMbps);
            if (isSealed)
            {
                sealedMbps = run.logicalMbPerSecond();
            }
            else
            {
                clearMbps = run.logicalMbPerSecond();
            }
        }
        if (sealedMbps > 0 && clearMbps > 0)
        {
            System.out.printf(Locale.ROOT, "| sealed / in clear, %d stripes | %.2f | | | | |%n", stripes,
                sealedMbps / clearMbps);
        }
    }

    /** CPU time of each live Java thread, by id. */
    private static Map<Long, Long> threadCpuNs()
    {
        final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        final Map<Long, Long> cpu = new HashMap<>();
        for (final long id : threads.getAllThreadIds())
        {
            cpu.put(id, threads.getThreadCpuTime(id));
        }
        return cpu;
    }

    /**
     * The three Java threads that took the most CPU since a snapshot, as shares of one core over the time elapsed:
     * whether one thread holds the rate. The JIT's and the collector's threads are not Java threads.
     */
    private static String busiestThreads(final Map<Long, Long> atStart, final long elapsedNs)
    {
        final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        final List<Map.Entry<String, Long>> used = new ArrayList<>();
        for (final long id : threads.getAllThreadIds())
        {
            final long cpu = threads.getThreadCpuTime(id);
            final ThreadInfo info = threads.getThreadInfo(id);
            if (cpu >= 0 && null != info)
            {
                used.add(Map.entry(info.getThreadName(), cpu - atStart.getOrDefault(id, 0L)));
            }
        }
        used.sort(Map.Entry.<String, Long>comparingByValue().reversed());
        final StringBuilder text = new StringBuilder();
        for (int i = 0; i < Math.min(3, used.size()); i++)
        {
            text.append(0 == i ? "" : ", ").append(used.get(i).getKey()).append(' ')
                .append(Math.round(100.0 * used.get(i).getValue() / elapsedNs)).append('%');
        }
        return text.toString();
    }

    /** CPU time of the whole process so far: every thread, the JIT's and the collector's as well. */
    private static long processCpuNs()
    {
        return ((com.sun.management.OperatingSystemMXBean)ManagementFactory.getOperatingSystemMXBean())
            .getProcessCpuTime();
    }

    private static double cpuSecondsPerGib(final long cpuNs, final long length)
    {
        return cpuNs / 1e9 / (length / (1024.0 * 1024.0 * 1024.0));
    }

    private static EngineSecurity security(final EngineSecurity sealed, final boolean isSealed)
    {
        return isSealed ? sealed : EngineSecurity.insecure();
    }

    private static final EngineEventListener NO_EVENTS = new EngineEventListener()
    {
    };

    private record Run(double logicalMbPerSecond, long wireBytes, long reopened, long cpuNs, String busiestThreads)
    {
    }

    private static LocalMigration open(
        final Path directory,
        final EngineThreading threading,
        final int workers,
        final boolean isIpc,
        final boolean isSealed) throws IOException
    {
        return new LocalMigration(directory, isIpc, DriverProfile.load("loopback"), threading,
            (context) -> context.workerCount(workers).security(security(context.security(), isSealed)),
            (context) -> context.security(security(context.security(), isSealed)), Throwable::printStackTrace);
    }

    /** New engines for each run, or the one pair of daemons for all. */
    private static final class Engines
    {
        private final LocalMigration daemons;
        private final EngineThreading threading;
        private final int workers;
        private final boolean isIpc;
        private long transfers;

        Engines(final LocalMigration daemons, final EngineThreading threading, final int workers, final boolean isIpc)
        {
            this.daemons = daemons;
            this.threading = threading;
            this.workers = workers;
            this.isIpc = isIpc;
        }

        Run run(final Path directory, final Path image, final long length, final int stripes, final boolean isSealed)
            throws Exception
        {
            if (null != daemons)
            {
                return transfer(daemons, ++transfers, image, length, stripes);
            }
            try (LocalMigration migration = open(directory, threading, workers, isIpc, isSealed))
            {
                return transfer(migration, 1, image, length, stripes);
            }
        }
    }

    private static Run transfer(
        final LocalMigration migration,
        final long transferId,
        final Path image,
        final long length,
        final int stripes) throws Exception
    {
        final Map<Long, Long> threadsAtStart = threadCpuNs();
        final long startNs = System.nanoTime();
        final long startCpuNs = processCpuNs();
        final long reopenedBefore = migration.senderEngine().senderCounters().value(EngineCounter.TRANSFERS_REOPENED);
        migration.commands().startTransfer(transferId, "vm", image.toString(), length, PAGE_SIZE, 0, stripes,
            migration.receiverEndpoint());
        migration.commands().pageRange(transferId, 0, 0, Math.toIntExact(length / PAGE_SIZE));
        migration.commands().endOfTransfer(transferId);
        final LocalMigration.Outcome outcome =
            migration.awaitOutcome(transferId, NO_EVENTS, TimeUnit.MINUTES.toNanos(10));
        final long cpuNs = processCpuNs() - startCpuNs;
        final String busiest = busiestThreads(threadsAtStart, System.nanoTime() - startNs);
        if (!outcome.completed())
        {
            throw new IllegalStateException("transfer failed: " + outcome.failure());
        }
        final Path destination = migration.destinationOf("vm", transferId);
        if (-1 != ImageComparison.firstDifference(image, destination))
        {
            throw new IllegalStateException("destination differs from the source at " + stripes + " stripes");
        }
        Files.deleteIfExists(destination);
        return new Run(length / (outcome.elapsedNs() / 1e9) / 1e6, outcome.wireBytes(),
            migration.senderEngine().senderCounters().value(EngineCounter.TRANSFERS_REOPENED) - reopenedBefore, cpuNs,
            busiest);
    }
}
