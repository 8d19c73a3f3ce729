package io.dwcp.engine.sender;

import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.Header;
import io.dwcp.codecs.wire.ErrorFrameDecoder;
import io.dwcp.codecs.wire.HelloAckDecoder;
import io.dwcp.codecs.wire.MessageHeaderDecoder;
import io.dwcp.codecs.wire.PageAckDecoder;
import io.dwcp.codecs.wire.PageRequestDecoder;
import io.dwcp.codecs.wire.TransferVerdictDecoder;
import io.dwcp.engine.transport.FrameHeader;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Decodes control frames from receivers: checks the schema id and version, switches on the template id and calls
 * the typed handler. Anything else is counted through the handler and skipped.
 * <p>
 * Not thread safe: owned by the sender conductor.
 */
final class ControlAdapter implements FragmentHandler
{
    private final ControlHandler handler;
    private final UnsafeBuffer view = new UnsafeBuffer(0, 0);
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final HelloAckDecoder helloAckDecoder = new HelloAckDecoder();
    private final PageAckDecoder pageAckDecoder = new PageAckDecoder();
    private final PageRequestDecoder pageRequestDecoder = new PageRequestDecoder();
    private final TransferVerdictDecoder verdictDecoder = new TransferVerdictDecoder();
    private final ErrorFrameDecoder errorFrameDecoder = new ErrorFrameDecoder();

    ControlAdapter(final ControlHandler handler)
    {
        this.handler = handler;
    }

    @Override
    public void onFragment(final DirectBuffer buffer, final int offset, final int length, final Header header)
    {
        view.wrap(buffer, offset, length);
        final int templateId = FrameHeader.check(
            view, 0, length, MessageHeaderDecoder.SCHEMA_ID, MessageHeaderDecoder.SCHEMA_VERSION,
            MessageHeaderDecoder.SCHEMA_VERSION);
        if (templateId < 0)
        {
            handler.onRejectedControlFrame();
            return;
        }
        headerDecoder.wrap(view, 0);
        final int version = headerDecoder.version();

        final int blockLength = headerDecoder.blockLength();
        final int bodyOffset = MessageHeaderDecoder.ENCODED_LENGTH;
        try
        {
            switch (templateId)
            {
                case HelloAckDecoder.TEMPLATE_ID -> handler.onHelloAck(
                    helloAckDecoder.wrap(view, bodyOffset, blockLength, version), header.sessionId());
                case PageAckDecoder.TEMPLATE_ID -> handler.onPageAck(
                    pageAckDecoder.wrap(view, bodyOffset, blockLength, version), header.sessionId());
                case PageRequestDecoder.TEMPLATE_ID -> handler.onPageRequest(
                    pageRequestDecoder.wrap(view, bodyOffset, blockLength, version), header.sessionId());
                case TransferVerdictDecoder.TEMPLATE_ID -> handler.onTransferVerdict(
                    verdictDecoder.wrap(view, bodyOffset, blockLength, version), header.sessionId());
                case ErrorFrameDecoder.TEMPLATE_ID -> handler.onErrorFrame(
                    errorFrameDecoder.wrap(view, bodyOffset, blockLength, version), header.sessionId());
                default -> handler.onRejectedControlFrame();
            }
        }
        catch (final RuntimeException ex)
        {
            handler.onRejectedControlFrame();
        }
    }
}
