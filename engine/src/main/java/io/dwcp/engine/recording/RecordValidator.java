package io.dwcp.engine.recording;

import io.dwcp.codec.VarDataBounds;
import io.dwcp.codecs.agent.MessageHeaderDecoder;
import io.dwcp.codecs.agent.RecordedCommandDecoder;
import io.dwcp.codecs.agent.RecordedPagesDecoder;
import io.dwcp.codecs.agent.RecordingEndedDecoder;
import io.dwcp.codecs.agent.RecordingStartedDecoder;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Checks each excerpt of a recording queue as a record: its header is a recording record's, its body fits, a
 * session starts before anything else and ends once, recorded page contents belong to a started transfer and fit
 * its image; commands go to a {@link RecordedCommandValidator}. A record that passes is tallied and handed to the
 * {@link RecordingReader.Handler}; the first one that does not is the tally's failure, and nothing after it is
 * handed on.
 * <p>
 * Not thread safe: one per read, called from the queue poll on the reading thread.
 */
final class RecordValidator
{
    /** Carries a handler's {@link InterruptedException} out of the queue's poll callback. */
    static final class WrappedInterrupt extends RuntimeException
    {
        private static final long serialVersionUID = 1L;
        private final transient InterruptedException interruption;

        WrappedInterrupt(final InterruptedException interruption)
        {
            super(interruption);
            this.interruption = interruption;
        }

        InterruptedException interruption()
        {
            return interruption;
        }
    }

    private final RecordingTally tally;
    private final RecordedCommandValidator commandValidator;
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final RecordingStartedDecoder startedDecoder = new RecordingStartedDecoder();
    private final RecordedPagesDecoder pagesDecoder = new RecordedPagesDecoder();
    private final RecordedCommandDecoder commandDecoder = new RecordedCommandDecoder();
    private final RecordingEndedDecoder endedDecoder = new RecordingEndedDecoder();
    private final UnsafeBuffer view = new UnsafeBuffer(0, 0);

    /**
     * A validator for one read.
     *
     * @param tally of the read, which it updates.
     */
    RecordValidator(final RecordingTally tally)
    {
        this.tally = tally;
        this.commandValidator = new RecordedCommandValidator(tally);
    }

    /**
     * Check one excerpt and, if it is a good record, hand it to the handler.
     *
     * @param buffer  holding the excerpt.
     * @param offset  of the excerpt.
     * @param length  of the excerpt.
     * @param index   of the excerpt in the queue.
     * @param handler receives the record once checked.
     * @throws WrappedInterrupt if the handler was interrupted.
     */
    void onRecord(
        final DirectBuffer buffer,
        final int offset,
        final int length,
        final long index,
        final RecordingReader.Handler handler)
    {
        try
        {
            final long record = tally.nextRecord();
            if (length < MessageHeaderDecoder.ENCODED_LENGTH)
            {
                tally.fail(record, "is " + length + " bytes, too short for a record");
                return;
            }
            view.wrap(buffer, offset, length);
            headerDecoder.wrap(view, 0);
            final int schemaId = headerDecoder.schemaId();
            final int templateId = headerDecoder.templateId();
            if (schemaId != MessageHeaderDecoder.SCHEMA_ID ||
                templateId < RecordingStartedDecoder.TEMPLATE_ID || templateId > RecordingEndedDecoder.TEMPLATE_ID)
            {
                if (0 == record)
                {
                    tally.fail(new RecordingException(tally.directory() + " is not a DWCP recording: its first " +
                        "excerpt is schema " + schemaId + " template " + templateId + ", a recording starts with " +
                        "schema " + MessageHeaderDecoder.SCHEMA_ID + " template " +
                        RecordingStartedDecoder.TEMPLATE_ID + " (RecordingStarted). A command or events queue is " +
                        "not a recording: record with dwcp send --record DIR."));
                }
                else
                {
                    tally.fail(record, "is schema " + schemaId + " template " + templateId +
                        ", not a recording record");
                }
                return;
            }
            if (0 == record && templateId != RecordingStartedDecoder.TEMPLATE_ID)
            {
                tally.fail(new RecordingException(tally.directory() + " does not start with its RecordingStarted " +
                    "record (it starts with template " + templateId + "): the start of the recording is missing"));
                return;
            }

            final int blockLength = headerDecoder.blockLength();
            final int version = headerDecoder.version();
            final int body = MessageHeaderDecoder.ENCODED_LENGTH;
            if (length < body + blockLength)
            {
                tally.fail(record, "is " + length + " bytes, shorter than its block of " + blockLength);
                return;
            }
            switch (templateId)
            {
                case RecordingStartedDecoder.TEMPLATE_ID ->
                    onStarted(record, startedDecoder.wrap(view, body, blockLength, version), handler);
                case RecordedPagesDecoder.TEMPLATE_ID ->
                    onPages(record, pagesDecoder.wrap(view, body, blockLength, version), handler);
                case RecordedCommandDecoder.TEMPLATE_ID ->
                    commandValidator.onCommand(
                        record, commandDecoder.wrap(view, body, blockLength, version), view, handler);
                default -> onEnded(record, endedDecoder.wrap(view, body, blockLength, version));
            }
        }
        catch (final InterruptedException ex)
        {
            throw new WrappedInterrupt(ex);
        }
        catch (final IndexOutOfBoundsException ex)
        {
            tally.fail(tally.records() - 1, "runs past its end: " + ex.getMessage());
        }
    }

