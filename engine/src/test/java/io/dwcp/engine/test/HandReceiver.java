package io.dwcp.engine.test;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.FragmentAssembler;
import io.aeron.Subscription;
import io.aeron.logbuffer.Header;
import io.dwcp.codec.FrameTable;
import io.dwcp.codecs.wire.HelloAckEncoder;
import io.dwcp.codecs.wire.HelloDecoder;
import io.dwcp.codecs.wire.HelloStatus;
import io.dwcp.codecs.wire.MessageHeaderDecoder;
import io.dwcp.codecs.wire.MessageHeaderEncoder;
import io.dwcp.codecs.wire.PageAckEncoder;
import io.dwcp.codecs.wire.PageFrameDecoder;
import io.dwcp.codecs.wire.PathEchoEncoder;
import io.dwcp.codecs.wire.PathProbeDecoder;
import io.dwcp.codecs.wire.TransferEndDecoder;
import io.dwcp.engine.transport.StripeLayout;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A receiver played by hand, for tests of the sender: a subscription on the receiver's data channel that keeps
 * what arrives (the Hellos, and each stripe's page frames, session and highest sequence), and a publication on the
 * sender's control channel to answer with a HelloAck and PageAcks when the test says so. Nothing is applied or
 * acknowledged on its own.
 * <p>
 * Not thread safe: use on the test thread.
 */
public final class HandReceiver implements AutoCloseable
{
    private static final int FRAGMENTS_PER_POLL = 64;
    private static final int NO_SESSION = Integer.MIN_VALUE;

    private final Subscription data;
    private final ExclusivePublication control;
    private final FragmentAssembler assembler = new FragmentAssembler(this::onFragment);
    private final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(64 * 1024));
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final HelloDecoder helloDecoder = new HelloDecoder();
    private final PageFrameDecoder frameDecoder = new PageFrameDecoder();
    private final FrameTable.Reader reader = new FrameTable.Reader();
    private final HelloAckEncoder helloAckEncoder = new HelloAckEncoder();
    private final PageAckEncoder pageAckEncoder = new PageAckEncoder();
    private final PathProbeDecoder probeDecoder = new PathProbeDecoder();
    private final PathEchoEncoder echoEncoder = new PathEchoEncoder();
    private final long[] highestSequence = new long[StripeLayout.MAX_STRIPES];
    private final long[] pages = new long[StripeLayout.MAX_STRIPES];
    private final int[] sessions = new int[StripeLayout.MAX_STRIPES];
    private int hellos;
    private int probes;
    private long probeSequence;
    private long probeTimestampNs;
    private int helloStripeCount;
    private int transferEnds;
    private int framesOutOfOrder;
    private int framesOnForeignSession;

    /**
     * Subscribe to a receiver's data channel and publish to a sender's control channel.
     *
     * @param aeron           client.
     * @param dataChannel     the receiver's data channel the sender publishes to.
     * @param dataStreamId    of the data channel.
     * @param controlChannel  the sender's control channel.
     * @param controlStreamId of the control channel.
     */
    public HandReceiver(
        final Aeron aeron,
        final String dataChannel,
        final int dataStreamId,
        final String controlChannel,
        final int controlStreamId)
    {
        Arrays.fill(sessions, NO_SESSION);
        data = aeron.addSubscription(dataChannel, dataStreamId);
        control = aeron.addExclusivePublication(controlChannel, controlStreamId);
    }

    /**
     * Read what arrived.
     *
     * @return fragments read.
     */
    public int poll()
    {
        return data.poll(assembler, FRAGMENTS_PER_POLL);
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
            case HelloDecoder.TEMPLATE_ID ->
            {
                helloDecoder.wrap(buffer, bodyOffset, blockLength, version);
                hellos++;
                helloStripeCount = helloDecoder.stripeCount();
            }
            case PageFrameDecoder.TEMPLATE_ID ->
                onPageFrame(frameDecoder.wrap(buffer, bodyOffset, blockLength, version), header.sessionId());
            case TransferEndDecoder.TEMPLATE_ID -> transferEnds++;
            case PathProbeDecoder.TEMPLATE_ID ->
            {
                probeDecoder.wrap(buffer, bodyOffset, blockLength, version);
                probes++;
                probeSequence = probeDecoder.sequence();
                probeTimestampNs = probeDecoder.timestampNs();
            }
            default ->
            {
                // Dictionaries and anything else: not needed by these tests.
            }
        }
    }

    private void onPageFrame(final PageFrameDecoder frame, final int sessionId)
    {
        final int stripe = frame.stripe();
        if (NO_SESSION == sessions[stripe])
        {
            sessions[stripe] = sessionId;
        }
        else if (sessions[stripe] != sessionId)
        {
            framesOnForeignSession++;
        }
        if (frame.sequence() != highestSequence[stripe] + 1)
        {
            framesOutOfOrder++;
        }
        highestSequence[stripe] = Math.max(highestSequence[stripe], frame.sequence());
        final int entriesAt = frame.limit() + PageFrameDecoder.entriesHeaderLength();
        final int present = (int)Math.min(frame.entriesLength(), Math.max(0, frame.buffer().capacity() - entriesAt));
        final FrameTable.Reader entries = reader.wrap(frame.buffer(), entriesAt, present);
        while (entries.hasNext() && entries.next())
        {
            pages[stripe]++;
        }
    }

    /**
     * Answer a Hello.
     *
     * @param transferId of the transfer.
     * @param status     the answer.
     * @return true if the frame went.
     */
    public boolean helloAck(final long transferId, final HelloStatus status)
    {
        helloAckEncoder.wrapAndApplyHeader(buffer, 0, headerEncoder)
            .transferId(transferId)
            .status(status)
            .senderIndex(0)
            .text("")
            .putHandshake(new byte[0], 0, 0);
        return control.offer(buffer, 0, MessageHeaderEncoder.ENCODED_LENGTH + helloAckEncoder.encodedLength()) > 0;
    }

    /**
     * Echo a path probe.
     *
     * @param transferId    of the transfer.
     * @param sequence      the probe's, or any other to forge one.
     * @param timestampNs   the probe's, or any other to forge one.
     * @param bytesReceived the count to report.
     * @return true if the frame went.
     */
    public boolean pathEcho(
        final long transferId, final long sequence, final long timestampNs, final long bytesReceived)
    {
        echoEncoder.wrapAndApplyHeader(buffer, 0, headerEncoder)
            .transferId(transferId)
            .sequence(sequence)
            .timestampNs(timestampNs)
            .bytesReceived(bytesReceived)
            .receiverTimestampNs(0);
        return control.offer(buffer, 0, MessageHeaderEncoder.ENCODED_LENGTH + echoEncoder.encodedLength()) > 0;
    }

    /**
     * @return path probes received.
     */
    public int probes()
    {
        return probes;
    }

    /**
     * @return sequence of the latest probe.
     */
    public long probeSequence()
    {
        return probeSequence;
    }

    /**
     * @return timestamp of the latest probe.
     */
    public long probeTimestampNs()
    {
        return probeTimestampNs;
    }

    /**
     * Acknowledge frames of some stripes.
     *
     * @param transferId   of the transfer.
     * @param pagesApplied pages applied so far, over all stripes.
     * @param timestampNs  the receiver's clock.
     * @param stripes      the stripes acknowledged.
     * @param sequences    the highest frame applied on each of {@code stripes}.
     * @return true if the frame went.
     */
    public boolean pageAck(
        final long transferId,
        final long pagesApplied,
        final long timestampNs,
        final int[] stripes,
        final long[] sequences)
    {
        final PageAckEncoder.StripesEncoder entries = pageAckEncoder.wrapAndApplyHeader(buffer, 0, headerEncoder)
            .transferId(transferId)
            .pagesApplied(pagesApplied)
            .pagesRejected(0)
            .timestampNs(timestampNs)
            .stripesCount(stripes.length);
        for (int i = 0; i < stripes.length; i++)
        {
            entries.next().stripe(stripes[i]).sequence(sequences[i]);
        }
        return control.offer(buffer, 0, MessageHeaderEncoder.ENCODED_LENGTH + pageAckEncoder.encodedLength()) > 0;
    }

    /**
     * Is the publication to the sender's control channel connected?
     *
     * @return true when the sender's control subscription is there.
     */
    public boolean isControlConnected()
    {
        return control.isConnected();
    }

    /**
     * Hellos read so far.
     *
     * @return the count.
     */
    public int hellos()
    {
        return hellos;
    }

    /**
     * Stripes the last Hello declared.
     *
     * @return the count.
     */
    public int helloStripeCount()
    {
        return helloStripeCount;
    }

    /**
     * Transfer ends read so far.
     *
     * @return the count.
     */
    public int transferEnds()
    {
        return transferEnds;
    }

    /**
     * The highest frame sequence read on a stripe.
     *
     * @param stripe index.
     * @return the sequence, or 0 before its first frame.
     */
    public long highestSequence(final int stripe)
    {
        return highestSequence[stripe];
    }

    /**
     * Pages read on a stripe.
     *
     * @param stripe index.
     * @return the count.
     */
    public long pages(final int stripe)
    {
        return pages[stripe];
    }

    /**
     * Pages read on every stripe.
     *
     * @return the count.
     */
    public long pages()
    {
        long total = 0;
        for (final long stripePages : pages)
        {
            total += stripePages;
        }
        return total;
    }

    /**
     * The Aeron session the frames of a stripe came in.
     *
     * @param stripe index.
     * @return the session id, or {@link Integer#MIN_VALUE} before its first frame.
     */
    public int sessionOf(final int stripe)
    {
        return sessions[stripe];
    }

    /**
     * Frames whose sequence did not follow their stripe's last one.
     *
     * @return the count.
     */
    public int framesOutOfOrder()
    {
        return framesOutOfOrder;
    }

    /**
     * Frames of a stripe that came in a session other than its first frame's.
     *
     * @return the count.
     */
    public int framesOnForeignSession()
    {
        return framesOnForeignSession;
    }

    @Override
    public void close()
    {
        CloseHelper.closeAll(control, data);
    }
}
