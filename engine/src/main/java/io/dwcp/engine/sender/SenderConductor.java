package io.dwcp.engine.sender;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.FragmentAssembler;
import io.aeron.Subscription;
import io.dwcp.codecs.agent.FailureReason;
import io.dwcp.engine.config.SenderContext;
import io.dwcp.engine.queue.EventPublisher;
import io.dwcp.engine.queue.SbeQueueReader;
import io.dwcp.engine.recording.TransferRecorder;
import io.dwcp.engine.status.EngineCounter;
import io.dwcp.engine.status.EngineCounters;
import io.dwcp.engine.transport.Channels;
import org.agrona.CloseHelper;
import org.agrona.ErrorHandler;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.collections.Object2ObjectHashMap;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.ringbuffer.RingBuffer;

import java.util.ArrayList;

/**
 * The sender's slow path: reads the agent's commands, validates them, runs each transfer's lifecycle and timers,
 * handles the receivers' control frames, writes events and the recording, and keeps the peers. It never encodes a
 * page: the {@link SenderWorker}s do, each for its {@link Stripe}s, told through {@link WorkerProxy}s.
 * {@link #doWork()} never blocks.
 * <p>
 * Not thread safe: runs on one thread, which must also call {@link #onStart()}.
 */
public final class SenderConductor implements Agent, StripeListener
{
    private static final int COMMANDS_PER_CYCLE = 16;
    private static final int CONTROL_FRAGMENTS_PER_CYCLE = 64;
    private static final int REPORTS_PER_CYCLE = 256;
    private static final int MAX_TEXT_LENGTH = 4096;

    private final SenderContext context;
    private final Aeron aeron;
    private final String controlChannel;
    private final int dataStreamId;
    private final long maxQueuedPages;
    private final NanoClock nanoClock;
    private final ErrorHandler errorHandler;
    private final EngineCounters counters;
    private final TransferReporter reporter;
    private final TransferSlots slots;
    private final WorkerProxy[] workers;
    private final RingBuffer reports;
    private final TransferOpener opener;
    private final ConductorFrames frames;
    private final CommandIntake intake;
    private final LinkService links;
    private final TransferLifecycle lifecycle;
    private final OutboundTransfer[] transfersBySlot;
    private final Long2ObjectHashMap<OutboundTransfer> transfersById = new Long2ObjectHashMap<>();
    private final Int2ObjectHashMap<OutboundTransfer> transfersByIndex = new Int2ObjectHashMap<>();
    private final java.security.SecureRandom random = new java.security.SecureRandom();
    private final ArrayList<OutboundTransfer> transfers = new ArrayList<>();
    private final ArrayList<OutboundTransfer> releasing = new ArrayList<>();
    private final Object2ObjectHashMap<String, ReceiverPeer> peersByEndpoint = new Object2ObjectHashMap<>();
    private final ArrayList<ReceiverPeer> peers = new ArrayList<>();
    private final FragmentAssembler controlAssembler;
    private final long[] reportStats = new long[StripeRounds.STAT_COUNT];
    private final org.agrona.concurrent.MessageHandler reportHandler =
        (type, buffer, offset, length) -> ConductorProxy.dispatch(this, type, buffer, offset, reportStats);

    private SbeQueueReader commandReader;
    private TransferReopener reopener;
    private EventPublisher events;
    private Subscription controlSubscription;
    private long nowNs;

