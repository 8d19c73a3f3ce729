package io.dwcp.engine.queue;

import io.dwcp.codecs.agent.CancelTransferEncoder;
import io.dwcp.codecs.agent.EndOfRoundEncoder;
import io.dwcp.codecs.agent.EndOfTransferEncoder;
import io.dwcp.codecs.agent.MessageHeaderEncoder;
import io.dwcp.codecs.agent.PageBatchEncoder;
import io.dwcp.codecs.agent.StartTransferEncoder;
import net.openhft.chronicle.queue.ChronicleQueue;
import org.agrona.DirectBuffer;

/**
 * The agent's side of the command queue: encodes commands and appends them for a sender engine.
 * <p>
 * Not thread safe: use from one thread.
 */
public final class CommandPublisher implements AutoCloseable
{
    /** Most ranges in one page batch excerpt; longer lists go in several. */
    private static final int MAX_RANGES_PER_BATCH = 4096;

    private final SbeQueueWriter writer;
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final StartTransferEncoder startTransferEncoder = new StartTransferEncoder();
    private final PageBatchEncoder pageBatchEncoder = new PageBatchEncoder();
    private final EndOfRoundEncoder endOfRoundEncoder = new EndOfRoundEncoder();
    private final EndOfTransferEncoder endOfTransferEncoder = new EndOfTransferEncoder();
    private final CancelTransferEncoder cancelEncoder = new CancelTransferEncoder();
    private final long[] rangeFirstPages = new long[MAX_RANGES_PER_BATCH];
    private final int[] rangeCounts = new int[MAX_RANGES_PER_BATCH];

    /**
     * Create a publisher on a command queue.
     *
     * @param queue the sender's command queue.
     */
    public CommandPublisher(final ChronicleQueue queue)
    {
        writer = new SbeQueueWriter(queue);
    }

    /**
     * Open a transfer.
     *
     * @param transferId       unique id chosen by the agent.
     * @param vmId             the VM's name, used to name the destination file.
     * @param memoryFile       source file path, or "" when every page travels inline.
     * @param fileSize         bytes in the image.
     * @param pageSize         bytes per page.
     * @param compressionLevel zstd level, or 0 for the engine default.
     * @param receiver         host:port of the receiver, or aeron:ipc.
     * @return index of the command in the queue.
     */
    public long startTransfer(
        final long transferId,
        final String vmId,
        final String memoryFile,
        final long fileSize,
        final int pageSize,
        final int compressionLevel,
        final String receiver)
    {
        return startTransfer(transferId, vmId, memoryFile, fileSize, pageSize, compressionLevel, 0, receiver);
    }

    /**
     * Open a transfer over a chosen number of stripes.
     *
     * @param transferId       unique id of the transfer.
     * @param vmId             names the destination file at the receiver.
     * @param memoryFile       source file, or empty when every page travels inline.
     * @param fileSize         bytes in the image, a whole number of pages.
     * @param pageSize         bytes per page.
     * @param compressionLevel zstd level, or 0 for the engine default.
     * @param streams          stripes (Aeron streams) from 1 to 256, or 0 to let the engine choose.
     * @param receiver         host:port of the receiver, or aeron:ipc.
     * @return index of the command in the queue.
     */
    public long startTransfer(
        final long transferId,
        final String vmId,
        final String memoryFile,
        final long fileSize,
        final int pageSize,
        final int compressionLevel,
        final int streams,
        final String receiver)
    {
        return startTransfer(transferId, vmId, memoryFile, fileSize, pageSize, compressionLevel, streams, 0, receiver);
    }

    /**
     * Open a transfer over a chosen number of stripes, with a bandwidth reservation on its link.
     *
     * @param transferId       unique id of the transfer.
     * @param vmId             names the destination file at the receiver.
     * @param memoryFile       source file, or empty when every page travels inline.
     * @param fileSize         bytes in the image, a whole number of pages.
     * @param pageSize         bytes per page.
     * @param compressionLevel zstd level, or 0 for the engine default.
     * @param streams          stripes (Aeron streams) from 1 to 256, or 0 to let the engine choose.
     * @param bandwidthMbps    to reserve on the link, or 0 for the engine's default reservation.
     * @param receiver         host:port of the receiver, or aeron:ipc.
     * @return index of the command in the queue.
     */
    public long startTransfer(
        final long transferId,
        final String vmId,
        final String memoryFile,
        final long fileSize,
        final int pageSize,
        final int compressionLevel,
        final int streams,
        final int bandwidthMbps,
        final String receiver)
    {
        startTransferEncoder.wrapAndApplyHeader(writer.buffer(), 0, headerEncoder)
            .transferId(transferId)
            .fileSize(fileSize)
            .pageSize(pageSize)
            .compressionLevel(compressionLevel)
            .streams(streams)
            .bandwidthMbps(bandwidthMbps)
            .vmId(vmId)
            .memoryFile(memoryFile)
            .receiver(receiver);
        return writer.append(MessageHeaderEncoder.ENCODED_LENGTH + startTransferEncoder.encodedLength());
    }

