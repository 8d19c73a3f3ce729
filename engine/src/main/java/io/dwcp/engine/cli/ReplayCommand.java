package io.dwcp.engine.cli;

import io.dwcp.engine.recording.RecordingException;
import io.dwcp.engine.recording.RecordingReader;
import io.dwcp.engine.recording.RecordingSummary;
import io.dwcp.engine.recording.Replayer;
import io.dwcp.engine.runtime.LocalMigration;
import io.dwcp.engine.transport.Channels;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@code dwcp replay}: sends a recorded transfer again, or prints what a recording holds.
 */
@Command(name = "replay", mixinStandardHelpOptions = true,
    description = {
        "Replay a recording made with 'dwcp send --record' or 'dwcp demo --record' to a receiver, through a sender",
        "engine with the recorded settings; or, with --inspect, print what the recording holds." })
final class ReplayCommand implements Callable<Integer>
{
    @Parameters(index = "0", paramLabel = "QUEUE", description = "Directory of the recording queue.")
    Path recording;

    @Option(names = "--to", paramLabel = "RECEIVER", description = "host:port of a running receiver, or aeron:ipc.")
    String receiver;

    @Option(names = "--speed", defaultValue = "original", paramLabel = "original|max|FACTOR",
        description = "Recorded timing, as fast as possible, or FACTOR times faster (default: ${DEFAULT-VALUE}).")
    String speed;

    @Option(names = "--inspect", description = "Print the transfers, rounds, pages and duration; send nothing.")
    boolean isInspect;

    @Option(names = "--control-endpoint", defaultValue = "localhost:40125",
        description = "host:port the receiver replies to, or aeron:ipc (default: ${DEFAULT-VALUE}).")
    String controlEndpoint;

    @Option(names = "--timeout", defaultValue = "600", paramLabel = "SECONDS",
        description = "Longest wait for a round to be applied or a transfer to end (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    @Option(names = "--peer-timeout", defaultValue = "10", paramLabel = "SECONDS",
        description = "How long the receiver may stay silent, or unreachable at the start (default: ${DEFAULT-VALUE}).")
    long peerTimeoutSeconds;

    @Option(names = "--work-dir", paramLabel = "DIR",
        description = "Where scratch images and queues go (default: a new directory in the temp dir).")
    Path workDirectory;

    @Mixin
    DriverOptions driver;

    @Mixin
    SecurityOptions security;

    private final PrintStream out;

    ReplayCommand(final PrintStream out)
    {
        this.out = out;
    }

    public Integer call() throws Exception
    {
        if (isInspect)
        {
            print(scan());
            return 0;
        }

        if (null == receiver)
        {
            throw new UsageException("replay needs --to RECEIVER, or --inspect");
        }
        final double factor = parseSpeed(speed);
        if (timeoutSeconds <= 0 || peerTimeoutSeconds <= 0)
        {
            throw new UsageException("--timeout and --peer-timeout must be positive: " + timeoutSeconds + ", " +
                peerTimeoutSeconds);
        }
        try
        {
            Channels.channelFor(receiver);
            Channels.channelFor(controlEndpoint);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new UsageException("--to or --control-endpoint: " + ex.getMessage());
        }

        final RecordingSummary summary = scan();
        out.printf(Locale.ROOT, "replaying %s to %s at %s speed: %d transfers, %d commands, %d pages%n",
            recording, receiver, speed, summary.transfers().size(), summary.commands(), summary.pages());

        final io.dwcp.engine.security.EngineSecurity engineSecurity = security.resolve();
        final Path work = null != workDirectory ? workDirectory : Files.createTempDirectory("dwcp-replay-");
        final Replayer replayer = new Replayer(recording, receiver, controlEndpoint, factor,
            TimeUnit.SECONDS.toNanos(timeoutSeconds), work, (builder) -> driver.apply(builder, "replay"),
            (context) -> context.peerTimeoutNs(TimeUnit.SECONDS.toNanos(peerTimeoutSeconds)).security(engineSecurity),
            out);
        final List<Replayer.TransferResult> results;
        try
        {
            results = replayer.replay();
        }
        catch (final RecordingException ex)
        {
            throw new UsageException(ex.getMessage());
        }
        finally
        {
            if (null == workDirectory)
            {
                org.agrona.IoUtil.delete(work.toFile(), true);
            }
        }

        int failures = 0;
        for (final Replayer.TransferResult result : results)
        {
            final LocalMigration.Outcome outcome = result.outcome();
            final long transferId = result.recordedSummary().transferId();
            if (null == outcome)
            {
                out.printf(Locale.ROOT, "transfer %d: not replayed to its end: the recording never ended it%n",
                    transferId);
            }
            else if (outcome.completed())
            {
                out.printf(Locale.ROOT, "transfer %d: completed, digest %016x verified by the receiver, " +
                    "%d wire bytes in %.3f s%n", transferId, outcome.digest(), outcome.wireBytes(),
                    outcome.elapsedNs() / 1e9);
            }
            else
            {
                failures++;
                out.printf(Locale.ROOT, "transfer %d: FAILED: %s%n", transferId, outcome.failure());
            }
        }
        return 0 == failures ? 0 : 1;
    }

