package io.dwcp.engine.cli;

import io.dwcp.driver.DriverProfile;
import io.dwcp.engine.config.EngineConfiguration;
import io.dwcp.engine.runtime.EngineWarmUp;

import java.io.IOException;
import java.io.PrintStream;
import java.util.Locale;

/**
 * The warm-up a standalone engine ({@code dwcp send}, {@code dwcp receive}) runs before it serves: {@code
 * dwcp.warmup.bytes} of generated memory through a private engine pair ({@link EngineWarmUp}). A warm-up that fails
 * is said, and the engine serves unwarmed.
 */
final class WarmUpStep
{
    private WarmUpStep()
    {
    }

    /**
     * Warm up, saying what it did.
     *
     * @param out     where to say it.
     * @param role    of the engine, for the line.
     * @param profile the driver profile the engine will run, which the warm-up runs too.
     */
    static void run(final PrintStream out, final String role, final DriverProfile profile)
    {
        final long bytes = EngineConfiguration.warmupBytes();
        if (0 == bytes)
        {
            return;
        }
        try
        {
            final EngineWarmUp.Outcome outcome =
                EngineWarmUp.run(bytes, EngineConfiguration.warmupTransfers(), profile);
            out.printf(Locale.ROOT, "%s warmed up: %d MiB migrated and verified %d times through a private engine " +
                "pair in %.0f ms, %d ms of it compiling (%s=0 skips it)%n", role, bytes >> 20, outcome.transfers(),
                outcome.elapsedNs() / 1e6, outcome.compilationMs(), EngineConfiguration.WARMUP_BYTES_PROP_NAME);
        }
        catch (final IOException | RuntimeException ex)
        {
            out.println(role + " warm-up failed, serving unwarmed: " + ex.getMessage());
        }
    }
}
