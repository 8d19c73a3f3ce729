package io.dwcp.engine.sender;

import io.dwcp.codec.VarDataBounds;
import io.dwcp.codecs.agent.CancelTransferDecoder;
import io.dwcp.codecs.agent.EndOfRoundDecoder;
import io.dwcp.codecs.agent.EndOfTransferDecoder;
import io.dwcp.codecs.agent.FailureReason;
import io.dwcp.codecs.agent.PageBatchDecoder;
import io.dwcp.codecs.agent.StartTransferDecoder;
import io.dwcp.engine.queue.SbeQueueReader;
import io.dwcp.engine.recording.TransferRecorder;
import io.dwcp.engine.status.EngineCounter;
import io.dwcp.engine.status.EngineCounters;
import net.openhft.chronicle.queue.ChronicleQueue;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.status.AtomicCounter;

import java.io.IOException;

/**
 * The agent's commands, checked and turned into transfer operations for the conductor, and recorded when a
 * recording runs. A command that cannot be taken is rejected with an event and a counter; nothing is thrown into
 * the poll loop.
 * <p>
 * Not thread safe: owned by the conductor.
 */
final class CommandIntake implements CommandHandler, SbeQueueReader.MessageHandler, AutoCloseable
{
    /** Most ranges a page batch may name. */
    static final int MAX_RANGES_PER_BATCH = 65535;
    /** Most messages one command writes to a worker's queue: a range each, an inline page each, and one more. */
    static final int MAX_MESSAGES_PER_COMMAND = 2 * MAX_RANGES_PER_BATCH + 1;

    private static final int MAX_TEXT_LENGTH = 4096;

    private final SenderConductor conductor;
    private final CommandAdapter adapter = new CommandAdapter(this);
    private final AtomicCounter commandsRead;
    private final AtomicCounter commandsRejected;
    private final AtomicCounter transfersFailed;
    private final AtomicCounter errors;
    private final long[] batchRanges = new long[2 * MAX_RANGES_PER_BATCH];
    private final long[] batchInlinePages = new long[MAX_RANGES_PER_BATCH];
    private final int[] batchInlineOffsets = new int[MAX_RANGES_PER_BATCH];
    private TransferRecorder recorder;
    private long commandIndex;
    private boolean isReplaying;

    CommandIntake(final SenderConductor conductor, final EngineCounters counters)
    {
        this.conductor = conductor;
        commandsRead = counters.get(EngineCounter.COMMANDS_READ);
        commandsRejected = counters.get(EngineCounter.COMMANDS_REJECTED);
        transfersFailed = counters.get(EngineCounter.TRANSFERS_FAILED);
        errors = counters.get(EngineCounter.ERRORS);
    }

