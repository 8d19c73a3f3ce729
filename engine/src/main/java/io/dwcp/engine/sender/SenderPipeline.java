package io.dwcp.engine.sender;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.Image;
import io.aeron.Subscription;
import io.dwcp.codec.BlockCodec;
import io.dwcp.codec.PageCodec;
import io.dwcp.engine.config.CodecConfiguration;
import io.dwcp.engine.config.EngineConfiguration;
import io.dwcp.engine.memory.MappedImage;
import io.dwcp.engine.status.EngineCounter;
import io.dwcp.engine.status.EngineCounters;
import io.dwcp.engine.status.StripeCounters;
import io.dwcp.engine.transport.StripeLayout;
import org.agrona.CloseHelper;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.CompositeAgent;
import org.agrona.concurrent.SystemNanoClock;

import java.util.ArrayList;
import java.util.List;

/**
 * The sender's page pipeline alone, for benchmarks: the real {@link Stripe}s and {@link SenderWorker}s of one
 * transfer, publishing round 0 of an image to publications that a subscription drains and discards, with no
 * conductor, receiver or command queue. Each worker's agent also drains its own stripes' images, so a worker
 * thread is all a stripe costs.
 * <p>
 * Build it on one thread, then run each of {@link #workerAgents()} on a thread of its own.
 */
public final class SenderPipeline implements AutoCloseable
{
    private final Subscription subscription;
    private final TransferSource source;
    private final StripeStatistics statistics;
    private final List<Agent> workerAgents = new ArrayList<>();
    private final List<SenderWorker> workers = new ArrayList<>();
    private final List<AutoCloseable> resources = new ArrayList<>();
    private final long pageCount;

    /**
     * Build a pipeline and queue every page of the image.
     *
     * @param aeron       client of a running driver.
     * @param channel     to publish on, for example {@code aeron:ipc}.
     * @param streamId    to publish on.
     * @param image       the source, mapped read-only.
     * @param stripeCount stripes, 1 to 256.
     * @param workerCount workers, each to run on a thread of its own.
     * @param level       zstd level.
     * @param counters    engine counters the stripes update.
     */
    public SenderPipeline(
        final Aeron aeron,
        final String channel,
        final int streamId,
        final MappedImage image,
        final int stripeCount,
        final int workerCount,
        final int level,
        final EngineCounters counters)
    {
        final int pageSize = image.pageSize();
        pageCount = image.pageCount();
        subscription = aeron.addSubscription(channel, streamId);
        resources.add(subscription);
        final int zeroCrc;
        try (PageCodec probe = new PageCodec(pageSize, level))
        {
            zeroCrc = probe.zeroPageCrc();
        }
        source = new TransferSource(1, pageSize, pageCount * pageSize, image, zeroCrc);
        statistics = new StripeStatistics(stripeCount);
        final StripeLayout layout = new StripeLayout(stripeCount);
        final TransferSlots slots = new TransferSlots(1);
        final Stripe[] stripes = new Stripe[stripeCount];
        final int slot = slots.allocate(stripes);
        final SenderCounters senderCounters = new SenderCounters(counters);
        final ExclusivePublication[] publications = new ExclusivePublication[stripeCount];
        for (int k = 0; k < stripeCount; k++)
        {
            final PageCodec codec = new PageCodec(pageSize, level);
            final BaselineStore baselines = new BaselineStore(pageSize, layout.pagesBelow(k, pageCount),
                CodecConfiguration.baselineBudgetBytes() / stripeCount,
                CodecConfiguration.baselineRefreshIntervalNs(), CodecConfiguration.BASELINE_MAX_DELTA_CHAIN_DEFAULT,
                counters, null);
            final StripeCounters stripeCounters =
                new StripeCounters(aeron, "pipeline", EngineCounter.Role.SENDER, 1, k);
            resources.add(stripeCounters);
            publications[k] = aeron.addExclusivePublication(channel, streamId);
            resources.add(publications[k]);
            // Each stripe its own block codec: the pipeline's stripes may be driven from different threads.
            final BlockCodec block = CodecConfiguration.blockPages() > 0 ? new BlockCodec(pageSize,
                Math.min(CodecConfiguration.blockPages(), CodecConfiguration.maxBlockPages(pageSize)), level) : null;
            resources.add(block);
            stripes[k] = new Stripe(slot, k, 1, layout, source, codec, baselines, stripeCounters, statistics,
                senderCounters, EngineConfiguration.maxFrameLength(), EngineConfiguration.maxPagesPerFrame(), true,
                block, null, null, CodecConfiguration.streamLevel());
            stripes[k].handOver(publications[k], null);
        }

        final StripeListener discard = new StripeListener()
        {
            @Override
            public void onStripeDrained(final int slot, final int stripe, final long epoch, final long lastSequence)
            {
            }

            @Override
            public void onStripeRoundCompleted(
                final int slot, final int stripe, final int round, final long[] stats, final long appliedTimestampNs)
            {
            }

            @Override
            public void onStripeFailed(final int slot, final int stripe, final String reason)
            {
                throw new IllegalStateException(reason);
            }

            @Override
            public void onTransferReleased(final int slot, final int worker)
            {
            }
        };
        for (int w = 0; w < workerCount; w++)
        {
            final SenderWorker worker = new SenderWorker(w, workerCount, slots, SystemNanoClock.INSTANCE,
                EngineConfiguration.progressIntervalNs(), EngineConfiguration.framesPerCycle(),
                Throwable::printStackTrace, counters);
            worker.conductor(new ConductorProxy(discard));
            worker.onAddTransfer(slot);
            worker.onQueueRange(slot, 0, 0, pageCount);
            worker.onStartTransfer(slot);
            workers.add(worker);
            final List<ExclusivePublication> own = new ArrayList<>();
            for (int k = w; k < stripeCount; k += workerCount)
            {
                own.add(publications[k]);
            }
            workerAgents.add(new CompositeAgent(worker, new Drain(subscription, own)));
        }
    }

