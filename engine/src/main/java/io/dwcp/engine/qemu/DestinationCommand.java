package io.dwcp.engine.qemu;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Command lines for the destination QEMU: from a template the user gives, or derived from the source QEMU's own
 * command line read from {@code /proc}.
 */
public final class DestinationCommand
{
    private DestinationCommand()
    {
    }

    /**
     * A launcher that runs a shell command with {@code {ram}} and {@code {qmp}} replaced by the destination file and
     * a QMP socket path, e.g. {@code ip netns exec dst qemu-system-x86_64 ... mem-path={ram},share=on ...
     * -qmp unix:{qmp},server=on,wait=off -S -incoming defer}.
     *
     * @param template  the command, run by {@code sh -c}.
     * @param directory where the QMP socket and the log go.
     * @return the launcher.
     */
    public static DestinationLauncher fromTemplate(final String template, final Path directory)
    {
        return (ramFile) ->
        {
            final Path qmp = directory.resolve(ramFile.getFileName() + ".qmp");
            final String command = template.replace("{ram}", ramFile.toString()).replace("{qmp}", qmp.toString());
            return QemuProcess.start(List.of("/bin/sh", "-c", "exec " + command), qmp,
                directory.resolve(ramFile.getFileName() + ".log"));
        };
    }

    /**
     * A launcher that starts the destination with the source QEMU's command line, changed to map the destination
     * file, answer QMP on its own socket, write its serial console to its own file, and wait for the device state.
     *
     * @param sourceQmp the source's QMP socket, to find its process by.
     * @param directory where the QMP socket, serial log and output go.
     * @return the launcher.
     * @throws IOException if no QEMU process serves that socket.
     */
    public static DestinationLauncher derivedFromSource(final Path sourceQmp, final Path directory) throws IOException
    {
        final List<String> sourceCommand = commandLineServing(sourceQmp);
        return (ramFile) ->
        {
            final String name = ramFile.getFileName().toString();
            final Path qmp = directory.resolve(name + ".qmp");
            final List<String> command = derive(sourceCommand, ramFile, qmp, directory.resolve(name + ".serial"));
            return QemuProcess.start(command, qmp, directory.resolve(name + ".log"));
        };
    }

    /**
     * The destination's command line from the source's: {@code mem-path} set to the destination file, QMP and any
     * file chardev moved to the destination's own paths, {@code -S -incoming defer} added.
     *
     * @param sourceCommand the source QEMU's arguments, program first.
     * @param ramFile       the destination RAM file.
     * @param qmp           the destination's QMP socket.
     * @param serialLog     the destination's serial console file.
     * @return the arguments.
     */
    public static List<String> derive(
        final List<String> sourceCommand, final Path ramFile, final Path qmp, final Path serialLog)
    {
        final List<String> command = new ArrayList<>();
        for (int i = 0; i < sourceCommand.size(); i++)
        {
            final String argument = sourceCommand.get(i);
            if (("-qmp".equals(argument) || "-incoming".equals(argument)) && i + 1 < sourceCommand.size())
            {
                i++;
                continue;
            }
            if ("-S".equals(argument))
            {
                continue;
            }
            if (argument.startsWith("memory-backend-file,"))
            {
                command.add(argument.replaceAll("mem-path=[^,]*", "mem-path=" + ramFile));
            }
            else if (argument.startsWith("file,") && argument.contains("path="))
            {
                command.add(argument.replaceAll("path=[^,]*", "path=" + serialLog));
            }
            else
            {
                command.add(argument);
            }
        }
        command.addAll(List.of("-qmp", "unix:" + qmp + ",server=on,wait=off", "-S", "-incoming", "defer"));
        return command;
    }

    /**
     * The command line of the process whose {@code -qmp} argument names a socket.
     *
     * @param qmpSocket the socket.
     * @return its arguments, program first.
     * @throws IOException if no process serves it.
     */
    public static List<String> commandLineServing(final Path qmpSocket) throws IOException
    {
        final String needle = "unix:" + qmpSocket.toString();
        try (Stream<Path> processes = Files.list(Path.of("/proc")))
        {
            for (final Path process : (Iterable<Path>)processes::iterator)
            {
                if (!process.getFileName().toString().chars().allMatch(Character::isDigit))
                {
                    continue;
                }
                final List<String> arguments;
                try
                {
                    final byte[] bytes = Files.readAllBytes(process.resolve("cmdline"));
                    arguments = List.of(new String(bytes, StandardCharsets.UTF_8).split("\0"));
                }
                catch (final IOException ex)
                {
                    continue;
                }
                for (int i = 0; i + 1 < arguments.size(); i++)
                {
                    final String qmp = arguments.get(i + 1);
                    if ("-qmp".equals(arguments.get(i)) && (qmp.equals(needle) || qmp.startsWith(needle + ",")))
                    {
                        return arguments;
                    }
                }
            }
        }
        throw new IOException("no running process has -qmp " + needle + "; give --destination-command");
    }
}
