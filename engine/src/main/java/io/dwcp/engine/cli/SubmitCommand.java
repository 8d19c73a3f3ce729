package io.dwcp.engine.cli;

import io.dwcp.codecs.agent.CommandRejectedDecoder;
import io.dwcp.codecs.agent.TransferAcceptedDecoder;
import io.dwcp.codecs.agent.TransferCompletedDecoder;
import io.dwcp.codecs.agent.TransferFailedDecoder;
import io.dwcp.codecs.agent.TransferProgressDecoder;
import io.dwcp.engine.config.EngineConfiguration;
import io.dwcp.engine.queue.CommandPublisher;
import io.dwcp.engine.queue.EngineEventListener;
import io.dwcp.engine.queue.EventAdapter;
import io.dwcp.engine.queue.SbeQueues;
import net.openhft.chronicle.queue.ChronicleQueue;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@code dwcp submit}: acts as an agent, enqueues the transfer of a memory file and follows its events.
 */
@Command(name = "submit", mixinStandardHelpOptions = true,
    description = "Enqueue a whole-image transfer on a sender's command queue and follow its events to the end.")
final class SubmitCommand implements Callable<Integer>
{
    @Option(names = "--commands", required = true, paramLabel = "DIR", description = "The sender's command queue.")
    Path commands;

    @Option(names = "--events", required = true, paramLabel = "DIR", description = "The sender's events queue.")
    Path events;

    @Option(names = "--file", required = true, description = "Memory file to send.")
    Path file;

    @Option(names = "--receiver", required = true, description = "host:port of the receiver, or aeron:ipc.")
    String receiver;

    @Option(names = "--transfer-id", description = "Transfer id (default: the current time in microseconds).")
    Long transferId;

    @Option(names = "--vm-id", defaultValue = "vm",
        description = "VM id; names the destination (default: ${DEFAULT-VALUE}).")
    String vmId;

    @Option(names = "--page-size", defaultValue = "4096", description = "Bytes per page (default: ${DEFAULT-VALUE}).")
    int pageSize;

    @Option(names = "--level", defaultValue = "0", description = "zstd level; 0 for the sender's default.")
    int level;

