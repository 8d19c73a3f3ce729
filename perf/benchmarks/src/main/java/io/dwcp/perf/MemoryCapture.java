package io.dwcp.perf;

import io.dwcp.engine.cli.Sizes;
import io.dwcp.perf.capture.MemorySource;
import io.dwcp.perf.capture.MemorySources;
import io.dwcp.perf.capture.SnapshotSeries;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Snapshots of real memory, taken at run time from processes this tool starts itself, for the benchmarks:
 * <pre>
 * perf/bench MemoryCapture [--source jvm|python|qemu|both|all] [--snapshots 4] [--interval 5] [--size 512m] [--out DIR]
 *     [--ops-per-second 20000] [--warm-up 3] [--seed 7]
 * </pre>
 * {@code jvm} is a child JVM running {@link io.dwcp.perf.capture.JvmWorkload} with a fixed heap of {@code --size};
 * {@code python} is {@code python3} running the CPython workload until its resident set reaches {@code --size}.
 * Each churns at {@code --ops-per-second}. Once both are warm, every {@code --interval} seconds each is paused with
 * SIGSTOP, read through {@code /proc/PID/mem} and resumed: {@code --snapshots} files {@code NAME-I.mem} per
 * source, of equal size and layout, and a manifest {@code NAME.manifest.json}, in {@code --out} (default a new
 * directory under {@code /tmp}). The children are killed at the end, also on error. {@code qemu} is the small TCG
 * guest of the QEMU demo with {@code --size} of RAM in a shared {@code memory-backend-file}, stopped and continued
 * through QMP for each snapshot, its file read as one range; {@code all} is all three.
 */
public final class MemoryCapture
{
    private static final int PAGE_SIZE = 4096;
    private static final long WARM_UP_TIMEOUT_NS = TimeUnit.MINUTES.toNanos(3);

    /**
     * What to capture.
     *
     * @param sources      source names, see {@link MemorySources#NAMES}.
     * @param snapshots    snapshots per source, at least 1.
     * @param intervalMs   between the starts of consecutive snapshots.
     * @param workload     size and churn of the workloads.
     * @param outDirectory where to write, or null for a new directory under the temporary directory.
     */
    public record Settings(List<String> sources, int snapshots, long intervalMs,
        MemorySources.WorkloadSettings workload, Path outDirectory)
    {
    }

    /**
     * One captured series.
     *
     * @param name      of the source.
     * @param manifest  file of the series.
     * @param snapshots files in order.
     * @param sizeBytes of each snapshot.
     */
    public record CapturedSeries(String name, Path manifest, List<Path> snapshots, long sizeBytes)
    {
    }

    private MemoryCapture()
    {
    }

    /**
     * Capture the series the command line asks for and print where they are.
     *
     * @param args see the class description.
     * @throws Exception if a capture fails.
     */
    public static void main(final String[] args) throws Exception
    {
        final List<String> unknown = new ArrayList<>();
        final Settings settings = parse(args, unknown);
        if (!unknown.isEmpty())
        {
            throw new IllegalArgumentException("unknown argument " + unknown.get(0));
        }
        final long startNs = System.nanoTime();
        final List<CapturedSeries> captured = capture(settings, System.out);
        System.out.printf(Locale.ROOT, "captured %d series in %.1f s%n", captured.size(),
            (System.nanoTime() - startNs) / 1e9);
    }

    /**
     * Parse capture options, collecting those that are not capture options.
     *
     * @param args   command-line arguments.
     * @param others receives every argument this parser does not know, in order, for a caller's own parser; the
     *               arguments after an unknown option are passed along with it up to the next known one.
     * @return the settings.
     * @throws IllegalArgumentException if a value is missing or bad.
     */
    public static Settings parse(final String[] args, final List<String> others)
    {
        List<String> sources = List.of("jvm", "python");
        int snapshots = 4;
        long intervalMs = 5_000;
        long size = 512L << 20;
        int opsPerSecond = 20_000;
        long warmUpMs = 3_000;
        long seed = 7;
        Path out = null;
        for (int i = 0; i < args.length; i++)
        {
            final String arg = args[i];
            switch (arg)
            {
                case "--source" ->
                {
                    final String value = value(args, ++i, arg);
                    sources = "both".equals(value) ? List.of("jvm", "python") :
                        "all".equals(value) ? List.of("jvm", "python", "qemu") : List.of(value.split(","));
                    for (final String source : sources)
                    {
                        if (!MemorySources.NAMES.contains(source))
                        {
                            throw new IllegalArgumentException(
                                "--source " + source + " is not one of jvm, python, qemu, both, all");
                        }
                    }
                }
                case "--snapshots" -> snapshots = Integer.parseInt(value(args, ++i, arg));
                case "--interval" -> intervalMs = Math.round(Double.parseDouble(value(args, ++i, arg)) * 1000);
                case "--size" -> size = Sizes.parse(value(args, ++i, arg));
                case "--out" -> out = Path.of(value(args, ++i, arg));
                case "--ops-per-second" -> opsPerSecond = Integer.parseInt(value(args, ++i, arg));
                case "--warm-up" -> warmUpMs = Math.round(Double.parseDouble(value(args, ++i, arg)) * 1000);
                case "--seed" -> seed = Long.parseLong(value(args, ++i, arg));
                default -> others.add(arg);
            }
        }
        if (snapshots < 1 || intervalMs < 0 || opsPerSecond < 1 || warmUpMs < 0)
        {
            throw new IllegalArgumentException("--snapshots and --ops-per-second must be at least 1, --interval and " +
                "--warm-up at least 0");
        }
        return new Settings(sources, snapshots, intervalMs,
            new MemorySources.WorkloadSettings(size, opsPerSecond, warmUpMs, seed), out);
    }

