package io.dwcp.engine.qemu;

import org.agrona.CloseHelper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The destination QEMU of a migration: started on the receiver's file, checked, waiting for the device state, then
 * resumed. {@link #close()} kills it; a completed migration hands it to the caller instead.
 * <p>
 * Not thread safe: use from the agent's thread.
 */
final class DestinationQemu implements AutoCloseable
{
    private static final long POLL_SLEEP_MS = 1;
    /** QEMU sends its run-state events before it answers the command that caused them: they are there already. */
    static final long EVENT_WAIT_MS = 500;

    private final QemuProcess process;
    private final Path ramFile;
    private final long timeoutNs;
    private QmpClient qmp;

    private DestinationQemu(final QemuProcess process, final Path ramFile, final long timeoutNs)
    {
        this.process = process;
        this.ramFile = ramFile;
        this.timeoutNs = timeoutNs;
    }

    /**
     * Start the destination QEMU; {@link #prepare} then makes it wait for the device state. Its start overlaps the
     * first round.
     *
     * @param launcher  starts the process.
     * @param ramFile   the receiver's destination file.
     * @param timeoutNs longest wait for it to start, and later for each step.
     * @return the destination, starting.
     * @throws IOException if the process cannot start.
     */
    static DestinationQemu start(final DestinationLauncher launcher, final Path ramFile, final long timeoutNs)
        throws IOException
    {
        return new DestinationQemu(launcher.launch(ramFile), ramFile, timeoutNs);
    }

    /**
     * Connect to it, check that it maps the receiver's file whole, and make it listen for the device state.
     *
     * @param ramBytes    the guest's RAM, which the destination must map whole.
     * @param incomingUri where it listens.
     * @throws Exception if it does not start, maps another file, or refuses a command.
     */
    void prepare(final long ramBytes, final String incomingUri) throws Exception
    {
        qmp = process.connectQmp(TimeUnit.NANOSECONDS.toMillis(timeoutNs));
        final GuestRam ram = GuestRam.of(qmp);
        if (!Files.isSameFile(ram.file(), ramFile) || ram.sizeBytes() != ramBytes)
        {
            throw new MigrationFailure("the destination QEMU's RAM is " + ram.file() + " (" + ram.sizeBytes() +
                " bytes), not the receiver's " + ramFile + " (" + ramBytes + " bytes)");
        }
        ignoreShared(qmp);
        qmp.execute("migrate-incoming", Map.of("uri", incomingUri));
    }

    /**
     * Let QEMU skip RAM in shared files when it migrates.
     *
     * @param qmp the QEMU to set.
     * @throws QmpException if QEMU refuses.
     */
    static void ignoreShared(final QmpClient qmp) throws QmpException
    {
        qmp.execute("migrate-set-capabilities", Map.of("capabilities",
            List.of(Map.of("capability", "x-ignore-shared", "state", true))));
    }

    /**
     * Wait until the device state is loaded. The source reports its migration completed once it has sent the
     * stream; the destination may still fail to load it, and exit.
     *
     * @return the destination's run state: paused, or running if it started by itself.
     * @throws Exception if it exits or does not load in time.
     */
    String awaitLoaded() throws Exception
    {
        final long deadlineNs = System.nanoTime() + timeoutNs;
        while (true)
        {
            final String status = statusOrNull(qmp);
            if (null == status || !process.isAlive())
            {
                throw new MigrationFailure("the destination QEMU exited during the device-state migration" +
                    exitDescription());
            }
            if (!"inmigrate".equals(status))
            {
                if (!"paused".equals(status) && !"running".equals(status))
                {
                    throw new MigrationFailure("the destination is '" + status + "' after the device state");
                }
                return status;
            }
            if (System.nanoTime() - deadlineNs > 0)
            {
                throw new MigrationFailure("the destination did not load the device state within " +
                    TimeUnit.NANOSECONDS.toSeconds(timeoutNs) + " s");
            }
            Thread.sleep(POLL_SLEEP_MS);
        }
    }

    /**
     * Resume the guest here and wait until it runs.
     *
     * @param loadedStatus what {@link #awaitLoaded()} returned: nothing to do if it is already running.
     * @throws Exception if QEMU refuses or exits.
     */
    void resume(final String loadedStatus) throws Exception
    {
        if ("running".equals(loadedStatus))
        {
            return;
        }
        // QEMU starts the guest before it answers cont, so one look at the status normally finds it running.
        qmp.execute("cont", Map.of());
        final long deadlineNs = System.nanoTime() + timeoutNs;
        while (!"running".equals(statusOrNull(qmp)))
        {
            if (!qmp.isConnected())
            {
                throw new MigrationFailure("the destination QEMU exited as it was resumed" + exitDescription());
            }
            if (System.nanoTime() - deadlineNs > 0)
            {
                throw new MigrationFailure("the destination did not run within " +
                    TimeUnit.NANOSECONDS.toSeconds(timeoutNs) + " s of cont");
            }
            Thread.sleep(POLL_SLEEP_MS);
        }
    }

    /**
     * When QEMU says the guest started running here, by its RESUME event; call once it runs.
     *
     * @return QEMU's timestamp of the event in microseconds of the epoch, or -1 if it sent none within a moment.
     * @throws InterruptedException if interrupted while waiting for it.
     */
    long resumedAtUs() throws InterruptedException
    {
        final QmpEvent event = qmp.awaitEvent("RESUME", (data) -> true, EVENT_WAIT_MS);
        return null != event ? event.timestampUs() : -1;
    }

    /**
     * Why it is gone, if it is: its exit code and the end of its log.
     *
     * @return "; the destination QEMU exited with ..." or "" while it runs.
     * @throws InterruptedException if interrupted while giving it a moment to exit.
     */
    String exitDescription() throws InterruptedException
    {
        if (!process.isAlive() || process.waitFor(2_000) >= 0)
        {
            return "; the destination QEMU exited with " + process.waitFor(0) + ": " + process.logTail();
        }
        return "";
    }

    /**
     * Whether its process runs.
     *
     * @return true while alive.
     */
    boolean isAlive()
    {
        return process.isAlive();
    }

    QemuProcess process()
    {
        return process;
    }

    QmpClient qmp()
    {
        return qmp;
    }

    boolean isConnected()
    {
        return null != qmp && qmp.isConnected();
    }

    /**
     * A guest's run state, or null when its QEMU does not answer.
     *
     * @param qmp the QEMU.
     * @return the status or null.
     */
    static String statusOrNull(final QmpClient qmp)
    {
        try
        {
            return qmp.status();
        }
        catch (final QmpException ex)
        {
            return null;
        }
    }

    /** Kill the destination. Idempotent. */
    public void close()
    {
        CloseHelper.closeAll(qmp, process);
    }
}
