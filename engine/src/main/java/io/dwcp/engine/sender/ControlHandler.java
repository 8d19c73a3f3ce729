package io.dwcp.engine.sender;

import io.dwcp.codecs.wire.ErrorFrameDecoder;
import io.dwcp.codecs.wire.HelloAckDecoder;
import io.dwcp.codecs.wire.PageAckDecoder;
import io.dwcp.codecs.wire.PageRequestDecoder;
import io.dwcp.codecs.wire.TransferVerdictDecoder;

/**
 * Typed control frames from receivers, as decoded by {@link ControlAdapter}. Decoders are valid only during the call.
 * The session id is the Aeron session of the receiver's control publication that carried the frame.
 */
interface ControlHandler
{
    void onHelloAck(HelloAckDecoder frame, int sessionId);

    void onPageAck(PageAckDecoder frame, int sessionId);

    void onPageRequest(PageRequestDecoder frame, int sessionId);

    void onTransferVerdict(TransferVerdictDecoder frame, int sessionId);

    void onErrorFrame(ErrorFrameDecoder frame, int sessionId);

    /** A frame that is not a control frame this version reads. */
    void onRejectedControlFrame();
}
