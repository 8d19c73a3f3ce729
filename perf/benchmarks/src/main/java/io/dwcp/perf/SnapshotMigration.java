package io.dwcp.perf;

import io.dwcp.codecs.agent.CommandRejectedDecoder;
import io.dwcp.codecs.agent.RoundCompletedDecoder;
import io.dwcp.codecs.agent.TransferFailedDecoder;
import io.dwcp.driver.DriverProfile;
import io.dwcp.engine.cli.Sizes;
import io.dwcp.engine.memory.ImageComparison;
import io.dwcp.engine.memory.MappedImage;
import io.dwcp.engine.queue.EngineEventListener;
import io.dwcp.engine.queue.EventAdapter;
import io.dwcp.engine.runtime.EngineThreading;
import io.dwcp.engine.runtime.LocalMigration;
import io.dwcp.engine.status.EngineCounter;
import io.dwcp.engine.status.EngineCounters;
import io.dwcp.perf.capture.SnapshotCorpus;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * A series of real-memory snapshots migrated as pre-copy rounds through the real engines, beside the {@code zstd}
 * command line on the same files, in one run:
 * <pre>
 * perf/bench SnapshotMigration --corpus DIR [--series jvm,python] [--level N] [--baseline-budget SIZE]
 *     [--markdown FILE] [--work DIR]
 * perf/bench SnapshotMigration [MemoryCapture options]     (captures a fresh corpus first, then migrates it)
 * </pre>
 * Round 0 copies snapshot 0 into a live source file and sends every page. Round r copies into the live file the
 * pages of snapshot r that differ from snapshot r-1 and sends just those. The transfer ends after the last round
 * and the destination is checked byte for byte against the last snapshot. A sender and a receiver engine with
 * their default settings run over UDP loopback ({@link LocalMigration}); their wire bytes per round come from the
 * RoundCompleted events. Beside them: {@code zstd -1} of the whole image (round 0); {@code zstd -3
 * --patch-from=<snapshot r-1>} of snapshot r, as the command line runs by default and with {@code
 * --single-thread}, which zstd's manual advises for patches and which is smaller (rounds 1 and later, each
 * decompressed and checked); and {@code zstd -3} of the changed pages concatenated. A corpus this run captured
 * itself is deleted at the end unless {@code --out} named its directory.
 */
public final class SnapshotMigration
{
    private static final int PAGE_SIZE = 4096;
    private static final long ROUND_TIMEOUT_NS = TimeUnit.MINUTES.toNanos(10);
    private static final int STAGING_BYTES = 1 << 20;

    /**
     * What the engine reported for one round, and the wall time from submitting it to its RoundCompleted event.
     */
    record EngineRound(long pages, long zeroPages, long normalPages, long unchangedPages, long deltaPages,
        long wireBytes, long cacheHits, long cacheMisses, long durationNs, long wallNs)
    {
    }

    /**
     * The zstd baselines of one round; null where a baseline does not apply to the round.
     */
    record ZstdRound(ZstdCommand.Result wholeImage, ZstdCommand.Result patchFrom,
        ZstdCommand.Result patchFromSingleThread, ZstdCommand.Result changedPages)
    {
        long reference()
        {
            return null != wholeImage ? wholeImage.outputBytes() :
                Math.min(patchFrom.outputBytes(), patchFromSingleThread.outputBytes());
        }
    }

    private SnapshotMigration()
    {
    }

