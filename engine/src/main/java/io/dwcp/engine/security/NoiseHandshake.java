package io.dwcp.engine.security;

import java.util.Arrays;

/**
 * One Noise_IK_25519_AESGCM_SHA256 handshake, as WireGuard runs IK: the initiator knows the responder's static
 * key beforehand, its first message carries its own static key encrypted and authenticates it, and the
 * responder's answer completes the exchange in one round trip.
 * <pre>
 *   IK:
 *     &lt;- s
 *     ...
 *     -&gt; e, es, s, ss
 *     &lt;- e, ee, se
 * </pre>
 * Checked against the published cacophony test vector for this protocol name. Ephemeral keys are new for each
 * handshake, which gives forward secrecy; the transport keys come from {@link #split()}.
 * <p>
 * Not thread safe: one handshake, one thread.
 */
public final class NoiseHandshake
{
    /** The protocol name, which is also the first input of the handshake hash. */
    public static final String PROTOCOL_NAME = "Noise_IK_25519_AESGCM_SHA256";

    private static final int KEY = X25519.KEY_LENGTH;
    private static final int TAG = NoiseSymmetricState.TAG_LENGTH;

    /** Bytes of the first message before its payload: e, and s encrypted with its tag. */
    public static final int FIRST_MESSAGE_OVERHEAD = KEY + KEY + TAG + TAG;
    /** Bytes of the second message before its payload: e, and the payload's tag. */
    public static final int SECOND_MESSAGE_OVERHEAD = KEY + TAG;

    private final boolean isInitiator;
    private final NoiseSymmetricState state;
    private final byte[] staticPrivate;
    private final byte[] staticPublic;
    private final byte[] ephemeralPrivate;
    private final byte[] ephemeralPublic;
    private byte[] remoteStatic;
    private byte[] remoteEphemeral;
    private int step;

    private NoiseHandshake(
        final boolean isInitiator,
        final byte[] staticPrivate,
        final byte[] remoteStatic,
        final byte[] prologue,
        final byte[] ephemeralPrivate)
    {
        this.isInitiator = isInitiator;
        this.staticPrivate = staticPrivate.clone();
        this.staticPublic = X25519.publicKey(staticPrivate);
        this.remoteStatic = null == remoteStatic ? null : remoteStatic.clone();
        this.ephemeralPrivate = ephemeralPrivate.clone();
        this.ephemeralPublic = X25519.publicKey(ephemeralPrivate);
        state = new NoiseSymmetricState(PROTOCOL_NAME);
        state.mixHash(prologue);
        // The pre-message: the responder's static key, which both sides know.
        state.mixHash(isInitiator ? this.remoteStatic : staticPublic);
    }

    /**
     * Start a handshake as the initiator.
     *
     * @param staticPrivate  our static private key.
     * @param remoteStatic   the responder's static public key, known beforehand.
     * @param prologue       data both sides bind into the handshake.
     * @return the handshake, ready for {@link #writeFirstMessage(byte[])}.
     */
    public static NoiseHandshake initiator(final byte[] staticPrivate, final byte[] remoteStatic, final byte[] prologue)
    {
        return new NoiseHandshake(true, staticPrivate, remoteStatic, prologue, X25519.generatePrivateKey());
    }

    /**
     * Start a handshake as the responder.
     *
     * @param staticPrivate our static private key.
     * @param prologue      data both sides bind into the handshake.
     * @return the handshake, ready for {@link #readFirstMessage(byte[])}.
     */
    public static NoiseHandshake responder(final byte[] staticPrivate, final byte[] prologue)
    {
        return new NoiseHandshake(false, staticPrivate, null, prologue, X25519.generatePrivateKey());
    }

    static NoiseHandshake withEphemeral(
        final boolean isInitiator,
        final byte[] staticPrivate,
        final byte[] remoteStatic,
        final byte[] prologue,
        final byte[] ephemeralPrivate)
    {
        return new NoiseHandshake(isInitiator, staticPrivate, remoteStatic, prologue, ephemeralPrivate);
    }

    /**
     * Initiator: -&gt; e, es, s, ss, then the payload.
     *
     * @param payload to send encrypted.
     * @return the message.
     */
    public byte[] writeFirstMessage(final byte[] payload)
    {
        expect(true, 0);
        state.mixHash(ephemeralPublic);
        state.mixKey(X25519.dh(ephemeralPrivate, remoteStatic));
        final byte[] encryptedStatic = state.encryptAndHash(staticPublic);
        state.mixKey(X25519.dh(staticPrivate, remoteStatic));
        final byte[] encryptedPayload = state.encryptAndHash(payload);
        step = 1;
        return concat(ephemeralPublic, encryptedStatic, encryptedPayload);
    }

