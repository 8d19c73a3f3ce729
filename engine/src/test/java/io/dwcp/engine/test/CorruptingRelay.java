package io.dwcp.engine.test;

import io.dwcp.codec.FrameTable;
import io.dwcp.codec.PageChecksum;
import io.dwcp.codecs.wire.MessageHeaderDecoder;
import io.dwcp.codec.PageEncoding;
import io.dwcp.codecs.wire.PageFrameDecoder;
import io.dwcp.engine.runtime.LocalMigration;
import org.agrona.CloseHelper;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A UDP relay between a sender and a receiver that flips one bit inside the payload of the first few page frames
 * it carries, as a faulty link or NIC would. Aeron does not see the damage; the receiver's CRC32C must.
 */
public final class CorruptingRelay implements AutoCloseable
{
    private static final int AERON_DATA_HEADER_LENGTH = 32;
    private static final short AERON_DATA_FRAME_TYPE = 1;

    private final DatagramChannel front;
    private final DatagramChannel back;
    private final InetSocketAddress receiver;
    private final AtomicInteger framesToCorrupt;
    private volatile boolean isRetype;
    private volatile boolean isSimilarLists;
    private volatile boolean isStreamPositions;
    private final long targetPage;
    private boolean isDictionaryTarget;
    private int stripeToSilence = -1;
    private volatile int silencedSession;
    private volatile boolean isSilencing;
    private final AtomicInteger dropped = new AtomicInteger();
    private final AtomicInteger corrupted = new AtomicInteger();
    private final Thread forward;
    private final Thread reverse;
    private volatile SocketAddress sender;
    private volatile int framesToCapture;
    private final java.util.concurrent.ConcurrentLinkedQueue<byte[]> captured =
        new java.util.concurrent.ConcurrentLinkedQueue<>();

    /**
     * Start relaying.
     *
     * @param receiverPort    loopback port of the receiver.
     * @param framesToCorrupt how many page frames to damage, repairs included.
     * @throws IOException if sockets cannot be opened.
     */
    public CorruptingRelay(final int receiverPort, final int framesToCorrupt) throws IOException
    {
        this(receiverPort, framesToCorrupt, -1);
    }

    /**
     * Start relaying, damaging only one page wherever it travels, first copy and repairs alike.
     *
     * @param receiverPort    loopback port of the receiver.
     * @param framesToCorrupt how many times to damage the page.
     * @param targetPage      the page to damage, or -1 for the first payload of any frame.
     * @throws IOException if sockets cannot be opened.
     */
    public CorruptingRelay(final int receiverPort, final int framesToCorrupt, final long targetPage) throws IOException
    {
        this.targetPage = targetPage;
        receiver = new InetSocketAddress("localhost", receiverPort);
        this.framesToCorrupt = new AtomicInteger(framesToCorrupt);
        front = DatagramChannel.open().bind(new InetSocketAddress("localhost", LocalMigration.freeUdpPort()));
        back = DatagramChannel.open().bind(new InetSocketAddress("localhost", 0));
        forward = new Thread(this::forward, "relay-forward");
        reverse = new Thread(this::reverse, "relay-reverse");
        forward.setDaemon(true);
        reverse.setDaemon(true);
        forward.start();
        reverse.start();
    }

    /**
     * Instead of flipping bits, change the encoding of one entry of frames that have a block, so the block holds
     * more or fewer pages than its entries: the first frame's first BLOCK entry becomes ZERO (one page too many in
     * the block), the next frame's first ZERO entry becomes BLOCK (one page too few), and so on.
     *
     * @return this.
     */
    public CorruptingRelay retypeBlockEntries()
    {
        isRetype = true;
        return this;
    }

    /**
     * Instead of flipping bits anywhere, damage the {@code SIMILAR_PIECES} lists of page frames, in turn: a bit flipped
     * in the list (its CRC32C no longer matches), pieces of 0 for its first page with the CRC32C made to match, and a
     * count of one page more than it lists, which the list's CRC32C does not cover.
     *
     * @return this.
     */
    public CorruptingRelay similarLists()
    {
        isSimilarLists = true;
        return this;
    }

