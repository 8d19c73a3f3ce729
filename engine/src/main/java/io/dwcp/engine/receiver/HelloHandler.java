package io.dwcp.engine.receiver;

import io.aeron.Aeron;
import io.dwcp.codec.VarDataBounds;
import io.dwcp.codecs.wire.HelloDecoder;
import io.dwcp.codecs.wire.HelloStatus;
import io.dwcp.engine.memory.MappedImage;
import io.dwcp.engine.security.EngineSecurity;
import io.dwcp.engine.security.HandshakeException;
import io.dwcp.engine.security.HandshakeGuard;
import io.dwcp.engine.security.HelloPrologue;
import io.dwcp.engine.security.ResponderHandshake;
import io.dwcp.engine.status.EngineCounter;
import io.dwcp.engine.status.EngineCounters;
import io.dwcp.engine.status.StripeCounters;
import io.dwcp.engine.transport.AsyncPublication;
import org.agrona.CloseHelper;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.EpochClock;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;

/**
 * What the receiver does with a Hello: reads its handshake and checks it (rate, trust, clock) before anything is
 * allocated, then takes the transfer, with its destination file and stripes, or refuses it through
 * {@link ReplyPeers}. A stranger's Hello ends here with a counter and nothing else.
 * <p>
 * Not thread safe: runs on the receiver conductor's thread.
 */
final class HelloHandler
{
    private static final int MAX_CHANNEL_LENGTH = 1024;
    private static final int MAX_HANDSHAKE_LENGTH = 1024;

    private final ReceiverConductor conductor;
    private final List<InboundTransfer> transfers;
    private final ReplyPeers replyPeers;
    private final Admission admission;
    private final EngineSecurity security;
    private final HandshakeGuard guard;
    private final EpochClock epochClock;
    private final EngineCounters counters;
    private final ErrorHandler errorHandler;
    private final Aeron aeron;
    private final String name;
    private final long roundStartBytes;

    HelloHandler(
        final ReceiverConductor conductor,
        final List<InboundTransfer> transfers,
        final ReplyPeers replyPeers,
        final Admission admission,
        final HandshakeGuard guard,
        final io.dwcp.engine.config.ReceiverContext context)
    {
        this.conductor = conductor;
        this.transfers = transfers;
        this.replyPeers = replyPeers;
        this.admission = admission;
        this.guard = guard;
        security = context.security();
        epochClock = context.epochClock();
        counters = context.counters();
        errorHandler = context.errorHandler();
        aeron = context.aeron();
        name = context.name();
        roundStartBytes = context.roundStartBytes();
    }

