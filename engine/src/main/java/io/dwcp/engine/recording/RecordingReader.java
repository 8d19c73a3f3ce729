package io.dwcp.engine.recording;

import io.dwcp.codec.VarDataBounds;
import io.dwcp.codecs.agent.CancelTransferDecoder;
import io.dwcp.codecs.agent.EndOfRoundDecoder;
import io.dwcp.codecs.agent.EndOfTransferDecoder;
import io.dwcp.codecs.agent.MessageHeaderDecoder;
import io.dwcp.codecs.agent.PageBatchDecoder;
import io.dwcp.codecs.agent.RecordedCommandDecoder;
import io.dwcp.codecs.agent.RecordedPagesDecoder;
import io.dwcp.codecs.agent.RecordingEndedDecoder;
import io.dwcp.codecs.agent.RecordingStartedDecoder;
import io.dwcp.codecs.agent.StartTransferDecoder;
import io.dwcp.engine.config.EngineConfiguration;
import io.dwcp.engine.queue.SbeQueueReader;
import net.openhft.chronicle.queue.ChronicleQueue;
import org.agrona.DirectBuffer;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Reads a recording written by {@link TransferRecorder}, checking every record as it goes: a queue that is not a
 * recording, a record that does not decode, page contents that do not match the commands naming them, and a
 * recording without its end record all stop the read with a {@link RecordingException} saying where.
 * <p>
 * Not thread safe.
 */
public final class RecordingReader
{
    /** Receives the records of a recording in order. */
    public interface Handler
    {
        /**
         * A sender session starts; the settings are its.
         *
         * @param settings as recorded.
         * @throws InterruptedException if waiting is interrupted.
         */
        default void onSessionStarted(final RecordingSummary.Settings settings) throws InterruptedException
        {
        }

        /**
         * Contents of consecutive file pages, recorded just before the page batch that names them.
         *
         * @param transferId    of the transfer.
         * @param round         of the batch.
         * @param firstPage     first page.
         * @param pageCount     pages.
         * @param buffer        holding the contents, page after page; valid only during the call.
         * @param contentOffset of the first page's content.
         * @throws InterruptedException if waiting is interrupted.
         */
        default void onPages(
            final long transferId,
            final int round,
            final long firstPage,
            final int pageCount,
            final DirectBuffer buffer,
            final int contentOffset) throws InterruptedException
        {
        }

        /**
         * A command, as the sender read it.
         *
         * @param offsetNs   when, from the session's start.
         * @param templateId of the command.
         * @param buffer     holding the command, header first; valid only during the call.
         * @param offset     of the command.
         * @param length     of the command.
         * @throws InterruptedException if waiting is interrupted.
         */
        default void onCommand(
            final long offsetNs, final int templateId, final DirectBuffer buffer, final int offset, final int length)
            throws InterruptedException
        {
        }

        /**
         * Should the read stop early?
         *
         * @return true to stop after the current record.
         */
        default boolean isStopped()
        {
            return false;
        }
    }

    private static final int MAX_TEXT_LENGTH = 4096;

    private final Path directory;
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final MessageHeaderDecoder commandHeaderDecoder = new MessageHeaderDecoder();
    private final RecordingStartedDecoder startedDecoder = new RecordingStartedDecoder();
    private final RecordedPagesDecoder pagesDecoder = new RecordedPagesDecoder();
    private final RecordedCommandDecoder commandDecoder = new RecordedCommandDecoder();
    private final RecordingEndedDecoder endedDecoder = new RecordingEndedDecoder();
    private final StartTransferDecoder startTransferDecoder = new StartTransferDecoder();
    private final PageBatchDecoder pageBatchDecoder = new PageBatchDecoder();
    private final EndOfRoundDecoder endOfRoundDecoder = new EndOfRoundDecoder();
    private final EndOfTransferDecoder endOfTransferDecoder = new EndOfTransferDecoder();
    private final CancelTransferDecoder cancelDecoder = new CancelTransferDecoder();
    private final UnsafeBuffer view = new UnsafeBuffer(0, 0);
    private final UnsafeBuffer commandView = new UnsafeBuffer(0, 0);