    /**
     * Run the benchmark.
     *
     * @param args see the class description.
     * @throws Exception if a capture, a migration or a check fails.
     */
    public static void main(final String[] args) throws Exception
    {
        Path corpus = null;
        List<String> wanted = null;
        int level = 0;
        long baselineBudget = 0;
        Path markdown = null;
        Path work = null;
        final List<String> captureArgs = new ArrayList<>();
        for (int i = 0; i < args.length; i++)
        {
            switch (args[i])
            {
                case "--corpus" -> corpus = Path.of(value(args, ++i));
                case "--series" -> wanted = List.of(value(args, ++i).split(","));
                case "--level" -> level = Integer.parseInt(value(args, ++i));
                case "--baseline-budget" -> baselineBudget = Sizes.parse(value(args, ++i));
                case "--markdown" -> markdown = Path.of(value(args, ++i));
                case "--work" -> work = Path.of(value(args, ++i));
                default -> captureArgs.add(args[i]);
            }
        }
        final List<String> unknown = new ArrayList<>();
        final MemoryCapture.Settings captureSettings = MemoryCapture.parse(captureArgs.toArray(new String[0]), unknown);
        if (!unknown.isEmpty())
        {
            throw new IllegalArgumentException("unknown argument " + unknown.get(0));
        }
        if (null != corpus && !captureArgs.isEmpty())
        {
            throw new IllegalArgumentException("--corpus takes an existing corpus; capture options " + captureArgs +
                " apply only without it");
        }

        final PrintStream out = System.out;
        final long startNs = System.nanoTime();
        out.printf(Locale.ROOT, "engine: a sender and a receiver engine over UDP loopback, INVOKER threading, " +
            "default settings%s%s; %s%n%n", 0 == level ? "" : ", zstd level " + level,
            0 == baselineBudget ? "" : ", baseline budget " + (baselineBudget >> 20) + " MiB", ZstdCommand.version());
        final boolean isCapturedHere = null == corpus;
        final Path scratch = null != work ?
            Files.createDirectories(work) : Path.of(System.getProperty("java.io.tmpdir"));
        final Path corpusDirectory = !isCapturedHere ? corpus : null != captureSettings.outDirectory() ?
            captureSettings.outDirectory() : Files.createTempDirectory(scratch, "dwcp-corpus-");
        try
        {
            if (isCapturedHere)
            {
                MemoryCapture.capture(new MemoryCapture.Settings(captureSettings.sources(), captureSettings.snapshots(),
                    captureSettings.intervalMs(), captureSettings.workload(), corpusDirectory), out);
                out.printf(Locale.ROOT, "capture: %.1f s%n%n", seconds(System.nanoTime() - startNs));
            }
            final StringBuilder report = new StringBuilder();
            int migrated = 0;
            for (final SnapshotCorpus.Series series : SnapshotCorpus.load(corpusDirectory, PAGE_SIZE))
            {
                if (null == wanted || wanted.contains(series.name()))
                {
                    final Path directory = Files.createTempDirectory(scratch, "dwcp-snapshot-migration-");
                    try
                    {
                        final String table = migrate(series, directory, level, baselineBudget);
                        out.print(table);
                        out.flush();
                        report.append(table);
                        migrated++;
                    }
                    finally
                    {
                        IoUtil.delete(directory.toFile(), true);
                    }
                }
            }
            if (0 == migrated)
            {
                throw new IllegalArgumentException("no series " + wanted + " in " + corpusDirectory);
            }
            if (null != markdown)
            {
                Files.writeString(markdown, report);
            }
            out.printf(Locale.ROOT, "total: %.1f s%n", seconds(System.nanoTime() - startNs));
        }
        finally
        {
            if (isCapturedHere && null == captureSettings.outDirectory())
            {
                IoUtil.delete(corpusDirectory.toFile(), true);
            }
        }
    }

