package io.dwcp.engine.test;

import io.aeron.Aeron;
import io.aeron.driver.ThreadingMode;
import io.dwcp.driver.AeronDirectories;
import io.dwcp.driver.DriverProfile;
import io.dwcp.driver.EmbeddedDriver;
import org.agrona.CloseHelper;
import org.agrona.LangUtil;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentInvoker;
import org.agrona.concurrent.CachedNanoClock;
import org.agrona.concurrent.NanoClock;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Engine agents, a media driver in INVOKER mode and its Aeron client, all run by {@link #doWork()} on the test
 * thread, with a clock only the test moves, as Aeron's {@code DriverConductorTest} drives its conductor. The
 * engine sees time pass only when the test steps {@link #clock()}; the driver and the client keep their own real
 * clocks, so connecting may take a few real milliseconds, which {@link #doWorkUntil} waits for, bounded.
 * <p>
 * Not thread safe: create, use and close on the test thread.
 */
public final class SteppedAgents implements AutoCloseable
{
    /** Where the clock starts: not zero, which some of the engine's bookkeeping takes for "not yet". */
    public static final long START_NS = TimeUnit.SECONDS.toNanos(1_000);

    private static final String CLIENT_LIVENESS_PROP_NAME = "aeron.client.liveness.timeout";
    private static final String UNBLOCK_PROP_NAME = "aeron.publication.unblock.timeout";
    private static final long LIVENESS_TIMEOUT_NS = TimeUnit.MINUTES.toNanos(5);

    /** Real time allowed for Aeron to connect or deliver; the engine's own timers never need it. */
    private static final long REAL_TIMEOUT_MS = 5_000;

    private final List<Throwable> errors = new ArrayList<>();
    private final List<Agent> agents = new ArrayList<>();
    private final CachedNanoClock clock = new CachedNanoClock();
    private final EmbeddedDriver driver;
    private final Aeron aeron;
    private final AgentInvoker driverInvoker;
    private final AgentInvoker clientInvoker;

    /**
     * Launch the driver, in a directory of its own deleted on start and close, and connect the client.
     */
    public SteppedAgents()
    {
        clock.update(START_NS);
        // Nothing runs the driver and the client between steps: a test thread busy elsewhere (a fuzzer's first
        // input loading and instrumenting classes for seconds) must not look like a dead client or driver.
        if (null == System.getProperty(CLIENT_LIVENESS_PROP_NAME))
        {
            System.setProperty(CLIENT_LIVENESS_PROP_NAME, Long.toString(LIVENESS_TIMEOUT_NS));
            // The driver wants a blocked publication unblocked only after a client would be declared dead.
            System.setProperty(UNBLOCK_PROP_NAME, Long.toString(LIVENESS_TIMEOUT_NS + TimeUnit.MINUTES.toNanos(1)));
        }
        driver = EmbeddedDriver.launch(AeronDirectories.forEmbeddedDriver("stepped"),
            DriverProfile.load(DriverProfile.DEFAULT_NAME), ThreadingMode.INVOKER, errors::add);
        try
        {
            driverInvoker = driver.invoker();
            aeron = Aeron.connect(new Aeron.Context()
                .aeronDirectoryName(driver.aeronDirectoryName())
                .useConductorAgentInvoker(true)
                .driverTimeoutMs(TimeUnit.NANOSECONDS.toMillis(LIVENESS_TIMEOUT_NS))
                .driverAgentInvoker(driverInvoker)
                .errorHandler(errors::add));
            clientInvoker = aeron.conductorAgentInvoker();
        }
        catch (final RuntimeException ex)
        {
            driver.close();
            throw ex;
        }
    }

    /**
     * Start an agent on this thread and run it in every duty cycle from now on, after those added before it.
     *
     * @param agent to run.
     * @param <T>   its type.
     * @return the agent.
     */
    public <T extends Agent> T add(final T agent)
    {
        agent.onStart();
        agents.add(agent);
        return agent;
    }

    /**
     * One duty cycle: the driver, the client conductor, then every agent, in the order added. An agent that throws
     * fails the test: the engine's agents never should.
     *
     * @return work done.
     */
    public int doWork()
    {
        int workCount = driverInvoker.invoke();
        workCount += clientInvoker.invoke();
        for (int i = 0, size = agents.size(); i < size; i++)
        {
            try
            {
                workCount += agents.get(i).doWork();
            }
            catch (final Exception ex)
            {
                LangUtil.rethrowUnchecked(ex);
            }
        }
        return workCount;
    }

    /**
     * Several duty cycles without moving the clock, enough for anything due to happen.
     *
     * @param cycles to run.
     */
    public void doWork(final int cycles)
    {
        for (int i = 0; i < cycles; i++)
        {
            doWork();
        }
    }

    /**
     * Run duty cycles, without moving the clock, until a condition holds; fails after a few real seconds.
     *
     * @param description of the condition, for the failure message.
     * @param condition   checked after each cycle.
     */
    public void doWorkUntil(final String description, final BooleanSupplier condition)
    {
        Await.until(description, REAL_TIMEOUT_MS, () ->
        {
            doWork();
            return condition.getAsBoolean();
        });
    }

    /**
     * The engine's clock.
     *
     * @return the clock to give the agents' contexts.
     */
    public NanoClock clock()
    {
        return clock;
    }

    /**
     * The engine's time now.
     *
     * @return nanoseconds.
     */
    public long nowNs()
    {
        return clock.nanoTime();
    }

    /**
     * Move the engine's clock on.
     *
     * @param durationNs to add.
     */
    public void advanceNs(final long durationNs)
    {
        clock.advance(durationNs);
    }

    /**
     * Set the engine's clock.
     *
     * @param timeNs the new time, not before the current one.
     */
    public void timeNs(final long timeNs)
    {
        if (timeNs < clock.nanoTime())
        {
            throw new IllegalArgumentException("the clock does not go back: " + timeNs + " < " + clock.nanoTime());
        }
        clock.update(timeNs);
    }

    /**
     * The client the agents use.
     *
     * @return the client.
     */
    public Aeron aeron()
    {
        return aeron;
    }

    /**
     * Errors the driver, the client or an agent reported, for a test that expects none to assert empty.
     *
     * @return the errors.
     */
    public List<Throwable> errors()
    {
        return errors;
    }

    /**
     * An error handler for the agents' contexts.
     *
     * @param error reported.
     */
    public void onError(final Throwable error)
    {
        errors.add(error);
    }

    /** Close the agents, last added first, then the client and the driver, which deletes its directory. */
    @Override
    public void close()
    {
        for (int i = agents.size() - 1; i >= 0; i--)
        {
            agents.get(i).onClose();
        }
        agents.clear();
        CloseHelper.closeAll(aeron, driver);
    }
}
