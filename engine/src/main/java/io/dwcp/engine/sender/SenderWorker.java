package io.dwcp.engine.sender;

import io.dwcp.engine.status.EngineCounter;
import io.dwcp.engine.status.EngineCounters;
import org.agrona.DirectBuffer;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.status.AtomicCounter;

import java.util.ArrayList;

/**
 * Encodes and publishes pages: round-robins the stripes it has been given, as Aeron's {@code Sender} round-robins
 * publications. Stripe {@code k} of a transfer belongs to worker {@code k % workers}. The conductor tells it of
 * transfers, pages and acknowledgements through a {@link WorkerProxy}; it reports back through a
 * {@link ConductorProxy}.
 * <p>
 * Not thread safe: runs on one thread, its own under DEDICATED threading or the conductor's otherwise.
 */
public final class SenderWorker implements Agent
{
    private static final int COMMANDS_PER_CYCLE = 256;

    private final int index;
    private final int workerCount;
    private final TransferSlots slots;
    private final NanoClock nanoClock;
    private final long pruneIntervalNs;
    private final int framesPerCycle;
    private final ErrorHandler errorHandler;
    private final AtomicCounter errors;
    private final AtomicCounter busyNs;
    private final DictionaryShipper dictionaryShipper;
    private final ArrayList<Stripe> stripes = new ArrayList<>();
    private final org.agrona.collections.IntArrayList pendingReleases = new org.agrona.collections.IntArrayList();
    private final Stripe[][] stripesBySlot;
    private final org.agrona.concurrent.MessageHandler commandHandler = this::onCommand;
    private ConductorProxy conductor;
    private RingBuffer commandQueue;
    private int roundRobin;
    private long nextPruneNs;

    SenderWorker(
        final int index,
        final int workerCount,
        final TransferSlots slots,
        final NanoClock nanoClock,
        final long pruneIntervalNs,
        final int framesPerCycle,
        final ErrorHandler errorHandler,
        final EngineCounters counters)
    {
        this.index = index;
        this.workerCount = workerCount;
        this.slots = slots;
        this.nanoClock = nanoClock;
        this.pruneIntervalNs = pruneIntervalNs;
        this.framesPerCycle = framesPerCycle;
        this.errorHandler = errorHandler;
        this.errors = counters.get(EngineCounter.ERRORS);
        this.busyNs = counters.get(EngineCounter.WORKER_BUSY_NS);
        this.dictionaryShipper = new DictionaryShipper(counters);
        this.stripesBySlot = new Stripe[slots.capacity()][];
    }

    int index()
    {
        return index;
    }

    void conductor(final ConductorProxy conductor)
    {
        this.conductor = conductor;
    }

