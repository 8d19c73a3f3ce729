package io.dwcp.engine.receiver;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.FragmentAssembler;
import io.aeron.Subscription;
import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.Header;
import io.dwcp.codec.ImageDigest;
import io.dwcp.codec.PageChecksum;
import io.dwcp.codec.PageCodec;
import io.dwcp.codec.VarDataBounds;
import io.dwcp.codecs.agent.FailureReason;
import io.dwcp.codecs.wire.DictionaryDecoder;
import io.dwcp.codecs.wire.ErrorCode;
import io.dwcp.codecs.wire.ErrorFrameEncoder;
import io.dwcp.codecs.wire.HelloAckEncoder;
import io.dwcp.codecs.wire.HelloDecoder;
import io.dwcp.codecs.wire.HelloStatus;
import io.dwcp.codecs.wire.MessageHeaderDecoder;
import io.dwcp.codecs.wire.MessageHeaderEncoder;
import io.dwcp.codecs.wire.PageAckEncoder;
import io.dwcp.codecs.wire.PageEncoding;
import io.dwcp.codecs.wire.PageFrameDecoder;
import io.dwcp.codecs.wire.PageRequestEncoder;
import io.dwcp.codecs.wire.TransferEndDecoder;
import io.dwcp.codecs.wire.TransferVerdictEncoder;
import io.dwcp.codecs.wire.Verdict;
import io.dwcp.engine.config.EngineConfiguration;
import io.dwcp.engine.config.ReceiverContext;
import io.dwcp.engine.config.SenderContext;
import io.dwcp.engine.memory.MappedImage;
import io.dwcp.engine.queue.EventPublisher;
import io.dwcp.engine.status.EngineCounter;
import io.dwcp.engine.status.EngineCounters;
import io.dwcp.engine.transport.AsyncPublication;
import io.dwcp.engine.transport.Channels;
import net.openhft.chronicle.queue.ChronicleQueue;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.ErrorHandler;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.collections.Object2ObjectHashMap;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.regex.Pattern;

/**
 * The receiver engine's duty cycle: polls page frames, decodes each page into a scratch page, checks its CRC32C and
 * only then copies it into the mapped destination; acknowledges, asks again for rejected pages and verifies the
 * final digest. {@link #doWork()} never blocks.
 * <p>
 * Every frame is untrusted: it is read through a view bounded to its length, every size is checked before use, and
 * a bad frame or page is counted and skipped, never applied. A transfer belongs to the Aeron session whose Hello
 * opened it; frames naming it from any other session are counted and dropped.
 * <p>
 * Not thread safe: runs on one thread, which must also call {@link #onStart()}.
 */
public final class ReceiverAgent implements Agent, FragmentHandler
{
    private static final int FRAGMENTS_PER_CYCLE = 64;
    private static final int MAX_PAGES_PER_REQUEST = 1024;
    private static final int MAX_REFUSALS = 64;
    private static final int MAX_PEERS = 256;
    private static final int MAX_VM_ID_LENGTH = 64;
    private static final int MAX_CHANNEL_LENGTH = 1024;
    private static final Pattern VM_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private final Aeron aeron;
    private final String dataChannel;
    private final int dataStreamId;
    private final Path outputDirectory;
    private final ChronicleQueue eventQueue;
    private final int verifyPagesPerCycle;
    private final long transferTimeoutNs;
    private final long lingerNs;
    private final NanoClock nanoClock;
    private final ErrorHandler errorHandler;
    private final EngineCounters counters;

    private final Long2ObjectHashMap<InboundTransfer> transfersById = new Long2ObjectHashMap<>();
    private final ArrayList<InboundTransfer> transfers = new ArrayList<>();
    private final Object2ObjectHashMap<String, AsyncPublication> peersByChannel = new Object2ObjectHashMap<>();
    private final ArrayList<AsyncPublication> peers = new ArrayList<>();
    private final ArrayList<Refusal> refusals = new ArrayList<>();
    private final Int2ObjectHashMap<PageCodec> codecsByPageSize = new Int2ObjectHashMap<>();
    private final FragmentAssembler assembler = new FragmentAssembler(this, 0, true);
    private final UnsafeBuffer view = new UnsafeBuffer(0, 0);
    private final UnsafeBuffer scratchPage =
        new UnsafeBuffer(ByteBuffer.allocateDirect(EngineConfiguration.MAX_PAGE_SIZE));
    private final UnsafeBuffer controlBuffer = new UnsafeBuffer(ByteBuffer.allocateDirect(64 * 1024));
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final HelloDecoder helloDecoder = new HelloDecoder();
    private final PageFrameDecoder frameDecoder = new PageFrameDecoder();
    private final TransferEndDecoder transferEndDecoder = new TransferEndDecoder();
    private final DictionaryDecoder dictionaryDecoder = new DictionaryDecoder();
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final HelloAckEncoder helloAckEncoder = new HelloAckEncoder();
    private final PageAckEncoder pageAckEncoder = new PageAckEncoder();
    private final PageRequestEncoder pageRequestEncoder = new PageRequestEncoder();
    private final TransferVerdictEncoder verdictEncoder = new TransferVerdictEncoder();
    private final ErrorFrameEncoder errorFrameEncoder = new ErrorFrameEncoder();
    private final long[] requestScratch = new long[MAX_PAGES_PER_REQUEST];

