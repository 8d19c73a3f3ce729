package io.dwcp.engine.test;

import java.util.function.BooleanSupplier;

/**
 * Waits for a condition, failing after a deadline. Tests also carry a JUnit timeout, which interrupts them.
 */
public final class Await
{
    private Await()
    {
    }

    /**
     * Wait until a condition holds.
     *
     * @param description of the condition, for the failure message.
     * @param timeoutMs   how long to wait.
     * @param condition   checked every millisecond.
     */
    public static void until(final String description, final long timeoutMs, final BooleanSupplier condition)
    {
        final long deadlineNs = System.nanoTime() + timeoutMs * 1_000_000L;
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() - deadlineNs > 0)
            {
                throw new AssertionError("timed out after " + timeoutMs + " ms waiting for " + description);
            }
            if (Thread.currentThread().isInterrupted())
            {
                throw new AssertionError("interrupted waiting for " + description);
            }
            try
            {
                Thread.sleep(1);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + description);
            }
        }
    }
}
