package io.dwcp.engine.sender;

import io.dwcp.codecs.agent.FailureReason;
import io.dwcp.engine.security.EngineSecurity;
import io.dwcp.engine.security.FrameOpener;
import io.dwcp.engine.security.FrameSealer;
import io.dwcp.engine.security.InitiatorHandshake;
import io.dwcp.engine.security.TransferKeys;
import io.dwcp.engine.security.TrustedPeers;
import io.dwcp.engine.transport.Channels;

/**
 * A transfer's security on the sender: its index, which the receiver's sealed frames name; the receiver's key and
 * the handshake when the transfer is authenticated; then its keys, the sealer of the transfer's own frames and the
 * opener of the receiver's.
 * <p>
 * Not thread safe: owned by the conductor; the stripes' sealers go to the workers with the start.
 */
final class SenderSession
{
    private final int senderIndex;
    private final byte[] receiverKey;
    private InitiatorHandshake handshake;
    private byte[] hello;
    private TransferKeys keys;
    private FrameSealer controlSealer;
    private FrameOpener controlOpener;

    /**
     * @param senderIndex this side's number for the transfer.
     * @param receiverKey the receiver's static key, or null for an insecure transfer.
     */
    SenderSession(final int senderIndex, final byte[] receiverKey)
    {
        this.senderIndex = senderIndex;
        this.receiverKey = receiverKey;
    }

    int senderIndex()
    {
        return senderIndex;
    }

    boolean isSecure()
    {
        return null != receiverKey;
    }

    byte[] receiverKey()
    {
        return receiverKey;
    }

    InitiatorHandshake handshake()
    {
        return handshake;
    }

    /**
     * The Hello as first encoded, which every resend repeats: its handshake message must not change.
     *
     * @return the bytes, or null before the first Hello.
     */
    byte[] hello()
    {
        return hello;
    }

    /** Make the next Hello a new one, with a new handshake: a receiver that restarted refuses one older than it. */
    void renewHello()
    {
        hello = null;
        handshake = null;
    }

    void hello(final byte[] hello, final InitiatorHandshake handshake)
    {
        this.hello = hello;
        this.handshake = handshake;
    }

    /**
     * The receiver's answer passed: keep the keys.
     *
     * @param keys from the handshake.
     */
    void established(final TransferKeys keys)
    {
        this.keys = keys;
        controlSealer = keys.sealer(0);
        controlOpener = keys.opener(0);
        handshake = null;
    }

    /** @return the sealer of the transfer's own frames, or null when insecure or not yet established. */
    FrameSealer controlSealer()
    {
        return controlSealer;
    }

    /** @return the opener of the receiver's frames, or null when insecure or not yet established. */
    FrameOpener controlOpener()
    {
        return controlOpener;
    }

    /**
     * @param stripe index.
     * @return the stripe's sealer, or null when insecure.
     */
    FrameSealer stripeSealer(final int stripe)
    {
        return null == keys ? null : keys.sealer(stripe + 1);
    }

    /**
     * The session of a new transfer to a receiver: a sender index no open transfer has, and the receiver's public
     * key from the peers file; or, insecure, none, and then only over loopback.
     *
     * @param receiver endpoint of the transfer.
     * @param security this engine's key and trust.
     * @param random   draws the index.
     * @param isTaken  says whether an index is taken.
     * @return the session.
     * @throws TransferRefusal when the receiver cannot be reached securely.
     */
    static SenderSession forReceiver(
        final String receiver,
        final EngineSecurity security,
        final java.util.Random random,
        final java.util.function.IntPredicate isTaken) throws TransferRefusal
    {
        int senderIndex;
        do
        {
            senderIndex = random.nextInt();
        }
        while (0 == senderIndex || isTaken.test(senderIndex));

        if (security.isInsecure())
        {
            if (!Channels.isLoopback(receiver))
            {
                throw new TransferRefusal(FailureReason.UNAUTHENTICATED, "receiver " + receiver +
                    " is not on this host, and an insecure sender sends in clear only over loopback");
            }
            return new SenderSession(senderIndex, null);
        }
        final TrustedPeers.Peer peer = security.peers().forEndpoint(receiver);
        if (null == peer)
        {
            throw new TransferRefusal(FailureReason.UNAUTHENTICATED, "no public key for receiver " + receiver +
                " in the peers file: add '<name> <its public key> " + receiver + "'");
        }
        return new SenderSession(senderIndex, peer.publicKey());
    }
}