    private RecordingSummary scan()
    {
        try
        {
            return RecordingReader.scan(recording);
        }
        catch (final RecordingException ex)
        {
            throw new UsageException(ex.getMessage());
        }
    }

    static double parseSpeed(final String speed)
    {
        if ("original".equalsIgnoreCase(speed))
        {
            return 1.0;
        }
        if ("max".equalsIgnoreCase(speed))
        {
            return Replayer.MAX_SPEED;
        }
        final String number = speed.endsWith("x") ? speed.substring(0, speed.length() - 1) : speed;
        try
        {
            final double factor = Double.parseDouble(number);
            if (factor > 0 && !Double.isInfinite(factor))
            {
                return factor;
            }
        }
        catch (final NumberFormatException ignore)
        {
            // Reported below.
        }
        throw new UsageException("--speed must be original, max or a positive factor such as 2 or 0.5: " + speed);
    }

    private void print(final RecordingSummary summary)
    {
        final var settings = summary.settings();
        out.printf(Locale.ROOT, "recording %s: %d session(s), %d commands, %d pages (%.1f MiB of content), %.3f s%n",
            recording, summary.sessions(), summary.commands(), summary.pages(), summary.contentBytes() / 1048576.0,
            summary.durationNs() / 1e9);
        out.printf(Locale.ROOT, "sender settings: level %d, frames up to %d bytes and %d pages, baseline store %d " +
            "bytes, delta chain %d, dictionary %d bytes, compression and deltas %s%n", settings.compressionLevel(),
            settings.maxFrameLength(), settings.maxPagesPerFrame(), settings.baselineBudgetBytes(),
            settings.baselineMaxDeltaChain(), settings.dictionaryBytes(), settings.isHdeEnabled() ? "on" : "off");
        for (final RecordingSummary.Transfer transfer : summary.transfers())
        {
            long pages = 0;
            for (final long count : transfer.pagesByRound().values())
            {
                pages += count;
            }
            out.printf(Locale.ROOT, "transfer %d (vm %s): %d bytes in %d-byte pages, %d rounds, %d pages, " +
                "%.3f s to %.3f s, %s%n", transfer.transferId(), transfer.vmId(), transfer.fileSize(),
                transfer.pageSize(), transfer.pagesByRound().size(), pages, transfer.firstOffsetNs() / 1e9,
                transfer.lastOffsetNs() / 1e9,
                transfer.isCancelled() ? "cancelled" : transfer.isEnded() ? "ended" : "not ended");
            for (final Map.Entry<Integer, Long> round : transfer.pagesByRound().entrySet())
            {
                out.printf(Locale.ROOT, "  round %d: %d pages%n", round.getKey(), round.getValue());
            }
        }
    }
}