    /**
     * Create a conductor. Resources bound to the agent thread are opened in {@link #onStart()}.
     *
     * @param context concluded settings.
     * @param slots   shared with the workers.
     * @param workers proxies to the workers, by index.
     * @param reports the workers' queue back to this conductor, or null when they share its thread.
     */
    SenderConductor(
        final SenderContext context, final TransferSlots slots, final WorkerProxy[] workers, final RingBuffer reports)
    {
        this.context = context;
        aeron = context.aeron();
        controlChannel = Channels.channelFor(context.controlEndpoint());
        dataStreamId = context.dataStreamId();
        maxQueuedPages = context.maxQueuedPages();
        nanoClock = context.nanoClock();
        errorHandler = context.errorHandler();
        counters = context.counters();
        reporter = new TransferReporter(context.switchoverDowntimeLimitNs());
        this.slots = slots;
        this.workers = workers;
        this.reports = reports;
        transfersBySlot = new OutboundTransfer[slots.capacity()];
        opener = new TransferOpener(context, slots, workers);
        // The receiver looks no names up: the Hello names this engine by address.
        frames = new ConductorFrames(Channels.channelFor(Channels.withAddress(context.replyEndpoint())),
            context.controlStreamId(), context.security(), context.rekeyFrames(), context.epochClock());
        intake = new CommandIntake(this, counters);
        links = new LinkService(context, frames, this);
        lifecycle = new TransferLifecycle(this, context, frames, reporter);
        // After the counters: the replies resolve theirs from this conductor.
        controlAssembler = new FragmentAssembler(new ControlAdapter(new ReceiverReplies(this)));
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void onStart()
    {
        commandReader = new SbeQueueReader(context.commandQueue(), context.commandReaderName());
        events = new EventPublisher(context.eventQueue());
        reporter.events(events);
        final SenderState state;
        try
        {
            state = new SenderState(context.stateDirectory(), counters);
        }
        catch (final java.io.IOException ex)
        {
            throw new IllegalStateException("cannot create the sender's state directory " +
                context.stateDirectory() + ": " + ex.getMessage(), ex);
        }
        reopener = new TransferReopener(this, intake, context.commandQueue(), state, context.resumeTimeoutNs());
        controlSubscription = aeron.addSubscription(controlChannel, context.controlStreamId());
        if (null != context.recordingDirectory())
        {
            intake.recorder(new TransferRecorder(context.recordingDirectory(), context, nanoClock.nanoTime()));
        }
        // After the subscription: the reopened transfers' Hellos are answered on it.
        nowNs = nanoClock.nanoTime();
        reopener.reopenLeftOpen(commandReader, nowNs);
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public int doWork()
    {
        nowNs = nanoClock.nanoTime();
        int workCount = controlSubscription.poll(controlAssembler, CONTROL_FRAGMENTS_PER_CYCLE);
        if (null != reports)
        {
            workCount += reports.read(reportHandler, REPORTS_PER_CYCLE);
        }

        for (int i = 0; i < COMMANDS_PER_CYCLE && queuedPages() < maxQueuedPages && workersHaveRoom(); i++)
        {
            final int read = commandReader.poll(intake, 1);
            if (0 == read)
            {
                break;
            }
            workCount += read;
        }

        for (int i = 0, size = peers.size(); i < size; i++)
        {
            workCount += peers.get(i).resolve(aeron);
        }

        for (int i = transfers.size() - 1; i >= 0; i--)
        {
            final OutboundTransfer transfer = transfers.get(i);
            try
            {
                workCount += lifecycle.service(transfer, nowNs);
            }
            catch (final RuntimeException ex)
            {
                counters.get(EngineCounter.ERRORS).increment();
                errorHandler.onError(ex);
                fail(transfer, FailureReason.INTERNAL_ERROR, "transfer " + transfer.transferId() + ": " + ex);
            }
        }

        for (int i = releasing.size() - 1; i >= 0; i--)
        {
            workCount += releasing.get(i).retryRelease();
        }
        return workCount + links.doWork(nowNs, transfers, peers);
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void onClose()
    {
        // Workers close their own stripes; what the conductor owns goes here.
        for (final OutboundTransfer transfer : transfers)
        {
            transfer.closeResources();
        }
        for (final OutboundTransfer transfer : releasing)
        {
            transfer.closeResources();
        }
        transfers.clear();
        releasing.clear();
        transfersById.clear();
        for (final ReceiverPeer peer : peers)
        {
            peer.close();
        }
        peers.clear();
        peersByEndpoint.clear();
        CloseHelper.closeAll(controlSubscription, commandReader, events, opener, intake);
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public String roleName()
    {
        return "dwcp-sender";
    }

    private boolean workersHaveRoom()
    {
        for (final WorkerProxy worker : workers)
        {
            if (!worker.hasCapacityFor(CommandIntake.MAX_MESSAGES_PER_COMMAND))
            {
                return false;
            }
        }
        return true;
    }

    private long queuedPages()
    {
        long total = 0;
        for (int i = 0, size = transfers.size(); i < size; i++)
        {
            total += transfers.get(i).queuedPages();
        }
        return total;
    }

    void complete(final OutboundTransfer transfer)
    {
        final TransferHistory history = transfer.history();
        if (history.refusedBatches() > 0)
        {
            // What was sent is verified, but not every page the agent asked for was: never a silent success.
            fail(transfer, FailureReason.INCOMPLETE, "the receiver verified the pages sent (digest " +
                Long.toHexString(transfer.digest()) + "), but " + history.refusedBatches() + " page batches were " +
                "refused and their pages not sent; the first: " + history.firstRefusal());
            return;
        }
        reporter.emitProgress(transfer, nowNs);
        links.onCompleted(transfer);
        reporter.emitCompleted(transfer, nowNs);
        counters.get(EngineCounter.TRANSFERS_COMPLETED).increment();
        reopener.closed(transfer.transferId());
        remove(transfer);
    }

    void fail(final OutboundTransfer transfer, final FailureReason reason, final String text)
    {
        if (transfer.state() == OutboundTransfer.State.DONE)
        {
            return;
        }
        counters.get(EngineCounter.TRANSFERS_FAILED).increment();
        events.failed(transfer.transferId(), reason, text);
        reopener.closed(transfer.transferId());
        remove(transfer);
    }

    /**
     * The agent abandoned a transfer: the receiver is told to remove its files, and the transfer fails.
     *
     * @param transfer abandoned.
     * @param reason   the agent's.
     */
    void abandon(final OutboundTransfer transfer, final String reason)
    {
        final ExclusivePublication publication = transfer.peerPublication();
        if (null != publication && OutboundTransfer.State.CONNECTING != transfer.state())
        {
            // Best effort: a receiver that misses it keeps the files until its own timeout, for nothing.
            frames.sendAbandon(transfer, reason, publication);
        }
        fail(transfer, FailureReason.CANCELLED, "cancelled by the agent: " + reason);
    }

    /**
     * Close an attempt without an outcome: the transfer is reopened from its commands.
     *
     * @param transfer to close.
     */
    void close(final OutboundTransfer transfer)
    {
        remove(transfer);
    }

    TransferReopener reopener()
    {
        return reopener;
    }

    SbeQueueReader commandReader()
    {
        return commandReader;
    }

    LinkService links()
    {
        return links;
    }

    private void remove(final OutboundTransfer transfer)
    {
        links.release(transfer);
        transfers.remove(transfer);
        transfersById.remove(transfer.transferId());
        transfersByIndex.remove(transfer.session().senderIndex());
        releasing.add(transfer);
        // The workers let go of the stripes first; onTransferReleased closes the rest.
        transfer.release();
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void onTransferReleased(final int slot, final int worker)
    {
        final OutboundTransfer transfer = transfersBySlot[slot];
        if (null == transfer || !transfer.onReleased())
        {
            return;
        }
        transfersBySlot[slot] = null;
        releasing.remove(transfer);
        slots.free(slot);
        transfer.closeResources();
        final ReceiverPeer peer = transfer.peer();
        if (0 == peer.removeTransfer() && null != peer.registrationError())
        {
            // Drop a peer that could never publish so a later transfer tries again.
            peers.remove(peer);
            peersByEndpoint.remove(peer.endpoint());
            peer.close();
        }
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void onStripeDrained(final int slot, final int stripe, final long epoch, final long lastSequence)
    {
        final OutboundTransfer transfer = transfersBySlot[slot];
        if (null != transfer)
        {
            transfer.tracker().onStripeDrained(stripe, epoch, lastSequence);
        }
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void onStripeRoundCompleted(
        final int slot, final int stripe, final int round, final long[] stats, final long appliedTimestampNs)
    {
        final OutboundTransfer transfer = transfersBySlot[slot];
        if (null != transfer && !transfer.rounds().onStripeReport(stripe, stats, appliedTimestampNs))
        {
            counters.get(EngineCounter.ERRORS).increment();
        }
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void onStripeFailed(final int slot, final int stripe, final String reason)
    {
        final OutboundTransfer transfer = transfersBySlot[slot];
        if (null != transfer)
        {
            // A fault reading the source is most often the source shrinking under it: say so when it did.
            final String change = transfer.source().sourceChange();
            if (null != change)
            {
                fail(transfer, FailureReason.SOURCE_CHANGED, change);
                return;
            }
            fail(transfer, FailureReason.INTERNAL_ERROR, "transfer " + transfer.transferId() + ", " + reason);
        }
    }

    // Called by the command intake.

    OutboundTransfer transfer(final long transferId)
    {
        return transfersById.get(transferId);
    }

    OutboundTransfer transferByIndex(final int senderIndex)
    {
        return transfersByIndex.get(senderIndex);
    }

    long nowNs()
    {
        return nowNs;
    }

    EventPublisher events()
    {
        return events;
    }

    EngineCounters counters()
    {
        return counters;
    }

    /**
     * Open a transfer the intake has checked the strings of.
     *
     * @return the transfer, or null after the refusal was reported.
     */
    OutboundTransfer open(
        final long transferId,
        final String vmId,
        final long fileSize,
        final int pageSize,
        final int level,
        final int streams,
        final int bandwidthMbps,
        final String memoryFile,
        final String receiver) throws TransferRefusal
    {
        if (transfersById.containsKey(transferId))
        {
            throw new TransferRefusal(FailureReason.DUPLICATE_TRANSFER, "transfer " + transferId + " is already open");
        }
        final String channel;
        try
        {
            channel = Channels.channelFor(receiver);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new TransferRefusal(FailureReason.MALFORMED_COMMAND, "receiver " + ex.getMessage());
        }
        final SenderSession session = SenderSession.forReceiver(receiver, context.security(), random,
            transfersByIndex::containsKey);
        ReceiverPeer peer = peersByEndpoint.get(receiver);
        if (null == peer)
        {
            peer = new ReceiverPeer(aeron, receiver, channel, dataStreamId);
            peer.link(links.newLink(receiver));
            peersByEndpoint.put(receiver, peer);
            peers.add(peer);
        }
        final int startLevel = links.levelFor(peer, level);
        final TransferLink link = links.admit(transferId, peer, level, startLevel, bandwidthMbps);
        final OutboundTransfer transfer;
        try
        {
            final int stripes = links.streamsFor(peer, 0 != streams ? streams : reopener.reopeningStripes());
            transfer = opener.open(transferId, vmId, fileSize, pageSize, startLevel, stripes, memoryFile, peer, nowNs);
        }
        catch (final TransferRefusal ex)
        {
            peer.link().budget().release(transferId);
            throw ex;
        }
        transfer.link(link);
        peer.addTransfer();
        links.onOpened(transfer);
        transfer.session(session);
        transfers.add(transfer);
        transfersById.put(transferId, transfer);
        transfersByIndex.put(session.senderIndex(), transfer);
        transfersBySlot[transfer.slot()] = transfer;
        transfer.tracker().addToWorkers();
        counters.get(EngineCounter.TRANSFERS_STARTED).increment();
        links.profileOnce(transfer);
        return transfer;
    }
}
