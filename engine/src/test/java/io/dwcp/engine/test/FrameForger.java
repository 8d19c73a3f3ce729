package io.dwcp.engine.test;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.dwcp.codec.FrameTable;
import io.dwcp.codecs.wire.HelloEncoder;
import io.dwcp.codecs.wire.MessageHeaderEncoder;
import io.dwcp.codec.PageEncoding;
import io.dwcp.codecs.wire.PageFrameEncoder;
import io.dwcp.driver.AeronDirectories;
import io.dwcp.engine.config.EngineConfiguration;
import io.dwcp.engine.runtime.LocalMigration;
import io.dwcp.engine.security.EngineSecurity;
import io.dwcp.engine.security.HelloPrologue;
import io.dwcp.engine.security.InitiatorHandshake;
import io.dwcp.engine.transport.Channels;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A hostile peer: its own media driver, a publication to a receiver's data endpoint (so its frames arrive in a
 * session of their own) and a control subscription, so it can also open a transfer of its own and then misbehave.
 */
public final class FrameForger implements AutoCloseable
{
    private final MediaDriver driver;
    private final Aeron aeron;
    private final ExclusivePublication publication;
    private final Subscription control;
    private final String controlChannel;
    private final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(128 * 1024));

    /** The wire schema version this build speaks. */
    public static final int VERSION = MessageHeaderEncoder.SCHEMA_VERSION;

    /**
     * Connect to a receiver.
     *
     * @param receiverEndpoint host:port of the receiver.
     * @throws IOException if no port is free.
     */
    public FrameForger(final String receiverEndpoint) throws IOException
    {
        driver = MediaDriver.launch(new MediaDriver.Context()
            .aeronDirectoryName(AeronDirectories.forEmbeddedDriver("forger").toString())
            .threadingMode(ThreadingMode.SHARED)
            .dirDeleteOnStart(true)
            .dirDeleteOnShutdown(true));
        aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(driver.aeronDirectoryName()));
        controlChannel = Channels.channelFor("127.0.0.1:" + LocalMigration.freeUdpPort());
        control = aeron.addSubscription(controlChannel, EngineConfiguration.CONTROL_STREAM_ID_DEFAULT);
        publication = aeron.addExclusivePublication(
            Channels.channelFor(receiverEndpoint), EngineConfiguration.DATA_STREAM_ID_DEFAULT);
        Await.until("forger to connect to " + receiverEndpoint, 10_000, publication::isConnected);
    }

    /**
     * Open a transfer of the forger's own, as a sender would.
     *
     * @param transferId of the transfer.
     * @param vmId       names the destination file.
     * @param fileSize   bytes in the image.
     * @param pageSize   bytes per page.
     */
    public void hello(final long transferId, final String vmId, final long fileSize, final int pageSize)
    {
        hello(transferId, vmId, fileSize, pageSize, 1);
    }

    /**
     * Open a transfer of the forger's own over a number of stripes, all of which it sends on its one session.
     *
     * @param transferId  of the transfer.
     * @param vmId        names the destination file.
     * @param fileSize    bytes in the image.
     * @param pageSize    bytes per page.
     * @param stripeCount stripes the Hello declares.
     */
    public void hello(final long transferId, final String vmId, final long fileSize, final int pageSize,
        final int stripeCount)
    {
        final HelloEncoder hello = new HelloEncoder().wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .transferId(transferId).fileSize(fileSize).pageSize(pageSize)
            .replyStreamId(EngineConfiguration.CONTROL_STREAM_ID_DEFAULT).stripeCount(stripeCount).senderIndex(1)
            .vmId(vmId).replyChannel(controlChannel).putHandshake(new byte[0], 0, 0);
        send(buffer, 0, MessageHeaderEncoder.ENCODED_LENGTH + hello.encodedLength());
    }

    /**
     * Send a dictionary frame for a transfer, with whatever CRC the test chooses.
     *
     * @param transferId of the transfer.
     * @param content    the dictionary's bytes.
     * @param crc        claimed CRC32C.
     */
    public void dictionary(final long transferId, final byte[] content, final int crc)
    {
        final io.dwcp.codecs.wire.DictionaryEncoder encoder = new io.dwcp.codecs.wire.DictionaryEncoder()
            .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .transferId(transferId).crc32c(crc).stripe(0).putContent(content, 0, content.length);
        send(buffer, 0, MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength());
    }

    /**
     * Send a Hello whose VM id length field claims nearly 2 GiB.
     *
     * @param transferId of the transfer.
     */
    public void helloWithLyingVmIdLength(final long transferId)
    {
        final HelloEncoder hello = new HelloEncoder().wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .transferId(transferId).fileSize(1 << 20).pageSize(4096)
            .replyStreamId(EngineConfiguration.CONTROL_STREAM_ID_DEFAULT).stripeCount(1).vmId("vm")
            .replyChannel(controlChannel);
        buffer.putInt(MessageHeaderEncoder.ENCODED_LENGTH + HelloEncoder.BLOCK_LENGTH, 0x7FFF_FFF0);
        send(buffer, 0, MessageHeaderEncoder.ENCODED_LENGTH + hello.encodedLength());
    }

    /**
     * Send a frame of one page, with whatever content, CRC and schema version the test chooses.
     *
     * @param transferId    named by the frame.
     * @param pageNumber    named by the frame.
     * @param encoding      named by the frame.
     * @param crc           claimed CRC32C.
     * @param payload       bytes to carry.
     * @param payloadLength bytes of {@code payload} to carry.
     * @param schemaVersion version to put in the header.
     * @return the frame's length, whose last {@code payloadLength} bytes are the payload.
     */
    public int sendPage(
        final long transferId,
        final long pageNumber,
        final PageEncoding encoding,
        final int crc,
        final DirectBuffer payload,
        final int payloadLength,
        final int schemaVersion)
    {
        return sendPage(transferId, 0, 1_000_000, pageNumber, encoding, crc, payload, payloadLength, schemaVersion);
    }

    /**
     * Send a frame of one page on a stripe, with whatever sequence, content, CRC and schema version the test chooses.
     *
     * @param transferId    named by the frame.
     * @param stripe        named by the frame.
     * @param sequence      named by the frame.
     * @param pageNumber    named by the frame.
     * @param encoding      named by the frame.
     * @param crc           claimed CRC32C.
     * @param payload       bytes to carry.
     * @param payloadLength bytes of {@code payload} to carry.
     * @param schemaVersion version to put in the header.
     * @return the frame's length, whose last {@code payloadLength} bytes are the payload.
     */
    public int sendPage(
        final long transferId,
        final int stripe,
        final long sequence,
        final long pageNumber,
        final PageEncoding encoding,
        final int crc,
        final DirectBuffer payload,
        final int payloadLength,
        final int schemaVersion)
    {
        final int length = encodePage(
            transferId, stripe, sequence, pageNumber, encoding, crc, payload, payloadLength, schemaVersion);
        send(buffer, 0, length);
        return length;
    }

    /**
     * Send a frame of one page whose payload length field claims more bytes than the frame holds.
     *
     * @param transferId named by the frame.
     * @param pageNumber named by the frame.
     * @param payload    bytes to carry.
     */
    public void sendPageWithLyingLength(final long transferId, final long pageNumber, final DirectBuffer payload)
    {
        final int payloadLength = 64;
        final MessageHeaderEncoder header = new MessageHeaderEncoder();
        final PageFrameEncoder frame = new PageFrameEncoder().wrapAndApplyHeader(buffer, 0, header)
            .transferId(transferId).round(0).sequence(1_000_000).stripe(0);
        final int lengthAt = frame.limit();
        final int start = lengthAt + PageFrameEncoder.entriesHeaderLength();
        // The entry with an empty payload, whose length, its last byte, then claims a million bytes.
        int at = start + FrameTable.write(buffer, start, FrameTable.NO_PAGE, pageNumber, PageEncoding.RAW.value(), 0,
            payload, 0, 0) - 1;
        at = FrameTable.putVarLong(buffer, at, 1_000_000);
        buffer.putBytes(at, payload, 0, payloadLength);
        at += payloadLength;
        buffer.putInt(lengthAt, at - start, ByteOrder.LITTLE_ENDIAN);
        frame.limit(at);
        frame.putBlock(payload, 0, 0);
        send(buffer, 0, MessageHeaderEncoder.ENCODED_LENGTH + frame.encodedLength());
    }

    /**
     * Put a frame's entries as one entry, after its fixed fields.
     *
     * @param frame         encoder wrapped over the frame, its fixed fields written.
     * @param buffer        the frame's buffer.
     * @param pageNumber    of the entry.
     * @param encoding      of the entry.
     * @param crc           of the entry.
     * @param payload       buffer holding its payload.
     * @param payloadOffset of the payload.
     * @param payloadLength bytes of the payload, 0 for an encoding without one.
     */
    public static void putOneEntry(
        final PageFrameEncoder frame,
        final MutableDirectBuffer buffer,
        final long pageNumber,
        final PageEncoding encoding,
        final int crc,
        final DirectBuffer payload,
        final int payloadOffset,
        final int payloadLength)
    {
        final int lengthAt = frame.limit();
        final int start = lengthAt + PageFrameEncoder.entriesHeaderLength();
        final int length = FrameTable.write(buffer, start, FrameTable.NO_PAGE, pageNumber, encoding.value(), crc,
            payload, payloadOffset, payloadLength);
        buffer.putInt(lengthAt, length, ByteOrder.LITTLE_ENDIAN);
        frame.limit(start + length);
    }

    private int encodePage(
        final long transferId,
        final int stripe,
        final long sequence,
        final long pageNumber,
        final PageEncoding encoding,
        final int crc,
        final DirectBuffer payload,
        final int payloadLength,
        final int schemaVersion)
    {
        final MessageHeaderEncoder header = new MessageHeaderEncoder();
        final PageFrameEncoder frame = new PageFrameEncoder().wrapAndApplyHeader(buffer, 0, header)
            .transferId(transferId).round(0).sequence(sequence).stripe(stripe);
        putOneEntry(frame, buffer, pageNumber, encoding, crc, payload, 0, payloadLength);
        frame.putBlock(payload, 0, 0);
        header.version(schemaVersion);
        return MessageHeaderEncoder.ENCODED_LENGTH + frame.encodedLength();
    }

    /**
     * End one of the forger's transfers, naming each stripe's last frame.
     *
     * @param transferId    of the transfer.
     * @param digest        claimed.
     * @param lastSequences one per stripe.
     */
    public void transferEnd(final long transferId, final long digest, final long... lastSequences)
    {
        final io.dwcp.codecs.wire.TransferEndEncoder end = new io.dwcp.codecs.wire.TransferEndEncoder()
            .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder()).transferId(transferId).digest(digest);
        final io.dwcp.codecs.wire.TransferEndEncoder.StripesEncoder stripes = end.stripesCount(lastSequences.length);
        for (final long lastSequence : lastSequences)
        {
            stripes.next().lastSequence(lastSequence);
        }
        send(buffer, 0, MessageHeaderEncoder.ENCODED_LENGTH + end.encodedLength());
    }

    /**
     * Send any bytes as one frame.
     *
     * @param frame  bytes of the frame.
     */
    public void sendRaw(final byte[] frame)
    {
        final UnsafeBuffer copy = new UnsafeBuffer(ByteBuffer.allocateDirect(frame.length));
        copy.putBytes(0, frame);
        send(copy, 0, frame.length);
    }

    /**
     * A Hello in clear, as an insecure sender would send it, naming a reply channel of the test's choosing.
     *
     * @param transferId   of the transfer.
     * @param vmId         names the destination file.
     * @param fileSize     bytes in the image.
     * @param replyChannel where answers should go.
     */
    public void helloInClear(final long transferId, final String vmId, final long fileSize, final String replyChannel)
    {
        final HelloEncoder hello = new HelloEncoder().wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .transferId(transferId).fileSize(fileSize).pageSize(4096)
            .replyStreamId(EngineConfiguration.CONTROL_STREAM_ID_DEFAULT).stripeCount(1).senderIndex(1)
            .vmId(vmId).replyChannel(replyChannel).putHandshake(new byte[0], 0, 0);
        send(buffer, 0, MessageHeaderEncoder.ENCODED_LENGTH + hello.encodedLength());
    }

    /**
     * A Hello with a Noise IK handshake, as a sender with this key would send it.
     *
     * @param security    the key to authenticate with.
     * @param receiverKey the receiver's static public key.
     * @param transferId  of the transfer.
     * @param vmId        names the destination file.
     * @param fileSize    bytes in the image.
     * @param epochMs     the clock in the handshake.
     * @return the bytes of the Hello, to send again.
     */
    public byte[] authenticatedHello(
        final EngineSecurity security,
        final byte[] receiverKey,
        final long transferId,
        final String vmId,
        final long fileSize,
        final long epochMs)
    {
        return authenticatedHello(security, receiverKey, transferId, vmId, fileSize, epochMs, controlChannel);
    }

    /**
     * A Hello with a Noise IK handshake naming a reply channel of the test's choosing.
     *
     * @param security     the key to authenticate with.
     * @param receiverKey  the receiver's static public key.
     * @param transferId   of the transfer.
     * @param vmId         names the destination file.
     * @param fileSize     bytes in the image.
     * @param epochMs      the clock in the handshake.
     * @param replyChannel where answers should go.
     * @return the bytes of the Hello, to send again.
     */
    public byte[] authenticatedHello(
        final EngineSecurity security,
        final byte[] receiverKey,
        final long transferId,
        final String vmId,
        final long fileSize,
        final long epochMs,
        final String replyChannel)
    {
        final HelloEncoder hello = new HelloEncoder().wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .transferId(transferId).fileSize(fileSize).pageSize(4096)
            .replyStreamId(EngineConfiguration.CONTROL_STREAM_ID_DEFAULT).stripeCount(1).senderIndex(7)
            .vmId(vmId).replyChannel(replyChannel);
        final InitiatorHandshake handshake = new InitiatorHandshake(security, receiverKey,
            HelloPrologue.of(buffer, hello.limit()), epochMs, 1 << 20);
        final byte[] message = handshake.firstMessage();
        hello.putHandshake(message, 0, message.length);
        final byte[] bytes = new byte[hello.limit()];
        buffer.getBytes(0, bytes);
        sendRaw(bytes);
        return bytes;
    }

    /**
     * @return control frames that reached the forger's control channel.
     */
    public int pollControl()
    {
        return control.poll((frame, offset, length, header) -> {}, 64);
    }

    /**
     * @return the forger's Aeron client, for publications and subscriptions of a test's own.
     */
    public Aeron aeron()
    {
        return aeron;
    }

    private void send(final DirectBuffer frame, final int offset, final int length)
    {
        Await.until("forged frame to be accepted by the publication", 10_000, () ->
        {
            control.poll((b, o, l, h) -> {}, 10);
            return publication.offer(frame, offset, length) > 0;
        });
    }

    public void close()
    {
        CloseHelper.closeAll(publication, control, aeron, driver);
    }
}
