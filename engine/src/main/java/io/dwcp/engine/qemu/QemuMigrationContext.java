package io.dwcp.engine.qemu;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Settings of one QEMU live migration, with fluent setters. {@link #conclude()} checks them and fills in defaults.
 */
public final class QemuMigrationContext
{
    /** What the agent does when the round cap is reached before the engine reports switchover-ready. */
    public enum RoundCapAction
    {
        /** Stop the guest and switch over anyway: the downtime is longer than the limit, and reported. */
        SWITCH_OVER,
        /** Leave the guest running on the source, cancel the transfer and report that it did not converge. */
        GIVE_UP
    }

    /** Bytes per page: x86's target page. */
    public static final int PAGE_SIZE = 4096;
    /** Default most live rounds, round 0 included, before the round-cap action. */
    public static final int MAX_ROUNDS_DEFAULT = 30;

    private Path sourceQmp;
    private DestinationLauncher destinationLauncher;
    private EngineLink engine;
    private String incomingUri;
    private String vmId = "vm";
    private long transferId;
    private Path workDirectory;
    private int maxRounds = MAX_ROUNDS_DEFAULT;
    private RoundCapAction roundCapAction = RoundCapAction.SWITCH_OVER;
    private long roundTimeoutNs = TimeUnit.MINUTES.toNanos(10);
    private long deviceStateTimeoutNs = TimeUnit.SECONDS.toNanos(60);
    private long connectTimeoutNs = TimeUnit.SECONDS.toNanos(10);
    private int compressionLevel;
    private boolean quitSource;
    private int scanThreads = Math.min(2, Runtime.getRuntime().availableProcessors());
    private MigrationListener listener = new MigrationListener()
    {
    };

    /**
     * Check the settings and fill in the ones left unset.
     *
     * @return this.
     * @throws IllegalArgumentException naming a missing or bad setting.
     * @throws IOException              if no free port can be found for the incoming URI.
     */
    public QemuMigrationContext conclude() throws IOException
    {
        if (null == sourceQmp)
        {
            throw new IllegalArgumentException("sourceQmp is required");
        }
        if (null == destinationLauncher)
        {
            throw new IllegalArgumentException("destinationLauncher is required");
        }
        if (null == engine)
        {
            throw new IllegalArgumentException("engine is required");
        }
        if (scanThreads < 1 || scanThreads > 64)
        {
            throw new IllegalArgumentException("scanThreads must be from 1 to 64: " + scanThreads);
        }
        if (maxRounds < 1)
        {
            throw new IllegalArgumentException("maxRounds must be at least 1: " + maxRounds);
        }
        if (roundTimeoutNs <= 0 || deviceStateTimeoutNs <= 0 || connectTimeoutNs <= 0)
        {
            throw new IllegalArgumentException("timeouts must be positive: round " + roundTimeoutNs +
                " ns, device state " + deviceStateTimeoutNs + " ns");
        }
        if (null == incomingUri)
        {
            incomingUri = "tcp:127.0.0.1:" + freeTcpPort();
        }
        if (!incomingUri.startsWith("tcp:") && !incomingUri.startsWith("unix:"))
        {
            throw new IllegalArgumentException("incomingUri must be tcp:HOST:PORT or unix:PATH: " + incomingUri);
        }
        if (0 == transferId)
        {
            transferId = io.dwcp.engine.security.TransferIds.unguessable();
        }
        if (null == workDirectory)
        {
            final Path shm = Path.of("/dev/shm");
            workDirectory = Files.isDirectory(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir"));
        }
        return this;
    }

    private static int freeTcpPort() throws IOException
    {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            return socket.getLocalPort();
        }
    }

    /**
     * @param sourceQmp the source QEMU's QMP unix socket.
     * @return this.
     */
    public QemuMigrationContext sourceQmp(final Path sourceQmp)
    {
        this.sourceQmp = sourceQmp;
        return this;
    }

    /**
     * @return the source QEMU's QMP unix socket.
     */
    public Path sourceQmp()
    {
        return sourceQmp;
    }

    /**
     * @param destinationLauncher starts the destination QEMU on the receiver's file.
     * @return this.
     */
    public QemuMigrationContext destinationLauncher(final DestinationLauncher destinationLauncher)
    {
        this.destinationLauncher = destinationLauncher;
        return this;
    }

    /**
     * @return starts the destination QEMU.
     */
    public DestinationLauncher destinationLauncher()
    {
        return destinationLauncher;
    }

    /**
     * @param engine the engines that move the RAM.
     * @return this.
     */
    public QemuMigrationContext engine(final EngineLink engine)
    {
        this.engine = engine;
        return this;
    }

    /**
     * @return the engines that move the RAM.
     */
    public EngineLink engine()
    {
        return engine;
    }

    /**
     * @param incomingUri where the destination QEMU listens for the device state, e.g. tcp:10.0.0.2:4444.
     * @return this.
     */
    public QemuMigrationContext incomingUri(final String incomingUri)
    {
        this.incomingUri = incomingUri;
        return this;
    }

    /**
     * @return where the destination QEMU listens for the device state.
     */
    public String incomingUri()
    {
        return incomingUri;
    }

    /**
     * @param vmId names the destination file.
     * @return this.
     */
    public QemuMigrationContext vmId(final String vmId)
    {
        this.vmId = vmId;
        return this;
    }

    /**
     * @return the VM's id.
     */
    public String vmId()
    {
        return vmId;
    }

    /**
     * @param transferId of the engine transfer, 0 for the time in microseconds.
     * @return this.
     */
    public QemuMigrationContext transferId(final long transferId)
    {
        this.transferId = transferId;
        return this;
    }

    /**
     * @return the engine transfer's id.
     */
    public long transferId()
    {
        return transferId;
    }

    /**
     * @param workDirectory holds the shadow copy of the guest's RAM; tmpfs (the default, /dev/shm) keeps it fast.
     * @return this.
     */
    public QemuMigrationContext workDirectory(final Path workDirectory)
    {
        this.workDirectory = workDirectory;
        return this;
    }

    /**
     * @return the directory of the shadow copy.
     */
    public Path workDirectory()
    {
        return workDirectory;
    }

    /**
     * @param maxRounds most live rounds, round 0 included, before the round-cap action.
     * @return this.
     */
    public QemuMigrationContext maxRounds(final int maxRounds)
    {
        this.maxRounds = maxRounds;
        return this;
    }

    /**
     * @return most live rounds.
     */
    public int maxRounds()
    {
        return maxRounds;
    }

    /**
     * @param roundCapAction what to do at the round cap.
     * @return this.
     */
    public QemuMigrationContext roundCapAction(final RoundCapAction roundCapAction)
    {
        this.roundCapAction = roundCapAction;
        return this;
    }

    /**
     * @return what to do at the round cap.
     */
    public RoundCapAction roundCapAction()
    {
        return roundCapAction;
    }

    /**
     * @param roundTimeoutNs longest wait for one round, or for the final digest.
     * @return this.
     */
    public QemuMigrationContext roundTimeoutNs(final long roundTimeoutNs)
    {
        this.roundTimeoutNs = roundTimeoutNs;
        return this;
    }

    /**
     * @return longest wait for one round.
     */
    public long roundTimeoutNs()
    {
        return roundTimeoutNs;
    }

    /**
     * @param deviceStateTimeoutNs longest wait for the destination QEMU to start, and for the device state.
     * @return this.
     */
    public QemuMigrationContext deviceStateTimeoutNs(final long deviceStateTimeoutNs)
    {
        this.deviceStateTimeoutNs = deviceStateTimeoutNs;
        return this;
    }

    /**
     * @return longest wait for the device state.
     */
    public long deviceStateTimeoutNs()
    {
        return deviceStateTimeoutNs;
    }

    /**
     * @param connectTimeoutNs longest wait for the source's QMP socket to accept and greet.
     * @return this.
     */
    public QemuMigrationContext connectTimeoutNs(final long connectTimeoutNs)
    {
        this.connectTimeoutNs = connectTimeoutNs;
        return this;
    }

    /**
     * @return longest wait for the source's QMP socket.
     */
    public long connectTimeoutNs()
    {
        return connectTimeoutNs;
    }

    /**
     * @param compressionLevel zstd level of the transfer, 0 for the engine's default.
     * @return this.
     */
    public QemuMigrationContext compressionLevel(final int compressionLevel)
    {
        this.compressionLevel = compressionLevel;
        return this;
    }

    /**
     * @return zstd level of the transfer.
     */
    public int compressionLevel()
    {
        return compressionLevel;
    }

    /**
     * @param scanThreads threads that scan guest RAM for dirty pages (default: 2, or 1 on one core).
     * @return this.
     */
    public QemuMigrationContext scanThreads(final int scanThreads)
    {
        this.scanThreads = scanThreads;
        return this;
    }

    /**
     * @return threads that scan guest RAM.
     */
    public int scanThreads()
    {
        return scanThreads;
    }

    /**
     * @param quitSource true to quit the source QEMU once the guest runs on the destination.
     * @return this.
     */
    public QemuMigrationContext quitSource(final boolean quitSource)
    {
        this.quitSource = quitSource;
        return this;
    }

    /**
     * @return whether the source QEMU is quit after a switchover.
     */
    public boolean quitSource()
    {
        return quitSource;
    }

    /**
     * @param listener follows the migration.
     * @return this.
     */
    public QemuMigrationContext listener(final MigrationListener listener)
    {
        this.listener = listener;
        return this;
    }

    /**
     * @return follows the migration.
     */
    public MigrationListener listener()
    {
        return listener;
    }
}
