package io.dwcp.engine.test;

import io.dwcp.driver.DriverProfile;
import io.dwcp.engine.config.ReceiverContext;
import io.dwcp.engine.config.SenderContext;
import io.dwcp.engine.queue.CommandPublisher;
import io.dwcp.engine.queue.EventAdapter;
import io.dwcp.engine.queue.SbeQueues;
import io.dwcp.engine.runtime.Engine;
import io.dwcp.engine.runtime.EngineBuilder;
import io.dwcp.engine.runtime.EngineThreading;
import net.openhft.chronicle.queue.ChronicleQueue;
import org.agrona.CloseHelper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A sender and a receiver engine with real command and event queues, each engine on its own embedded driver over
 * UDP loopback, or both on one engine and one driver over {@code aeron:ipc}. The test thread plays the agent.
 */
public final class MigrationHarness implements AutoCloseable
{
    private final Path directory;
    private final ChronicleQueue commandQueue;
    private final ChronicleQueue eventQueue;
    private final CommandPublisher commands;
    private final EventRecorder events = new EventRecorder();
    private final EventAdapter eventAdapter;
    private final CopyOnWriteArrayList<Throwable> errors = new CopyOnWriteArrayList<>();
    private final Path outputDirectory;
    private final String receiverEndpoint;
    private final Engine senderEngine;
    private Engine receiverEngine;

    private MigrationHarness(
        final Path directory, final boolean isIpc, final Consumer<SenderContext> senderSettings) throws IOException
    {
        this.directory = directory;
        outputDirectory = Files.createDirectories(directory.resolve("out"));
        commandQueue = SbeQueues.open(directory.resolve("commands"));
        eventQueue = SbeQueues.open(directory.resolve("events"));
        commands = new CommandPublisher(commandQueue);
        eventAdapter = new EventAdapter(eventQueue, events);
        final DriverProfile profile = DriverProfile.load("loopback");

        final Consumer<SenderContext> sender = (context) ->
        {
            context.commandQueue(commandQueue).eventQueue(eventQueue);
            senderSettings.accept(context);
        };

        if (isIpc)
        {
            receiverEndpoint = "aeron:ipc";
            senderEngine = new EngineBuilder("ipc")
                .embeddedDriver(directory.resolve("aeron-ipc"), profile, EngineThreading.INVOKER)
                .receiver((context) -> context.dataEndpoint("aeron:ipc").outputDirectory(outputDirectory))
                .sender((context) ->
                {
                    context.controlEndpoint("aeron:ipc");
                    sender.accept(context);
                })
                .errorHandler(errors::add)
                .launch();
            receiverEngine = senderEngine;
        }
        else
        {
            receiverEndpoint = "localhost:" + FreePorts.udp();
            final String controlEndpoint = "localhost:" + FreePorts.udp();
            receiverEngine = new EngineBuilder("receiver")
                .embeddedDriver(directory.resolve("aeron-receiver"), profile, EngineThreading.INVOKER)
                .receiver((context) -> context.dataEndpoint(receiverEndpoint).outputDirectory(outputDirectory))
                .errorHandler(errors::add)
                .launch();
            senderEngine = new EngineBuilder("sender")
                .embeddedDriver(directory.resolve("aeron-sender"), profile, EngineThreading.INVOKER)
                .sender((context) ->
                {
                    context.controlEndpoint(controlEndpoint);
                    sender.accept(context);
                })
                .errorHandler(errors::add)
                .launch();
        }
    }

    /**
     * Two engines over UDP loopback.
     *
     * @param directory      for queues, drivers and output.
     * @param senderSettings extra sender settings.
     * @return the harness.
     * @throws IOException if a directory cannot be made.
     */
    public static MigrationHarness udp(final Path directory, final Consumer<SenderContext> senderSettings)
        throws IOException
    {
        return new MigrationHarness(directory, false, senderSettings);
    }

    /**
     * Two engines over UDP loopback with default settings.
     *
     * @param directory for queues, drivers and output.
     * @return the harness.
     * @throws IOException if a directory cannot be made.
     */
    public static MigrationHarness udp(final Path directory) throws IOException
    {
        return udp(directory, (context) -> {});
    }

    /**
     * One engine that sends to itself over aeron:ipc.
     *
     * @param directory for queues, driver and output.
     * @return the harness.
     * @throws IOException if a directory cannot be made.
     */
    public static MigrationHarness ipc(final Path directory) throws IOException
    {
        return new MigrationHarness(directory, true, (context) -> {});
    }

    /**
     * Submit a whole image as round 0 and end the transfer.
     *
     * @param transferId of the transfer.
     * @param vmId       of the VM.
     * @param image      source file.
     * @param pageSize   bytes per page.
     * @throws IOException if the file size cannot be read.
     */
    public void submitWholeImage(final long transferId, final String vmId, final Path image, final int pageSize)
        throws IOException
    {
        final long size = Files.size(image);
        commands.startTransfer(transferId, vmId, image.toString(), size, pageSize, 0, receiverEndpoint);
        commands.pageRange(transferId, 0, 0, (int)(size / pageSize));
        commands.endOfRound(transferId, 0);
        commands.endOfTransfer(transferId);
    }

    /**
     * Read events until a transfer ends.
     *
     * @param transferId of the transfer.
     * @param timeoutMs  how long to wait.
     */
    public void awaitEnd(final long transferId, final long timeoutMs)
    {
        Await.until("transfer " + transferId + " to end", timeoutMs, () ->
        {
            eventAdapter.poll(100);
            return events.isEnded(transferId);
        });
    }

    /**
     * Read events until a condition holds.
     *
     * @param description of the condition.
     * @param timeoutMs   how long to wait.
     * @param condition   checked after each poll.
     */
    public void awaitEvents(final String description, final long timeoutMs, final java.util.function.BooleanSupplier condition)
    {
        Await.until(description, timeoutMs, () ->
        {
            eventAdapter.poll(100);
            return condition.getAsBoolean();
        });
    }

    /**
     * Where the receiver writes the image of a transfer.
     *
     * @param vmId       of the VM.
     * @param transferId of the transfer.
     * @return the destination file.
     */
    public Path destinationOf(final String vmId, final long transferId)
    {
        return outputDirectory.resolve(vmId + "-" + transferId + ".img");
    }

    /**
     * Stop the receiver engine, as a crash or shutdown of the far host would.
     */
    public void stopReceiver()
    {
        CloseHelper.close(receiverEngine);
    }

    public CommandPublisher commands()
    {
        return commands;
    }

    public EventRecorder events()
    {
        return events;
    }

    public Engine senderEngine()
    {
        return senderEngine;
    }

    public Engine receiverEngine()
    {
        return receiverEngine;
    }

    public String receiverEndpoint()
    {
        return receiverEndpoint;
    }

    public Path directory()
    {
        return directory;
    }

    /**
     * Errors the engines reported; a test that expects none asserts this is empty.
     *
     * @return the errors.
     */
    public java.util.List<Throwable> errors()
    {
        return errors;
    }

    public void close()
    {
        CloseHelper.closeAll(senderEngine, receiverEngine, eventAdapter, commands, commandQueue, eventQueue);
    }
}