    /**
     * The agents to run, one per thread.
     *
     * @return each worker with a drain of its stripes' images.
     */
    public List<Agent> workerAgents()
    {
        return workerAgents;
    }

    /**
     * Pages published so far; safe from any thread.
     *
     * @return the count.
     */
    public long pagesSent()
    {
        return statistics.sum(StripeStatistics.Total.PAGES);
    }

    /**
     * Wire bytes published so far; safe from any thread.
     *
     * @return the count.
     */
    public long wireBytes()
    {
        return statistics.sum(StripeStatistics.Total.WIRE_BYTES);
    }

    /**
     * Pages the pipeline was given.
     *
     * @return the image's page count.
     */
    public long pageCount()
    {
        return pageCount;
    }

    /** Close the publications, counters and codecs; after the worker threads stopped. */
    @Override
    public void close()
    {
        for (final SenderWorker worker : workers)
        {
            worker.onClose();
        }
        CloseHelper.quietCloseAll(resources);
    }

    /** Polls a worker's stripes' images and discards what it reads. */
    private static final class Drain implements Agent
    {
        private final Subscription subscription;
        private final List<ExclusivePublication> publications;
        private final Image[] images;

        Drain(final Subscription subscription, final List<ExclusivePublication> publications)
        {
            this.subscription = subscription;
            this.publications = publications;
            this.images = new Image[publications.size()];
        }

        @Override
        public int doWork()
        {
            int workCount = 0;
            for (int i = 0; i < images.length; i++)
            {
                if (null == images[i])
                {
                    images[i] = subscription.imageBySessionId(publications.get(i).sessionId());
                    continue;
                }
                workCount += images[i].poll((buffer, offset, length, header) -> {}, 64);
            }
            return workCount;
        }

        @Override
        public String roleName()
        {
            return "pipeline-drain";
        }
    }
}
