package io.dwcp.engine.cli;

import io.dwcp.driver.AeronDirectories;
import io.dwcp.engine.runtime.EngineBuilder;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/**
 * Options shared by commands that run an engine: where the media driver is and how threads are used.
 */
final class DriverOptions
{
    @Mixin
    ProfileOptions profile;

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
            return builder.externalDriver(externalDriver, profile.threading);
        }
        return builder.embeddedDriver(
            null != aeronDirectory ? aeronDirectory : AeronDirectories.forEmbeddedDriver(role),
            profile.driverProfile(),
            profile.threading);
    }
}
