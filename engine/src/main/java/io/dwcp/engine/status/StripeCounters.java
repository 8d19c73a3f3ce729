package io.dwcp.engine.status;

import io.aeron.Aeron;
import org.agrona.CloseHelper;
import org.agrona.concurrent.AgentInvoker;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;

import java.util.Arrays;

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

    private static final long NO_REGISTRATION = Aeron.NULL_VALUE;

    private final Aeron aeron;
    private final AtomicCounter[] counters = new AtomicCounter[StripeCounter.values().length];
    private final long[] registrations = new long[StripeCounter.values().length];

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
        this(aeron, engineName, role, transferId, stripe, true);
    }

    private StripeCounters(
        final Aeron aeron, final String engineName, final EngineCounter.Role role, final long transferId,
        final int stripe, final boolean isResolvedNow)
    {
        this.aeron = aeron;
        Arrays.fill(registrations, NO_REGISTRATION);
        final UnsafeBuffer key = new UnsafeBuffer(new byte[KEY_LENGTH]);
        key.putLong(TRANSFER_ID_OFFSET, transferId);
        key.putInt(STRIPE_OFFSET, stripe);
        final UnsafeBuffer label = new UnsafeBuffer(new byte[256]);
        for (final StripeCounter counter : StripeCounter.values())
        {
            if (counter.role() == role)
            {
                final int labelLength = label.putStringWithoutLengthAscii(0, "dwcp " + engineName + " transfer " +
                    transferId + " stripe " + stripe + ": " + counter.label());
                registrations[counter.ordinal()] =
                    aeron.asyncAddCounter(counter.typeId(), key, 0, KEY_LENGTH, label, 0, labelLength);
            }
        }
        if (isResolvedNow)
        {
            try
            {
                resolve(aeron, new StripeCounters[]{ this });
            }
            catch (final RuntimeException ex)
            {
                close();
                throw ex;
            }
        }
    }

    /**
     * Allocate the counters of a role for every stripe of a transfer at once: every registration is sent to the
     * driver before any answer is awaited, so the driver takes them in a few duty cycles, not a round trip each (one
     * by one, 16 stripes' counters took a sender 9 to 52 ms to open a transfer).
     *
     * @param aeron       client whose driver holds the counters file.
     * @param engineName  prefix of the labels.
     * @param role        SENDER or RECEIVER.
     * @param transferId  of the transfer.
     * @param stripeCount stripes of the transfer.
     * @return each stripe's counters.
     */
    public static StripeCounters[] allocate(
        final Aeron aeron, final String engineName, final EngineCounter.Role role, final long transferId,
        final int stripeCount)
    {
        final StripeCounters[] all = new StripeCounters[stripeCount];
        try
        {
            for (int k = 0; k < stripeCount; k++)
            {
                all[k] = new StripeCounters(aeron, engineName, role, transferId, k, false);
            }
            resolve(aeron, all);
            return all;
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietCloseAll(all);
            throw ex;
        }
    }

    /**
     * Wait for the driver's answers to every registration, driving the driver and the client when they run on this
     * thread; a registration that is refused throws, and the counters allocated are freed by the caller's close.
     */
    private static void resolve(final Aeron aeron, final StripeCounters[] all)
    {
        final AgentInvoker driver = aeron.context().driverAgentInvoker();
        final AgentInvoker client = aeron.conductorAgentInvoker();
        final long deadlineNs = System.nanoTime() + aeron.context().driverTimeoutMs() * 1_000_000L;
        while (true)
        {
            boolean isResolved = true;
            for (final StripeCounters counters : all)
            {
                isResolved &= counters.poll(aeron);
            }
            if (isResolved)
            {
                return;
            }
            if (System.nanoTime() - deadlineNs > 0)
            {
                throw new IllegalStateException("the driver did not answer the stripe counters' registrations within " +
                    aeron.context().driverTimeoutMs() + " ms");
            }
            if (null != driver)
            {
                driver.invoke();
            }
            if (null != client)
            {
                client.invoke();
            }
            else
            {
                Thread.onSpinWait();
            }
        }
    }

    private boolean poll(final Aeron aeron)
    {
        boolean isResolved = true;
        for (int i = 0; i < registrations.length; i++)
        {
            if (NO_REGISTRATION != registrations[i] && null == counters[i])
            {
                counters[i] = aeron.getCounter(registrations[i]);
                isResolved &= null != counters[i];
            }
        }
        return isResolved;
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
            if (null != counters[i])
            {
                CloseHelper.quietClose(counters[i]);
                counters[i] = null;
            }
            else if (NO_REGISTRATION != registrations[i] && !aeron.isClosed())
            {
                // Asked for and never taken: the driver frees it when it gets to it.
                aeron.asyncRemoveCounter(registrations[i]);
            }
            registrations[i] = NO_REGISTRATION;
        }
    }
}