    /**
     * Responder: read -&gt; e, es, s, ss and the payload. The initiator's static key is then {@link #remoteStatic()},
     * authenticated by the message; whether it is trusted is the caller's decision.
     *
     * @param message received.
     * @return the payload.
     * @throws HandshakeException when the message is short or fails its authentication.
     */
    public byte[] readFirstMessage(final byte[] message)
    {
        expect(false, 0);
        if (message.length < FIRST_MESSAGE_OVERHEAD)
        {
            throw new HandshakeException("first handshake message of " + message.length + " bytes; at least " +
                FIRST_MESSAGE_OVERHEAD + " expected");
        }
        step = -1;
        remoteEphemeral = Arrays.copyOfRange(message, 0, KEY);
        state.mixHash(remoteEphemeral);
        state.mixKey(dh(staticPrivate, remoteEphemeral));
        remoteStatic = state.decryptAndHash(Arrays.copyOfRange(message, KEY, KEY + KEY + TAG));
        state.mixKey(dh(staticPrivate, remoteStatic));
        final byte[] payload = state.decryptAndHash(Arrays.copyOfRange(message, KEY + KEY + TAG, message.length));
        step = 1;
        return payload;
    }

    /**
     * Responder: &lt;- e, ee, se, then the payload.
     *
     * @param payload to send encrypted.
     * @return the message.
     */
    public byte[] writeSecondMessage(final byte[] payload)
    {
        expect(false, 1);
        state.mixHash(ephemeralPublic);
        state.mixKey(X25519.dh(ephemeralPrivate, remoteEphemeral));
        state.mixKey(X25519.dh(ephemeralPrivate, remoteStatic));
        final byte[] encryptedPayload = state.encryptAndHash(payload);
        step = 2;
        return concat(ephemeralPublic, encryptedPayload);
    }

    /**
     * Initiator: read &lt;- e, ee, se and the payload, which proves the responder holds its static key.
     *
     * @param message received.
     * @return the payload.
     * @throws HandshakeException when the message is short or fails its authentication.
     */
    public byte[] readSecondMessage(final byte[] message)
    {
        expect(true, 1);
        if (message.length < SECOND_MESSAGE_OVERHEAD)
        {
            throw new HandshakeException("second handshake message of " + message.length + " bytes; at least " +
                SECOND_MESSAGE_OVERHEAD + " expected");
        }
        // On a copy: a forged answer must leave the handshake able to read the real one.
        final NoiseSymmetricState trial = new NoiseSymmetricState(state);
        final byte[] ephemeral = Arrays.copyOfRange(message, 0, KEY);
        trial.mixHash(ephemeral);
        trial.mixKey(dh(ephemeralPrivate, ephemeral));
        trial.mixKey(dh(staticPrivate, ephemeral));
        final byte[] payload = trial.decryptAndHash(Arrays.copyOfRange(message, KEY, message.length));
        state.assign(trial);
        remoteEphemeral = ephemeral;
        step = 2;
        return payload;
    }

    /**
     * The transport keys once both messages have passed: this side's sending key first, then its receiving key.
     *
     * @return two 32-byte keys.
     */
    public byte[][] split()
    {
        if (2 != step)
        {
            throw new IllegalStateException("the handshake is not complete");
        }
        final byte[][] keys = state.split();
        return isInitiator ? keys : new byte[][]{keys[1], keys[0]};
    }

    /**
     * @return the peer's static public key: the initiator's once its first message is read, else the responder's.
     */
    public byte[] remoteStatic()
    {
        return null == remoteStatic ? null : remoteStatic.clone();
    }

    /**
     * @return the handshake hash, which names the session.
     */
    public byte[] handshakeHash()
    {
        return state.handshakeHash();
    }

    private void expect(final boolean initiator, final int expectedStep)
    {
        if (isInitiator != initiator || step != expectedStep)
        {
            throw new IllegalStateException("handshake message out of order: step " + step + " as " +
                (isInitiator ? "initiator" : "responder"));
        }
    }

    private static byte[] dh(final byte[] privateKey, final byte[] publicKey)
    {
        try
        {
            return X25519.dh(privateKey, publicKey);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new HandshakeException(ex.getMessage(), ex);
        }
    }

    private static byte[] concat(final byte[]... parts)
    {
        int length = 0;
        for (final byte[] part : parts)
        {
            length += part.length;
        }
        final byte[] result = new byte[length];
        int offset = 0;
        for (final byte[] part : parts)
        {
            System.arraycopy(part, 0, result, offset, part.length);
            offset += part.length;
        }
        return result;
    }
}
