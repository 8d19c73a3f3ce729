package io.dwcp.engine.config;

import io.dwcp.engine.status.EngineCounter;
import io.dwcp.engine.transport.Channels;
import net.openhft.chronicle.queue.ChronicleQueue;

import java.nio.file.Path;

/**
 * Settings of a sender agent; those of its codec are in {@link CodecContext}. Fluent setters; {@link #conclude()}
 * validates them and fills in defaults.
 */
public final class SenderContext extends CodecContext<SenderContext>
{

    private ChronicleQueue commandQueue;
    private ChronicleQueue eventQueue;
    private String commandReaderName = "dwcp-sender";
    private String controlEndpoint;
    private String replyEndpoint;
    private int controlStreamId = EngineConfiguration.controlStreamId();
    private long peerTimeoutNs = EngineConfiguration.peerTimeoutNs();
    private long helloIntervalNs = EngineConfiguration.helloIntervalNs();
    private long progressIntervalNs = EngineConfiguration.progressIntervalNs();
    private long maxQueuedPages = EngineConfiguration.maxQueuedPages();
    private int framesPerCycle = EngineConfiguration.framesPerCycle();
    private long switchoverDowntimeLimitNs = EngineConfiguration.switchoverDowntimeLimitNs();
    private boolean reproducible;
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
        concludeCodec();
        requirePositive("framesPerCycle", framesPerCycle);
        requirePositive("peerTimeoutNs", peerTimeoutNs);
        requirePositive("helloIntervalNs", helloIntervalNs);
        requirePositive("progressIntervalNs", progressIntervalNs);
        requirePositive("maxQueuedPages", maxQueuedPages);
        requireRange(EngineConfiguration.SENDER_WORKERS_PROP_NAME, workerCount, 1, 64);
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
     * Make the frames depend only on the pages and commands, not on timing, as a replay needs: similar pages are then
     * taken only from versions sent before the round, as the index stood when the round started. A recording sender
     * is reproducible whatever this says. It costs a JVM's rounds 1-3 about 7% more bytes (docs/FRAME-CODEC.md).
     *
     * @param reproducible true for frames a replay gives again byte for byte.
     * @return this.
     */
    public SenderContext reproducible(final boolean reproducible)
    {
        this.reproducible = reproducible;
        return this;
    }

    /** @return true when the frames depend only on pages and commands: set, or recording. */
    public boolean reproducible()
    {
        return reproducible || null != recordingDirectory;
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
