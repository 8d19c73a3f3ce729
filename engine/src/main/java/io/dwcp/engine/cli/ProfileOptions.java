package io.dwcp.engine.cli;

import io.dwcp.driver.DriverProfile;
import io.dwcp.engine.runtime.EngineThreading;
import picocli.CommandLine.Option;

/**
 * Options of every command that launches embedded drivers: the driver profile and how threads are used.
 */
final class ProfileOptions
{
    @Option(names = "--profile", defaultValue = "loopback",
        description = "Driver profile: loopback, lan, wan or low-cpu (default: ${DEFAULT-VALUE}).")
    String profile;

    @Option(names = "--threading", defaultValue = "INVOKER",
        description = "INVOKER (one thread does everything), SHARED or DEDICATED driver threads " +
            "(default: ${DEFAULT-VALUE}).")
    EngineThreading threading;

    /**
     * The named profile.
     *
     * @return the loaded profile.
     * @throws UsageException when no profile has that name.
     */
    DriverProfile driverProfile()
    {
        try
        {
            return DriverProfile.load(profile);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new UsageException(ex.getMessage());
        }
    }
}
