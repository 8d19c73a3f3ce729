package io.dwcp.engine.recording;

import java.util.TreeMap;

/**
 * One transfer as a recording is read: its geometry from its start command, the pages of each round, the page
 * contents recorded ahead of the page batch that will name them, and whether it ended or was cancelled.
 * <p>
 * Not thread safe: owned by the {@link RecordingTally} of one read.
 */
final class RecordedTransfer
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

    /**
     * A transfer whose start command has just been checked.
     *
     * @param transferId of the transfer.
     * @param vmId       its VM.
     * @param fileSize   bytes in the image.
     * @param pageSize   bytes per page.
     * @param offsetNs   time of the start command.
     */
    RecordedTransfer(
        final long transferId, final String vmId, final long fileSize, final int pageSize, final long offsetNs)
    {
        this.transferId = transferId;
        this.vmId = vmId;
        this.fileSize = fileSize;
        this.pageSize = pageSize;
        this.firstOffsetNs = offsetNs;
        this.lastOffsetNs = offsetNs;
    }

    long transferId()
    {
        return transferId;
    }

    int pageSize()
    {
        return pageSize;
    }

    long pageCount()
    {
        return fileSize / pageSize;
    }

    /**
     * Page contents recorded since the last page batch, which the next one must name.
     *
     * @return the number of pages.
     */
    long recordedPagesPending()
    {
        return recordedPagesPending;
    }

    /**
     * Contents of consecutive file pages were recorded.
     *
     * @param pageCount pages.
     */
    void onPageContents(final int pageCount)
    {
        recordedPagesPending += pageCount;
    }

    /**
     * A page batch naming every page whose contents were recorded before it, plus any inline pages.
     *
     * @param round    of the batch.
     * @param pages    in the batch, file and inline.
     * @param offsetNs time of the command.
     */
    void onPageBatch(final int round, final long pages, final long offsetNs)
    {
        recordedPagesPending = 0;
        pagesByRound.merge(round, pages, Long::sum);
        lastOffsetNs = offsetNs;
    }

    /**
     * A round ended, perhaps with no pages.
     *
     * @param round    that ended.
     * @param offsetNs time of the command.
     */
    void onEndOfRound(final int round, final long offsetNs)
    {
        pagesByRound.putIfAbsent(round, 0L);
        lastOffsetNs = offsetNs;
    }

    /**
     * The transfer's end-of-transfer command.
     *
     * @param offsetNs time of the command.
     */
    void onEnded(final long offsetNs)
    {
        isEnded = true;
        lastOffsetNs = offsetNs;
    }

    /**
     * The transfer was cancelled.
     *
     * @param offsetNs time of the command.
     */
    void onCancelled(final long offsetNs)
    {
        isCancelled = true;
        lastOffsetNs = offsetNs;
    }

    /**
     * Did the recording leave this transfer unfinished, neither ended nor cancelled?
     *
     * @return true if it is still open.
     */
    boolean isOpen()
    {
        return !isEnded && !isCancelled;
    }

    /**
     * Where an unfinished transfer stopped, for a truncation message.
     *
     * @return for example {@code "transfer 3 in round 2"}.
     */
    String describePosition()
    {
        return "transfer " + transferId + (pagesByRound.isEmpty() ? " before any page" :
            " in round " + pagesByRound.lastKey());
    }

    /**
     * What the recording holds of this transfer.
     *
     * @return its summary.
     */
    RecordingSummary.Transfer summary()
    {
        return new RecordingSummary.Transfer(transferId, vmId, fileSize, pageSize, pagesByRound, isEnded,
            isCancelled, firstOffsetNs, lastOffsetNs);
    }
}
