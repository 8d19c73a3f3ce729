package io.dwcp.engine.receiver;

import io.dwcp.engine.config.ReceiverLimits;
import io.dwcp.engine.config.TransferGeometry;
import io.dwcp.engine.security.WireText;
import io.dwcp.engine.status.EngineCounter;
import io.dwcp.engine.status.EngineCounters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Whether a receiver takes a transfer an authenticated peer asks for: a VM id that makes a safe file name, a
 * geometry it can hold, room under its limits on size, transfers and disk space, and no file of that name. Each
 * refusal is counted and comes with a reason for the peer. A file of that name is taken only to resume it, when its
 * journal says it is this transfer's ({@link TransferJournal}).
 * <p>
 * Not thread safe: owned by the receiver conductor.
 */
final class Admission
{
    /** Characters of a VM id at most. */
    static final int MAX_VM_ID_LENGTH = 64;
    /** Characters of a VM id read from the wire at most, so that a longer one is refused with a reason. */
    static final int MAX_WIRE_VM_ID_LENGTH = 4096;

    private static final Pattern VM_ID = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,63}");

    private final Path outputDirectory;
    private final ReceiverLimits limits;
    private final EngineCounters counters;

    Admission(final Path outputDirectory, final ReceiverLimits limits, final EngineCounters counters)
    {
        this.outputDirectory = outputDirectory;
        this.limits = limits;
        this.counters = counters;
    }

    /**
     * Why a transfer cannot be taken.
     *
     * @param transferId  asked for.
     * @param vmId        asked for.
     * @param pageSize    asked for.
     * @param fileSize    asked for.
     * @param stripeCount asked for.
     * @param peerName    of the authenticated peer.
     * @param transfers   held now.
     * @return the reason, or null when it can be taken.
     */
    String refusal(
        final long transferId,
        final String vmId,
        final int pageSize,
        final long fileSize,
        final int stripeCount,
        final String peerName,
        final List<InboundTransfer> transfers)
    {
        if (vmId.length() > MAX_VM_ID_LENGTH)
        {
            return "VM id of " + vmId.length() + " characters is too long: at most " + MAX_VM_ID_LENGTH;
        }
        if (!VM_ID.matcher(vmId).matches())
        {
            return "VM id '" + WireText.sanitise(vmId) + "' must be 1-64 of [A-Za-z0-9._-], not starting with " +
                "'.' or '-'";
        }
        final String geometryProblem = TransferGeometry.check(pageSize, fileSize, stripeCount);
        if (null != geometryProblem)
        {
            return geometryProblem;
        }
        int ofPeer = 0;
        for (int i = 0, size = transfers.size(); i < size; i++)
        {
            final InboundTransfer transfer = transfers.get(i);
            if (transfer.session().peerName().equals(peerName))
            {
                if (transfer.transferId() == transferId)
                {
                    return "transfer " + transferId + " is already open for this sender with another handshake";
                }
                ofPeer++;
            }
        }
        if (fileSize > limits.maxImageBytes())
        {
            return overLimit("an image of " + fileSize + " bytes is over this receiver's limit of " +
                limits.maxImageBytes() + " (dwcp.receiver.max.image.bytes)");
        }
        if (transfers.size() >= limits.maxTransfers())
        {
            return overLimit("this receiver holds " + transfers.size() + " transfers, its limit " +
                "(dwcp.receiver.max.transfers)");
        }
        if (ofPeer >= limits.maxTransfersPerPeer())
        {
            return overLimit("this receiver holds " + ofPeer + " transfers of " + peerName + ", its limit per " +
                "peer (dwcp.receiver.max.transfers.per.peer)");
        }
        try
        {
            final long usable = Files.getFileStore(outputDirectory).getUsableSpace();
            if (usable - limits.diskReserveBytes() < fileSize)
            {
                return overLimit("the destination file system has " + usable + " bytes free, short of the " +
                    fileSize + " of the image and the reserve of " + limits.diskReserveBytes() +
                    " (dwcp.receiver.disk.reserve.bytes)");
            }
        }
        catch (final IOException ex)
        {
            return "cannot read the free space of " + outputDirectory + ": " + ex.getMessage();
        }
        final Path file = destination(vmId, transferId);
        if (Files.exists(file, LinkOption.NOFOLLOW_LINKS) &&
            !Files.exists(TransferJournal.pathOf(file), LinkOption.NOFOLLOW_LINKS))
        {
            return "destination " + file.getFileName() + " already exists; it is never overwritten";
        }
        return null;
    }

    Path destination(final String vmId, final long transferId)
    {
        return outputDirectory.resolve(vmId + "-" + transferId + ".img");
    }

    /**
     * Remove the destination of a transfer that failed, unless the settings keep it.
     *
     * @param transfer that failed, its destination closed.
     * @param isAbandoned whether its agent abandoned it, when it goes whatever the settings say.
     */
    void removeFailed(final InboundTransfer transfer, final boolean isAbandoned)
    {
        if (limits.keepFailed() && !isAbandoned)
        {
            return;
        }
        try
        {
            if (Files.deleteIfExists(destination(transfer.vmId(), transfer.transferId())))
            {
                counters.get(EngineCounter.DESTINATIONS_REMOVED).increment();
            }
        }
        catch (final IOException ex)
        {
            counters.get(EngineCounter.ERRORS).increment();
        }
    }

    private String overLimit(final String text)
    {
        counters.get(EngineCounter.TRANSFERS_OVER_LIMIT).increment();
        return text;
    }
}
