package io.dwcp.engine.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class QemuMigrateCommandTest
{
    @TempDir
    Path directory;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(final String... args)
    {
        err.reset();
        return DwcpMain.execute(new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8), args);
    }

    private String errorLines()
    {
        return err.toString(StandardCharsets.UTF_8).trim();
    }

    @Test
    void missingQmpSocketIsOneLineAndExitCodeTwo()
    {
        final Path socket = directory.resolve("vm.qmp");
        assertEquals(2, run("qemu-migrate", "--source-qmp", socket.toString()));
        assertEquals(1, errorLines().lines().count(), errorLines());
        assertTrue(errorLines().contains(socket + " does not exist"), errorLines());
    }

    @Test
    void badOptionsAreOneLineAndExitCodeTwo() throws IOException
    {
        final String socket = Files.createFile(directory.resolve("vm.qmp")).toString();
        assertEquals(2, run("qemu-migrate", "--source-qmp", socket, "--at-round-cap", "pray"));
        assertTrue(errorLines().contains("--at-round-cap must be switch-over or give-up"), errorLines());
        assertEquals(2, run("qemu-migrate", "--source-qmp", socket, "--max-rounds", "0"));
        assertTrue(errorLines().contains("--max-rounds 0"), errorLines());
        assertEquals(2, run("qemu-migrate", "--source-qmp", socket, "--commands", directory.toString()));
        assertTrue(errorLines().contains("needs all of --commands, --events, --receiver and --destination-dir"),
            errorLines());
        assertEquals(1, errorLines().lines().count(), errorLines());
    }

    @Test
    void helpNamesTheOptions()
    {
        assertEquals(0, run("qemu-migrate", "--help"));
        final String help = out.toString(StandardCharsets.UTF_8);
        assertTrue(help.contains("--source-qmp") && help.contains("--destination-command") &&
            help.contains("--at-round-cap"), help);
    }
}
