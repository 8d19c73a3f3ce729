package io.dwcp.engine.test;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.FragmentAssembler;
import io.aeron.Subscription;
import io.aeron.logbuffer.Header;
import io.dwcp.codec.PageChecksum;
import io.dwcp.codecs.wire.HelloAckDecoder;
import io.dwcp.codecs.wire.HelloEncoder;
import io.dwcp.codecs.wire.HelloStatus;
import io.dwcp.codecs.wire.MessageHeaderDecoder;
import io.dwcp.codecs.wire.MessageHeaderEncoder;
import io.dwcp.codecs.wire.PageAckDecoder;
import io.dwcp.codec.PageEncoding;
import io.dwcp.codecs.wire.PageFrameEncoder;
import io.dwcp.codecs.wire.TransferEndEncoder;
import io.dwcp.codecs.wire.TransferVerdictDecoder;
import io.dwcp.codecs.wire.Verdict;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A sender played by hand, for tests of the receiver, on the test's own Aeron client (unlike {@link FrameForger},
 * which has a driver of its own): one publication to the receiver's data channel, so the Hello, the pages of
 * stripe 0 and the end share its session, and a subscription on the channel it names for replies, which keeps the
 * HelloAcks and verdicts that come back.
 * <p>
 * Not thread safe: use on the test thread.
 */
public final class HandSender implements AutoCloseable
{
    /** A HelloAck read. */
    public record HelloAck(long transferId, HelloStatus status, String text)
    {
    }

    /** A verdict read. */
    public record TransferVerdict(long transferId, Verdict verdict, long digest)
    {
    }

    private static final int FRAGMENTS_PER_POLL = 64;

