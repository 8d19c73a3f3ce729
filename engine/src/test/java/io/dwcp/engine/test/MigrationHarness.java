package io.dwcp.engine.test;

import io.dwcp.driver.DriverProfile;
import io.dwcp.engine.config.ReceiverContext;
import io.dwcp.engine.config.SenderContext;
import io.dwcp.engine.queue.CommandPublisher;
import io.dwcp.engine.queue.EventAdapter;
import io.dwcp.engine.runtime.Engine;
import io.dwcp.engine.runtime.EngineThreading;
import io.dwcp.engine.runtime.LocalMigration;
import io.dwcp.engine.security.EngineSecurity;
import org.agrona.CloseHelper;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * A {@link LocalMigration} with the test thread as the agent: it records every event and every engine error.
 */
public final class MigrationHarness implements AutoCloseable
{
    private final CopyOnWriteArrayList<Throwable> errors = new CopyOnWriteArrayList<>();
    private final EventRecorder events = new EventRecorder();
    private final LocalMigration migration;
    private final EventAdapter eventAdapter;

    private final EventRecorder receiverEvents = new EventRecorder();
    private final EventAdapter receiverEventAdapter;

    private MigrationHarness(
        final Path directory,
        final boolean isIpc,
        final EngineThreading threading,
        final Consumer<SenderContext> senderSettings,
        final Consumer<ReceiverContext> receiverSettings) throws IOException
    {
        migration = new LocalMigration(directory, isIpc, DriverProfile.load("loopback"), threading,
            senderSettings, receiverSettings, errors::add);
        eventAdapter = migration.newEventAdapter(events);
        receiverEventAdapter = migration.newReceiverEventAdapter(receiverEvents);
    }

    /**
     * The port of a host:port endpoint, for a relay put in front of it.
     *
     * @param endpoint such as {@link #receiverEndpoint()}.
     * @return the port.
     */
    public static int portOf(final String endpoint)
    {
        return Integer.parseInt(endpoint.substring(endpoint.lastIndexOf(':') + 1));
    }

    /**
     * Engines with settings for both sides.
     *
     * @param directory        for queues, drivers and output.
     * @param senderSettings   extra sender settings.
     * @param receiverSettings extra receiver settings.
     * @return the harness, over UDP loopback with one thread per engine.
     * @throws IOException if a directory cannot be made.
     */
    public static MigrationHarness udp(
        final Path directory,
        final Consumer<SenderContext> senderSettings,
        final Consumer<ReceiverContext> receiverSettings) throws IOException
    {
        return new MigrationHarness(directory, false, EngineThreading.INVOKER, senderSettings, receiverSettings);
    }

    /**
     * Two engines over UDP loopback, insecure: frames in clear, for tests that damage or forge frames in flight to
     * exercise the decoders, which sealed frames would refuse before any decoding.
     *
     * @param directory        for queues, drivers and output.
     * @param senderSettings   extra sender settings.
     * @param receiverSettings extra receiver settings.
     * @return the harness.
     * @throws IOException if a directory cannot be made.
     */
    public static MigrationHarness udpInClear(
        final Path directory,
        final Consumer<SenderContext> senderSettings,
        final Consumer<ReceiverContext> receiverSettings) throws IOException
    {
        return udp(directory,
            (context) -> senderSettings.accept(context.security(EngineSecurity.insecure())),
            (context) -> receiverSettings.accept(context.security(EngineSecurity.insecure())));
    }

    /**
     * As {@link #udpInClear(Path, Consumer, Consumer)} with sender settings only.
     *
     * @param directory      for queues, drivers and output.
     * @param senderSettings extra sender settings.
     * @return the harness.
     * @throws IOException if a directory cannot be made.
     */
    public static MigrationHarness udpInClear(final Path directory, final Consumer<SenderContext> senderSettings)
        throws IOException
    {
        return udpInClear(directory, senderSettings, (context) -> {});
    }

