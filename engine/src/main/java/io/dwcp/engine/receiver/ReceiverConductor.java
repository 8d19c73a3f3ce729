package io.dwcp.engine.receiver;

import io.aeron.Aeron;
import io.dwcp.codec.BlockCodec;
import io.dwcp.codec.PageCodec;
import io.dwcp.codecs.agent.FailureReason;
import io.dwcp.codecs.wire.HelloDecoder;
import io.dwcp.codec.VarDataBounds;
import io.dwcp.codecs.wire.PathProbeDecoder;
import io.dwcp.codecs.wire.TransferAbandonDecoder;
import io.dwcp.codecs.wire.TransferEndDecoder;
import io.dwcp.engine.config.CodecConfiguration;
import io.dwcp.engine.config.EngineConfiguration;
import io.dwcp.engine.config.ReceiverContext;
import io.dwcp.engine.config.ReceiverLimits;
import io.dwcp.engine.queue.EventPublisher;
import io.dwcp.engine.security.EngineSecurity;
import io.dwcp.engine.security.HandshakeGuard;
import io.dwcp.engine.security.WireText;
import io.dwcp.engine.status.EngineCounter;
import io.dwcp.engine.status.EngineCounters;
import org.agrona.CloseHelper;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.NanoClock;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The receiver's slow path: holds the transfers (a {@link HelloHandler} takes or refuses them, and
 * {@link ReplyPeers} keeps their reply publications), binds stripes' sessions, gives each transfer its turn through
 * the {@link TransferService} (timeouts, control frames, verification, the verdict) and writes the events.
 * {@link #doWork()} never blocks.
 * <p>
 * Not thread safe: runs on one thread with the {@link DataAdapter} and the {@link Verifier}.
 */
final class ReceiverConductor implements Agent
{
    /** {@link #onHello} says: from an authenticated peer. */
    static final int FROM_PEER = 1;
    /** {@link #onHello} says: failed authentication. */
    static final int FROM_STRANGER = -1;

    private static final int MAX_REASON_LENGTH = 4096;

    private final Aeron aeron;
    private final long transferTimeoutNs;
    private final long lingerNs;
    private final JournalKeeper journals;
    private final NanoClock nanoClock;
    private final EngineCounters counters;
    private final ControlPublisher control;
    private final Verifier verifier;
    private final ReceiverContext context;
    private final EngineSecurity security;
    private final Admission admission;
    private final ReplyPeers replyPeers;
    private final HelloHandler hellos;
    private final TransferService service;
    private final SecureRandom random = new SecureRandom();
    private final Int2ObjectHashMap<InboundTransfer> transfersByIndex = new Int2ObjectHashMap<>();
    private final Long2ObjectHashMap<InboundTransfer> transfersById = new Long2ObjectHashMap<>();
    private final ArrayList<InboundTransfer> transfers = new ArrayList<>();
    private final Int2ObjectHashMap<PageCodec> codecsByPageSize = new Int2ObjectHashMap<>();
    private final Int2ObjectHashMap<BlockCodec> blockCodecsByPageSize = new Int2ObjectHashMap<>();
    private DataAdapter dataAdapter;
    private EventPublisher events;
    private long nowNs;

    ReceiverConductor(final ReceiverContext context, final Verifier verifier)
    {
        this.context = context;
        aeron = context.aeron();
        transferTimeoutNs = context.transferTimeoutNs();
        lingerNs = context.lingerNs();
        journals = new JournalKeeper(EngineConfiguration.receiverFlushIntervalNs(), lingerNs, context.counters(),
            context.errorHandler());
        nanoClock = context.nanoClock();
        counters = context.counters();
        control = new ControlPublisher(nanoClock, counters);
        this.verifier = verifier;
        security = context.security();
        final ReceiverLimits limits = context.limits();
        admission = new Admission(context.outputDirectory(), limits, counters);
        replyPeers = new ReplyPeers(aeron, counters, control, transfers, limits.maxPeers(),
            TimeUnit.MILLISECONDS.toNanos(limits.peerIdleMs()), lingerNs);
        final HandshakeGuard guard = new HandshakeGuard(security.peers(), limits.handshakeWindowMs(),
            limits.handshakesPerSecond(), context.epochClock().time());
        hellos = new HelloHandler(this, transfers, replyPeers, admission, guard, context);
        service = new TransferService(this, control, verifier, journals, counters, transferTimeoutNs, lingerNs);
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
        journals.onStart(context.outputDirectory(), nanoClock.nanoTime());
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public int doWork()
    {
        nowNs = nanoClock.nanoTime();
        int workCount = replyPeers.doWork(nowNs);
        workCount += journals.doWork(nowNs);
        for (int i = transfers.size() - 1; i >= 0; i--)
        {
            workCount += service.service(transfers.get(i), nowNs);
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
        replyPeers.close();
        codecsByPageSize.values().forEach(PageCodec::close);
        blockCodecsByPageSize.values().forEach(BlockCodec::close);
        journals.close();
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
     * A Hello: see {@link HelloHandler#onHello}.
     *
     * @param hello     the frame.
     * @param sessionId it came in.
     * @param nowNs     current time.
     * @return {@link #FROM_PEER}, {@link #FROM_STRANGER} or 0.
     */
    int onHello(final HelloDecoder hello, final int sessionId, final long nowNs)
    {
        return hellos.onHello(hello, sessionId, nowNs);
    }

    InboundTransfer insecureTransfer(final long transferId)
    {
        return transfersById.get(transferId);
    }

    void register(final InboundTransfer transfer, final ReceiverSession session, final long nowNs)
    {
        final int pageSize = transfer.pageSize();
        transfer.session(session);
        if (null == codecsByPageSize.get(pageSize))
        {
            codecsByPageSize.put(pageSize, new PageCodec(pageSize, 1));
            blockCodecsByPageSize.put(pageSize,
                new BlockCodec(pageSize, CodecConfiguration.maxBlockPages(pageSize), 1));
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

    int newIndex()
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
     * The sender's agent abandoned the transfer: its destination and resume state go.
     *
     * @param abandon   the frame.
     * @param sealedBy  the transfer whose key opened it, or null when in clear.
     * @param sessionId it came in.
     */
    void onAbandon(final TransferAbandonDecoder abandon, final InboundTransfer sealedBy, final int sessionId)
    {
        final InboundTransfer transfer = null != sealedBy ? sealedBy : transfersById.get(abandon.transferId());
        if (null == transfer || transfer.transferId() != abandon.transferId() ||
            transfer.controlSessionId() != sessionId)
        {
            counters.get(EngineCounter.FRAMES_UNKNOWN_TRANSFER).increment();
            return;
        }
        final String reason = WireText.sanitise(VarDataBounds.fits(abandon.reasonLength(), MAX_REASON_LENGTH,
            abandon.buffer(), abandon.limit()) ? abandon.reason() : "(reason unreadable)");
        transfer.resume().abandon();
        failAndRemove(transfer, FailureReason.CANCELLED, "abandoned by the sender's agent: " + reason);
        counters.get(EngineCounter.TRANSFERS_ABANDONED).increment();
    }

    /**
     * The sender probes the path: the echo goes with the next replies.
     *
     * @param probe     the frame.
     * @param sealedBy  the transfer whose key opened it, or null when in clear.
     * @param sessionId it came in.
     */
    void onProbe(final PathProbeDecoder probe, final InboundTransfer sealedBy, final int sessionId)
    {
        final InboundTransfer transfer = null != sealedBy ? sealedBy : transfersById.get(probe.transferId());
        if (null == transfer || transfer.transferId() != probe.transferId() ||
            transfer.controlSessionId() != sessionId)
        {
            counters.get(EngineCounter.FRAMES_UNKNOWN_TRANSFER).increment();
            return;
        }
        if (null == sealedBy && transfer.session().isSecure())
        {
            counters.get(EngineCounter.FRAMES_UNAUTHENTICATED).increment();
            return;
        }
        if (probe.sequence() <= 0)
        {
            counters.get(EngineCounter.FRAMES_MALFORMED).increment();
            return;
        }
        transfer.probe(probe.sequence(), probe.timestampNs());
    }

    /**
     * A new attempt of the same sender replaces this one, which closes and keeps its files for the new one.
     *
     * @param transfer the earlier attempt.
     */
    void supersede(final InboundTransfer transfer)
    {
        transfer.resume().keepForResume();
        remove(transfer);
    }

    void failAndRemove(final InboundTransfer transfer, final FailureReason reason, final String text)
    {
        remove(transfer);
        if (null != events)
        {
            events.failed(transfer.transferId(), reason, text);
        }
    }

    void finish(final InboundTransfer transfer)
    {
        if (transfer.isMatch())
        {
            counters.get(EngineCounter.TRANSFERS_VERIFIED).increment();
            if (null != events)
            {
                events.completed(transfer.transferId(), transfer.digest(), transfer.pagesApplied(),
                    transfer.pagesApplied() * transfer.pageSize(), 0, 0, 0, 0);
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

    void remove(final InboundTransfer transfer)
    {
        final boolean isVerified = InboundTransfer.State.DONE == transfer.state() && transfer.isMatch();
        dataAdapter.unbind(transfer);
        transfer.close();
        transfers.remove(transfer);
        if (transfersById.get(transfer.transferId()) == transfer)
        {
            transfersById.remove(transfer.transferId());
        }
        transfersByIndex.remove(transfer.session().receiverIndex());
        if (transfer.resume().isKeptForResume())
        {
            return;
        }
        transfer.resume().dropJournal(counters);
        if (!isVerified || transfer.resume().isAbandoned())
        {
            // What a failed transfer wrote is no image of anything: it goes, unless kept on purpose.
            admission.removeFailed(transfer, transfer.resume().isAbandoned());
        }
    }
}