    private final Long2ObjectHashMap<TransferState> transfersById = new Long2ObjectHashMap<>();
    private final List<TransferState> transfers = new ArrayList<>();
    private RecordingSummary.Settings settings;
    private int sessions;
    private boolean isSessionOpen;
    private long records;
    private long commands;
    private long pages;
    private long contentBytes;
    private long durationNs;
    private long sessionLastOffsetNs;
    private RecordingException failure;

    private static final class TransferState
    {
        private final long transferId;
        private final String vmId;
        private final long fileSize;
        private final int pageSize;
        private final TreeMap<Integer, Long> pagesByRound = new TreeMap<>();
        private long recordedPagesPending;
        private boolean isEnded;
        private boolean isCancelled;
        private final long firstOffsetNs;
        private long lastOffsetNs;

        TransferState(final long transferId, final String vmId, final long fileSize, final int pageSize,
            final long offsetNs)
        {
            this.transferId = transferId;
            this.vmId = vmId;
            this.fileSize = fileSize;
            this.pageSize = pageSize;
            this.firstOffsetNs = offsetNs;
            this.lastOffsetNs = offsetNs;
        }

        long pageCount()
        {
            return fileSize / pageSize;
        }
    }

    private RecordingReader(final Path directory)
    {
        this.directory = directory;
    }

    /**
     * Read and check a whole recording without acting on it.
     *
     * @param directory of the recording queue.
     * @return what it holds.
     * @throws RecordingException if it is missing, foreign, malformed or truncated.
     */
    public static RecordingSummary scan(final Path directory) throws RecordingException
    {
        try
        {
            return read(directory, new Handler()
            {
            });
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new RecordingException("reading " + directory + " was interrupted", ex);
        }
    }

    /**
     * Read a recording, handing each record to a handler once it has been checked.
     *
     * @param directory of the recording queue.
     * @param handler   receives the records.
     * @return what it holds, up to where the handler stopped.
     * @throws RecordingException   if it is missing, foreign, malformed or truncated; records before the fault have
     *                              been handled.
     * @throws InterruptedException if the handler was interrupted.
     */
    public static RecordingSummary read(final Path directory, final Handler handler)
        throws RecordingException, InterruptedException
    {
        checkIsQueue(directory);
        final RecordingReader reader = new RecordingReader(directory);
        try (ChronicleQueue queue = ChronicleQueue.singleBuilder(directory).readOnly(true).build();
            SbeQueueReader excerpts = new SbeQueueReader(queue, null))
        {
            while (!handler.isStopped())
            {
                final int read = excerpts.poll((buffer, offset, length, index) ->
                    reader.onRecord(buffer, offset, length, index, handler), 1);
                if (null != reader.failure)
                {
                    throw reader.failure;
                }
                if (0 == read)
                {
                    break;
                }
            }
        }
        catch (final WrappedInterrupt ex)
        {
            throw ex.cause;
        }
        catch (final RuntimeException ex)
        {
            throw new RecordingException(directory + " cannot be read after " + reader.records + " records: " + ex, ex);
        }
        catch (final InternalError ex)
        {
            // A fault reading the mapped queue file: it is shorter than its own index says.
            throw new RecordingException(directory + " is truncated: its queue file ends inside record " +
                reader.records + " (cut short on disk?)", ex);
        }

        if (!handler.isStopped())
        {
            if (0 == reader.records)
            {
                throw new RecordingException(directory + " is an empty queue, not a DWCP recording");
            }
            if (reader.isSessionOpen)
            {
                throw new RecordingException(directory + " is truncated: it ends after " + reader.records +
                    " records, " + (reader.sessionLastOffsetNs / 1_000_000) + " ms into the recording, without its " +
                    "end record" + reader.describeOpenTransfers() + ". The recording sender may have crashed or " +
                    "still be running.");
            }
        }
        return reader.summary();
    }

