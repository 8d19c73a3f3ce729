package io.dwcp.engine.recording;

import org.agrona.collections.Long2ObjectHashMap;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What one read of a recording has found so far: its sessions and settings, the counts of records, commands, pages
 * and content bytes, the transfers it started, and the first fault, which stops the read. Becomes the
 * {@link RecordingSummary} at the end.
 * <p>
 * Not thread safe: one per read, on the reading thread.
 */
final class RecordingTally
{
    private final Path directory;
    private final Long2ObjectHashMap<RecordedTransfer> transfersById = new Long2ObjectHashMap<>();
    private final List<RecordedTransfer> transfers = new ArrayList<>();
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

    /**
     * An empty tally.
     *
     * @param directory of the recording, named in every fault.
     */
    RecordingTally(final Path directory)
    {
        this.directory = directory;
    }

    Path directory()
    {
        return directory;
    }

    /**
     * Count a record about to be checked.
     *
     * @return its index, from 0.
     */
    long nextRecord()
    {
        return records++;
    }

    long records()
    {
        return records;
    }

    boolean isSessionOpen()
    {
        return isSessionOpen;
    }

    long sessionLastOffsetNs()
    {
        return sessionLastOffsetNs;
    }

    /**
     * A sender session started; the first session's settings are the recording's.
     *
     * @param sessionSettings as recorded.
     */
    void onSessionStarted(final RecordingSummary.Settings sessionSettings)
    {
        if (null == settings)
        {
            settings = sessionSettings;
        }
        sessions++;
        isSessionOpen = true;
        sessionLastOffsetNs = 0;
    }

    /**
     * The open session's end record.
     *
     * @param endOffsetNs time of the end record, from the session's start.
     */
    void onSessionEnded(final long endOffsetNs)
    {
        isSessionOpen = false;
        durationNs += Math.max(sessionLastOffsetNs, endOffsetNs);
    }

    /**
     * A checked command.
     *
     * @param offsetNs its time, from the session's start.
     */
    void onCommand(final long offsetNs)
    {
        commands++;
        sessionLastOffsetNs = Math.max(sessionLastOffsetNs, offsetNs);
    }

    /**
     * Page contents were recorded, before a batch or inline in one.
     *
     * @param pageCount pages.
     * @param bytes     of content.
     */
    void onPageContents(final long pageCount, final long bytes)
    {
        pages += pageCount;
        contentBytes += bytes;
    }

    /**
     * Has a transfer of this id been started?
     *
     * @param transferId of the transfer.
     * @return true if its start command was read.
     */
    boolean isStarted(final long transferId)
    {
        return transfersById.containsKey(transferId);
    }

    /**
     * A transfer's start command was checked.
     *
     * @param transfer as started; its id is not yet started.
     */
    void onTransferStarted(final RecordedTransfer transfer)
    {
        transfersById.put(transfer.transferId(), transfer);
        transfers.add(transfer);
    }

    /**
     * The transfer a record names, or a fault if the recording never started it.
     *
     * @param record     index of the record.
     * @param transferId named by the record.
     * @return the transfer, or null after recording the fault.
     */
    RecordedTransfer transferOf(final long record, final long transferId)
    {
        final RecordedTransfer transfer = transfersById.get(transferId);
        if (null == transfer)
        {
            fail(record, "names transfer " + transferId + ", which the recording never started");
        }
        return transfer;
    }

    /**
     * Record that a record is malformed, unless an earlier fault was found.
     *
     * @param record index of the record.
     * @param what   is wrong with it, as the end of a sentence.
     */
    void fail(final long record, final String what)
    {
        if (null == failure)
        {
            failure = new RecordingException(directory + " is malformed: record " + record + " " + what);
        }
    }

    /**
     * Record a fault, unless an earlier one was found.
     *
     * @param fault saying what is wrong and where.
     */
    void fail(final RecordingException fault)
    {
        if (null == failure)
        {
            failure = fault;
        }
    }

    /**
     * The first fault found.
     *
     * @return the fault, or null if none.
     */
    RecordingException failure()
    {
        return failure;
    }

    /**
     * The transfers a truncated recording left unfinished, for its message.
     *
     * @return for example {@code "; unfinished: transfer 1 in round 3"}, or empty if none.
     */
    String describeOpenTransfers()
    {
        final StringBuilder text = new StringBuilder();
        for (final RecordedTransfer transfer : transfers)
        {
            if (transfer.isOpen())
            {
                text.append(text.isEmpty() ? "; unfinished: " : ", ").append(transfer.describePosition());
            }
        }
        return text.toString();
    }

    /**
     * What the recording holds, up to where the read stopped.
     *
     * @return the summary.
     */
    RecordingSummary summary()
    {
        final List<RecordingSummary.Transfer> summaries = new ArrayList<>();
        for (final RecordedTransfer transfer : transfers)
        {
            summaries.add(transfer.summary());
        }
        return new RecordingSummary(sessions, settings, commands, pages, contentBytes,
            durationNs + (isSessionOpen ? sessionLastOffsetNs : 0), List.copyOf(summaries));
    }
}
