package io.dwcp.engine.sender;

import io.dwcp.codecs.agent.FailureReason;
import io.dwcp.codecs.wire.HelloStatus;
import io.dwcp.engine.config.SenderContext;
import io.dwcp.engine.queue.CommandPublisher;
import io.dwcp.engine.queue.EventAdapter;
import io.dwcp.engine.queue.SbeQueues;
import io.dwcp.engine.runtime.LocalMigration;
import io.dwcp.engine.security.EngineSecurity;
import io.dwcp.engine.status.EngineCounter;
import io.dwcp.engine.status.EngineCounters;
import io.dwcp.engine.test.EventRecorder;
import io.dwcp.engine.test.HandReceiver;
import io.dwcp.engine.test.SteppedAgents;
import io.dwcp.engine.test.TestImages;
import io.dwcp.engine.transport.StripeLayout;
import net.openhft.chronicle.queue.ChronicleQueue;
import org.agrona.CloseHelper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sender's timers, driven on the test thread: the conductor, the workers, the media driver and the client run
 * one duty cycle at a time, and time passes for the engine only when the test steps its clock. A receiver is
 * played by hand over {@code aeron:ipc}, so what the sender sends is visible in the same cycle and what it does not
 * send can be asserted absent.
 */
class SenderTimersTest
{
    private static final String IPC = "aeron:ipc";
    private static final int PAGE_SIZE = 4096;
    private static final int PAGE_COUNT = 64;
    private static final long IMAGE_SIZE = (long)PAGE_COUNT * PAGE_SIZE;
    /** Small frames, so each stripe sends several and its last is a frame of its own. */
    private static final int PAGES_PER_FRAME = 4;
    private static final long PEER_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(5);
    private static final long RESUME_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(20);
    private static final long HELLO_INTERVAL_NS = TimeUnit.MILLISECONDS.toNanos(200);
    private static final long PROGRESS_INTERVAL_NS = TimeUnit.MILLISECONDS.toNanos(500);
    /** Duty cycles run with the clock standing still, to show that nothing more falls due. */
    private static final int IDLE_CYCLES = 50;
    private static final int EVENTS_PER_POLL = 10_000;

    @TempDir
    Path directory;

    private final EventRecorder events = new EventRecorder();
    private SteppedAgents agents;
    private ChronicleQueue commandQueue;
    private ChronicleQueue eventQueue;
    private CommandPublisher commands;
    private EventAdapter eventAdapter;
    private SenderContext context;
    private EngineCounters counters;
    private HandReceiver receiver;
    private Path image;

    @BeforeEach
    void setUp() throws IOException
    {
        image = TestImages.generate(directory.resolve("source.img"), IMAGE_SIZE, 7);
        commandQueue = SbeQueues.open(directory.resolve("commands"));
        eventQueue = SbeQueues.open(directory.resolve("events"));
        commands = new CommandPublisher(commandQueue);
        eventAdapter = new EventAdapter(eventQueue, events);
        agents = new SteppedAgents();
        context = new SenderContext()
            .aeron(agents.aeron())
            .commandQueue(commandQueue)
            .eventQueue(eventQueue)
            .controlEndpoint(IPC)
            .peerTimeoutNs(PEER_TIMEOUT_NS)
            .resumeTimeoutNs(RESUME_TIMEOUT_NS)
            .helloIntervalNs(HELLO_INTERVAL_NS)
            .progressIntervalNs(PROGRESS_INTERVAL_NS)
            .maxPagesPerFrame(PAGES_PER_FRAME)
            .workerCount(2)
            .dictionaryBytes(0)
            .recordingDirectory(null)
            .security(EngineSecurity.insecure())
            .nanoClock(agents.clock())
            .errorHandler(agents::onError)
            .conclude();
        counters = context.counters();
        final SenderAgents sender = SenderAgents.create(context, false);
        agents.add(sender.conductor());
        sender.workers().forEach(agents::add);
    }

