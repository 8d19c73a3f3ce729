package io.dwcp.engine.receiver;

import io.aeron.Aeron;
import io.aeron.FragmentAssembler;
import io.aeron.Image;
import io.aeron.Subscription;
import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.Header;
import io.dwcp.codec.PageCodec;
import io.dwcp.codec.VarDataBounds;
import io.dwcp.codecs.wire.DictionaryDecoder;
import io.dwcp.codecs.wire.HelloDecoder;
import io.dwcp.codecs.wire.MessageHeaderDecoder;
import io.dwcp.codecs.wire.PageFrameDecoder;
import io.dwcp.codecs.wire.SealedDecoder;
import io.dwcp.codecs.wire.PathProbeDecoder;
import io.dwcp.codecs.wire.TransferAbandonDecoder;
import io.dwcp.codecs.wire.TransferEndDecoder;
import io.dwcp.engine.config.EngineConfiguration;
import io.dwcp.engine.config.SenderContext;
import io.dwcp.engine.security.FrameOpener;
import io.dwcp.engine.status.EngineCounter;
import io.dwcp.engine.status.EngineCounters;
import io.dwcp.engine.transport.FrameHeader;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.ErrorHandler;
import org.agrona.collections.Int2IntCounterMap;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.collections.IntHashSet;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;

import java.nio.ByteBuffer;

/**
 * Polls the data stream and dispatches each frame: Hellos and transfer ends to the conductor, page and dictionary
 * frames by their Aeron session to the {@link StripeImage} that session is bound to. A session is bound to a
 * stripe by its first frame for that stripe; a frame from any other session for a bound stripe, for a stripe the
 * transfer does not have, or for a transfer that does not exist is counted and dropped.
 * <p>
 * Every frame is untrusted: it is read through a view bounded to its length, and a length that lies makes a read
 * throw, which is counted as malformed; nothing is thrown into the poll loop.
 * <p>
 * Not thread safe: runs on the receiver conductor's thread.
 */
final class DataAdapter implements Agent, FragmentHandler
{
    private static final int FRAGMENTS_PER_CYCLE = 64;
    private static final int MAX_STRIKES = 64;
    private static final int MAX_TRACKED_SESSIONS = 4096;
    /** Largest frame opened: Aeron's largest message, 16 MiB. */
    private static final int MAX_SEALED_FRAME_LENGTH = 16 * 1024 * 1024;

    private final Aeron aeron;
    private final String channel;
    private final int streamId;
    private final ReceiverConductor conductor;
    private final NanoClock nanoClock;
    private final ErrorHandler errorHandler;
    private final EngineCounters counters;
    private final AtomicCounter framesReceived;
    private final AtomicCounter framesMalformed;
    private final Int2ObjectHashMap<StripeImage> imagesBySession = new Int2ObjectHashMap<>();
    private final FragmentAssembler assembler = new FragmentAssembler(this, 0, true);
    private final UnsafeBuffer view = new UnsafeBuffer(0, 0);
    private final FrameEntries entries = new FrameEntries();
    private final UnsafeBuffer scratchPage =
        new UnsafeBuffer(ByteBuffer.allocateDirect(EngineConfiguration.MAX_PAGE_SIZE));
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final HelloDecoder helloDecoder = new HelloDecoder();
    private final PageFrameDecoder frameDecoder = new PageFrameDecoder();
    private final TransferEndDecoder transferEndDecoder = new TransferEndDecoder();
    private final TransferAbandonDecoder abandonDecoder = new TransferAbandonDecoder();
    private final PathProbeDecoder probeDecoder = new PathProbeDecoder();
    private final DictionaryDecoder dictionaryDecoder = new DictionaryDecoder();
    private final SealedDecoder sealedDecoder = new SealedDecoder();
    private final UnsafeBuffer plain = new UnsafeBuffer(ByteBuffer.allocateDirect(MAX_SEALED_FRAME_LENGTH));
    private final UnsafeBuffer plainView = new UnsafeBuffer(0, 0);
    private final Int2IntCounterMap strikesBySession = new Int2IntCounterMap(0);
    private final IntHashSet authenticatedSessions = new IntHashSet();
    private final int maxTermLength;
    private Subscription subscription;
    private long nowNs;