    private final ExclusivePublication data;
    private final Subscription control;
    private final String controlChannel;
    private final int controlStreamId;
    private final FragmentAssembler assembler = new FragmentAssembler(this::onFragment);
    private final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(128 * 1024));
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final HelloEncoder helloEncoder = new HelloEncoder();
    private final PageFrameEncoder frameEncoder = new PageFrameEncoder();
    private final TransferEndEncoder transferEndEncoder = new TransferEndEncoder();
    private final HelloAckDecoder helloAckDecoder = new HelloAckDecoder();
    private final TransferVerdictDecoder verdictDecoder = new TransferVerdictDecoder();
    private final List<HelloAck> helloAcks = new ArrayList<>();
    private final List<TransferVerdict> verdicts = new ArrayList<>();
    private int pageAcks;

    /**
     * Publish to a receiver's data channel and subscribe for its replies.
     *
     * @param aeron           client.
     * @param dataChannel     the receiver's data channel.
     * @param dataStreamId    of the data channel.
     * @param controlChannel  where the receiver is told to reply.
     * @param controlStreamId of the replies.
     */
    public HandSender(
        final Aeron aeron,
        final String dataChannel,
        final int dataStreamId,
        final String controlChannel,
        final int controlStreamId)
    {
        this.controlChannel = controlChannel;
        this.controlStreamId = controlStreamId;
        control = aeron.addSubscription(controlChannel, controlStreamId);
        data = aeron.addExclusivePublication(dataChannel, dataStreamId);
    }

    /**
     * Is the publication to the receiver connected?
     *
     * @return true when the receiver's data subscription is there.
     */
    public boolean isConnected()
    {
        return data.isConnected();
    }

    /**
     * Open a transfer of one stripe.
     *
     * @param transferId of the transfer.
     * @param vmId       names the destination file.
     * @param fileSize   bytes in the image.
     * @param pageSize   bytes per page.
     * @return true if the frame went.
     */
    public boolean hello(final long transferId, final String vmId, final long fileSize, final int pageSize)
    {
        helloEncoder.wrapAndApplyHeader(buffer, 0, headerEncoder)
            .transferId(transferId)
            .fileSize(fileSize)
            .pageSize(pageSize)
            .replyStreamId(controlStreamId)
            .stripeCount(1)
            .senderIndex(1)
            .vmId(vmId)
            .replyChannel(controlChannel)
            .putHandshake(new byte[0], 0, 0);
        return offer(helloEncoder.encodedLength());
    }

    /**
     * Send one page as it is, with its true CRC32C, in a frame of stripe 0.
     *
     * @param transferId of the transfer.
     * @param sequence   of the frame on stripe 0, from 1.
     * @param pageNumber of the page.
     * @param page       holding the page's bytes.
     * @param offset     of the page in {@code page}.
     * @param pageSize   bytes per page.
     * @return true if the frame went.
     */
    public boolean rawPage(
        final long transferId,
        final long sequence,
        final long pageNumber,
        final DirectBuffer page,
        final int offset,
        final int pageSize)
    {
        frameEncoder.wrapAndApplyHeader(buffer, 0, headerEncoder)
            .transferId(transferId)
            .round(0)
            .sequence(sequence)
            .stripe(0);
        FrameForger.putOneEntry(frameEncoder, buffer, pageNumber, PageEncoding.RAW,
            PageChecksum.crc32c(page, offset, pageSize), page, offset, pageSize);
        frameEncoder.putBlock(page, 0, 0);
        return offer(frameEncoder.encodedLength());
    }

    /**
     * End a transfer of one stripe.
     *
     * @param transferId   of the transfer.
     * @param digest       of the image as sent.
     * @param lastSequence the last frame of stripe 0.
     * @return true if the frame went.
     */
    public boolean transferEnd(final long transferId, final long digest, final long lastSequence)
    {
        transferEndEncoder.wrapAndApplyHeader(buffer, 0, headerEncoder)
            .transferId(transferId)
            .digest(digest)
            .stripesCount(1)
            .next()
            .lastSequence(lastSequence);
        return offer(transferEndEncoder.encodedLength());
    }

    /**
     * Offer bytes as they are, header and all, on the data stream: forged or fuzzed frames.
     *
     * @param frame  the bytes.
     * @param offset of the bytes.
     * @param length of the bytes.
     * @return true if they went.
     */
    public boolean raw(final DirectBuffer frame, final int offset, final int length)
    {
        return data.offer(frame, offset, length) > 0;
    }

    private boolean offer(final int bodyLength)
    {
        return data.offer(buffer, 0, MessageHeaderEncoder.ENCODED_LENGTH + bodyLength) > 0;
    }

    /**
     * Read the receiver's replies.
     *
     * @return fragments read.
     */
    public int poll()
    {
        return control.poll(assembler, FRAGMENTS_PER_POLL);
    }

    private void onFragment(final DirectBuffer buffer, final int offset, final int length, final Header header)
    {
        headerDecoder.wrap(buffer, offset);
        if (headerDecoder.schemaId() != MessageHeaderDecoder.SCHEMA_ID)
        {
            return;
        }
        final int bodyOffset = offset + MessageHeaderDecoder.ENCODED_LENGTH;
        final int blockLength = headerDecoder.blockLength();
        final int version = headerDecoder.version();
        switch (headerDecoder.templateId())
        {
            case HelloAckDecoder.TEMPLATE_ID ->
            {
                helloAckDecoder.wrap(buffer, bodyOffset, blockLength, version);
                helloAcks.add(new HelloAck(helloAckDecoder.transferId(), helloAckDecoder.status(),
                    helloAckDecoder.text()));
            }
            case TransferVerdictDecoder.TEMPLATE_ID ->
            {
                verdictDecoder.wrap(buffer, bodyOffset, blockLength, version);
                verdicts.add(new TransferVerdict(
                    verdictDecoder.transferId(), verdictDecoder.verdict(), verdictDecoder.digest()));
            }
            case PageAckDecoder.TEMPLATE_ID -> pageAcks++;
            default ->
            {
                // Page requests and errors: not needed by these tests.
            }
        }
    }

    /**
     * HelloAcks read so far, oldest first.
     *
     * @return the acks.
     */
    public List<HelloAck> helloAcks()
    {
        return helloAcks;
    }

    /**
     * Verdicts read so far, oldest first.
     *
     * @return the verdicts.
     */
    public List<TransferVerdict> verdicts()
    {
        return verdicts;
    }

    /**
     * PageAcks read so far.
     *
     * @return the count.
     */
    public int pageAcks()
    {
        return pageAcks;
    }

    @Override
    public void close()
    {
        CloseHelper.closeAll(data, control);
    }
}
