package io.dwcp.engine.qemu;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The small guest the QEMU tests, the demo and the head-to-head run: a Debian kernel and a busybox initramfs built
 * at run time by {@code perf/qemu/guest.sh}, whose workload dirties memory and prints {@code heartbeat N} on the
 * serial console every half second. Builds QEMU command lines for it under TCG.
 *
 * @param kernel the guest kernel.
 * @param initrd the initramfs.
 */
public record TestGuest(Path kernel, Path initrd)
{
    /** System property naming the guest build script, when it is not found beside the classes. */
    public static final String SCRIPT_PROP_NAME = "dwcp.qemu.guest.script";
    /** The emulator. */
    public static final String QEMU = "qemu-system-x86_64";

    private static final Pattern HEARTBEAT = Pattern.compile("heartbeat (\\d+)");

    /**
     * Build the guest, or find it in its cache, by running the build script.
     *
     * @return the guest.
     * @throws IOException if the script is missing or fails; the message carries its output.
     */
    public static TestGuest build() throws IOException
    {
        final Path script = locateScript();
        final Path output = Files.createTempFile("dwcp-guest-", ".log");
        try
        {
            final Process process = new ProcessBuilder(script.toString())
                .redirectErrorStream(false)
                .redirectError(output.toFile())
                .start();
            final String cache = new String(process.getInputStream().readAllBytes()).trim();
            final int exit = process.waitFor();
            if (0 != exit || cache.isEmpty())
            {
                throw new IOException(script + " failed with exit code " + exit + ": " + Files.readString(output));
            }
            final Path directory = Path.of(cache);
            return new TestGuest(directory.resolve("vmlinuz"), directory.resolve("initrd.cpio.gz"));
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted building the guest", ex);
        }
        finally
        {
            Files.deleteIfExists(output);
        }
    }

    /**
     * The guest build script: the property {@value #SCRIPT_PROP_NAME}, else {@code perf/qemu/guest.sh} of the project
     * these classes were built in.
     *
     * @return the script.
     * @throws IOException if it cannot be found.
     */
    public static Path locateScript() throws IOException
    {
        final String configured = System.getProperty(SCRIPT_PROP_NAME);
        if (null != configured)
        {
            return Path.of(configured);
        }
        try
        {
            Path directory = Path.of(TestGuest.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            while (null != directory)
            {
                final Path script = directory.resolve("perf/qemu/guest.sh");
                if (Files.isExecutable(script))
                {
                    return script;
                }
                directory = directory.getParent();
            }
        }
        catch (final java.net.URISyntaxException | SecurityException ex)
        {
            throw new IOException("cannot locate perf/qemu/guest.sh: " + ex.getMessage(), ex);
        }
        throw new IOException("cannot find perf/qemu/guest.sh above the classes; set -D" + SCRIPT_PROP_NAME);
    }

    /**
     * A QEMU command line for this guest under TCG, with its RAM in a shared file.
     *
     * @param ramBytes  guest RAM.
     * @param ramFile   the shared memory-backend-file, or null for plain anonymous RAM ({@code -m} only).
     * @param qmpSocket QMP unix socket.
     * @param serialLog file that receives the serial console.
     * @param append    extra kernel command line words, e.g. dwcp.dirty_pages=256, or "".
     * @return the program and its arguments; add {@code -incoming} and {@code -S} for a destination.
     */
    public List<String> commandLine(
        final long ramBytes, final Path ramFile, final Path qmpSocket, final Path serialLog, final String append)
    {
        final long ramMiB = ramBytes >> 20;
        final List<String> command = new ArrayList<>(List.of(QEMU, "-accel", "tcg", "-nodefaults",
            "-display", "none", "-no-reboot", "-m", ramMiB + "M"));
        if (null != ramFile)
        {
            command.addAll(List.of("-object", String.format(Locale.ROOT,
                "memory-backend-file,id=mem,size=%dM,mem-path=%s,share=on", ramMiB, ramFile),
                "-machine", "pc,memory-backend=mem"));
        }
        else
        {
            command.addAll(List.of("-machine", "pc"));
        }
        command.addAll(List.of(
            "-kernel", kernel.toString(), "-initrd", initrd.toString(),
            "-append", ("console=ttyS0 quiet panic=-1 " + append).trim(),
            "-chardev", "file,id=serial0,path=" + serialLog, "-serial", "chardev:serial0",
            "-qmp", "unix:" + qmpSocket + ",server=on,wait=off"));
        return command;
    }

    /**
     * A launcher of destination QEMUs for this guest: the same machine on the receiver's file, paused, waiting for
     * the device state. Each gets a QMP socket, a serial log ({@link #destinationSerial}) and a log in
     * {@code directory}, named after the RAM file.
     *
     * @param directory where the sockets and logs go.
     * @param ramBytes  guest RAM.
     * @param append    the source's extra kernel command line words.
     * @param extraArgs the source's extra QEMU arguments.
     * @return the launcher.
     */
    public DestinationLauncher destinationLauncher(
        final Path directory, final long ramBytes, final String append, final String... extraArgs)
    {
        return (ramFile) ->
        {
            final String name = ramFile.getFileName().toString();
            final Path qmp = directory.resolve(name + ".qmp");
            final List<String> command = new ArrayList<>(commandLine(
                ramBytes, ramFile, qmp, destinationSerial(directory, ramFile), append));
            command.addAll(List.of(extraArgs));
            command.addAll(List.of("-S", "-incoming", "defer"));
            return QemuProcess.start(command, qmp, directory.resolve(name + ".log"));
        };
    }

    /**
     * The serial console log of a destination started by {@link #destinationLauncher}.
     *
     * @param directory the launcher's directory.
     * @param ramFile   the destination's RAM file.
     * @return the log file.
     */
    public static Path destinationSerial(final Path directory, final Path ramFile)
    {
        return directory.resolve(ramFile.getFileName() + ".serial");
    }

    /**
     * The highest heartbeat the guest printed into a serial log.
     *
     * @param serialLog the log.
     * @return the heartbeat counter, or -1 if none was printed yet.
     * @throws IOException if the log cannot be read.
     */
    public static long lastHeartbeat(final Path serialLog) throws IOException
    {
        if (!Files.exists(serialLog))
        {
            return -1;
        }
        final Matcher matcher = HEARTBEAT.matcher(Files.readString(serialLog, StandardCharsets.ISO_8859_1));
        long last = -1;
        while (matcher.find())
        {
            last = Math.max(last, Long.parseLong(matcher.group(1)));
        }
        return last;
    }

    /**
     * The first heartbeat a serial log holds.
     *
     * @param serialLog the log.
     * @return the counter, or -1 if none.
     * @throws IOException if the log cannot be read.
     */
    public static long firstHeartbeat(final Path serialLog) throws IOException
    {
        if (!Files.exists(serialLog))
        {
            return -1;
        }
        final Matcher matcher = HEARTBEAT.matcher(Files.readString(serialLog, StandardCharsets.ISO_8859_1));
        return matcher.find() ? Long.parseLong(matcher.group(1)) : -1;
    }
}
