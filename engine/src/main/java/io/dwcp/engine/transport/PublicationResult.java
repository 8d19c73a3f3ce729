package io.dwcp.engine.transport;

import io.aeron.Publication;
import org.agrona.concurrent.status.AtomicCounter;

/**
 * The one policy for what an Aeron offer or claim result means to the engine: sent, try again later (back pressure,
 * admin action, not connected yet; each counted), or the publication is unusable and whatever uses it must fail.
 */
public enum PublicationResult
{
    /** The message went into the log. */
    SENT,
    /** Not now: try again in a later duty cycle. */
    RETRY,
    /** The publication is closed or full for good: fail what uses it. */
    FATAL;

    /**
     * Classify a result and count it.
     *
     * @param result       of {@code offer} or {@code tryClaim}.
     * @param backPressure counted on back pressure and admin actions; may be null.
     * @param notConnected counted when no subscriber is connected; may be null.
     * @return what the caller should do.
     */
    public static PublicationResult of(
        final long result, final AtomicCounter backPressure, final AtomicCounter notConnected)
    {
        if (result > 0)
        {
            return SENT;
        }
        if (isBackPressure(result))
        {
            if (null != backPressure)
            {
                backPressure.increment();
            }
            return RETRY;
        }
        if (Publication.NOT_CONNECTED == result)
        {
            if (null != notConnected)
            {
                notConnected.increment();
            }
            return RETRY;
        }
        return FATAL;
    }

    /**
     * Is a result back pressure, or an admin action that counts as such?
     *
     * @param result of {@code offer} or {@code tryClaim}.
     * @return true if so.
     */
    public static boolean isBackPressure(final long result)
    {
        return Publication.BACK_PRESSURED == result || Publication.ADMIN_ACTION == result;
    }
}
