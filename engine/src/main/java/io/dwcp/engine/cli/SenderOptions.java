package io.dwcp.engine.cli;

import io.dwcp.engine.config.EngineConfiguration;
import io.dwcp.engine.config.SenderContext;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/**
 * Options shared by commands that run a sender: its baseline store, HDE and recording.
 */
final class SenderOptions
{
    @Option(names = "--baseline-budget", converter = Sizes.class, defaultValue = "64m",
        description = "Bytes of page versions kept per transfer to send deltas against (default: ${DEFAULT-VALUE}).")
    long baselineBudget;

    @Option(names = "--compressed-baselines", description = "Keep the baseline store's pages zstd-compressed: " +
        "about three times the pages for the same budget, for more sender CPU (dwcp.baseline.compressed).")
    boolean isBaselineCompressed = EngineConfiguration.baselineCompressed();

    @Option(names = "--no-hde", description = "Send every page raw: no compression or deltas (backward-compatibility " +
        "mode).")
    boolean isHdeDisabled;

    @Option(names = "--record", paramLabel = "DIR",
        description = "Record every accepted command and the page contents it names into this queue, for dwcp replay.")
    Path recording;

    SenderContext apply(final SenderContext context)
    {
        return context.baselineBudgetBytes(baselineBudget).baselineCompressed(isBaselineCompressed)
            .hdeEnabled(!isHdeDisabled).recordingDirectory(recording);
    }
}