    /**
     * Instead of flipping bits anywhere, move the {@code STREAM} entry of page frames two positions on, in a header of
     * the same length: the receiver finds the block out of step with its stripe's stream.
     *
     * @return this.
     */
    public CorruptingRelay streamPositions()
    {
        isStreamPositions = true;
        return this;
    }

    /**
     * Damage dictionary frames instead of page frames.
     *
     * @return this.
     */
    public CorruptingRelay dictionaries()
    {
        isDictionaryTarget = true;
        return this;
    }

    /**
     * Instead of corrupting, drop every datagram of the Aeron session that carries a stripe, from that stripe's
     * first page frame on: the stripe goes silent while the others go on.
     *
     * @param stripe to silence.
     * @return this.
     */
    public CorruptingRelay silenceStripe(final int stripe)
    {
        stripeToSilence = stripe;
        return this;
    }

    /**
     * Datagrams dropped by {@link #silenceStripe}.
     *
     * @return the count.
     */
    public int dropped()
    {
        return dropped.get();
    }

    /**
     * Endpoint senders should send to.
     *
     * @return host:port of the relay.
     * @throws IOException if the socket is closed.
     */
    public String endpoint() throws IOException
    {
        return "localhost:" + ((InetSocketAddress)front.getLocalAddress()).getPort();
    }

    /**
     * Page frames damaged so far.
     *
     * @return the count.
     */
    public int corrupted()
    {
        return corrupted.get();
    }

