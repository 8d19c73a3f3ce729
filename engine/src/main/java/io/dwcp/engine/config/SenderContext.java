package io.dwcp.engine.config;

import io.dwcp.engine.status.EngineCounter;
import io.dwcp.engine.transport.Channels;
import net.openhft.chronicle.queue.ChronicleQueue;

import java.nio.file.Path;

/**
 * Settings of a sender agent. Fluent setters; {@link #conclude()} validates them and fills in defaults.
 */
public final class SenderContext extends EngineContext<SenderContext>
{
    /** Most entries an SBE group with a uint16 count can hold (65535 is its null value). */
    public static final int MAX_PAGES_PER_FRAME = 65534;

    /** Largest dictionary a sender trains and a receiver accepts. */
    public static final int MAX_DICTIONARY_BYTES = 1024 * 1024;

    private ChronicleQueue commandQueue;
    private ChronicleQueue eventQueue;
    private String commandReaderName = "dwcp-sender";
    private String controlEndpoint;
    private String replyEndpoint;
    private int controlStreamId = EngineConfiguration.controlStreamId();
    private int compressionLevel = CodecConfiguration.compressionLevel();
    private int maxFrameLength = EngineConfiguration.maxFrameLength();
    private int maxPagesPerFrame = EngineConfiguration.maxPagesPerFrame();
    private long peerTimeoutNs = EngineConfiguration.peerTimeoutNs();
    private long helloIntervalNs = EngineConfiguration.helloIntervalNs();
    private long progressIntervalNs = EngineConfiguration.progressIntervalNs();
    private long maxQueuedPages = EngineConfiguration.maxQueuedPages();
    private int framesPerCycle = EngineConfiguration.framesPerCycle();
    private long baselineBudgetBytes = CodecConfiguration.baselineBudgetBytes();
    private boolean isBaselineCompressed = CodecConfiguration.baselineCompressed();
    private long baselineRefreshIntervalNs = CodecConfiguration.baselineRefreshIntervalNs();
    private int baselineMaxDeltaChain = CodecConfiguration.baselineMaxDeltaChain();
    private long switchoverDowntimeLimitNs = EngineConfiguration.switchoverDowntimeLimitNs();
    private int dictionaryBytes = CodecConfiguration.dictionaryBytes();
    private int dictionarySamplePages = CodecConfiguration.dictionarySamplePages();
    private boolean isHdeEnabled = CodecConfiguration.hdeEnabled();
    private int blockPages = CodecConfiguration.blockPages();
    private int duplicateIndexBytes = CodecConfiguration.duplicateIndexBytes();
    private Path recordingDirectory = null == EngineConfiguration.recordingDir() ?
        null : Path.of(EngineConfiguration.recordingDir());
    private StreamCountPolicy streamCountPolicy;
    private LinkSettings linkSettings;
    private int workerCount = EngineConfiguration.senderWorkers();
    private int stripeTermLength = EngineConfiguration.stripeTermLength();
    private long resumeTimeoutNs = EngineConfiguration.senderResumeTimeoutNs();
    private Path stateDirectory = null == System.getProperty(EngineConfiguration.SENDER_STATE_DIR_PROP_NAME) ?
        null : Path.of(System.getProperty(EngineConfiguration.SENDER_STATE_DIR_PROP_NAME));

    /** A context with the defaults from {@link EngineConfiguration}. */
    public SenderContext()
    {
        super("sender");
    }

    /**
     * {@inheritDoc}
     */
    @Override
    protected SenderContext self()
    {
        return this;
    }

