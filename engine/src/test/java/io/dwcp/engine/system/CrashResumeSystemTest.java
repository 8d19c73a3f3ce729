package io.dwcp.engine.system;

import io.dwcp.engine.cli.DwcpMain;
import io.dwcp.engine.memory.ImageComparison;
import io.dwcp.engine.queue.CommandPublisher;
import io.dwcp.engine.queue.EventAdapter;
import io.dwcp.engine.queue.SbeQueues;
import io.dwcp.engine.test.Await;
import io.dwcp.engine.test.EngineProcess;
import io.dwcp.engine.test.EventRecorder;
import io.dwcp.engine.test.TestImages;
import net.openhft.chronicle.queue.ChronicleQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.DatagramSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Engines in JVMs of their own, killed with SIGKILL mid-transfer at seeded points and started again: the receiver,
 * the sender, or both. Each transfer resumes, sends only what the receiver did not keep, and completes verified
 * and bit-exact. Authenticated, as in production.
 */
class CrashResumeSystemTest
{
    private static final int PAGE_SIZE = 4096;
    private static final long IMAGE_SIZE = 96L * 1024 * 1024;
    private static final long PAGE_COUNT = IMAGE_SIZE / PAGE_SIZE;
    private static final int RUNS_PER_CASE = Integer.getInteger("dwcp.test.crash.runs", 10);
    private static final long START_TIMEOUT_MS = 60_000;
    private static final long END_TIMEOUT_MS = 120_000;
    private static final List<String> SENDER_PROPERTIES = List.of("-Ddwcp.peer.timeout.ms=2000",
        "-Ddwcp.progress.interval.ms=20", "-Ddwcp.sender.resume.timeout.ms=60000");
    private static final List<String> RECEIVER_PROPERTIES = List.of("-Ddwcp.receiver.flush.interval.ms=200",
        "-Ddwcp.receiver.linger.ms=10000");

    @TempDir
    Path directory;

    private Path image;
    private String receiverEndpoint;
    private String controlEndpoint;
    private ChronicleQueue commandQueue;
    private ChronicleQueue eventQueue;
    private CommandPublisher commands;
    private EventRecorder events;
    private EventAdapter eventAdapter;
    private EngineProcess receiver;
    private EngineProcess sender;
    private int launches;
    private final List<String> matrix = new ArrayList<>();

    private enum Victim
    {
        RECEIVER, SENDER, BOTH
    }

    @BeforeEach
    void setUp() throws IOException
    {
        image = TestImages.generate(directory.resolve("source.img"), IMAGE_SIZE, 13);
        receiverEndpoint = "127.0.0.1:" + freePort();
        controlEndpoint = "127.0.0.1:" + freePort();
        final String senderPeer = keygen("sender", controlEndpoint);
        final String receiverPeer = keygen("receiver", receiverEndpoint);
        Files.writeString(directory.resolve("sender.peers"), receiverPeer + "\n");
        Files.writeString(directory.resolve("receiver.peers"), senderPeer + "\n");
        commandQueue = SbeQueues.open(directory.resolve("commands"));
        eventQueue = SbeQueues.open(directory.resolve("events"));
        commands = new CommandPublisher(commandQueue);
        events = new EventRecorder();
        eventAdapter = new EventAdapter(eventQueue, events);
        receiver = startReceiver();
        sender = startSender();
    }

    @AfterEach
    void tearDown()
    {
        for (final String row : matrix)
        {
            System.out.println(row);
        }
        if (null != sender)
        {
            sender.close();
        }
        if (null != receiver)
        {
            receiver.close();
        }
        eventAdapter.close();
        commands.close();
        commandQueue.close();
        eventQueue.close();
    }

    @Test
    @Timeout(value = 15, unit = TimeUnit.MINUTES)
    void receiverKilledMidTransferResumesAndCompletesBitExact() throws Exception
    {
        killAndResume(Victim.RECEIVER, 11);
    }

    @Test
    @Timeout(value = 15, unit = TimeUnit.MINUTES)
    void senderKilledMidTransferReopensItsTransfersAndCompletesBitExact() throws Exception
    {
        killAndResume(Victim.SENDER, 23);
    }

