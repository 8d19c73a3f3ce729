package io.dwcp.engine.config;

import io.dwcp.engine.status.EngineCounter;
import io.dwcp.engine.transport.Channels;
import net.openhft.chronicle.queue.ChronicleQueue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Settings of a receiver agent. Fluent setters; {@link #conclude()} validates them and fills in defaults.
 */
public final class ReceiverContext extends EngineContext<ReceiverContext>
{
    private String dataEndpoint;
    private Path outputDirectory;
    private ChronicleQueue eventQueue;
    private int verifyPagesPerCycle = EngineConfiguration.verifyPagesPerCycle();
    private boolean verifyAhead = EngineConfiguration.verifyAhead();
    private long roundStartBytes = EngineConfiguration.roundStartBytes();
    private long transferTimeoutNs = EngineConfiguration.receiverTransferTimeoutNs();
    private long lingerNs = EngineConfiguration.receiverLingerNs();
    private final ReceiverLimits limits = new ReceiverLimits();

    /** A context with the defaults from {@link EngineConfiguration}. */
    public ReceiverContext()
    {
        super("receiver");
    }

    /**
     * {@inheritDoc}
     */
    @Override
    protected ReceiverContext self()
    {
        return this;
    }

    /**
     * Validate settings and fill in those left unset.
     *
     * @return this.
     * @throws IllegalStateException naming the setting and its bad value.
     */
    public ReceiverContext conclude()
    {
        concludeCommon(EngineCounter.Role.RECEIVER);
        if (null == dataEndpoint)
        {
            throw new IllegalStateException("dataEndpoint must be set (host:port or aeron:ipc)");
        }
        Channels.channelFor(dataEndpoint);
        requireLoopbackWhenInsecure("dataEndpoint", dataEndpoint);
        limits.conclude();
        if (null == outputDirectory || !Files.isDirectory(outputDirectory, LinkOption.NOFOLLOW_LINKS))
        {
            throw new IllegalStateException("outputDirectory=" + outputDirectory + " is not a directory");
        }
        checkOwnership(outputDirectory);
        if (roundStartBytes < 0)
        {
            throw new IllegalStateException("roundStartBytes=" + roundStartBytes + " must not be negative");
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
        return this;
    }

    /**
     * Destination files are created in a directory only this process's user can change: it owns it, and neither
     * its group nor others may write to it, so that nobody else can put a link or a file where one will be made.
     */
    private static void checkOwnership(final Path directory)
    {
        try
        {
            final String owner = Files.getOwner(directory, LinkOption.NOFOLLOW_LINKS).getName();
            final String user = System.getProperty("user.name");
            if (!owner.equals(user))
            {
                throw new IllegalStateException("outputDirectory=" + directory + " belongs to " + owner +
                    ", not to this receiver's user " + user);
            }
            final Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(directory,
                LinkOption.NOFOLLOW_LINKS);
            if (permissions.contains(PosixFilePermission.GROUP_WRITE) ||
                permissions.contains(PosixFilePermission.OTHERS_WRITE))
            {
                throw new IllegalStateException("outputDirectory=" + directory + " is writable by others (" +
                    PosixFilePermissions.toString(permissions) + "); chmod go-w it");
            }
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot check outputDirectory=" + directory + ": " + ex.getMessage(), ex);
        }
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

    /** @return host:port to receive frames on, or aeron:ipc. */
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

    /** @return where destination images are written. */
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

    /** @return queue for the destination agent's events, or null. */
    public ChronicleQueue eventQueue()
    {
        return eventQueue;
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

    /** @return pages checked per duty cycle while computing the final digest. */
    public int verifyPagesPerCycle()
    {
        return verifyPagesPerCycle;
    }

    /**
     * @param verifyAhead whether pages are verified while their transfer is quiet, so that its end reads only the
     *                    pages written since; false reads every page at the end.
     * @return this.
     */
    public ReceiverContext verifyAhead(final boolean verifyAhead)
    {
        this.verifyAhead = verifyAhead;
        return this;
    }

    /** @return whether pages are verified while their transfer is quiet. */
    public boolean verifyAhead()
    {
        return verifyAhead;
    }

    /**
     * @param roundStartBytes bytes per transfer of the versions pages had when a round started, kept for the pages
     *                        the round has written again; 0 keeps none.
     * @return this.
     */
    public ReceiverContext roundStartBytes(final long roundStartBytes)
    {
        this.roundStartBytes = roundStartBytes;
        return this;
    }

    /** @return bytes per transfer of round-start versions. */
    public long roundStartBytes()
    {
        return roundStartBytes;
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

    /** @return silence from a sender after which its transfer fails and is removed. */
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

    /** @return how long a verified transfer is kept. */
    public long lingerNs()
    {
        return lingerNs;
    }

    /** @return what peers may make this receiver hold, to read or change before {@link #conclude()}. */
    public ReceiverLimits limits()
    {
        return limits;
    }
}