    private static String migrate(final SnapshotCorpus.Series series, final Path directory, final int level,
        final long baselineBudget) throws Exception
    {
        final long seriesStartNs = System.nanoTime();
        final List<Path> snapshots = series.snapshots();
        final long size = series.sizeBytes();
        final Path live = directory.resolve("live.img");
        final Path changedPages = directory.resolve("changed-pages.bin");
        final Path compressed = directory.resolve("out.zst");
        final Path restored = directory.resolve("restored.bin");
        Files.copy(snapshots.get(0), live);

        final List<EngineRound> engineRounds = new ArrayList<>();
        final String[] failure = new String[1];
        final EngineEventListener listener = new EngineEventListener()
        {
            public void onRoundCompleted(final RoundCompletedDecoder event)
            {
                engineRounds.add(new EngineRound(event.pages(), event.zeroPages(), event.normalPages(),
                    event.unchangedPages(), event.deltaPages(), event.wireBytes(), event.cacheHits(),
                    event.cacheMisses(), event.durationNs(), 0));
            }

            public void onFailed(final TransferFailedDecoder event)
            {
                failure[0] = event.reason() + ": " + event.text();
            }

            public void onRejected(final CommandRejectedDecoder event)
            {
                failure[0] = "command rejected, " + event.reason() + ": " + event.text();
            }
        };

        final List<ZstdRound> zstdRounds = new ArrayList<>();
        final StringBuilder counters = new StringBuilder(String.format(Locale.ROOT, "%nCounters after each round:%n"));
        try (LocalMigration migration = new LocalMigration(directory.resolve("engines"), false,
            DriverProfile.load("loopback"), EngineThreading.INVOKER,
            (context) ->
            {
                if (baselineBudget > 0)
                {
                    context.baselineBudgetBytes(baselineBudget);
                }
            },
            Throwable::printStackTrace);
            EventAdapter events = migration.newEventAdapter(listener);
            MappedImage liveImage = MappedImage.openReadWrite(live, PAGE_SIZE, size))
        {
            migration.startTransfer(1, series.name(), live, PAGE_SIZE, level);
            final long[] allPages = new long[(int)(size / PAGE_SIZE)];
            for (int i = 0; i < allPages.length; i++)
            {
                allPages[i] = i;
            }
            runRound(migration, events, engineRounds, failure, 0, allPages, allPages.length);
            counters.append(counters(migration, 0));
            zstdRounds.add(new ZstdRound(
                ZstdCommand.compress(List.of("-1"), snapshots.get(0), compressed), null, null,
                ZstdCommand.compress(List.of("-3"), snapshots.get(0), compressed)));

            for (int round = 1; round < snapshots.size(); round++)
            {
                final Path previous = snapshots.get(round - 1);
                final Path current = snapshots.get(round);
                final int changedCount = applyChangedPages(previous, current, liveImage, allPages, changedPages);
                runRound(migration, events, engineRounds, failure, round, allPages, changedCount);
                counters.append(counters(migration, round));
                zstdRounds.add(new ZstdRound(null,
                    patchFrom(List.of(), previous, current, compressed, restored),
                    patchFrom(List.of("--single-thread"), previous, current, compressed, restored),
                    ZstdCommand.compress(List.of("-3"), changedPages, compressed)));
            }

            migration.commands().endOfTransfer(1);
            final LocalMigration.Outcome outcome =
                migration.awaitOutcome(1, new EngineEventListener() {}, ROUND_TIMEOUT_NS);
            final Path destination = migration.destinationOf(series.name(), 1);
            final long difference = ImageComparison.firstDifference(snapshots.get(snapshots.size() - 1), destination);
            if (!outcome.completed() || difference >= 0)
            {
                throw new IllegalStateException(series.name() + ": the destination does not match the last " +
                    "snapshot (" + (outcome.completed() ? "first difference at byte " + difference :
                    outcome.failure()) + ")");
            }
        }
        return SnapshotMigrationReport.format(series, engineRounds, zstdRounds, System.nanoTime() - seriesStartNs) +
            counters;
    }

    /**
     * What the frame codec found and what went wrong, from the start of the series to the end of a round, for the
     * report: a round's pages resent count in the round, as its wire bytes do.
     */
    private static String counters(final LocalMigration migration, final int round)
    {
        final EngineCounters sender = migration.senderEngine().senderCounters();
        final EngineCounters receiver = migration.receiverEngine().receiverCounters();
        return String.format(Locale.ROOT, "- to round %d: sender %s %d, %s %d, %s %d, %s %d, %s %d, %s %d, %s %d; " +
            "receiver %s %d, %s %d, %s %d, %s %d, %s %d, %s %d.%n", round,
            "`FRAMES_SENT`", sender.value(EngineCounter.FRAMES_SENT),
            "`BLOCKS_STREAMED`", sender.value(EngineCounter.BLOCKS_STREAMED),
            "`STREAM_RESTARTS`", sender.value(EngineCounter.STREAM_RESTARTS),
            "`SIMILAR_BASES_SENT`", sender.value(EngineCounter.SIMILAR_BASES_SENT),
            "`ROUND_START_BASES_SENT`", sender.value(EngineCounter.ROUND_START_BASES_SENT),
            "`DUPLICATE_PAGES_SENT`", sender.value(EngineCounter.DUPLICATE_PAGES_SENT),
            "`PAGES_RESENT`", sender.value(EngineCounter.PAGES_RESENT),
            "`ROUND_START_BASES_USED`", receiver.value(EngineCounter.ROUND_START_BASES_USED),
            "`SIMILAR_BASES_MISMATCHED`", receiver.value(EngineCounter.SIMILAR_BASES_MISMATCHED),
            "`BLOCKS_REJECTED`", receiver.value(EngineCounter.BLOCKS_REJECTED),
            "`STREAMED_BLOCKS_REFUSED`", receiver.value(EngineCounter.STREAMED_BLOCKS_REFUSED),
            "`PAGES_REJECTED_REFERENCE`", receiver.value(EngineCounter.PAGES_REJECTED_REFERENCE),
            "`PAGES_REJECTED_CRC`", receiver.value(EngineCounter.PAGES_REJECTED_CRC));
    }