    void commandQueue(final RingBuffer commandQueue)
    {
        this.commandQueue = commandQueue;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public int doWork()
    {
        final long nowNs = nanoClock.nanoTime();
        final int workCount = serviceStripes(nowNs);
        if (!stripes.isEmpty())
        {
            // The share of a worker's time its codec and frames take tells the link adaptation whether the codec
            // holds the rate; an idle cycle adds a microsecond before the idle strategy parks. Several workers add
            // to one counter.
            busyNs.getAndAdd(nanoClock.nanoTime() - nowNs);
        }
        return workCount;
    }

    private int serviceStripes(final long nowNs)
    {
        int workCount = null != commandQueue ? commandQueue.read(commandHandler, COMMANDS_PER_CYCLE) : 0;
        while (!pendingReleases.isEmpty() && conductor.transferReleased(pendingReleases.getInt(0), index))
        {
            pendingReleases.removeAt(0);
            workCount++;
        }

        // One cycle publishes at most framesPerCycle frames in all, a fair share per stripe, so that a worker with
        // many stripes keeps its duty cycle (and, under INVOKER, the driver's) as short as with one.
        final int size = stripes.size();
        final int perStripe = size > 0 ? Math.max(1, framesPerCycle / size) : 0;
        int budget = framesPerCycle;
        int visited = 0;
        int lastPublisher = -1;
        while (visited < size && budget > 0)
        {
            final Stripe stripe = stripes.get((roundRobin + visited) % size);
            visited++;
            try
            {
                final int published = stripe.doWork(nowNs, conductor, dictionaryShipper, Math.min(budget, perStripe));
                budget -= published;
                workCount += published;
                if (published > 0)
                {
                    lastPublisher = visited - 1;
                }
            }
            catch (final RuntimeException | InternalError ex)
            {
                // InternalError: a fault reading the mapped source, for example a file truncated under us.
                errors.increment();
                errorHandler.onError(ex);
                stripe.fail("stripe " + stripe.index() + ": " + ex);
            }
            if (stripes.size() != size)
            {
                // A conductor on this thread released a transfer: the stripes are not the ones counted.
                roundRobin = 0;
                return workCount + 1;
            }
        }
        // Stripes not reached in this cycle still report what the conductor waits for.
        for (int i = visited; i < size && stripes.size() == size; i++)
        {
            stripes.get((roundRobin + i) % size).doWork(nowNs, conductor, dictionaryShipper, 0);
        }
        if (stripes.size() != size)
        {
            roundRobin = 0;
            return workCount;
        }
        if (size > 0)
        {
            // The next cycle starts after the last stripe that published: when a pace or a window lets only some
            // publish, the same ones do not go first every time.
            roundRobin = (roundRobin + (lastPublisher >= 0 ? lastPublisher + 1 : 1)) % size;
        }

        if (nowNs - nextPruneNs >= 0)
        {
            nextPruneNs = nowNs + pruneIntervalNs;
            for (int i = 0; i < size; i++)
            {
                stripes.get(i).prune(nowNs);
            }
        }
        return workCount;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void onClose()
    {
        for (final Stripe stripe : stripes)
        {
            stripe.close();
        }
        stripes.clear();
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public String roleName()
    {
        return "dwcp-sender-worker-" + index;
    }

    private void onCommand(final int type, final DirectBuffer buffer, final int offset, final int length)
    {
        final int slot = buffer.getInt(offset + WorkerProxy.SLOT_OFFSET);
        final int intValue = buffer.getInt(offset + WorkerProxy.INT_OFFSET);
        final long first = buffer.getLong(offset + WorkerProxy.FIRST_LONG_OFFSET);
        final long second = buffer.getLong(offset + WorkerProxy.SECOND_LONG_OFFSET);
        switch (type)
        {
            case WorkerProxy.ADD -> onAddTransfer(slot);
            case WorkerProxy.START -> onStartTransfer(slot);
            case WorkerProxy.REMOVE -> onRemoveTransfer(slot);
            case WorkerProxy.RANGE -> onQueueRange(slot, intValue, first, second);
            case WorkerProxy.INLINE -> onQueueInline(slot, intValue, first);
            case WorkerProxy.REPAIR -> onQueueRepair(slot, first);
            case WorkerProxy.END_ROUND -> onEndRound(slot, intValue);
            case WorkerProxy.FLUSH -> onFlush(slot, first);
            case WorkerProxy.ACK -> onAck(slot, intValue, first, second);
            case WorkerProxy.DROP_DICTIONARY -> onDropDictionary(slot);
            case WorkerProxy.LEVEL -> onLevel(slot, intValue);
            default -> errors.increment();
        }
    }

    void onAddTransfer(final int slot)
    {
        final Stripe[] all = slots.stripes(slot);
        final Stripe[] own = new Stripe[(all.length - index + workerCount - 1) / workerCount];
        for (int k = index, i = 0; k < all.length; k += workerCount, i++)
        {
            own[i] = all[k];
            stripes.add(all[k]);
        }
        stripesBySlot[slot] = own;
    }

    void onStartTransfer(final int slot)
    {
        final Stripe[] own = stripesBySlot[slot];
        for (final Stripe stripe : own)
        {
            stripe.start();
        }
    }

    void onRemoveTransfer(final int slot)
    {
        final Stripe[] own = stripesBySlot[slot];
        stripesBySlot[slot] = null;
        if (null != own)
        {
            for (final Stripe stripe : own)
            {
                stripes.remove(stripe);
                stripe.close();
            }
        }
        roundRobin = 0;
        if (!conductor.transferReleased(slot, index))
        {
            // The conductor's queue is full: it cannot release the slot until told, so say it again next cycle.
            pendingReleases.add(slot);
        }
    }

    void onQueueRange(final int slot, final int round, final long firstPage, final long pageCount)
    {
        final Stripe[] own = stripesBySlot[slot];
        for (final Stripe stripe : own)
        {
            stripe.queueRange(round, firstPage, pageCount);
        }
    }

    void onQueueInline(final int slot, final int round, final long pageNumber)
    {
        stripeOf(slot, pageNumber).queueInline(round, pageNumber);
    }

    void onQueueRepair(final int slot, final long pageNumber)
    {
        stripeOf(slot, pageNumber).queueRepair(pageNumber);
    }

    void onEndRound(final int slot, final int round)
    {
        for (final Stripe stripe : stripesBySlot[slot])
        {
            stripe.endRound(round);
        }
    }

    void onFlush(final int slot, final long epoch)
    {
        for (final Stripe stripe : stripesBySlot[slot])
        {
            stripe.flush(epoch);
        }
    }

    void onAck(final int slot, final int stripe, final long sequence, final long receiverTimestampNs)
    {
        stripesBySlot[slot][stripe / workerCount].onAck(sequence, receiverTimestampNs);
    }

    void onLevel(final int slot, final int level)
    {
        final Stripe[] own = stripesBySlot[slot];
        if (null != own)
        {
            for (final Stripe stripe : own)
            {
                stripe.compressionLevel(level);
            }
        }
    }

    void onDropDictionary(final int slot)
    {
        for (final Stripe stripe : stripesBySlot[slot])
        {
            stripe.dropDictionary();
        }
    }

    private Stripe stripeOf(final int slot, final long pageNumber)
    {
        final Stripe[] own = stripesBySlot[slot];
        return own[own[0].layout().stripeOf(pageNumber) / workerCount];
    }

    /**
     * Stripes this worker runs now.
     *
     * @return the count.
     */
    int stripeCount()
    {
        return stripes.size();
    }
}
