package io.dwcp.perf.capture;

import io.dwcp.engine.qemu.QemuProcess;
import io.dwcp.engine.qemu.QmpClient;
import io.dwcp.engine.qemu.QmpException;
import io.dwcp.engine.qemu.TestGuest;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A small QEMU guest under TCG whose RAM is a shared {@code memory-backend-file}: the guest the QEMU demo and tests
 * boot (a Debian kernel and a busybox initramfs whose workload keeps dirtying memory and prints a heartbeat). Its
 * one range is the whole file, addressed by file offset; a snapshot stops the guest through QMP ({@code stop}),
 * reads the file and lets it run again ({@code cont}).
 * <p>
 * Not thread safe: one series drives it.
 */
public final class QemuGuestSource implements MemorySource
{
    private static final long QMP_TIMEOUT_MS = 10_000;
    private static final long HEARTBEATS_BEFORE_READY = 3;

    private final long ramBytes;
    private final Path directory;
    private final Path ramFile;
    private QemuProcess qemu;
    private QmpClient qmp;
    private FileChannel ram;

    /**
     * A guest not yet started.
     *
     * @param ramBytes  guest RAM, a whole number of MiB.
     * @param directory where its RAM file, QMP socket and logs go.
     */
    public QemuGuestSource(final long ramBytes, final Path directory)
    {
        this.ramBytes = ramBytes & ~((1L << 20) - 1);
        this.directory = directory;
        this.ramFile = directory.resolve("guest.ram");
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public String name()
    {
        return "qemu";
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void start(final long timeoutNs) throws IOException, InterruptedException
    {
        final TestGuest guest = TestGuest.build();
        Files.createDirectories(directory);
        try (RandomAccessFile file = new RandomAccessFile(ramFile.toFile(), "rw"))
        {
            file.setLength(ramBytes);
        }
        final Path serial = directory.resolve("guest.serial");
        final Path socket = directory.resolve("guest.qmp");
        qemu = QemuProcess.start(guest.commandLine(ramBytes, ramFile, socket, serial, ""), socket,
            directory.resolve("guest.log"));
        try
        {
            qmp = qemu.connectQmp(QMP_TIMEOUT_MS);
        }
        catch (final QmpException ex)
        {
            throw new IOException("cannot talk QMP to the guest: " + ex.getMessage() + "; " + qemu.logTail(), ex);
        }
        final long deadline = System.nanoTime() + timeoutNs;
        while (TestGuest.lastHeartbeat(serial) < HEARTBEATS_BEFORE_READY)
        {
            if (!qemu.isAlive() || System.nanoTime() > deadline)
            {
                throw new IOException("the guest did not boot: " + qemu.logTail());
            }
            TimeUnit.MILLISECONDS.sleep(50);
        }
        ram = FileChannel.open(ramFile, StandardOpenOption.READ);
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void pause() throws IOException
    {
        execute("stop");
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void resume() throws IOException
    {
        execute("cont");
    }

    private void execute(final String command) throws IOException
    {
        try
        {
            qmp.execute(command, Map.of(), QMP_TIMEOUT_MS);
        }
        catch (final QmpException ex)
        {
            throw new IOException("QMP " + command + " failed: " + ex.getMessage(), ex);
        }
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public List<MemoryRange> ranges()
    {
        return List.of(new MemoryRange(0, ramBytes, "rw-s", 0, ramFile.toString()));
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public int read(final long address, final ByteBuffer target) throws IOException
    {
        int total = 0;
        long position = address;
        while (target.hasRemaining() && position < ramBytes)
        {
            final int read = ram.read(target, position);
            if (read <= 0)
            {
                break;
            }
            total += read;
            position += read;
        }
        return total;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public Map<String, String> description()
    {
        final Map<String, String> description = new LinkedHashMap<>();
        description.put("pid", null == qemu ? "" : Long.toString(qemu.pid()));
        description.put("command", null == qemu ? "" : String.join(" ", qemu.command()));
        description.put("ramBytes", Long.toString(ramBytes));
        return description;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void close()
    {
        try
        {
            if (null != ram)
            {
                ram.close();
            }
        }
        catch (final IOException ignore)
        {
            // Closing a read-only channel: nothing is lost.
        }
        if (null != qmp)
        {
            qmp.close();
        }
        if (null != qemu)
        {
            qemu.close();
        }
        try
        {
            Files.deleteIfExists(ramFile);
        }
        catch (final IOException ignore)
        {
            // A temporary file left behind in the capture's work directory.
        }
    }
}
