package io.dwcp.driver;

import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import org.agrona.CloseHelper;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.AgentInvoker;

import java.nio.file.Path;

/**
 * A media driver launched inside the engine's process.
 * <p>
 * In {@link ThreadingMode#INVOKER} mode the driver has no thread of its own: whoever owns this object must call
 * {@link #invoker()} from its duty cycle. That is how one engine thread runs the driver, the client and the engine.
 */
public final class EmbeddedDriver implements AutoCloseable
{
    private final MediaDriver driver;
    private boolean isClosed;

    private EmbeddedDriver(final MediaDriver driver)
    {
        this.driver = driver;
    }

    /**
     * Launch a driver in its own directory, deleted on start and on close.
     *
     * @param aeronDirectory directory for the driver's files.
     * @param profile        tuned settings applied before the context is built.
     * @param threadingMode  INVOKER for one engine thread, SHARED or DEDICATED for driver threads of its own.
     * @param errorHandler   receives errors the driver reports.
     * @return the running driver.
     */
    public static EmbeddedDriver launch(
        final Path aeronDirectory,
        final DriverProfile profile,
        final ThreadingMode threadingMode,
        final ErrorHandler errorHandler)
    {
        profile.applyAsDefaults();
        final MediaDriver.Context context = new MediaDriver.Context()
            .aeronDirectoryName(aeronDirectory.toString())
            .dirDeleteOnStart(true)
            .dirDeleteOnShutdown(true)
            .threadingMode(threadingMode)
            .errorHandler(errorHandler);

        return new EmbeddedDriver(MediaDriver.launch(context));
    }

    /**
     * The driver's agent invoker, present only in INVOKER mode.
     *
     * @return the invoker, or null when the driver runs its own threads.
     */
    public AgentInvoker invoker()
    {
        return driver.sharedAgentInvoker();
    }

    /**
     * Directory the driver uses; clients connect with it.
     *
     * @return the Aeron directory name.
     */
    public String aeronDirectoryName()
    {
        return driver.aeronDirectoryName();
    }

    /**
     * The driver's context, for reading the settings it resolved.
     *
     * @return the concluded context.
     */
    public MediaDriver.Context context()
    {
        return driver.context();
    }

    /** Stop the driver and delete its directory. Idempotent. */
    public void close()
    {
        if (!isClosed)
        {
            isClosed = true;
            CloseHelper.close(driver);
        }
    }
}
