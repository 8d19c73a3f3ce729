package io.dwcp.engine.cli;

import io.dwcp.driver.DriverProfile;
import io.dwcp.engine.memory.ImageComparison;
import io.dwcp.engine.qemu.EngineLink;
import io.dwcp.engine.qemu.MigrationListener;
import io.dwcp.engine.qemu.MigrationSummary;
import io.dwcp.engine.qemu.QemuMigration;
import io.dwcp.engine.qemu.QemuMigrationContext;
import io.dwcp.engine.qemu.QemuProcess;
import io.dwcp.engine.qemu.TestGuest;
import io.dwcp.engine.runtime.EngineThreading;
import io.dwcp.engine.runtime.LocalMigration;
import org.agrona.CloseHelper;
import org.agrona.IoUtil;

import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * {@code dwcp demo --qemu}: builds the small guest, boots it under TCG with its RAM in a shared file, live-migrates
 * it through two engines to a destination QEMU, and shows that it runs on there: the heartbeat goes on on the
 * destination's console, and the destination's RAM equals the source's at switchover.
 */
final class QemuDemo
{
    private static final long BOOT_TIMEOUT_MS = 120_000;
    private static final long HEARTBEATS_SHOWN = 3;

    private final PrintStream out;
    private final long ramBytes;
    private final DriverProfile profile;
    private final EngineThreading threading;

    QemuDemo(final PrintStream out, final long ramBytes, final DriverProfile profile, final EngineThreading threading)
    {
        this.out = out;
        this.ramBytes = ramBytes;
        this.profile = profile;
        this.threading = threading;
    }

    int run(final Path directory, final boolean keep) throws Exception
    {
        out.println("building the guest: perf/qemu/guest.sh (a Debian kernel and a busybox initramfs, cached)");
        final TestGuest guest = TestGuest.build();
        final Path workDirectory = null != directory ? Files.createDirectories(directory) :
            Files.createTempDirectory(Files.isDirectory(Path.of("/dev/shm")) ? Path.of("/dev/shm") :
            Path.of(System.getProperty("java.io.tmpdir")), "dwcp-demo-qemu-");
        QemuProcess source = null;
        LocalMigration engines = null;
        QemuMigration migration = null;
        try
        {
            source = boot(guest, workDirectory);
            engines = new LocalMigration(workDirectory.resolve("engines"), false, profile, threading,
                (context) -> {}, (ex) -> out.println("engine error: " + ex));
            final Path sourceSerial = workDirectory.resolve("source.serial");
            final long[] heartbeatAtSwitchover = { -1 };
            final long[] difference = { 0 };
            migration = new QemuMigration(new QemuMigrationContext()
                .sourceQmp(source.qmpSocket())
                .destinationLauncher(guest.destinationLauncher(workDirectory, ramBytes, ""))
                .engine(EngineLink.of(engines))
                .vmId("demo-guest")
                .transferId(1)
                .workDirectory(workDirectory)
                .listener(new MigrationListener()
                {
                    public void onLog(final String line)
                    {
                        out.println(line);
                    }

                    public void beforeResume(final Path sourceRam, final Path destinationRam) throws Exception
                    {
                        heartbeatAtSwitchover[0] = TestGuest.lastHeartbeat(sourceSerial);
                        difference[0] = ImageComparison.firstDifference(sourceRam, destinationRam);
                    }
                }));
            final MigrationSummary summary = migration.run();
            out.println();
            out.print(summary.format());
            if (!summary.isCompleted())
            {
                out.println("FAILED: " + summary.failure());
                return 1;
            }
            return showGuestMoved(workDirectory, engines, heartbeatAtSwitchover[0], difference[0]);
        }
        finally
        {
            if (null != migration)
            {
                CloseHelper.closeAll(migration.destinationQmp(), migration.destinationProcess());
            }
            CloseHelper.closeAll(source, engines);
            if (keep)
            {
                out.println("kept " + workDirectory);
            }
            else
            {
                IoUtil.delete(workDirectory.toFile(), true);
            }
        }
    }

