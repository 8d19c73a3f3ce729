package io.dwcp.engine.status;

import io.aeron.Aeron;
import org.agrona.CloseHelper;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;

/**
 * The counters of one stripe, allocated in Aeron's counters file so that another process can read them. Each has
 * its {@link StripeCounter#typeId()} and this key, so a reader finds a stripe's counters without parsing labels:
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                     transfer id (int64)                       |
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                        stripe (int32)                         |
 *  +---------------------------------------------------------------+
 * </pre>
 * Each counter has one writer, the agent that owns the stripe, which updates it with ordered writes; anyone may
 * read it.
 */
public final class StripeCounters implements AutoCloseable
{
    /** Offset of the transfer id in the key. */
    public static final int TRANSFER_ID_OFFSET = 0;
    /** Offset of the stripe index in the key. */
    public static final int STRIPE_OFFSET = 8;
    /** Bytes of the key. */
    public static final int KEY_LENGTH = 12;

    private final AtomicCounter[] counters = new AtomicCounter[StripeCounter.values().length];

    /**
     * Allocate the counters of a role for a stripe.
     *
     * @param aeron      client whose driver holds the counters file.
     * @param engineName prefix of the labels.
     * @param role       SENDER or RECEIVER.
     * @param transferId of the transfer.
     * @param stripe     index within the transfer.
     */
    public StripeCounters(
        final Aeron aeron, final String engineName, final EngineCounter.Role role, final long transferId,
        final int stripe)
    {
        final UnsafeBuffer key = new UnsafeBuffer(new byte[KEY_LENGTH]);
        key.putLong(TRANSFER_ID_OFFSET, transferId);
        key.putInt(STRIPE_OFFSET, stripe);
        final UnsafeBuffer label = new UnsafeBuffer(new byte[256]);
        try
        {
            for (final StripeCounter counter : StripeCounter.values())
            {
                if (counter.role() == role)
                {
                    final int labelLength = label.putStringWithoutLengthAscii(0, "dwcp " + engineName + " transfer " +
                        transferId + " stripe " + stripe + ": " + counter.label());
                    counters[counter.ordinal()] =
                        aeron.addCounter(counter.typeId(), key, 0, KEY_LENGTH, label, 0, labelLength);
                }
            }
        }
        catch (final RuntimeException ex)
        {
            close();
            throw ex;
        }
    }

    /**
     * The counter for an id.
     *
     * @param counter id, of this role.
     * @return the counter.
     */
    public AtomicCounter get(final StripeCounter counter)
    {
        return counters[counter.ordinal()];
    }

    /** Free the counters. Idempotent. */
    public void close()
    {
        for (int i = 0; i < counters.length; i++)
        {
            CloseHelper.quietClose(counters[i]);
            counters[i] = null;
        }
    }
}
