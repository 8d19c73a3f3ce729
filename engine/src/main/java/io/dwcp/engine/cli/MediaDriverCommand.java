package io.dwcp.engine.cli;

import io.aeron.driver.ThreadingMode;
import io.dwcp.driver.DriverProfile;
import io.dwcp.driver.StandaloneDriver;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/**
 * {@code dwcp media-driver}: a standalone Aeron media driver with a named profile.
 */
@Command(name = "media-driver", mixinStandardHelpOptions = true,
    description = "Run a standalone Aeron media driver with a tuned profile, until Ctrl-C.")
final class MediaDriverCommand implements Callable<Integer>
{
    @Option(names = "--profile", defaultValue = "lan",
        description = "loopback, lan, wan or low-cpu (default: ${DEFAULT-VALUE}).")
    String profile;

    @Option(names = "--aeron-dir", required = true, paramLabel = "DIR",
        description = "Directory engines connect to with --external-driver.")
    String aeronDirectory;

    @Option(names = "--threading", defaultValue = "SHARED",
        description = "SHARED (one driver thread) or DEDICATED (three) (default: ${DEFAULT-VALUE}).")
    ThreadingMode threading;

    public Integer call()
    {
        if (ThreadingMode.INVOKER == threading)
        {
            throw new UsageException("--threading INVOKER needs an engine to drive it; use SHARED or DEDICATED");
        }
        final DriverProfile driverProfile;
        try
        {
            driverProfile = DriverProfile.load(profile);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new UsageException(ex.getMessage());
        }
        StandaloneDriver.run(aeronDirectory, driverProfile, threading);
        return 0;
    }
}
