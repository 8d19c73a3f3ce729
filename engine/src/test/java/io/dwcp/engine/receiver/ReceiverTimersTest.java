package io.dwcp.engine.receiver;

import io.dwcp.codec.ImageDigest;
import io.dwcp.codec.PageChecksum;
import io.dwcp.codecs.agent.FailureReason;
import io.dwcp.codecs.wire.HelloStatus;
import io.dwcp.codecs.wire.Verdict;
import io.dwcp.engine.config.EngineConfiguration;
import io.dwcp.engine.config.ReceiverContext;
import io.dwcp.engine.queue.EventAdapter;
import io.dwcp.engine.queue.SbeQueues;
import io.dwcp.engine.security.EngineSecurity;
import io.dwcp.engine.status.EngineCounter;
import io.dwcp.engine.status.EngineCounters;
import io.dwcp.engine.test.EventRecorder;
import io.dwcp.engine.test.HandSender;
import io.dwcp.engine.test.SteppedAgents;
import net.openhft.chronicle.queue.ChronicleQueue;
import org.agrona.CloseHelper;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The receiver's timers, driven on the test thread: the data adapter, the conductor, the verifier, the media driver
 * and the client run one duty cycle at a time, and time passes for the engine only when the test steps its clock.
 * A sender is played by hand over {@code aeron:ipc}.
 */
class ReceiverTimersTest
{
    private static final String IPC = "aeron:ipc";
    private static final int PAGE_SIZE = 4096;
    private static final int PAGE_COUNT = 8;
    private static final long IMAGE_SIZE = (long)PAGE_COUNT * PAGE_SIZE;
    private static final long TRANSFER_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(2);
    /** Longer than the transfer timeout, to show that a finished transfer is not timed out while it lingers. */
    private static final long LINGER_NS = TimeUnit.SECONDS.toNanos(5);
    /** A page a duty cycle, so that the clock can be stepped while a transfer is being verified. */
    private static final int VERIFY_PAGES_PER_CYCLE = 1;
    /** Duty cycles run with the clock standing still, to show that nothing more falls due. */
    private static final int IDLE_CYCLES = 50;
    private static final int EVENTS_PER_POLL = 10_000;

    @TempDir
    Path directory;

    private final EventRecorder events = new EventRecorder();
    private SteppedAgents agents;
    private ChronicleQueue eventQueue;
    private EventAdapter eventAdapter;
    private EngineCounters counters;
    private HandSender sender;

    @BeforeEach
    void setUp() throws IOException
    {
        eventQueue = SbeQueues.open(directory.resolve("events"));
        eventAdapter = new EventAdapter(eventQueue, events);
        agents = new SteppedAgents();
        final ReceiverContext context = new ReceiverContext()
            .aeron(agents.aeron())
            .dataEndpoint(IPC)
            .outputDirectory(Files.createDirectories(directory.resolve("out")))
            .eventQueue(eventQueue)
            .transferTimeoutNs(TRANSFER_TIMEOUT_NS)
            .lingerNs(LINGER_NS)
            .verifyPagesPerCycle(VERIFY_PAGES_PER_CYCLE)
            .security(EngineSecurity.insecure())
            .nanoClock(agents.clock())
            .errorHandler(agents::onError)
            .conclude();
        counters = context.counters();
        ReceiverAgents.create(context).forEach(agents::add);
        // Replies go where the sender's would: its control stream.
        sender = new HandSender(
            agents.aeron(), IPC, context.dataStreamId(), IPC, EngineConfiguration.controlStreamId());
        agents.doWorkUntil("the hand sender to connect", sender::isConnected);
    }

