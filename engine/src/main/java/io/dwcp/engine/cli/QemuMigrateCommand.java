package io.dwcp.engine.cli;

import io.dwcp.engine.qemu.DestinationCommand;
import io.dwcp.engine.qemu.DestinationLauncher;
import io.dwcp.engine.qemu.EngineLink;
import io.dwcp.engine.qemu.MigrationListener;
import io.dwcp.engine.qemu.MigrationSummary;
import io.dwcp.engine.qemu.QemuMigration;
import io.dwcp.engine.qemu.QemuMigrationContext;
import io.dwcp.engine.qemu.QemuProcess;
import io.dwcp.engine.runtime.LocalMigration;
import org.agrona.CloseHelper;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@code dwcp qemu-migrate}: live-migrate a running QEMU guest whose RAM is a shared file, the RAM through the
 * engine and the device state through QEMU.
 */
@Command(name = "qemu-migrate", mixinStandardHelpOptions = true,
    description = {
        "Live-migrate a running QEMU guest: its RAM (a shared memory-backend-file) through the engine in pre-copy",
        "rounds found by checksum scans, then the device state through QEMU's own migration with x-ignore-shared.",
        "With no --commands, runs a sender and a receiver engine here over UDP loopback." })
final class QemuMigrateCommand implements Callable<Integer>
{
    @Option(names = "--source-qmp", required = true, paramLabel = "SOCKET",
        description = "The source QEMU's QMP unix socket (-qmp unix:SOCKET,server=on,wait=off).")
    Path sourceQmp;

    @Option(names = "--destination-command", paramLabel = "CMD", description = {
        "Shell command that starts the destination QEMU; {ram} is replaced by the receiver's file and {qmp} by a",
        "socket path. It must map {ram} with share=on and pass -S -incoming defer. Default: the source's own",
        "command line with mem-path, -qmp and file chardevs changed." })
    String destinationCommand;

    @Option(names = "--incoming", paramLabel = "URI",
        description = "Where the destination listens for the device state (default: tcp:127.0.0.1:FREE_PORT).")
    String incoming;

    @Option(names = "--vm-id", defaultValue = "vm",
        description = "VM id; names the destination file (default: ${DEFAULT-VALUE}).")
    String vmId;

    @Option(names = "--transfer-id", defaultValue = "0",
        description = "Transfer id (default: the time in microseconds).")
    long transferId;

    @Option(names = "--max-rounds", defaultValue = "30",
        description = "Most live rounds, round 0 included, before --at-round-cap (default: ${DEFAULT-VALUE}).")
    int maxRounds;

    @Option(names = "--at-round-cap", defaultValue = "switch-over", paramLabel = "switch-over|give-up",
        description = "At the round cap: switch over with the longer downtime, or give up and leave the guest " +
        "running (default: ${DEFAULT-VALUE}).")
    String atRoundCap;

    @Option(names = "--downtime-limit-ms", defaultValue = "300",
        description = "Expected downtime under which the local engine reports switchover-ready (default: " +
        "${DEFAULT-VALUE}).")
    long downtimeLimitMs;

    @Option(names = "--level", defaultValue = "0", description = "zstd level; 0 for the engine's default.")
    int level;

    @Option(names = "--quit-source", description = "Quit the source QEMU once the guest runs on the destination.")
    boolean quitSource;

    @Option(names = "--work-dir", paramLabel = "DIR",
        description = "Queues, destination files and logs of the local engines (default: a new one in /dev/shm).")
    Path workDirectory;

    @Option(names = "--commands", paramLabel = "DIR", description = "An external sender's command queue.")
    Path commands;

    @Option(names = "--events", paramLabel = "DIR", description = "That sender's events queue.")
    Path events;

    @Option(names = "--receiver", paramLabel = "HOST:PORT", description = "The external receiver's endpoint.")
    String receiver;

    @Option(names = "--destination-dir", paramLabel = "DIR", description = "The external receiver's --output-dir.")
    Path destinationDirectory;

    @Mixin
    ProfileOptions profileOptions;

    private final PrintStream out;

    QemuMigrateCommand(final PrintStream out)
    {
        this.out = out;
    }

    public Integer call() throws Exception
    {
        final QemuMigrationContext.RoundCapAction capAction = switch (atRoundCap)
        {
            case "switch-over" -> QemuMigrationContext.RoundCapAction.SWITCH_OVER;
            case "give-up" -> QemuMigrationContext.RoundCapAction.GIVE_UP;
            default -> throw new UsageException("--at-round-cap must be switch-over or give-up, not '" +
                atRoundCap + "'");
        };
        if (maxRounds < 1)
        {
            throw new UsageException("--max-rounds " + maxRounds + " must be at least 1");
        }
        if (!Files.exists(sourceQmp))
        {
            throw new UsageException("--source-qmp " + sourceQmp + " does not exist (is QEMU running with " +
                "-qmp unix:" + sourceQmp + ",server=on,wait=off?)");
        }
        final boolean isExternal = null != commands || null != events || null != receiver ||
            null != destinationDirectory;
        if (isExternal && (null == commands || null == events || null == receiver || null == destinationDirectory))
        {
            throw new UsageException("an external engine needs all of --commands, --events, --receiver and " +
                "--destination-dir");
        }

        final Path directory = null != workDirectory ? Files.createDirectories(workDirectory) :
            Files.createTempDirectory(Files.isDirectory(Path.of("/dev/shm")) ? Path.of("/dev/shm") :
            Path.of(System.getProperty("java.io.tmpdir")), "dwcp-qemu-");
        LocalMigration local = null;
        EngineLink link = null;
        try
        {
            if (isExternal)
            {
                link = EngineLink.ofQueues(commands, events, receiver, destinationDirectory);
            }
            else
            {
                local = new LocalMigration(directory.resolve("engines"), false, profileOptions.driverProfile(),
                    profileOptions.threading,
                    (context) -> context.switchoverDowntimeLimitNs(TimeUnit.MILLISECONDS.toNanos(downtimeLimitMs)),
                    (ex) -> out.println("engine error: " + ex));
                link = EngineLink.of(local);
            }
            final DestinationLauncher launcher = null != destinationCommand ?
                DestinationCommand.fromTemplate(destinationCommand, directory) :
                DestinationCommand.derivedFromSource(sourceQmp, directory);
            final QemuMigration migration = new QemuMigration(new QemuMigrationContext()
                .sourceQmp(sourceQmp)
                .destinationLauncher(launcher)
                .engine(link)
                .incomingUri(incoming)
                .vmId(vmId)
                .transferId(transferId)
                .workDirectory(directory)
                .maxRounds(maxRounds)
                .roundCapAction(capAction)
                .compressionLevel(level)
                .quitSource(quitSource)
                .listener(new MigrationListener()
                {
                    public void onLog(final String line)
                    {
                        out.println(line);
                    }
                }));
            final MigrationSummary summary = migration.run();
            out.println();
            out.print(summary.format());
            final QemuProcess destination = migration.destinationProcess();
            if (null != destination)
            {
                out.println("destination QEMU pid " + destination.pid() + " runs the guest; QMP " +
                    destination.qmpSocket());
            }
            CloseHelper.close(migration.destinationQmp());
            return summary.isCompleted() ? 0 : 1;
        }
        finally
        {
            CloseHelper.closeAll(link, local);
        }
    }
}
