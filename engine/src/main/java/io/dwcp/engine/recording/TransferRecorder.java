package io.dwcp.engine.recording;

import io.dwcp.codecs.agent.MessageHeaderEncoder;
import io.dwcp.codecs.agent.RecordedCommandEncoder;
import io.dwcp.codecs.agent.RecordedPagesEncoder;
import io.dwcp.codecs.agent.RecordingEndedEncoder;
import io.dwcp.codecs.agent.RecordingStartedEncoder;
import io.dwcp.engine.config.SenderContext;
import io.dwcp.engine.memory.MappedImage;
import io.dwcp.engine.queue.SbeQueueWriter;
import io.dwcp.engine.queue.SbeQueues;
import io.dwcp.engine.status.EngineCounter;
import io.dwcp.engine.status.EngineCounters;
import net.openhft.chronicle.queue.ChronicleQueue;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.file.Path;

/**
 * Records what a sender accepts into a queue of its own, so that the transfer can be replayed without the source
 * file or the agent: each accepted command with its time, and before each page batch the contents of the file
 * pages it names, as the sender read them when it took the batch. Pages carried inline are in the command already.
 * <p>
 * The recording starts with a {@code RecordingStarted} record holding the settings that shape the wire bytes and
 * ends with a {@code RecordingEnded} record written on close: a recording without one was cut short.
 * <p>
 * A failure to write (a full disk, say) stops the recording, counts {@link EngineCounter#RECORDING_FAILURES} and
 * reports the error; the transfers go on.
 * <p>
 * Not thread safe: owned by the sender agent, opened and used on its thread.
 */
public final class TransferRecorder implements AutoCloseable
{
    /** Version of the recording format this class writes and {@link RecordingReader} reads. */
    public static final int FORMAT_VERSION = 7;

    /** Bytes of page content per {@code RecordedPages} record, at most. */
    static final int CONTENT_BYTES_PER_RECORD = 1024 * 1024;

    private final ChronicleQueue queue;
    private final SbeQueueWriter writer;
    private final EngineCounters counters;
    private final ErrorHandler errorHandler;
    private final long startNs;
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final RecordingStartedEncoder startedEncoder = new RecordingStartedEncoder();
    private final RecordedPagesEncoder pagesEncoder = new RecordedPagesEncoder();
    private final RecordedCommandEncoder commandEncoder = new RecordedCommandEncoder();
    private final RecordingEndedEncoder endedEncoder = new RecordingEndedEncoder();
    private long commands;
    private long pages;
    private long lastOffsetNs;
    private boolean isFailed;

    /**
     * Open, or create, the recording queue and write its first record. Call on the sender's thread.
     *
     * @param directory of the recording queue; an existing recording there is appended to.
     * @param context   the sender's concluded settings, recorded so a replay can use the same.
     * @param startNs   the sender's clock now; command times are recorded from it.
     */
    public TransferRecorder(final Path directory, final SenderContext context, final long startNs)
    {
        this.counters = context.counters();
        this.errorHandler = context.errorHandler();
        this.startNs = startNs;
        queue = SbeQueues.open(directory);
        writer = new SbeQueueWriter(queue);

        startedEncoder.wrapAndApplyHeader(writer.buffer(), 0, headerEncoder)
            .formatVersion(FORMAT_VERSION)
            .startedEpochMs(System.currentTimeMillis())
            .compressionLevel(context.compressionLevel())
            .maxFrameLength(context.maxFrameLength())
            .maxPagesPerFrame(context.maxPagesPerFrame())
            .baselineBudgetBytes(context.baselineBudgetBytes())
            .baselineMaxDeltaChain(context.baselineMaxDeltaChain())
            .dictionaryBytes(context.dictionaryBytes())
            .hdeEnabled(context.hdeEnabled() ? 1 : 0)
            .baselineCompressed(context.baselineCompressed() ? 1 : 0)
            .streams(context.streamCountPolicy().streamsFor(0, -1, -1))
            .blockPages(context.blockPages())
            .duplicateIndexBytes(context.duplicateIndexBytes())
            .similarIndexBytes(context.similarIndexBytes())
            .similarWholeLevel(context.similarWholeLevel())
            .roundStartBytes(context.roundStartBytes())
            .streamLevel(context.streamLevel());
        append(MessageHeaderEncoder.ENCODED_LENGTH + startedEncoder.encodedLength());
    }