    @AfterEach
    void tearDown()
    {
        CloseHelper.closeAll(sender, agents, eventAdapter, eventQueue);
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void transferWithNoFrameAfterItsHelloFailsPeerLostJustAfterTheTransferTimeoutAndIsKeptToResume()
    {
        assertTrue(sender.hello(1, "vm-silent", IMAGE_SIZE, PAGE_SIZE));
        runUntil("the Hello to be answered", () -> 1 == sender.helloAcks().size());
        assertEquals(HelloStatus.ACCEPTED, sender.helloAcks().get(0).status());
        final long helloNs = agents.nowNs();

        for (final long elapsedNs : new long[]{ TRANSFER_TIMEOUT_NS / 2, TRANSFER_TIMEOUT_NS - 1, TRANSFER_TIMEOUT_NS })
        {
            agents.timeNs(helloNs + elapsedNs);
            run(IDLE_CYCLES);
            assertEquals(List.of(), events.failed, "failed " + elapsedNs + " ns after the Hello");
        }

        agents.advanceNs(1);
        run(1);
        assertEquals(1, events.failed.size(), () -> "failed: " + events.failed);
        final EventRecorder.Failure failure = events.failed.get(0);
        assertEquals(1, failure.transferId());
        assertEquals(FailureReason.PEER_LOST, failure.reason());
        assertTrue(failure.text().contains("no frame from the sender"), failure.text());
        assertTrue(failure.text().contains("kept in vm-silent-1.img for the sender to resume"), failure.text());
        assertEquals(1, counters.value(EngineCounter.TRANSFERS_KEPT_FOR_RESUME));

        // This attempt is gone: its end names a transfer the receiver no longer has.
        final long unknownBefore = counters.value(EngineCounter.FRAMES_UNKNOWN_TRANSFER);
        assertTrue(sender.transferEnd(1, 0, 0));
        run(IDLE_CYCLES);
        assertEquals(unknownBefore + 1, counters.value(EngineCounter.FRAMES_UNKNOWN_TRANSFER));
        // Its files are not: the sender's next Hello for it resumes it.
        final int answered = sender.helloAcks().size();
        assertTrue(sender.hello(1, "vm-silent", IMAGE_SIZE, PAGE_SIZE));
        runUntil("the Hello to be answered", () -> answered + 1 == sender.helloAcks().size());
        assertEquals(HelloStatus.RESUMED, sender.helloAcks().get(answered).status());
        assertEquals(1, counters.value(EngineCounter.TRANSFERS_RESUMED));
        assertEquals(1, events.failed.size(), "a transfer fails once");
        assertEquals(List.of(), agents.errors());
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void verifiedTransferLingersUntilTheLingerTimePasses()
    {
        assertTrue(sender.hello(2, "vm-linger", IMAGE_SIZE, PAGE_SIZE));
        runUntil("the Hello to be answered", () -> 1 == sender.helloAcks().size());
        assertEquals(HelloStatus.ACCEPTED, sender.helloAcks().get(0).status());

        final long digest = sendEveryPageAndTheEnd(2);
        runUntil("the verdict", () -> 1 == sender.verdicts().size());
        assertEquals(new HandSender.TransferVerdict(2, Verdict.MATCH, digest), sender.verdicts().get(0));
        assertEquals(1, events.completed.size(), () -> "completed: " + events.completed);
        final long verifiedNs = agents.nowNs();

        // Past the transfer timeout and up to the end of the linger: still there, so a repeated Hello is answered.
        agents.timeNs(verifiedNs + TRANSFER_TIMEOUT_NS + 1);
        run(IDLE_CYCLES);
        agents.timeNs(verifiedNs + LINGER_NS);
        run(IDLE_CYCLES);
        assertTrue(sender.hello(2, "vm-linger", IMAGE_SIZE, PAGE_SIZE));
        runUntil("the repeated Hello to be answered", () -> 2 == sender.helloAcks().size());
        assertEquals(HelloStatus.ACCEPTED, sender.helloAcks().get(1).status(), () -> sender.helloAcks().toString());

        agents.advanceNs(1);
        run(1);
        assertRefusedAsGone(2, "vm-linger");
        assertEquals(List.of(), events.failed, "a lingering transfer is removed, not failed");
        assertEquals(1, events.completed.size());
        assertEquals(List.of(), agents.errors());
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void transferIsNotTimedOutWhileTheReceiverVerifiesIt()
    {
        assertTrue(sender.hello(3, "vm-verify", IMAGE_SIZE, PAGE_SIZE));
        runUntil("the Hello to be answered", () -> 1 == sender.helloAcks().size());
        final long digest = sendEveryPageAndTheEnd(3);
        // The end and every page are read in one cycle, which starts the verification of its first page.
        run(1);

        // The sender owes nothing while it waits for the verdict, however long the receiver takes to verify.
        for (int cycle = 1; cycle < PAGE_COUNT / VERIFY_PAGES_PER_CYCLE + 1; cycle++)
        {
            agents.advanceNs(TRANSFER_TIMEOUT_NS / 2);
            run(1);
            assertEquals(List.of(), events.failed, "failed at verification cycle " + cycle);
        }
        runUntil("the verdict", () -> 1 == sender.verdicts().size());
        assertEquals(new HandSender.TransferVerdict(3, Verdict.MATCH, digest), sender.verdicts().get(0));
        assertEquals(1, events.completed.size(), () -> "completed: " + events.completed);
        assertEquals(List.of(), agents.errors());
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void pagesVerifiedWhileTheTransferIsQuietAreNotReadAgainAtItsEndUnlessWrittenSince() throws IOException
    {
        assertTrue(sender.hello(4, "vm-ahead", IMAGE_SIZE, PAGE_SIZE));
        runUntil("the Hello to be answered", () -> 1 == sender.helloAcks().size());
        final UnsafeBuffer pageCrcs = sendEveryPage(4);
        run(IDLE_CYCLES);
        assertEquals(0, counters.value(EngineCounter.PAGES_VERIFIED_AHEAD), "frames just came: not quiet yet");

        // Quiet for a while: every page is checked against its journal record.
        agents.advanceNs(TimeUnit.MILLISECONDS.toNanos(2));
        run(IDLE_CYCLES);
        assertEquals(PAGE_COUNT, counters.value(EngineCounter.PAGES_VERIFIED_AHEAD));

        // A page written again (a later round) voids its check; the next quiet spell checks it alone.
        final UnsafeBuffer page = new UnsafeBuffer(ByteBuffer.allocateDirect(PAGE_SIZE));
        page.setMemory(0, PAGE_SIZE, (byte)77);
        assertTrue(sender.rawPage(4, PAGE_COUNT + 1, 5, page, 0, PAGE_SIZE));
        pageCrcs.putInt(5 * Integer.BYTES, PageChecksum.crc32c(page, 0, PAGE_SIZE));
        run(IDLE_CYCLES);
        agents.advanceNs(TimeUnit.MILLISECONDS.toNanos(2));
        run(IDLE_CYCLES);
        assertEquals(PAGE_COUNT + 1, counters.value(EngineCounter.PAGES_VERIFIED_AHEAD));

        // Written again and not checked since: the end reads that page only.
        page.setMemory(0, PAGE_SIZE, (byte)78);
        assertTrue(sender.rawPage(4, PAGE_COUNT + 2, 2, page, 0, PAGE_SIZE));
        pageCrcs.putInt(2 * Integer.BYTES, PageChecksum.crc32c(page, 0, PAGE_SIZE));
        final long digest = ImageDigest.of(pageCrcs, PAGE_COUNT);
        assertTrue(sender.transferEnd(4, digest, PAGE_COUNT + 2));
        runUntil("the verdict", () -> 1 == sender.verdicts().size());
        assertEquals(new HandSender.TransferVerdict(4, Verdict.MATCH, digest), sender.verdicts().get(0));
        assertEquals(1, counters.value(EngineCounter.PAGES_READ_AT_END));
        assertEquals(PAGE_COUNT + 1, counters.value(EngineCounter.PAGES_VERIFIED_AHEAD));
        assertEquals(1, events.completed.size(), () -> "completed: " + events.completed);
        assertEquals(List.of(), agents.errors());
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void aPageThatDoesNotMatchItsRecordWhenCheckedAheadIsReadAtTheEndAndFailsTheDigest() throws IOException
    {
        assertTrue(sender.hello(5, "vm-corrupt", IMAGE_SIZE, PAGE_SIZE));
        runUntil("the Hello to be answered", () -> 1 == sender.helloAcks().size());
        final UnsafeBuffer pageCrcs = sendEveryPage(5);
        run(IDLE_CYCLES);
        // Something else writes the destination behind the receiver's back before the quiet spell.
        try (RandomAccessFile file = new RandomAccessFile(directory.resolve("out/vm-corrupt-5.img").toFile(), "rw"))
        {
            file.seek(3L * PAGE_SIZE + 17);
            file.write(0x5A);
        }
        agents.advanceNs(TimeUnit.MILLISECONDS.toNanos(2));
        run(IDLE_CYCLES);
        assertEquals(PAGE_COUNT, counters.value(EngineCounter.PAGES_VERIFIED_AHEAD));

        final long digest = ImageDigest.of(pageCrcs, PAGE_COUNT);
        assertTrue(sender.transferEnd(5, digest, PAGE_COUNT));
        runUntil("the verdict", () -> 1 == sender.verdicts().size());
        assertEquals(Verdict.MISMATCH, sender.verdicts().get(0).verdict(), () -> sender.verdicts().toString());
        assertEquals(1, counters.value(EngineCounter.PAGES_READ_AT_END), "the page that did not match");
        assertEquals(1, counters.value(EngineCounter.TRANSFERS_MISMATCHED));
        assertEquals(List.of(), agents.errors());
    }

    /**
     * Send every page of a transfer of one stripe, a frame each, sequences 1 to the page count.
     *
     * @return the CRC32C of each page, in page order.
     */
    private UnsafeBuffer sendEveryPage(final long transferId)
    {
        final UnsafeBuffer page = new UnsafeBuffer(ByteBuffer.allocateDirect(PAGE_SIZE));
        final UnsafeBuffer pageCrcs = new UnsafeBuffer(ByteBuffer.allocateDirect(PAGE_COUNT * Integer.BYTES));
        for (int pageNumber = 0; pageNumber < PAGE_COUNT; pageNumber++)
        {
            page.setMemory(0, PAGE_SIZE, (byte)(pageNumber + 1));
            pageCrcs.putInt(pageNumber * Integer.BYTES, PageChecksum.crc32c(page, 0, PAGE_SIZE));
            assertTrue(sender.rawPage(transferId, pageNumber + 1, pageNumber, page, 0, PAGE_SIZE));
        }
        return pageCrcs;
    }

    /**
     * Send every page of a transfer of one stripe, a frame each, then its end.
     *
     * @param transferId of the transfer, opened.
     * @return the digest of the image sent.
     */
    private long sendEveryPageAndTheEnd(final long transferId)
    {
        final long digest = ImageDigest.of(sendEveryPage(transferId), PAGE_COUNT);
        assertTrue(sender.transferEnd(transferId, digest, PAGE_COUNT));
        return digest;
    }

    /**
     * A Hello for a removed transfer is a new transfer, refused because the old one's destination is kept.
     */
    private void assertRefusedAsGone(final long transferId, final String vmId)
    {
        final int answered = sender.helloAcks().size();
        assertTrue(sender.hello(transferId, vmId, IMAGE_SIZE, PAGE_SIZE));
        runUntil("the Hello to be answered", () -> answered + 1 == sender.helloAcks().size());
        final HandSender.HelloAck ack = sender.helloAcks().get(answered);
        assertEquals(HelloStatus.REJECTED, ack.status(), ack::toString);
        assertTrue(ack.text().contains("already exists"), ack.text());
    }

    private void run(final int cycles)
    {
        for (int i = 0; i < cycles; i++)
        {
            agents.doWork();
            sender.poll();
        }
        eventAdapter.poll(EVENTS_PER_POLL);
    }

    private void runUntil(final String description, final BooleanSupplier condition)
    {
        agents.doWorkUntil(description, () ->
        {
            sender.poll();
            eventAdapter.poll(EVENTS_PER_POLL);
            return condition.getAsBoolean();
        });
    }
}
