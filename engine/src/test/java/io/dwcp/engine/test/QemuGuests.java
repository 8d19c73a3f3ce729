package io.dwcp.engine.test;

import io.dwcp.engine.qemu.DestinationLauncher;
import io.dwcp.engine.qemu.QemuProcess;
import io.dwcp.engine.qemu.TestGuest;
import org.agrona.IoUtil;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Real QEMU guests for the system tests: the guest perf/qemu/guest.sh builds (installing QEMU when missing and root),
 * booted under TCG with its RAM in a shared file on tmpfs.
 */
public final class QemuGuests
{
    /** RAM of the test guests: small, so TCG boots and scans fast. */
    public static final long RAM_BYTES = 256L * 1024 * 1024;

    private static TestGuest guest;

    private QemuGuests()
    {
    }

    /**
     * The guest, built once per JVM.
     *
     * @return kernel and initramfs.
     * @throws IOException if the build script fails.
     */
    public static synchronized TestGuest guest() throws IOException
    {
        if (null == guest)
        {
            guest = TestGuest.build();
        }
        return guest;
    }

    /**
     * A fresh directory on tmpfs, where guest RAM belongs: a shared file on disk would be written back.
     *
     * @param name part of the directory's name.
     * @return the directory; delete it with {@link #delete(Path)}.
     * @throws IOException if it cannot be made.
     */
    public static Path tmpfsDirectory(final String name) throws IOException
    {
        final Path shm = Path.of("/dev/shm");
        return Files.createTempDirectory(Files.isDirectory(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir")),
            "dwcp-" + name + "-");
    }

    /**
     * Delete a directory and what it holds.
     *
     * @param directory to delete; null is ignored.
     */
    public static void delete(final Path directory)
    {
        if (null != directory)
        {
            IoUtil.delete(directory.toFile(), true);
        }
    }

    /**
     * Boot a source guest and wait until its workload runs and it has printed a heartbeat.
     *
     * @param directory  for its RAM file, QMP socket and logs.
     * @param append     kernel command line words for the workload, or "".
     * @param extraArgs  more QEMU arguments, e.g. a device.
     * @return the running QEMU.
     * @throws IOException if it does not come up.
     */
    public static QemuProcess bootSource(final Path directory, final String append, final String... extraArgs)
        throws IOException
    {
        final Path ram = directory.resolve("source.ram");
        try (RandomAccessFile file = new RandomAccessFile(ram.toFile(), "rw"))
        {
            file.setLength(RAM_BYTES);
        }
        final List<String> command = new ArrayList<>(guest().commandLine(
            RAM_BYTES, ram, directory.resolve("source.qmp"), sourceSerial(directory), append));
        command.addAll(List.of(extraArgs));
        final QemuProcess qemu = QemuProcess.start(command, directory.resolve("source.qmp"),
            directory.resolve("source.log"));
        try
        {
            Await.until("the source guest's first heartbeat", 120_000, () -> heartbeat(sourceSerial(directory)) >= 1);
        }
        catch (final AssertionError ex)
        {
            qemu.close();
            throw new IOException("the guest did not boot: " + qemu.logTail(), ex);
        }
        return qemu;
    }

    /**
     * The source guest's serial console log.
     *
     * @param directory the source's directory.
     * @return the log file.
     */
    public static Path sourceSerial(final Path directory)
    {
        return directory.resolve("source.serial");
    }

    /**
     * A launcher of destination QEMUs for the test guest: the same machine on the receiver's file, paused, waiting
     * for the device state. Each gets its own QMP socket and serial log beside the RAM file's name in
     * {@code directory}.
     *
     * @param directory where the destination's socket and logs go.
     * @param append    the same kernel command line as the source's.
     * @param extraArgs more QEMU arguments.
     * @return the launcher.
     * @throws IOException if the guest cannot be built.
     */
    public static DestinationLauncher destinationLauncher(
        final Path directory, final String append, final String... extraArgs) throws IOException
    {
        return guest().destinationLauncher(directory, RAM_BYTES, append, extraArgs);
    }

    /**
     * The serial console log of the destination started on a RAM file.
     *
     * @param directory the launcher's directory.
     * @param ramFile   the destination's RAM file.
     * @return the log file.
     */
    public static Path destinationSerial(final Path directory, final Path ramFile)
    {
        return TestGuest.destinationSerial(directory, ramFile);
    }

    /**
     * The highest heartbeat in a serial log, or -1.
     *
     * @param serialLog the log.
     * @return the counter.
     */
    public static long heartbeat(final Path serialLog)
    {
        try
        {
            return TestGuest.lastHeartbeat(serialLog);
        }
        catch (final IOException ex)
        {
            return -1;
        }
    }
}
