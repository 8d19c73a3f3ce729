package io.dwcp.engine.recording;

import io.dwcp.codecs.agent.CancelTransferDecoder;
import io.dwcp.codecs.agent.CommandRejectedDecoder;
import io.dwcp.codecs.agent.EndOfRoundDecoder;
import io.dwcp.codecs.agent.EndOfTransferDecoder;
import io.dwcp.codecs.agent.MessageHeaderDecoder;
import io.dwcp.codecs.agent.RoundCompletedDecoder;
import io.dwcp.codecs.agent.StartTransferDecoder;
import io.dwcp.codecs.agent.TransferCompletedDecoder;
import io.dwcp.codecs.agent.TransferFailedDecoder;
import io.dwcp.engine.config.SenderContext;
import io.dwcp.engine.config.StreamCountPolicy;
import io.dwcp.engine.transport.StripeLayout;
import io.dwcp.engine.memory.MappedImage;
import io.dwcp.engine.queue.CommandPublisher;
import io.dwcp.engine.queue.EngineEventListener;
import io.dwcp.engine.queue.EventAdapter;
import io.dwcp.engine.queue.SbeQueues;
import io.dwcp.engine.runtime.Engine;
import io.dwcp.engine.runtime.EngineBuilder;
import io.dwcp.engine.runtime.LocalMigration;
import net.openhft.chronicle.queue.ChronicleQueue;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.IoUtil;
import org.agrona.collections.Long2ObjectHashMap;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * Replays a recording to a receiver through a real sender engine with the recorded settings.
 * <p>
 * Each transfer's pages are rebuilt in a scratch image file: the contents recorded before a page batch are written
 * into it, then the batch is submitted unchanged, so the sender reads the same bytes it read when recording. A
 * transfer's start is submitted with the scratch image as its file and the replay's receiver as its receiver.
 * Commands go out at their recorded times divided by the speed, or as fast as possible. Before it overwrites pages
 * for a new round, the replay waits until every round already ended has been applied, as a pre-copy agent does, so
 * the same recording with the same settings gives the same destination and the same wire bytes.
 * <p>
 * Not thread safe: one replay per instance, run on the caller's thread.
 */
public final class Replayer
{
    /** Speed value for "as fast as possible". */
    public static final double MAX_SPEED = Double.POSITIVE_INFINITY;

    private final Path recording;
    private final String receiverEndpoint;
    private final String controlEndpoint;
    private final double speed;
    private final long timeoutNs;
    private final Path workDirectory;
    private final UnaryOperator<EngineBuilder> driver;
    private final Consumer<SenderContext> senderSettings;
    private final PrintStream out;

    private final Long2ObjectHashMap<TransferReplay> transfersById = new Long2ObjectHashMap<>();
    private final List<TransferReplay> transfers = new ArrayList<>();
    private CommandPublisher commands;
    private EventAdapter events;
    private long sessionOriginNs;

    /**
     * How a replayed transfer ended.
     *
     * @param outcome         as the sender reported it, or null when the recording never ended the transfer.
     * @param recordedSummary what the recording holds of it.
     */
    public record TransferResult(LocalMigration.Outcome outcome, RecordingSummary.Transfer recordedSummary)
    {
    }

    private static final class TransferReplay
    {
        private final long transferId;
        private final MappedImage image;
        private int roundsEnded;
        private int roundsCompleted;
        private boolean isEndSubmitted;
        private LocalMigration.Outcome outcome;

        TransferReplay(final long transferId, final MappedImage image)
        {
            this.transferId = transferId;
            this.image = image;
        }
    }

    /**
     * Set up a replay.
     *
     * @param recording        directory of the recording queue.
     * @param receiverEndpoint host:port of the receiver, or aeron:ipc.
     * @param controlEndpoint  host:port the receiver replies to, or aeron:ipc.
     * @param speed            1 for the recorded timing, 2 for twice as fast, {@link #MAX_SPEED} for no waits.
     * @param timeoutNs        longest wait for the receiver to apply a round or end a transfer.
     * @param workDirectory    for the scratch images and queues; emptied of them afterwards.
     * @param driver           chooses the media driver of the replay's sender engine.
     * @param senderSettings   settings of the replay's sender beyond the recorded ones, such as its peer timeout.
     * @param out              receives rejected commands and engine errors.
     */
    public Replayer(
        final Path recording,
        final String receiverEndpoint,
        final String controlEndpoint,
        final double speed,
        final long timeoutNs,
        final Path workDirectory,
        final UnaryOperator<EngineBuilder> driver,
        final Consumer<SenderContext> senderSettings,
        final PrintStream out)
    {
        if (!(speed > 0))
        {
            throw new IllegalArgumentException("speed must be positive: " + speed);
        }
        this.recording = recording;
        this.receiverEndpoint = receiverEndpoint;
        this.controlEndpoint = controlEndpoint;
        this.speed = speed;
        this.timeoutNs = timeoutNs;
        this.workDirectory = workDirectory;
        this.driver = driver;
        this.senderSettings = senderSettings;
        this.out = out;
    }

