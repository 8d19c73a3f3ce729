package io.dwcp.engine.sender;

import io.dwcp.codecs.wire.ErrorFrameDecoder;
import io.dwcp.codecs.wire.HelloAckDecoder;
import io.dwcp.codecs.wire.PageAckDecoder;
import io.dwcp.codecs.wire.PageRequestDecoder;
import io.dwcp.codecs.wire.TransferVerdictDecoder;

/**
 * Typed control frames from receivers, as decoded by {@link ControlAdapter}. Decoders are valid only during the call.
 */
interface ControlHandler
{
    void onHelloAck(HelloAckDecoder frame);

    void onPageAck(PageAckDecoder frame);

    void onPageRequest(PageRequestDecoder frame);

    void onTransferVerdict(TransferVerdictDecoder frame);

    void onErrorFrame(ErrorFrameDecoder frame);

    /** A frame that is not a control frame this version reads. */
    void onRejectedControlFrame();
}
