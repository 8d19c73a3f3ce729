package io.dwcp.engine.sender;

import io.dwcp.codec.PageEncoding;

import java.util.ArrayList;
import java.util.Arrays;

/**
 * A stripe's view of the pre-copy rounds: which of its frames carries the last page of each round the agent ended,
 * the round's counts on this stripe, and when the receiver had applied it. A round is complete on a stripe once
 * that frame is acknowledged; the conductor completes the round when every stripe has.
 * <p>
 * Not thread safe: owned by the stripe, on its worker's thread.
 */
final class StripeRounds
{
    /** Running totals a round's statistics are taken from, per stripe, summed over stripes by the conductor. */
    enum Stat
    {
        PAGES, ZERO, NORMAL, UNCHANGED, DELTA, WIRE, HITS, MISSES, OVERFLOWS, DUPLICATE
    }

    /** Number of statistics. */
    static final int STAT_COUNT = Stat.values().length;

    /** A round the agent ended: the pages queued up to it, the frame that carries the last of them, its counts. */
    private static final class RoundEnd
    {
        private final int round;
        private final long pagesQueued;
        private final long[] stats;
        private long lastSequence = -1;
        private long appliedTimestampNs;

        RoundEnd(final int round, final long pagesQueued, final long[] stats)
        {
            this.round = round;
            this.pagesQueued = pagesQueued;
            this.stats = stats;
        }
    }

    // Ended rounds not yet reported, oldest first; a handful at most, walked by index on the per-page path.
    private final ArrayList<RoundEnd> roundEnds = new ArrayList<>();
    private final long[] openRoundStats = new long[STAT_COUNT];
    private long lastAssignedSequence;

    /**
     * The agent ended a round.
     *
     * @param round              that ended.
     * @param pagesQueued        range pages ever queued on this stripe.
     * @param pagesTaken         range pages ever taken into frames on this stripe.
     * @param sentSequence       last frame published.
     * @param ackedSequence      last frame acknowledged.
     * @param lastAckTimestampNs receiver's timestamp on the latest acknowledgement.
     */
    void endRound(
        final int round,
        final long pagesQueued,
        final long pagesTaken,
        final long sentSequence,
        final long ackedSequence,
        final long lastAckTimestampNs)
    {
        final RoundEnd end = new RoundEnd(round, pagesQueued, openRoundStats.clone());
        Arrays.fill(openRoundStats, 0);
        if (pagesTaken >= end.pagesQueued)
        {
            // Every page of the round is already in a frame (or the round is empty on this stripe).
            end.lastSequence = Math.max(lastAssignedSequence, sentSequence);
            lastAssignedSequence = end.lastSequence;
            if (ackedSequence >= end.lastSequence)
            {
                end.appliedTimestampNs = lastAckTimestampNs;
            }
        }
        roundEnds.add(end);
    }

    /**
     * A page went into the frame with this sequence: count it in its round, and bind the round to that frame when
     * it was the round's last page on this stripe.
     *
     * @param sequence    of the frame carrying the page.
     * @param encoding    of the page.
     * @param wireBytes   the page's entry in the frame, payload included.
     * @param hadBaseline whether a baseline was found for it.
     * @param overflowed  whether its delta was not smaller than the page.
     * @param pagesTaken  range pages ever taken, this one included.
     */
    void onPageFramed(
        final long sequence,
        final PageEncoding encoding,
        final int wireBytes,
        final boolean hadBaseline,
        final boolean overflowed,
        final long pagesTaken)
    {
        final long[] stats = statsOfRoundBeingFramed();
        stats[Stat.PAGES.ordinal()]++;
        stats[Stat.WIRE.ordinal()] += wireBytes;
        stats[(hadBaseline ? Stat.HITS : Stat.MISSES).ordinal()]++;
        if (overflowed)
        {
            stats[Stat.OVERFLOWS.ordinal()]++;
        }
        final Stat kind = switch (encoding)
        {
            case ZERO -> Stat.ZERO;
            case UNCHANGED -> Stat.UNCHANGED;
            case DELTA_XBZRLE, DELTA_XBZRLE_ZSTD, DELTA_ZSTD, BLOCK_DELTA -> Stat.DELTA;
            case REFERENCE -> Stat.DUPLICATE;
            default -> Stat.NORMAL;
        };
        stats[kind.ordinal()]++;

        for (int i = 0, size = roundEnds.size(); i < size; i++)
        {
            final RoundEnd end = roundEnds.get(i);
            if (end.lastSequence < 0 && pagesTaken >= end.pagesQueued)
            {
                end.lastSequence = sequence;
                lastAssignedSequence = sequence;
            }
        }
    }

