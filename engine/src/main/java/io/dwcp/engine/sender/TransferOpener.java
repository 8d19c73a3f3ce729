package io.dwcp.engine.sender;

import io.aeron.Aeron;
import io.dwcp.codec.BlockCodec;
import io.dwcp.codec.PageCodec;
import io.dwcp.codecs.agent.FailureReason;
import io.dwcp.engine.config.CodecConfiguration;
import io.dwcp.engine.config.SenderContext;
import io.dwcp.engine.config.TransferGeometry;
import io.dwcp.engine.memory.MappedImage;
import io.dwcp.engine.status.EngineCounter;
import io.dwcp.engine.status.EngineCounters;
import io.dwcp.engine.status.StripeCounters;
import io.dwcp.engine.transport.AsyncPublication;
import io.dwcp.engine.transport.StripeLayout;
import org.agrona.CloseHelper;
import org.agrona.collections.Int2ObjectHashMap;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Checks a start-transfer command and builds its transfer: the source mapping, the stripes with their codecs,
 * baseline slices, counters and publications, and the dictionary training if one is wanted. Anything it cannot
 * accept is refused with a {@link TransferRefusal} and leaves nothing open.
 * <p>
 * Not thread safe: owned by the conductor.
 */
final class TransferOpener implements AutoCloseable
{
    /** Term length shared by a transfer's stripes when the stripe count derives it. */
    private static final int SHARED_TERM_BYTES = 16 * 1024 * 1024;
    /** Smallest derived term: its largest message (an eighth of it) must hold a 64 KiB MTU and the largest frame of
     * one 64 KiB page. */
    private static final int MIN_TERM_LENGTH = 1024 * 1024;

    private final Aeron aeron;
    private final SenderContext context;
    private final EngineCounters counters;
    private final SenderCounters senderCounters;
    private final TransferSlots slots;
    private final WorkerProxy[] workers;
    private final Int2ObjectHashMap<BlockCodec>[] blockCodecs;
    private ExecutorService trainer;

    TransferOpener(final SenderContext context, final TransferSlots slots, final WorkerProxy[] workers)
    {
        this.aeron = context.aeron();
        this.context = context;
        this.counters = context.counters();
        this.senderCounters = new SenderCounters(counters);
        this.slots = slots;
        this.workers = workers;
        @SuppressWarnings("unchecked")
        final Int2ObjectHashMap<BlockCodec>[] byWorker = new Int2ObjectHashMap[workers.length];
        for (int w = 0; w < workers.length; w++)
        {
            byWorker[w] = new Int2ObjectHashMap<>();
        }
        this.blockCodecs = byWorker;
    }

    /** The index of page contents of a transfer's stripes on one worker, or null when none is wanted. */
    private ContentIndex contentIndex(final int worker, final int stripeCount, final long pageCount, final int pageSize)
    {
        if (0 == context.duplicateIndexBytes() || !context.hdeEnabled() || 0 == context.blockPages())
        {
            return null;
        }
        final int workerStripes = (stripeCount - worker + workers.length - 1) / workers.length;
        return new ContentIndex(context.duplicateIndexBytes(), pageCount * workerStripes / stripeCount + 1, pageSize,
            context.reproducible());
    }

    private static void bind(
        final ContentIndex[] contentIndexes, final SimilarPages[] similarIndexes, final Stripe[] stripes)
    {
        for (int w = 0; w < contentIndexes.length; w++)
        {
            if (null != contentIndexes[w])
            {
                contentIndexes[w].stripes(stripes);
            }
            if (null != similarIndexes[w])
            {
                similarIndexes[w].stripes(stripes);
            }
        }
    }

    /** The index of page anchors of a transfer's stripes on one worker, or null when none is wanted. */
    private SimilarPages similarPages(final int worker, final int stripeCount, final long pageCount)
    {
        if (!SimilarPages.isWanted(context))
        {
            return null;
        }
        final int workerStripes = (stripeCount - worker + workers.length - 1) / workers.length;
        return new SimilarPages(context.similarIndexBytes(), pageCount * workerStripes / stripeCount + 1,
            context.similarWholeLevel(), context.reproducible());
    }

    /**
     * The block codec of a worker for a page size, made on first use and kept until the sender closes. A block
     * codec keeps nothing from one frame to the next, so every stripe on the worker shares it; only that worker's
     * thread uses it.
     */
    private BlockCodec blockCodec(final int worker, final int pageSize, final int level)
    {
        if (0 == context.blockPages() || !context.hdeEnabled())
        {
            return null;
        }
        BlockCodec codec = blockCodecs[worker].get(pageSize);
        if (null == codec)
        {
            final int pages = Math.min(context.blockPages(), CodecConfiguration.maxBlockPages(pageSize));
            codec = new BlockCodec(pageSize, pages, level);
            blockCodecs[worker].put(pageSize, codec);
        }
        return codec;
    }

