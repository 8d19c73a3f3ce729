package io.dwcp.perf;

import io.dwcp.perf.capture.SnapshotCorpus;

import java.util.List;
import java.util.Locale;

/**
 * Markdown tables of one {@link SnapshotMigration} series: bytes per round beside the zstd baselines, the times
 * they took, and the kinds of page the engine sent.
 */
final class SnapshotMigrationReport
{
    private static final String NONE = "—";

    private SnapshotMigrationReport()
    {
    }

    /**
     * The tables of one series.
     *
     * @param series    that was migrated.
     * @param engine    what the engine reported, per round.
     * @param zstd      the zstd baselines, per round.
     * @param elapsedNs of the whole series run.
     * @return Markdown, ending with a blank line.
     */
    static String format(final SnapshotCorpus.Series series, final List<SnapshotMigration.EngineRound> engine,
        final List<SnapshotMigration.ZstdRound> zstd, final long elapsedNs)
    {
        final StringBuilder out = new StringBuilder(4096);
        final int rounds = engine.size();
        out.append(String.format(Locale.ROOT, "### `%s`: %d snapshots of %.1f MiB (%d pages)%n%n", series.name(),
            series.snapshots().size(), mib(series.sizeBytes()), series.sizeBytes() / 4096));

        out.append("| round | pages sent | engine wire bytes | `zstd -1`, whole image | `zstd -3 --patch-from` | " +
            "`zstd -3 --patch-from --single-thread` | `zstd -3`, sent pages | engine ÷ zstd reference | " +
            "engine ÷ `zstd -3`, sent pages |\n");
        out.append("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        long laterEngine = 0;
        long laterReference = 0;
        long laterChanged = 0;
        long laterPages = 0;
        long laterPatchFrom = 0;
        long laterSingleThread = 0;
        for (int r = 0; r < rounds; r++)
        {
            final SnapshotMigration.EngineRound e = engine.get(r);
            final SnapshotMigration.ZstdRound z = zstd.get(r);
            out.append(String.format(Locale.ROOT, "| %d | %d | %s | %s | %s | %s | %s | %s | %.2f |%n", r, e.pages(),
                mibText(e.wireBytes()), null == z.wholeImage() ? NONE : mibText(z.wholeImage().outputBytes()),
                null == z.patchFrom() ? NONE : mibText(z.patchFrom().outputBytes()),
                null == z.patchFromSingleThread() ? NONE : mibText(z.patchFromSingleThread().outputBytes()),
                mibText(z.changedPages().outputBytes()), ratio(e.wireBytes(), z.reference()),
                (double)e.wireBytes() / z.changedPages().outputBytes()));
            if (r > 0)
            {
                laterEngine += e.wireBytes();
                laterReference += z.reference();
                laterChanged += z.changedPages().outputBytes();
                laterPages += e.pages();
                laterPatchFrom += z.patchFrom().outputBytes();
                laterSingleThread += z.patchFromSingleThread().outputBytes();
            }
        }
        if (rounds > 1)
        {
            out.append(String.format(Locale.ROOT, "| 1–%d | %d | %s | %s | %s | %s | %s | %.2f | %.2f |%n",
                rounds - 1, laterPages, mibText(laterEngine), NONE, mibText(laterPatchFrom),
                mibText(laterSingleThread), mibText(laterChanged), (double)laterEngine / laterReference,
                (double)laterEngine / laterChanged));
        }
        out.append("\nThe zstd reference is `zstd -1` of the whole image in round 0 and the smaller `--patch-from` " +
            "in later rounds. In round 0 the sent pages are the whole image.\n\n");

        out.append("| round | engine, first page to last ack | engine, submit to RoundCompleted | `zstd -1` | " +
            "`zstd -3 --patch-from` | `… --single-thread` | `zstd -3`, sent pages |\n");
        out.append("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for (int r = 0; r < rounds; r++)
        {
            final SnapshotMigration.EngineRound e = engine.get(r);
            final SnapshotMigration.ZstdRound z = zstd.get(r);
            out.append(String.format(Locale.ROOT, "| %d | %s | %s | %s | %s | %s | %s |%n", r,
                secondsText(e.durationNs()), secondsText(e.wallNs()), timeOf(z.wholeImage()), timeOf(z.patchFrom()),
                timeOf(z.patchFromSingleThread()), timeOf(z.changedPages())));
        }
        out.append('\n');

        out.append("| round | zero pages | whole pages | unchanged pages | delta pages | baseline hits | " +
            "baseline misses |\n");
        out.append("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for (int r = 0; r < rounds; r++)
        {
            final SnapshotMigration.EngineRound e = engine.get(r);
            out.append(String.format(Locale.ROOT, "| %d | %d | %d | %d | %d | %d | %d |%n", r, e.zeroPages(),
                e.normalPages(), e.unchangedPages(), e.deltaPages(), e.cacheHits(), e.cacheMisses()));
        }
        out.append(String.format(Locale.ROOT, "%nDestination equal to snapshot %d byte for byte. " +
            "Series run (engines, zstd, checks): %.1f s.%n%n", rounds - 1, elapsedNs / 1e9));
        return out.toString();
    }

    private static String ratio(final long engineBytes, final long referenceBytes)
    {
        return String.format(Locale.ROOT, "%.2f", (double)engineBytes / referenceBytes);
    }

    private static String timeOf(final ZstdCommand.Result result)
    {
        return null == result ? NONE : secondsText(result.elapsedNs());
    }

    private static String secondsText(final long nanos)
    {
        return String.format(Locale.ROOT, "%.2f s", nanos / 1e9);
    }

    private static String mibText(final long bytes)
    {
        return String.format(Locale.ROOT, "%.2f MiB", mib(bytes));
    }

    private static double mib(final long bytes)
    {
        return bytes / (double)(1 << 20);
    }
}
