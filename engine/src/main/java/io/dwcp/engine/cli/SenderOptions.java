package io.dwcp.engine.cli;

import io.dwcp.engine.config.CodecConfiguration;
import io.dwcp.engine.config.EngineConfiguration;
import io.dwcp.engine.config.SenderContext;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/**
 * Options shared by commands that run a sender: its baseline store, HDE and recording.
 */
final class SenderOptions
{
    @Option(names = "--baseline-budget", converter = Sizes.class, defaultValue = "1g",
        description = "Bytes of page versions kept per transfer to send deltas against, never more than the image " +
            "(default: ${DEFAULT-VALUE}).")
    long baselineBudget;

    @Option(names = "--compressed-baselines", description = "Keep the baseline store's pages zstd-compressed: " +
        "about three times the pages for the same budget, for more sender CPU (dwcp.baseline.compressed).")
    boolean isBaselineCompressed = CodecConfiguration.baselineCompressed();

    @Option(names = "--no-hde", description = "Send every page raw: no compression or deltas (backward-compatibility " +
        "mode).")
    boolean isHdeDisabled;

    @Option(names = "--streams", paramLabel = "N", description = "Stripes (Aeron streams) per transfer, 1 to 256; " +
        "each has its own publication, zstd context and baseline slice (dwcp.streams.fixed; default: the command's " +
        "choice, else dwcp.streams=" + EngineConfiguration.STREAMS_DEFAULT + ").")
    int streams = EngineConfiguration.streamsFixed();

    @Option(names = "--workers", paramLabel = "N", description = "Sender workers that encode and publish the " +
        "stripes; with --threading DEDICATED each has a thread (dwcp.sender.workers; default: ${DEFAULT-VALUE}).")
    int workers = EngineConfiguration.senderWorkers();

    @Option(names = "--record", paramLabel = "DIR",
        description = "Record every accepted command and the page contents it names into this queue, for dwcp replay.")
    Path recording;

    SenderContext apply(final SenderContext context)
    {
        if (streams < 0 || streams > io.dwcp.engine.transport.StripeLayout.MAX_STRIPES)
        {
            throw new UsageException("--streams " + streams + " is outside 1 to " +
                io.dwcp.engine.transport.StripeLayout.MAX_STRIPES);
        }
        if (workers < 1 || workers > 64)
        {
            throw new UsageException("--workers " + workers + " is outside 1 to 64");
        }
        if (streams > 0)
        {
            context.streamCountPolicy(new io.dwcp.engine.config.StreamCountPolicy(streams,
                EngineConfiguration.streamsMin(), EngineConfiguration.streamsMax(), EngineConfiguration.streams()));
        }
        return context.baselineBudgetBytes(baselineBudget).baselineCompressed(isBaselineCompressed)
            .hdeEnabled(!isHdeDisabled).recordingDirectory(recording).workerCount(workers);
    }
}
