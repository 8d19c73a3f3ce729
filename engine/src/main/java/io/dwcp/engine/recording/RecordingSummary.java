package io.dwcp.engine.recording;

import java.util.List;
import java.util.SortedMap;

/**
 * What a recording holds, from a full pass that also validated it.
 *
 * @param sessions     sender runs recorded; each starts with its settings.
 * @param settings     the settings of the first session.
 * @param commands     commands recorded.
 * @param pages        pages whose contents were recorded, inline pages included.
 * @param contentBytes bytes of page content.
 * @param durationNs   from the first session's start to its last command, summed over sessions.
 * @param transfers    each transfer, in the order it started.
 */
public record RecordingSummary(
    int sessions,
    Settings settings,
    long commands,
    long pages,
    long contentBytes,
    long durationNs,
    List<Transfer> transfers)
{
    /**
     * Sender settings that shape the wire bytes, as recorded.
     *
     * @param compressionLevel      default zstd level.
     * @param maxFrameLength        longest frame.
     * @param maxPagesPerFrame      most pages in a frame.
     * @param baselineBudgetBytes   bytes of page versions kept for deltas.
     * @param baselineMaxDeltaChain deltas on a baseline before it is refreshed.
     * @param dictionaryBytes       dictionary size, 0 for none.
     * @param isHdeEnabled          compression and deltas on.
     * @param isBaselineCompressed  baselines kept compressed.
     * @param streams               stripes of a transfer that asked for none.
     * @param blockPages            pages per frame block, 0 for each page alone.
     * @param duplicateIndexBytes   bytes of the duplicate-page index, 0 for none.
     * @param similarIndexBytes     bytes of the similar-page index, 0 for none.
     * @param similarWholeLevel     lowest zstd level at which pages sent whole looked for similar pages.
     * @param roundStartBytes       bytes per transfer of round-start versions kept, 0 for none.
     * @param streamLevel           lowest zstd level at which blocks without a dictionary were streamed.
     */
    public record Settings(
        int compressionLevel,
        int maxFrameLength,
        int maxPagesPerFrame,
        long baselineBudgetBytes,
        int baselineMaxDeltaChain,
        int dictionaryBytes,
        boolean isHdeEnabled,
        boolean isBaselineCompressed,
        int streams,
        int blockPages,
        int duplicateIndexBytes,
        int similarIndexBytes,
        int similarWholeLevel,
        long roundStartBytes,
        int streamLevel)
    {
    }

    /**
     * One recorded transfer.
     *
     * @param transferId     its id.
     * @param vmId           its VM.
     * @param fileSize       bytes in the image.
     * @param pageSize       bytes per page.
     * @param pagesByRound   pages recorded in each round, in round order.
     * @param isEnded        true if its end-of-transfer command was recorded.
     * @param isCancelled    true if it was cancelled.
     * @param firstOffsetNs  time of its first command.
     * @param lastOffsetNs   time of its last command.
     */
    public record Transfer(
        long transferId,
        String vmId,
        long fileSize,
        int pageSize,
        SortedMap<Integer, Long> pagesByRound,
        boolean isEnded,
        boolean isCancelled,
        long firstOffsetNs,
        long lastOffsetNs)
    {
    }
}