    /**
     * A Hello: authenticate it, then take or refuse its transfer.
     *
     * @param hello     the frame.
     * @param sessionId it came in.
     * @param nowNs     current time.
     * @return {@link ReceiverConductor#FROM_PEER} when it came from an authenticated peer (or any peer when insecure),
     * {@link ReceiverConductor#FROM_STRANGER} when it failed authentication, 0 when neither can be said.
     */
    int onHello(final HelloDecoder hello, final int sessionId, final long nowNs)
    {
        final long transferId = hello.transferId();
        final long fileSize = hello.fileSize();
        final int pageSize = hello.pageSize();
        final int replyStreamId = hello.replyStreamId();
        final int stripeCount = hello.stripeCount();
        final int senderIndex = hello.senderIndex();
        if (!VarDataBounds.fits(hello.vmIdLength(), Admission.MAX_WIRE_VM_ID_LENGTH, hello.buffer(), hello.limit()))
        {
            counters.get(EngineCounter.FRAMES_MALFORMED).increment();
            return ReceiverConductor.FROM_STRANGER;
        }
        final String vmId = hello.vmId();
        if (!VarDataBounds.fits(hello.replyChannelLength(), MAX_CHANNEL_LENGTH, hello.buffer(), hello.limit()))
        {
            counters.get(EngineCounter.FRAMES_MALFORMED).increment();
            return ReceiverConductor.FROM_STRANGER;
        }
        final String replyChannel = hello.replyChannel();
        final int prologueLength = hello.limit();
        final int handshakeLength = hello.handshakeLength();
        if (!VarDataBounds.fits(handshakeLength, MAX_HANDSHAKE_LENGTH, hello.buffer(), hello.limit()))
        {
            counters.get(EngineCounter.FRAMES_MALFORMED).increment();
            return ReceiverConductor.FROM_STRANGER;
        }
        final byte[] message = new byte[handshakeLength];
        hello.getHandshake(message, 0, handshakeLength);

        if (security.isInsecure())
        {
            if (0 != handshakeLength)
            {
                counters.get(EngineCounter.HANDSHAKES_FAILED).increment();
                return ReceiverConductor.FROM_STRANGER;
            }
            onInsecureHello(transferId, vmId, pageSize, fileSize, stripeCount, senderIndex, replyChannel,
                replyStreamId, sessionId, nowNs);
            return ReceiverConductor.FROM_PEER;
        }
        if (0 == handshakeLength)
        {
            // A stranger gets nothing: no file, no mapping, no reply publication, no answer.
            counters.get(EngineCounter.HELLOS_UNAUTHENTICATED).increment();
            return ReceiverConductor.FROM_STRANGER;
        }
        for (int i = 0, size = transfers.size(); i < size; i++)
        {
            final InboundTransfer existing = transfers.get(i);
            if (existing.session().isResendOf(message))
            {
                if (existing.controlSessionId() == sessionId)
                {
                    existing.helloAckPending(true);
                }
                return 0;
            }
        }
        final ResponderHandshake handshake = authenticate(hello, prologueLength, message);
        if (null == handshake)
        {
            // Rate-limited ones too: a session that is never authenticated is struck and in the end rejected.
            return ReceiverConductor.FROM_STRANGER;
        }

        // Authenticated from here on.
        final AsyncPublication peer = replyPeers.peerFor(replyChannel, replyStreamId, nowNs);
        if (null == peer)
        {
            counters.get(EngineCounter.HELLOS_REJECTED).increment();
            return ReceiverConductor.FROM_PEER;
        }
        final String peerName = guard.peerOf(handshake).name();
        supersedeEarlierAttempt(transferId, peerName);
        final String[] refusal = {admission.refusal(transferId, vmId, pageSize, fileSize, stripeCount, peerName,
            transfers)};
        final InboundTransfer transfer = null != refusal[0] ? null :
            create(transferId, vmId, pageSize, fileSize, stripeCount, peer, sessionId, peerName, nowNs, refusal);
        if (null == transfer)
        {
            replyPeers.refuse(peer, transferId, senderIndex, handshake.answer(0, HelloStatus.REJECTED, refusal[0]),
                refusal[0], nowNs);
            return ReceiverConductor.FROM_PEER;
        }
        try
        {
            final int receiverIndex = conductor.newIndex();
            final byte[] answer = handshake.answer(receiverIndex, transfer.resume().helloStatus(), "");
            conductor.register(transfer, new ReceiverSession(receiverIndex, senderIndex, peerName, message, answer,
                handshake.keys(senderIndex), stripeCount), nowNs);
        }
        catch (final RuntimeException ex)
        {
            // Nothing may outlive a transfer that could not be set up: its file and mapping go.
            transfers.remove(transfer);
            transfer.close();
            discard(transfer);
            counters.get(EngineCounter.ERRORS).increment();
            errorHandler.onError(ex);
        }
        return ReceiverConductor.FROM_PEER;
    }

    /**
     * Read a Hello's handshake and check it before anything is allocated.
     *
     * @return the handshake, or null when it is refused (counted).
     */
    private ResponderHandshake authenticate(final HelloDecoder hello, final int prologueLength, final byte[] message)
    {
        final long nowMs = epochClock.time();
        if (!guard.tryAcquire(nowMs))
        {
            counters.get(EngineCounter.HANDSHAKES_RATE_LIMITED).increment();
            return null;
        }
        final ResponderHandshake handshake;
        try
        {
            handshake = new ResponderHandshake(security, HelloPrologue.of(hello.buffer(), prologueLength),
                message);
        }
        catch (final HandshakeException ex)
        {
            counters.get(EngineCounter.HANDSHAKES_FAILED).increment();
            return null;
        }
        final HandshakeGuard.Verdict verdict = guard.check(handshake, nowMs);
        if (HandshakeGuard.Verdict.ACCEPTED != verdict)
        {
            counters.get(switch (verdict)
            {
                case UNTRUSTED -> EngineCounter.HANDSHAKES_UNTRUSTED;
                case REPLAYED -> EngineCounter.HANDSHAKES_REPLAYED;
                case EXPIRED -> EngineCounter.HANDSHAKES_EXPIRED;
                default -> EngineCounter.HANDSHAKES_FAILED;
            }).increment();
            return null;
        }

        return handshake;
    }

