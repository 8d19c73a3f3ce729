package io.dwcp.engine.receiver;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.dwcp.codec.BlockCodec;
import io.dwcp.codec.PageCodec;
import io.dwcp.codec.VarDataBounds;
import io.dwcp.codecs.agent.FailureReason;
import io.dwcp.codecs.wire.ErrorCode;
import io.dwcp.codecs.wire.HelloDecoder;
import io.dwcp.codecs.wire.HelloStatus;
import io.dwcp.codecs.wire.TransferEndDecoder;
import io.dwcp.engine.config.EngineConfiguration;
import io.dwcp.engine.config.ReceiverContext;
import io.dwcp.engine.config.ReceiverLimits;
import io.dwcp.engine.memory.MappedImage;
import io.dwcp.engine.queue.EventPublisher;
import io.dwcp.engine.security.EngineSecurity;
import io.dwcp.engine.security.HandshakeException;
import io.dwcp.engine.security.HandshakeGuard;
import io.dwcp.engine.security.HelloPrologue;
import io.dwcp.engine.security.ResponderHandshake;
import io.dwcp.engine.status.EngineCounter;
import io.dwcp.engine.status.EngineCounters;
import io.dwcp.engine.status.StripeCounters;
import io.dwcp.engine.transport.AsyncPublication;
import io.dwcp.engine.transport.Channels;
import org.agrona.CloseHelper;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.collections.Object2LongHashMap;
import org.agrona.collections.Object2ObjectHashMap;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.NanoClock;

