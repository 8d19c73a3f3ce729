package io.dwcp.engine.qemu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A QEMU process started by the agent, the demo or a test: its command line, its QMP socket and a log of what it
 * printed. {@link #close()} kills it and is idempotent.
 */
public final class QemuProcess implements AutoCloseable
{
    private final Process process;
    private final List<String> command;
    private final Path qmpSocket;
    private final Path log;

    private QemuProcess(final Process process, final List<String> command, final Path qmpSocket, final Path log)
    {
        this.process = process;
        this.command = command;
        this.qmpSocket = qmpSocket;
        this.log = log;
    }

    /**
     * Start a process.
     *
     * @param command   program and arguments, e.g. {@code qemu-system-x86_64 ...} or {@code sh -c "..."}.
     * @param qmpSocket the QMP socket the command makes QEMU listen on.
     * @param log       file that receives its standard output and error.
     * @return the running process.
     * @throws IOException if it cannot start.
     */
    public static QemuProcess start(final List<String> command, final Path qmpSocket, final Path log)
        throws IOException
    {
        Files.deleteIfExists(qmpSocket);
        final Process process = new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
            .start();
        return new QemuProcess(process, List.copyOf(command), qmpSocket, log);
    }

    /**
     * Connect to its QMP socket, waiting while it starts.
     *
     * @param timeoutMs how long to wait.
     * @return a client; close it before this process.
     * @throws QmpException if it never answers; the message carries the end of its log.
     */
    public QmpClient connectQmp(final long timeoutMs) throws QmpException
    {
        try
        {
            return QmpClient.connect(qmpSocket, timeoutMs);
        }
        catch (final QmpException ex)
        {
            throw new QmpException(ex.getMessage() + (process.isAlive() ? "" : "; QEMU exited with " +
                process.exitValue()) + ": " + logTail());
        }
    }

    /**
     * Whether the process still runs.
     *
     * @return true while alive.
     */
    public boolean isAlive()
    {
        return process.isAlive();
    }

    /**
     * Wait for it to exit.
     *
     * @param timeoutMs how long to wait.
     * @return its exit code, or -1 if it still runs.
     * @throws InterruptedException if interrupted.
     */
    public int waitFor(final long timeoutMs) throws InterruptedException
    {
        return process.waitFor(timeoutMs, TimeUnit.MILLISECONDS) ? process.exitValue() : -1;
    }

    /**
     * The last lines it printed, for error messages.
     *
     * @return up to 600 characters of its log.
     */
    public String logTail()
    {
        try
        {
            final String text = Files.readString(log);
            return text.substring(Math.max(0, text.length() - 600)).trim();
        }
        catch (final IOException ex)
        {
            return "(no log: " + ex.getMessage() + ")";
        }
    }

    /**
     * Its QMP socket.
     *
     * @return the path.
     */
    public Path qmpSocket()
    {
        return qmpSocket;
    }

    /**
     * The command line it was started with.
     *
     * @return the program and its arguments.
     */
    public List<String> command()
    {
        return command;
    }

    /**
     * Its process id.
     *
     * @return the pid.
     */
    public long pid()
    {
        return process.pid();
    }

    /** Kill it and wait for it to go. Idempotent. */
    public void close()
    {
        final List<ProcessHandle> children = new ArrayList<>();
        process.descendants().forEach(children::add);
        process.destroyForcibly();
        children.forEach(ProcessHandle::destroyForcibly);
        try
        {
            process.waitFor(10, TimeUnit.SECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}