    /**
     * Start every source, take the snapshots, write the manifests and stop the sources, also on error.
     *
     * @param settings what to capture.
     * @param log      receives a line per snapshot.
     * @return the series, in the order of {@link Settings#sources()}.
     * @throws IOException          if a source fails or a file cannot be written.
     * @throws InterruptedException if interrupted.
     */
    public static List<CapturedSeries> capture(final Settings settings, final PrintStream log)
        throws IOException, InterruptedException
    {
        final Path out = null != settings.outDirectory() ?
            Files.createDirectories(settings.outDirectory()) : Files.createTempDirectory("dwcp-capture-");
        final List<MemorySource> sources = new ArrayList<>();
        try
        {
            final List<SnapshotSeries> series = new ArrayList<>();
            for (final String name : settings.sources())
            {
                final MemorySource source = MemorySources.create(name, settings.workload());
                sources.add(source);
                final long startNs = System.nanoTime();
                source.start(WARM_UP_TIMEOUT_NS);
                log.printf(Locale.ROOT, "%s: ready after %.1f s (%s)%n", name, (System.nanoTime() - startNs) / 1e9,
                    source.description().get("pid"));
                series.add(new SnapshotSeries(source, out, PAGE_SIZE));
            }

            // Each series keeps its own schedule, so its snapshots start exactly one interval apart however long
            // the other series' snapshots take.
            final long[] firstNs = new long[series.size()];
            for (int i = 0; i < settings.snapshots(); i++)
            {
                for (int s = 0; s < series.size(); s++)
                {
                    if (0 == i)
                    {
                        firstNs[s] = System.nanoTime();
                    }
                    final long waitNs = firstNs[s] + TimeUnit.MILLISECONDS.toNanos(i * settings.intervalMs()) -
                        System.nanoTime();
                    if (waitNs > 0)
                    {
                        TimeUnit.NANOSECONDS.sleep(waitNs);
                    }
                    final SnapshotSeries.Snapshot snapshot = series.get(s).take();
                    log.printf(Locale.ROOT, "  %s: %.1f MiB at %.1f s, paused %d ms, %.1f MiB read, " +
                        "%.1f MiB unmapped since the first, %.1f MiB unreadable, %.1f MiB in newer mappings%n",
                        snapshot.file().getFileName(), mib(series.get(s).layout().sizeBytes()), snapshot.atMs() / 1e3,
                        snapshot.pausedNs() / 1_000_000, mib(snapshot.capturedBytes()), mib(snapshot.unmappedBytes()),
                        mib(snapshot.unreadableBytes()), mib(snapshot.missedBytes()));
                }
            }

            final List<CapturedSeries> captured = new ArrayList<>();
            for (final SnapshotSeries s : series)
            {
                final List<Path> files = new ArrayList<>();
                for (final SnapshotSeries.Snapshot snapshot : s.snapshots())
                {
                    files.add(snapshot.file());
                }
                final String name = s.name();
                captured.add(new CapturedSeries(name, s.writeManifest(settings.intervalMs()), files,
                    s.layout().sizeBytes()));
                log.printf(Locale.ROOT, "%s: %d snapshots of %.1f MiB (%d ranges) in %s%n", name, files.size(),
                    mib(s.layout().sizeBytes()), s.layout().entries().size(), out);
            }
            return captured;
        }
        finally
        {
            for (final MemorySource source : sources)
            {
                source.close();
            }
        }
    }

    private static String value(final String[] args, final int index, final String option)
    {
        if (index >= args.length)
        {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[index];
    }

    private static double mib(final long bytes)
    {
        return bytes / (double)(1 << 20);
    }
}
