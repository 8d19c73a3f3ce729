package io.dwcp.engine.config;

import io.aeron.Aeron;
import io.dwcp.engine.status.EngineCounter;
import io.dwcp.engine.status.EngineCounters;
import io.dwcp.engine.transport.Channels;
import net.openhft.chronicle.queue.ChronicleQueue;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.SystemNanoClock;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Settings of a receiver agent. Fluent setters; {@link #conclude()} validates them and fills in defaults.
 */
public final class ReceiverContext
{
    private Aeron aeron;
    private String dataEndpoint;
    private Path outputDirectory;
    private ChronicleQueue eventQueue;
    private int dataStreamId = EngineConfiguration.dataStreamId();
    private int verifyPagesPerCycle = EngineConfiguration.verifyPagesPerCycle();
    private long transferTimeoutNs = EngineConfiguration.receiverTransferTimeoutNs();
    private long lingerNs = EngineConfiguration.receiverLingerNs();
    private String name = "receiver";
    private NanoClock nanoClock;
    private ErrorHandler errorHandler;
    private EngineCounters counters;

    /**
     * Validate settings and fill in those left unset.
     *
     * @return this.
     * @throws IllegalStateException naming the setting and its bad value.
     */
    public ReceiverContext conclude()
    {
        if (null == aeron)
        {
            throw new IllegalStateException("aeron must be set");
        }
        if (null == dataEndpoint)
        {
            throw new IllegalStateException("dataEndpoint must be set (host:port or aeron:ipc)");
        }
        Channels.channelFor(dataEndpoint);
        if (null == outputDirectory || !Files.isDirectory(outputDirectory))
        {
            throw new IllegalStateException("outputDirectory=" + outputDirectory + " is not a directory");
        }
        if (verifyPagesPerCycle <= 0)
        {
            throw new IllegalStateException("verifyPagesPerCycle=" + verifyPagesPerCycle + " must be positive");
        }
        if (transferTimeoutNs <= 0 || lingerNs <= 0)
        {
            throw new IllegalStateException("transferTimeoutNs=" + transferTimeoutNs + " and lingerNs=" + lingerNs +
                " must be positive");
        }
        if (null == nanoClock)
        {
            nanoClock = SystemNanoClock.INSTANCE;
        }
        if (null == errorHandler)
        {
            errorHandler = Throwable::printStackTrace;
        }
        if (null == counters)
        {
            counters = new EngineCounters("receiver", EngineCounter.Role.RECEIVER, aeron::addCounter);
        }
        return this;
    }

    /**
     * @param aeron client the agent uses.
     * @return this.
     */
    public ReceiverContext aeron(final Aeron aeron)
    {
        this.aeron = aeron;
        return this;
    }

    /**
     * @return client the agent uses.
     */
    public Aeron aeron()
    {
        return aeron;
    }

    /**
     * @param dataEndpoint host:port to receive frames on, or aeron:ipc.
     * @return this.
     */
    public ReceiverContext dataEndpoint(final String dataEndpoint)
    {
        this.dataEndpoint = dataEndpoint;
        return this;
    }

    /**
     * @return host:port to receive frames on, or aeron:ipc.
     */
    public String dataEndpoint()
    {
        return dataEndpoint;
    }

    /**
     * @param outputDirectory where destination images are written, one file per transfer.
     * @return this.
     */
    public ReceiverContext outputDirectory(final Path outputDirectory)
    {
        this.outputDirectory = outputDirectory;
        return this;
    }

    /**
     * @return where destination images are written.
     */
    public Path outputDirectory()
    {
        return outputDirectory;
    }

    /**
     * @param eventQueue queue for the destination agent's events, or null for none.
     * @return this.
     */
    public ReceiverContext eventQueue(final ChronicleQueue eventQueue)
    {
        this.eventQueue = eventQueue;
        return this;
    }

    /**
     * @return queue for the destination agent's events, or null.
     */
    public ChronicleQueue eventQueue()
    {
        return eventQueue;
    }

    /**
     * @param dataStreamId stream id of page frames.
     * @return this.
     */
    public ReceiverContext dataStreamId(final int dataStreamId)
    {
        this.dataStreamId = dataStreamId;
        return this;
    }

    /**
     * @return stream id of page frames.
     */
    public int dataStreamId()
    {
        return dataStreamId;
    }

    /**
     * @param verifyPagesPerCycle pages checked per duty cycle while computing the final digest.
     * @return this.
     */
    public ReceiverContext verifyPagesPerCycle(final int verifyPagesPerCycle)
    {
        this.verifyPagesPerCycle = verifyPagesPerCycle;
        return this;
    }

    /**
     * @return pages checked per duty cycle while computing the final digest.
     */
    public int verifyPagesPerCycle()
    {
        return verifyPagesPerCycle;
    }

    /**
     * @param transferTimeoutNs silence from a sender after which its transfer fails and is removed.
     * @return this.
     */
    public ReceiverContext transferTimeoutNs(final long transferTimeoutNs)
    {
        this.transferTimeoutNs = transferTimeoutNs;
        return this;
    }

    /**
     * @return silence from a sender after which its transfer fails and is removed.
     */
    public long transferTimeoutNs()
    {
        return transferTimeoutNs;
    }

    /**
     * @param lingerNs how long a verified transfer is kept to answer late repairs and repeated ends.
     * @return this.
     */
    public ReceiverContext lingerNs(final long lingerNs)
    {
        this.lingerNs = lingerNs;
        return this;
    }

    /**
     * @return how long a verified transfer is kept.
     */
    public long lingerNs()
    {
        return lingerNs;
    }

    /**
     * @param nanoClock clock for timestamps.
     * @return this.
     */
    public ReceiverContext nanoClock(final NanoClock nanoClock)
    {
        this.nanoClock = nanoClock;
        return this;
    }

    /**
     * @return clock for timestamps.
     */
    public NanoClock nanoClock()
    {
        return nanoClock;
    }

    /**
     * @param errorHandler receives unexpected errors.
     * @return this.
     */
    public ReceiverContext errorHandler(final ErrorHandler errorHandler)
    {
        this.errorHandler = errorHandler;
        return this;
    }

    /**
     * @return receives unexpected errors.
     */
    public ErrorHandler errorHandler()
    {
        return errorHandler;
    }

    /**
     * @param counters the receiver's counters.
     * @return this.
     */
    public ReceiverContext counters(final EngineCounters counters)
    {
        this.counters = counters;
        return this;
    }

    /**
     * @return the receiver's counters.
     */
    public EngineCounters counters()
    {
        return counters;
    }

    /**
     * @param name of the engine, for counter labels.
     * @return this.
     */
    public ReceiverContext name(final String name)
    {
        this.name = name;
        return this;
    }

    /**
     * @return name of the engine, for counter labels.
     */
    public String name()
    {
        return name;
    }
}
