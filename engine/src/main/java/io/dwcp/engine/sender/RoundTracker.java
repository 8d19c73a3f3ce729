package io.dwcp.engine.sender;

import java.util.ArrayList;

/**
 * The conductor's view of a transfer's pre-copy rounds: a round the agent ended is complete once every stripe has
 * reported it applied; its counts are the sums of the stripes' and its applied time the latest stripe's.
 * <p>
 * Not thread safe: owned by the conductor.
 */
final class RoundTracker
{
    private static final class PendingRound
    {
        private final int round;
        private final long[] stats = new long[StripeRounds.STAT_COUNT];
        private int stripesReported;
        private long appliedTimestampNs;

        PendingRound(final int round)
        {
            this.round = round;
        }
    }

    private final int stripeCount;
    private final ArrayList<PendingRound> pending = new ArrayList<>();
    private final long[] reportsByStripe;
    private long roundsClosed;
    private long roundStartNs;
    private long previousRoundEndNs;

    RoundTracker(final int stripeCount, final long startNs)
    {
        this.stripeCount = stripeCount;
        this.reportsByStripe = new long[stripeCount];
        this.previousRoundEndNs = startNs;
    }

    /**
     * The agent queued pages: the first batch after a round ended starts the next one's clock.
     *
     * @param nowNs current time.
     */
    void onPagesQueued(final long nowNs)
    {
        if (0 == roundStartNs)
        {
            roundStartNs = nowNs;
        }
    }

    /**
     * The agent ended a round.
     *
     * @param round that ended.
     */
    void onEndRound(final int round)
    {
        pending.add(new PendingRound(round));
    }

    /**
     * A stripe reports its oldest unreported round applied. Every stripe sees every round end, in order, so its
     * n-th report is of the n-th round ended.
     *
     * @param stripe             that reports.
     * @param stats              its counts for the round.
     * @param appliedTimestampNs the receiver's clock on the acknowledgement that covered it.
     * @return false when the report matches no ended round, which a stripe never sends.
     */
    boolean onStripeReport(final int stripe, final long[] stats, final long appliedTimestampNs)
    {
        final long position = reportsByStripe[stripe] - roundsClosed;
        if (position < 0 || position >= pending.size())
        {
            return false;
        }
        reportsByStripe[stripe]++;
        final PendingRound round = pending.get((int)position);
        for (int i = 0; i < stats.length; i++)
        {
            round.stats[i] += stats[i];
        }
        round.stripesReported++;
        round.appliedTimestampNs = Math.max(round.appliedTimestampNs, appliedTimestampNs);
        return true;
    }

    /**
     * The oldest ended round, if every stripe has reported it.
     *
     * @return the round number, or -1.
     */
    int completedRound()
    {
        return !pending.isEmpty() && pending.get(0).stripesReported == stripeCount ? pending.get(0).round : -1;
    }

    /**
     * Are rounds ended and not yet complete?
     *
     * @return true while some wait for stripes.
     */
    boolean hasPendingRounds()
    {
        return !pending.isEmpty();
    }

    /**
     * Close the oldest completed round.
     *
     * @param stats receives its counts, by {@link StripeRounds.Stat#ordinal()}.
     * @param times receives [its duration from its first batch, time since the previous round ended, the receiver's
     *              applied timestamp], in nanoseconds.
     * @param nowNs current time.
     */
    void closeRound(final long[] stats, final long[] times, final long nowNs)
    {
        final PendingRound round = pending.remove(0);
        roundsClosed++;
        System.arraycopy(round.stats, 0, stats, 0, stats.length);
        final long firstPageNs = 0 == roundStartNs ? nowNs : roundStartNs;
        times[0] = Math.max(1, nowNs - firstPageNs);
        times[1] = Math.max(1, nowNs - previousRoundEndNs);
        times[2] = round.appliedTimestampNs;
        roundStartNs = 0;
        previousRoundEndNs = nowNs;
    }
}