    /**
     * Open a transfer.
     *
     * @param transferId     of the transfer.
     * @param vmId           of the guest.
     * @param fileSize       bytes of the image.
     * @param pageSize       bytes per page.
     * @param requestedLevel zstd level, 0 for the default.
     * @param requestedStreams stripes, 0 to let the engine choose.
     * @param memoryFile     source file, empty when pages come inline.
     * @param peer           publication to the receiver.
     * @param nowNs          current time.
     * @return the transfer, not yet known to the workers.
     * @throws TransferRefusal when the command cannot be accepted.
     */
    OutboundTransfer open(
        final long transferId,
        final String vmId,
        final long fileSize,
        final int pageSize,
        final int requestedLevel,
        final int requestedStreams,
        final String memoryFile,
        final ReceiverPeer peer,
        final long nowNs) throws TransferRefusal
    {
        final int stripeCount = context.streamCountPolicy().streamsFor(requestedStreams, -1, -1);
        final String geometryProblem = TransferGeometry.check(pageSize, fileSize, stripeCount);
        if (null != geometryProblem)
        {
            throw new TransferRefusal(FailureReason.BAD_GEOMETRY, geometryProblem);
        }
        final int level = 0 == requestedLevel ? context.compressionLevel() : requestedLevel;
        if (level < com.github.luben.zstd.Zstd.minCompressionLevel() ||
            level > com.github.luben.zstd.Zstd.maxCompressionLevel())
        {
            throw new TransferRefusal(FailureReason.MALFORMED_COMMAND, "compression level " + level +
                " is outside " + com.github.luben.zstd.Zstd.minCompressionLevel() + " to " +
                com.github.luben.zstd.Zstd.maxCompressionLevel());
        }

        final MappedImage mapped = memoryFile.isEmpty() ? null : map(memoryFile, pageSize, fileSize);
        final ArrayList<AutoCloseable> opened = new ArrayList<>();
        opened.add(mapped);
        final Stripe[] stripes = new Stripe[stripeCount];
        final int slot = slots.allocate(stripes);
        try
        {
            if (slot < 0)
            {
                throw new TransferRefusal(FailureReason.INTERNAL_ERROR,
                    "the sender already runs " + slots.capacity() + " transfers");
            }
            final int zeroCrc;
            try (PageCodec probe = new PageCodec(pageSize, level))
            {
                zeroCrc = probe.zeroPageCrc();
            }
            final TransferSource source = new TransferSource(transferId, pageSize, fileSize, mapped, zeroCrc);
            final StripeLayout layout = new StripeLayout(stripeCount);
            final StripeStatistics statistics = new StripeStatistics(stripeCount);
            final AsyncPublication[] publications = new AsyncPublication[stripeCount];
            final StripeCounters[] stripeCounters =
                StripeCounters.allocate(aeron, context.name(), EngineCounter.Role.SENDER, transferId, stripeCount);
            opened.addAll(Arrays.asList(stripeCounters));
            final String channel = stripeChannel(peer.channel(), stripeCount);
            final long pageCount = fileSize / pageSize;
            final boolean isHde = context.hdeEnabled();
            final ContentIndex[] contentIndexes = new ContentIndex[workers.length];
            final SimilarPages[] similarIndexes = new SimilarPages[workers.length];
            // Never more than the image, and never more than half of what the JVM may allocate: direct memory is
            // bounded by the heap's limit unless set, and a store that cannot be allocated fails the transfer.
            final long baselineBudget = Math.min(Math.min(context.baselineBudgetBytes(), fileSize),
                Runtime.getRuntime().maxMemory() / 2);
            for (int k = 0; k < stripeCount; k++)
            {
                final int worker = k % workers.length;
                if (null == contentIndexes[worker])
                {
                    contentIndexes[worker] = contentIndex(worker, stripeCount, pageCount, pageSize);
                    similarIndexes[worker] = similarPages(worker, stripeCount, pageCount);
                }
                final PageCodec codec = new PageCodec(pageSize, level);
                opened.add(codec);
                final BaselineStore baselines = new BaselineStore(pageSize, layout.pagesBelow(k, pageCount),
                    baselineBudget / stripeCount, context.baselineRefreshIntervalNs(),
                    context.baselineMaxDeltaChain(), counters,
                    context.baselineCompressed() && isHde ? new BaselineCompressor(pageSize) : null);
                opened.add(baselines);
                if (SimilarPages.isWanted(context))
                {
                    baselines.keepRoundStart(context.roundStartBytes() / stripeCount);
                }
                publications[k] = new AsyncPublication(aeron, channel, context.dataStreamId());
                opened.add(publications[k]);
                stripes[k] = new Stripe(slot, k, transferId, layout, source, codec, baselines, stripeCounters[k],
                    statistics, senderCounters, context.maxFrameLength(), context.maxPagesPerFrame(), isHde,
                    blockCodec(worker, pageSize, level), contentIndexes[worker], similarIndexes[worker],
                    context.streamLevel());
            }
            bind(contentIndexes, similarIndexes, stripes);
            if (context.dictionaryBytes() > 0 && isHde && null != mapped)
            {
                source.startDictionaryTraining(trainer(), context.dictionaryBytes(), context.dictionarySamplePages());
            }
            return new OutboundTransfer(transferId, vmId, pageSize, fileSize, slot, stripes, publications,
                stripeCounters, workers, source, statistics, peer, nowNs);
        }
        catch (final TransferRefusal ex)
        {
            if (slot >= 0)
            {
                slots.free(slot);
            }
            CloseHelper.quietCloseAll(opened);
            throw ex;
        }
        catch (final RuntimeException | OutOfMemoryError ex)
        {
            if (slot >= 0)
            {
                slots.free(slot);
            }
            CloseHelper.quietCloseAll(opened);
            counters.get(EngineCounter.ERRORS).increment();
            throw new TransferRefusal(FailureReason.INTERNAL_ERROR, "cannot open transfer: " + ex);
        }
    }

