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
    void keygenWritesAKeyOnlyItsOwnerReadsAndThePeersLine() throws Exception
    {
        final java.nio.file.Path key = directory.resolve("host-a.key");
        assertEquals(0, run("keygen", "--out", key.toString(), "--name", "host-a", "--endpoint", "10.0.0.1:40123"));
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
            java.nio.file.Files.getPosixFilePermissions(key)));
        final String peersLine = out.toString(StandardCharsets.UTF_8).lines().reduce((a, b) -> b).orElseThrow();
        assertTrue(peersLine.startsWith("host-a ") && peersLine.endsWith(" 10.0.0.1:40123"), peersLine);
        final java.nio.file.Path peers = java.nio.file.Files.writeString(directory.resolve("peers"),
            peersLine + "\n");
        assertEquals(1, io.dwcp.engine.security.EngineSecurity.load(key, peers).peers().size());

        assertEquals(2, run("keygen", "--out", key.toString()), "never overwrites a key");
        java.nio.file.Files.setPosixFilePermissions(key,
            java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        err.reset();
        assertEquals(2, run("receive", "--output-dir", directory.resolve("out").toString(), "--key", key.toString(),
            "--peers", peers.toString()));
        assertTrue(errorLines().contains("readable by others"), errorLines());
    }

    @Test
    void anEngineWithoutAKeyOrInsecureOffLoopbackDoesNotStart()
    {
        assertEquals(2, run("receive", "--output-dir", directory.resolve("out").toString(), "--endpoint",
            "127.0.0.1:40999"));
        assertTrue(errorLines().contains("no key"), errorLines());

        err.reset();
        assertEquals(2, run("receive", "--output-dir", directory.resolve("out").toString(), "--endpoint",
            "0.0.0.0:40999", "--insecure"));
        assertTrue(errorLines().contains("loopback only"), errorLines());

        err.reset();
        assertEquals(2, run("send", "--commands", directory.resolve("c").toString(), "--events",
            directory.resolve("e").toString(), "--control-endpoint", "10.1.2.3:40124", "--insecure"));
        assertTrue(errorLines().contains("loopback only"), errorLines());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void submitFollowsOnlyItsOwnAttemptNeverAnEarlierOutcomeWithTheSameId() throws Exception
    {
        final Path image = java.nio.file.Files.write(directory.resolve("guest.img"), new byte[4096 * 4]);
        final Path events = directory.resolve("events");
        // An earlier attempt with the same id completed; no sender runs now.
        try (net.openhft.chronicle.queue.ChronicleQueue queue = io.dwcp.engine.queue.SbeQueues.open(events);
            io.dwcp.engine.queue.EventPublisher publisher = new io.dwcp.engine.queue.EventPublisher(queue))
        {
            publisher.completed(77, 0x1234, 4, 4 * 4096, 100, 1_000_000, 1, 100);
        }
        assertEquals(1, run("submit", "--commands", directory.resolve("commands").toString(), "--events",
            events.toString(), "--file", image.toString(), "--receiver", "127.0.0.1:40999", "--transfer-id", "77",
            "--timeout", "2"));
        final String output = out.toString(StandardCharsets.UTF_8);
        assertTrue(output.contains("no end of transfer 77 within 2 s"), output);
        assertTrue(!output.contains("verified"), output);
    }

    @Test
    void aDirectoryADeviceOrAPipeIsRefusedAsNotARegularFileNotAsMissing() throws Exception
    {
        final Path fifo = directory.resolve("fifo");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        for (final String special : new String[]{ directory.toString(), "/dev/zero", fifo.toString() })
        {
            err.reset();
            assertEquals(2, run("submit", "--commands", directory.resolve("c").toString(), "--events",
                directory.resolve("e").toString(), "--file", special, "--receiver", "127.0.0.1:40999"));
            assertTrue(errorLines().contains("is not a regular file"), errorLines());
        }
        err.reset();
        assertEquals(2, run("submit", "--commands", directory.resolve("c").toString(), "--events",
            directory.resolve("e").toString(), "--file", directory.resolve("missing").toString(), "--receiver",
            "127.0.0.1:40999"));
        assertTrue(errorLines().contains("does not exist"), errorLines());
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aCrashedEngineWritesItsCrashFilesIntoItsCrashDirectoryNotTheWorkingDirectory() throws Exception
    {
        final Path launcher = Path.of("..", "dwcp").toAbsolutePath().normalize();
        final Path crashes = directory.resolve("crash");
        final Path workingDirectory = java.nio.file.Files.createDirectories(directory.resolve("cwd"));
        final ProcessBuilder builder = new ProcessBuilder(launcher.toString(), "keygen", "--out",
            directory.resolve("k").toString()).directory(workingDirectory.toFile()).redirectErrorStream(true)
            .redirectOutput(directory.resolve("launcher.log").toFile());
        // A heap too small to start in, and a JVM told to crash when it runs out: a real hs_err file.
        builder.environment().put("DWCP_CRASH_DIR", crashes.toString());
        builder.environment().put("DWCP_JAVA_OPTS", "-Xmx3m -XX:+CrashOnOutOfMemoryError");
        final Process process = builder.start();
        assertTrue(process.waitFor(100, TimeUnit.SECONDS));
        assertTrue(0 != process.exitValue());
        try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(crashes))
        {
            assertTrue(files.anyMatch((file) -> file.getFileName().toString().startsWith("hs_err_pid")),
                () -> "no hs_err file in " + crashes);
        }
        try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(workingDirectory))
        {
            assertEquals(java.util.List.of(), files.toList(), "nothing in the working directory");
        }
    }

    @Test
    void everySubcommandHasHelp()
    {
        for (final String command : new String[] { "demo", "send", "receive", "submit", "media-driver", "generate",
            "stat", "replay", "keygen" })
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
