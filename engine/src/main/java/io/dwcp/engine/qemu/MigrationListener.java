package io.dwcp.engine.qemu;

import java.nio.file.Path;

/**
 * Follows a QEMU migration. Every method has a default that does nothing; all are called on the agent's thread.
 */
public interface MigrationListener
{
    /**
     * A line of progress, for a person to read.
     *
     * @param line the text.
     */
    default void onLog(final String line)
    {
    }

    /**
     * A live pre-copy round was applied at the destination; the guest still runs on the source.
     *
     * @param round number, 0 for the full copy.
     * @param pages sent in it.
     */
    default void onRoundCompleted(final int round, final long pages)
    {
    }

    /**
     * The device state has arrived and the destination is paused: both guests' RAM is final and neither runs.
     * Called just before the destination is resumed; its time counts as downtime.
     *
     * @param sourceRam      the source guest's RAM file.
     * @param destinationRam the destination guest's RAM file.
     * @throws Exception to fail the migration: the source is then resumed.
     */
    default void beforeResume(final Path sourceRam, final Path destinationRam) throws Exception
    {
    }
}