    private void forward()
    {
        final ByteBuffer datagram = ByteBuffer.allocateDirect(64 * 1024);
        final UnsafeBuffer view = new UnsafeBuffer(datagram);
        try
        {
            while (true)
            {
                datagram.clear();
                sender = front.receive(datagram);
                datagram.flip();
                if (stripeToSilence >= 0 && isOfSilencedStripe(view, datagram.limit()))
                {
                    dropped.incrementAndGet();
                    continue;
                }
                if (framesToCapture > 0)
                {
                    capture(view, datagram.limit());
                }
                final boolean isDamaged = framesToCorrupt.get() > 0 && (isRetype ?
                    retype(view, datagram.limit(), 0 == corrupted.get() % 2) : isSimilarLists ?
                    damageSimilarList(view, datagram.limit(), corrupted.get() % 3) : isStreamPositions ?
                    moveStreamPosition(view, datagram.limit()) :
                    corrupt(view, datagram.limit(), targetPage, isDictionaryTarget));
                if (isDamaged)
                {
                    framesToCorrupt.decrementAndGet();
                    corrupted.incrementAndGet();
                }
                back.send(datagram, receiver);
            }
        }
        catch (final ClosedChannelException ignore)
        {
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    private void reverse()
    {
        final ByteBuffer datagram = ByteBuffer.allocateDirect(64 * 1024);
        try
        {
            while (true)
            {
                datagram.clear();
                back.receive(datagram);
                datagram.flip();
                final SocketAddress destination = sender;
                if (null != destination)
                {
                    front.send(datagram, destination);
                }
            }
        }
        catch (final ClosedChannelException ignore)
        {
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    private boolean isOfSilencedStripe(final UnsafeBuffer datagram, final int length)
    {
        if (length < AERON_DATA_HEADER_LENGTH)
        {
            return false;
        }
        // Every Aeron frame header but a few control ones carries the session id at offset 12.
        final int sessionId = datagram.getInt(12);
        if (isSilencing)
        {
            return sessionId == silencedSession && datagram.getShort(6) != 0x02 && datagram.getShort(6) != 0x03;
        }
        if (datagram.getShort(6) == AERON_DATA_FRAME_TYPE &&
            length >= AERON_DATA_HEADER_LENGTH + MessageHeaderDecoder.ENCODED_LENGTH + PageFrameDecoder.BLOCK_LENGTH)
        {
            final MessageHeaderDecoder header = new MessageHeaderDecoder().wrap(datagram, AERON_DATA_HEADER_LENGTH);
            if (header.templateId() == PageFrameDecoder.TEMPLATE_ID && header.schemaId() == PageFrameDecoder.SCHEMA_ID)
            {
                final PageFrameDecoder frame = new PageFrameDecoder().wrap(datagram,
                    AERON_DATA_HEADER_LENGTH + MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(),
                    header.version());
                if (frame.stripe() == stripeToSilence)
                {
                    silencedSession = sessionId;
                    isSilencing = true;
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Keep copies of the first sealed frames that pass, whole in one Aeron frame, changing nothing: what an
     * eavesdropper on the link would record to replay later.
     *
     * @param count frames to keep.
     * @return this.
     */
    public CorruptingRelay captureSealed(final int count)
    {
        framesToCapture = count;
        return this;
    }

    /**
     * @return the sealed frames kept so far, each the bytes of one Aeron message.
     */
    public java.util.List<byte[]> captured()
    {
        return java.util.List.copyOf(captured);
    }

    private void capture(final UnsafeBuffer datagram, final int length)
    {
        int offset = 0;
        while (offset + AERON_DATA_HEADER_LENGTH <= length && framesToCapture > 0)
        {
            final int frameLength = datagram.getInt(offset);
            if (frameLength <= 0)
            {
                return;
            }
            final boolean isWhole = (datagram.getByte(offset + 5) & 0xC0) == 0xC0;
            if (datagram.getShort(offset + 6) == AERON_DATA_FRAME_TYPE && isWhole &&
                frameLength >= AERON_DATA_HEADER_LENGTH + MessageHeaderDecoder.ENCODED_LENGTH)
            {
                final MessageHeaderDecoder header =
                    new MessageHeaderDecoder().wrap(datagram, offset + AERON_DATA_HEADER_LENGTH);
                if (header.templateId() == io.dwcp.codecs.wire.SealedDecoder.TEMPLATE_ID)
                {
                    final byte[] frame = new byte[frameLength - AERON_DATA_HEADER_LENGTH];
                    datagram.getBytes(offset + AERON_DATA_HEADER_LENGTH, frame);
                    captured.add(frame);
                    framesToCapture--;
                }
            }
            offset += (frameLength + 31) & ~31;
        }
    }

    private static boolean corrupt(
        final UnsafeBuffer datagram, final int length, final long targetPage, final boolean isDictionaryTarget)
    {
        // A datagram may carry several Aeron frames, each aligned to 32 bytes.
        int offset = 0;
        while (offset + AERON_DATA_HEADER_LENGTH <= length)
        {
            final int frameLength = datagram.getInt(offset);
            if (frameLength <= 0)
            {
                return false;
            }
            if (datagram.getShort(offset + 6) == AERON_DATA_FRAME_TYPE &&
                frameLength >= AERON_DATA_HEADER_LENGTH + MessageHeaderDecoder.ENCODED_LENGTH)
            {
                final int messageOffset = offset + AERON_DATA_HEADER_LENGTH;
                if (isDictionaryTarget)
                {
                    final MessageHeaderDecoder header = new MessageHeaderDecoder().wrap(datagram, messageOffset);
                    if (header.templateId() == io.dwcp.codecs.wire.DictionaryDecoder.TEMPLATE_ID)
                    {
                        // Flip a bit inside the dictionary's content, near the end of the frame.
                        final int target = offset + frameLength - 8;
                        datagram.putByte(target, (byte)(datagram.getByte(target) ^ 0x04));
                        return true;
                    }
                }
                else if (corruptFrame(datagram, messageOffset, targetPage, offset + frameLength))
                {
                    return true;
                }
            }
            offset += (frameLength + 31) & ~31;
        }
        return false;
    }

    /** The page frame a datagram starts with, wrapped for reading, or null when it does not start one. */
    private static PageFrameDecoder firstPageFrame(final UnsafeBuffer datagram, final int length)
    {
        if (length < AERON_DATA_HEADER_LENGTH + MessageHeaderDecoder.ENCODED_LENGTH ||
            datagram.getShort(6) != AERON_DATA_FRAME_TYPE)
        {
            return null;
        }
        final MessageHeaderDecoder header = new MessageHeaderDecoder().wrap(datagram, AERON_DATA_HEADER_LENGTH);
        if (header.templateId() != PageFrameDecoder.TEMPLATE_ID || header.schemaId() != PageFrameDecoder.SCHEMA_ID)
        {
            return null;
        }
        return new PageFrameDecoder().wrap(datagram, AERON_DATA_HEADER_LENGTH + MessageHeaderDecoder.ENCODED_LENGTH,
            header.blockLength(), header.version());
    }

    /**
     * The entries of a frame, as far as they lie in this datagram: those past it are in the frame's next fragments.
     */
    private static FrameTable.Reader entries(final PageFrameDecoder frame, final int end)
    {
        final int start = frame.limit() + PageFrameDecoder.entriesHeaderLength();
        final int present = start > end ? 0 : (int)Math.min(frame.entriesLength(), end - start);
        return new FrameTable.Reader().wrap(frame.buffer(), start, present);
    }

    private boolean retype(final UnsafeBuffer datagram, final int length, final boolean isMore)
    {
        final PageFrameDecoder frame = framesToCorrupt.get() > 0 ? firstPageFrame(datagram, length) : null;
        if (null == frame)
        {
            return false;
        }
        final FrameTable.Reader pages = entries(frame, length);
        int blockEntries = 0;
        int retypeAt = -1;
        while (pages.hasNext() && pages.next())
        {
            final int encoding = pages.encoding();
            if (PageEncoding.BLOCK.value() == encoding || PageEncoding.BLOCK_DELTA.value() == encoding)
            {
                blockEntries++;
            }
            if (retypeAt < 0 && (isMore ? PageEncoding.BLOCK : PageEncoding.ZERO).value() == encoding)
            {
                retypeAt = pages.entryOffset();
            }
        }
        if (blockEntries < 2 || retypeAt < 0)
        {
            return false;
        }
        // Neither encoding has a payload: the encoding, the header's low 4 bits, is all that changes.
        final int header = datagram.getByte(retypeAt) & ~FrameTable.MAX_ENCODING;
        datagram.putByte(retypeAt, (byte)(header | (isMore ? PageEncoding.ZERO : PageEncoding.BLOCK).value()));
        return true;
    }

    private static boolean moveStreamPosition(final UnsafeBuffer datagram, final int length)
    {
        final long[] previous = new long[1];
        final FrameTable.Reader pages = entryOf(datagram, length, PageEncoding.STREAM, previous);
        if (null == pages)
        {
            return false;
        }
        return rewriteHeader(datagram, pages, previous[0], pages.pageNumber() + 2, PageEncoding.STREAM, Integer.BYTES);
    }

    /**
     * The first entry of an encoding in the page frame a datagram starts, with the page number of the entry before
     * it in {@code previous[0]}; null when there is none.
     */
    private static FrameTable.Reader entryOf(
        final UnsafeBuffer datagram, final int length, final PageEncoding encoding, final long[] previous)
    {
        final PageFrameDecoder frame = firstPageFrame(datagram, length);
        if (null == frame)
        {
            return null;
        }
        final FrameTable.Reader pages = entries(frame, length);
        previous[0] = FrameTable.NO_PAGE;
        while (pages.hasNext() && pages.next())
        {
            if (encoding.value() == pages.encoding())
            {
                return pages;
            }
            previous[0] = pages.pageNumber();
        }
        return null;
    }

    private static boolean damageSimilarList(final UnsafeBuffer datagram, final int length, final int how)
    {
        final long[] previous = new long[1];
        final FrameTable.Reader pages = entryOf(datagram, length, PageEncoding.SIMILAR_PIECES, previous);
        if (null == pages)
        {
            return false;
        }
        final int payloadOffset = pages.payloadOffset();
        final int payloadLength = pages.payloadLength();
        if (0 == how)
        {
            datagram.putByte(payloadOffset, (byte)(datagram.getByte(payloadOffset) ^ 0x01));
        }
        else if (1 == how)
        {
            int at = payloadOffset;
            while (datagram.getByte(at) < 0)
            {
                at++;
            }
            datagram.putByte(at + 1, (byte)0);
            datagram.putInt(pages.crcOffset(), PageChecksum.crc32c(datagram, payloadOffset, payloadLength),
                ByteOrder.LITTLE_ENDIAN);
        }
        else
        {
            // A count one higher, in a header of the same length (the payload's length byte follows the CRC32C).
            return rewriteHeader(datagram, pages, previous[0], pages.pageNumber() + 1, PageEncoding.SIMILAR_PIECES,
                Integer.BYTES + 1);
        }
        return true;
    }

    /**
     * Give an entry another page number, in a header of the same length, or leave it and return false.
     *
     * @param trailing bytes {@link FrameTable#write} puts after the header for an empty payload.
     */
    private static boolean rewriteHeader(
        final UnsafeBuffer datagram,
        final FrameTable.Reader entry,
        final long previous,
        final long pageNumber,
        final PageEncoding encoding,
        final int trailing)
    {
        final UnsafeBuffer header = new UnsafeBuffer(new byte[FrameTable.MAX_ENTRY_OVERHEAD]);
        final int headerLength = FrameTable.write(header, 0, previous, pageNumber, encoding.value(), 0, header, 0, 0) -
            trailing;
        if (headerLength != entry.crcOffset() - entry.entryOffset())
        {
            return false;
        }
        datagram.putBytes(entry.entryOffset(), header, 0, headerLength);
        return true;
    }

    private static boolean corruptFrame(
        final UnsafeBuffer datagram, final int offset, final long targetPage, final int end)
    {
        final MessageHeaderDecoder header = new MessageHeaderDecoder().wrap(datagram, offset);
        if (header.templateId() != PageFrameDecoder.TEMPLATE_ID || header.schemaId() != PageFrameDecoder.SCHEMA_ID)
        {
            return false;
        }
        final PageFrameDecoder frame = new PageFrameDecoder().wrap(datagram,
            offset + MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
        boolean isTargetInBlock = false;
        final FrameTable.Reader pages = entries(frame, end);
        while (pages.hasNext() && pages.next())
        {
            final int payloadOffset = pages.payloadOffset();
            final int payloadLength = pages.payloadLength();
            if (pages.pageNumber() == targetPage && (PageEncoding.BLOCK.value() == pages.encoding() ||
                PageEncoding.BLOCK_DELTA.value() == pages.encoding()))
            {
                isTargetInBlock = true;
            }
            if (payloadLength > 16 && (targetPage < 0 || pages.pageNumber() == targetPage))
            {
                final int target = payloadOffset + payloadLength / 2;
                datagram.putByte(target, (byte)(datagram.getByte(target) ^ 0x10));
                return true;
            }
        }
        // No page payload to damage: damage the frame's block, where its pages are, if it starts in this datagram.
        final int entriesAt = frame.limit() + PageFrameDecoder.entriesHeaderLength();
        final long blockHeaderAt = entriesAt > end ? end : entriesAt + frame.entriesLength();
        final long blockOffset = blockHeaderAt + PageFrameDecoder.blockHeaderLength();
        if ((targetPage < 0 || isTargetInBlock) && blockOffset + 16 < end)
        {
            final int blockLength = datagram.getInt((int)blockHeaderAt, ByteOrder.LITTLE_ENDIAN);
            final int present = (int)Math.min(blockLength, end - blockOffset);
            if (present > 16)
            {
                final int target = (int)blockOffset + present / 2;
                datagram.putByte(target, (byte)(datagram.getByte(target) ^ 0x10));
                return true;
            }
        }
        return false;
    }

    public void close()
    {
        CloseHelper.closeAll(front, back);
    }
}
