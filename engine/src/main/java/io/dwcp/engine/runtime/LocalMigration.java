package io.dwcp.engine.runtime;

import io.dwcp.driver.AeronDirectories;
import io.dwcp.driver.DriverProfile;
import io.dwcp.engine.config.SenderContext;
import io.dwcp.engine.queue.CommandPublisher;
import io.dwcp.engine.queue.EngineEventListener;
import io.dwcp.engine.queue.EventAdapter;
import io.dwcp.engine.queue.SbeQueues;
import io.dwcp.engine.security.EngineSecurity;
import net.openhft.chronicle.queue.ChronicleQueue;
import org.agrona.CloseHelper;
import org.agrona.ErrorHandler;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * A sender and a receiver on one host with real command and event queues: two engines, each on its own embedded
 * driver, over UDP loopback, or one engine on one driver over {@code aeron:ipc}. The caller plays the agent
 * through {@link #commands()} and an {@link EventAdapter}. Used by {@code dwcp demo}, the tests and the benchmarks.
 * <p>
 * Create and use from one thread. {@link #close()} is idempotent.
 */
public final class LocalMigration implements AutoCloseable
{
    private final Path directory;
    private final Path outputDirectory;
    private final ChronicleQueue commandQueue;
    private final ChronicleQueue eventQueue;
    private final ChronicleQueue receiverEventQueue;
    private final CommandPublisher commands;
    private final String receiverEndpoint;
    private final Engine senderEngine;
    private final Engine receiverEngine;
    private final EngineSecurity senderSecurity;
    private final EngineSecurity receiverSecurity;
    private boolean isClosed;

    /**
     * Start the engines.
     *
     * @param directory      for queues and the destination images; drivers live in memory, see AeronDirectories.
     * @param isIpc          true for one engine over aeron:ipc, false for two over UDP loopback.
     * @param profile        driver settings.
     * @param threading      thread layout of each engine.
     * @param senderSettings extra sender settings.
     * @param errorHandler   receives the engines' errors.
     * @throws IOException if a directory cannot be made or no port is free.
     */
    public LocalMigration(
        final Path directory,
        final boolean isIpc,
        final DriverProfile profile,
        final EngineThreading threading,
        final Consumer<SenderContext> senderSettings,
        final ErrorHandler errorHandler) throws IOException
    {
        this(directory, isIpc, profile, threading, senderSettings, (context) -> {}, errorHandler);
    }

    /**
     * Start the engines with settings for both.
     *
     * @param directory        for queues and the destination images; drivers live in memory, see AeronDirectories.
     * @param isIpc            true for one engine over aeron:ipc, false for two over UDP loopback.
     * @param profile          driver settings.
     * @param threading        thread layout of each engine.
     * @param senderSettings   extra sender settings.
     * @param receiverSettings extra receiver settings.
     * @param errorHandler     receives the engines' errors.
     * @throws IOException if a directory cannot be made or no port is free.
     */
    public LocalMigration(
        final Path directory,
        final boolean isIpc,
        final DriverProfile profile,
        final EngineThreading threading,
        final Consumer<SenderContext> senderSettings,
        final Consumer<io.dwcp.engine.config.ReceiverContext> receiverSettings,
        final ErrorHandler errorHandler) throws IOException
    {
        this.directory = directory;
        outputDirectory = Files.createDirectories(directory.resolve("out"));
        commandQueue = SbeQueues.open(directory.resolve("commands"));
        eventQueue = SbeQueues.open(directory.resolve("events"));
        receiverEventQueue = SbeQueues.open(directory.resolve("receiver-events"));
        commands = new CommandPublisher(commandQueue);

        // Each engine gets a new key and trusts the other's: secure by default, with nothing to set up.
        final EngineSecurity[] keys = EngineSecurity.pair();
        senderSecurity = keys[0];
        receiverSecurity = keys[1];
        final Consumer<SenderContext> queues = (context) ->
        {
            context.commandQueue(commandQueue).eventQueue(eventQueue).security(senderSecurity);
            senderSettings.accept(context);
        };

        if (isIpc)
        {
            receiverEndpoint = "aeron:ipc";
            senderEngine = new EngineBuilder("local")
                .embeddedDriver(AeronDirectories.forEmbeddedDriver("local"), profile, threading)
                .receiver((context) -> receiverSettings.accept(context.dataEndpoint(receiverEndpoint)
                    .outputDirectory(outputDirectory).eventQueue(receiverEventQueue).security(receiverSecurity)))
                .sender((context) -> queues.accept(context.controlEndpoint("aeron:ipc")))
                .errorHandler(errorHandler)
                .launch();
            receiverEngine = senderEngine;
        }
        else
        {
            receiverEndpoint = "localhost:" + freeUdpPort();
            final String controlEndpoint = "localhost:" + freeUdpPort();
            receiverEngine = new EngineBuilder("receiver")
                .embeddedDriver(AeronDirectories.forEmbeddedDriver("receiver"), profile, threading)
                .receiver((context) -> receiverSettings.accept(context.dataEndpoint(receiverEndpoint)
                    .outputDirectory(outputDirectory).eventQueue(receiverEventQueue).security(receiverSecurity)))
                .errorHandler(errorHandler)
                .launch();
            senderEngine = new EngineBuilder("sender")
                .embeddedDriver(AeronDirectories.forEmbeddedDriver("sender"), profile, threading)
                .sender((context) -> queues.accept(context.controlEndpoint(controlEndpoint)))
                .errorHandler(errorHandler)
                .launch();
        }
    }

    /**
     * @return the sender's key and trust, made for this migration; a setting of the caller's may replace it.
     */
    public EngineSecurity senderSecurity()
    {
        return senderSecurity;
    }

    /**
     * @return the receiver's key and trust, made for this migration; a setting of the caller's may replace it.
     */
    public EngineSecurity receiverSecurity()
    {
        return receiverSecurity;
    }

    /**
     * A UDP port free on loopback right now.
     *
     * @return the port.
     * @throws IOException if no socket can be opened.
     */
    public static int freeUdpPort() throws IOException
    {
        try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress()))
        {
            return socket.getLocalPort();
        }
    }

    /**
     * Submit a whole image as round 0 and end the transfer.
     *
     * @param transferId       of the transfer.
     * @param vmId             of the VM.
     * @param image            source file.
     * @param pageSize         bytes per page.
     * @param compressionLevel zstd level, 0 for the default.
     * @throws IOException if the file size cannot be read.
     */
    public void submitWholeImage(
        final long transferId, final String vmId, final Path image, final int pageSize, final int compressionLevel)
        throws IOException
    {
        final long size = Files.size(image);
        commands.startTransfer(transferId, vmId, image.toString(), size, pageSize, compressionLevel, receiverEndpoint);
        final long pageCount = size / pageSize;
        final int batchPages = 1 << 16;
        for (long first = 0; first < pageCount; first += batchPages)
        {
            commands.pageRange(transferId, 0, first, (int)Math.min(batchPages, pageCount - first));
        }
        commands.endOfRound(transferId, 0);
        commands.endOfTransfer(transferId);
    }

    /**
     * Open a transfer of an image without queueing any page yet, for a multi-round migration.
     *
     * @param transferId       of the transfer.
     * @param vmId             of the VM.
     * @param image            source file.
     * @param pageSize         bytes per page.
     * @param compressionLevel zstd level, 0 for the default.
     * @throws IOException if the file size cannot be read.
     */
    public void startTransfer(
        final long transferId, final String vmId, final Path image, final int pageSize, final int compressionLevel)
        throws IOException
    {
        commands.startTransfer(
            transferId, vmId, image.toString(), Files.size(image), pageSize, compressionLevel, receiverEndpoint);
    }

    /**
     * Read events until a condition holds.
     *
     * @param events    the adapter to poll; it keeps its position between calls.
     * @param condition checked after each poll.
     * @param timeoutNs how long to wait.
     * @throws InterruptedException  if interrupted while waiting.
     * @throws IllegalStateException if the condition does not hold in time.
     */
    public static void pollUntil(final EventAdapter events, final java.util.function.BooleanSupplier condition,
        final long timeoutNs) throws InterruptedException
    {
        final long deadlineNs = System.nanoTime() + timeoutNs;
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() - deadlineNs > 0)
            {
                throw new IllegalStateException("no expected event within " +
                    java.util.concurrent.TimeUnit.NANOSECONDS.toSeconds(timeoutNs) + " s");
            }
            if (0 == events.poll(100))
            {
                Thread.sleep(1);
            }
        }
    }

    /**
     * How a transfer ended.
     *
     * @param transferId of the transfer.
     * @param completed  true if the digests matched.
     * @param digest     agreed digest, when completed.
     * @param wireBytes  frame bytes sent.
     * @param elapsedNs  from the transfer's start to its end, on the sender's clock.
     * @param failure    reason and text, when not completed.
     */
    public record Outcome(
        long transferId, boolean completed, long digest, long wireBytes, long elapsedNs, String failure)
    {
    }

    /**
     * Read the sender's events until a transfer ends.
     *
     * @param transferId of the transfer.
     * @param listener   also receives every event read, for example to show progress.
     * @param timeoutNs  how long to wait.
     * @return how it ended.
     * @throws InterruptedException  if interrupted while waiting.
     * @throws IllegalStateException if it did not end in time.
     */
    public Outcome awaitOutcome(final long transferId, final EngineEventListener listener, final long timeoutNs)
        throws InterruptedException
    {
        final Outcome[] outcome = new Outcome[1];
        final EngineEventListener tracker = new EngineEventListener()
        {
            public void onAccepted(final io.dwcp.codecs.agent.TransferAcceptedDecoder event)
            {
                listener.onAccepted(event);
            }

            public void onProgress(final io.dwcp.codecs.agent.TransferProgressDecoder event)
            {
                listener.onProgress(event);
            }

            public void onCompleted(final io.dwcp.codecs.agent.TransferCompletedDecoder event)
            {
                if (event.transferId() == transferId)
                {
                    outcome[0] = new Outcome(
                        transferId, true, event.digest(), event.wireBytes(), event.elapsedNs(), null);
                }
                listener.onCompleted(event);
            }

            public void onFailed(final io.dwcp.codecs.agent.TransferFailedDecoder event)
            {
                final long id = event.transferId();
                final String text = event.reason() + ": " + event.text();
                if (id == transferId)
                {
                    outcome[0] = new Outcome(transferId, false, 0, 0, 0, text);
                }
                listener.onFailed(event);
            }

            public void onRejected(final io.dwcp.codecs.agent.CommandRejectedDecoder event)
            {
                listener.onRejected(event);
            }
        };

        final long deadlineNs = System.nanoTime() + timeoutNs;
        try (EventAdapter events = newEventAdapter(tracker))
        {
            while (null == outcome[0])
            {
                if (System.nanoTime() - deadlineNs > 0)
                {
                    throw new IllegalStateException("transfer " + transferId + " did not end within " +
                        java.util.concurrent.TimeUnit.NANOSECONDS.toSeconds(timeoutNs) + " s");
                }
                if (0 == events.poll(100))
                {
                    Thread.sleep(1);
                }
            }
        }
        return outcome[0];
    }

    /**
     * A reader of the sender's events queue from its start. Close it before this object.
     *
     * @param listener receives events.
     * @return the adapter; call {@code poll} to read.
     */
    public EventAdapter newEventAdapter(final EngineEventListener listener)
    {
        return new EventAdapter(eventQueue, listener);
    }

    /**
     * A reader of the receiver's events queue from its start. Close it before this object.
     *
     * @param listener receives events.
     * @return the adapter; call {@code poll} to read.
     */
    public EventAdapter newReceiverEventAdapter(final EngineEventListener listener)
    {
        return new EventAdapter(receiverEventQueue, listener);
    }

    /**
     * Where the receiver writes the image of a transfer.
     *
     * @param vmId       of the VM.
     * @param transferId of the transfer.
     * @return the destination file.
     */
    /**
     * @return where the sender keeps its open transfers: beside its command queue, by default.
     */
    public Path senderStateDirectory()
    {
        return directory.resolve("commands.sender-state");
    }

    public Path destinationOf(final String vmId, final long transferId)
    {
        return outputDirectory.resolve(vmId + "-" + transferId + ".img");
    }

    /** Stop the receiver's engine, as a crash or shutdown of the far host would. Over IPC this stops both. */
    public void stopReceiver()
    {
        CloseHelper.close(receiverEngine);
    }

    /**
     * The agent's command publisher.
     *
     * @return the publisher; use from the thread that created this object.
     */
    public CommandPublisher commands()
    {
        return commands;
    }

    /**
     * Endpoint the receiver listens on.
     *
     * @return host:port or aeron:ipc.
     */
    public String receiverEndpoint()
    {
        return receiverEndpoint;
    }

    /**
     * The sending engine.
     *
     * @return the engine.
     */
    public Engine senderEngine()
    {
        return senderEngine;
    }

    /**
     * The receiving engine; the same as the sender's over IPC.
     *
     * @return the engine.
     */
    public Engine receiverEngine()
    {
        return receiverEngine;
    }

    /**
     * Working directory.
     *
     * @return the directory.
     */
    public Path directory()
    {
        return directory;
    }

    /** Stop the engines and close the queues. Idempotent. */
    public void close()
    {
        if (!isClosed)
        {
            isClosed = true;
            CloseHelper.closeAll(
                senderEngine, receiverEngine, commands, commandQueue, eventQueue, receiverEventQueue);
        }
    }
}