    /**
     * Submit a round of pages, end it, and wait for its RoundCompleted event; stamp the wall time on it.
     */
    private static void runRound(final LocalMigration migration, final EventAdapter events,
        final List<EngineRound> engineRounds, final String[] failure, final int round, final long[] pages,
        final int count) throws InterruptedException
    {
        final long startNs = System.nanoTime();
        migration.commands().pages(1, round, pages, count);
        migration.commands().endOfRound(1, round);
        LocalMigration.pollUntil(events, () -> engineRounds.size() > round || null != failure[0], ROUND_TIMEOUT_NS);
        if (null != failure[0])
        {
            throw new IllegalStateException("round " + round + " failed: " + failure[0]);
        }
        final long wallNs = System.nanoTime() - startNs;
        final EngineRound r = engineRounds.get(round);
        engineRounds.set(round, new EngineRound(r.pages(), r.zeroPages(), r.normalPages(), r.unchangedPages(),
            r.deltaPages(), r.wireBytes(), r.cacheHits(), r.cacheMisses(), r.durationNs(), wallNs));
    }

    /**
     * Copy the pages of {@code current} that differ from {@code previous} into the live image and, concatenated, into
     * a file; list their numbers in {@code changed}.
     *
     * @return how many pages changed.
     */
    private static int applyChangedPages(final Path previous, final Path current, final MappedImage live,
        final long[] changed, final Path changedPages) throws IOException
    {
        final long size = Files.size(current);
        final ByteBuffer staging = ByteBuffer.allocateDirect(STAGING_BYTES);
        final UnsafeBuffer stagingBuffer = new UnsafeBuffer(staging);
        int count = 0;
        try (MappedImage before = MappedImage.openReadOnly(previous, PAGE_SIZE, size);
            MappedImage after = MappedImage.openReadOnly(current, PAGE_SIZE, size);
            FileChannel channel = FileChannel.open(changedPages, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING))
        {
            int staged = 0;
            for (long page = 0; page < after.pageCount(); page++)
            {
                final UnsafeBuffer newSegment = after.segmentOf(page);
                final int offset = after.offsetOf(page);
                if (!samePage(before.segmentOf(page), newSegment, offset))
                {
                    changed[count++] = page;
                    live.segmentOf(page).putBytes(live.offsetOf(page), newSegment, offset, PAGE_SIZE);
                    stagingBuffer.putBytes(staged, newSegment, offset, PAGE_SIZE);
                    staged += PAGE_SIZE;
                    if (staged == STAGING_BYTES)
                    {
                        writeFully(channel, staging, staged);
                        staged = 0;
                    }
                }
            }
            writeFully(channel, staging, staged);
        }
        return count;
    }

    private static boolean samePage(final UnsafeBuffer left, final UnsafeBuffer right, final int offset)
    {
        for (int i = offset, end = offset + PAGE_SIZE; i < end; i += Long.BYTES)
        {
            if (left.getLong(i) != right.getLong(i))
            {
                return false;
            }
        }
        return true;
    }

    private static void writeFully(final FileChannel channel, final ByteBuffer staging, final int length)
        throws IOException
    {
        staging.clear().limit(length);
        while (staging.hasRemaining())
        {
            channel.write(staging);
        }
    }

    /**
     * {@code zstd -3 --patch-from=previous current} with extra options, then decompressed with the same reference
     * and checked against {@code current}, so that the flags are known to give a usable patch.
     */
    private static ZstdCommand.Result patchFrom(final List<String> extra, final Path previous, final Path current,
        final Path compressed, final Path restored) throws IOException, InterruptedException
    {
        final List<String> options = new ArrayList<>(List.of("-3", "--patch-from=" + previous));
        options.addAll(extra);
        final ZstdCommand.Result result = ZstdCommand.compress(options, current, compressed);
        // Windows over 128 MiB need --long=31 (or --memory) to decompress.
        ZstdCommand.decompress(List.of("--patch-from=" + previous, "--long=31"), compressed, restored);
        final long difference = ImageComparison.firstDifference(current, restored);
        Files.delete(restored);
        if (difference >= 0)
        {
            throw new IllegalStateException(ZstdCommand.describe(options) + " did not restore " + current +
                " (first difference at byte " + difference + ")");
        }
        return result;
    }

    private static String value(final String[] args, final int index)
    {
        if (index >= args.length)
        {
            throw new IllegalArgumentException(args[index - 1] + " needs a value");
        }
        return args[index];
    }

    private static double seconds(final long nanos)
    {
        return nanos / 1e9;
    }
}
