package io.dwcp.perf.capture;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A workload this tool starts as a child process and reads through {@code /proc/PID/mem} over the mappings of
 * {@code /proc/PID/maps}, pausing it with SIGSTOP and resuming it with SIGCONT. Needs Linux and the right to read
 * the child's memory (the parent of a process may, unless ptrace is locked down; root always may).
 * <p>
 * The child prints {@code ready} on a line of its own once warm, and exits when its standard input closes, so it
 * dies with this process even when this one is killed. A shutdown hook kills it on an orderly exit as well.
 * <p>
 * Not thread safe.
 */
public final class ChildProcessSource implements MemorySource
{
    private static final int LAST_LINES_KEPT = 20;
    private static final long SIGNAL_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(10);

    private final String name;
    private final List<String> command;
    private final Path scratchFile;
    private final ArrayDeque<String> lastLines = new ArrayDeque<>();
    private final CountDownLatch ready = new CountDownLatch(1);
    private Process process;
    private Thread shutdownHook;
    private FileChannel memory;
    private boolean isPaused;
    private boolean isClosed;

    /**
     * A child process running a command.
     *
     * @param name        short name for files.
     * @param command     the command line.
     * @param scratchFile a file to delete on close, such as an extracted script, or null.
     */
    public ChildProcessSource(final String name, final List<String> command, final Path scratchFile)
    {
        this.name = name;
        this.command = List.copyOf(command);
        this.scratchFile = scratchFile;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public String name()
    {
        return name;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void start(final long timeoutNs) throws IOException, InterruptedException
    {
        if (null != process)
        {
            throw new IllegalStateException(name + " is already started");
        }
        process = new ProcessBuilder(command).redirectErrorStream(true).start();
        final Process child = process;
        shutdownHook = new Thread(child::destroyForcibly, name + "-killer");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        final Thread reader = new Thread(() -> readOutput(child.getInputStream()), name + "-output");
        reader.setDaemon(true);
        reader.start();

        final long deadlineNs = System.nanoTime() + timeoutNs;
        while (!ready.await(50, TimeUnit.MILLISECONDS))
        {
            if (!process.isAlive())
            {
                throw new IOException(name + " exited with " + process.exitValue() + " while warming up: " + output());
            }
            if (System.nanoTime() - deadlineNs > 0)
            {
                throw new IOException(name + " was not ready within " + TimeUnit.NANOSECONDS.toSeconds(timeoutNs) +
                    " s: " + output());
            }
        }
        memory = FileChannel.open(procFile("mem"), StandardOpenOption.READ);
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void pause() throws IOException, InterruptedException
    {
        signal("STOP");
        isPaused = true;
        final long deadlineNs = System.nanoTime() + SIGNAL_TIMEOUT_NS;
        while (!allThreadsStopped())
        {
            if (System.nanoTime() - deadlineNs > 0)
            {
                throw new IOException(name + " (pid " + process.pid() + ") did not stop within " +
                    TimeUnit.NANOSECONDS.toSeconds(SIGNAL_TIMEOUT_NS) + " s");
            }
            Thread.sleep(1);
        }
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void resume() throws IOException
    {
        signal("CONT");
        isPaused = false;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public List<MemoryRange> ranges() throws IOException
    {
        return MemoryRange.snapshotCandidates(MemoryRange.readMaps(procFile("maps")));
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public int read(final long address, final ByteBuffer target) throws IOException
    {
        final int wanted = target.remaining();
        int total = 0;
        while (total < wanted)
        {
            final int read = memory.read(target, address + total);
            if (read <= 0)
            {
                break;
            }
            total += read;
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
        description.put("pid", null == process ? "" : Long.toString(process.pid()));
        description.put("command", String.join(" ", command));
        return description;
    }

    /**
     * The process, once started.
     *
     * @return the process, or null before {@link #start(long)}.
     */
    public Process process()
    {
        return process;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void close()
    {
        if (isClosed)
        {
            return;
        }
        isClosed = true;
        try
        {
            if (null != memory)
            {
                memory.close();
            }
        }
        catch (final IOException ignore)
        {
            // Closing a /proc file cannot lose anything.
        }
        if (null != process)
        {
            // SIGKILL ends a stopped process too; closing stdin ends the child's own watcher as a second way out.
            process.destroyForcibly();
            try
            {
                process.getOutputStream().close();
                process.waitFor(10, TimeUnit.SECONDS);
            }
            catch (final IOException | InterruptedException ignore)
            {
                // It was killed; nothing more can be done.
            }
            try
            {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            }
            catch (final IllegalStateException ignore)
            {
                // Already shutting down: the hook runs anyway.
            }
        }
        try
        {
            if (null != scratchFile)
            {
                Files.deleteIfExists(scratchFile);
            }
        }
        catch (final IOException ignore)
        {
            // A left-over script in /tmp harms nothing.
        }
    }

    private void readOutput(final InputStream output)
    {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(output, StandardCharsets.UTF_8)))
        {
            String line;
            while (null != (line = reader.readLine()))
            {
                if (JvmWorkload.READY.equals(line.trim()))
                {
                    ready.countDown();
                }
                synchronized (lastLines)
                {
                    lastLines.addLast(line);
                    if (lastLines.size() > LAST_LINES_KEPT)
                    {
                        lastLines.removeFirst();
                    }
                }
            }
        }
        catch (final IOException ignore)
        {
            // The child is gone; start() reports it.
        }
    }

    private String output()
    {
        synchronized (lastLines)
        {
            return lastLines.isEmpty() ? "(no output)" : String.join(System.lineSeparator(), lastLines);
        }
    }

    private void signal(final String signal) throws IOException
    {
        if (null == process || !process.isAlive())
        {
            throw new IOException(name + " is not running" + (null == process ? "" : ": " + output()));
        }
        final Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
            .redirectErrorStream(true).start();
        try
        {
            if (!kill.waitFor(10, TimeUnit.SECONDS) || 0 != kill.exitValue())
            {
                throw new IOException("kill -" + signal + " " + process.pid() + " failed: " +
                    new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            }
        }
        catch (final InterruptedException ex)
        {
            kill.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while sending SIG" + signal + " to " + name, ex);
        }
    }

    private boolean allThreadsStopped() throws IOException
    {
        try (Stream<Path> tasks = Files.list(procFile("task")))
        {
            for (final Path task : (Iterable<Path>)tasks::iterator)
            {
                final String stat;
                try
                {
                    stat = Files.readString(task.resolve("stat"));
                }
                catch (final IOException ex)
                {
                    // A thread that ended between the listing and the read is not running either.
                    continue;
                }
                // "pid (comm) S ...": comm may hold spaces and parentheses, so look after the last ')'.
                final int state = stat.lastIndexOf(')') + 2;
                final char code = state < stat.length() ? stat.charAt(state) : '?';
                if (code != 'T' && code != 't' && code != 'Z' && code != 'X')
                {
                    return false;
                }
            }
        }
        return true;
    }

    private Path procFile(final String file)
    {
        return Path.of("/proc", Long.toString(process.pid()), file);
    }
}
