package io.dwcp.engine.runtime;

import io.aeron.Aeron;
import io.dwcp.driver.DriverProfile;
import io.dwcp.engine.config.ReceiverContext;
import io.dwcp.engine.config.SenderContext;
import io.dwcp.engine.receiver.ReceiverAgents;
import io.dwcp.engine.sender.SenderAgents;
import io.dwcp.engine.status.EngineCounter;
import io.dwcp.engine.status.EngineCounters;
import io.dwcp.engine.status.MetricsEndpoint;
import org.agrona.CloseHelper;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.Agent;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Composes an engine: where its media driver is, how it uses threads, and whether it sends, receives or both.
 * Both on one engine suits {@code aeron:ipc} between co-located peers: one thread, one driver.
 */
public final class EngineBuilder
{
    private final String name;
    private Path embeddedDriverDirectory;
    private String externalDriverDirectory;
    private DriverProfile profile = DriverProfile.load(DriverProfile.DEFAULT_NAME);
    private EngineThreading threading = EngineThreading.INVOKER;
    private Consumer<SenderContext> senderSettings;
    private Consumer<ReceiverContext> receiverSettings;
    private ErrorHandler errorHandler = Throwable::printStackTrace;

    private EngineCounters senderCounters;
    private EngineCounters receiverCounters;

    /**
     * Start composing an engine.
     *
     * @param name of the engine, for its thread, client and counters.
     */
    public EngineBuilder(final String name)
    {
        this.name = name;
    }

    /**
     * Run an embedded driver in a directory of its own (the default layout).
     *
     * @param directory for the driver, deleted on start and on close.
     * @param profile   driver settings.
     * @param threading thread layout.
     * @return this.
     */
    public EngineBuilder embeddedDriver(
        final Path directory, final DriverProfile profile, final EngineThreading threading)
    {
        this.embeddedDriverDirectory = directory;
        this.profile = profile;
        this.threading = threading;
        return this;
    }

    /**
     * Connect to a media driver that already runs.
     *
     * @param aeronDirectoryName directory of the running driver.
     * @return this.
     */
    public EngineBuilder externalDriver(final String aeronDirectoryName)
    {
        this.externalDriverDirectory = aeronDirectoryName;
        return this;
    }

    /**
     * Connect to a media driver that already runs, with a thread layout for the engine's own agents.
     *
     * @param aeronDirectoryName directory of the running driver.
     * @param threading          DEDICATED gives each sender worker a thread; otherwise the agents share one.
     * @return this.
     */
    public EngineBuilder externalDriver(final String aeronDirectoryName, final EngineThreading threading)
    {
        this.externalDriverDirectory = aeronDirectoryName;
        this.threading = threading;
        return this;
    }

    /**
     * Give the engine a sender.
     *
     * @param settings fills in the sender's context; the client is set by the builder.
     * @return this.
     */
    public EngineBuilder sender(final Consumer<SenderContext> settings)
    {
        this.senderSettings = settings;
        return this;
    }

    /**
     * Give the engine a receiver.
     *
     * @param settings fills in the receiver's context; the client is set by the builder.
     * @return this.
     */
    public EngineBuilder receiver(final Consumer<ReceiverContext> settings)
    {
        this.receiverSettings = settings;
        return this;
    }

    /**
     * Where errors go.
     *
     * @param errorHandler receives errors of the agents and the driver.
     * @return this.
     */
    public EngineBuilder errorHandler(final ErrorHandler errorHandler)
    {
        this.errorHandler = errorHandler;
        return this;
    }

    /**
     * Launch the engine on its thread.
     *
     * @return the running engine.
     */
    public Engine launch()
    {
        if (null == senderSettings && null == receiverSettings)
        {
            throw new IllegalStateException("an engine needs a sender, a receiver or both");
        }
        if ((null == embeddedDriverDirectory) == (null == externalDriverDirectory))
        {
            throw new IllegalStateException("choose exactly one of embeddedDriver and externalDriver");
        }

        final EngineRunner runner = null != embeddedDriverDirectory ?
            EngineRunner.launchEmbedded(name, embeddedDriverDirectory, profile, threading, this::createAgents,
                this::dutyCycleCounter, errorHandler) :
            EngineRunner.launchWithExternalDriver(name, externalDriverDirectory, threading, this::createAgents,
                this::dutyCycleCounter, errorHandler);

        final MetricsEndpoint metrics;
        try
        {
            metrics = MetricsEndpoint.startIfConfigured(runner.aeron(), name);
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietClose(runner);
            throw ex;
        }
        return new Engine(runner, senderCounters, receiverCounters, metrics);
    }

    private EngineAgents createAgents(final Aeron aeron)
    {
        final List<Agent> conductors = new ArrayList<>();
        final List<Agent> workers = new ArrayList<>();
        if (null != receiverSettings)
        {
            receiverCounters = new EngineCounters(name + " receiver", EngineCounter.Role.RECEIVER, aeron::addCounter);
            final ReceiverContext context = new ReceiverContext().aeron(aeron).counters(receiverCounters)
                .errorHandler(errorHandler).name(name + " receiver");
            receiverSettings.accept(context);
            conductors.addAll(ReceiverAgents.create(context.conclude()));
        }
        if (null != senderSettings)
        {
            senderCounters = new EngineCounters(name + " sender", EngineCounter.Role.SENDER, aeron::addCounter);
            final SenderContext context = new SenderContext().aeron(aeron).counters(senderCounters)
                .errorHandler(errorHandler).name(name + " sender");
            senderSettings.accept(context);
            final SenderAgents sender = SenderAgents.create(context.conclude(), EngineThreading.DEDICATED == threading);
            conductors.add(sender.conductor());
            workers.addAll(sender.workers());
        }
        return new EngineAgents(conductors, workers);
    }

    private org.agrona.concurrent.status.AtomicCounter dutyCycleCounter(final Aeron aeron)
    {
        return (null != senderCounters ? senderCounters : receiverCounters).get(EngineCounter.DUTY_CYCLE_MAX_NS);
    }
}