    /**
     * Count a frame's own overhead in the round of its first page.
     *
     * @param bytes of the frame beyond its page entries.
     */
    void onFrameOverhead(final int bytes)
    {
        statsOfRoundBeingFramed()[Stat.WIRE.ordinal()] += bytes;
    }

    /**
     * Bytes of a frame counted after its pages, its block: they belong to the round of the frame, which its last
     * page may already have bound to it, so that the next round's frames are now the ones being framed.
     *
     * @param sequence of the frame.
     * @param bytes    to count.
     */
    void onFrameBytes(final long sequence, final int bytes)
    {
        for (int i = 0, size = roundEnds.size(); i < size; i++)
        {
            final RoundEnd end = roundEnds.get(i);
            if (end.lastSequence < 0 || end.lastSequence >= sequence)
            {
                end.stats[Stat.WIRE.ordinal()] += bytes;
                return;
            }
        }
        openRoundStats[Stat.WIRE.ordinal()] += bytes;
    }

    /**
     * The receiver acknowledged frames: the first acknowledgement covering a round's last frame says when the
     * receiver had applied the round.
     *
     * @param ackedSequence       highest frame acknowledged.
     * @param receiverTimestampNs the receiver's clock on the acknowledgement.
     */
    void onAck(final long ackedSequence, final long receiverTimestampNs)
    {
        for (int i = 0, size = roundEnds.size(); i < size; i++)
        {
            final RoundEnd end = roundEnds.get(i);
            if (end.lastSequence < 0 || end.lastSequence > ackedSequence)
            {
                break;
            }
            if (0 == end.appliedTimestampNs)
            {
                end.appliedTimestampNs = receiverTimestampNs;
            }
        }
    }

    /**
     * Has the oldest ended round been framed in full and acknowledged on this stripe?
     *
     * @param ackedSequence highest frame acknowledged.
     * @return the round number, or -1.
     */
    int completedRound(final long ackedSequence)
    {
        final RoundEnd end = roundEnds.isEmpty() ? null : roundEnds.get(0);
        if (null == end || end.lastSequence < 0 || ackedSequence < end.lastSequence)
        {
            return -1;
        }
        return end.round;
    }

    /**
     * The counts of the oldest ended round, indexed by {@link Stat#ordinal()}.
     *
     * @return its counts; valid until {@link #closeRound()}.
     */
    long[] oldestStats()
    {
        return roundEnds.get(0).stats;
    }

    /**
     * The receiver's timestamp on the acknowledgement that covered the oldest round's last frame.
     *
     * @return the timestamp, or 0 if the round was empty here and nothing was acknowledged.
     */
    long oldestAppliedTimestampNs()
    {
        return roundEnds.get(0).appliedTimestampNs;
    }

    /** Drop the oldest ended round, once reported. */
    void closeRound()
    {
        roundEnds.remove(0);
    }

    private long[] statsOfRoundBeingFramed()
    {
        for (int i = 0, size = roundEnds.size(); i < size; i++)
        {
            final RoundEnd end = roundEnds.get(i);
            if (end.lastSequence < 0)
            {
                return end.stats;
            }
        }
        return openRoundStats;
    }
}
