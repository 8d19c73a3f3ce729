package io.dwcp.engine.receiver;

import io.dwcp.engine.security.FrameOpener;
import io.dwcp.engine.security.FrameSealer;
import io.dwcp.engine.security.TransferKeys;

import java.util.Arrays;

/**
 * A transfer's security on the receiver: its index, which the sender's sealed frames name; the authenticated
 * peer; the keys, the sealer of the control frames and the openers of the transfer's end and of each stripe; and
 * the handshake's two messages, so that a resent Hello gets the same answer again.
 * <p>
 * Not thread safe: owned by the receiver conductor's thread.
 */
final class ReceiverSession
{
    /** The peer name of transfers opened without authentication. */
    static final String INSECURE_PEER = "(insecure)";

    private final int receiverIndex;
    private final int senderIndex;
    private final String peerName;
    private final byte[] firstMessage;
    private final byte[] secondMessage;
    private final FrameSealer controlSealer;
    private final FrameOpener endOpener;
    private final FrameOpener[] stripeOpeners;

    ReceiverSession(
        final int receiverIndex,
        final int senderIndex,
        final String peerName,
        final byte[] firstMessage,
        final byte[] secondMessage,
        final TransferKeys keys,
        final int stripeCount)
    {
        this.receiverIndex = receiverIndex;
        this.senderIndex = senderIndex;
        this.peerName = peerName;
        this.firstMessage = firstMessage;
        this.secondMessage = secondMessage;
        if (null == keys)
        {
            controlSealer = null;
            endOpener = null;
            stripeOpeners = null;
        }
        else
        {
            controlSealer = keys.sealer(0);
            endOpener = keys.opener(0);
            stripeOpeners = new FrameOpener[stripeCount];
            for (int k = 0; k < stripeCount; k++)
            {
                stripeOpeners[k] = keys.opener(k + 1);
            }
        }
    }

    static ReceiverSession insecure(final int receiverIndex, final int senderIndex)
    {
        return new ReceiverSession(receiverIndex, senderIndex, INSECURE_PEER, null, null, null, 0);
    }

    boolean isSecure()
    {
        return null != controlSealer;
    }

    int receiverIndex()
    {
        return receiverIndex;
    }

    int senderIndex()
    {
        return senderIndex;
    }

    String peerName()
    {
        return peerName;
    }

    /**
     * @param message the handshake of a Hello.
     * @return whether it is this transfer's own, resent.
     */
    boolean isResendOf(final byte[] message)
    {
        return null != firstMessage && Arrays.equals(firstMessage, message);
    }

    /** @return the answer to the Hello's handshake, or null when insecure. */
    byte[] secondMessage()
    {
        return secondMessage;
    }

    /** @return the sealer of control frames to the sender, or null when insecure. */
    FrameSealer controlSealer()
    {
        return controlSealer;
    }

    /** @return the opener of the transfer's end, or null when insecure. */
    FrameOpener endOpener()
    {
        return endOpener;
    }

    /**
     * @param stripe index.
     * @return the opener of the stripe's frames, or null when insecure.
     */
    FrameOpener stripeOpener(final int stripe)
    {
        return null == stripeOpeners ? null : stripeOpeners[stripe];
    }
}