    /**
     * Validate settings and fill in those left unset.
     *
     * @return this.
     * @throws IllegalStateException naming the setting and its bad value.
     */
    public SenderContext conclude()
    {
        concludeCommon(EngineCounter.Role.SENDER);
        if (null == commandQueue || null == eventQueue)
        {
            throw new IllegalStateException("commandQueue and eventQueue must be set");
        }
        if (null == controlEndpoint)
        {
            throw new IllegalStateException("controlEndpoint must be set (host:port or aeron:ipc)");
        }
        Channels.channelFor(controlEndpoint);
        requireLoopbackWhenInsecure("controlEndpoint", controlEndpoint);
        if (null == replyEndpoint)
        {
            replyEndpoint = controlEndpoint;
        }
        Channels.channelFor(replyEndpoint);
        requireLoopbackWhenInsecure("replyEndpoint", replyEndpoint);
        requirePositive("maxFrameLength", maxFrameLength);
        requirePositive("framesPerCycle", framesPerCycle);
        requirePositive("peerTimeoutNs", peerTimeoutNs);
        requirePositive("helloIntervalNs", helloIntervalNs);
        requirePositive("progressIntervalNs", progressIntervalNs);
        requirePositive("maxQueuedPages", maxQueuedPages);
        requirePositive("baselineRefreshIntervalNs", baselineRefreshIntervalNs);
        requirePositive("dictionarySamplePages", dictionarySamplePages);
        requireRange("blockPages", blockPages, 0, CodecConfiguration.MAX_BLOCK_PAGES);
        requireRange("duplicateIndexBytes", duplicateIndexBytes, 0, Integer.MAX_VALUE);
        requireRange("dictionaryBytes", dictionaryBytes, 0, MAX_DICTIONARY_BYTES);
        requireRange("baselineBudgetBytes", baselineBudgetBytes, 0, Long.MAX_VALUE);
        requireRange("baselineMaxDeltaChain", baselineMaxDeltaChain, 0, Integer.MAX_VALUE);
        requireRange("maxPagesPerFrame", maxPagesPerFrame, 1, MAX_PAGES_PER_FRAME);
        requireRange(EngineConfiguration.SENDER_WORKERS_PROP_NAME, workerCount, 1, 64);
        if (dictionaryBytes > 0 && blockPages > 0)
        {
            throw new IllegalStateException("dictionaryBytes=" + dictionaryBytes + " trains a dictionary for pages " +
                "compressed alone: it needs blockPages=0, as frame blocks take their context from their own pages");
        }
        if (0 != stripeTermLength && (stripeTermLength < 64 * 1024 || Integer.bitCount(stripeTermLength) != 1))
        {
            throw new IllegalStateException(EngineConfiguration.STRIPE_TERM_LENGTH_PROP_NAME + "=" + stripeTermLength +
                " must be 0 or a power of two of at least 65536");
        }
        requireRange("resumeTimeoutNs", resumeTimeoutNs, 0, Long.MAX_VALUE);
        if (null == stateDirectory)
        {
            // Beside the command queue it keeps the positions in: the sender's own, one per command queue.
            final Path commands = Path.of(commandQueue.fileAbsolutePath());
            stateDirectory = commands.resolveSibling(commands.getFileName() + ".sender-state");
        }
        if (null == streamCountPolicy)
        {
            try
            {
                streamCountPolicy = StreamCountPolicy.fromConfiguration();
            }
            catch (final IllegalArgumentException ex)
            {
                throw new IllegalStateException(ex.getMessage());
            }
        }
        if (null == linkSettings)
        {
            try
            {
                linkSettings = LinkSettings.fromConfiguration();
            }
            catch (final IllegalArgumentException ex)
            {
                throw new IllegalStateException(ex.getMessage());
            }
        }
        return this;
    }

    /**
     * @param commandQueue queue the agent reads commands from.
     * @return this.
     */
    public SenderContext commandQueue(final ChronicleQueue commandQueue)
    {
        this.commandQueue = commandQueue;
        return this;
    }

    /** @return queue the agent reads commands from. */
    public ChronicleQueue commandQueue()
    {
        return commandQueue;
    }

    /**
     * @param eventQueue queue the agent writes events to.
     * @return this.
     */
    public SenderContext eventQueue(final ChronicleQueue eventQueue)
    {
        this.eventQueue = eventQueue;
        return this;
    }

