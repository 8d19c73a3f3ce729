package io.dwcp.engine.recording;

import io.dwcp.codec.VarDataBounds;
import io.dwcp.codecs.agent.CancelTransferDecoder;
import io.dwcp.codecs.agent.EndOfRoundDecoder;
import io.dwcp.codecs.agent.EndOfTransferDecoder;
import io.dwcp.codecs.agent.MessageHeaderDecoder;
import io.dwcp.codecs.agent.PageBatchDecoder;
import io.dwcp.codecs.agent.RecordedCommandDecoder;
import io.dwcp.codecs.agent.StartTransferDecoder;
import io.dwcp.engine.config.EngineConfiguration;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Checks the command inside a {@code RecordedCommand} record: it comes inside a session, fits its record, is a
 * command of a schema version this dwcp reads, starts a transfer the sender would have accepted, or names a started
 * transfer, and a page batch names exactly the file pages whose contents were recorded before it. A command that
 * passes is tallied, applied to its {@link RecordedTransfer} and handed to the {@link RecordingReader.Handler}.
 * <p>
 * Not thread safe: one per read, called by its {@link RecordValidator}.
 */
final class RecordedCommandValidator
{
    private static final int MAX_TEXT_LENGTH = 4096;

    private final RecordingTally tally;
    private final MessageHeaderDecoder commandHeaderDecoder = new MessageHeaderDecoder();
    private final StartTransferDecoder startTransferDecoder = new StartTransferDecoder();
    private final PageBatchDecoder pageBatchDecoder = new PageBatchDecoder();
    private final EndOfRoundDecoder endOfRoundDecoder = new EndOfRoundDecoder();
    private final EndOfTransferDecoder endOfTransferDecoder = new EndOfTransferDecoder();
    private final CancelTransferDecoder cancelDecoder = new CancelTransferDecoder();
    private final UnsafeBuffer commandView = new UnsafeBuffer(0, 0);

    /**
     * A validator for one read.
     *
     * @param tally of the read, which it updates.
     */
    RecordedCommandValidator(final RecordingTally tally)
    {
        this.tally = tally;
    }

    /**
     * Check a recorded command and, if it is good, hand it to the handler.
     *
     * @param record   index of the record.
     * @param recorded the record, wrapped.
     * @param view     buffer holding the whole record, as {@code recorded} wraps it.
     * @param handler  receives the command once checked.
     * @throws InterruptedException if the handler was interrupted.
     */
    void onCommand(
        final long record,
        final RecordedCommandDecoder recorded,
        final DirectBuffer view,
        final RecordingReader.Handler handler) throws InterruptedException
    {
        if (!tally.isSessionOpen())
        {
            tally.fail(record, "is a command after the session's end record");
            return;
        }
        final long offsetNs = recorded.offsetNs();
        final int length = recorded.commandLength();
        final int commandOffset = recorded.limit() + RecordedCommandDecoder.commandHeaderLength();
        if (offsetNs < 0 || !VarDataBounds.fits(length, Integer.MAX_VALUE, view, recorded.limit()) ||
            length < MessageHeaderDecoder.ENCODED_LENGTH)
        {
            tally.fail(record, "has a command of " + length + " bytes at " + offsetNs + " ns, which does not fit it");
            return;
        }
        commandView.wrap(view, commandOffset, length);
        commandHeaderDecoder.wrap(commandView, 0);
        final int templateId = commandHeaderDecoder.templateId();
        final int blockLength = commandHeaderDecoder.blockLength();
        final int version = commandHeaderDecoder.version();
        final int body = MessageHeaderDecoder.ENCODED_LENGTH;
        if (commandHeaderDecoder.schemaId() != MessageHeaderDecoder.SCHEMA_ID || version < 1 ||
            version > MessageHeaderDecoder.SCHEMA_VERSION || length < body + blockLength)
        {
            tally.fail(record, "holds a command of schema " + commandHeaderDecoder.schemaId() + " version " +
                version + " that this dwcp does not read");
            return;
        }

        final boolean isValid = switch (templateId)
        {
            case StartTransferDecoder.TEMPLATE_ID -> onStartTransfer(record, offsetNs, body, blockLength, version);
            case PageBatchDecoder.TEMPLATE_ID -> onPageBatch(record, offsetNs, body, blockLength, version);
            case EndOfRoundDecoder.TEMPLATE_ID -> onEndOfRound(record, offsetNs, body, blockLength, version);
            case EndOfTransferDecoder.TEMPLATE_ID -> onEndOfTransfer(record, offsetNs, body, blockLength, version);
            case CancelTransferDecoder.TEMPLATE_ID -> onCancel(record, offsetNs, body, blockLength, version);
            default ->
            {
                tally.fail(record, "holds a command of unknown template " + templateId);
                yield false;
            }
        };
        if (!isValid)
        {
            return;
        }

        tally.onCommand(offsetNs);
        handler.onCommand(offsetNs, templateId, commandView, 0, length);
    }

