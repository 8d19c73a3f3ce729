package io.dwcp.engine.cli;

import io.dwcp.engine.queue.SbeQueues;
import io.dwcp.engine.runtime.Engine;
import io.dwcp.engine.runtime.EngineBuilder;
import io.dwcp.engine.security.EngineSecurity;
import io.dwcp.engine.transport.Channels;
import net.openhft.chronicle.queue.ChronicleQueue;
import org.agrona.CloseHelper;
import org.agrona.concurrent.ShutdownSignalBarrier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code dwcp receive}: a receiver engine writing destination images until it is signalled.
 */
@Command(name = "receive", mixinStandardHelpOptions = true,
    description = "Run a receiver engine that writes each transfer to OUTPUT_DIR/<vm>-<transfer>.img, until Ctrl-C.")
final class ReceiveCommand implements Callable<Integer>
{
    @Option(names = "--endpoint", defaultValue = "0.0.0.0:40123",
        description = "host:port to receive on, or aeron:ipc (default: ${DEFAULT-VALUE}).")
    String endpoint;

    @Option(names = "--output-dir", required = true, paramLabel = "DIR", description = "Where destination images go.")
    Path outputDirectory;

    @Option(names = "--events", paramLabel = "DIR", description = "Events queue for the destination agent (optional).")
    Path events;

    @Mixin
    DriverOptions driver;

    @Mixin
    SecurityOptions security;

    private final PrintStream out;

    ReceiveCommand(final PrintStream out)
    {
        this.out = out;
    }

    public Integer call()
    {
        try
        {
            Channels.channelFor(endpoint);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new UsageException("--endpoint: " + ex.getMessage());
        }
        try
        {
            Files.createDirectories(outputDirectory);
        }
        catch (final java.io.IOException ex)
        {
            throw new UsageException("--output-dir " + outputDirectory + " cannot be created: " + ex.getMessage());
        }

        final EngineSecurity engineSecurity = security.resolve();
        if (engineSecurity.isInsecure() && !Channels.isLoopback(endpoint))
        {
            throw new UsageException("--insecure receives on loopback only, not on --endpoint " + endpoint);
        }
        final ChronicleQueue eventQueue = null != events ? SbeQueues.open(events) : null;
        WarmUpStep.run(out, "receiver", driver.profile.driverProfile());
        try (ShutdownSignalBarrier barrier = new ShutdownSignalBarrier();
            Engine engine = driver.apply(new EngineBuilder("receiver"), "receiver")
                .receiver((context) -> context.dataEndpoint(endpoint).outputDirectory(outputDirectory)
                    .eventQueue(eventQueue).security(engineSecurity))
                .errorHandler((ex) -> System.err.println("receiver error: " + ex))
                .launch())
        {
            out.println("receiver running on " + endpoint + ", writing to " + outputDirectory + ", Aeron directory " +
                engine.runner().aeron().context().aeronDirectoryName() + ", " + engineSecurity + " (Ctrl-C to stop)");
            barrier.await();
            out.println("receiver stopping");
        }
        finally
        {
            CloseHelper.quietClose(eventQueue);
        }
        return 0;
    }
}
