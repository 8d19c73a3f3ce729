package io.dwcp.engine.security;

import io.dwcp.codecs.wire.HelloStatus;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The sender's side of a transfer's handshake: the first message, whose payload is the sender's clock and its
 * re-key interval, and the reading of the receiver's answer, whose payload is the receiver's index for the
 * transfer, whether it accepted and why not.
 * <p>
 * Not thread safe: owned by the sender conductor.
 */
public final class InitiatorHandshake
{
    private final NoiseHandshake handshake;
    private final long rekeyFrames;
    private final byte[] firstMessage;
    private TransferKeys keys;
    private boolean isAccepted;
    private HelloStatus status;
    private String text = "";

    /**
     * Write the first message.
     *
     * @param security    this engine's key.
     * @param receiverKey the receiver's static public key.
     * @param prologue    the Hello up to its handshake field.
     * @param epochMs     this engine's wall clock, which the receiver checks against replays.
     * @param rekeyFrames frames per key epoch on each channel.
     */
    public InitiatorHandshake(
        final EngineSecurity security,
        final byte[] receiverKey,
        final byte[] prologue,
        final long epochMs,
        final long rekeyFrames)
    {
        this.rekeyFrames = rekeyFrames;
        handshake = NoiseHandshake.initiator(security.privateKey(), receiverKey, prologue);
        firstMessage = handshake.writeFirstMessage(
            ByteBuffer.allocate(2 * Long.BYTES).putLong(epochMs).putLong(rekeyFrames).array());
    }

    /**
     * @return the first message, the same bytes for every resend of the Hello.
     */
    public byte[] firstMessage()
    {
        return firstMessage.clone();
    }

    /**
     * Read the receiver's answer.
     *
     * @param secondMessage from the HelloAck.
     * @throws HandshakeException when it fails its authentication or is malformed.
     */
    public void onSecondMessage(final byte[] secondMessage)
    {
        final byte[] payload = handshake.readSecondMessage(secondMessage);
        if (payload.length < Integer.BYTES + 1)
        {
            throw new HandshakeException("the answer's payload is " + payload.length + " bytes");
        }
        final ByteBuffer fields = ByteBuffer.wrap(payload);
        final int receiverIndex = fields.getInt();
        status = HelloStatus.get(fields.get());
        isAccepted = HelloStatus.ACCEPTED == status || HelloStatus.RESUMED == status;
        text = new String(payload, fields.position(), fields.remaining(), StandardCharsets.UTF_8);
        keys = new TransferKeys(handshake.split(), receiverIndex, rekeyFrames);
    }

    /**
     * @return the transfer's keys once the answer is read.
     */
    public TransferKeys keys()
    {
        return keys;
    }

    /**
     * @return whether the receiver accepted the transfer.
     */
    public boolean isAccepted()
    {
        return isAccepted;
    }

    /**
     * @return whether the receiver holds pages of an earlier attempt, which HeldPages frames list.
     */
    public boolean isResumed()
    {
        return HelloStatus.RESUMED == status;
    }

    /**
     * @return the receiver's reason when it refused, as sent: sanitise before showing it.
     */
    public String text()
    {
        return text;
    }
}