    /**
     * Check the recording, then replay it and wait for each transfer it ends.
     *
     * @return each transfer's result, in the order they started.
     * @throws RecordingException   if the recording is missing, foreign, malformed or truncated; nothing is sent.
     * @throws IOException          if the scratch files cannot be made.
     * @throws InterruptedException if interrupted while waiting.
     */
    public List<TransferResult> replay() throws RecordingException, IOException, InterruptedException
    {
        final RecordingSummary summary = RecordingReader.scan(recording);
        final RecordingSummary.Settings settings = summary.settings();
        Files.createDirectories(workDirectory);
        final Path commandDirectory = Files.createTempDirectory(workDirectory, "commands-");
        final Path eventDirectory = Files.createTempDirectory(workDirectory, "events-");

        ChronicleQueue commandQueue = null;
        ChronicleQueue eventQueue = null;
        Engine engine = null;
        try
        {
            commandQueue = SbeQueues.open(commandDirectory);
            eventQueue = SbeQueues.open(eventDirectory);
            commands = new CommandPublisher(commandQueue);
            events = new EventAdapter(eventQueue, new Tracker());
            final ChronicleQueue commandQueueOfSender = commandQueue;
            final ChronicleQueue eventQueueOfSender = eventQueue;
            engine = driver.apply(new EngineBuilder("replay"))
                .sender((context) -> senderSettings.accept(context
                    .commandQueue(commandQueueOfSender)
                    .eventQueue(eventQueueOfSender)
                    .controlEndpoint(controlEndpoint)
                    .compressionLevel(settings.compressionLevel())
                    .maxFrameLength(settings.maxFrameLength())
                    .maxPagesPerFrame(settings.maxPagesPerFrame())
                    .baselineBudgetBytes(settings.baselineBudgetBytes())
                    .baselineMaxDeltaChain(settings.baselineMaxDeltaChain())
                    .dictionaryBytes(settings.dictionaryBytes())
                    .hdeEnabled(settings.isHdeEnabled())
                    .baselineCompressed(settings.isBaselineCompressed())
                    .blockPages(settings.blockPages())
                    .duplicateIndexBytes(settings.duplicateIndexBytes())
                    .similarIndexBytes(settings.similarIndexBytes())
                    .similarWholeLevel(settings.similarWholeLevel())
                    .roundStartBytes(settings.roundStartBytes())
                    .streamLevel(settings.streamLevel())
                    .streamCountPolicy(new StreamCountPolicy(settings.streams(), 1, StripeLayout.MAX_STRIPES,
                        settings.streams()))
                    .recordingDirectory(null)
                    .reproducible(true)))
                .errorHandler((ex) -> out.println("replay sender error: " + ex))
                .launch();

            RecordingReader.read(recording, new ReplayHandler());

            final List<TransferResult> results = new ArrayList<>();
            for (final RecordingSummary.Transfer recorded : summary.transfers())
            {
                final TransferReplay transfer = transfersById.get(recorded.transferId());
                if (null != transfer && transfer.isEndSubmitted)
                {
                    awaitOutcome(transfer);
                }
                results.add(new TransferResult(null == transfer ? null : transfer.outcome, recorded));
            }
            return results;
        }
        finally
        {
            for (final TransferReplay transfer : transfers)
            {
                CloseHelper.quietClose(transfer.image);
                Files.deleteIfExists(transfer.image.file());
            }
            CloseHelper.quietCloseAll(engine, events, commands, commandQueue, eventQueue);
            IoUtil.delete(commandDirectory.toFile(), true);
            IoUtil.delete(eventDirectory.toFile(), true);
        }
    }

    private void awaitOutcome(final TransferReplay transfer) throws InterruptedException
    {
        final long deadlineNs = System.nanoTime() + timeoutNs;
        while (null == transfer.outcome)
        {
            if (System.nanoTime() - deadlineNs > 0)
            {
                transfer.outcome = new LocalMigration.Outcome(transfer.transferId, false, 0, 0, 0,
                    "TIMEOUT: transfer did not end within " + TimeUnit.NANOSECONDS.toSeconds(timeoutNs) + " s");
                return;
            }
            pollEvents();
        }
    }