import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The receiver's slow path: accepts or refuses Hellos, binds stripes' sessions, holds the transfers and their
 * reply publications, times them out, starts verification once a transfer's end and all its frames are in, sends
 * the control frames through the {@link ControlPublisher} and writes the events. {@link #doWork()} never blocks.
 * <p>
 * Not thread safe: runs on one thread with the {@link DataAdapter} and the {@link Verifier}.
 */
final class ReceiverConductor implements Agent
{
    /** {@link #onHello} says: from an authenticated peer. */
    static final int FROM_PEER = 1;
    /** {@link #onHello} says: failed authentication. */
    static final int FROM_STRANGER = -1;

    private static final int MAX_REFUSALS = 64;
    private static final int MAX_CHANNEL_LENGTH = 1024;
    private static final int MAX_HANDSHAKE_LENGTH = 1024;

    private final Aeron aeron;
    private final String name;
    private final Path outputDirectory;
    private final long transferTimeoutNs;
    private final long lingerNs;
    private final NanoClock nanoClock;
    private final EngineCounters counters;
    private final ControlPublisher control;
    private final Verifier verifier;
    private final ReceiverContext context;
    private final EngineSecurity security;
    private final EpochClock epochClock;
    private final HandshakeGuard guard;
    private final Admission admission;
    private final long peerIdleNs;
    private final int maxPeers;
    private final SecureRandom random = new SecureRandom();
    private final Int2ObjectHashMap<InboundTransfer> transfersByIndex = new Int2ObjectHashMap<>();
    private final Object2LongHashMap<AsyncPublication> peerLastUsedNs = new Object2LongHashMap<>(Long.MIN_VALUE);
    private final Long2ObjectHashMap<InboundTransfer> transfersById = new Long2ObjectHashMap<>();
    private final ArrayList<InboundTransfer> transfers = new ArrayList<>();
    private final Object2ObjectHashMap<String, AsyncPublication> peersByChannel = new Object2ObjectHashMap<>();
    private final ArrayList<AsyncPublication> peers = new ArrayList<>();
    private final ArrayList<Refusal> refusals = new ArrayList<>();
    private final Int2ObjectHashMap<PageCodec> codecsByPageSize = new Int2ObjectHashMap<>();
    private final Int2ObjectHashMap<BlockCodec> blockCodecsByPageSize = new Int2ObjectHashMap<>();
    private DataAdapter dataAdapter;
    private EventPublisher events;
    private long nowNs;
    private long nextEvictionNs;

    private record Refusal(
        AsyncPublication peer, long transferId, int senderIndex, byte[] handshake, String text, long deadlineNs)
    {
    }

    ReceiverConductor(final ReceiverContext context, final Verifier verifier)
    {
        this.context = context;
        aeron = context.aeron();
        name = context.name();
        outputDirectory = context.outputDirectory();
        transferTimeoutNs = context.transferTimeoutNs();
        lingerNs = context.lingerNs();
        nanoClock = context.nanoClock();
        counters = context.counters();
        control = new ControlPublisher(nanoClock, counters);
        this.verifier = verifier;
        security = context.security();
        epochClock = context.epochClock();
        final ReceiverLimits limits = context.limits();
        guard = new HandshakeGuard(security.peers(), limits.handshakeWindowMs(), limits.handshakesPerSecond(),
            epochClock.time());
        admission = new Admission(outputDirectory, limits, counters);
        peerIdleNs = TimeUnit.MILLISECONDS.toNanos(limits.peerIdleMs());
        maxPeers = limits.maxPeers();
    }

    void dataAdapter(final DataAdapter dataAdapter)
    {
        this.dataAdapter = dataAdapter;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void onStart()
    {
        if (null != context.eventQueue())
        {
            events = new EventPublisher(context.eventQueue());
        }
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public int doWork()
    {
        nowNs = nanoClock.nanoTime();
        int workCount = 0;
        for (int i = 0, size = peers.size(); i < size; i++)
        {
            workCount += peers.get(i).resolve(aeron);
        }
        workCount += sendRefusals();
        if (nowNs - nextEvictionNs >= 0)
        {
            nextEvictionNs = nowNs + TimeUnit.SECONDS.toNanos(1);
            while (evictIdlePeer(peerIdleNs))
            {
                workCount++;
            }
        }
        for (int i = transfers.size() - 1; i >= 0; i--)
        {
            workCount += service(transfers.get(i));
        }
        return workCount;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void onClose()
    {
        for (final InboundTransfer transfer : transfers)
        {
            transfer.close();
        }
        transfers.clear();
        transfersById.clear();
        for (final AsyncPublication peer : peers)
        {
            peer.close();
        }
        codecsByPageSize.values().forEach(PageCodec::close);
        blockCodecsByPageSize.values().forEach(BlockCodec::close);
        CloseHelper.close(events);
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public String roleName()
    {
        return "dwcp-receiver";
    }

    PageCodec codecFor(final int pageSize)
    {
        return codecsByPageSize.get(pageSize);
    }

    BlockCodec blockCodecFor(final int pageSize)
    {
        return blockCodecsByPageSize.get(pageSize);
    }

    /**
     * The image of a stripe for a frame from a session: the stripe is bound to the session by its first frame.
     *
     * @param transferId named by the frame.
     * @param stripe     named by the frame.
     * @param sessionId  the frame came in.
     * @return the image, or null when the frame is refused (counted).
     */
    StripeImage bindStripe(final long transferId, final int stripe, final int sessionId)
    {
        return bindStripe(transfersById.get(transferId), stripe, sessionId);
    }

    /**
     * The image of a stripe of a known transfer for a frame from a session, bound as {@link #bindStripe(long,
     * int, int)} binds.
     *
     * @param transfer  whose stripe, or null.
     * @param stripe    named by the frame.
     * @param sessionId the frame came in.
     * @return the image, or null when the frame is refused (counted).
     */
    StripeImage bindStripe(final InboundTransfer transfer, final int stripe, final int sessionId)
    {
        if (null == transfer || null != transfer.failure())
        {
            counters.get(EngineCounter.FRAMES_UNKNOWN_TRANSFER).increment();
            return null;
        }
        if (stripe < 0 || stripe >= transfer.stripeCount())
        {
            counters.get(EngineCounter.FRAMES_BAD_STRIPE).increment();
            return null;
        }
        final StripeImage image = transfer.stripe(stripe);
        if (StripeImage.NO_SESSION == image.sessionId())
        {
            image.bind(sessionId);
        }
        else if (image.sessionId() != sessionId)
        {
            counters.get(EngineCounter.FRAMES_FOREIGN_SESSION).increment();
            return null;
        }
        return image;
    }

    /**
     * A Hello: authenticate it, then take or refuse its transfer.
     *
     * @param hello     the frame.
     * @param sessionId it came in.
     * @param nowNs     current time.
     * @return {@link #FROM_PEER} when it came from an authenticated peer (or any peer when insecure),
     * {@link #FROM_STRANGER} when it failed authentication, 0 when neither can be said.
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
            return FROM_STRANGER;
        }
        final String vmId = hello.vmId();
        if (!VarDataBounds.fits(hello.replyChannelLength(), MAX_CHANNEL_LENGTH, hello.buffer(), hello.limit()))
        {
            counters.get(EngineCounter.FRAMES_MALFORMED).increment();
            return FROM_STRANGER;
        }
        final String replyChannel = hello.replyChannel();
        final int prologueLength = hello.limit();
        final int handshakeLength = hello.handshakeLength();
        if (!VarDataBounds.fits(handshakeLength, MAX_HANDSHAKE_LENGTH, hello.buffer(), hello.limit()))
        {
            counters.get(EngineCounter.FRAMES_MALFORMED).increment();
            return FROM_STRANGER;
        }
        final byte[] message = new byte[handshakeLength];
        hello.getHandshake(message, 0, handshakeLength);

        if (security.isInsecure())
        {
            if (0 != handshakeLength)
            {
                counters.get(EngineCounter.HANDSHAKES_FAILED).increment();
                return FROM_STRANGER;
            }
            onInsecureHello(transferId, vmId, pageSize, fileSize, stripeCount, senderIndex, replyChannel,
                replyStreamId, sessionId, nowNs);
            return FROM_PEER;
        }
        if (0 == handshakeLength)
        {
            // A stranger gets nothing: no file, no mapping, no reply publication, no answer.
            counters.get(EngineCounter.HELLOS_UNAUTHENTICATED).increment();
            return FROM_STRANGER;
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
            return FROM_STRANGER;
        }

        // Authenticated from here on.
        final AsyncPublication peer = peerFor(replyChannel, replyStreamId);
        if (null == peer)
        {
            counters.get(EngineCounter.HELLOS_REJECTED).increment();
            return FROM_PEER;
        }
        final String peerName = guard.peerOf(handshake).name();
        final String[] refusal = {admission.refusal(transferId, vmId, pageSize, fileSize, stripeCount, peerName,
            transfers)};
        final InboundTransfer transfer = null != refusal[0] ? null :
            create(transferId, vmId, pageSize, fileSize, stripeCount, peer, sessionId, nowNs, refusal);
        if (null == transfer)
        {
            refuse(peer, transferId, senderIndex, handshake.answer(0, false, refusal[0], senderIndex), refusal[0]);
            return FROM_PEER;
        }
        try
        {
            final int receiverIndex = newIndex();
            final byte[] answer = handshake.answer(receiverIndex, true, "", senderIndex);
            register(transfer, new ReceiverSession(receiverIndex, senderIndex, peerName, message, answer,
                handshake.keys(senderIndex), stripeCount), nowNs);
        }
        catch (final RuntimeException ex)
        {
            // Nothing may outlive a transfer that could not be set up: its file and mapping go.
            transfers.remove(transfer);
            transfer.close();
            admission.removeFailed(transfer);
            counters.get(EngineCounter.ERRORS).increment();
            context.errorHandler().onError(ex);
        }
        return FROM_PEER;
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
        final AsyncPublication peer = peerFor(replyChannel, replyStreamId);
        if (null == peer)
        {
            counters.get(EngineCounter.HELLOS_REJECTED).increment();
            return;
        }
        final InboundTransfer existing = transfersById.get(transferId);
        if (null != existing)
        {
            if (existing.hasSameGeometry(pageSize, fileSize, stripeCount, vmId, peer) &&
                existing.controlSessionId() == sessionId)
            {
                existing.helloAckPending(true);
            }
            else
            {
                refuse(peer, transferId, senderIndex, null,
                    "transfer " + transferId + " is already open for another sender or geometry");
            }
            return;
        }
        final String[] refusal = {admission.refusal(transferId, vmId, pageSize, fileSize, stripeCount,
            ReceiverSession.INSECURE_PEER, transfers)};
        final InboundTransfer transfer = null != refusal[0] ? null :
            create(transferId, vmId, pageSize, fileSize, stripeCount, peer, sessionId, nowNs, refusal);
        if (null == transfer)
        {
            refuse(peer, transferId, senderIndex, null, refusal[0]);
            return;
        }
        register(transfer, ReceiverSession.insecure(newIndex(), senderIndex), nowNs);
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
        final long nowNs,
        final String[] refusal)
    {
        final Path file = admission.destination(vmId, transferId);
        final MappedImage destination;
        try
        {
            destination = MappedImage.createNew(file, pageSize, fileSize);
        }
        catch (final IOException | RuntimeException ex)
        {
            refusal[0] = "cannot create destination " + file.getFileName() + ": " + ex;
            return null;
        }
        final InboundTransfer transfer = new InboundTransfer(
            transferId, vmId, pageSize, fileSize, stripeCount, destination, peer, sessionId, nowNs);
        try
        {
            for (int k = 0; k < stripeCount; k++)
            {
                final StripeCounters stripeCounters =
                    new StripeCounters(aeron, name, EngineCounter.Role.RECEIVER, transferId, k);
                transfer.stripe(k, new StripeImage(transfer, k, transfer.layout(), stripeCounters));
            }
        }
        catch (final RuntimeException ex)
        {
            transfer.close();
            admission.removeFailed(transfer);
            refusal[0] = "cannot allocate counters for " + stripeCount + " stripes: " + ex.getMessage();
            return null;
        }
        return transfer;
    }

    private void register(final InboundTransfer transfer, final ReceiverSession session, final long nowNs)
    {
        final int pageSize = transfer.pageSize();
        transfer.session(session);
        if (null == codecsByPageSize.get(pageSize))
        {
            codecsByPageSize.put(pageSize, new PageCodec(pageSize, 1));
            blockCodecsByPageSize.put(pageSize,
                new BlockCodec(pageSize, EngineConfiguration.maxBlockPages(pageSize), 1));
        }
        transfers.add(transfer);
        transfersByIndex.put(session.receiverIndex(), transfer);
        if (!session.isSecure())
        {
            transfersById.put(transfer.transferId(), transfer);
        }
        if (null != events)
        {
            events.accepted(transfer.transferId(), transfer.pageCount(), pageSize, nowNs, session.isSecure());
        }
    }

    private int newIndex()
    {
        int index;
        do
        {
            index = random.nextInt();
        }
        while (0 == index || transfersByIndex.containsKey(index));
        return index;
    }

    boolean isSecure()
    {
        return !security.isInsecure();
    }

    InboundTransfer transferByIndex(final int receiverIndex)
    {
        return transfersByIndex.get(receiverIndex);
    }

    void onTransferEnd(
        final TransferEndDecoder end, final InboundTransfer sealedBy, final int sessionId, final long nowNs)
    {
        final InboundTransfer transfer = null != sealedBy ? sealedBy : transfersById.get(end.transferId());
        if (null != transfer && transfer.transferId() != end.transferId())
        {
            counters.get(EngineCounter.FRAMES_UNAUTHENTICATED).increment();
            return;
        }
        if (null == transfer || null != transfer.failure())
        {
            counters.get(EngineCounter.FRAMES_UNKNOWN_TRANSFER).increment();
            return;
        }
        if (transfer.controlSessionId() != sessionId)
        {
            counters.get(EngineCounter.FRAMES_FOREIGN_SESSION).increment();
            return;
        }
        final long digest = end.digest();
        final TransferEndDecoder.StripesDecoder stripes = end.stripes();
        if (stripes.count() != transfer.stripeCount())
        {
            counters.get(EngineCounter.FRAMES_BAD_STRIPE).increment();
            transfer.fail("transfer end names " + stripes.count() + " stripes but the transfer has " +
                transfer.stripeCount());
            return;
        }
        int k = 0;
        for (final TransferEndDecoder.StripesDecoder stripe : stripes)
        {
            transfer.endLastSequence(k++, stripe.lastSequence());
        }
        transfer.onTransferEnd(digest, nowNs);
    }

    /**
     * A reply channel is IPC or exactly {@code aeron:udp?endpoint=<IP address>:<port>}: no other parameter, and no
     * host name, so that nothing from the wire makes the receiver look a name up.
     */
    private static boolean isAcceptableReplyChannel(final String channel)
    {
        if (Channels.isIpc(channel))
        {
            return true;
        }
        final String prefix = "aeron:udp?endpoint=";
        if (!channel.startsWith(prefix) || channel.indexOf('|') >= 0)
        {
            return false;
        }
        final String endpoint = channel.substring(prefix.length());
        try
        {
            Channels.validateHostPort(endpoint);
        }
        catch (final IllegalArgumentException ex)
        {
            return false;
        }
        return Channels.isIpLiteral(endpoint);
    }

    /**
     * The reply publication for an authenticated peer, made on first use; an idle one is closed to make room.
     *
     * @return the publication, or null when the channel is not acceptable or every slot is busy.
     */
    private AsyncPublication peerFor(final String channel, final int streamId)
    {
        if (!isAcceptableReplyChannel(channel))
        {
            return null;
        }
        final String key = channel + "#" + streamId;
        AsyncPublication peer = peersByChannel.get(key);
        if (null == peer)
        {
            if (peers.size() >= maxPeers && !evictIdlePeer(Long.MAX_VALUE))
            {
                return null;
            }
            peer = new AsyncPublication(aeron, channel, streamId);
            peersByChannel.put(key, peer);
            peers.add(peer);
        }
        peerLastUsedNs.put(peer, nowNs);
        return peer;
    }

    /**
     * Close the longest idle reply publication that no transfer or refusal uses.
     *
     * @param idleNs how long it must have been idle; {@code Long.MAX_VALUE} takes the longest idle whatever.
     * @return whether one was closed.
     */
    private boolean evictIdlePeer(final long idleNs)
    {
        AsyncPublication oldest = null;
        long oldestNs = Long.MAX_VALUE;
        for (int i = 0, size = peers.size(); i < size; i++)
        {
            final AsyncPublication peer = peers.get(i);
            final long lastUsedNs = peerLastUsedNs.getValue(peer);
            if (lastUsedNs < oldestNs && !isInUse(peer) &&
                (Long.MAX_VALUE == idleNs || nowNs - lastUsedNs > idleNs))
            {
                oldest = peer;
                oldestNs = lastUsedNs;
            }
        }
        if (null == oldest)
        {
            return false;
        }
        peers.remove(oldest);
        peersByChannel.remove(oldest.channel() + "#" + oldest.streamId());
        peerLastUsedNs.removeKey(oldest);
        oldest.close();
        counters.get(EngineCounter.PEERS_EVICTED).increment();
        return true;
    }

    private boolean isInUse(final AsyncPublication peer)
    {
        for (int i = 0, size = transfers.size(); i < size; i++)
        {
            if (transfers.get(i).peer() == peer)
            {
                return true;
            }
        }
        for (int i = 0, size = refusals.size(); i < size; i++)
        {
            if (refusals.get(i).peer() == peer)
            {
                return true;
            }
        }
        return false;
    }

    private void refuse(
        final AsyncPublication peer,
        final long transferId,
        final int senderIndex,
        final byte[] handshake,
        final String text)
    {
        counters.get(EngineCounter.HELLOS_REJECTED).increment();
        if (refusals.size() < MAX_REFUSALS)
        {
            // Bounded: a flood of Hellos from peers that never listen must not grow memory.
            // A refusal nobody takes is dropped after the linger time, and with it its hold on the peer slot.
            refusals.add(new Refusal(peer, transferId, senderIndex, handshake, null == handshake ? text : "",
                nowNs + lingerNs));
        }
    }

    private int sendRefusals()
    {
        int workCount = 0;
        for (int i = refusals.size() - 1; i >= 0; i--)
        {
            final Refusal refusal = refusals.get(i);
            if (nowNs - refusal.deadlineNs() > 0 || null != refusal.peer().registrationError())
            {
                refusals.remove(i);
                workCount++;
                continue;
            }
            final ExclusivePublication publication = refusal.peer().connectedPublication();
            if (null != publication && control.helloAck(publication, refusal.transferId(), refusal.senderIndex(),
                HelloStatus.REJECTED, refusal.text(), refusal.handshake()))
            {
                refusals.remove(i);
                workCount++;
            }
        }
        return workCount;
    }

    private int service(final InboundTransfer transfer)
    {
        final AsyncPublication peer = transfer.peer();
        if (null != peer.registrationError())
        {
            counters.get(EngineCounter.ERRORS).increment();
            failAndRemove(transfer, FailureReason.PEER_LOST,
                "cannot reply to " + peer.channel() + ": " + peer.registrationError());
            return 1;
        }
        if (InboundTransfer.State.DONE == transfer.state())
        {
            if (nowNs - transfer.doneNs() > lingerNs)
            {
                remove(transfer);
                return 1;
            }
        }
        else if (InboundTransfer.State.VERIFYING == transfer.state())
        {
            // The sender owes no frame while it waits for the verdict: its silence counts from the verdict on.
            transfer.onVerifying(nowNs);
        }
        else if (nowNs - transfer.lastFrameNs() > transferTimeoutNs)
        {
            failAndRemove(transfer, FailureReason.PEER_LOST, silenceOf(transfer));
            return 1;
        }

        final ExclusivePublication publication = peer.connectedPublication();
        if (null == publication)
        {
            return 0;
        }

        if (null != transfer.failure())
        {
            if (control.error(publication, transfer, ErrorCode.DESTINATION_UNAVAILABLE, transfer.failure()))
            {
                failAndRemove(transfer, FailureReason.INTERNAL_ERROR, transfer.failure());
            }
            return 1;
        }

        int workCount = 0;
        if (transfer.isHelloAckPending() &&
            control.helloAck(publication, transfer.transferId(), transfer.session().senderIndex(), HelloStatus.ACCEPTED,
                "", transfer.session().secondMessage()))
        {
            transfer.helloAckPending(false);
            workCount++;
        }

        for (int k = 0, n = transfer.stripeCount(); k < n; k++)
        {
            final StripeImage stripe = transfer.stripe(k);
            if (stripe.isDictionaryRejectionPending() && control.error(publication, transfer,
                ErrorCode.DICTIONARY_REJECTED, "dictionary of stripe " + k + " failed its length or CRC check"))
            {
                stripe.dictionaryRejectionPending(false);
                workCount++;
            }
            if (stripe.hasPagesToRequest())
            {
                workCount += control.pageRequests(publication, transfer, stripe);
            }
            if (stripe.isAckPending())
            {
                transfer.ackPending(true);
            }
        }

        if (transfer.isReadyToVerify())
        {
            verifier.verify(transfer);
        }
        else if (transfer.isEndReceived() && InboundTransfer.State.RECEIVING == transfer.state() &&
            transfer.stripeBehindEnd() >= 0 && transfer.countEndAhead())
        {
            counters.get(EngineCounter.TRANSFER_ENDS_AHEAD).increment();
        }

        if (transfer.isAckPending() && control.pageAck(publication, transfer))
        {
            transfer.ackPending(false);
            workCount++;
        }

        if (InboundTransfer.State.VERDICT_READY == transfer.state() && control.verdict(publication, transfer))
        {
            finish(transfer);
            workCount++;
        }
        return workCount;
    }

    private String silenceOf(final InboundTransfer transfer)
    {
        final String silence = "no frame from the sender for " + TimeUnit.NANOSECONDS.toSeconds(transferTimeoutNs) +
            " s";
        final int behind = transfer.isEndReceived() ? transfer.stripeBehindEnd() : -1;
        if (behind < 0)
        {
            return silence;
        }
        return silence + ": its end names frame " + transfer.endLastSequence(behind) + " of stripe " + behind +
            " but only " + transfer.stripe(behind).highestSequence() + " arrived";
    }

    private void failAndRemove(final InboundTransfer transfer, final FailureReason reason, final String text)
    {
        remove(transfer);
        if (null != events)
        {
            events.failed(transfer.transferId(), reason, text);
        }
    }

    private void finish(final InboundTransfer transfer)
    {
        if (transfer.isMatch())
        {
            counters.get(EngineCounter.TRANSFERS_VERIFIED).increment();
            if (null != events)
            {
                events.completed(transfer.transferId(), transfer.digest(), transfer.pagesApplied(),
                    transfer.pagesApplied() * transfer.pageSize(), 0, 0);
            }
        }
        else
        {
            counters.get(EngineCounter.TRANSFERS_MISMATCHED).increment();
            if (null != events)
            {
                events.failed(transfer.transferId(), FailureReason.DIGEST_MISMATCH,
                    "destination digest " + Long.toHexString(transfer.digest()) + " does not match the sender's");
            }
        }
        transfer.done(nowNs);
    }

    private void remove(final InboundTransfer transfer)
    {
        dataAdapter.unbind(transfer);
        transfer.close();
        transfers.remove(transfer);
        if (transfersById.get(transfer.transferId()) == transfer)
        {
            transfersById.remove(transfer.transferId());
        }
        transfersByIndex.remove(transfer.session().receiverIndex());
        if (InboundTransfer.State.DONE != transfer.state() || !transfer.isMatch())
        {
            // What a failed transfer wrote is no image of anything: it goes, unless kept on purpose.
            admission.removeFailed(transfer);
        }
    }
}