    /** @return queue the agent writes events to. */
    public ChronicleQueue eventQueue()
    {
        return eventQueue;
    }

    /**
     * @param commandReaderName name under which the command queue keeps the sender's read position.
     * @return this.
     */
    public SenderContext commandReaderName(final String commandReaderName)
    {
        this.commandReaderName = commandReaderName;
        return this;
    }

    /** @return name under which the command queue keeps the sender's read position. */
    public String commandReaderName()
    {
        return commandReaderName;
    }

    /**
     * @param controlEndpoint host:port receivers reply to, or aeron:ipc.
     * @return this.
     */
    public SenderContext controlEndpoint(final String controlEndpoint)
    {
        this.controlEndpoint = controlEndpoint;
        return this;
    }

    /** @return host:port the replies are received on, or aeron:ipc. */
    public String controlEndpoint()
    {
        return controlEndpoint;
    }

    /**
     * @param replyEndpoint host:port the Hello tells receivers to reply to, when not the control endpoint: an
     *                      address that forwards to it (a relay, a NAT).
     * @return this.
     */
    public SenderContext replyEndpoint(final String replyEndpoint)
    {
        this.replyEndpoint = replyEndpoint;
        return this;
    }

    /** @return host:port the Hello tells receivers to reply to. */
    public String replyEndpoint()
    {
        return replyEndpoint;
    }

    /**
     * @param controlStreamId stream id of replies.
     * @return this.
     */
    public SenderContext controlStreamId(final int controlStreamId)
    {
        this.controlStreamId = controlStreamId;
        return this;
    }

    /** @return stream id of replies. */
    public int controlStreamId()
    {
        return controlStreamId;
    }

    /**
     * @param compressionLevel zstd level for transfers that do not name one.
     * @return this.
     */
    public SenderContext compressionLevel(final int compressionLevel)
    {
        this.compressionLevel = compressionLevel;
        return this;
    }

    /** @return zstd level for transfers that do not name one. */
    public int compressionLevel()
    {
        return compressionLevel;
    }

    /**
     * @param maxFrameLength largest page frame in bytes.
     * @return this.
     */
    public SenderContext maxFrameLength(final int maxFrameLength)
    {
        this.maxFrameLength = maxFrameLength;
        return this;
    }

    /** @return largest page frame in bytes. */
    public int maxFrameLength()
    {
        return maxFrameLength;
    }

    /**
     * @param maxPagesPerFrame most pages in one frame.
     * @return this.
     */
    public SenderContext maxPagesPerFrame(final int maxPagesPerFrame)
    {
        this.maxPagesPerFrame = maxPagesPerFrame;
        return this;
    }

    /** @return most pages in one frame. */
    public int maxPagesPerFrame()
    {
        return maxPagesPerFrame;
    }

    /**
     * @param peerTimeoutNs silence from a receiver that owes an answer after which its transfers fail.
     * @return this.
     */
    public SenderContext peerTimeoutNs(final long peerTimeoutNs)
    {
        this.peerTimeoutNs = peerTimeoutNs;
        return this;
    }

    /** @return silence from a receiver that owes an answer after which its transfers fail. */
    public long peerTimeoutNs()
    {
        return peerTimeoutNs;
    }

    /**
     * @param helloIntervalNs interval between repeated Hello frames.
     * @return this.
     */
    public SenderContext helloIntervalNs(final long helloIntervalNs)
    {
        this.helloIntervalNs = helloIntervalNs;
        return this;
    }

    /** @return interval between repeated Hello frames. */
    public long helloIntervalNs()
    {
        return helloIntervalNs;
    }

    /**
     * @param progressIntervalNs interval between progress events.
     * @return this.
     */
    public SenderContext progressIntervalNs(final long progressIntervalNs)
    {
        this.progressIntervalNs = progressIntervalNs;
        return this;
    }

    /** @return interval between progress events. */
    public long progressIntervalNs()
    {
        return progressIntervalNs;
    }