    private Subscription dataSubscription;
    private EventPublisher events;
    private long nowNs;

    private record Refusal(AsyncPublication peer, long transferId, String text)
    {
    }

    /**
     * Create a receiver from a concluded context. Resources bound to the agent thread are opened in {@link #onStart()}.
     *
     * @param context concluded settings.
     */
    public ReceiverAgent(final ReceiverContext context)
    {
        aeron = context.aeron();
        dataChannel = Channels.channelFor(context.dataEndpoint());
        dataStreamId = context.dataStreamId();
        outputDirectory = context.outputDirectory();
        eventQueue = context.eventQueue();
        verifyPagesPerCycle = context.verifyPagesPerCycle();
        transferTimeoutNs = context.transferTimeoutNs();
        lingerNs = context.lingerNs();
        nanoClock = context.nanoClock();
        errorHandler = context.errorHandler();
        counters = context.counters();
    }

    /**
     * {@inheritDoc}
     */
    public void onStart()
    {
        dataSubscription = aeron.addSubscription(dataChannel, dataStreamId);
        if (null != eventQueue)
        {
            events = new EventPublisher(eventQueue);
        }
    }

    /**
     * {@inheritDoc}
     */
    public int doWork()
    {
        nowNs = nanoClock.nanoTime();
        int workCount = dataSubscription.poll(assembler, FRAGMENTS_PER_CYCLE);

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
        CloseHelper.closeAll(dataSubscription, events);
    }

    /**
     * {@inheritDoc}
     */
    public String roleName()
    {
        return "dwcp-receiver";
    }

    /**
     * Handle one frame from the data stream. Public for the fragment assembler; call only from the agent thread.
     *
     * @param buffer holding the frame.
     * @param offset of the frame.
     * @param length of the frame.
     * @param header Aeron header of the frame.
     */
    public void onFragment(final DirectBuffer buffer, final int offset, final int length, final Header header)
    {
        counters.get(EngineCounter.FRAMES_RECEIVED).increment();
        if (length < MessageHeaderDecoder.ENCODED_LENGTH)
        {
            counters.get(EngineCounter.FRAMES_MALFORMED).increment();
            return;
        }

        // Bounded to this frame: a length field that lies makes a read throw, not stray into the next frame.
        view.wrap(buffer, offset, length);
        headerDecoder.wrap(view, 0);
        final int version = headerDecoder.version();
        if (headerDecoder.schemaId() != MessageHeaderDecoder.SCHEMA_ID ||
            version < 1 || version > MessageHeaderDecoder.SCHEMA_VERSION)
        {
            counters.get(EngineCounter.FRAMES_UNKNOWN_SCHEMA).increment();
            return;
        }

        final int blockLength = headerDecoder.blockLength();
        final int bodyOffset = MessageHeaderDecoder.ENCODED_LENGTH;
        try
        {
            switch (headerDecoder.templateId())
            {
                case PageFrameDecoder.TEMPLATE_ID ->
                    onPageFrame(frameDecoder.wrap(view, bodyOffset, blockLength, version), length, header.sessionId());
                case HelloDecoder.TEMPLATE_ID ->
                    onHello(helloDecoder.wrap(view, bodyOffset, blockLength, version), header.sessionId());
                case DictionaryDecoder.TEMPLATE_ID ->
                    onDictionary(dictionaryDecoder.wrap(view, bodyOffset, blockLength, version), header.sessionId());
                case TransferEndDecoder.TEMPLATE_ID ->
                    onTransferEnd(transferEndDecoder.wrap(view, bodyOffset, blockLength, version), header.sessionId());
                default -> counters.get(EngineCounter.FRAMES_UNKNOWN_TEMPLATE).increment();
            }
        }
        catch (final RuntimeException ex)
        {
            // A length that lies makes the bounded view throw; nothing of the frame was applied past that point.
            counters.get(EngineCounter.FRAMES_MALFORMED).increment();
        }
    }