    void recorder(final TransferRecorder recorder)
    {
        this.recorder = recorder;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void onMessage(final DirectBuffer buffer, final int offset, final int length, final long index)
    {
        commandIndex = index;
        adapter.onMessage(buffer, offset, length, index);
    }

    /**
     * Take one transfer's commands again, read from the queue, to reopen it: nothing is recorded again, and a
     * command refused again is not reported again.
     *
     * @param queue       of commands.
     * @param transferId  to reopen.
     * @param fromIndex   of its StartTransfer.
     * @param beforeIndex where the live reader is.
     * @return commands taken, or -1 when the queue no longer holds them.
     */
    long replay(final ChronicleQueue queue, final long transferId, final long fromIndex, final long beforeIndex)
    {
        isReplaying = true;
        try
        {
            return CommandReplay.replay(queue, fromIndex, beforeIndex, transferId, this);
        }
        finally
        {
            isReplaying = false;
        }
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void onStartTransfer(final StartTransferDecoder command)
    {
        commandsRead.increment();
        final long transferId = command.transferId();
        final long fileSize = command.fileSize();
        final int pageSize = command.pageSize();
        final int level = command.compressionLevel();
        final int streams = command.streams() == StartTransferDecoder.streamsNullValue() ? 0 : command.streams();
        final int bandwidthMbps = command.bandwidthMbps() == StartTransferDecoder.bandwidthMbpsNullValue() ? 0 :
            command.bandwidthMbps();
        if (!VarDataBounds.fits(command.vmIdLength(), MAX_TEXT_LENGTH, command.buffer(), command.limit()))
        {
            refuseTransfer(transferId, FailureReason.MALFORMED_COMMAND, "VM id length is out of bounds");
            return;
        }
        final String vmId = command.vmId();
        if (!VarDataBounds.fits(command.memoryFileLength(), MAX_TEXT_LENGTH, command.buffer(), command.limit()))
        {
            refuseTransfer(transferId, FailureReason.MALFORMED_COMMAND, "memory file length is out of bounds");
            return;
        }
        final String memoryFile = command.memoryFile();
        if (!VarDataBounds.fits(command.receiverLength(), MAX_TEXT_LENGTH, command.buffer(), command.limit()))
        {
            refuseTransfer(transferId, FailureReason.MALFORMED_COMMAND, "receiver length is out of bounds");
            return;
        }
        final String receiver = command.receiver();
        try
        {
            conductor.reopener().opened(
                conductor.open(transferId, vmId, fileSize, pageSize, level, streams, bandwidthMbps, memoryFile,
                    receiver),
                commandIndex, isReplaying);
        }
        catch (final TransferRefusal refusal)
        {
            if (FailureReason.DUPLICATE_TRANSFER == refusal.reason())
            {
                rejectCommand(transferId, refusal.reason(), refusal.getMessage());
            }
            else
            {
                refuseTransfer(transferId, refusal.reason(), refusal.getMessage());
            }
            return;
        }
        record();
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void onPageBatch(final PageBatchDecoder command)
    {
        commandsRead.increment();
        final long transferId = command.transferId();
        final int round = command.round();
        final OutboundTransfer transfer = conductor.transfer(transferId);
        if (null == transfer)
        {
            rejectCommand(transferId, FailureReason.UNKNOWN_TRANSFER,
                "page batch of round " + round + " names unknown transfer " + transferId);
            return;
        }
        if (transfer.isEndRequested())
        {
            refuseBatch(transfer, FailureReason.MALFORMED_COMMAND, "page batch of round " + round +
                " arrived after the end of transfer " + transferId + "; it is not sent");
            return;
        }

        final long pageCount = transfer.pageCount();
        int rangeCount = 0;
        for (final PageBatchDecoder.RangesDecoder range : command.ranges())
        {
            final long firstPage = range.firstPage();
            final long count = range.pageCount();
            if (firstPage < 0 || count <= 0 || firstPage > pageCount - count)
            {
                refuseBatch(transfer, FailureReason.PAGE_OUT_OF_RANGE, "page batch of round " + round +
                    " names pages " + firstPage + " to " + (firstPage + count - 1) + " but the image has " +
                    pageCount + " pages; the whole batch is refused");
                return;
            }
            batchRanges[2 * rangeCount] = firstPage;
            batchRanges[2 * rangeCount + 1] = count;
            rangeCount++;
        }
        if (rangeCount > 0 && !transfer.source().isMapped())
        {
            refuseBatch(transfer, FailureReason.MALFORMED_COMMAND,
                "page batch names file pages but transfer " + transferId + " has no memory file");
            return;
        }

        int inlineCount = 0;
        for (final PageBatchDecoder.InlinePagesDecoder inline : command.inlinePages())
        {
            final long pageNumber = inline.pageNumber();
            final int contentOffset = command.limit() + PageBatchDecoder.InlinePagesDecoder.contentHeaderLength();
            final int contentLength = inline.skipContent();
            if (pageNumber < 0 || pageNumber >= pageCount || contentLength != transfer.pageSize())
            {
                refuseBatch(transfer, FailureReason.PAGE_OUT_OF_RANGE, "inline page " + pageNumber + " of " +
                    contentLength + " bytes does not fit an image of " + pageCount + " pages of " +
                    transfer.pageSize() + " bytes; the whole batch is refused");
                return;
            }
            batchInlinePages[inlineCount] = pageNumber;
            batchInlineOffsets[inlineCount] = contentOffset;
            inlineCount++;
        }

        if (null != recorder && !isReplaying)
        {
            for (int i = 0; i < rangeCount; i++)
            {
                recorder.recordPages(transferId, round, transfer.source().mappedSource(), batchRanges[2 * i],
                    batchRanges[2 * i + 1]);
            }
            record();
        }

        final long nowNs = conductor.nowNs();
        for (int i = 0; i < rangeCount; i++)
        {
            transfer.queueRange(round, batchRanges[2 * i], batchRanges[2 * i + 1], nowNs);
        }
        for (int i = 0; i < inlineCount; i++)
        {
            try
            {
                transfer.source().putInlinePage(batchInlinePages[i], command.buffer(), batchInlineOffsets[i]);
            }
            catch (final IOException ex)
            {
                errors.increment();
                conductor.fail(transfer, FailureReason.INTERNAL_ERROR, "cannot store inline pages: " + ex.getMessage());
                return;
            }
            transfer.queueInline(round, batchInlinePages[i], nowNs);
        }
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void onEndOfRound(final EndOfRoundDecoder command)
    {
        commandsRead.increment();
        final OutboundTransfer transfer = conductor.transfer(command.transferId());
        if (null == transfer)
        {
            rejectCommand(command.transferId(), FailureReason.UNKNOWN_TRANSFER,
                "end of round " + command.round() + " names unknown transfer " + command.transferId());
            return;
        }
        transfer.endRound(command.round());
        record();
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void onEndOfTransfer(final EndOfTransferDecoder command)
    {
        commandsRead.increment();
        final OutboundTransfer transfer = conductor.transfer(command.transferId());
        if (null == transfer)
        {
            rejectCommand(command.transferId(), FailureReason.UNKNOWN_TRANSFER,
                "end of transfer names unknown transfer " + command.transferId());
            return;
        }
        transfer.requestEnd();
        record();
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void onCancel(final CancelTransferDecoder command)
    {
        commandsRead.increment();
        final long transferId = command.transferId();
        final String reason = VarDataBounds.fits(command.reasonLength(), MAX_TEXT_LENGTH, command.buffer(),
            command.limit()) ? command.reason() : "(reason unreadable)";
        final OutboundTransfer transfer = conductor.transfer(transferId);
        if (null == transfer)
        {
            rejectCommand(transferId, FailureReason.UNKNOWN_TRANSFER, "cancel names unknown transfer " + transferId);
            return;
        }
        record();
        conductor.abandon(transfer, reason);
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void onMalformedCommand(final String reason)
    {
        commandsRead.increment();
        rejectCommand(0, FailureReason.MALFORMED_COMMAND, reason);
    }

    private void record()
    {
        if (null != recorder && !isReplaying)
        {
            final DirectBuffer command = adapter.command();
            recorder.recordCommand(command, 0, command.capacity(), conductor.nowNs());
        }
    }

    private void rejectCommand(final long transferId, final FailureReason reason, final String text)
    {
        if (isReplaying)
        {
            return;
        }
        commandsRejected.increment();
        conductor.events().rejected(transferId, reason, text);
    }

    /** A page batch of an open transfer is refused: the agent is told now, and its outcome says so. */
    private void refuseBatch(final OutboundTransfer transfer, final FailureReason reason, final String text)
    {
        transfer.history().batchRefused(text);
        if (!isReplaying)
        {
            conductor.counters().get(EngineCounter.PAGE_BATCHES_REFUSED).increment();
        }
        rejectCommand(transfer.transferId(), reason, text);
    }

    private void refuseTransfer(final long transferId, final FailureReason reason, final String text)
    {
        conductor.reopener().closed(transferId);
        commandsRejected.increment();
        transfersFailed.increment();
        conductor.events().failed(transferId, reason, text);
    }

    /** Close the recording, if one runs. */
    @Override
    public void close()
    {
        CloseHelper.close(recorder);
    }
}
