package io.dwcp.engine.cli;

import io.dwcp.engine.config.SecurityConfiguration;
import io.dwcp.engine.security.EngineSecurity;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * The options that say how an engine authenticates: its key file and peers file, or {@code --insecure}.
 */
final class SecurityOptions
{
    @Option(names = "--key", paramLabel = "FILE", description = "This engine's key file, from 'dwcp keygen'.")
    Path keyFile;

    @Option(names = "--peers", paramLabel = "FILE",
        description = "The engines this one trusts: '<name> <public key> [<endpoint>]' per line.")
    Path peersFile;

    @Option(names = "--insecure",
        description = "No authentication and frames in clear, on loopback only. Never across hosts.")
    boolean isInsecure;

    /**
     * The security these options, or else the system properties, name.
     *
     * @return the settings.
     * @throws UsageException when none is given, or a file cannot be read.
     */
    EngineSecurity resolve()
    {
        if (isInsecure)
        {
            if (null != keyFile || null != peersFile)
            {
                throw new UsageException("--insecure goes with neither --key nor --peers");
            }
            return EngineSecurity.insecure();
        }
        if (null != keyFile || null != peersFile)
        {
            if (null == keyFile || null == peersFile)
            {
                throw new UsageException("--key and --peers go together");
            }
            try
            {
                return EngineSecurity.load(keyFile, peersFile);
            }
            catch (final IOException | IllegalArgumentException ex)
            {
                throw new UsageException("cannot load --key " + keyFile + " and --peers " + peersFile + ": " +
                    ex.getMessage());
            }
        }
        final EngineSecurity fromProperties;
        try
        {
            fromProperties = SecurityConfiguration.security();
        }
        catch (final UncheckedIOException | IllegalArgumentException ex)
        {
            throw new UsageException(ex.getMessage());
        }
        if (null == fromProperties)
        {
            throw new UsageException("no key: give --key FILE and --peers FILE ('dwcp keygen' makes a key), " +
                "or --insecure on loopback");
        }
        return fromProperties;
    }
}