    @AfterEach
    void tearDown()
    {
        CloseHelper.closeAll(receiver, agents, eventAdapter, commands, commandQueue, eventQueue);
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void transferToAnEndpointNobodyListensOnFailsUnreachableJustAfterThePeerTimeout() throws IOException
    {
        final String nobody = "localhost:" + LocalMigration.freeUdpPort();
        commands.startTransfer(1, "vm-1", image.toString(), IMAGE_SIZE, PAGE_SIZE, 0, 2, nobody);
        run(IDLE_CYCLES);
        assertEquals(1, counters.value(EngineCounter.TRANSFERS_STARTED));
        final long startNs = agents.nowNs();

        for (final long elapsedNs : new long[]{ PEER_TIMEOUT_NS / 2, PEER_TIMEOUT_NS - 1, PEER_TIMEOUT_NS })
        {
            agents.timeNs(startNs + elapsedNs);
            run(IDLE_CYCLES);
            assertEquals(List.of(), events.failed, "failed " + elapsedNs + " ns after the start");
        }

        agents.advanceNs(1);
        run(1);
        assertEquals(1, events.failed.size(), () -> "failed: " + events.failed);
        final EventRecorder.Failure failure = events.failed.get(0);
        assertEquals(1, failure.transferId());
        assertEquals(FailureReason.RECEIVER_UNREACHABLE, failure.reason());
        assertTrue(failure.text().contains(nobody), failure.text());
        assertTrue(failure.text().contains("2 of 2 stripes not connected"), failure.text());

        agents.advanceNs(PEER_TIMEOUT_NS);
        run(IDLE_CYCLES);
        assertEquals(1, events.failed.size(), "a transfer fails once");
        assertEquals(List.of(), agents.errors());
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void connectedReceiverThatNeverAnswersTheHelloFailsUnreachableJustAfterThePeerTimeout()
    {
        receiver = newReceiver();
        commands.startTransfer(7, "vm-7", image.toString(), IMAGE_SIZE, PAGE_SIZE, 0, 2, IPC);
        runUntil("the first Hello", () -> receiver.hellos() > 0);
        final long startNs = SteppedAgents.START_NS;

        agents.timeNs(startNs + PEER_TIMEOUT_NS);
        run(IDLE_CYCLES);
        assertEquals(List.of(), events.failed, "failed with the peer timeout not yet passed");
        assertTrue(receiver.hellos() > 1, "Hellos repeated while unanswered");

        agents.advanceNs(1);
        run(1);
        assertEquals(1, events.failed.size(), () -> "failed: " + events.failed);
        final EventRecorder.Failure failure = events.failed.get(0);
        assertEquals(FailureReason.RECEIVER_UNREACHABLE, failure.reason());
        assertTrue(failure.text().contains("0 of 2 stripes not connected"), failure.text());
        assertEquals(List.of(), agents.errors());
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void helloGoesWhenThePublicationsConnectAndAgainOnlyEachHelloInterval()
    {
        commands.startTransfer(2, "vm-2", image.toString(), IMAGE_SIZE, PAGE_SIZE, 0, 2, IPC);
        run(IDLE_CYCLES);
        assertEquals(1, counters.value(EngineCounter.TRANSFERS_STARTED));
        // Intervals that pass while nobody listens are not made up for once somebody does.
        agents.advanceNs(3 * HELLO_INTERVAL_NS);
        run(IDLE_CYCLES);

        receiver = newReceiver();
        runUntil("the first Hello", () -> receiver.hellos() > 0);
        final long firstHelloNs = agents.nowNs();
        run(IDLE_CYCLES);
        assertEquals(1, receiver.hellos(), "one Hello as the publications connect");
        assertEquals(2, receiver.helloStripeCount());

        agents.timeNs(firstHelloNs + HELLO_INTERVAL_NS - 1);
        run(IDLE_CYCLES);
        assertEquals(1, receiver.hellos(), "a Hello before the interval passed");
        agents.advanceNs(1);
        run(IDLE_CYCLES);
        assertEquals(2, receiver.hellos(), "a Hello once the interval passed");

        agents.timeNs(firstHelloNs + 2 * HELLO_INTERVAL_NS - 1);
        run(IDLE_CYCLES);
        assertEquals(2, receiver.hellos());
        agents.advanceNs(1);
        run(IDLE_CYCLES);
        assertEquals(3, receiver.hellos());

        // A clock that jumps many intervals at once sends one Hello, not one per interval.
        agents.timeNs(firstHelloNs + 10 * HELLO_INTERVAL_NS);
        run(IDLE_CYCLES);
        assertEquals(4, receiver.hellos());
        assertEquals(List.of(), events.failed);
        assertEquals(List.of(), agents.errors());
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void progressIsWrittenOnlyWhenTheClockPassesTheProgressInterval()
    {
        openAcceptedTransfer(3, 1);
        run(IDLE_CYCLES);
        final long acceptedNs = agents.nowNs();
        assertEquals(1, progressOf(3), "progress as streaming starts");

        agents.timeNs(acceptedNs + PROGRESS_INTERVAL_NS - 1);
        commands.pageRange(3, 0, 0, PAGE_COUNT);
        runUntil("every page to be sent", () -> receiver.pages() == PAGE_COUNT);
        run(IDLE_CYCLES);
        assertEquals(1, progressOf(3), "progress before the interval passed");

        agents.advanceNs(1);
        run(1);
        assertEquals(2, progressOf(3), "progress once the interval passed");
        assertEquals(PAGE_COUNT, lastProgressOf(3).pagesSent());
        run(IDLE_CYCLES);
        assertEquals(2, progressOf(3));

        // A clock that jumps by more than an interval writes one event, then waits a whole interval again.
        agents.timeNs(acceptedNs + PROGRESS_INTERVAL_NS * 5 / 2);
        run(IDLE_CYCLES);
        assertEquals(3, progressOf(3));
        agents.timeNs(acceptedNs + PROGRESS_INTERVAL_NS * 7 / 2 - 1);
        run(IDLE_CYCLES);
        assertEquals(3, progressOf(3));
        agents.advanceNs(1);
        run(IDLE_CYCLES);
        assertEquals(4, progressOf(3));
        assertEquals(List.of(), events.failed);
        assertEquals(List.of(), agents.errors());
    }

    @ParameterizedTest(name = "{0} stripes")
    @ValueSource(ints = { 1, 2 })
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void roundCompletesOnlyOnceEveryStripesLastFrameIsAcknowledged(final int stripes)
    {
        final long transferId = 4;
        openAcceptedTransfer(transferId, stripes);
        commands.pageRange(transferId, 0, 0, PAGE_COUNT);
        commands.endOfRound(transferId, 0);
        runUntil("every page of the round to be sent", () -> receiver.pages() == PAGE_COUNT);
        run(IDLE_CYCLES);
        assertEquals(PAGE_COUNT, receiver.pages(), "no page sent twice");
        assertEquals(0, receiver.framesOutOfOrder());
        assertEquals(0, receiver.framesOnForeignSession());
        final int[] all = new int[stripes];
        final long[] allButLast = new long[stripes];
        for (int k = 0; k < stripes; k++)
        {
            assertEquals(PAGE_COUNT / stripes, receiver.pages(k), "pages of stripe " + k);
            assertTrue(receiver.highestSequence(k) > 1, "frames of stripe " + k);
            all[k] = k;
            allButLast[k] = receiver.highestSequence(k) - 1;
        }
        if (2 == stripes)
        {
            assertNotEquals(receiver.sessionOf(0), receiver.sessionOf(1), "each stripe has a session of its own");
        }

        assertTrue(receiver.pageAck(transferId, receiver.pages(), agents.nowNs(), all, allButLast));
        agents.advanceNs(PEER_TIMEOUT_NS / 10);
        run(IDLE_CYCLES);
        assertEquals(List.of(), events.rounds, "a round with every stripe's last frame unacknowledged");

        for (int k = 0; k < stripes; k++)
        {
            final long lastSequence = receiver.highestSequence(k);
            assertTrue(receiver.pageAck(
                transferId, receiver.pages(), agents.nowNs(), new int[]{ k }, new long[]{ lastSequence }));
            agents.advanceNs(PEER_TIMEOUT_NS / 10);
            run(IDLE_CYCLES);
            if (k < stripes - 1)
            {
                assertEquals(List.of(), events.rounds, "a round with stripe " + (k + 1) + " unacknowledged");
            }
        }

        assertEquals(1, events.rounds.size(), () -> "rounds: " + events.rounds);
        final EventRecorder.Round round = events.rounds.get(0);
        assertEquals(transferId, round.transferId());
        assertEquals(0, round.round());
        assertEquals(PAGE_COUNT, round.pages());
        assertEquals(List.of(), events.failed);
        assertEquals(List.of(), agents.errors());
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void stripeWithNoPageInTheRoundDoesNotHoldItBack()
    {
        final long transferId = 8;
        openAcceptedTransfer(transferId, 2);
        // The first chunk of pages, all of them on stripe 0.
        commands.pageRange(transferId, 0, 0, StripeLayout.CHUNK_PAGES);
        commands.endOfRound(transferId, 0);
        runUntil("the round's pages to be sent", () -> receiver.pages() == StripeLayout.CHUNK_PAGES);
        run(IDLE_CYCLES);
        assertEquals(0, receiver.pages(1));
        assertEquals(List.of(), events.rounds);

        assertTrue(receiver.pageAck(transferId, receiver.pages(), agents.nowNs(), new int[]{ 0 },
            new long[]{ receiver.highestSequence(0) }));
        run(IDLE_CYCLES);
        assertEquals(1, events.rounds.size(), () -> "rounds: " + events.rounds);
        assertEquals(StripeLayout.CHUNK_PAGES, events.rounds.get(0).pages());
        assertEquals(List.of(), agents.errors());
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void silentStripeFailsPeerLostAfterThePeerTimeoutWhileTheOtherStripeIsAcknowledged()
    {
        final long transferId = 5;
        openAcceptedTransfer(transferId, 2);
        commands.pageRange(transferId, 0, 0, PAGE_COUNT);
        runUntil("every page to be sent", () -> receiver.pages() == PAGE_COUNT);
        run(IDLE_CYCLES);
        // Every frame went out with the clock standing here.
        final long lastFrameNs = agents.nowNs();
        final int[] stripeZero = { 0 };
        final long[] stripeZeroSequence = { receiver.highestSequence(0) };

        final int steps = 4;
        for (int i = 1; i <= steps; i++)
        {
            agents.timeNs(lastFrameNs + i * (PEER_TIMEOUT_NS / steps));
            assertTrue(receiver.pageAck(transferId, receiver.pages(0), agents.nowNs(), stripeZero, stripeZeroSequence));
            run(IDLE_CYCLES);
            assertEquals(List.of(), events.failed, "failed after " + i + "/" + steps + " of the peer timeout");
        }

        agents.advanceNs(1);
        assertTrue(receiver.pageAck(transferId, receiver.pages(0), agents.nowNs(), stripeZero, stripeZeroSequence));
        run(1);
        assertReopenedThenFailedAtTheResumeTimeout(transferId);
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void endedTransferWithNoVerdictFailsPeerLostAPeerTimeoutAfterTheReceiverLastSpoke()
    {
        final long transferId = 6;
        openAcceptedTransfer(transferId, 2);
        commands.pageRange(transferId, 0, 0, PAGE_COUNT);
        commands.endOfTransfer(transferId);
        runUntil("the transfer's end", () -> 1 == receiver.transferEnds());
        final int[] both = { 0, 1 };
        final long[] lastFrames = { receiver.highestSequence(0), receiver.highestSequence(1) };
        assertTrue(receiver.pageAck(transferId, PAGE_COUNT, agents.nowNs(), both, lastFrames));
        run(IDLE_CYCLES);
        final long endNs = agents.nowNs();

        // A receiver verifying a large image says it is alive with acknowledgements that name no stripe.
        agents.timeNs(endNs + PEER_TIMEOUT_NS / 2);
        assertTrue(receiver.pageAck(transferId, PAGE_COUNT, agents.nowNs(), new int[0], new long[0]));
        run(IDLE_CYCLES);
        final long lastWordNs = agents.nowNs();
        agents.timeNs(lastWordNs + PEER_TIMEOUT_NS);
        run(IDLE_CYCLES);
        assertEquals(List.of(), events.failed, "failed a peer timeout after the end but not after the last ack");

        agents.advanceNs(1);
        run(1);
        assertReopenedThenFailedAtTheResumeTimeout(transferId);
    }

    private HandReceiver newReceiver()
    {
        return new HandReceiver(agents.aeron(), IPC, context.dataStreamId(), IPC, context.controlStreamId());
    }

    private void openAcceptedTransfer(final long transferId, final int stripes)
    {
        receiver = newReceiver();
        commands.startTransfer(
            transferId, "vm-" + transferId, image.toString(), IMAGE_SIZE, PAGE_SIZE, 0, stripes, IPC);
        runUntil("the Hello", () -> receiver.hellos() > 0 && receiver.isControlConnected());
        assertEquals(stripes, receiver.helloStripeCount());
        assertTrue(receiver.helloAck(transferId, HelloStatus.ACCEPTED));
        runUntil("the transfer to be accepted", () -> events.accepted.contains(transferId));
    }

    /**
     * A lost receiver does not fail the transfer: it is reopened from its commands and says Hello again, with a new
     * handshake now and then, until the resume timeout, when it fails.
     */
    private void assertReopenedThenFailedAtTheResumeTimeout(final long transferId)
    {
        assertEquals(List.of(), events.failed, "a lost receiver reopens the transfer");
        assertEquals(1, counters.value(EngineCounter.TRANSFERS_REOPENED));
        final int hellosBefore = receiver.hellos();
        final long lostNs = agents.nowNs();
        agents.timeNs(lostNs + RESUME_TIMEOUT_NS / 2);
        runUntil("a Hello of the reopened transfer", () -> receiver.hellos() > hellosBefore);
        assertEquals(List.of(), events.failed, "failed within the resume timeout");

        agents.timeNs(lostNs + RESUME_TIMEOUT_NS + 1);
        run(IDLE_CYCLES);
        assertEquals(1, events.failed.size(), () -> "failed: " + events.failed);
        final EventRecorder.Failure failure = events.failed.get(0);
        assertEquals(transferId, failure.transferId());
        assertEquals(FailureReason.PEER_LOST, failure.reason());
        assertTrue(failure.text().contains("resume timeout"), failure.text());
        assertEquals(List.of(), agents.errors());
    }

    private void run(final int cycles)
    {
        for (int i = 0; i < cycles; i++)
        {
            agents.doWork();
            pollReceiver();
        }
        eventAdapter.poll(EVENTS_PER_POLL);
    }

    private void runUntil(final String description, final BooleanSupplier condition)
    {
        agents.doWorkUntil(description, () ->
        {
            pollReceiver();
            eventAdapter.poll(EVENTS_PER_POLL);
            return condition.getAsBoolean();
        });
    }

    private void pollReceiver()
    {
        if (null != receiver)
        {
            receiver.poll();
        }
    }

    private long progressOf(final long transferId)
    {
        return events.progress.stream().filter((progress) -> progress.transferId() == transferId).count();
    }

    private EventRecorder.Progress lastProgressOf(final long transferId)
    {
        EventRecorder.Progress last = null;
        for (final EventRecorder.Progress progress : events.progress)
        {
            if (progress.transferId() == transferId)
            {
                last = progress;
            }
        }
        return last;
    }
}