    @Option(names = "--timeout", defaultValue = "600",
        description = "Seconds to wait for the end (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    private final PrintStream out;

    SubmitCommand(final PrintStream out)
    {
        this.out = out;
    }

    public Integer call() throws Exception
    {
        if (!Files.exists(file))
        {
            throw new UsageException("--file " + file + " does not exist");
        }
        if (!Files.isRegularFile(file))
        {
            throw new UsageException("--file " + file + " is not a regular file: a directory, a device or a pipe " +
                "cannot be mapped as guest memory");
        }
        if (!EngineConfiguration.isValidPageSize(pageSize))
        {
            throw new UsageException("--page-size " + pageSize + " is not a power of two from 4096 to 65536");
        }
        final long size = Files.size(file);
        if (0 == size || 0 != size % pageSize)
        {
            throw new UsageException(file + " holds " + size + " bytes, not a whole number of " + pageSize +
                "-byte pages");
        }
        final long id = null != transferId ? transferId : io.dwcp.engine.security.TransferIds.unguessable();

        final Follower follower = new Follower(id);
        try (ChronicleQueue commandQueue = SbeQueues.open(commands);
            ChronicleQueue eventQueue = SbeQueues.open(events);
            CommandPublisher publisher = new CommandPublisher(commandQueue);
            // From the end, before the commands: this attempt's events only, never an earlier one's with this id.
            EventAdapter adapter = EventAdapter.fromEnd(eventQueue, follower))
        {
            final long pageCount = size / pageSize;
            follower.submittedNs = System.nanoTime();
            publisher.startTransfer(id, vmId, file.toAbsolutePath().toString(), size, pageSize, level, receiver);
            final int batchPages = 1 << 16;
            for (long first = 0; first < pageCount; first += batchPages)
            {
                publisher.pageRange(id, 0, first, (int)Math.min(batchPages, pageCount - first));
            }
            publisher.endOfRound(id, 0);
            publisher.endOfTransfer(id);
            out.printf(Locale.ROOT, "submitted transfer %d: %s, %d pages, to %s%n", id, file, pageCount, receiver);

            final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
            while (!follower.isEnded)
            {
                if (System.nanoTime() - deadlineNs > 0)
                {
                    out.println("no end of transfer " + id + " within " + timeoutSeconds + " s; is a sender running?");
                    return 1;
                }
                if (0 == adapter.poll(100))
                {
                    Thread.sleep(1);
                }
            }
        }
        return follower.isCompleted ? 0 : 1;
    }

    private final class Follower implements EngineEventListener
    {
        private final long transferId;
        private long lastPrintNs;
        private long submittedNs;
        private String prefix = "";
        private boolean isEnded;
        private boolean isCompleted;

        Follower(final long transferId)
        {
            this.transferId = transferId;
        }

        public void onAccepted(final TransferAcceptedDecoder event)
        {
            if (event.transferId() == transferId)
            {
                prefix = 1 == event.authenticated() ? "" : "INSECURE ";
                out.printf(Locale.ROOT, "%saccepted by the receiver %.1f ms after the submit: %d pages, %s%n", prefix,
                    (System.nanoTime() - submittedNs) / 1e6, event.pageCount(),
                    prefix.isEmpty() ? "authenticated, frames sealed" : "no authentication, frames in clear");
            }
        }

        public void onProgress(final TransferProgressDecoder event)
        {
            final long nowNs = System.nanoTime();
            if (event.transferId() == transferId && nowNs - lastPrintNs > TimeUnit.SECONDS.toNanos(1))
            {
                lastPrintNs = nowNs;
                out.printf(Locale.ROOT, prefix + "progress: %d/%d pages applied, %.0f MB/s, ratio %.2fx%n",
                    event.pagesAcknowledged(), event.pagesAcknowledged() + event.pagesRemaining() +
                    (event.pagesSent() - event.pagesAcknowledged()),
                    event.throughputBytesPerSecond() / 1e6, event.compressionRatio());
            }
        }

        public void onLinkChanged(final io.dwcp.codecs.agent.LinkChangedDecoder event)
        {
            if (event.transferId() == transferId)
            {
                final String reason = event.reason();
                out.printf(Locale.ROOT, "link: at %d ms: %s (confidence %d%%), zstd level %d, %d streams, " +
                    "p95 %.0f Mbit/s, p50 rtt %.2f ms, pace %s: %s%n", System.currentTimeMillis(), event.tier(),
                    event.confidencePercent(), event.compressionLevel(), event.streams(), event.bandwidthBps() / 1e6,
                    event.latencyNs() / 1e6, 0 == event.paceBps() ? "none" : event.paceBps() / 1_000_000 + " Mbit/s",
                    reason);
            }
        }

        public void onCompleted(final TransferCompletedDecoder event)
        {
            if (event.transferId() == transferId)
            {
                isEnded = true;
                isCompleted = true;
                out.printf(Locale.ROOT, "completed: %d pages, %d wire bytes, %.2f s, digest %016x verified%s%n",
                    event.pagesSent(), event.wireBytes(), event.elapsedNs() / 1e9, event.digest(),
                    event.attempts() > 1 ? String.format(Locale.ROOT, "; %d attempts, the last put %d bytes on " +
                    "the wire", event.attempts(), event.lastAttemptWireBytes()) : "");
            }
        }

        public void onFailed(final TransferFailedDecoder event)
        {
            if (event.transferId() == transferId)
            {
                isEnded = true;
                out.println("failed: " + event.reason() + ": " + event.text());
            }
        }

        public void onRejected(final CommandRejectedDecoder event)
        {
            if (event.transferId() == transferId)
            {
                out.println("command rejected: " + event.reason() + ": " + event.text());
            }
        }
    }
}
