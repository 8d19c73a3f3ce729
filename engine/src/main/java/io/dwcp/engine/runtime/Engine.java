package io.dwcp.engine.runtime;

import io.dwcp.engine.status.EngineCounters;
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

    Engine(
        final EngineRunner runner,
        final EngineCounters senderCounters,
        final EngineCounters receiverCounters)
    {
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

    /** Stop the agents, the client and any embedded driver. Idempotent. */
    public void close()
    {
        CloseHelper.close(runner);
    }
}