    /**
     * @param maxQueuedPages pages queued and unsent beyond which commands wait in the queue.
     * @return this.
     */
    public SenderContext maxQueuedPages(final long maxQueuedPages)
    {
        this.maxQueuedPages = maxQueuedPages;
        return this;
    }

    /** @return pages queued and unsent beyond which commands wait in the queue. */
    public long maxQueuedPages()
    {
        return maxQueuedPages;
    }

    /**
     * @param framesPerCycle frames each transfer may send per duty cycle.
     * @return this.
     */
    public SenderContext framesPerCycle(final int framesPerCycle)
    {
        this.framesPerCycle = framesPerCycle;
        return this;
    }

    /** @return frames each transfer may send per duty cycle. */
    public int framesPerCycle()
    {
        return framesPerCycle;
    }

    /**
     * @param baselineBudgetBytes bytes of page copies kept per transfer for deltas; 0 disables deltas.
     * @return this.
     */
    public SenderContext baselineBudgetBytes(final long baselineBudgetBytes)
    {
        this.baselineBudgetBytes = baselineBudgetBytes;
        return this;
    }

    /** @return bytes of page copies kept per transfer for deltas. */
    public long baselineBudgetBytes()
    {
        return baselineBudgetBytes;
    }

    /**
     * @param isBaselineCompressed keep baselines zstd-compressed, to cover more pages with the same budget.
     * @return this.
     */
    public SenderContext baselineCompressed(final boolean isBaselineCompressed)
    {
        this.isBaselineCompressed = isBaselineCompressed;
        return this;
    }

    /** @return whether baselines are kept compressed. */
    public boolean baselineCompressed()
    {
        return isBaselineCompressed;
    }

    /**
     * @param baselineRefreshIntervalNs age after which a baseline is refreshed with a full page.
     * @return this.
     */
    public SenderContext baselineRefreshIntervalNs(final long baselineRefreshIntervalNs)
    {
        this.baselineRefreshIntervalNs = baselineRefreshIntervalNs;
        return this;
    }

    /** @return age after which a baseline is refreshed with a full page. */
    public long baselineRefreshIntervalNs()
    {
        return baselineRefreshIntervalNs;
    }

    /**
     * @param baselineMaxDeltaChain most deltas in a row before a full page.
     * @return this.
     */
    public SenderContext baselineMaxDeltaChain(final int baselineMaxDeltaChain)
    {
        this.baselineMaxDeltaChain = baselineMaxDeltaChain;
        return this;
    }

    /** @return most deltas in a row before a full page. */
    public int baselineMaxDeltaChain()
    {
        return baselineMaxDeltaChain;
    }

    /**
     * @param switchoverDowntimeLimitNs expected downtime under which switchover-ready is emitted.
     * @return this.
     */
    public SenderContext switchoverDowntimeLimitNs(final long switchoverDowntimeLimitNs)
    {
        this.switchoverDowntimeLimitNs = switchoverDowntimeLimitNs;
        return this;
    }

    /** @return expected downtime under which switchover-ready is emitted. */
    public long switchoverDowntimeLimitNs()
    {
        return switchoverDowntimeLimitNs;
    }

    /**
     * @param dictionaryBytes size of a dictionary trained per transfer; 0 trains none.
     * @return this.
     */
    public SenderContext dictionaryBytes(final int dictionaryBytes)
    {
        this.dictionaryBytes = dictionaryBytes;
        return this;
    }

    /** @return size of a dictionary trained per transfer; 0 trains none. */
    public int dictionaryBytes()
    {
        return dictionaryBytes;
    }

    /**
     * @param dictionarySamplePages pages sampled to train a dictionary.
     * @return this.
     */
    public SenderContext dictionarySamplePages(final int dictionarySamplePages)
    {
        this.dictionarySamplePages = dictionarySamplePages;
        return this;
    }

    /** @return pages sampled to train a dictionary. */
    public int dictionarySamplePages()
    {
        return dictionarySamplePages;
    }

