package io.dwcp.engine.test;

import io.dwcp.engine.config.EngineConfiguration;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * An engine in a JVM of its own, as an operator runs it ({@code dwcp send} or {@code dwcp receive}), with the
 * project's JVM flags, so that a test can kill it with SIGKILL and start it again. Its output goes to a log file,
 * its crash files to a directory of its own.
 */
public final class EngineProcess implements AutoCloseable
{
    private static final String FLAGS_RESOURCE = "/io/dwcp/engine/jvm.properties";

    private final List<String> command;
    private final Path log;
    private final String readyLine;
    private Process process;

    /**
     * @param name       of the engine, for its log.
     * @param directory  for its log and crash files.
     * @param properties system properties, as "-Dkey=value".
     * @param readyLine  a line its output holds once it runs.
     * @param arguments  of {@code dwcp}.
     */
    public EngineProcess(
        final String name,
        final Path directory,
        final List<String> properties,
        final String readyLine,
        final String... arguments)
    {
        this.log = directory.resolve(name + ".log");
        this.readyLine = readyLine;
        command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of(jvmFlags().split(" ")));
        command.add("-Xmx512m");
        command.add("-XX:ErrorFile=" + directory.resolve("crash").resolve("hs_err_pid%p.log"));
        command.add("-XX:ReplayDataFile=" + directory.resolve("crash").resolve("replay_pid%p.log"));
        // The tests start and kill engines by the dozen: none warms up unless a test asks (its own -D comes later).
        command.add("-D" + EngineConfiguration.WARMUP_BYTES_PROP_NAME + "=0");
        command.addAll(properties);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add("io.dwcp.engine.cli.DwcpMain");
        command.addAll(List.of(arguments));
    }

    /**
     * Start it and wait until it runs.
     *
     * @param timeoutMs how long to wait.
     * @return this.
     */
    public EngineProcess start(final long timeoutMs)
    {
        try
        {
            final long offset = Files.exists(log) ? Files.size(log) : 0;
            process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            Await.until(log.getFileName() + " to say '" + readyLine + "'", timeoutMs, () ->
            {
                if (!process.isAlive())
                {
                    throw new IllegalStateException("engine exited " + process.exitValue() + ": " + tail());
                }
                return tail(offset).contains(readyLine);
            });
            return this;
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /** SIGKILL: nothing of it runs after this, no shutdown hook, no flush. */
    public void kill()
    {
        if (null != process)
        {
            process.destroyForcibly();
            try
            {
                process.waitFor(10, TimeUnit.SECONDS);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
            process = null;
        }
    }

    public boolean isAlive()
    {
        return null != process && process.isAlive();
    }

    /**
     * @return its output so far.
     */
    public String tail()
    {
        return tail(0);
    }

    private String tail(final long offset)
    {
        try
        {
            final byte[] bytes = Files.exists(log) ? Files.readAllBytes(log) : new byte[0];
            return new String(bytes, (int)Math.min(offset, bytes.length), bytes.length - (int)Math.min(offset,
                bytes.length), java.nio.charset.StandardCharsets.UTF_8);
        }
        catch (final IOException ex)
        {
            return "(log unreadable: " + ex + ")";
        }
    }

    @Override
    public void close()
    {
        if (null != process)
        {
            process.destroy();
            try
            {
                if (!process.waitFor(10, TimeUnit.SECONDS))
                {
                    process.destroyForcibly();
                }
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
            process = null;
        }
    }

    private static String jvmFlags()
    {
        try (InputStream in = EngineProcess.class.getResourceAsStream(FLAGS_RESOURCE))
        {
            final Properties properties = new Properties();
            properties.load(in);
            return properties.getProperty("dwcp.jvm.flags").trim();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
