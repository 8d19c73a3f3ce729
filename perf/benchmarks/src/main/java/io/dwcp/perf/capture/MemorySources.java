package io.dwcp.perf.capture;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The kinds of memory the capture tool can snapshot, and how each is started.
 */
public final class MemorySources
{
    /** Source names accepted by {@link #create(String, WorkloadSettings)}. */
    public static final List<String> NAMES = List.of("jvm", "python", "qemu");

    private static final String PYTHON_SCRIPT = "python_workload.py";

    /**
     * How big and how busy a workload is.
     *
     * @param sizeBytes    the JVM's fixed heap (-Xms = -Xmx), and the resident set the CPython workload grows to.
     * @param opsPerSecond churn operations per second once built.
     * @param warmUpMs     churn before the workload reports ready.
     * @param seed         of the workload's random choices.
     */
    public record WorkloadSettings(long sizeBytes, int opsPerSecond, long warmUpMs, long seed)
    {
    }

    private MemorySources()
    {
    }

    /**
     * A source by name, not yet started.
     *
     * @param name     one of {@link #NAMES}.
     * @param settings of the workload.
     * @return the source; the caller starts and closes it.
     * @throws IOException              if its files cannot be prepared.
     * @throws IllegalArgumentException if the name is unknown.
     */
    public static MemorySource create(final String name, final WorkloadSettings settings) throws IOException
    {
        return switch (name.toLowerCase(Locale.ROOT))
        {
            case "jvm" -> jvm(settings);
            case "python" -> python(settings);
            case "qemu" -> new QemuGuestSource(settings.sizeBytes(), Files.createTempDirectory("dwcp-guest-capture-"));
            default -> throw new IllegalArgumentException("unknown source '" + name + "'; known: " + NAMES);
        };
    }

    /**
     * A child JVM running {@link JvmWorkload} on this JVM's class path, with a fixed heap so the layout stays put.
     *
     * @param settings of the workload.
     * @return the source.
     */
    public static ChildProcessSource jvm(final WorkloadSettings settings)
    {
        final long heapMiB = Math.max(16, settings.sizeBytes() >> 20);
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xms" + heapMiB + "m");
        command.add("-Xmx" + heapMiB + "m");
        command.add("-XX:+UseG1GC");
        // One core's worth of GC and JIT threads: the machine is shared, and fewer threads stop faster.
        command.add("-XX:ActiveProcessorCount=1");
        command.add("-XX:-UsePerfData");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(JvmWorkload.class.getName());
        command.add("--live-bytes");
        command.add(Long.toString((heapMiB << 20) * 2 / 5));
        command.add("--ops-per-second");
        command.add(Integer.toString(settings.opsPerSecond()));
        command.add("--warm-up-ms");
        command.add(Long.toString(settings.warmUpMs()));
        command.add("--seed");
        command.add(Long.toString(settings.seed()));
        return new ChildProcessSource("jvm", command, null);
    }

    /**
     * A {@code python3} process running the CPython workload script, extracted from this jar into a temporary file.
     *
     * @param settings of the workload.
     * @return the source.
     * @throws IOException if the script cannot be extracted.
     */
    public static ChildProcessSource python(final WorkloadSettings settings) throws IOException
    {
        final Path script = Files.createTempFile("dwcp-python-workload-", ".py");
        try (InputStream in = MemorySources.class.getResourceAsStream(PYTHON_SCRIPT))
        {
            if (null == in)
            {
                throw new IOException("resource " + PYTHON_SCRIPT + " is missing from the class path");
            }
            Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
        }
        final List<String> command = List.of("python3", "-u", script.toString(),
            "--target-bytes", Long.toString(settings.sizeBytes()),
            "--ops-per-second", Integer.toString(settings.opsPerSecond()),
            "--warm-up-ms", Long.toString(settings.warmUpMs()),
            "--seed", Long.toString(settings.seed()));
        return new ChildProcessSource("python", command, script);
    }

    /**
     * Whether {@code python3} runs here.
     *
     * @return true if {@code python3 --version} succeeds.
     */
    public static boolean isPythonAvailable()
    {
        try
        {
            final Process process = new ProcessBuilder("python3", "--version").redirectErrorStream(true).start();
            process.getInputStream().readAllBytes();
            return 0 == process.waitFor();
        }
        catch (final IOException ex)
        {
            return false;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