    @Test
    @Timeout(value = 15, unit = TimeUnit.MINUTES)
    void bothKilledMidTransferResumeAndCompleteBitExact() throws Exception
    {
        killAndResume(Victim.BOTH, 37);
    }

    @Test
    @Timeout(value = 15, unit = TimeUnit.MINUTES)
    void killedOnceEveryPageIsAcknowledgedWhileTheReceiverVerifiesResumesAndCompletesBitExact() throws Exception
    {
        final Random random = new Random(41);
        for (int run = 0; run < RUNS_PER_CASE; run++)
        {
            final Victim victim = Victim.values()[run % Victim.values().length];
            final long transferId = 41_000 + run;
            final String vmId = "vm-verify";
            submitWhole(transferId, vmId, image);
            final boolean isKilledInTime = awaitAcknowledged(transferId, PAGE_COUNT);
            final long killedNs = kill(victim);
            final long pauseMs = 200 + random.nextInt(1800);
            Thread.sleep(pauseMs);
            restart(victim);
            awaitEnd(transferId);
            assertCompletedExact(transferId, image, directory.resolve("out").resolve(vmId + "-" + transferId + ".img"));
            matrix.add(String.format("kill -9 %-8s run %2d once every page is acknowledged (%s), restart after " +
                "%4d ms: completed, bit-exact, %5d ms from the kill to the end", victim, run,
                isKilledInTime ? "verifying or verified" : "after the transfer ended", pauseMs,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedNs)));
        }
        assertNoResumeStateLeft();
    }

    @Test
    @Timeout(value = 15, unit = TimeUnit.MINUTES)
    void killedAtTheEndOfARoundResumesTheNextRoundAndCompletesBitExact() throws Exception
    {
        final Random random = new Random(43);
        for (int run = 0; run < RUNS_PER_CASE; run++)
        {
            final Victim victim = Victim.values()[run % Victim.values().length];
            final long transferId = 43_000 + run;
            final String vmId = "vm-round";
            final Path source = Files.copy(image, directory.resolve("round-" + run + ".img"));
            commands.startTransfer(transferId, vmId, source.toString(), IMAGE_SIZE, PAGE_SIZE, 0, receiverEndpoint);
            commands.pageRange(transferId, 0, 0, (int)PAGE_COUNT);
            commands.endOfRound(transferId, 0);
            final long roundEndNs = awaitRound(transferId, 0);
            final long killedNs = kill(victim);

            // The guest ran on: pages it dirtied go in round 1, asked for while the victim is down.
            final long[] dirty = dirtyPages(source, random, 256);
            for (final long page : dirty)
            {
                commands.pageRange(transferId, 1, page, 1);
            }
            commands.endOfRound(transferId, 1);
            commands.endOfTransfer(transferId);
            final long pauseMs = 200 + random.nextInt(1800);
            Thread.sleep(pauseMs);
            restart(victim);
            awaitEnd(transferId);
            assertCompletedExact(transferId, source,
                directory.resolve("out").resolve(vmId + "-" + transferId + ".img"));
            matrix.add(String.format("kill -9 %-8s run %2d %4d ms after round 0 ended, %d pages dirtied for round " +
                "1, restart after %4d ms: completed, bit-exact, %5d ms from the kill to the end", victim, run,
                TimeUnit.NANOSECONDS.toMillis(killedNs - roundEndNs), dirty.length, pauseMs,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedNs)));
            Files.delete(source);
        }
        assertNoResumeStateLeft();
    }

    private void submitWhole(final long transferId, final String vmId, final Path source)
    {
        commands.startTransfer(transferId, vmId, source.toString(), IMAGE_SIZE, PAGE_SIZE, 0, receiverEndpoint);
        commands.pageRange(transferId, 0, 0, (int)PAGE_COUNT);
        commands.endOfRound(transferId, 0);
        commands.endOfTransfer(transferId);
    }

    private long kill(final Victim victim)
    {
        if (Victim.SENDER != victim)
        {
            receiver.kill();
        }
        if (Victim.RECEIVER != victim)
        {
            sender.kill();
        }
        return System.nanoTime();
    }

    private void restart(final Victim victim)
    {
        if (Victim.SENDER != victim)
        {
            receiver = startReceiver();
        }
        if (Victim.RECEIVER != victim)
        {
            sender = startSender();
        }
    }

    private void assertCompletedExact(final long transferId, final Path source, final Path destination)
        throws IOException
    {
        assertEquals(List.of(), failuresOf(transferId), () -> "failed: " + failuresOf(transferId) +
            "\nsender: " + sender.tail() + "\nreceiver: " + receiver.tail());
        assertEquals(-1, ImageComparison.firstDifference(source, destination), "destination bit-exact");
    }

    /** Once their linger is over, verified transfers leave their images and no resume state. */
    private void assertNoResumeStateLeft()
    {
        final Path out = directory.resolve("out");
        Await.until("the verified transfers' journals to go", END_TIMEOUT_MS, () ->
        {
            try (Stream<Path> files = Files.list(out))
            {
                return files.noneMatch((file) -> file.getFileName().toString().endsWith(".resume"));
            }
            catch (final IOException ex)
            {
                throw new java.io.UncheckedIOException(ex);
            }
        });
    }

    private long awaitRound(final long transferId, final int round)
    {
        Await.until("round " + round + " of transfer " + transferId, END_TIMEOUT_MS, () ->
        {
            eventAdapter.poll(100);
            return events.rounds.stream().anyMatch((r) -> r.transferId() == transferId && r.round() == round);
        });
        return System.nanoTime();
    }

    /** Overwrite some pages of the source with new bytes, as a running guest would. */
    private static long[] dirtyPages(final Path source, final Random random, final int count) throws IOException
    {
        final long[] pages = random.longs(count, 0, PAGE_COUNT).distinct().sorted().toArray();
        try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(source,
            java.nio.file.StandardOpenOption.WRITE))
        {
            final byte[] bytes = new byte[PAGE_SIZE];
            for (final long page : pages)
            {
                random.nextBytes(bytes);
                channel.write(java.nio.ByteBuffer.wrap(bytes), page * PAGE_SIZE);
            }
        }
        return pages;
    }

    private void killAndResume(final Victim victim, final long seed) throws Exception
    {
        final Random random = new Random(seed);
        final long wholeWireBytes = uninterruptedWireBytes(seed * 1000 + 999);
        for (int run = 0; run < RUNS_PER_CASE; run++)
        {
            final long transferId = seed * 1000 + run;
            final String vmId = "vm-" + victim.name().toLowerCase();
            // Seeded kill point: a fraction of the pages acknowledged, then a pause before the restart.
            final double killAt = 0.05 + 0.9 * random.nextDouble();
            final long pauseMs = 200 + random.nextInt(1800);
            submitWhole(transferId, vmId, image);
            final long killAtPages = (long)(killAt * PAGE_COUNT);
            final boolean isKilledInTime = awaitAcknowledged(transferId, killAtPages);
            final long acknowledged = acknowledged(transferId);
            final long killedNs = kill(victim);
            Thread.sleep(pauseMs);
            restart(victim);
            awaitEnd(transferId);
            final long resumedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedNs);

            assertCompletedExact(transferId, image, directory.resolve("out").resolve(vmId + "-" + transferId + ".img"));
            // Only what the receiver did not keep goes again: the held pages cost an entry each.
            final EventRecorder.Completed completed = completedOf(transferId);
            final long resumedWireBytes = completed.lastAttemptWireBytes();
            // The event describes the whole transfer too: every attempt's bytes, the last one's among them.
            assertTrue(completed.wireBytes() >= resumedWireBytes);
            assertTrue(Victim.RECEIVER != victim || completed.attempts() >= 2 ||
                completed.wireBytes() == resumedWireBytes, "a sender that lived on counts its earlier attempts");
            final double held = (double)acknowledged / PAGE_COUNT;
            final long bound = (long)(wholeWireBytes * (1.0 - held) + PAGE_COUNT * 24 + wholeWireBytes * 0.05);
            assertTrue(resumedWireBytes <= bound, () -> "the resumed attempt sent " + resumedWireBytes +
                " wire bytes, more than the " + bound + " left after " + acknowledged + " acknowledged pages");
            matrix.add(String.format("kill -9 %-8s run %2d at %4.0f%% (%s, %d of %d pages acknowledged), " +
                "restart after %4d ms: completed, bit-exact, %5d ms from the kill to the end; the last attempt " +
                "sent %.2f of an uninterrupted transfer's wire bytes", victim, run, 100 * killAt,
                isKilledInTime ? "as seeded" : "after the transfer ended", acknowledged, PAGE_COUNT, pauseMs,
                resumedMs, (double)resumedWireBytes / wholeWireBytes));
        }
        assertNoResumeStateLeft();
        try (Stream<Path> crashes = Files.list(directory))
        {
            assertTrue(crashes.noneMatch((file) -> file.getFileName().toString().startsWith("hs_err")),
                "no crash file in the working directory");
        }
    }

    private long uninterruptedWireBytes(final long transferId)
    {
        submitWhole(transferId, "vm-whole", image);
        awaitEnd(transferId);
        assertEquals(List.of(), failuresOf(transferId));
        return completedOf(transferId).wireBytes();
    }

    private EventRecorder.Completed completedOf(final long transferId)
    {
        EventRecorder.Completed last = null;
        for (final EventRecorder.Completed completed : events.completed)
        {
            if (completed.transferId() == transferId)
            {
                last = completed;
            }
        }
        assertTrue(null != last, "transfer " + transferId + " completed");
        return last;
    }

    private boolean awaitAcknowledged(final long transferId, final long pages)
    {
        final long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(END_TIMEOUT_MS);
        while (System.nanoTime() - deadlineNs < 0)
        {
            eventAdapter.poll(100);
            if (acknowledged(transferId) >= pages)
            {
                return true;
            }
            if (events.isEnded(transferId))
            {
                return false;
            }
            Thread.onSpinWait();
        }
        throw new AssertionError("transfer " + transferId + " made no progress\nsender: " + sender.tail() +
            "\nreceiver: " + receiver.tail());
    }

    private long acknowledged(final long transferId)
    {
        long pages = 0;
        for (final EventRecorder.Progress progress : events.progress)
        {
            if (progress.transferId() == transferId)
            {
                pages = Math.max(pages, progress.pagesAcknowledged());
            }
        }
        return pages;
    }

    private List<EventRecorder.Failure> failuresOf(final long transferId)
    {
        return events.failed.stream().filter((failure) -> failure.transferId() == transferId).toList();
    }

    private void awaitEnd(final long transferId)
    {
        final String description = "transfer " + transferId + " to end";
        Await.until(description, END_TIMEOUT_MS, () ->
        {
            eventAdapter.poll(100);
            return events.isEnded(transferId);
        });
    }

    private EngineProcess startReceiver()
    {
        final int launch = ++launches;
        return new EngineProcess("receiver", directory, RECEIVER_PROPERTIES, "receiver running",
            "receive", "--endpoint", receiverEndpoint, "--output-dir", directory.resolve("out").toString(),
            "--key", directory.resolve("receiver.key").toString(),
            "--peers", directory.resolve("receiver.peers").toString(),
            "--aeron-dir", directory.resolve("aeron-receiver-" + launch).toString()).start(START_TIMEOUT_MS);
    }

    private EngineProcess startSender()
    {
        final int launch = ++launches;
        return new EngineProcess("sender", directory, SENDER_PROPERTIES, "sender running",
            "send", "--commands", directory.resolve("commands").toString(),
            "--events", directory.resolve("events").toString(), "--control-endpoint", controlEndpoint,
            "--key", directory.resolve("sender.key").toString(),
            "--peers", directory.resolve("sender.peers").toString(),
            "--aeron-dir", directory.resolve("aeron-sender-" + launch).toString()).start(START_TIMEOUT_MS);
    }

    private String keygen(final String name, final String endpoint)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final int exit = DwcpMain.execute(new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8), "keygen", "--out",
            directory.resolve(name + ".key").toString(), "--name", name, "--endpoint", endpoint);
        assertEquals(0, exit, () -> err.toString(StandardCharsets.UTF_8));
        return out.toString(StandardCharsets.UTF_8).lines().reduce((a, b) -> b).orElseThrow();
    }

    private static int freePort() throws IOException
    {
        try (DatagramSocket socket = new DatagramSocket(0))
        {
            return socket.getLocalPort();
        }
    }
}
