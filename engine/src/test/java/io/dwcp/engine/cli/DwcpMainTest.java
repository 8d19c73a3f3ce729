package io.dwcp.engine.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DwcpMainTest
{
    @TempDir
    Path directory;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(final String... args)
    {
        return DwcpMain.execute(new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8), args);
    }

    private String errorLines()
    {
        return err.toString(StandardCharsets.UTF_8).trim();
    }

    @Test
    void unknownOptionIsOneLineAndExitCodeTwo()
    {
        assertEquals(2, run("demo", "--no-such-option"));
        assertEquals(1, errorLines().lines().count(), errorLines());
        assertTrue(errorLines().contains("--no-such-option"), errorLines());
    }

    @Test
    void badValueIsOneLineAndExitCodeTwo()
    {
        assertEquals(2, run("demo", "--size", "lots"));
        assertEquals(1, errorLines().lines().count(), errorLines());
        assertEquals(2, run("demo", "--transport", "carrier-pigeon"));
    }

    @Test
    void missingFileIsOneLineAndExitCodeTwo()
    {
        assertEquals(2, run("submit", "--commands", directory.resolve("c").toString(), "--events",
            directory.resolve("e").toString(), "--file", directory.resolve("missing.img").toString(),
            "--receiver", "localhost:40123"));
        assertEquals(1, errorLines().lines().count(), errorLines());
        assertTrue(errorLines().contains("missing.img"), errorLines());
    }

    @Test
    void replayOfAMissingRecordingOrWithABadSpeedIsOneLineAndExitCodeTwo()
    {
        assertEquals(2, run("replay", "--inspect", directory.resolve("no-recording").toString()));
        assertEquals(1, errorLines().lines().count(), errorLines());
        assertTrue(errorLines().contains("does not exist"), errorLines());

        err.reset();
        assertEquals(2, run("replay", directory.toString(), "--to", "localhost:40123", "--speed", "warp"));
        assertTrue(errorLines().contains("--speed must be original, max or a positive factor"), errorLines());

        err.reset();
        assertEquals(2, run("replay", directory.toString()));
        assertTrue(errorLines().contains("--to RECEIVER"), errorLines());
    }

    @Test
    void everySubcommandHasHelp()
    {
        for (final String command : new String[] { "demo", "send", "receive", "submit", "media-driver", "generate",
            "stat", "replay" })
        {
            out.reset();
            assertEquals(0, run(command, "--help"));
            assertTrue(out.toString(StandardCharsets.UTF_8).contains("Usage: dwcp " + command), command);
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void demoMigratesAndVerifies()
    {
        assertEquals(0, run("demo", "--size", "16m", "--dir", directory.resolve("demo").toString()),
            () -> out.toString(StandardCharsets.UTF_8) + errorLines());
        final String output = out.toString(StandardCharsets.UTF_8);
        assertTrue(output.contains("destination matches the source byte for byte"), output);
        assertTrue(output.contains("throughput"), output);
    }
}
