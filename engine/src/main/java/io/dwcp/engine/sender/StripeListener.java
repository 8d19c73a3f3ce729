package io.dwcp.engine.sender;

/**
 * What stripes report to the sender conductor, directly or through a {@link ConductorProxy}.
 * <p>
 * Called on the conductor's thread only.
 */
interface StripeListener
{
    /**
     * A stripe has published every page queued before the flush of this epoch.
     *
     * @param slot         of the transfer.
     * @param stripe       index.
     * @param epoch        of the flush.
     * @param lastSequence of the stripe's last frame.
     */
    void onStripeDrained(int slot, int stripe, long epoch, long lastSequence);

    /**
     * A round was applied in full on a stripe.
     *
     * @param slot               of the transfer.
     * @param stripe             index.
     * @param round              that completed.
     * @param stats              its counts on this stripe, by {@link StripeRounds.Stat#ordinal()}; read at once.
     * @param appliedTimestampNs the receiver's clock when it had applied the round's last frame, or 0.
     */
    void onStripeRoundCompleted(int slot, int stripe, int round, long[] stats, long appliedTimestampNs);

    /**
     * A stripe cannot go on: the transfer fails.
     *
     * @param slot   of the transfer.
     * @param stripe index.
     * @param reason for the agent.
     */
    void onStripeFailed(int slot, int stripe, String reason);

    /**
     * A worker has let go of a transfer's stripes.
     *
     * @param slot   of the transfer.
     * @param worker index.
     */
    void onTransferReleased(int slot, int worker);
}
