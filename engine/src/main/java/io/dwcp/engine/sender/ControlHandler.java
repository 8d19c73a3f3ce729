package io.dwcp.engine.sender;

import io.dwcp.codecs.wire.ErrorFrameDecoder;
import io.dwcp.codecs.wire.HeldPagesDecoder;
import io.dwcp.codecs.wire.HelloAckDecoder;
import io.dwcp.codecs.wire.PageAckDecoder;
import io.dwcp.codecs.wire.PageRequestDecoder;
import io.dwcp.codecs.wire.PathEchoDecoder;
import io.dwcp.codecs.wire.TransferVerdictDecoder;

/**
 * Typed control frames from receivers, as decoded by {@link ControlAdapter}. Decoders are valid only during the call.
 * The session id is the Aeron session of the receiver's control publication that carried the frame.
 */
interface ControlHandler
{
    void onHelloAck(HelloAckDecoder frame, int sessionId);

    void onHeldPages(HeldPagesDecoder frame, int sessionId);

    void onPageAck(PageAckDecoder frame, int sessionId);

    void onPageRequest(PageRequestDecoder frame, int sessionId);

    void onTransferVerdict(TransferVerdictDecoder frame, int sessionId);

    void onErrorFrame(ErrorFrameDecoder frame, int sessionId);

    void onPathEcho(PathEchoDecoder frame, int sessionId);

    /** A frame that is not a control frame this version reads. */
    void onRejectedControlFrame();

    /**
     * The opener of the receiver's frames for a transfer, to open a sealed frame that names its index.
     *
     * @param senderIndex named by the frame.
     * @param channel     named by the frame; only 0 goes to the sender.
     * @return the opener, or null when no transfer has that index or it is not established (counted).
     */
    io.dwcp.engine.security.FrameOpener openerFor(int senderIndex, int channel);

    /**
     * A sealed frame did not open.
     *
     * @param result why, a {@link io.dwcp.engine.security.FrameOpener} code.
     */
    void onSealedRejected(int result);

    /**
     * The frames dispatched next came out of a sealed frame with this index, or 0 for frames in clear.
     *
     * @param senderIndex of the transfer whose key opened them, or 0.
     */
    void sealedIndex(int senderIndex);
}