    private void pollEvents() throws InterruptedException
    {
        if (0 == events.poll(100))
        {
            if (Thread.interrupted())
            {
                throw new InterruptedException();
            }
            LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(200));
        }
    }

    private final class ReplayHandler implements RecordingReader.Handler
    {
        private final StartTransferDecoder startDecoder = new StartTransferDecoder();
        private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();

        public void onSessionStarted(final RecordingSummary.Settings settings)
        {
            sessionOriginNs = System.nanoTime();
        }

        public void onPages(
            final long transferId,
            final int round,
            final long firstPage,
            final int pageCount,
            final DirectBuffer buffer,
            final int contentOffset) throws InterruptedException
        {
            final TransferReplay transfer = transfersById.get(transferId);
            if (null == transfer || null != transfer.outcome)
            {
                return;
            }
            // Never overwrite a page the sender may still have to read for an earlier round.
            final long deadlineNs = System.nanoTime() + timeoutNs;
            while (transfer.roundsCompleted < transfer.roundsEnded && null == transfer.outcome)
            {
                if (System.nanoTime() - deadlineNs > 0)
                {
                    transfer.outcome = new LocalMigration.Outcome(transferId, false, 0, 0, 0, "TIMEOUT: round " +
                        transfer.roundsEnded + " was not applied within " + TimeUnit.NANOSECONDS.toSeconds(timeoutNs) +
                        " s");
                    return;
                }
                pollEvents();
            }
            final MappedImage image = transfer.image;
            final int pageSize = image.pageSize();
            for (int i = 0; i < pageCount; i++)
            {
                final long pageNumber = firstPage + i;
                image.segmentOf(pageNumber).putBytes(image.offsetOf(pageNumber), buffer, contentOffset + i * pageSize,
                    pageSize);
            }
        }

        public void onCommand(
            final long offsetNs, final int templateId, final DirectBuffer buffer, final int offset, final int length)
            throws InterruptedException
        {
            headerDecoder.wrap(buffer, offset);
            final int body = offset + MessageHeaderDecoder.ENCODED_LENGTH;
            // Every command's first field is its transfer id.
            final long transferId = buffer.getLong(body, ByteOrder.LITTLE_ENDIAN);
            TransferReplay transfer = transfersById.get(transferId);
            if (null != transfer && null != transfer.outcome)
            {
                return;
            }

            waitUntil(offsetNs);
            if (StartTransferDecoder.TEMPLATE_ID == templateId)
            {
                startDecoder.wrap(buffer, body, headerDecoder.blockLength(), headerDecoder.version());
                final int pageSize = startDecoder.pageSize();
                final long fileSize = startDecoder.fileSize();
                final int level = startDecoder.compressionLevel();
                final String vmId = startDecoder.vmId();
                final Path file = workDirectory.resolve("replay-" + transferId + ".img");
                final MappedImage image;
                try
                {
                    image = MappedImage.createReadWrite(file, pageSize, fileSize);
                }
                catch (final IOException ex)
                {
                    throw new UncheckedIOException("cannot make the scratch image " + file, ex);
                }
                transfer = new TransferReplay(transferId, image);
                transfersById.put(transferId, transfer);
                transfers.add(transfer);
                commands.startTransfer(transferId, vmId, file.toString(), fileSize, pageSize, level, receiverEndpoint);
                return;
            }

            if (EndOfRoundDecoder.TEMPLATE_ID == templateId && null != transfer)
            {
                transfer.roundsEnded++;
            }
            if (EndOfTransferDecoder.TEMPLATE_ID == templateId || CancelTransferDecoder.TEMPLATE_ID == templateId)
            {
                if (null != transfer)
                {
                    transfer.isEndSubmitted = true;
                }
            }
            commands.appendRaw(buffer, offset, length);
        }

        private void waitUntil(final long offsetNs) throws InterruptedException
        {
            if (Double.isInfinite(speed))
            {
                events.poll(100);
                return;
            }
            final long dueNs = sessionOriginNs + (long)(offsetNs / speed);
            while (System.nanoTime() - dueNs < 0)
            {
                pollEvents();
            }
        }
    }

    private final class Tracker implements EngineEventListener
    {
        public void onRoundCompleted(final RoundCompletedDecoder event)
        {
            final TransferReplay transfer = transfersById.get(event.transferId());
            if (null != transfer)
            {
                transfer.roundsCompleted++;
            }
        }

        public void onCompleted(final TransferCompletedDecoder event)
        {
            final TransferReplay transfer = transfersById.get(event.transferId());
            if (null != transfer)
            {
                transfer.outcome = new LocalMigration.Outcome(event.transferId(), true, event.digest(),
                    event.wireBytes(), event.elapsedNs(), null);
            }
        }

        public void onFailed(final TransferFailedDecoder event)
        {
            final TransferReplay transfer = transfersById.get(event.transferId());
            final String text = event.reason() + ": " + event.text();
            if (null != transfer)
            {
                transfer.outcome = new LocalMigration.Outcome(event.transferId(), false, 0, 0, 0, text);
            }
        }

        public void onRejected(final CommandRejectedDecoder event)
        {
            out.println("replay: command for transfer " + event.transferId() + " rejected: " + event.reason() + ": " +
                event.text());
        }
    }
}