    DataAdapter(
        final Aeron aeron,
        final String channel,
        final int streamId,
        final ReceiverConductor conductor,
        final NanoClock nanoClock,
        final ErrorHandler errorHandler,
        final EngineCounters counters,
        final int maxTermLength)
    {
        this.maxTermLength = maxTermLength;
        this.aeron = aeron;
        this.channel = channel;
        this.streamId = streamId;
        this.conductor = conductor;
        this.nanoClock = nanoClock;
        this.errorHandler = errorHandler;
        this.counters = counters;
        framesReceived = counters.get(EngineCounter.FRAMES_RECEIVED);
        framesMalformed = counters.get(EngineCounter.FRAMES_MALFORMED);
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void onStart()
    {
        subscription = aeron.addSubscription(channel, streamId, this::onAvailableImage, (image) -> {});
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public int doWork()
    {
        nowNs = nanoClock.nanoTime();
        return subscription.poll(assembler, FRAGMENTS_PER_CYCLE);
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void onClose()
    {
        CloseHelper.close(subscription);
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public String roleName()
    {
        return "dwcp-receiver-data";
    }

    /**
     * A new session on the data stream: one whose terms are larger than any sender of this engine uses is
     * rejected at once, before it can fill the driver's log buffers. Called on the client conductor's thread.
     *
     * @param image of the new session.
     */
    private void onAvailableImage(final Image image)
    {
        if (image.termBufferLength() > maxTermLength)
        {
            counters.get(EngineCounter.IMAGES_REJECTED).increment();
            image.reject("term length " + image.termBufferLength() + " over this receiver's " + maxTermLength);
        }
    }

    /**
     * A session sent something that failed authentication. One that has sent only such frames is, after
     * {@link #MAX_STRIKES} of them, rejected at the Aeron level: the driver stops taking its data.
     */
    private void strike(final int sessionId)
    {
        if (authenticatedSessions.contains(sessionId))
        {
            return;
        }
        final int strikes = strikesBySession.incrementAndGet(sessionId);
        if (MAX_STRIKES == strikes)
        {
            final Image image = subscription.imageBySessionId(sessionId);
            if (null != image)
            {
                counters.get(EngineCounter.IMAGES_REJECTED).increment();
                image.reject("only unauthenticated frames");
            }
        }
        if (strikesBySession.size() > MAX_TRACKED_SESSIONS)
        {
            strikesBySession.clear();
        }
    }

    /**
     * Forget a transfer's sessions, when it is removed.
     *
     * @param transfer being removed.
     */
    void unbind(final InboundTransfer transfer)
    {
        for (int k = 0, n = transfer.stripeCount(); k < n; k++)
        {
            final StripeImage image = transfer.stripe(k);
            if (null != image && StripeImage.NO_SESSION != image.sessionId() &&
                imagesBySession.get(image.sessionId()) == image)
            {
                imagesBySession.remove(image.sessionId());
                authenticatedSessions.remove(image.sessionId());
            }
        }
    }

    /**
     * Handle one frame of the data stream. Public for the fragment assembler; call only from the agent thread.
     *
     * @param buffer holding the frame.
     * @param offset of the frame.
     * @param length of the frame.
     * @param header Aeron header of the frame.
     */
    @Override
    public void onFragment(final DirectBuffer buffer, final int offset, final int length, final Header header)
    {
        framesReceived.increment();
        // Bounded to this frame: a length field that lies makes a read throw, not stray into the next frame.
        view.wrap(buffer, offset, length);
        final int templateId = FrameHeader.check(view, 0, length, MessageHeaderDecoder.SCHEMA_ID,
            MessageHeaderDecoder.SCHEMA_VERSION, MessageHeaderDecoder.SCHEMA_VERSION);
        if (templateId < 0)
        {
            counters.get(FrameHeader.TOO_SHORT == templateId ?
                EngineCounter.FRAMES_MALFORMED : EngineCounter.FRAMES_UNKNOWN_SCHEMA).increment();
            return;
        }
        if (SealedDecoder.TEMPLATE_ID == templateId)
        {
            onSealed(length, header.sessionId());
            return;
        }
        dispatch(view, templateId, length, header.sessionId(), null, -1);
    }

    private void dispatch(
        final UnsafeBuffer frame,
        final int templateId,
        final int length,
        final int sessionId,
        final InboundTransfer sealedBy,
        final int sealedStripe)
    {
        headerDecoder.wrap(frame, 0);
        final int version = headerDecoder.version();
        final int blockLength = headerDecoder.blockLength();
        final int bodyOffset = MessageHeaderDecoder.ENCODED_LENGTH;
        try
        {
            switch (templateId)
            {
                case PageFrameDecoder.TEMPLATE_ID -> onPageFrame(
                    frameDecoder.wrap(frame, bodyOffset, blockLength, version), frame, length, sessionId, sealedBy,
                    sealedStripe);
                case HelloDecoder.TEMPLATE_ID ->
                {
                    final int verdict = conductor.onHello(
                        helloDecoder.wrap(frame, bodyOffset, blockLength, version), sessionId, nowNs);
                    if (verdict < 0)
                    {
                        strike(sessionId);
                    }
                    else if (verdict > 0 && authenticatedSessions.size() < MAX_TRACKED_SESSIONS)
                    {
                        authenticatedSessions.add(sessionId);
                    }
                }
                case DictionaryDecoder.TEMPLATE_ID -> onDictionary(
                    dictionaryDecoder.wrap(frame, bodyOffset, blockLength, version), sessionId, sealedBy, sealedStripe);
                case TransferEndDecoder.TEMPLATE_ID -> conductor.onTransferEnd(
                    transferEndDecoder.wrap(frame, bodyOffset, blockLength, version), sealedBy, sessionId, nowNs);
                case TransferAbandonDecoder.TEMPLATE_ID -> conductor.onAbandon(
                    abandonDecoder.wrap(frame, bodyOffset, blockLength, version), sealedBy, sessionId);
                case PathProbeDecoder.TEMPLATE_ID -> conductor.onProbe(
                    probeDecoder.wrap(frame, bodyOffset, blockLength, version), sealedBy, sessionId);
                default -> counters.get(EngineCounter.FRAMES_UNKNOWN_TEMPLATE).increment();
            }
        }
        catch (final RuntimeException ex)
        {
            // A length that lies makes the bounded view throw; nothing of the frame was applied past that point.
            framesMalformed.increment();
        }
    }

    /**
     * Open a sealed frame with the key of the transfer and channel it names, then dispatch what is inside: the
     * transfer's end on channel 0, or stripe k's page and dictionary frames on channel k + 1.
     */
    private void onSealed(final int length, final int sessionId)
    {
        final InboundTransfer transfer;
        final int channel;
        try
        {
            headerDecoder.wrap(view, 0);
            sealedDecoder.wrap(view, MessageHeaderDecoder.ENCODED_LENGTH, headerDecoder.blockLength(),
                headerDecoder.version());
            transfer = conductor.transferByIndex(sealedDecoder.index());
            channel = sealedDecoder.channel();
        }
        catch (final RuntimeException ex)
        {
            framesMalformed.increment();
            return;
        }
        if (null == transfer || !transfer.session().isSecure() || channel < 0 || channel > transfer.stripeCount())
        {
            counters.get(EngineCounter.FRAMES_UNAUTHENTICATED).increment();
            strike(sessionId);
            return;
        }
        final FrameOpener opener = 0 == channel ?
            transfer.session().endOpener() : transfer.session().stripeOpener(channel - 1);
        final int result = opener.open(view, 0, length, plain);
        if (FrameOpener.OPENED != result)
        {
            counters.get(FrameOpener.REPLAYED == result ? EngineCounter.FRAMES_REPLAYED :
                FrameOpener.FORGED == result ? EngineCounter.FRAMES_FORGED : EngineCounter.FRAMES_MALFORMED)
                .increment();
            strike(sessionId);
            return;
        }
        if (authenticatedSessions.size() < MAX_TRACKED_SESSIONS || authenticatedSessions.contains(sessionId))
        {
            authenticatedSessions.add(sessionId);
        }
        final int innerLength = opener.frameLength();
        plainView.wrap(plain, 0, innerLength);
        final int templateId = FrameHeader.check(plainView, 0, innerLength, MessageHeaderDecoder.SCHEMA_ID,
            MessageHeaderDecoder.SCHEMA_VERSION, MessageHeaderDecoder.SCHEMA_VERSION);
        final boolean isExpected = 0 == channel ?
            TransferEndDecoder.TEMPLATE_ID == templateId || TransferAbandonDecoder.TEMPLATE_ID == templateId ||
            PathProbeDecoder.TEMPLATE_ID == templateId :
            PageFrameDecoder.TEMPLATE_ID == templateId || DictionaryDecoder.TEMPLATE_ID == templateId;
        if (!isExpected)
        {
            framesMalformed.increment();
            return;
        }
        dispatch(plainView, templateId, innerLength, sessionId, transfer, channel - 1);
    }

    private StripeImage imageOf(
        final long transferId, final int stripe, final int sessionId, final InboundTransfer sealedBy,
        final int sealedStripe)
    {
        if (null != sealedBy)
        {
            // Opened by stripe sealedStripe's key: the frame must say the same transfer and stripe.
            if (sealedBy.transferId() != transferId || sealedStripe != stripe)
            {
                counters.get(EngineCounter.FRAMES_UNAUTHENTICATED).increment();
                return null;
            }
        }
        final StripeImage cached = imagesBySession.get(sessionId);
        if (null != cached && cached.transfer().transferId() == transferId && cached.index() == stripe &&
            null == cached.transfer().failure() &&
            (null == sealedBy ? !cached.transfer().session().isSecure() : cached.transfer() == sealedBy))
        {
            return cached;
        }
        if (null == sealedBy && null != cached && cached.transfer().session().isSecure())
        {
            counters.get(EngineCounter.FRAMES_UNAUTHENTICATED).increment();
            return null;
        }
        final StripeImage image = null != sealedBy ? conductor.bindStripe(sealedBy, stripe, sessionId) :
            conductor.bindStripe(transferId, stripe, sessionId);
        if (null != image)
        {
            imagesBySession.put(sessionId, image);
        }
        else if (null == sealedBy && conductor.isSecure())
        {
            // A frame in clear at a secure receiver: from a stranger, whose session is struck.
            strike(sessionId);
        }
        return image;
    }

    private void onPageFrame(
        final PageFrameDecoder frame,
        final UnsafeBuffer frameBuffer,
        final int frameLength,
        final int sessionId,
        final InboundTransfer sealedBy,
        final int sealedStripe)
    {
        final StripeImage image = imageOf(frame.transferId(), frame.stripe(), sessionId, sealedBy, sealedStripe);
        if (null != image)
        {
            final int pageSize = image.transfer().pageSize();
            try
            {
                image.onPageFrame(frame, frameBuffer, frameLength, conductor.codecFor(pageSize),
                    conductor.blockCodecFor(pageSize), entries, scratchPage, counters, errorHandler, nowNs);
            }
            finally
            {
                // Pages already counted as applied may wait in a run when a later entry of the frame throws.
                image.flushWrites(counters, errorHandler);
            }
        }
    }

    private void onDictionary(
        final DictionaryDecoder dictionary, final int sessionId, final InboundTransfer sealedBy, final int sealedStripe)
    {
        final StripeImage image =
            imageOf(dictionary.transferId(), dictionary.stripe(), sessionId, sealedBy, sealedStripe);
        if (null == image)
        {
            return;
        }
        final int crc = dictionary.crc32c();
        final int length = dictionary.contentLength();
        if (length <= 0 || !VarDataBounds.fits(length, SenderContext.MAX_DICTIONARY_BYTES, dictionary.buffer(),
            dictionary.limit()))
        {
            rejectDictionary(image);
            return;
        }
        // Allocated once per stripe at most: a dictionary is rare and small.
        final byte[] content = new byte[length];
        dictionary.getContent(content, 0, length);
        final java.util.zip.CRC32C check = new java.util.zip.CRC32C();
        check.update(content);
        if ((int)check.getValue() != crc)
        {
            rejectDictionary(image);
            return;
        }
        try
        {
            final PageCodec codec = new PageCodec(image.transfer().pageSize(), 1);
            codec.decompressWithDictionary(content);
            image.dictionaryCodec(codec);
            counters.get(EngineCounter.DICTIONARIES_LOADED).increment();
        }
        catch (final RuntimeException ex)
        {
            // zstd refused it as a dictionary.
            rejectDictionary(image);
        }
    }

    private void rejectDictionary(final StripeImage image)
    {
        counters.get(EngineCounter.DICTIONARIES_REJECTED).increment();
        image.dictionaryRejectionPending(true);
    }
}