    private boolean onStartTransfer(
        final long record, final long offsetNs, final int body, final int blockLength, final int version)
    {
        final StartTransferDecoder start = startTransferDecoder.wrap(commandView, body, blockLength, version);
        final long transferId = start.transferId();
        final long fileSize = start.fileSize();
        final int pageSize = start.pageSize();
        if (!VarDataBounds.fits(start.vmIdLength(), MAX_TEXT_LENGTH, commandView, start.limit()))
        {
            tally.fail(record, "starts transfer " + transferId + " with an unreadable VM id");
            return false;
        }
        final String vmId = start.vmId();
        if (!EngineConfiguration.isValidPageSize(pageSize) || fileSize <= 0 || 0 != fileSize % pageSize)
        {
            tally.fail(record, "starts transfer " + transferId + " with " + fileSize + " bytes of " + pageSize +
                "-byte pages, which the sender would not have accepted");
            return false;
        }
        if (tally.isStarted(transferId))
        {
            tally.fail(record, "starts transfer " + transferId + " a second time");
            return false;
        }
        tally.onTransferStarted(new RecordedTransfer(transferId, vmId, fileSize, pageSize, offsetNs));
        return true;
    }

    private boolean onPageBatch(
        final long record, final long offsetNs, final int body, final int blockLength, final int version)
    {
        final PageBatchDecoder batch = pageBatchDecoder.wrap(commandView, body, blockLength, version);
        final RecordedTransfer transfer = tally.transferOf(record, batch.transferId());
        if (null == transfer)
        {
            return false;
        }
        final int round = batch.round();
        long rangePages = 0;
        for (final PageBatchDecoder.RangesDecoder range : batch.ranges())
        {
            rangePages += range.pageCount();
        }
        long inlinePages = 0;
        for (final PageBatchDecoder.InlinePagesDecoder inline : batch.inlinePages())
        {
            final long pageNumber = inline.pageNumber();
            final int contentLength = inline.skipContent();
            if (pageNumber < 0 || pageNumber >= transfer.pageCount() || contentLength != transfer.pageSize())
            {
                tally.fail(record, "carries inline page " + pageNumber + " of " + contentLength + " bytes, which " +
                    "does not fit transfer " + transfer.transferId());
                return false;
            }
            inlinePages++;
        }
        if (rangePages != transfer.recordedPagesPending())
        {
            tally.fail(record, "names " + rangePages + " file pages of transfer " + transfer.transferId() + " but " +
                transfer.recordedPagesPending() + " page contents were recorded before it");
            return false;
        }
        tally.onPageContents(inlinePages, inlinePages * transfer.pageSize());
        transfer.onPageBatch(round, rangePages + inlinePages, offsetNs);
        return true;
    }

    private boolean onEndOfRound(
        final long record, final long offsetNs, final int body, final int blockLength, final int version)
    {
        final EndOfRoundDecoder end = endOfRoundDecoder.wrap(commandView, body, blockLength, version);
        final RecordedTransfer transfer = tally.transferOf(record, end.transferId());
        if (null == transfer)
        {
            return false;
        }
        transfer.onEndOfRound(end.round(), offsetNs);
        return true;
    }

    private boolean onEndOfTransfer(
        final long record, final long offsetNs, final int body, final int blockLength, final int version)
    {
        final RecordedTransfer transfer = tally.transferOf(
            record, endOfTransferDecoder.wrap(commandView, body, blockLength, version).transferId());
        if (null == transfer)
        {
            return false;
        }
        transfer.onEnded(offsetNs);
        return true;
    }

    private boolean onCancel(
        final long record, final long offsetNs, final int body, final int blockLength, final int version)
    {
        final RecordedTransfer transfer = tally.transferOf(
            record, cancelDecoder.wrap(commandView, body, blockLength, version).transferId());
        if (null == transfer)
        {
            return false;
        }
        transfer.onCancelled(offsetNs);
        return true;
    }
}