    private InboundTransfer transferOf(final long transferId, final int sessionId)
    {
        final InboundTransfer transfer = transfersById.get(transferId);
        if (null == transfer || null != transfer.failure())
        {
            counters.get(EngineCounter.FRAMES_UNKNOWN_TRANSFER).increment();
            return null;
        }
        if (transfer.sessionId() != sessionId)
        {
            counters.get(EngineCounter.FRAMES_FOREIGN_SESSION).increment();
            return null;
        }
        return transfer;
    }

    private void onPageFrame(final PageFrameDecoder frame, final int frameLength, final int sessionId)
    {
        final InboundTransfer transfer = transferOf(frame.transferId(), sessionId);
        if (null == transfer)
        {
            return;
        }

        transfer.onFrame(frame.sequence(), nowNs);
        final PageCodec codec = null != transfer.dictionaryCodec() ?
            transfer.dictionaryCodec() : codecsByPageSize.get(transfer.pageSize());
        final MappedImage destination = transfer.destination();
        final long pageCount = transfer.pageCount();
        for (final PageFrameDecoder.PagesDecoder page : frame.pages())
        {
            final long pageNumber = page.pageNumber();
            final short encoding = page.encodingRaw();
            final int crc = page.crc32c();
            final int payloadOffset = frame.limit() + PageFrameDecoder.PagesDecoder.payloadHeaderLength();
            final int payloadLength = page.skipPayload();
            if (payloadLength < 0 || payloadLength > frameLength - payloadOffset)
            {
                // The rest of the frame cannot be read, so its pages can be neither applied nor asked for by number:
                // the transfer cannot be completed exactly and ends here, with the reason.
                counters.get(EngineCounter.FRAMES_MALFORMED).increment();
                transfer.fail("frame " + frame.sequence() + " of transfer " + transfer.transferId() + " is malformed");
                return;
            }
            if (pageNumber < 0 || pageNumber >= pageCount)
            {
                counters.get(EngineCounter.PAGES_REJECTED_RANGE).increment();
                continue;
            }

            final UnsafeBuffer current = destination.segmentOf(pageNumber);
            final int currentOffset = destination.offsetOf(pageNumber);
            final PageCodec.DecodeResult result = codec.decode(
                encoding, view, payloadOffset, payloadLength, crc, current, currentOffset, scratchPage);
            if (PageCodec.DecodeResult.OK == result)
            {
                try
                {
                    if (PageEncoding.ZERO.value() == encoding)
                    {
                        codec.applyZero(current, currentOffset);
                    }
                    else if (PageEncoding.UNCHANGED.value() != encoding)
                    {
                        codec.apply(scratchPage, current, currentOffset);
                    }
                }
                catch (final InternalError ex)
                {
                    // A fault writing the mapping: typically the destination's file system is full.
                    counters.get(EngineCounter.ERRORS).increment();
                    errorHandler.onError(ex);
                    transfer.fail("cannot write destination " + transfer.destinationFile() + ": " + ex.getMessage());
                    return;
                }
                counters.get(EngineCounter.PAGES_APPLIED).increment();
                transfer.onPageApplied(pageNumber);
            }
            else
            {
                counters.get(counterFor(result)).increment();
                if (transfer.onPageRejected(pageNumber))
                {
                    counters.get(EngineCounter.PAGES_REQUESTED).increment();
                }
            }
        }
    }

    private void onDictionary(final DictionaryDecoder dictionary, final int sessionId)
    {
        final InboundTransfer transfer = transferOf(dictionary.transferId(), sessionId);
        if (null == transfer)
        {
            return;
        }
        final int crc = dictionary.crc32c();
        final int length = dictionary.contentLength();
        if (length <= 0 || !VarDataBounds.fits(length, SenderContext.MAX_DICTIONARY_BYTES, dictionary.buffer(),
            dictionary.limit()))
        {
            rejectDictionary(transfer);
            return;
        }
        // Allocated once per transfer at most: a dictionary is rare and small.
        final byte[] content = new byte[length];
        dictionary.getContent(content, 0, length);
        final java.util.zip.CRC32C check = new java.util.zip.CRC32C();
        check.update(content);
        if ((int)check.getValue() != crc)
        {
            rejectDictionary(transfer);
            return;
        }
        try
        {
            final PageCodec codec = new PageCodec(transfer.pageSize(), 1);
            codec.decompressWithDictionary(content);
            transfer.dictionaryCodec(codec);
            counters.get(EngineCounter.DICTIONARIES_LOADED).increment();
        }
        catch (final RuntimeException ex)
        {
            // zstd refused it as a dictionary.
            rejectDictionary(transfer);
        }
    }

