package io.dwcp.engine.qemu;

import java.util.List;
import java.util.Locale;

/**
 * How a QEMU migration went, with the fields of QEMU's {@code info migrate}.
 *
 * @param isCompleted          true when the guest runs on the destination.
 * @param failure              why it did not, or null.
 * @param sourceState          what became of the source guest: "postmigrate" after a switchover, "running" when it
 *                             was never stopped or was resumed.
 * @param isSourceResumed      true if the agent had stopped the source and started it again after a failure.
 * @param totalTimeNs          from the start to the destination running (or to the failure).
 * @param setupTimeNs          from the start to the first pages handed to the engine: checks, opening the transfer, the
 *                             scan of the first range of round 0.
 * @param downtimeNs           from the source's stop to the destination running, or 0, on the agent's clock: from
 *                             its stop command to the destination's answer that it runs; the listener's
 *                             {@link MigrationListener#beforeResume} time is not counted.
 * @param eventDowntimeNs      from the source's STOP event to the destination's RESUME event by QEMU's timestamps,
 *                             as QEMU's own migration is measured from outside, the listener's time not counted; -1
 *                             when unknown.
 * @param transferredBytes     logical bytes of RAM pages sent, every round.
 * @param wireBytes            bytes the engine put on the wire for them.
 * @param remainingBytes       bytes of dirty RAM not yet sent when it ended.
 * @param ramBytes             guest RAM.
 * @param pagesPerRound        pages sent in each round, the final one last.
 * @param throughputBytesPerSecond logical bytes per second over the live rounds.
 * @param expectedDowntimeNs   the engine's estimate for the final round, from the last live round.
 * @param switchover           why the agent switched over, or gave up.
 * @param scanBytesPerSecond   speed of the dirty-page scan.
 * @param finalScanNs          time of the scan with the source stopped.
 * @param deviceStateBytes     bytes QEMU's own migration stream carried (device state and non-shared RAM).
 * @param deviceStateNs        time QEMU took to move them.
 * @param finalRoundNs         from the final round's submission to the engines' verified digest.
 * @param checkNs              time the listener's check before resume took, left out of the downtime.
 * @param digest               the digest the engines and the agent agreed on, or 0.
 */
public record MigrationSummary(
    boolean isCompleted,
    String failure,
    String sourceState,
    boolean isSourceResumed,
    long totalTimeNs,
    long setupTimeNs,
    long downtimeNs,
    long eventDowntimeNs,
    long transferredBytes,
    long wireBytes,
    long remainingBytes,
    long ramBytes,
    List<Long> pagesPerRound,
    long throughputBytesPerSecond,
    long expectedDowntimeNs,
    String switchover,
    double scanBytesPerSecond,
    long finalScanNs,
    long deviceStateBytes,
    long deviceStateNs,
    long finalRoundNs,
    long checkNs,
    long digest)
{
    /**
     * Dirty-page scans, as QEMU counts dirty bitmap syncs: one per round.
     *
     * @return the count.
     */
    public int dirtySyncCount()
    {
        return pagesPerRound.size();
    }

    /**
     * The summary as {@code info migrate} prints it, one field a line.
     *
     * @return the text.
     */
    public String format()
    {
        final StringBuilder text = new StringBuilder();
        line(text, "Migration status", isCompleted ? "completed" : "failed");
        if (null != failure)
        {
            line(text, "failure", failure);
        }
        line(text, "source guest", sourceState + (isSourceResumed ? " (resumed by the agent)" : ""));
        line(text, "total time", ms(totalTimeNs));
        line(text, "downtime", isCompleted ? ms(downtimeNs) + " (final scan " + ms(finalScanNs) +
            ", final round and digest " + ms(finalRoundNs) + ", device state " + ms(deviceStateNs) + ")" +
            (checkNs > 0 ? "; the check before resume took " + ms(checkNs) + " more, not counted" : "") : "-");
        if (isCompleted && eventDowntimeNs >= 0)
        {
            line(text, "downtime by QEMU's events", ms(eventDowntimeNs) +
                " (the source's STOP to the destination's RESUME, QEMU's timestamps)");
        }
        line(text, "setup", ms(setupTimeNs));
        line(text, "transferred ram", (transferredBytes >> 10) + " kbytes");
        line(text, "wire bytes", (wireBytes >> 10) + " kbytes (" +
            String.format(Locale.ROOT, "%.2f", wireBytes > 0 ? (double)transferredBytes / wireBytes : 0.0) + "x)");
        line(text, "remaining ram", (remainingBytes >> 10) + " kbytes");
        line(text, "total ram", (ramBytes >> 10) + " kbytes");
        line(text, "dirty sync count", Integer.toString(dirtySyncCount()));
        final StringBuilder rounds = new StringBuilder();
        for (int i = 0; i < pagesPerRound.size(); i++)
        {
            rounds.append(i > 0 ? " " : "").append(pagesPerRound.get(i));
        }
        line(text, "pages per round", rounds.toString());
        line(text, "throughput", String.format(Locale.ROOT, "%.2f mbps", throughputBytesPerSecond * 8 / 1e6));
        line(text, "expected downtime", ms(expectedDowntimeNs));
        line(text, "switchover", switchover);
        line(text, "dirty page scan", String.format(Locale.ROOT, "%.0f MB/s; final scan %s (source stopped)",
            scanBytesPerSecond / 1e6, ms(finalScanNs)));
        line(text, "device state", deviceStateBytes + " bytes in " + ms(deviceStateNs));
        if (0 != digest)
        {
            line(text, "digest", String.format(Locale.ROOT, "%016x (destination equals source at switchover)",
                digest));
        }
        return text.toString();
    }

    private static void line(final StringBuilder text, final String name, final String value)
    {
        text.append(name).append(": ").append(value).append('\n');
    }

    private static String ms(final long nanos)
    {
        return String.format(Locale.ROOT, "%.1f ms", nanos / 1e6);
    }
}
