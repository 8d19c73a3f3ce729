package io.dwcp.engine.sender;

import io.dwcp.codecs.agent.CancelTransferDecoder;
import io.dwcp.codecs.agent.EndOfRoundDecoder;
import io.dwcp.codecs.agent.EndOfTransferDecoder;
import io.dwcp.codecs.agent.MessageHeaderDecoder;
import io.dwcp.codecs.agent.PageBatchDecoder;
import io.dwcp.codecs.agent.StartTransferDecoder;
import io.dwcp.engine.queue.SbeQueueReader;
import io.dwcp.engine.transport.FrameHeader;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Decodes command excerpts: checks the schema id and version, switches on the template id and calls the typed
 * handler. Anything else is reported as malformed; nothing is thrown into the poll loop.
 * <p>
 * Not thread safe: owned by the sender conductor.
 */
final class CommandAdapter implements SbeQueueReader.MessageHandler
{
    private final CommandHandler handler;
    private final UnsafeBuffer view = new UnsafeBuffer(0, 0);
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final StartTransferDecoder startTransferDecoder = new StartTransferDecoder();
    private final PageBatchDecoder pageBatchDecoder = new PageBatchDecoder();
    private final EndOfRoundDecoder endOfRoundDecoder = new EndOfRoundDecoder();
    private final EndOfTransferDecoder endOfTransferDecoder = new EndOfTransferDecoder();
    private final CancelTransferDecoder cancelDecoder = new CancelTransferDecoder();

    CommandAdapter(final CommandHandler handler)
    {
        this.handler = handler;
    }

    /**
     * The command being handled, header first: valid only while its handler runs.
     *
     * @return a view of exactly the command's bytes.
     */
    DirectBuffer command()
    {
        return view;
    }

    @Override
    public void onMessage(final DirectBuffer buffer, final int offset, final int length, final long index)
    {
        // A view bounded to the excerpt makes any read past its end throw instead of reading stale bytes.
        view.wrap(buffer, offset, length);
        final int check = FrameHeader.check(
            view, 0, length, MessageHeaderDecoder.SCHEMA_ID, 1, MessageHeaderDecoder.SCHEMA_VERSION);
        if (check < 0)
        {
            handler.onMalformedCommand("excerpt at index " + index + " " + FrameHeader.describe(
                check, view, 0, MessageHeaderDecoder.SCHEMA_ID, MessageHeaderDecoder.SCHEMA_VERSION));
            return;
        }
        headerDecoder.wrap(view, 0);
        final int version = headerDecoder.version();

        final int blockLength = headerDecoder.blockLength();
        final int templateId = headerDecoder.templateId();
        final int bodyOffset = MessageHeaderDecoder.ENCODED_LENGTH;
        try
        {
            switch (templateId)
            {
                case StartTransferDecoder.TEMPLATE_ID ->
                    handler.onStartTransfer(startTransferDecoder.wrap(view, bodyOffset, blockLength, version));
                case PageBatchDecoder.TEMPLATE_ID ->
                    handler.onPageBatch(pageBatchDecoder.wrap(view, bodyOffset, blockLength, version));
                case EndOfRoundDecoder.TEMPLATE_ID ->
                    handler.onEndOfRound(endOfRoundDecoder.wrap(view, bodyOffset, blockLength, version));
                case EndOfTransferDecoder.TEMPLATE_ID ->
                    handler.onEndOfTransfer(endOfTransferDecoder.wrap(view, bodyOffset, blockLength, version));
                case CancelTransferDecoder.TEMPLATE_ID ->
                    handler.onCancel(cancelDecoder.wrap(view, bodyOffset, blockLength, version));
                default -> handler.onMalformedCommand(
                    "excerpt at index " + index + " has unknown template " + templateId);
            }
        }
        catch (final RuntimeException ex)
        {
            handler.onMalformedCommand("excerpt at index " + index + " (template " + templateId +
                ") is malformed: " + ex);
        }
    }
}