    private static void checkIsQueue(final Path directory) throws RecordingException
    {
        if (!Files.isDirectory(directory))
        {
            throw new RecordingException(directory + " does not exist or is not a directory");
        }
        try (Stream<Path> files = Files.list(directory))
        {
            if (files.noneMatch((file) -> file.getFileName().toString().endsWith(".cq4")))
            {
                throw new RecordingException(directory + " holds no Chronicle Queue files (*.cq4): not a recording");
            }
        }
        catch (final IOException ex)
        {
            throw new RecordingException(directory + " cannot be listed: " + ex.getMessage(), ex);
        }
    }

    private static final class WrappedInterrupt extends RuntimeException
    {
        private static final long serialVersionUID = 1L;
        private final transient InterruptedException cause;

        WrappedInterrupt(final InterruptedException cause)
        {
            super(cause);
            this.cause = cause;
        }
    }

    private void onRecord(
        final DirectBuffer buffer, final int offset, final int length, final long index, final Handler handler)
    {
        try
        {
            final long record = records++;
            if (length < MessageHeaderDecoder.ENCODED_LENGTH)
            {
                fail(record, "is " + length + " bytes, too short for a record");
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
                    failure = new RecordingException(directory + " is not a DWCP recording: its first excerpt is " +
                        "schema " + schemaId + " template " + templateId + ", a recording starts with schema " +
                        MessageHeaderDecoder.SCHEMA_ID + " template " + RecordingStartedDecoder.TEMPLATE_ID +
                        " (RecordingStarted). A command or events queue is not a recording: record with " +
                        "dwcp send --record DIR.");
                }
                else
                {
                    fail(record, "is schema " + schemaId + " template " + templateId + ", not a recording record");
                }
                return;
            }
            if (0 == record && templateId != RecordingStartedDecoder.TEMPLATE_ID)
            {
                failure = new RecordingException(directory + " does not start with its RecordingStarted record " +
                    "(it starts with template " + templateId + "): the start of the recording is missing");
                return;
            }

            final int blockLength = headerDecoder.blockLength();
            final int version = headerDecoder.version();
            final int body = MessageHeaderDecoder.ENCODED_LENGTH;
            if (length < body + blockLength)
            {
                fail(record, "is " + length + " bytes, shorter than its block of " + blockLength);
                return;
            }
            switch (templateId)
            {
                case RecordingStartedDecoder.TEMPLATE_ID ->
                    onStarted(record, startedDecoder.wrap(view, body, blockLength, version), handler);
                case RecordedPagesDecoder.TEMPLATE_ID ->
                    onPages(record, pagesDecoder.wrap(view, body, blockLength, version), handler);
                case RecordedCommandDecoder.TEMPLATE_ID ->
                    onCommand(record, commandDecoder.wrap(view, body, blockLength, version), handler);
                default -> onEnded(record, endedDecoder.wrap(view, body, blockLength, version));
            }
        }
        catch (final InterruptedException ex)
        {
            throw new WrappedInterrupt(ex);
        }
        catch (final IndexOutOfBoundsException ex)
        {
            fail(records - 1, "runs past its end: " + ex.getMessage());
        }
    }

    private void onStarted(final long record, final RecordingStartedDecoder started, final Handler handler)
        throws InterruptedException
    {
        if (isSessionOpen)
        {
            fail(record, "starts a new session, but the previous one has no end record: that session was cut short");
            return;
        }
        if (started.formatVersion() != TransferRecorder.FORMAT_VERSION)
        {
            fail(record, "is format version " + started.formatVersion() + "; this dwcp reads version " +
                TransferRecorder.FORMAT_VERSION);
            return;
        }
        final RecordingSummary.Settings sessionSettings = new RecordingSummary.Settings(
            started.compressionLevel(), started.maxFrameLength(), started.maxPagesPerFrame(),
            started.baselineBudgetBytes(), started.baselineMaxDeltaChain(), started.dictionaryBytes(),
            0 != started.hdeEnabled(), 0 != started.baselineCompressed());
        if (null == settings)
        {
            settings = sessionSettings;
        }
        sessions++;
        isSessionOpen = true;
        sessionLastOffsetNs = 0;
        handler.onSessionStarted(sessionSettings);
    }

    private void onPages(final long record, final RecordedPagesDecoder recorded, final Handler handler)
        throws InterruptedException
    {
        final TransferState transfer = transferOf(record, recorded.transferId());
        if (null == transfer)
        {
            return;
        }
        final long firstPage = recorded.firstPage();
        final int count = recorded.pageCount();
        final int contentLength = recorded.contentLength();
        if (count <= 0 || firstPage < 0 || firstPage > transfer.pageCount() - count)
        {
            fail(record, "holds pages " + firstPage + " to " + (firstPage + count - 1) + " of transfer " +
                transfer.transferId + ", whose image has " + transfer.pageCount() + " pages");
            return;
        }
        if ((long)count * transfer.pageSize != contentLength ||
            !VarDataBounds.fits(contentLength, Integer.MAX_VALUE, view, recorded.limit()))
        {
            fail(record, "holds " + contentLength + " bytes of content for " + count + " pages of " +
                transfer.pageSize + " bytes, or runs past its end");
            return;
        }
        transfer.recordedPagesPending += count;
        pages += count;
        contentBytes += contentLength;
        handler.onPages(transfer.transferId, recorded.round(), firstPage, count, view,
            recorded.limit() + RecordedPagesDecoder.contentHeaderLength());
    }

    private void onCommand(final long record, final RecordedCommandDecoder recorded, final Handler handler)
        throws InterruptedException
    {
        if (!isSessionOpen)
        {
            fail(record, "is a command after the session's end record");
            return;
        }
        final long offsetNs = recorded.offsetNs();
        final int length = recorded.commandLength();
        final int commandOffset = recorded.limit() + RecordedCommandDecoder.commandHeaderLength();
        if (offsetNs < 0 || !VarDataBounds.fits(length, Integer.MAX_VALUE, view, recorded.limit()) ||
            length < MessageHeaderDecoder.ENCODED_LENGTH)
        {
            fail(record, "has a command of " + length + " bytes at " + offsetNs + " ns, which does not fit it");
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
            fail(record, "holds a command of schema " + commandHeaderDecoder.schemaId() + " version " + version +
                " that this dwcp does not read");
            return;
        }

        switch (templateId)
        {
            case StartTransferDecoder.TEMPLATE_ID ->
            {
                if (!onStartTransferCommand(record, offsetNs, body, blockLength, version))
                {
                    return;
                }
            }
            case PageBatchDecoder.TEMPLATE_ID ->
            {
                if (!onPageBatchCommand(record, offsetNs, body, blockLength, version))
                {
                    return;
                }
            }
            case EndOfRoundDecoder.TEMPLATE_ID ->
            {
                final EndOfRoundDecoder end = endOfRoundDecoder.wrap(commandView, body, blockLength, version);
                final TransferState transfer = transferOf(record, end.transferId());
                if (null == transfer)
                {
                    return;
                }
                transfer.pagesByRound.putIfAbsent(end.round(), 0L);
                transfer.lastOffsetNs = offsetNs;
            }
            case EndOfTransferDecoder.TEMPLATE_ID ->
            {
                final TransferState transfer = transferOf(
                    record, endOfTransferDecoder.wrap(commandView, body, blockLength, version).transferId());
                if (null == transfer)
                {
                    return;
                }
                transfer.isEnded = true;
                transfer.lastOffsetNs = offsetNs;
            }
            case CancelTransferDecoder.TEMPLATE_ID ->
            {
                final TransferState transfer = transferOf(
                    record, cancelDecoder.wrap(commandView, body, blockLength, version).transferId());
                if (null == transfer)
                {
                    return;
                }
                transfer.isCancelled = true;
                transfer.lastOffsetNs = offsetNs;
            }
            default ->
            {
                fail(record, "holds a command of unknown template " + templateId);
                return;
            }
        }

        commands++;
        sessionLastOffsetNs = Math.max(sessionLastOffsetNs, offsetNs);
        handler.onCommand(offsetNs, templateId, commandView, 0, length);
    }

    private boolean onStartTransferCommand(
        final long record, final long offsetNs, final int body, final int blockLength, final int version)
    {
        final StartTransferDecoder start = startTransferDecoder.wrap(commandView, body, blockLength, version);
        final long transferId = start.transferId();
        final long fileSize = start.fileSize();
        final int pageSize = start.pageSize();
        if (!VarDataBounds.fits(start.vmIdLength(), MAX_TEXT_LENGTH, commandView, start.limit()))
        {
            fail(record, "starts transfer " + transferId + " with an unreadable VM id");
            return false;
        }
        final String vmId = start.vmId();
        if (!EngineConfiguration.isValidPageSize(pageSize) || fileSize <= 0 || 0 != fileSize % pageSize)
        {
            fail(record, "starts transfer " + transferId + " with " + fileSize + " bytes of " + pageSize +
                "-byte pages, which the sender would not have accepted");
            return false;
        }
        if (transfersById.containsKey(transferId))
        {
            fail(record, "starts transfer " + transferId + " a second time");
            return false;
        }
        final TransferState transfer = new TransferState(transferId, vmId, fileSize, pageSize, offsetNs);
        transfersById.put(transferId, transfer);
        transfers.add(transfer);
        return true;
    }

    private boolean onPageBatchCommand(
        final long record, final long offsetNs, final int body, final int blockLength, final int version)
    {
        final PageBatchDecoder batch = pageBatchDecoder.wrap(commandView, body, blockLength, version);
        final TransferState transfer = transferOf(record, batch.transferId());
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
            if (pageNumber < 0 || pageNumber >= transfer.pageCount() || contentLength != transfer.pageSize)
            {
                fail(record, "carries inline page " + pageNumber + " of " + contentLength + " bytes, which " +
                    "does not fit transfer " + transfer.transferId);
                return false;
            }
            inlinePages++;
        }
        if (rangePages != transfer.recordedPagesPending)
        {
            fail(record, "names " + rangePages + " file pages of transfer " + transfer.transferId + " but " +
                transfer.recordedPagesPending + " page contents were recorded before it");
            return false;
        }
        transfer.recordedPagesPending = 0;
        pages += inlinePages;
        contentBytes += inlinePages * transfer.pageSize;
        transfer.pagesByRound.merge(round, rangePages + inlinePages, Long::sum);
        transfer.lastOffsetNs = offsetNs;
        return true;
    }

    private void onEnded(final long record, final RecordingEndedDecoder ended)
    {
        if (!isSessionOpen)
        {
            fail(record, "ends a session that never started");
            return;
        }
        isSessionOpen = false;
        durationNs += Math.max(sessionLastOffsetNs, ended.offsetNs());
    }

    private TransferState transferOf(final long record, final long transferId)
    {
        final TransferState transfer = transfersById.get(transferId);
        if (null == transfer)
        {
            fail(record, "names transfer " + transferId + ", which the recording never started");
        }
        return transfer;
    }

    private void fail(final long record, final String what)
    {
        if (null == failure)
        {
            failure = new RecordingException(directory + " is malformed: record " + record + " " + what);
        }
    }

    private String describeOpenTransfers()
    {
        final StringBuilder text = new StringBuilder();
        for (final TransferState transfer : transfers)
        {
            if (!transfer.isEnded && !transfer.isCancelled)
            {
                text.append(text.isEmpty() ? "; unfinished: " : ", ")
                    .append("transfer ").append(transfer.transferId)
                    .append(transfer.pagesByRound.isEmpty() ? " before any page" :
                        " in round " + transfer.pagesByRound.lastKey());
            }
        }
        return text.toString();
    }

    private RecordingSummary summary()
    {
        final List<RecordingSummary.Transfer> summaries = new ArrayList<>();
        for (final TransferState transfer : transfers)
        {
            summaries.add(new RecordingSummary.Transfer(transfer.transferId, transfer.vmId, transfer.fileSize,
                transfer.pageSize, transfer.pagesByRound, transfer.isEnded, transfer.isCancelled,
                transfer.firstOffsetNs, transfer.lastOffsetNs));
        }
        return new RecordingSummary(sessions, settings, commands, pages, contentBytes,
            durationNs + (isSessionOpen ? sessionLastOffsetNs : 0), List.copyOf(summaries));
    }
}