    /**
     * As {@link #udpInClear(Path, Consumer, Consumer)} with default settings.
     *
     * @param directory for queues, drivers and output.
     * @return the harness.
     * @throws IOException if a directory cannot be made.
     */
    public static MigrationHarness udpInClear(final Path directory) throws IOException
    {
        return udpInClear(directory, (context) -> {}, (context) -> {});
    }

    /**
     * The receiver's events, read so far by {@link #awaitEvents}.
     *
     * @return the recorder.
     */
    public EventRecorder receiverEvents()
    {
        return receiverEvents;
    }

    /**
     * Engines with a chosen transport and thread layout.
     *
     * @param directory      for queues, drivers and output.
     * @param isIpc          one engine sending to itself over aeron:ipc, otherwise two over UDP loopback.
     * @param threading      thread layout of the engines.
     * @param senderSettings extra sender settings.
     * @return the harness.
     * @throws IOException if a directory cannot be made.
     */
    public static MigrationHarness create(
        final Path directory,
        final boolean isIpc,
        final EngineThreading threading,
        final Consumer<SenderContext> senderSettings) throws IOException
    {
        return new MigrationHarness(directory, isIpc, threading, senderSettings, (context) -> {});
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
        return new MigrationHarness(directory, false, EngineThreading.INVOKER, senderSettings, (context) -> {});
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
        return new MigrationHarness(directory, true, EngineThreading.INVOKER, (context) -> {}, (context) -> {});
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
        migration.submitWholeImage(transferId, vmId, image, pageSize, 0);
    }

    /**
     * Read events until a transfer ends.
     *
     * @param transferId of the transfer.
     * @param timeoutMs  how long to wait.
     */
    public void awaitEnd(final long transferId, final long timeoutMs)
    {
        awaitEvents("transfer " + transferId + " to end", timeoutMs, () -> events.isEnded(transferId));
    }

    /**
     * @return the key the receiver trusts as its sender's, for another sender, such as a replay, to use.
     */
    public EngineSecurity senderSecurity()
    {
        return migration.senderSecurity();
    }

    /**
     * @return the receiver's key and trust.
     */
    public EngineSecurity receiverSecurity()
    {
        return migration.receiverSecurity();
    }

    /**
     * Read events until a condition holds.
     *
     * @param description of the condition.
     * @param timeoutMs   how long to wait.
     * @param condition   checked after each poll.
     */
    public void awaitEvents(final String description, final long timeoutMs, final BooleanSupplier condition)
    {
        Await.until(description, timeoutMs, () ->
        {
            eventAdapter.poll(100);
            receiverEventAdapter.poll(100);
            return condition.getAsBoolean();
        });
    }

    public void startTransfer(final long transferId, final String vmId, final Path image, final int pageSize)
        throws IOException
    {
        migration.startTransfer(transferId, vmId, image, pageSize, 0);
    }

    public void startTransfer(
        final long transferId, final String vmId, final Path image, final int pageSize, final int level)
        throws IOException
    {
        migration.startTransfer(transferId, vmId, image, pageSize, level);
    }

    public Path destinationOf(final String vmId, final long transferId)
    {
        return migration.destinationOf(vmId, transferId);
    }

    public void stopReceiver()
    {
        migration.stopReceiver();
    }

    public Path senderStateDirectory()
    {
        return migration.senderStateDirectory();
    }

    public CommandPublisher commands()
    {
        return migration.commands();
    }

    public EventRecorder events()
    {
        return events;
    }

    public Engine senderEngine()
    {
        return migration.senderEngine();
    }

    public Engine receiverEngine()
    {
        return migration.receiverEngine();
    }

    public String receiverEndpoint()
    {
        return migration.receiverEndpoint();
    }

    /**
     * Errors the engines reported; a test that expects none asserts this is empty.
     *
     * @return the errors.
     */
    public List<Throwable> errors()
    {
        return errors;
    }

    public void close()
    {
        CloseHelper.closeAll(eventAdapter, receiverEventAdapter, migration);
    }
}