    /**
     * The channel each stripe publishes on: the receiver's, with a term length shared out by the stripe count (at
     * least {@link #MIN_TERM_LENGTH}) and sparse logs, so that many stripes do not take many full-size logs.
     */
    private String stripeChannel(final String channel, final int stripeCount)
    {
        int termLength = context.stripeTermLength();
        if (0 == termLength && stripeCount > 1)
        {
            termLength = Math.max(MIN_TERM_LENGTH, Integer.highestOneBit(SHARED_TERM_BYTES / stripeCount));
        }
        if (0 == termLength)
        {
            return channel;
        }
        // Sparse: a stripe's log takes memory only for what it carries, so many stripes cost little more than one.
        return channel + (channel.indexOf('?') < 0 ? "?" : "|") + "term-length=" + termLength + "|sparse=true";
    }

    private static MappedImage map(final String memoryFile, final int pageSize, final long fileSize)
        throws TransferRefusal
    {
        final Path path = Path.of(memoryFile);
        try
        {
            if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS) && !Files.exists(path))
            {
                throw new NoSuchFileException(memoryFile);
            }
            if (!Files.isRegularFile(path))
            {
                throw new TransferRefusal(FailureReason.FILE_UNREADABLE, "memory file " + memoryFile +
                    " is not a regular file (a directory, device or pipe cannot be mapped as guest memory)");
            }
            return MappedImage.openReadOnly(path, pageSize, fileSize);
        }
        catch (final NoSuchFileException ex)
        {
            throw new TransferRefusal(FailureReason.FILE_NOT_FOUND, "memory file " + memoryFile + " does not exist");
        }
        catch (final AccessDeniedException ex)
        {
            throw new TransferRefusal(FailureReason.FILE_UNREADABLE, "memory file " + memoryFile + " is not readable");
        }
        catch (final IOException | RuntimeException ex)
        {
            throw new TransferRefusal(FailureReason.FILE_UNREADABLE,
                "memory file " + memoryFile + " cannot be mapped: " + ex.getMessage());
        }
    }

    private ExecutorService trainer()
    {
        if (null == trainer)
        {
            trainer = Executors.newSingleThreadExecutor((runnable) ->
            {
                final Thread thread = new Thread(runnable, "dwcp-dictionary-trainer");
                thread.setDaemon(true);
                return thread;
            });
        }
        return trainer;
    }

    SenderCounters senderCounters()
    {
        return senderCounters;
    }

    /** Stop the trainer thread. */
    public void close()
    {
        if (null != trainer)
        {
            trainer.shutdownNow();
        }
        for (final Int2ObjectHashMap<BlockCodec> codecs : blockCodecs)
        {
            codecs.values().forEach(BlockCodec::close);
            codecs.clear();
        }
    }
}