    /**
     * Send a range of pages of the mapped file in a round.
     *
     * @param transferId of the transfer.
     * @param round      the round, 0 for the first full copy.
     * @param firstPage  first page of the range.
     * @param pageCount  pages in the range.
     * @return index of the command in the queue.
     */
    public long pageRange(final long transferId, final int round, final long firstPage, final int pageCount)
    {
        pageBatchEncoder.wrapAndApplyHeader(writer.buffer(), 0, headerEncoder)
            .transferId(transferId)
            .round(round)
            .rangesCount(1).next().firstPage(firstPage).pageCount(pageCount);
        pageBatchEncoder.inlinePagesCount(0);
        return writer.append(MessageHeaderEncoder.ENCODED_LENGTH + pageBatchEncoder.encodedLength());
    }

    /**
     * Send a list of pages of the mapped file in a round, as runs of consecutive pages.
     *
     * @param transferId  of the transfer.
     * @param round       the round.
     * @param pageNumbers sorted page numbers.
     * @param count       how many of {@code pageNumbers} to send.
     * @return index of the last command appended.
     */
    public long pages(final long transferId, final int round, final long[] pageNumbers, final int count)
    {
        long index = -1;
        int i = 0;
        while (i < count)
        {
            int ranges = 0;
            while (i < count && ranges < MAX_RANGES_PER_BATCH)
            {
                int run = 1;
                while (i + run < count && pageNumbers[i + run] == pageNumbers[i] + run)
                {
                    run++;
                }
                rangeFirstPages[ranges] = pageNumbers[i];
                rangeCounts[ranges] = run;
                ranges++;
                i += run;
            }

            final PageBatchEncoder.RangesEncoder rangesEncoder = pageBatchEncoder
                .wrapAndApplyHeader(writer.buffer(), 0, headerEncoder)
                .transferId(transferId)
                .round(round)
                .rangesCount(ranges);
            for (int r = 0; r < ranges; r++)
            {
                rangesEncoder.next().firstPage(rangeFirstPages[r]).pageCount(rangeCounts[r]);
            }
            pageBatchEncoder.inlinePagesCount(0);
            index = writer.append(MessageHeaderEncoder.ENCODED_LENGTH + pageBatchEncoder.encodedLength());
        }
        return index;
    }

    /**
     * Send one page whose content travels in the command.
     *
     * @param transferId of the transfer.
     * @param round      the round.
     * @param pageNumber of the page.
     * @param content    the page's bytes.
     * @param offset     of the page in {@code content}.
     * @param length     one page.
     * @return index of the command in the queue.
     */
    public long inlinePage(
        final long transferId,
        final int round,
        final long pageNumber,
        final DirectBuffer content,
        final int offset,
        final int length)
    {
        pageBatchEncoder.wrapAndApplyHeader(writer.buffer(), 0, headerEncoder)
            .transferId(transferId)
            .round(round)
            .rangesCount(0);
        pageBatchEncoder.inlinePagesCount(1).next().pageNumber(pageNumber).putContent(content, offset, length);
        return writer.append(MessageHeaderEncoder.ENCODED_LENGTH + pageBatchEncoder.encodedLength());
    }

    /**
     * Mark the end of a round.
     *
     * @param transferId of the transfer.
     * @param round      that ended.
     * @return index of the command in the queue.
     */
    public long endOfRound(final long transferId, final int round)
    {
        endOfRoundEncoder.wrapAndApplyHeader(writer.buffer(), 0, headerEncoder).transferId(transferId).round(round);
        return writer.append(MessageHeaderEncoder.ENCODED_LENGTH + endOfRoundEncoder.encodedLength());
    }

    /**
     * Finish a transfer: once every page is applied, the engines compare digests.
     *
     * @param transferId of the transfer.
     * @return index of the command in the queue.
     */
    public long endOfTransfer(final long transferId)
    {
        endOfTransferEncoder.wrapAndApplyHeader(writer.buffer(), 0, headerEncoder).transferId(transferId);
        return writer.append(MessageHeaderEncoder.ENCODED_LENGTH + endOfTransferEncoder.encodedLength());
    }

    /**
     * Abandon a transfer.
     *
     * @param transferId of the transfer.
     * @param reason     why, for the events queue.
     * @return index of the command in the queue.
     */
    public long cancel(final long transferId, final String reason)
    {
        cancelEncoder.wrapAndApplyHeader(writer.buffer(), 0, headerEncoder).transferId(transferId).reason(reason);
        return writer.append(MessageHeaderEncoder.ENCODED_LENGTH + cancelEncoder.encodedLength());
    }

    /**
     * Append bytes as they are, for tests and replays of raw excerpts.
     *
     * @param message bytes of an excerpt.
     * @param offset  of the bytes.
     * @param length  of the bytes.
     * @return index of the excerpt in the queue.
     */
    public long appendRaw(final DirectBuffer message, final int offset, final int length)
    {
        writer.buffer().putBytes(0, message, offset, length);
        return writer.append(length);
    }

    /** Release the appender. */
    public void close()
    {
        writer.close();
    }
}
