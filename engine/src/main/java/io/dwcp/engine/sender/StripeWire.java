package io.dwcp.engine.sender;

import io.dwcp.engine.status.StripeCounter;
import io.dwcp.engine.status.StripeCounters;
import org.agrona.concurrent.status.AtomicCounter;

/**
 * What a stripe has put on the wire, kept in its counters for other processes to read: frames and bytes sent,
 * bytes in flight (sent and not yet acknowledged), and the time it spent waiting on back pressure, the link-bound
 * signal the link service reads.
 * <p>
 * Not thread safe: owned by the stripe's worker; the counters are written with release semantics for any reader.
 */
final class StripeWire
{
    private static final int IN_FLIGHT_RING = 1024;

    private final long[] wireBytesAtSequence = new long[IN_FLIGHT_RING];
    private final AtomicCounter framesSent;
    private final AtomicCounter bytesSent;
    private final AtomicCounter blockedNs;
    private final AtomicCounter bytesInFlight;
    private long blockedSinceNs;
    private long wireBytes;
    private long sentSequence;
    private long ackedSequence;

    /**
     * Resolve the stripe's counters once.
     *
     * @param stripeCounters the stripe's.
     */
    StripeWire(final StripeCounters stripeCounters)
    {
        framesSent = stripeCounters.get(StripeCounter.FRAMES_SENT);
        bytesSent = stripeCounters.get(StripeCounter.BYTES_SENT);
        blockedNs = stripeCounters.get(StripeCounter.BLOCKED_NS);
        bytesInFlight = stripeCounters.get(StripeCounter.BYTES_IN_FLIGHT);
    }

    /**
     * A frame was published: the wait on back pressure, if any, ends now.
     *
     * @param sequence    the frame's.
     * @param frameLength its bytes.
     * @param nowNs       current time.
     */
    void onSent(final long sequence, final int frameLength, final long nowNs)
    {
        if (0 != blockedSinceNs)
        {
            blockedNs.setRelease(blockedNs.get() + nowNs - blockedSinceNs);
            blockedSinceNs = 0;
        }
        sentSequence = sequence;
        wireBytes += frameLength;
        wireBytesAtSequence[(int)(sequence & (IN_FLIGHT_RING - 1))] = wireBytes;
        framesSent.setRelease(sequence);
        bytesSent.setRelease(wireBytes);
        bytesInFlight.setRelease(wireBytes - wireBytesAcknowledged());
    }

    /**
     * The publication refused a frame for back pressure: the link (or the receiver) holds this stripe, not its codec.
     *
     * @param cycleNs time of the duty cycle that tried.
     */
    void onBackPressure(final long cycleNs)
    {
        if (0 != blockedSinceNs)
        {
            blockedNs.setRelease(blockedNs.get() + cycleNs - blockedSinceNs);
        }
        blockedSinceNs = cycleNs;
    }

    /**
     * The receiver acknowledged frames up to this one.
     *
     * @param sequence highest acknowledged, never beyond what was sent.
     */
    void onAcked(final long sequence)
    {
        ackedSequence = sequence;
        bytesInFlight.setRelease(wireBytes - wireBytesAcknowledged());
    }

    private long wireBytesAcknowledged()
    {
        if (0 == ackedSequence)
        {
            return 0;
        }
        // Older than the ring holds: count from the oldest frame it still holds, an upper bound on what is in flight.
        final long sequence = Math.max(ackedSequence, sentSequence - IN_FLIGHT_RING + 1);
        return wireBytesAtSequence[(int)(sequence & (IN_FLIGHT_RING - 1))];
    }
}
