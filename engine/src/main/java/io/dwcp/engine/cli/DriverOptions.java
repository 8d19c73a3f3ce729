package io.dwcp.engine.cli;

import io.dwcp.driver.AeronDirectories;
import io.dwcp.driver.DriverProfile;
import io.dwcp.engine.runtime.EngineBuilder;
import io.dwcp.engine.runtime.EngineThreading;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/**
 * Options shared by commands that run an engine: where the media driver is and how threads are used.
 */
final class DriverOptions
{
    @Option(names = "--profile", defaultValue = "loopback",
        description = "Driver profile: loopback, lan, wan or low-cpu (default: ${DEFAULT-VALUE}).")
    String profile;

    @Option(names = "--threading", defaultValue = "INVOKER",
        description = "INVOKER (one thread does everything), SHARED or DEDICATED driver threads " +
            "(default: ${DEFAULT-VALUE}).")
    EngineThreading threading;

    @Option(names = "--external-driver", paramLabel = "AERON_DIR",
        description = "Use a media driver already running with this directory instead of an embedded one.")
    String externalDriver;

    @Option(names = "--aeron-dir", paramLabel = "DIR",
        description = "Directory for the embedded driver (default: a new directory under /dev/shm or the temp dir).")
    Path aeronDirectory;

    EngineBuilder apply(final EngineBuilder builder, final String role)
    {
        if (null != externalDriver)
        {
            return builder.externalDriver(externalDriver);
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
        return builder.embeddedDriver(
            null != aeronDirectory ? aeronDirectory : AeronDirectories.forEmbeddedDriver(role), driverProfile, threading);
    }
}
