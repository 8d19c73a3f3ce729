package io.dwcp.engine.sender;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.FragmentAssembler;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.logbuffer.BufferClaim;
import io.dwcp.codec.PageCodec;
import io.dwcp.codec.VarDataBounds;
import io.dwcp.codecs.agent.CancelTransferDecoder;
import io.dwcp.codecs.agent.EndOfRoundDecoder;
import io.dwcp.codecs.agent.EndOfTransferDecoder;
import io.dwcp.codecs.agent.FailureReason;
import io.dwcp.codecs.agent.PageBatchDecoder;
import io.dwcp.codecs.agent.StartTransferDecoder;
import io.dwcp.codecs.wire.ErrorFrameDecoder;
import io.dwcp.codecs.wire.HelloAckDecoder;
import io.dwcp.codecs.wire.HelloEncoder;
import io.dwcp.codecs.wire.HelloStatus;
import io.dwcp.codecs.wire.MessageHeaderEncoder;
import io.dwcp.codecs.wire.PageAckDecoder;
import io.dwcp.codecs.wire.PageRequestDecoder;
import io.dwcp.codecs.wire.TransferEndEncoder;
import io.dwcp.codecs.wire.TransferVerdictDecoder;
import io.dwcp.codecs.wire.Verdict;
import io.dwcp.engine.config.EngineConfiguration;
import io.dwcp.engine.config.SenderContext;
import io.dwcp.engine.memory.MappedImage;
import io.dwcp.engine.queue.EventPublisher;
import io.dwcp.engine.queue.SbeQueueReader;
import io.dwcp.engine.recording.TransferRecorder;
import io.dwcp.engine.status.EngineCounter;
import io.dwcp.engine.status.EngineCounters;
import io.dwcp.engine.transport.Channels;
import net.openhft.chronicle.queue.ChronicleQueue;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.ErrorHandler;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.collections.Object2ObjectHashMap;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The sender engine's duty cycle: reads commands, streams pages of every open transfer and handles the receivers'
 * replies. {@link #doWork()} never blocks; it returns the work done so the idle strategy can back off.
 * <p>
 * Not thread safe: runs on one thread, which must also call {@link #onStart()}.
 */
public final class SenderAgent implements Agent, CommandHandler, ControlHandler
{
    private static final int COMMANDS_PER_CYCLE = 16;
    private static final int CONTROL_FRAGMENTS_PER_CYCLE = 64;
    private static final int MAX_RANGES_PER_BATCH = 65535;
    private static final int MAX_TEXT_LENGTH = 4096;

    private final Aeron aeron;
    private final ChronicleQueue commandQueue;
    private final ChronicleQueue eventQueue;
    private final String commandReaderName;
    private final String controlEndpoint;
    private final String controlChannel;
    private final int dataStreamId;
    private final int controlStreamId;
    private final int defaultCompressionLevel;
    private final int maxFrameLength;
    private final int maxPagesPerFrame;
    private final long peerTimeoutNs;
    private final long helloIntervalNs;
    private final long progressIntervalNs;
    private final long maxQueuedPages;
    private final int framesPerCycle;
    private final long baselineBudgetBytes;
    private final long baselineRefreshIntervalNs;
    private final int baselineMaxDeltaChain;
    private final boolean isBaselineCompressed;
    private final boolean isHdeEnabled;
    private final TransferReporter reporter;
    private final DictionaryShipper dictionaryShipper;
    private final NanoClock nanoClock;
    private final ErrorHandler errorHandler;
    private final EngineCounters counters;

    private final Long2ObjectHashMap<OutboundTransfer> transfersById = new Long2ObjectHashMap<>();
    private final ArrayList<OutboundTransfer> transfers = new ArrayList<>();
    private final Object2ObjectHashMap<String, ReceiverPeer> peersByEndpoint = new Object2ObjectHashMap<>();
    private final ArrayList<ReceiverPeer> peers = new ArrayList<>();
    private final CommandAdapter commandAdapter = new CommandAdapter(this);
    private final FragmentAssembler controlAssembler = new FragmentAssembler(new ControlAdapter(this));
    private final BufferClaim bufferClaim = new BufferClaim();
    private final UnsafeBuffer controlBuffer = new UnsafeBuffer(ByteBuffer.allocateDirect(64 * 1024));
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final HelloEncoder helloEncoder = new HelloEncoder();
    private final TransferEndEncoder transferEndEncoder = new TransferEndEncoder();
    private final long[] batchRanges = new long[2 * MAX_RANGES_PER_BATCH];
    private final long[] batchInlinePages = new long[MAX_RANGES_PER_BATCH];
    private final int[] batchInlineOffsets = new int[MAX_RANGES_PER_BATCH];

    private final SenderContext context;
    private TransferRecorder recorder;
    private SbeQueueReader commandReader;
    private EventPublisher events;
    private Subscription controlSubscription;
    private long nowNs;

    /**
     * Create a sender from a concluded context. Resources bound to the agent thread are opened in {@link #onStart()}.
     *
     * @param context concluded settings.
     */
    public SenderAgent(final SenderContext context)
    {
        this.context = context;
        aeron = context.aeron();
        commandQueue = context.commandQueue();
        eventQueue = context.eventQueue();
        commandReaderName = context.commandReaderName();
        controlEndpoint = context.controlEndpoint();
        controlChannel = Channels.channelFor(controlEndpoint);
        dataStreamId = context.dataStreamId();
        controlStreamId = context.controlStreamId();
        defaultCompressionLevel = context.compressionLevel();
        maxFrameLength = context.maxFrameLength();
        maxPagesPerFrame = context.maxPagesPerFrame();
        peerTimeoutNs = context.peerTimeoutNs();
        helloIntervalNs = context.helloIntervalNs();
        progressIntervalNs = context.progressIntervalNs();
        maxQueuedPages = context.maxQueuedPages();
        framesPerCycle = context.framesPerCycle();
        baselineBudgetBytes = context.baselineBudgetBytes();
        baselineRefreshIntervalNs = context.baselineRefreshIntervalNs();
        baselineMaxDeltaChain = context.baselineMaxDeltaChain();
        isBaselineCompressed = context.baselineCompressed();
        isHdeEnabled = context.hdeEnabled();
        reporter = new TransferReporter(context.switchoverDowntimeLimitNs());
        dictionaryShipper = new DictionaryShipper(
            context.dictionaryBytes(), context.dictionarySamplePages(), context.counters());
        nanoClock = context.nanoClock();
        errorHandler = context.errorHandler();
        counters = context.counters();
    }

    /**
     * {@inheritDoc}
     */
    public void onStart()
    {
        commandReader = new SbeQueueReader(commandQueue, commandReaderName);
        events = new EventPublisher(eventQueue);
        reporter.events(events);
        controlSubscription = aeron.addSubscription(controlChannel, controlStreamId);
        if (null != context.recordingDirectory())
        {
            recorder = new TransferRecorder(context.recordingDirectory(), context, nanoClock.nanoTime());
        }
    }

    /**
     * {@inheritDoc}
     */
    public int doWork()
    {
        nowNs = nanoClock.nanoTime();
        int workCount = controlSubscription.poll(controlAssembler, CONTROL_FRAGMENTS_PER_CYCLE);

        if (queuedPages() < maxQueuedPages)
        {
            workCount += commandReader.poll(commandAdapter, COMMANDS_PER_CYCLE);
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
                workCount += service(transfer);
            }
            catch (final RuntimeException | InternalError ex)
            {
                // InternalError: a fault reading the mapped source, for example a file truncated under us.
                counters.get(EngineCounter.ERRORS).increment();
                errorHandler.onError(ex);
                fail(transfer, FailureReason.INTERNAL_ERROR, "transfer " + transfer.transferId() + ": " + ex);
            }
        }

        return workCount;
    }

    /**
     * {@inheritDoc}
     */
    public void onClose()
    {
        for (final OutboundTransfer transfer : transfers)
        {
            transfer.close();
        }
        transfers.clear();
        transfersById.clear();
        for (final ReceiverPeer peer : peers)
        {
            peer.close();
        }
        peers.clear();
        peersByEndpoint.clear();
        CloseHelper.closeAll(controlSubscription, commandReader, events, dictionaryShipper, recorder);
    }

    /**
     * {@inheritDoc}
     */
    public String roleName()
    {
        return "dwcp-sender";
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

    private int service(final OutboundTransfer transfer)
    {
        int workCount = 0;
        final ReceiverPeer peer = transfer.peer();
        switch (transfer.state())
        {
            case CONNECTING:
                if (null != peer.registrationError())
                {
                    fail(transfer, FailureReason.RECEIVER_UNREACHABLE,
                        "cannot publish to " + peer.endpoint() + ": " + peer.registrationError());
                    return 1;
                }
                if (nowNs - transfer.startNs() > peerTimeoutNs)
                {
                    fail(transfer, FailureReason.RECEIVER_UNREACHABLE, "no answer from receiver " + peer.endpoint() +
                        " within " + TimeUnit.NANOSECONDS.toMillis(peerTimeoutNs) + " ms");
                    return 1;
                }
                if (peer.isConnected() && nowNs - transfer.nextHelloNs() >= 0)
                {
                    transfer.nextHelloNs(nowNs + helloIntervalNs);
                    sendHello(transfer, peer.publication());
                    workCount++;
                }
                return workCount;

            case STREAMING:
                workCount += dictionaryShipper.send(transfer, peer.publication());
                workCount += sendFrames(transfer, peer.publication());
                workCount += reporter.completeRounds(transfer, nowNs);
                if (transfer.isEndRequested() && !transfer.isEndSent() && !transfer.hasPagesToSend() &&
                    transfer.state() == OutboundTransfer.State.STREAMING)
                {
                    workCount += sendTransferEnd(transfer, peer.publication());
                }
                break;

            case AWAITING_VERDICT:
                workCount += reporter.completeRounds(transfer, nowNs);
                break;

            default:
                break;
        }

        if (transfer.state() != OutboundTransfer.State.DONE &&
            transfer.isAwaitingReceiver() && nowNs - transfer.lastHeardNs() > peerTimeoutNs)
        {
            fail(transfer, FailureReason.PEER_LOST, "receiver " + peer.endpoint() + " silent for " +
                TimeUnit.NANOSECONDS.toMillis(nowNs - transfer.lastHeardNs()) + " ms with " +
                (transfer.pagesSent() - transfer.pagesAcknowledged()) + " pages unacknowledged");
            return workCount + 1;
        }

        if (transfer.state() != OutboundTransfer.State.DONE && nowNs - transfer.nextProgressNs() >= 0)
        {
            transfer.nextProgressNs(nowNs + progressIntervalNs);
            transfer.baselines().prune(nowNs);
            reporter.emitProgress(transfer, nowNs);
        }

        return workCount;
    }

    private int sendFrames(final OutboundTransfer transfer, final ExclusivePublication publication)
    {
        final PageFrameWriter writer = transfer.frameWriter();
        final int targetLength = Math.min(maxFrameLength, publication.maxPayloadLength());
        int framesSent = 0;
        while (framesSent < framesPerCycle)
        {
            if (!writer.isReady())
            {
                if (!transfer.hasPagesToSend())
                {
                    break;
                }
                transfer.beforeFrameBuilt(nowNs);
                transfer.onRoundActivity(nowNs);
                writer.build(transfer, transfer.sentSequence() + 1, targetLength, nowNs);
                if (!writer.isReady())
                {
                    break;
                }
            }

            final int frameLength = writer.frameLength();
            final boolean isClaim = frameLength <= publication.maxPayloadLength();
            final long result = writer.publish(transfer.transferId(), publication, bufferClaim);
            if (result > 0)
            {
                transfer.onFrameSent(frameLength);
                counters.get(EngineCounter.FRAMES_SENT).increment();
                if (isClaim)
                {
                    counters.get(EngineCounter.FRAMES_CLAIMED).increment();
                }
                counters.get(EngineCounter.PAGES_SENT).getAndAdd(writer.entryCount());
                counters.get(EngineCounter.ZERO_PAGES_SENT).getAndAdd(writer.zeroPages());
                counters.get(EngineCounter.RAW_PAGES_SENT).getAndAdd(writer.rawPages());
                counters.get(EngineCounter.COMPRESSED_PAGES_SENT).getAndAdd(writer.compressedPages());
                counters.get(EngineCounter.UNCHANGED_PAGES_SENT).getAndAdd(writer.unchangedPages());
                counters.get(EngineCounter.DELTA_PAGES_SENT).getAndAdd(writer.deltaPages());
                counters.get(EngineCounter.DICTIONARY_PAGES_SENT).getAndAdd(writer.dictionaryPages());
                counters.get(EngineCounter.LOGICAL_BYTES_SENT).getAndAdd((long)writer.entryCount() * transfer.pageSize());
                counters.get(EngineCounter.WIRE_BYTES_SENT).getAndAdd(frameLength);
                framesSent++;
            }
            else
            {
                onPublicationResult(transfer, result);
                break;
            }
        }
        return framesSent;
    }

    private void onPublicationResult(final OutboundTransfer transfer, final long result)
    {
        if (Publication.BACK_PRESSURED == result || Publication.ADMIN_ACTION == result)
        {
            counters.get(EngineCounter.BACK_PRESSURE).increment();
        }
        else if (Publication.NOT_CONNECTED == result)
        {
            counters.get(EngineCounter.NOT_CONNECTED).increment();
        }
        else if (Publication.CLOSED == result || Publication.MAX_POSITION_EXCEEDED == result)
        {
            fail(transfer, FailureReason.INTERNAL_ERROR, "publication to " + transfer.peer().endpoint() +
                " is unusable: " + Publication.errorString(result));
        }
    }

    private void sendHello(final OutboundTransfer transfer, final ExclusivePublication publication)
    {
        helloEncoder.wrapAndApplyHeader(controlBuffer, 0, headerEncoder)
            .transferId(transfer.transferId())
            .fileSize(transfer.fileSize())
            .pageSize(transfer.pageSize())
            .replyStreamId(controlStreamId)
            .vmId(transfer.vmId())
            .replyChannel(controlChannel);
        final long result = publication.offer(
            controlBuffer, 0, MessageHeaderEncoder.ENCODED_LENGTH + helloEncoder.encodedLength());
        if (result < 0)
        {
            onPublicationResult(transfer, result);
        }
    }

    private int sendTransferEnd(final OutboundTransfer transfer, final ExclusivePublication publication)
    {
        transferEndEncoder.wrapAndApplyHeader(controlBuffer, 0, headerEncoder)
            .transferId(transfer.transferId())
            .lastSequence(transfer.sentSequence())
            .digest(transfer.computeDigest());
        final long result = publication.offer(
            controlBuffer, 0, MessageHeaderEncoder.ENCODED_LENGTH + transferEndEncoder.encodedLength());
        if (result > 0)
        {
            transfer.endSent();
            transfer.heardFromReceiver(nowNs);
            return 1;
        }
        onPublicationResult(transfer, result);
        return 0;
    }

    private void complete(final OutboundTransfer transfer)
    {
        reporter.emitProgress(transfer, nowNs);
        remove(transfer);
        events.completed(
            transfer.transferId(),
            transfer.digest(),
            transfer.pagesSent(),
            transfer.pagesSent() * transfer.pageSize(),
            transfer.wireBytes(),
            nowNs - transfer.startNs());
        counters.get(EngineCounter.TRANSFERS_COMPLETED).increment();
    }

    private void fail(final OutboundTransfer transfer, final FailureReason reason, final String text)
    {
        if (transfer.state() == OutboundTransfer.State.DONE)
        {
            return;
        }
        remove(transfer);
        counters.get(EngineCounter.TRANSFERS_FAILED).increment();
        events.failed(transfer.transferId(), reason, text);
    }

    private void remove(final OutboundTransfer transfer)
    {
        transfer.close();
        transfers.remove(transfer);
        transfersById.remove(transfer.transferId());
        final ReceiverPeer peer = transfer.peer();
        if (0 == peer.removeTransfer() && null != peer.registrationError())
        {
            // Drop a peer that could never publish so a later transfer tries again.
            peers.remove(peer);
            peersByEndpoint.remove(peer.endpoint());
            peer.close();
        }
    }

    private void rejectCommand(final long transferId, final FailureReason reason, final String text)
    {
        counters.get(EngineCounter.COMMANDS_REJECTED).increment();
        events.rejected(transferId, reason, text);
    }

    private void refuseTransfer(final long transferId, final FailureReason reason, final String text)
    {
        counters.get(EngineCounter.COMMANDS_REJECTED).increment();
        counters.get(EngineCounter.TRANSFERS_FAILED).increment();
        events.failed(transferId, reason, text);
    }

    // Commands.

    /**
     * {@inheritDoc}
     */
    public void onStartTransfer(final StartTransferDecoder command)
    {
        counters.get(EngineCounter.COMMANDS_READ).increment();
        final long transferId = command.transferId();
        final long fileSize = command.fileSize();
        final int pageSize = command.pageSize();
        final int requestedLevel = command.compressionLevel();
        if (!VarDataBounds.fits(command.vmIdLength(), MAX_TEXT_LENGTH, command.buffer(), command.limit()))
        {
            refuseTransfer(transferId, FailureReason.MALFORMED_COMMAND, "VM id length is out of bounds");
            return;
        }
        final String vmId = command.vmId();
        if (!VarDataBounds.fits(command.memoryFileLength(), MAX_TEXT_LENGTH, command.buffer(), command.limit()))
        {
            refuseTransfer(transferId, FailureReason.MALFORMED_COMMAND, "memory file length is out of bounds");
            return;
        }
        final String memoryFile = command.memoryFile();
        if (!VarDataBounds.fits(command.receiverLength(), MAX_TEXT_LENGTH, command.buffer(), command.limit()))
        {
            refuseTransfer(transferId, FailureReason.MALFORMED_COMMAND, "receiver length is out of bounds");
            return;
        }
        final String receiver = command.receiver();

        if (transfersById.containsKey(transferId))
        {
            rejectCommand(transferId, FailureReason.DUPLICATE_TRANSFER, "transfer " + transferId + " is already open");
            return;
        }
        if (!EngineConfiguration.isValidPageSize(pageSize))
        {
            refuseTransfer(transferId, FailureReason.BAD_GEOMETRY, "page size " + pageSize +
                " is not a power of two from " + EngineConfiguration.MIN_PAGE_SIZE + " to " +
                EngineConfiguration.MAX_PAGE_SIZE);
            return;
        }
        if (fileSize <= 0 || 0 != fileSize % pageSize || fileSize / pageSize > Integer.MAX_VALUE / Integer.BYTES)
        {
            refuseTransfer(transferId, FailureReason.BAD_GEOMETRY,
                "file size " + fileSize + " is not a positive whole number of " + pageSize + "-byte pages");
            return;
        }
        final int level = 0 == requestedLevel ? defaultCompressionLevel : requestedLevel;
        if (level < com.github.luben.zstd.Zstd.minCompressionLevel() ||
            level > com.github.luben.zstd.Zstd.maxCompressionLevel())
        {
            refuseTransfer(transferId, FailureReason.MALFORMED_COMMAND, "compression level " + level + " is outside " +
                com.github.luben.zstd.Zstd.minCompressionLevel() + " to " + com.github.luben.zstd.Zstd.maxCompressionLevel());
            return;
        }
        final String channel;
        try
        {
            channel = Channels.channelFor(receiver);
        }
        catch (final IllegalArgumentException ex)
        {
            refuseTransfer(transferId, FailureReason.MALFORMED_COMMAND, "receiver " + ex.getMessage());
            return;
        }

        MappedImage source = null;
        if (!memoryFile.isEmpty())
        {
            final Path path = Path.of(memoryFile);
            try
            {
                if (!Files.isRegularFile(path))
                {
                    throw new NoSuchFileException(memoryFile);
                }
                source = MappedImage.openReadOnly(path, pageSize, fileSize);
            }
            catch (final NoSuchFileException ex)
            {
                refuseTransfer(transferId, FailureReason.FILE_NOT_FOUND, "memory file " + memoryFile + " does not exist");
                return;
            }
            catch (final AccessDeniedException ex)
            {
                refuseTransfer(transferId, FailureReason.FILE_UNREADABLE, "memory file " + memoryFile + " is not readable");
                return;
            }
            catch (final IOException | RuntimeException ex)
            {
                refuseTransfer(transferId, FailureReason.FILE_UNREADABLE,
                    "memory file " + memoryFile + " cannot be mapped: " + ex.getMessage());
                return;
            }
        }

        ReceiverPeer peer = peersByEndpoint.get(receiver);
        if (null == peer)
        {
            peer = new ReceiverPeer(aeron, receiver, channel, dataStreamId);
            peersByEndpoint.put(receiver, peer);
            peers.add(peer);
        }

        PageCodec codec = null;
        BaselineStore baselines = null;
        final OutboundTransfer transfer;
        try
        {
            codec = new PageCodec(pageSize, level);
            baselines = new BaselineStore(pageSize, fileSize / pageSize, baselineBudgetBytes,
                baselineRefreshIntervalNs, baselineMaxDeltaChain, counters,
                isBaselineCompressed && isHdeEnabled ? new BaselineCompressor(pageSize) : null);
            transfer = new OutboundTransfer(transferId, vmId, pageSize, fileSize, source, peer, codec,
                maxFrameLength, maxPagesPerFrame, baselines, isHdeEnabled, nanoClock.nanoTime());
        }
        catch (final RuntimeException | OutOfMemoryError ex)
        {
            CloseHelper.quietCloseAll(source, codec, baselines);
            counters.get(EngineCounter.ERRORS).increment();
            refuseTransfer(transferId, FailureReason.INTERNAL_ERROR, "cannot open transfer: " + ex);
            return;
        }
        peer.addTransfer();
        transfers.add(transfer);
        dictionaryShipper.start(transfer, isHdeEnabled && null != source);
        transfersById.put(transferId, transfer);
        counters.get(EngineCounter.TRANSFERS_STARTED).increment();
        record();
    }

    /**
     * {@inheritDoc}
     */
    public void onPageBatch(final PageBatchDecoder command)
    {
        counters.get(EngineCounter.COMMANDS_READ).increment();
        final long transferId = command.transferId();
        final int round = command.round();
        final OutboundTransfer transfer = transfersById.get(transferId);
        if (null == transfer)
        {
            rejectCommand(transferId, FailureReason.UNKNOWN_TRANSFER,
                "page batch of round " + round + " names unknown transfer " + transferId);
            return;
        }

        if (transfer.isEndRequested())
        {
            rejectCommand(transferId, FailureReason.MALFORMED_COMMAND, "page batch of round " + round +
                " arrived after the end of transfer " + transferId + "; it is not sent");
            return;
        }

        final long pageCount = transfer.pageCount();
        int rangeCount = 0;
        for (final PageBatchDecoder.RangesDecoder range : command.ranges())
        {
            final long firstPage = range.firstPage();
            final long count = range.pageCount();
            if (firstPage < 0 || count <= 0 || firstPage > pageCount - count)
            {
                rejectCommand(transferId, FailureReason.PAGE_OUT_OF_RANGE, "page batch of round " + round +
                    " names pages " + firstPage + " to " + (firstPage + count - 1) + " but the image has " +
                    pageCount + " pages; the whole batch is refused");
                return;
            }
            batchRanges[2 * rangeCount] = firstPage;
            batchRanges[2 * rangeCount + 1] = count;
            rangeCount++;
        }
        if (rangeCount > 0 && !transfer.isSourceMapped())
        {
            rejectCommand(transferId, FailureReason.MALFORMED_COMMAND,
                "page batch names file pages but transfer " + transferId + " has no memory file");
            return;
        }

        int inlineCount = 0;
        for (final PageBatchDecoder.InlinePagesDecoder inline : command.inlinePages())
        {
            final long pageNumber = inline.pageNumber();
            final int contentOffset = command.limit() + PageBatchDecoder.InlinePagesDecoder.contentHeaderLength();
            final int contentLength = inline.skipContent();
            if (pageNumber < 0 || pageNumber >= pageCount || contentLength != transfer.pageSize())
            {
                rejectCommand(transferId, FailureReason.PAGE_OUT_OF_RANGE, "inline page " + pageNumber + " of " +
                    contentLength + " bytes does not fit an image of " + pageCount + " pages of " +
                    transfer.pageSize() + " bytes; the whole batch is refused");
                return;
            }
            batchInlinePages[inlineCount] = pageNumber;
            batchInlineOffsets[inlineCount] = contentOffset;
            inlineCount++;
        }

        if (null != recorder)
        {
            for (int i = 0; i < rangeCount; i++)
            {
                recorder.recordPages(transferId, round, transfer.mappedSource(), batchRanges[2 * i],
                    batchRanges[2 * i + 1]);
            }
            record();
        }

        transfer.round(round);
        for (int i = 0; i < rangeCount; i++)
        {
            transfer.queueRange(batchRanges[2 * i], batchRanges[2 * i + 1]);
        }
        for (int i = 0; i < inlineCount; i++)
        {
            try
            {
                transfer.putInlinePage(batchInlinePages[i], command.buffer(), batchInlineOffsets[i]);
            }
            catch (final IOException ex)
            {
                counters.get(EngineCounter.ERRORS).increment();
                fail(transfer, FailureReason.INTERNAL_ERROR, "cannot store inline pages: " + ex.getMessage());
                return;
            }
        }
    }

    /**
     * {@inheritDoc}
     */
    public void onEndOfRound(final EndOfRoundDecoder command)
    {
        counters.get(EngineCounter.COMMANDS_READ).increment();
        final OutboundTransfer transfer = transfersById.get(command.transferId());
        if (null == transfer)
        {
            rejectCommand(command.transferId(), FailureReason.UNKNOWN_TRANSFER,
                "end of round " + command.round() + " names unknown transfer " + command.transferId());
            return;
        }
        transfer.round(command.round());
        transfer.endRound(command.round());
        record();
    }

    /**
     * {@inheritDoc}
     */
    public void onEndOfTransfer(final EndOfTransferDecoder command)
    {
        counters.get(EngineCounter.COMMANDS_READ).increment();
        final OutboundTransfer transfer = transfersById.get(command.transferId());
        if (null == transfer)
        {
            rejectCommand(command.transferId(), FailureReason.UNKNOWN_TRANSFER,
                "end of transfer names unknown transfer " + command.transferId());
            return;
        }
        transfer.requestEnd();
        record();
    }

    /**
     * {@inheritDoc}
     */
    public void onCancel(final CancelTransferDecoder command)
    {
        counters.get(EngineCounter.COMMANDS_READ).increment();
        final long transferId = command.transferId();
        final String reason = VarDataBounds.fits(command.reasonLength(), MAX_TEXT_LENGTH, command.buffer(),
            command.limit()) ? command.reason() : "(reason unreadable)";
        final OutboundTransfer transfer = transfersById.get(transferId);
        if (null == transfer)
        {
            rejectCommand(transferId, FailureReason.UNKNOWN_TRANSFER, "cancel names unknown transfer " + transferId);
            return;
        }
        record();
        fail(transfer, FailureReason.CANCELLED, "cancelled by the agent: " + reason);
    }

    private void record()
    {
        if (null != recorder)
        {
            final DirectBuffer command = commandAdapter.command();
            recorder.recordCommand(command, 0, command.capacity(), nowNs);
        }
    }

    /**
     * {@inheritDoc}
     */
    public void onMalformedCommand(final String reason)
    {
        counters.get(EngineCounter.COMMANDS_READ).increment();
        rejectCommand(0, FailureReason.MALFORMED_COMMAND, reason);
    }

    // Control frames.

    /**
     * {@inheritDoc}
     */
    public void onHelloAck(final HelloAckDecoder frame, final int sessionId)
    {
        final OutboundTransfer transfer = transfersById.get(frame.transferId());
        if (null == transfer || transfer.state() != OutboundTransfer.State.CONNECTING ||
            !VarDataBounds.fits(frame.textLength(), MAX_TEXT_LENGTH, frame.buffer(), frame.limit()))
        {
            onRejectedControlFrame();
            return;
        }
        final HelloStatus status = frame.status();
        final String text = frame.text();
        if (HelloStatus.ACCEPTED == status)
        {
            transfer.receiverSessionId(sessionId);
            transfer.heardFromReceiver(nowNs);
            transfer.state(OutboundTransfer.State.STREAMING);
            events.accepted(transfer.transferId(), transfer.pageCount(), transfer.pageSize(), nowNs);
        }
        else
        {
            fail(transfer, FailureReason.PEER_REJECTED, "receiver refused transfer: " + text);
        }
    }

    private OutboundTransfer boundTransfer(final long transferId, final int sessionId)
    {
        final OutboundTransfer transfer = transfersById.get(transferId);
        if (null == transfer || transfer.receiverSessionId() != sessionId)
        {
            onRejectedControlFrame();
            return null;
        }
        return transfer;
    }

    /**
     * {@inheritDoc}
     */
    public void onPageAck(final PageAckDecoder frame, final int sessionId)
    {
        final OutboundTransfer transfer = boundTransfer(frame.transferId(), sessionId);
        if (null == transfer)
        {
            return;
        }
        transfer.onAck(frame.sequence(), frame.pagesApplied(), frame.timestampNs(), nowNs);
    }

    /**
     * {@inheritDoc}
     */
    public void onPageRequest(final PageRequestDecoder frame, final int sessionId)
    {
        final OutboundTransfer transfer = boundTransfer(frame.transferId(), sessionId);
        if (null == transfer)
        {
            return;
        }
        transfer.heardFromReceiver(nowNs);
        for (final PageRequestDecoder.PagesDecoder page : frame.pages())
        {
            final long pageNumber = page.pageNumber();
            if (pageNumber >= 0 && pageNumber < transfer.pageCount())
            {
                transfer.queueRepair(pageNumber);
                counters.get(EngineCounter.PAGES_RESENT).increment();
            }
            else
            {
                onRejectedControlFrame();
            }
        }
    }

    /**
     * {@inheritDoc}
     */
    public void onTransferVerdict(final TransferVerdictDecoder frame, final int sessionId)
    {
        final OutboundTransfer transfer = boundTransfer(frame.transferId(), sessionId);
        if (null == transfer)
        {
            return;
        }
        if (transfer.state() != OutboundTransfer.State.AWAITING_VERDICT)
        {
            // A verdict on an end that repairs have since superseded; the next end gets its own.
            onRejectedControlFrame();
            return;
        }
        if (Verdict.MATCH == frame.verdict() && frame.digest() == transfer.digest())
        {
            // Every frame is applied by now: report the last round before the transfer itself.
            reporter.completeRounds(transfer, nowNs);
            complete(transfer);
        }
        else
        {
            fail(transfer, FailureReason.DIGEST_MISMATCH, "receiver digest " + Long.toHexString(frame.digest()) +
                " does not match sender digest " + Long.toHexString(transfer.digest()));
        }
    }

    /**
     * {@inheritDoc}
     */
    public void onErrorFrame(final ErrorFrameDecoder frame, final int sessionId)
    {
        final OutboundTransfer transfer = boundTransfer(frame.transferId(), sessionId);
        if (null == transfer || !VarDataBounds.fits(frame.textLength(), MAX_TEXT_LENGTH, frame.buffer(), frame.limit()))
        {
            return;
        }
        final io.dwcp.codecs.wire.ErrorCode errorCode = frame.code();
        final String code = String.valueOf(errorCode);
        final String text = frame.text();
        if (io.dwcp.codecs.wire.ErrorCode.DICTIONARY_REJECTED == errorCode)
        {
            // Pages that used it are asked for again and go without it; later pages do not use it.
            transfer.codec().dropDictionary();
            counters.get(EngineCounter.DICTIONARIES_DROPPED).increment();
            return;
        }
        fail(transfer, FailureReason.PEER_REJECTED, "receiver error " + code + ": " + text);
    }

    /**
     * {@inheritDoc}
     */
    public void onRejectedControlFrame()
    {
        counters.get(EngineCounter.CONTROL_FRAMES_REJECTED).increment();
    }
}
