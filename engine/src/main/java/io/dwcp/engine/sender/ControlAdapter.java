package io.dwcp.engine.sender;

import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.Header;
import io.dwcp.codecs.wire.ErrorFrameDecoder;
import io.dwcp.codecs.wire.HeldPagesDecoder;
import io.dwcp.codecs.wire.HelloAckDecoder;
import io.dwcp.codecs.wire.MessageHeaderDecoder;
import io.dwcp.codecs.wire.PageAckDecoder;
import io.dwcp.codecs.wire.PageRequestDecoder;
import io.dwcp.codecs.wire.PathEchoDecoder;
import io.dwcp.codecs.wire.SealedDecoder;
import io.dwcp.codecs.wire.TransferVerdictDecoder;
import io.dwcp.engine.security.FrameOpener;
import io.dwcp.engine.transport.FrameHeader;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;

/**
 * Decodes control frames from receivers: checks the schema id and version, opens a sealed frame with the key of
 * the transfer it names, switches on the template id and calls the typed handler. Anything else is counted
 * through the handler and skipped.
 * <p>
 * Not thread safe: owned by the sender conductor.
 */
final class ControlAdapter implements FragmentHandler
{
    /** Largest control frame opened: page requests of 1024 pages and texts of 4 KiB fit well. */
    private static final int MAX_CONTROL_FRAME_LENGTH = 64 * 1024;

    private final ControlHandler handler;
    private final UnsafeBuffer view = new UnsafeBuffer(0, 0);
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final HelloAckDecoder helloAckDecoder = new HelloAckDecoder();
    private final PageAckDecoder pageAckDecoder = new PageAckDecoder();
    private final HeldPagesDecoder heldPagesDecoder = new HeldPagesDecoder();
    private final PageRequestDecoder pageRequestDecoder = new PageRequestDecoder();
    private final TransferVerdictDecoder verdictDecoder = new TransferVerdictDecoder();
    private final ErrorFrameDecoder errorFrameDecoder = new ErrorFrameDecoder();
    private final PathEchoDecoder pathEchoDecoder = new PathEchoDecoder();
    private final SealedDecoder sealedDecoder = new SealedDecoder();
    private final UnsafeBuffer plain = new UnsafeBuffer(ByteBuffer.allocateDirect(MAX_CONTROL_FRAME_LENGTH));
    private final UnsafeBuffer plainView = new UnsafeBuffer(0, 0);

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
        if (SealedDecoder.TEMPLATE_ID == templateId)
        {
            onSealed(length, header);
            return;
        }
        dispatch(view, templateId, header);
    }

    private void onSealed(final int length, final Header header)
    {
        final FrameOpener opener;
        final int senderIndex;
        try
        {
            headerDecoder.wrap(view, 0);
            sealedDecoder.wrap(view, MessageHeaderDecoder.ENCODED_LENGTH, headerDecoder.blockLength(),
                headerDecoder.version());
            senderIndex = sealedDecoder.index();
            opener = handler.openerFor(senderIndex, sealedDecoder.channel());
        }
        catch (final RuntimeException ex)
        {
            handler.onRejectedControlFrame();
            return;
        }
        if (null == opener)
        {
            return;
        }
        final int result = opener.open(view, 0, length, plain);
        if (FrameOpener.OPENED != result)
        {
            handler.onSealedRejected(result);
            return;
        }
        final int innerLength = opener.frameLength();
        plainView.wrap(plain, 0, innerLength);
        final int templateId = FrameHeader.check(plainView, 0, innerLength, MessageHeaderDecoder.SCHEMA_ID,
            MessageHeaderDecoder.SCHEMA_VERSION, MessageHeaderDecoder.SCHEMA_VERSION);
        if (templateId < 0 || SealedDecoder.TEMPLATE_ID == templateId || HelloAckDecoder.TEMPLATE_ID == templateId)
        {
            handler.onRejectedControlFrame();
            return;
        }
        handler.sealedIndex(senderIndex);
        try
        {
            dispatch(plainView, templateId, header);
        }
        finally
        {
            handler.sealedIndex(0);
        }
    }

    private void dispatch(final UnsafeBuffer frame, final int templateId, final Header header)
    {
        headerDecoder.wrap(frame, 0);
        final int version = headerDecoder.version();
        final int blockLength = headerDecoder.blockLength();
        final int bodyOffset = MessageHeaderDecoder.ENCODED_LENGTH;
        try
        {
            switch (templateId)
            {
                case HelloAckDecoder.TEMPLATE_ID -> handler.onHelloAck(
                    helloAckDecoder.wrap(frame, bodyOffset, blockLength, version), header.sessionId());
                case HeldPagesDecoder.TEMPLATE_ID -> handler.onHeldPages(
                    heldPagesDecoder.wrap(frame, bodyOffset, blockLength, version), header.sessionId());
                case PageAckDecoder.TEMPLATE_ID -> handler.onPageAck(
                    pageAckDecoder.wrap(frame, bodyOffset, blockLength, version), header.sessionId());
                case PageRequestDecoder.TEMPLATE_ID -> handler.onPageRequest(
                    pageRequestDecoder.wrap(frame, bodyOffset, blockLength, version), header.sessionId());
                case TransferVerdictDecoder.TEMPLATE_ID -> handler.onTransferVerdict(
                    verdictDecoder.wrap(frame, bodyOffset, blockLength, version), header.sessionId());
                case ErrorFrameDecoder.TEMPLATE_ID -> handler.onErrorFrame(
                    errorFrameDecoder.wrap(frame, bodyOffset, blockLength, version), header.sessionId());
                case PathEchoDecoder.TEMPLATE_ID -> handler.onPathEcho(
                    pathEchoDecoder.wrap(frame, bodyOffset, blockLength, version), header.sessionId());
                default -> handler.onRejectedControlFrame();
            }
        }
        catch (final RuntimeException ex)
        {
            handler.onRejectedControlFrame();
        }
    }
}
