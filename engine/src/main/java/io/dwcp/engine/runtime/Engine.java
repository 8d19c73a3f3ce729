package io.dwcp.engine.runtime;

import io.dwcp.engine.status.EngineCounters;
import io.dwcp.engine.status.MetricsEndpoint;
import org.agrona.CloseHelper;

/**
 * A running engine: a sender, a receiver or both, with their counters and the runner that hosts them.
 * {@link #close()} is idempotent.
 */
public final class Engine implements AutoCloseable
{
    private final EngineRunner runner;
    private final EngineCounters senderCounters;
    private final EngineCounters receiverCounters;
    private final MetricsEndpoint metrics;

    Engine(
        final EngineRunner runner,
        final EngineCounters senderCounters,
        final EngineCounters receiverCounters,
        final MetricsEndpoint metrics)
    {
        this.metrics = metrics;
        this.runner = runner;
        this.senderCounters = senderCounters;
        this.receiverCounters = receiverCounters;
    }

    /**
     * The runner hosting the agents.
     *
     * @return the runner.
     */
    public EngineRunner runner()
    {
        return runner;
    }

    /**
     * The sender's counters; safe to read from any thread.
     *
     * @return the counters or null.
     */
    public EngineCounters senderCounters()
    {
        return senderCounters;
    }

    /**
     * The receiver's counters; safe to read from any thread.
     *
     * @return the counters or null.
     */
    public EngineCounters receiverCounters()
    {
        return receiverCounters;
    }

    /**
     * The Prometheus endpoint and health check, when {@link MetricsEndpoint#PORT_PROP_NAME} asked for one.
     *
     * @return the endpoint or null.
     */
    public MetricsEndpoint metrics()
    {
        return metrics;
    }

    /** Stop the metrics endpoint, the agents, the client and any embedded driver. Idempotent. */
    public void close()
    {
        CloseHelper.closeAll(metrics, runner);
    }
}