    private QemuProcess boot(final TestGuest guest, final Path workDirectory) throws Exception
    {
        final Path ram = workDirectory.resolve("source.ram");
        try (RandomAccessFile file = new RandomAccessFile(ram.toFile(), "rw"))
        {
            file.setLength(ramBytes);
        }
        final Path serial = workDirectory.resolve("source.serial");
        final List<String> command = guest.commandLine(ramBytes, ram, workDirectory.resolve("source.qmp"), serial, "");
        out.printf(Locale.ROOT, "booting the source guest (TCG, %d MiB of RAM in %s, share=on)%n", ramBytes >> 20, ram);
        final QemuProcess source = QemuProcess.start(command, workDirectory.resolve("source.qmp"),
            workDirectory.resolve("source.log"));
        final long startNs = System.nanoTime();
        while (TestGuest.lastHeartbeat(serial) < HEARTBEATS_SHOWN)
        {
            if (!source.isAlive() || System.nanoTime() - startNs > TimeUnit.MILLISECONDS.toNanos(BOOT_TIMEOUT_MS))
            {
                source.close();
                throw new IOException("the source guest did not boot: " + source.logTail());
            }
            Thread.sleep(50);
        }
        out.printf(Locale.ROOT, "source guest up in %.1f s; its console: %s%n", (System.nanoTime() - startNs) / 1e9,
            lastLines(serial, 1));
        return source;
    }

    private int showGuestMoved(
        final Path workDirectory, final LocalMigration engines, final long heartbeatAtSwitchover, final long difference)
        throws Exception
    {
        final Path destinationSerial = TestGuest.destinationSerial(workDirectory,
            engines.destinationOf("demo-guest", 1));
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (TestGuest.lastHeartbeat(destinationSerial) < heartbeatAtSwitchover + HEARTBEATS_SHOWN &&
            System.nanoTime() - deadlineNs < 0)
        {
            Thread.sleep(50);
        }
        out.println();
        out.println("source console, last line:       " + lastLines(workDirectory.resolve("source.serial"), 1));
        out.println("destination console, first lines: " + firstLines(destinationSerial, (int)HEARTBEATS_SHOWN));
        final long first = TestGuest.firstHeartbeat(destinationSerial);
        final long last = TestGuest.lastHeartbeat(destinationSerial);
        // A line the source was printing as it stopped may be cut in two between the consoles.
        final boolean heartbeatGoesOn = first > heartbeatAtSwitchover && first <= heartbeatAtSwitchover + 2 &&
            last > first;
        out.println(heartbeatGoesOn ?
            "heartbeat  goes on on the destination from " + first + " (the source stopped at " +
            heartbeatAtSwitchover + ")" :
            "heartbeat  FAILED: the destination printed " + first + ".." + last + " after the source's " +
            heartbeatAtSwitchover);
        out.println(difference < 0 ?
            "RAM        the destination's RAM equals the source's at switchover, byte for byte" :
            "RAM        FAILED: the destination's RAM differs from the source's at byte " + difference);
        return heartbeatGoesOn && difference < 0 ? 0 : 1;
    }

    private static String lastLines(final Path file, final int count) throws IOException
    {
        final List<String> lines = heartbeatLines(file);
        return String.join(" | ", lines.subList(Math.max(0, lines.size() - count), lines.size()));
    }

    private static String firstLines(final Path file, final int count) throws IOException
    {
        final List<String> lines = heartbeatLines(file);
        return String.join(" | ", lines.subList(0, Math.min(count, lines.size())));
    }

    private static List<String> heartbeatLines(final Path file) throws IOException
    {
        if (!Files.exists(file))
        {
            return List.of();
        }
        return Files.readAllLines(file, java.nio.charset.StandardCharsets.ISO_8859_1).stream()
            .map(String::trim).filter((line) -> line.startsWith("heartbeat")).toList();
    }
}
