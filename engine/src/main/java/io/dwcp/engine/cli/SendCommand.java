package io.dwcp.engine.cli;

import io.dwcp.engine.queue.SbeQueues;
import io.dwcp.engine.runtime.Engine;
import io.dwcp.engine.runtime.EngineBuilder;
import io.dwcp.engine.security.EngineSecurity;
import io.dwcp.engine.transport.Channels;
import net.openhft.chronicle.queue.ChronicleQueue;
import org.agrona.concurrent.ShutdownSignalBarrier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code dwcp send}: a sender engine serving a command queue until it is signalled.
 */
@Command(name = "send", mixinStandardHelpOptions = true,
    description = "Run a sender engine that serves a command queue and writes an events queue, until Ctrl-C.")
final class SendCommand implements Callable<Integer>
{
    @Option(names = "--commands", required = true, paramLabel = "DIR", description = "Command queue directory.")
    Path commands;

    @Option(names = "--events", required = true, paramLabel = "DIR", description = "Events queue directory.")
    Path events;

    @Option(names = "--control-endpoint", defaultValue = "localhost:40124",
        description = "host:port receivers reply to, or aeron:ipc (default: ${DEFAULT-VALUE}).")
    String controlEndpoint;

    @Option(names = "--reply-endpoint", paramLabel = "HOST:PORT",
        description = "host:port the receivers are told to reply to, when it forwards to the control endpoint " +
            "(a relay, a NAT); default: the control endpoint.")
    String replyEndpoint;

    @Option(names = "--level", defaultValue = "1", description = "Default zstd level (default: ${DEFAULT-VALUE}).")
    int level;

    @Mixin
    SenderOptions sender;

    @Mixin
    DriverOptions driver;

    @Mixin
    SecurityOptions security;

    private final PrintStream out;

    SendCommand(final PrintStream out)
    {
        this.out = out;
    }

    public Integer call()
    {
        try
        {
            Channels.channelFor(controlEndpoint);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new UsageException("--control-endpoint: " + ex.getMessage());
        }

        final EngineSecurity engineSecurity = security.resolve();
        if (engineSecurity.isInsecure() && !Channels.isLoopback(controlEndpoint))
        {
            throw new UsageException("--insecure sends on loopback only, not with --control-endpoint " +
                controlEndpoint);
        }
        WarmUpStep.run(out, "sender", driver.profile.driverProfile());
        try (ShutdownSignalBarrier barrier = new ShutdownSignalBarrier();
            ChronicleQueue commandQueue = SbeQueues.open(commands);
            ChronicleQueue eventQueue = SbeQueues.open(events);
            Engine engine = driver.apply(new EngineBuilder("sender"), "sender")
                .sender((context) -> sender.apply(context.commandQueue(commandQueue).eventQueue(eventQueue)
                    .controlEndpoint(controlEndpoint).replyEndpoint(replyEndpoint).compressionLevel(level)
                    .security(engineSecurity)))
                .errorHandler((ex) -> System.err.println("sender error: " + ex))
                .launch())
        {
            out.println("sender running: commands " + commands + ", events " + events + ", replies on " +
                controlEndpoint + ", Aeron directory " + engine.runner().aeron().context().aeronDirectoryName() +
                (null != sender.recording ? ", recording into " + sender.recording : "") + ", " + engineSecurity +
                " (Ctrl-C to stop)");
            barrier.await();
            out.println("sender stopping");
        }
        return 0;
    }
}
