package io.dwcp.engine.receiver;

import io.dwcp.engine.config.ReceiverContext;
import io.dwcp.engine.transport.Channels;
import org.agrona.concurrent.Agent;

import java.util.List;

/**
 * A receiver's agents, wired together: the {@link DataAdapter} that polls the data stream and feeds the stripes'
 * images, the {@link ReceiverConductor} and the {@link Verifier}. They share one thread.
 */
public final class ReceiverAgents
{
    private ReceiverAgents()
    {
    }

    /**
     * Build a receiver's agents, in the order they run in a duty cycle.
     *
     * @param context concluded settings.
     * @return the agents.
     */
    public static List<Agent> create(final ReceiverContext context)
    {
        final Verifier verifier =
            new Verifier(context.verifyPagesPerCycle(), context.verifyAhead(), context.counters());
        final ReceiverConductor conductor = new ReceiverConductor(context, verifier);
        final DataAdapter dataAdapter = new DataAdapter(context.aeron(), Channels.channelFor(context.dataEndpoint()),
            context.dataStreamId(), conductor, context.nanoClock(), context.errorHandler(), context.counters(),
            context.limits().maxTermLength());
        conductor.dataAdapter(dataAdapter);
        return List.of(dataAdapter, conductor, verifier);
    }
}
