package io.dwcp.engine.qemu;

import io.dwcp.engine.queue.CommandPublisher;
import io.dwcp.engine.queue.EngineEventListener;
import io.dwcp.engine.queue.EventAdapter;
import io.dwcp.engine.queue.SbeQueues;
import io.dwcp.engine.runtime.LocalMigration;
import net.openhft.chronicle.queue.ChronicleQueue;
import org.agrona.CloseHelper;

import java.nio.file.Path;
import java.util.function.Function;

/**
 * How the agent reaches the engines: a sender's command and events queues, the receiver's endpoint, and where the
 * receiver writes a transfer's destination file. {@link #close()} closes only what this object opened.
 * <p>
 * Not thread safe: use from the agent's thread.
 */
public final class EngineLink implements AutoCloseable
{
    private final CommandPublisher commands;
    private final Function<EngineEventListener, EventAdapter> events;
    private final String receiverEndpoint;
    private final Path destinationDirectory;
    private final AutoCloseable[] owned;

    private EngineLink(
        final CommandPublisher commands,
        final Function<EngineEventListener, EventAdapter> events,
        final String receiverEndpoint,
        final Path destinationDirectory,
        final AutoCloseable... owned)
    {
        this.commands = commands;
        this.events = events;
        this.receiverEndpoint = receiverEndpoint;
        this.destinationDirectory = destinationDirectory;
        this.owned = owned;
    }

    /**
     * The engines of a {@link LocalMigration} on this host.
     *
     * @param migration the running engines; the caller closes them.
     * @return the link.
     */
    public static EngineLink of(final LocalMigration migration)
    {
        return new EngineLink(migration.commands(), migration::newEventAdapter, migration.receiverEndpoint(),
            migration.destinationOf("x", 0).getParent());
    }

    /**
     * A sender engine that serves queues, and a receiver elsewhere whose output directory the destination QEMU
     * can open (the same host, or a shared mount).
     *
     * @param commandQueue         directory of the sender's command queue.
     * @param eventQueue           directory of the sender's events queue.
     * @param receiverEndpoint     host:port of the receiver.
     * @param destinationDirectory the receiver's {@code --output-dir}.
     * @return the link; close it to close the queues.
     */
    public static EngineLink ofQueues(
        final Path commandQueue, final Path eventQueue, final String receiverEndpoint, final Path destinationDirectory)
    {
        final ChronicleQueue commandsQueue = SbeQueues.open(commandQueue);
        final ChronicleQueue eventsQueue = SbeQueues.open(eventQueue);
        final CommandPublisher publisher = new CommandPublisher(commandsQueue);
        return new EngineLink(publisher, (listener) -> new EventAdapter(eventsQueue, listener), receiverEndpoint,
            destinationDirectory, publisher, commandsQueue, eventsQueue);
    }

    /**
     * The sender's command publisher.
     *
     * @return the publisher.
     */
    public CommandPublisher commands()
    {
        return commands;
    }

    /**
     * A reader of the sender's events from the queue's start.
     *
     * @param listener receives the events.
     * @return the adapter; close it before this link.
     */
    public EventAdapter newEventAdapter(final EngineEventListener listener)
    {
        return events.apply(listener);
    }

    /**
     * The receiver's endpoint.
     *
     * @return host:port or aeron:ipc.
     */
    public String receiverEndpoint()
    {
        return receiverEndpoint;
    }

    /**
     * The file the receiver writes for a transfer, which the destination QEMU maps as its RAM.
     *
     * @param vmId       of the VM.
     * @param transferId of the transfer.
     * @return {@code DIR/<vm>-<transfer>.img}.
     */
    public Path destinationOf(final String vmId, final long transferId)
    {
        return destinationDirectory.resolve(vmId + "-" + transferId + ".img");
    }

    /** Close the queues this link opened. Idempotent. */
    public void close()
    {
        CloseHelper.closeAll(owned);
    }
}