    /**
     * @param blockPages pages compressed together as one zstd block per frame; 0 compresses each page alone.
     * @return this.
     */
    public SenderContext blockPages(final int blockPages)
    {
        this.blockPages = blockPages;
        return this;
    }

    /** @return pages compressed together per frame, or 0 for each page alone. */
    public int blockPages()
    {
        return blockPages;
    }

    /**
     * @param duplicateIndexBytes bytes of the index that finds pages equal to ones the receiver holds; 0 for none.
     * @return this.
     */
    public SenderContext duplicateIndexBytes(final int duplicateIndexBytes)
    {
        this.duplicateIndexBytes = duplicateIndexBytes;
        return this;
    }

    /** @return bytes of the duplicate-page index. */
    public int duplicateIndexBytes()
    {
        return duplicateIndexBytes;
    }

    /**
     * @param isHdeEnabled false sends every page raw: no zero pages, compression or deltas.
     * @return this.
     */
    public SenderContext hdeEnabled(final boolean isHdeEnabled)
    {
        this.isHdeEnabled = isHdeEnabled;
        return this;
    }

    /** @return false when every page goes raw. */
    public boolean hdeEnabled()
    {
        return isHdeEnabled;
    }

    /**
     * @param recordingDirectory of a queue to record accepted commands and page contents into, or null for none.
     * @return this.
     */
    public SenderContext recordingDirectory(final Path recordingDirectory)
    {
        this.recordingDirectory = recordingDirectory;
        return this;
    }

    /** @return directory of the recording queue, or null when not recording. */
    public Path recordingDirectory()
    {
        return recordingDirectory;
    }

    /**
     * @param streamCountPolicy chooses each transfer's stripe count.
     * @return this.
     */
    public SenderContext streamCountPolicy(final StreamCountPolicy streamCountPolicy)
    {
        this.streamCountPolicy = streamCountPolicy;
        return this;
    }

    /** @return chooses each transfer's stripe count. */
    public StreamCountPolicy streamCountPolicy()
    {
        return streamCountPolicy;
    }

    /**
     * @param linkSettings how links are measured and adapted to, and what transfers reserve.
     * @return this.
     */
    public SenderContext linkSettings(final LinkSettings linkSettings)
    {
        this.linkSettings = linkSettings;
        return this;
    }

    /** @return how links are measured and adapted to, and what transfers reserve. */
    public LinkSettings linkSettings()
    {
        return linkSettings;
    }

    /**
     * @param workerCount workers that encode and publish stripes.
     * @return this.
     */
    public SenderContext workerCount(final int workerCount)
    {
        this.workerCount = workerCount;
        return this;
    }

    /** @return workers that encode and publish stripes. */
    public int workerCount()
    {
        return workerCount;
    }

    /**
     * @param stripeTermLength term length of each stripe's publication, or 0 to derive it from the stripe count.
     * @return this.
     */
    public SenderContext stripeTermLength(final int stripeTermLength)
    {
        this.stripeTermLength = stripeTermLength;
        return this;
    }

    /** @return term length of each stripe's publication, or 0 to derive it from the stripe count. */
    public int stripeTermLength()
    {
        return stripeTermLength;
    }

    /**
     * @param resumeTimeoutNs how long a transfer whose receiver was lost keeps being reopened; 0 never reopens.
     * @return this.
     */
    public SenderContext resumeTimeoutNs(final long resumeTimeoutNs)
    {
        this.resumeTimeoutNs = resumeTimeoutNs;
        return this;
    }

    public long resumeTimeoutNs()
    {
        return resumeTimeoutNs;
    }

    /**
     * @param stateDirectory where the sender keeps its open transfers; by default beside the command queue.
     * @return this.
     */
    public SenderContext stateDirectory(final Path stateDirectory)
    {
        this.stateDirectory = stateDirectory;
        return this;
    }

    public Path stateDirectory()
    {
        return stateDirectory;
    }
}
