package io.dwcp.engine.sender;

import io.dwcp.engine.config.SenderContext;
import io.dwcp.engine.status.EngineCounter;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.status.AtomicCounter;

import java.util.ArrayList;
import java.util.List;

/**
 * A sender's agents, wired together: one {@link SenderConductor} and its {@link SenderWorker}s. When the workers
 * share the conductor's thread, the proxies between them call directly; when each has a thread of its own, they
 * pass bounded queues.
 */
public final class SenderAgents
{
    /** Transfers a sender runs at once. */
    public static final int MAX_TRANSFERS = 1024;

    private static final int WORKER_QUEUE_BYTES = 8 * 1024 * 1024;
    private static final int REPORT_QUEUE_BYTES = 1024 * 1024;

    private final SenderConductor conductor;
    private final List<SenderWorker> workers;

    private SenderAgents(final SenderConductor conductor, final List<SenderWorker> workers)
    {
        this.conductor = conductor;
        this.workers = workers;
    }

    /**
     * Build a sender's agents.
     *
     * @param context            concluded settings; {@link SenderContext#workerCount()} says how many workers.
     * @param isWorkerOwnThreads whether each worker will run on a thread of its own.
     * @return the agents.
     */
    public static SenderAgents create(final SenderContext context, final boolean isWorkerOwnThreads)
    {
        final int workerCount = context.workerCount();
        final TransferSlots slots = new TransferSlots(MAX_TRANSFERS);
        final AtomicCounter offerFailures = context.counters().get(EngineCounter.PROXY_OFFER_FAILURES);
        final List<SenderWorker> workers = new ArrayList<>(workerCount);
        final WorkerProxy[] proxies = new WorkerProxy[workerCount];
        for (int w = 0; w < workerCount; w++)
        {
            final SenderWorker worker = new SenderWorker(w, workerCount, slots, context.nanoClock(),
                context.progressIntervalNs(), context.framesPerCycle(), context.errorHandler(), context.counters());
            workers.add(worker);
            proxies[w] = new WorkerProxy(worker, !isWorkerOwnThreads, WORKER_QUEUE_BYTES, offerFailures);
        }
        final RingBuffer reports = isWorkerOwnThreads ? ConductorProxy.newQueue(REPORT_QUEUE_BYTES) : null;
        final SenderConductor conductor = new SenderConductor(context, slots, proxies, reports);
        for (final SenderWorker worker : workers)
        {
            worker.conductor(
                isWorkerOwnThreads ? new ConductorProxy(reports, offerFailures) : new ConductorProxy(conductor));
        }
        return new SenderAgents(conductor, workers);
    }

    /**
     * The conductor.
     *
     * @return the conductor agent.
     */
    public Agent conductor()
    {
        return conductor;
    }

    /**
     * The workers, by index.
     *
     * @return the worker agents.
     */
    public List<? extends Agent> workers()
    {
        return workers;
    }
}
