package io.dwcp.engine.runtime;

import io.aeron.Aeron;
import io.aeron.driver.ThreadingMode;
import io.dwcp.driver.DriverProfile;
import io.dwcp.driver.EmbeddedDriver;
import io.dwcp.engine.config.EngineConfiguration;
import org.agrona.CloseHelper;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentInvoker;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.CompositeAgent;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.status.AtomicCounter;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Hosts engine agents: optionally an embedded media driver, an Aeron client and the agents, on as few threads as
 * the chosen {@link EngineThreading} allows, the one place that decides which agent runs on which thread:
 * <ul>
 *     <li>INVOKER: one thread runs the driver, the client conductor and every agent;</li>
 *     <li>SHARED: the driver has a thread of its own, every agent shares another;</li>
 *     <li>DEDICATED: the driver runs its three agents on threads of their own, the conductors share one more, and
 *     each sender worker has its own.</li>
 * </ul>
 * Every thread backs off when idle, so an idle engine costs little CPU.
 * <p>
 * Close it from the thread that started it. {@link #close()} is idempotent.
 */
public final class EngineRunner implements AutoCloseable
{
    private final EmbeddedDriver driver;
    private final Aeron aeron;
    private final AgentRunner runner;
    private final List<AgentRunner> workerRunners = new java.util.ArrayList<>();
    private final AtomicLong errorCount = new AtomicLong();
    private volatile Throwable lastError;
    private boolean isClosed;

    private EngineRunner(
        final String name,
        final EmbeddedDriver driver,
        final String aeronDirectoryName,
        final EngineThreading threading,
        final Function<Aeron, EngineAgents> agentFactory,
        final Function<Aeron, AtomicCounter> dutyCycleCounterFactory,
        final ErrorHandler errorHandler)
    {
        this.driver = driver;
        final boolean isInvoker = EngineThreading.INVOKER == threading;
        final Aeron.Context aeronContext = new Aeron.Context()
            .aeronDirectoryName(aeronDirectoryName)
            .clientName(name)
            .useConductorAgentInvoker(true)
            .errorHandler(this::onError);
        if (isInvoker && null != driver)
        {
            aeronContext.driverAgentInvoker(driver.invoker());
        }
        aeron = Aeron.connect(aeronContext);
        try
        {
            final EngineAgents agents = agentFactory.apply(aeron);
            final AtomicCounter dutyCycleMaxNs = dutyCycleCounterFactory.apply(aeron);
            final AgentInvoker driverInvoker = isInvoker && null != driver ? driver.invoker() : null;
            final boolean isDedicated = EngineThreading.DEDICATED == threading;
            final List<Agent> onMainThread = new java.util.ArrayList<>(agents.conductors());
            if (!isDedicated)
            {
                onMainThread.addAll(agents.workers());
            }
            final Agent engine = new DutyCycleAgent(
                name, driverInvoker, aeron.conductorAgentInvoker(), new CompositeAgent(onMainThread), dutyCycleMaxNs);
            final ErrorHandler runnerErrorHandler = (ex) ->
            {
                onError(ex);
                errorHandler.onError(ex);
            };
            runner = new AgentRunner(idleStrategy(), runnerErrorHandler, null, engine);
            if (isDedicated)
            {
                for (final Agent worker : agents.workers())
                {
                    workerRunners.add(new AgentRunner(idleStrategy(), runnerErrorHandler, null, worker));
                }
            }
            AgentRunner.startOnThread(runner);
            for (final AgentRunner workerRunner : workerRunners)
            {
                AgentRunner.startOnThread(workerRunner);
            }
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietCloseAll(workerRunners);
            CloseHelper.quietClose(aeron);
            throw ex;
        }
    }

    /**
     * Start agents on their own thread, with an embedded media driver in its own directory.
     *
     * @param name                    of the engine, for threads and the Aeron client.
     * @param aeronDirectory          directory for the embedded driver, deleted on start and close.
     * @param profile                 driver settings.
     * @param threading               thread layout.
     * @param agentFactory            makes the agents, given the connected client.
     * @param dutyCycleCounterFactory makes the counter of the longest duty cycle.
     * @param errorHandler            receives errors from the agents and the driver.
     * @return the running engine.
     */
    public static EngineRunner launchEmbedded(
        final String name,
        final Path aeronDirectory,
        final DriverProfile profile,
        final EngineThreading threading,
        final Function<Aeron, EngineAgents> agentFactory,
        final Function<Aeron, AtomicCounter> dutyCycleCounterFactory,
        final ErrorHandler errorHandler)
    {
        final ThreadingMode mode = switch (threading)
        {
            case INVOKER -> ThreadingMode.INVOKER;
            case SHARED -> ThreadingMode.SHARED;
            case DEDICATED -> ThreadingMode.DEDICATED;
        };
        final EmbeddedDriver driver = EmbeddedDriver.launch(aeronDirectory, profile, mode, errorHandler);
        try
        {
            return new EngineRunner(name, driver, driver.aeronDirectoryName(), threading, agentFactory,
                dutyCycleCounterFactory, errorHandler);
        }
        catch (final RuntimeException ex)
        {
            driver.close();
            throw ex;
        }
    }

    /**
     * Start agents on their own thread beside a media driver that is already running.
     *
     * @param name                    of the engine.
     * @param aeronDirectoryName      directory of the running driver.
     * @param threading               thread layout of the engine's agents; INVOKER counts as SHARED here.
     * @param agentFactory            makes the agents, given the connected client.
     * @param dutyCycleCounterFactory makes the counter of the longest duty cycle.
     * @param errorHandler            receives errors from the agents.
     * @return the running engine.
     */
    public static EngineRunner launchWithExternalDriver(
        final String name,
        final String aeronDirectoryName,
        final EngineThreading threading,
        final Function<Aeron, EngineAgents> agentFactory,
        final Function<Aeron, AtomicCounter> dutyCycleCounterFactory,
        final ErrorHandler errorHandler)
    {
        return new EngineRunner(name, null, aeronDirectoryName,
            EngineThreading.DEDICATED == threading ? threading : EngineThreading.SHARED, agentFactory,
            dutyCycleCounterFactory, errorHandler);
    }

    private static IdleStrategy idleStrategy()
    {
        // Spin briefly, then yield, then park with growing periods: low latency under load, little CPU when idle.
        return new BackoffIdleStrategy(10, 20, TimeUnit.MICROSECONDS.toNanos(1), EngineConfiguration.idleMaxParkNs());
    }

    private void onError(final Throwable ex)
    {
        errorCount.incrementAndGet();
        lastError = ex;
    }

    /**
     * The engine's Aeron client.
     *
     * @return the client.
     */
    public Aeron aeron()
    {
        return aeron;
    }

    /**
     * The embedded driver, if there is one.
     *
     * @return the driver or null.
     */
    public EmbeddedDriver driver()
    {
        return driver;
    }

    /**
     * Errors reported by the agents, the client or the driver's client-side callbacks.
     *
     * @return how many errors were reported.
     */
    public long errorCount()
    {
        return errorCount.get();
    }

    /**
     * The last error reported, for diagnostics.
     *
     * @return the last error or null.
     */
    public Throwable lastError()
    {
        return lastError;
    }

    /** Stop the agents, then the client, then the driver. Idempotent. */
    public void close()
    {
        if (!isClosed)
        {
            isClosed = true;
            // Workers first: they read sources the conductor unmaps when it closes.
            CloseHelper.closeAll(workerRunners);
            CloseHelper.closeAll(runner, aeron, driver);
        }
    }
}