    /**
     * Record the contents of consecutive pages of a transfer's source file, as they are now.
     *
     * @param transferId of the transfer.
     * @param round      the pages go in.
     * @param source     the mapped source file.
     * @param firstPage  first page to record.
     * @param pageCount  pages to record.
     */
    public void recordPages(
        final long transferId, final int round, final MappedImage source, final long firstPage, final long pageCount)
    {
        final int pageSize = source.pageSize();
        final int pagesPerRecord = Math.max(1, CONTENT_BYTES_PER_RECORD / pageSize);
        long page = firstPage;
        final long end = firstPage + pageCount;
        while (page < end && !isFailed)
        {
            final int count = (int)Math.min(pagesPerRecord, end - page);
            pagesEncoder.wrapAndApplyHeader(writer.buffer(), 0, headerEncoder)
                .transferId(transferId)
                .round(round)
                .firstPage(page)
                .pageCount(count);
            final UnsafeBuffer buffer = writer.buffer();
            final int lengthOffset = MessageHeaderEncoder.ENCODED_LENGTH + pagesEncoder.encodedLength();
            final int contentOffset = lengthOffset + RecordedPagesEncoder.contentHeaderLength();
            for (int i = 0; i < count; i++)
            {
                final long pageNumber = page + i;
                buffer.putBytes(contentOffset + i * pageSize, source.segmentOf(pageNumber),
                    source.offsetOf(pageNumber), pageSize);
            }
            buffer.putInt(lengthOffset, count * pageSize, java.nio.ByteOrder.LITTLE_ENDIAN);
            if (append(contentOffset + count * pageSize))
            {
                pages += count;
                counters.get(EngineCounter.PAGES_RECORDED).getAndAdd(count);
            }
            page += count;
        }
    }

    /**
     * Record a command the sender accepted.
     *
     * @param buffer holding the command, header first.
     * @param offset of the command.
     * @param length of the command.
     * @param nowNs  the sender's clock when it took the command.
     */
    public void recordCommand(final DirectBuffer buffer, final int offset, final int length, final long nowNs)
    {
        if (isFailed)
        {
            return;
        }
        lastOffsetNs = Math.max(0, nowNs - startNs);
        commandEncoder.wrapAndApplyHeader(writer.buffer(), 0, headerEncoder)
            .offsetNs(lastOffsetNs)
            .putCommand(buffer, offset, length);
        if (append(MessageHeaderEncoder.ENCODED_LENGTH + commandEncoder.encodedLength()))
        {
            commands++;
            counters.get(EngineCounter.COMMANDS_RECORDED).increment();
        }
    }

    /**
     * Has writing failed, so that nothing more is recorded?
     *
     * @return true after a failure.
     */
    public boolean isFailed()
    {
        return isFailed;
    }

    private boolean append(final int length)
    {
        if (isFailed)
        {
            return false;
        }
        try
        {
            writer.append(length);
            return true;
        }
        catch (final RuntimeException ex)
        {
            isFailed = true;
            counters.get(EngineCounter.RECORDING_FAILURES).increment();
            errorHandler.onError(new IllegalStateException("recording stopped: " + ex, ex));
            return false;
        }
    }

    /** Write the end record and close the queue. */
    public void close()
    {
        endedEncoder.wrapAndApplyHeader(writer.buffer(), 0, headerEncoder)
            .offsetNs(lastOffsetNs)
            .commands(commands)
            .pages(pages);
        append(MessageHeaderEncoder.ENCODED_LENGTH + endedEncoder.encodedLength());
        CloseHelper.closeAll(writer, queue);
    }
}
