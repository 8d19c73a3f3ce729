package io.dwcp.engine.security;

import io.dwcp.codecs.wire.HelloStatus;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The receiver's side of a transfer's handshake: reads the first message, which authenticates the sender's static
 * key, and writes the answer. Whether the key is trusted and the message fresh is {@link HandshakeGuard}'s.
 * <p>
 * Not thread safe: owned by the receiver conductor.
 */
public final class ResponderHandshake
{
    private static final int FIRST_PAYLOAD_LENGTH = 2 * Long.BYTES;

    private final NoiseHandshake handshake;
    private final long epochMs;
    private final long rekeyFrames;

    /**
     * Read a first message.
     *
     * @param security     this engine's key.
     * @param prologue     the Hello up to its handshake field.
     * @param firstMessage from the Hello.
     * @throws HandshakeException when it fails its authentication or is malformed.
     */
    public ResponderHandshake(final EngineSecurity security, final byte[] prologue, final byte[] firstMessage)
    {
        handshake = NoiseHandshake.responder(security.privateKey(), prologue);
        final byte[] payload = handshake.readFirstMessage(firstMessage);
        if (FIRST_PAYLOAD_LENGTH != payload.length)
        {
            throw new HandshakeException("the Hello's handshake payload is " + payload.length + " bytes, not " +
                FIRST_PAYLOAD_LENGTH);
        }
        final ByteBuffer fields = ByteBuffer.wrap(payload);
        epochMs = fields.getLong();
        rekeyFrames = fields.getLong();
        if (rekeyFrames <= 0)
        {
            throw new HandshakeException("the Hello's re-key interval " + rekeyFrames + " is not positive");
        }
    }

    /**
     * @return the sender's static public key, authenticated by the message.
     */
    public byte[] remoteStatic()
    {
        return handshake.remoteStatic();
    }

    /**
     * @return the sender's wall clock when it wrote the message.
     */
    public long epochMs()
    {
        return epochMs;
    }

    /**
     * Write the answer and derive the keys.
     *
     * @param receiverIndex this side's number for the transfer.
     * @param status        accepted, resumed or refused: authenticated here, a hint in the clear frame.
     * @param text          why not, or empty.
     * @return the second message, and the keys through {@link #keys(int)}.
     */
    public byte[] answer(final int receiverIndex, final HelloStatus status, final String text)
    {
        final byte[] textBytes = text.getBytes(StandardCharsets.UTF_8);
        final byte[] payload = ByteBuffer.allocate(Integer.BYTES + 1 + textBytes.length)
            .putInt(receiverIndex).put((byte)status.value()).put(textBytes).array();
        return handshake.writeSecondMessage(payload);
    }

    /**
     * @param senderIndex the sender's number for the transfer.
     * @return the transfer's keys, after {@link #answer}.
     */
    public TransferKeys keys(final int senderIndex)
    {
        return new TransferKeys(handshake.split(), senderIndex, rekeyFrames);
    }
}
