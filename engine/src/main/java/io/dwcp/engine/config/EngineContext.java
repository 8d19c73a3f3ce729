package io.dwcp.engine.config;

import io.aeron.Aeron;
import io.dwcp.engine.security.EngineSecurity;
import io.dwcp.engine.status.EngineCounter;
import io.dwcp.engine.status.EngineCounters;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.SystemEpochClock;
import org.agrona.concurrent.SystemNanoClock;

/**
 * What every engine context has: the Aeron client, the engine's name, its clock, error handler and counters, and
 * the data stream id. Fluent setters return the concrete context.
 *
 * @param <T> the concrete context.
 */
public abstract class EngineContext<T extends EngineContext<T>>
{
    private Aeron aeron;
    private String name;
    private int dataStreamId = EngineConfiguration.dataStreamId();
    private NanoClock nanoClock;
    private EpochClock epochClock;
    private ErrorHandler errorHandler;
    private EngineCounters counters;
    private EngineSecurity security;
    private long rekeyFrames = SecurityConfiguration.rekeyFrames();

    EngineContext(final String defaultName)
    {
        this.name = defaultName;
    }

    /**
     * The concrete context, for fluent setters.
     *
     * @return this.
     */
    protected abstract T self();

    /**
     * Check the common settings and fill in those left unset; called from the concrete context's conclude.
     *
     * @param role whose counters to allocate when none were given.
     * @throws IllegalStateException when the client is missing.
     */
    void concludeCommon(final EngineCounter.Role role)
    {
        if (null == aeron)
        {
            throw new IllegalStateException("aeron must be set");
        }
        if (null == nanoClock)
        {
            nanoClock = SystemNanoClock.INSTANCE;
        }
        if (null == epochClock)
        {
            epochClock = SystemEpochClock.INSTANCE;
        }
        if (null == errorHandler)
        {
            errorHandler = Throwable::printStackTrace;
        }
        if (null == counters)
        {
            counters = new EngineCounters(name, role, aeron::addCounter);
        }
        if (null == security)
        {
            security = SecurityConfiguration.security();
        }
        requirePositive("rekeyFrames", rekeyFrames);
        if (null == security)
        {
            throw new IllegalStateException("no key: set " + SecurityConfiguration.KEY_FILE_PROP_NAME + " and " +
                SecurityConfiguration.PEERS_FILE_PROP_NAME + " (dwcp keygen makes them; --key and --peers), or " +
                SecurityConfiguration.INSECURE_PROP_NAME + "=true (--insecure) for loopback only");
        }
    }

    /**
     * Refuse an insecure engine on an endpoint that leaves the host.
     *
     * @param setting  naming the endpoint.
     * @param endpoint host:port or aeron:ipc.
     */
    void requireLoopbackWhenInsecure(final String setting, final String endpoint)
    {
        if (security.isInsecure() && !io.dwcp.engine.transport.Channels.isLoopback(endpoint))
        {
            throw new IllegalStateException(setting + "=" + endpoint + " leaves this host: an insecure engine " +
                "(" + SecurityConfiguration.INSECURE_PROP_NAME + ") runs on loopback or IPC only");
        }
    }

    /**
     * @param security this engine's key and trusted peers, or {@link EngineSecurity#insecure()}.
     * @return this.
     */
    public T security(final EngineSecurity security)
    {
        this.security = security;
        return self();
    }

    /**
     * @param rekeyFrames frames per key epoch on each channel this engine sends on.
     * @return this.
     */
    public T rekeyFrames(final long rekeyFrames)
    {
        this.rekeyFrames = rekeyFrames;
        return self();
    }

    /** @return frames per key epoch on each channel this engine sends on. */
    public long rekeyFrames()
    {
        return rekeyFrames;
    }

    /**
     * @param epochClock wall clock, for handshakes.
     * @return this.
     */
    public T epochClock(final EpochClock epochClock)
    {
        this.epochClock = epochClock;
        return self();
    }

    /** @return wall clock, for handshakes. */
    public EpochClock epochClock()
    {
        return epochClock;
    }

    /** @return this engine's key and trusted peers, or insecure. */
    public EngineSecurity security()
    {
        return security;
    }

    static void requirePositive(final String name, final long value)
    {
        if (value <= 0)
        {
            throw new IllegalStateException(name + "=" + value + " must be positive");
        }
    }

    static void requireRange(final String name, final long value, final long min, final long max)
    {
        if (value < min || value > max)
        {
            throw new IllegalStateException(name + "=" + value + " must be from " + min + " to " + max);
        }
    }

    /**
     * @param aeron client the agents use.
     * @return this.
     */
    public T aeron(final Aeron aeron)
    {
        this.aeron = aeron;
        return self();
    }

    /** @return client the agents use. */
    public Aeron aeron()
    {
        return aeron;
    }

    /**
     * @param name of the engine, for counter labels.
     * @return this.
     */
    public T name(final String name)
    {
        this.name = name;
        return self();
    }

    /** @return name of the engine, for counter labels. */
    public String name()
    {
        return name;
    }

    /**
     * @param dataStreamId Aeron stream id of data frames.
     * @return this.
     */
    public T dataStreamId(final int dataStreamId)
    {
        this.dataStreamId = dataStreamId;
        return self();
    }

    /** @return Aeron stream id of data frames. */
    public int dataStreamId()
    {
        return dataStreamId;
    }

    /**
     * @param nanoClock clock for timeouts and rates.
     * @return this.
     */
    public T nanoClock(final NanoClock nanoClock)
    {
        this.nanoClock = nanoClock;
        return self();
    }

    /** @return clock for timeouts and rates. */
    public NanoClock nanoClock()
    {
        return nanoClock;
    }

    /**
     * @param errorHandler receives unexpected errors.
     * @return this.
     */
    public T errorHandler(final ErrorHandler errorHandler)
    {
        this.errorHandler = errorHandler;
        return self();
    }

    /** @return receives unexpected errors. */
    public ErrorHandler errorHandler()
    {
        return errorHandler;
    }

    /**
     * @param counters the engine's counters.
     * @return this.
     */
    public T counters(final EngineCounters counters)
    {
        this.counters = counters;
        return self();
    }

    /** @return the engine's counters. */
    public EngineCounters counters()
    {
        return counters;
    }
}
