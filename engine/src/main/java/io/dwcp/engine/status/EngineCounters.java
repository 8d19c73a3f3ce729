package io.dwcp.engine.status;

import org.agrona.CloseHelper;
import org.agrona.concurrent.status.AtomicCounter;

import java.util.function.BiFunction;

/**
 * The counters of one engine, allocated for its role.
 * <p>
 * Counters are written by the engine's agent only; readers in other threads or processes see them through
 * Aeron's counters file.
 */
public final class EngineCounters implements AutoCloseable
{
    private final AtomicCounter[] counters = new AtomicCounter[EngineCounter.values().length];
    private final AtomicCounter unused;

    /**
     * Allocate the counters of a role.
     *
     * @param name    of the engine, used as the label prefix, for example "sender".
     * @param role    SENDER or RECEIVER; counters of the other role are not allocated.
     * @param factory makes a counter from a type id and a label, for example {@code aeron::addCounter}.
     */
    public EngineCounters(
        final String name, final EngineCounter.Role role, final BiFunction<Integer, String, AtomicCounter> factory)
    {
        AtomicCounter placeholder = null;
        for (final EngineCounter counter : EngineCounter.values())
        {
            if (counter.role() == role || counter.role() == EngineCounter.Role.BOTH)
            {
                counters[counter.ordinal()] =
                    factory.apply(EngineCounter.TYPE_ID, "dwcp " + name + ": " + counter.label());
            }
        }
        for (final EngineCounter counter : EngineCounter.values())
        {
            if (null == counters[counter.ordinal()])
            {
                if (null == placeholder)
                {
                    placeholder = factory.apply(EngineCounter.TYPE_ID, "dwcp " + name + ": unused");
                }
                counters[counter.ordinal()] = placeholder;
            }
        }
        unused = placeholder;
    }

    /**
     * The counter for an id.
     *
     * @param counter id.
     * @return the counter; a shared placeholder for counters of the other role.
     */
    public AtomicCounter get(final EngineCounter counter)
    {
        return counters[counter.ordinal()];
    }

    /**
     * Current value of a counter.
     *
     * @param counter id.
     * @return its value.
     */
    public long value(final EngineCounter counter)
    {
        return counters[counter.ordinal()].get();
    }

    /** Free the counters. Idempotent. */
    public void close()
    {
        for (int i = 0; i < counters.length; i++)
        {
            if (counters[i] != unused)
            {
                CloseHelper.quietClose(counters[i]);
            }
        }
        CloseHelper.quietClose(unused);
    }
}