    private void onStarted(
        final long record, final RecordingStartedDecoder started, final RecordingReader.Handler handler)
        throws InterruptedException
    {
        if (tally.isSessionOpen())
        {
            tally.fail(record,
                "starts a new session, but the previous one has no end record: that session was cut short");
            return;
        }
        if (started.formatVersion() != TransferRecorder.FORMAT_VERSION)
        {
            tally.fail(record, "is format version " + started.formatVersion() + "; this dwcp reads version " +
                TransferRecorder.FORMAT_VERSION);
            return;
        }
        final RecordingSummary.Settings sessionSettings = new RecordingSummary.Settings(
            started.compressionLevel(), started.maxFrameLength(), started.maxPagesPerFrame(),
            started.baselineBudgetBytes(), started.baselineMaxDeltaChain(), started.dictionaryBytes(),
            0 != started.hdeEnabled(), 0 != started.baselineCompressed(), started.streams(),
            started.blockPages(), started.duplicateIndexBytes(), started.similarIndexBytes(),
            started.similarWholeLevel(), started.roundStartBytes(), started.streamLevel());
        tally.onSessionStarted(sessionSettings);
        handler.onSessionStarted(sessionSettings);
    }

    private void onPages(
        final long record, final RecordedPagesDecoder recorded, final RecordingReader.Handler handler)
        throws InterruptedException
    {
        final RecordedTransfer transfer = tally.transferOf(record, recorded.transferId());
        if (null == transfer)
        {
            return;
        }
        final long firstPage = recorded.firstPage();
        final int count = recorded.pageCount();
        final int contentLength = recorded.contentLength();
        if (count <= 0 || firstPage < 0 || firstPage > transfer.pageCount() - count)
        {
            tally.fail(record, "holds pages " + firstPage + " to " + (firstPage + count - 1) + " of transfer " +
                transfer.transferId() + ", whose image has " + transfer.pageCount() + " pages");
            return;
        }
        if ((long)count * transfer.pageSize() != contentLength ||
            !VarDataBounds.fits(contentLength, Integer.MAX_VALUE, view, recorded.limit()))
        {
            tally.fail(record, "holds " + contentLength + " bytes of content for " + count + " pages of " +
                transfer.pageSize() + " bytes, or runs past its end");
            return;
        }
        transfer.onPageContents(count);
        tally.onPageContents(count, contentLength);
        handler.onPages(transfer.transferId(), recorded.round(), firstPage, count, view,
            recorded.limit() + RecordedPagesDecoder.contentHeaderLength());
    }

    private void onEnded(final long record, final RecordingEndedDecoder ended)
    {
        if (!tally.isSessionOpen())
        {
            tally.fail(record, "ends a session that never started");
            return;
        }
        tally.onSessionEnded(ended.offsetNs());
    }
}