    private void rejectDictionary(final InboundTransfer transfer)
    {
        counters.get(EngineCounter.DICTIONARIES_REJECTED).increment();
        transfer.dictionaryRejectionPending(true);
    }

    private static EngineCounter counterFor(final PageCodec.DecodeResult result)
    {
        return switch (result)
        {
            case CRC_MISMATCH -> EngineCounter.PAGES_REJECTED_CRC;
            case BAD_LENGTH -> EngineCounter.PAGES_REJECTED_LENGTH;
            case CORRUPT_PAYLOAD -> EngineCounter.PAGES_REJECTED_CORRUPT;
            default -> EngineCounter.PAGES_REJECTED_ENCODING;
        };
    }

    private void onHello(final HelloDecoder hello, final int sessionId)
    {
        final long transferId = hello.transferId();
        final long fileSize = hello.fileSize();
        final int pageSize = hello.pageSize();
        final int replyStreamId = hello.replyStreamId();
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
            if (existing.hasSameGeometry(pageSize, fileSize, vmId, peer) && existing.sessionId() == sessionId)
            {
                existing.helloAckPending(true);
            }
            else
            {
                refuse(peer, transferId, "transfer " + transferId + " is already open for another sender or geometry");
            }
            return;
        }

        if (!EngineConfiguration.isValidPageSize(pageSize))
        {
            refuse(peer, transferId, "page size " + pageSize + " is not supported");
            return;
        }
        if (fileSize <= 0 || 0 != fileSize % pageSize || fileSize / pageSize > Integer.MAX_VALUE / Integer.BYTES)
        {
            refuse(peer, transferId, "file size " + fileSize + " is not a whole number of pages");
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

        if (null == codecsByPageSize.get(pageSize))
        {
            codecsByPageSize.put(pageSize, new PageCodec(pageSize, 1));
        }
        final InboundTransfer transfer = new InboundTransfer(
            transferId, vmId, pageSize, fileSize, destination, peer, sessionId, nowNs);
        transfers.add(transfer);
        transfersById.put(transferId, transfer);
        if (null != events)
        {
            events.accepted(transferId, transfer.pageCount(), pageSize, nowNs);
        }
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

    private void onTransferEnd(final TransferEndDecoder end, final int sessionId)
    {
        final InboundTransfer transfer = transferOf(end.transferId(), sessionId);
        if (null == transfer)
        {
            return;
        }
        transfer.onTransferEnd(end.lastSequence(), end.digest(), nowNs);
    }

    private int sendRefusals()
    {
        int workCount = 0;
        for (int i = refusals.size() - 1; i >= 0; i--)
        {
            final Refusal refusal = refusals.get(i);
            final ExclusivePublication publication = refusal.peer().connectedPublication();
            if (null == publication)
            {
                continue;
            }
            helloAckEncoder.wrapAndApplyHeader(controlBuffer, 0, headerEncoder)
                .transferId(refusal.transferId())
                .status(HelloStatus.REJECTED)
                .text(refusal.text());
            if (offer(publication, helloAckEncoder.encodedLength()))
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
        else if (nowNs - transfer.lastFrameNs() > transferTimeoutNs)
        {
            failAndRemove(transfer, FailureReason.PEER_LOST, "no frame from the sender for " +
                java.util.concurrent.TimeUnit.NANOSECONDS.toSeconds(transferTimeoutNs) + " s");
            return 1;
        }

        final ExclusivePublication publication = peer.connectedPublication();
        if (null == publication)
        {
            return 0;
        }

        if (null != transfer.failure())
        {
            errorFrameEncoder.wrapAndApplyHeader(controlBuffer, 0, headerEncoder)
                .transferId(transfer.transferId())
                .code(ErrorCode.DESTINATION_UNAVAILABLE)
                .text(transfer.failure());
            if (offer(publication, errorFrameEncoder.encodedLength()))
            {
                failAndRemove(transfer, FailureReason.INTERNAL_ERROR, transfer.failure());
            }
            return 1;
        }

        int workCount = 0;
        if (transfer.isDictionaryRejectionPending())
        {
            errorFrameEncoder.wrapAndApplyHeader(controlBuffer, 0, headerEncoder)
                .transferId(transfer.transferId())
                .code(ErrorCode.DICTIONARY_REJECTED)
                .text("dictionary failed its length or CRC check");
            if (offer(publication, errorFrameEncoder.encodedLength()))
            {
                transfer.dictionaryRejectionPending(false);
                workCount++;
            }
        }
        if (transfer.isHelloAckPending())
        {
            helloAckEncoder.wrapAndApplyHeader(controlBuffer, 0, headerEncoder)
                .transferId(transfer.transferId())
                .status(HelloStatus.ACCEPTED)
                .text("");
            if (offer(publication, helloAckEncoder.encodedLength()))
            {
                transfer.helloAckPending(false);
                workCount++;
            }
        }

        workCount += sendPageRequests(transfer, publication);

        if (transfer.isReadyToVerify())
        {
            transfer.startVerify();
        }
        if (InboundTransfer.State.VERIFYING == transfer.state())
        {
            workCount += verifySlice(transfer);
        }

        if (transfer.isAckPending())
        {
            pageAckEncoder.wrapAndApplyHeader(controlBuffer, 0, headerEncoder)
                .transferId(transfer.transferId())
                .sequence(transfer.highestSequence())
                .pagesApplied(transfer.pagesApplied())
                .pagesRejected(transfer.pagesRejected())
                .timestampNs(nanoClock.nanoTime());
            if (offer(publication, pageAckEncoder.encodedLength()))
            {
                transfer.ackPending(false);
                workCount++;
            }
        }

        if (InboundTransfer.State.VERDICT_READY == transfer.state())
        {
            verdictEncoder.wrapAndApplyHeader(controlBuffer, 0, headerEncoder)
                .transferId(transfer.transferId())
                .verdict(transfer.isMatch() ? Verdict.MATCH : Verdict.MISMATCH)
                .digest(transfer.digest());
            if (offer(publication, verdictEncoder.encodedLength()))
            {
                finish(transfer);
                workCount++;
            }
        }

        return workCount;
    }

    private int sendPageRequests(final InboundTransfer transfer, final ExclusivePublication publication)
    {
        if (!transfer.hasPagesToRequest())
        {
            return 0;
        }

        int count = 0;
        long pageNumber;
        while (count < MAX_PAGES_PER_REQUEST && (pageNumber = transfer.pollPageToRequest()) >= 0)
        {
            requestScratch[count++] = pageNumber;
        }
        if (0 == count)
        {
            return 0;
        }

        final PageRequestEncoder.PagesEncoder pages = pageRequestEncoder
            .wrapAndApplyHeader(controlBuffer, 0, headerEncoder)
            .transferId(transfer.transferId())
            .pagesCount(count);
        for (int i = 0; i < count; i++)
        {
            pages.next().pageNumber(requestScratch[i]);
        }

        if (!offer(publication, pageRequestEncoder.encodedLength()))
        {
            for (int i = 0; i < count; i++)
            {
                transfer.requeuePageToRequest(requestScratch[i]);
            }
            return 0;
        }
        return 1;
    }

    private int verifySlice(final InboundTransfer transfer)
    {
        final MappedImage destination = transfer.destination();
        final UnsafeBuffer pageCrcs = transfer.pageCrcs();
        final int pageSize = transfer.pageSize();
        final long start = transfer.verifyCursor();
        final long end = Math.min(transfer.pageCount(), start + verifyPagesPerCycle);
        for (long pageNumber = start; pageNumber < end; pageNumber++)
        {
            final int crc = PageChecksum.crc32c(
                destination.segmentOf(pageNumber), destination.offsetOf(pageNumber), pageSize);
            pageCrcs.putInt((int)(pageNumber * Integer.BYTES), crc);
        }
        transfer.verifyCursor(end);
        // Keeps the sender's peer timeout from firing while a large image is verified.
        transfer.ackPending(true);

        if (end == transfer.pageCount())
        {
            transfer.verdictReady(ImageDigest.of(pageCrcs, transfer.pageCount()));
        }
        return 1;
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
        transfer.close();
        transfers.remove(transfer);
        transfersById.remove(transfer.transferId());
    }

    private boolean offer(final ExclusivePublication publication, final int bodyLength)
    {
        final long result = publication.offer(controlBuffer, 0, MessageHeaderEncoder.ENCODED_LENGTH + bodyLength);
        if (result > 0)
        {
            return true;
        }
        counters.get(EngineCounter.CONTROL_BACK_PRESSURE).increment();
        return false;
    }
}
