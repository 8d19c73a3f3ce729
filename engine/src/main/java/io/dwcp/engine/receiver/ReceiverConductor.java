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
import io.dwcp.engine.config.TransferGeometry;
import io.dwcp.engine.memory.MappedImage;
import io.dwcp.engine.queue.EventPublisher;
import io.dwcp.engine.status.EngineCounter;
import io.dwcp.engine.status.EngineCounters;
import io.dwcp.engine.status.StripeCounters;
import io.dwcp.engine.transport.AsyncPublication;
import io.dwcp.engine.transport.Channels;
import org.agrona.CloseHelper;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.collections.Object2ObjectHashMap;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.NanoClock;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The receiver's slow path: accepts or refuses Hellos, binds stripes' sessions, holds the transfers and their
 * reply publications, times them out, starts verification once a transfer's end and all its frames are in, sends
 * the control frames through the {@link ControlPublisher} and writes the events. {@link #doWork()} never blocks.
 * <p>
 * Not thread safe: runs on one thread with the {@link DataAdapter} and the {@link Verifier}.
 */
final class ReceiverConductor implements Agent
{
    private static final int MAX_REFUSALS = 64;
    private static final int MAX_PEERS = 256;
    private static final int MAX_VM_ID_LENGTH = 64;
    private static final int MAX_CHANNEL_LENGTH = 1024;
    private static final Pattern VM_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

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

    private record Refusal(AsyncPublication peer, long transferId, String text)
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
        final InboundTransfer transfer = transfersById.get(transferId);
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

    void onHello(final HelloDecoder hello, final int sessionId, final long nowNs)
    {
        final long transferId = hello.transferId();
        final long fileSize = hello.fileSize();
        final int pageSize = hello.pageSize();
        final int replyStreamId = hello.replyStreamId();
        final int stripeCount = hello.stripeCount();
        if (!VarDataBounds.fits(hello.vmIdLength(), MAX_VM_ID_LENGTH, hello.buffer(), hello.limit()))
        {
            counters.get(EngineCounter.HELLOS_REJECTED).increment();
            return;
        }
        final String vmId = hello.vmId();
        if (!VarDataBounds.fits(hello.replyChannelLength(), MAX_CHANNEL_LENGTH, hello.buffer(), hello.limit()))
        {
            counters.get(EngineCounter.HELLOS_REJECTED).increment();
            return;
        }
        final String replyChannel = hello.replyChannel();

        if (!isAcceptableReplyChannel(replyChannel) ||
            (peers.size() >= MAX_PEERS && null == peersByChannel.get(replyChannel + "#" + replyStreamId)))
        {
            // Without a channel we trust there is nobody to answer.
            counters.get(EngineCounter.HELLOS_REJECTED).increment();
            return;
        }
        final AsyncPublication peer = peerFor(replyChannel, replyStreamId);

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
                refuse(peer, transferId, "transfer " + transferId + " is already open for another sender or geometry");
            }
            return;
        }

        final String geometryProblem = TransferGeometry.check(pageSize, fileSize, stripeCount);
        if (null != geometryProblem)
        {
            refuse(peer, transferId, geometryProblem);
            return;
        }
        if (!VM_ID.matcher(vmId).matches())
        {
            refuse(peer, transferId, "VM id '" + vmId + "' must be 1-64 of [A-Za-z0-9._-]");
            return;
        }

        final Path file = outputDirectory.resolve(vmId + "-" + transferId + ".img");
        if (java.nio.file.Files.exists(file))
        {
            refuse(peer, transferId, "destination " + file + " already exists; it is never overwritten");
            return;
        }
        final MappedImage destination;
        try
        {
            destination = MappedImage.createReadWrite(file, pageSize, fileSize);
        }
        catch (final IOException | RuntimeException ex)
        {
            refuse(peer, transferId, "cannot create destination " + file + ": " + ex.getMessage());
            return;
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
            refuse(peer, transferId, "cannot allocate counters for " + stripeCount + " stripes: " + ex.getMessage());
            return;
        }
        if (null == codecsByPageSize.get(pageSize))
        {
            codecsByPageSize.put(pageSize, new PageCodec(pageSize, 1));
            blockCodecsByPageSize.put(pageSize,
                new BlockCodec(pageSize, EngineConfiguration.maxBlockPages(pageSize), 1));
        }
        transfers.add(transfer);
        transfersById.put(transferId, transfer);
        if (null != events)
        {
            events.accepted(transferId, transfer.pageCount(), pageSize, nowNs);
        }
    }

    void onTransferEnd(final TransferEndDecoder end, final int sessionId, final long nowNs)
    {
        final InboundTransfer transfer = transfersById.get(end.transferId());
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

    private static boolean isAcceptableReplyChannel(final String channel)
    {
        return Channels.isIpc(channel) || (channel.startsWith("aeron:udp?endpoint=") && channel.indexOf('|') < 0);
    }

    private AsyncPublication peerFor(final String channel, final int streamId)
    {
        final String key = channel + "#" + streamId;
        AsyncPublication peer = peersByChannel.get(key);
        if (null == peer)
        {
            peer = new AsyncPublication(aeron, channel, streamId);
            peersByChannel.put(key, peer);
            peers.add(peer);
        }
        return peer;
    }

    private void refuse(final AsyncPublication peer, final long transferId, final String text)
    {
        counters.get(EngineCounter.HELLOS_REJECTED).increment();
        if (refusals.size() < MAX_REFUSALS)
        {
            // Bounded: a flood of Hellos from peers that never listen must not grow memory.
            refusals.add(new Refusal(peer, transferId, text));
        }
    }

    private int sendRefusals()
    {
        int workCount = 0;
        for (int i = refusals.size() - 1; i >= 0; i--)
        {
            final Refusal refusal = refusals.get(i);
            final ExclusivePublication publication = refusal.peer().connectedPublication();
            if (null != publication &&
                control.helloAck(publication, refusal.transferId(), HelloStatus.REJECTED, refusal.text()))
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
            if (control.error(
                publication, transfer.transferId(), ErrorCode.DESTINATION_UNAVAILABLE, transfer.failure()))
            {
                failAndRemove(transfer, FailureReason.INTERNAL_ERROR, transfer.failure());
            }
            return 1;
        }

        int workCount = 0;
        if (transfer.isHelloAckPending() &&
            control.helloAck(publication, transfer.transferId(), HelloStatus.ACCEPTED, ""))
        {
            transfer.helloAckPending(false);
            workCount++;
        }

        for (int k = 0, n = transfer.stripeCount(); k < n; k++)
        {
            final StripeImage stripe = transfer.stripe(k);
            if (stripe.isDictionaryRejectionPending() && control.error(publication, transfer.transferId(),
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
        transfersById.remove(transfer.transferId());
    }
}