    private void onInsecureHello(
        final long transferId,
        final String vmId,
        final int pageSize,
        final long fileSize,
        final int stripeCount,
        final int senderIndex,
        final String replyChannel,
        final int replyStreamId,
        final int sessionId,
        final long nowNs)
    {
        final AsyncPublication peer = replyPeers.peerFor(replyChannel, replyStreamId, nowNs);
        if (null == peer)
        {
            counters.get(EngineCounter.HELLOS_REJECTED).increment();
            return;
        }
        final InboundTransfer existing = conductor.insecureTransfer(transferId);
        if (null != existing)
        {
            if (!existing.hasSameGeometry(pageSize, fileSize, stripeCount, vmId, peer))
            {
                replyPeers.refuse(peer, transferId, senderIndex, null,
                    "transfer " + transferId + " is already open for another sender or geometry", nowNs);
                return;
            }
            if (existing.controlSessionId() == sessionId)
            {
                existing.helloAckPending(true);
                return;
            }
            // Another session of the same sender: it restarted, or reopened the transfer after losing this one.
            conductor.supersede(existing);
        }
        final String[] refusal = {admission.refusal(transferId, vmId, pageSize, fileSize, stripeCount,
            ReceiverSession.INSECURE_PEER, transfers)};
        final InboundTransfer transfer = null != refusal[0] ? null : create(transferId, vmId, pageSize, fileSize,
            stripeCount, peer, sessionId, ReceiverSession.INSECURE_PEER, nowNs, refusal);
        if (null == transfer)
        {
            replyPeers.refuse(peer, transferId, senderIndex, null, refusal[0], nowNs);
            return;
        }
        conductor.register(transfer, ReceiverSession.insecure(conductor.newIndex(), senderIndex), nowNs);
    }

    /**
     * The destination file and the stripes of a transfer that passed admission.
     *
     * @return the transfer, or null with the reason in {@code refusal[0]}.
     */
    private InboundTransfer create(
        final long transferId,
        final String vmId,
        final int pageSize,
        final long fileSize,
        final int stripeCount,
        final AsyncPublication peer,
        final int sessionId,
        final String peerName,
        final long nowNs,
        final String[] refusal)
    {
        final Path file = admission.destination(vmId, transferId);
        MappedImage destination = null;
        TransferJournal journal = null;
        boolean isResumed = false;
        try
        {
            journal = TransferJournal.open(file, transferId, vmId, peerName, pageSize, fileSize);
            if (null != journal && !Files.exists(file, LinkOption.NOFOLLOW_LINKS))
            {
                // The state of a destination that is gone vouches for nothing.
                journal.delete();
                journal = null;
            }
            isResumed = null != journal;
            destination = isResumed ? MappedImage.reopenWritable(file, pageSize, fileSize) :
                MappedImage.createNew(file, pageSize, fileSize);
            if (!isResumed)
            {
                journal = TransferJournal.create(file, transferId, vmId, peerName, pageSize, fileSize);
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            CloseHelper.closeAll(journal, destination);
            if (!isResumed && null != destination)
            {
                deleteQuietly(file);
            }
            refusal[0] = (isResumed ? "cannot resume destination " : "cannot create destination ") +
                file.getFileName() + ": " + ex.getMessage();
            return null;
        }
        final InboundTransfer transfer = new InboundTransfer(
            transferId, vmId, pageSize, fileSize, stripeCount, destination, peer, sessionId, nowNs);
        transfer.resume().journal(journal, isResumed);
        if (isResumed)
        {
            counters.get(EngineCounter.TRANSFERS_RESUMED).increment();
        }
        try
        {
            final StripeCounters[] stripeCounters =
                StripeCounters.allocate(aeron, name, EngineCounter.Role.RECEIVER, transferId, stripeCount);
            for (int k = 0; k < stripeCount; k++)
            {
                transfer.stripe(k, new StripeImage(transfer, k, transfer.layout(), stripeCounters[k],
                    roundStartBytes / stripeCount));
            }
        }
        catch (final RuntimeException ex)
        {
            transfer.close();
            discard(transfer);
            refusal[0] = "cannot allocate counters for " + stripeCount + " stripes: " + ex.getMessage();
            return null;
        }
        return transfer;
    }

    /**
     * A new, authenticated handshake of the same peer for a transfer it holds open: the peer restarted, or lost the
     * receiver and reopened the transfer. The earlier attempt closes and keeps its files, which the new one resumes.
     */
    private void supersedeEarlierAttempt(final long transferId, final String peerName)
    {
        for (int i = transfers.size() - 1; i >= 0; i--)
        {
            final InboundTransfer transfer = transfers.get(i);
            // Verified ones too: a sender that restarted before it heard the verdict resumes it, holding every page.
            if (transfer.transferId() == transferId && transfer.session().peerName().equals(peerName))
            {
                conductor.supersede(transfer);
            }
        }
    }

    /** A transfer that could not be set up: a new one leaves nothing, a resumed one keeps its files. */
    private void discard(final InboundTransfer transfer)
    {
        if (!transfer.resume().isResumed())
        {
            transfer.resume().dropJournal(counters);
            admission.removeFailed(transfer, false);
        }
    }

    private void deleteQuietly(final Path file)
    {
        try
        {
            Files.deleteIfExists(file);
        }
        catch (final IOException ex)
        {
            counters.get(EngineCounter.ERRORS).increment();
        }
    }
}
