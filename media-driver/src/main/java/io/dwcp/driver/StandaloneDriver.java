package io.dwcp.driver;

import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import org.agrona.concurrent.ShutdownSignalBarrier;

/**
 * A media driver with threads of its own, for engines that run beside it in other processes.
 * Runs until the process is signalled (Ctrl-C or SIGTERM).
 */
public final class StandaloneDriver
{
    private StandaloneDriver()
    {
    }

    /**
     * Run a standalone driver until the process is signalled.
     *
     * @param aeronDirectoryName directory for the driver's files.
     * @param profile            tuned settings.
     * @param threadingMode      SHARED suits two cores; DEDICATED suits larger machines.
     */
    public static void run(
        final String aeronDirectoryName, final DriverProfile profile, final ThreadingMode threadingMode)
    {
        profile.applyAsDefaults();
        final MediaDriver.Context context = new MediaDriver.Context()
            .aeronDirectoryName(aeronDirectoryName)
            .dirDeleteOnStart(true)
            .dirDeleteOnShutdown(true)
            .threadingMode(threadingMode);

        try (ShutdownSignalBarrier barrier = new ShutdownSignalBarrier();
            MediaDriver driver = MediaDriver.launch(context))
        {
            System.out.println("media driver running: dir=" + driver.aeronDirectoryName() +
                " profile=" + profile.name() + " threading=" + threadingMode + " (Ctrl-C to stop)");
            barrier.await();
        }
    }
}
