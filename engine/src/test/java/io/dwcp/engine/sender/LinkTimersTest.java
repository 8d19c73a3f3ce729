package io.dwcp.engine.sender;

import io.dwcp.codecs.agent.FailureReason;
import io.dwcp.codecs.agent.LinkTier;
import io.dwcp.codecs.wire.HelloStatus;
import io.dwcp.engine.config.LinkSettings;
import io.dwcp.engine.config.SenderContext;
import io.dwcp.engine.link.PathMonitor;
import io.dwcp.engine.queue.CommandPublisher;
import io.dwcp.engine.queue.EventAdapter;
import io.dwcp.engine.queue.SbeQueues;
import io.dwcp.engine.security.EngineSecurity;
import io.dwcp.engine.status.EngineCounter;
import io.dwcp.engine.status.EngineCounters;
import io.dwcp.engine.status.LinkCounter;
import io.dwcp.engine.test.EventRecorder;
import io.dwcp.engine.test.HandReceiver;
import io.dwcp.engine.test.SteppedAgents;
import io.dwcp.engine.test.TestImages;
import net.openhft.chronicle.queue.ChronicleQueue;
import org.agrona.CloseHelper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sender's path measurement and admission, driven on the test thread with a stepped clock: a receiver played
 * by hand over {@code aeron:ipc} answers each path probe after exactly the round trip the test chooses, and reports
 * the bytes received the test chooses, so that what the sender measures is known exactly.
 */
class LinkTimersTest
{
    private static final String IPC = "aeron:ipc";
    private static final int PAGE_SIZE = 4096;
    private static final int PAGE_COUNT = 64;
    private static final long IMAGE_SIZE = (long)PAGE_COUNT * PAGE_SIZE;
    private static final long PROBE_INTERVAL_NS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long PEER_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(30);
    private static final long BUDGET_BPS = 1_000_000_000L;
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
    private HandReceiver stranger;
    private Path image;
    private long bytesReceived;

    @BeforeEach
    void setUp(final org.junit.jupiter.api.TestInfo test) throws IOException
    {
        final LinkSettings.Transport transport = test.getTags().contains("rdma") ?
            LinkSettings.Transport.RDMA : LinkSettings.Transport.AUTO;
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
            .resumeTimeoutNs(PEER_TIMEOUT_NS)
            .helloIntervalNs(TimeUnit.MILLISECONDS.toNanos(200))
            .progressIntervalNs(TimeUnit.SECONDS.toNanos(1))
            .workerCount(1)
            .dictionaryBytes(0)
            .recordingDirectory(null)
            .linkSettings(new LinkSettings(PROBE_INTERVAL_NS, 0, BUDGET_BPS, 0, true, 0.6, transport))
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
        CloseHelper.closeAll(stranger, receiver, agents, eventAdapter, commands, commandQueue, eventQueue);
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void probeGoesEachIntervalAndItsEchoGivesTheRoundTrip()
    {
        openAcceptedTransfer(1, 0);
        runUntil("the first probe", () -> receiver.probes() > 0);
        final int probes = receiver.probes();
        final long firstProbeNs = receiver.probeTimestampNs();
        assertEquals(1, receiver.probeSequence());

        agents.timeNs(firstProbeNs + PROBE_INTERVAL_NS - 1);
        run(IDLE_CYCLES);
        assertEquals(probes, receiver.probes(), "a probe before the interval passed");
        agents.advanceNs(1);
        runUntil("the second probe", () -> receiver.probes() > probes);
        assertEquals(2, receiver.probeSequence());

        final long rttNs = TimeUnit.MILLISECONDS.toNanos(3);
        agents.advanceNs(rttNs);
        assertTrue(receiver.pathEcho(1, receiver.probeSequence(), receiver.probeTimestampNs(), 0));
        runUntil("the echo", () -> counters.value(EngineCounter.PROBE_ECHOES) == 1);

        agents.timeNs(firstProbeNs + PathMonitor.SAMPLE_INTERVAL_NS + PROBE_INTERVAL_NS);
        runUntil("a link sample", () -> counters.value(EngineCounter.LINK_SAMPLES) > 0);
        assertEquals(rttNs / 1000, linkGauge(LinkCounter.LATENCY_US));
        assertEquals(rttNs / 1000, linkGauge(LinkCounter.MIN_LATENCY_US));
        assertEquals(0, counters.value(EngineCounter.PROBE_ECHOES_REFUSED));
        assertEquals(List.of(), events.failed);
        assertEquals(List.of(), agents.errors());
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void echoWithAForgedTimestampOrSequenceIsRefusedAndCounted()
    {
        openAcceptedTransfer(2, 0);
        runUntil("a probe", () -> receiver.probes() > 0);
        final long sequence = receiver.probeSequence();
        final long timestampNs = receiver.probeTimestampNs();
        agents.advanceNs(TimeUnit.MILLISECONDS.toNanos(1));

        // Older than it was, to pass for a shorter round trip; a probe never sent; one from the future.
        assertTrue(receiver.pathEcho(2, sequence, timestampNs + 500_000, 0));
        assertTrue(receiver.pathEcho(2, sequence + 1000, timestampNs, 0));
        assertTrue(receiver.pathEcho(2, -sequence, timestampNs, 0));
        runUntil("the forged echoes refused", () -> counters.value(EngineCounter.PROBE_ECHOES_REFUSED) == 3);
        assertEquals(0, counters.value(EngineCounter.PROBE_ECHOES));

        // The probe is still outstanding: its true echo is measured, once.
        assertTrue(receiver.pathEcho(2, sequence, timestampNs, 0));
        assertTrue(receiver.pathEcho(2, sequence, timestampNs, 0));
        runUntil("the true echo and its replay", () -> counters.value(EngineCounter.PROBE_ECHOES_REFUSED) == 4);
        assertEquals(1, counters.value(EngineCounter.PROBE_ECHOES));
        assertEquals(List.of(), events.failed);
        assertEquals(List.of(), agents.errors());
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void echoFromAStrangerIsIgnored()
    {
        openAcceptedTransfer(3, 0);
        stranger = new HandReceiver(agents.aeron(), IPC, context.dataStreamId(), IPC, context.controlStreamId());
        runUntil("a probe, and the stranger connected", () -> receiver.probes() > 0 && stranger.isControlConnected());
        final long rejectedBefore = counters.value(EngineCounter.CONTROL_FRAMES_REJECTED);

        assertTrue(stranger.pathEcho(3, receiver.probeSequence(), receiver.probeTimestampNs(), 1L << 40));
        runUntil("the stranger's echo rejected",
            () -> counters.value(EngineCounter.CONTROL_FRAMES_REJECTED) > rejectedBefore);
        assertEquals(0, counters.value(EngineCounter.PROBE_ECHOES));

        assertTrue(receiver.pathEcho(3, receiver.probeSequence(), receiver.probeTimestampNs(), 0));
        runUntil("the receiver's own echo", () -> counters.value(EngineCounter.PROBE_ECHOES) == 1);
        assertEquals(List.of(), events.failed);
        assertEquals(List.of(), agents.errors());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void roundTripThatJumpsAHundredFoldChangesTheTierOnceAndHalvesTheStreams()
    {
        openAcceptedTransfer(4, 0);
        // 2 Gbit/s delivered: Tier2 while the round trip is 1 ms.
        final long bytesPerProbe = 2_000_000_000L / 8 / 10;
        final long fastRttNs = TimeUnit.MILLISECONDS.toNanos(1);
        echoFor(TimeUnit.SECONDS.toNanos(7), fastRttNs, bytesPerProbe);
        assertEquals(1, counters.value(EngineCounter.TIER_CHANGES), () -> "links: " + events.links);
        final EventRecorder.LinkChange detected = events.links.get(events.links.size() - 1);
        assertEquals(LinkTier.TIER2, detected.tier(), () -> "links: " + events.links);
        assertTrue(detected.confidencePercent() >= 60, () -> "confidence: " + detected);
        assertEquals(2, linkGauge(LinkCounter.TIER));
        final long streamsBefore = linkGauge(LinkCounter.STREAMS);

        echoFor(TimeUnit.SECONDS.toNanos(12), 100 * fastRttNs, bytesPerProbe * 2);
        assertEquals(2, counters.value(EngineCounter.TIER_CHANGES), () -> "links: " + events.links);
        assertEquals(3, linkGauge(LinkCounter.TIER));
        assertTrue(events.links.stream().anyMatch((change) -> LinkTier.TIER3 == change.tier()));
        assertEquals(1, counters.value(EngineCounter.STREAM_CHANGES), () -> "links: " + events.links);
        assertTrue(linkGauge(LinkCounter.STREAMS) <= Math.max(1, streamsBefore / 2),
            () -> "streams " + linkGauge(LinkCounter.STREAMS) + " were " + streamsBefore);
        assertEquals(0, counters.value(EngineCounter.PROBE_ECHOES_REFUSED));
        assertEquals(List.of(), events.failed);
        assertEquals(List.of(), agents.errors());
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void reservationsNeverExceedTheBudgetAndAreReleasedWhenTheTransferEnds()
    {
        receiver = newReceiver();
        commands.startTransfer(10, "vm-10", image.toString(), IMAGE_SIZE, PAGE_SIZE, 0, 1, 2000, IPC);
        runUntil("the oversized reservation refused", () -> events.failed.size() == 1);
        assertFailed(0, 10, "larger than the capacity");

        commands.startTransfer(11, "vm-11", image.toString(), IMAGE_SIZE, PAGE_SIZE, 0, 1, 600, IPC);
        commands.startTransfer(12, "vm-12", image.toString(), IMAGE_SIZE, PAGE_SIZE, 0, 1, 600, IPC);
        commands.startTransfer(13, "vm-13", image.toString(), IMAGE_SIZE, PAGE_SIZE, 0, 1, 400, IPC);
        runUntil("the three commands read", () -> events.failed.size() == 2 &&
            counters.value(EngineCounter.TRANSFERS_STARTED) == 2);
        assertFailed(1, 12, "does not fit");
        assertEquals(1000, linkGauge(LinkCounter.RESERVED_MBPS));
        assertEquals(2, counters.value(EngineCounter.TRANSFERS_NOT_ADMITTED));

        commands.cancel(11, "make room");
        runUntil("the cancel", () -> events.failed.size() == 3);
        assertEquals(400, linkGauge(LinkCounter.RESERVED_MBPS));
        commands.startTransfer(14, "vm-14", image.toString(), IMAGE_SIZE, PAGE_SIZE, 0, 1, 600, IPC);
        runUntil("the room used", () -> counters.value(EngineCounter.TRANSFERS_STARTED) == 3);
        assertEquals(1000, linkGauge(LinkCounter.RESERVED_MBPS));
        assertEquals(3, events.failed.size(), () -> "failed: " + events.failed);
        assertEquals(List.of(), agents.errors());
    }

    @Test
    @org.junit.jupiter.api.Tag("rdma")
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void rdmaAskedForWhereNoneExistsSaysWhyOnceAndTransfersGoOverUdp()
    {
        assertEquals(1, counters.value(EngineCounter.RDMA_FALLBACKS));
        openAcceptedTransfer(20, 0);
        commands.pageRange(20, 0, 0, PAGE_COUNT);
        runUntil("every page over UDP", () -> receiver.pages() == PAGE_COUNT);
        assertEquals(1, counters.value(EngineCounter.RDMA_FALLBACKS));
        final String reason = io.dwcp.engine.link.RdmaProbe.whyNot(io.dwcp.engine.link.RdmaProbe.DEVICES);
        assertTrue(reason.contains("libdisni") || reason.contains("no RDMA device") || reason.contains("no RDMA data"),
            reason);
        assertEquals(List.of(), events.failed);
        assertEquals(List.of(), agents.errors());
    }

    private void assertFailed(final int index, final long transferId, final String text)
    {
        final EventRecorder.Failure failure = events.failed.get(index);
        assertEquals(transferId, failure.transferId());
        assertEquals(FailureReason.NOT_ADMITTED, failure.reason());
        assertTrue(failure.text().contains(text), failure.text());
    }

    /**
     * Answer every probe for a while, each after a round trip, reporting bytes received at a steady rate.
     */
    private void echoFor(final long durationNs, final long rttNs, final long bytesPerProbe)
    {
        final long endNs = agents.nowNs() + durationNs;
        while (agents.nowNs() < endNs)
        {
            final int probes = receiver.probes();
            if (probes > 0)
            {
                agents.timeNs(Math.max(agents.nowNs(), receiver.probeTimestampNs() + PROBE_INTERVAL_NS));
            }
            runUntil("a probe", () -> receiver.probes() > probes);
            final long sequence = receiver.probeSequence();
            final long timestampNs = receiver.probeTimestampNs();
            agents.advanceNs(rttNs);
            bytesReceived += bytesPerProbe;
            assertTrue(receiver.pathEcho(4, sequence, timestampNs, bytesReceived));
            run(5);
        }
    }

    private long linkGauge(final LinkCounter counter)
    {
        final long[] value = {Long.MIN_VALUE};
        agents.aeron().countersReader().forEach((id, typeId, key, label) ->
        {
            if (typeId == counter.typeId())
            {
                value[0] = agents.aeron().countersReader().getCounterValue(id);
            }
        });
        return value[0];
    }

    private HandReceiver newReceiver()
    {
        return new HandReceiver(agents.aeron(), IPC, context.dataStreamId(), IPC, context.controlStreamId());
    }

    private void openAcceptedTransfer(final long transferId, final int bandwidthMbps)
    {
        receiver = newReceiver();
        commands.startTransfer(
            transferId, "vm-" + transferId, image.toString(), IMAGE_SIZE, PAGE_SIZE, 0, 1, bandwidthMbps, IPC);
        runUntil("the Hello", () -> receiver.hellos() > 0 && receiver.isControlConnected());
        assertTrue(receiver.helloAck(transferId, HelloStatus.ACCEPTED));
        runUntil("the transfer to be accepted", () -> events.accepted.contains(transferId));
    }

    private void run(final int cycles)
    {
        for (int i = 0; i < cycles; i++)
        {
            agents.doWork();
            pollReceivers();
        }
        eventAdapter.poll(EVENTS_PER_POLL);
    }

    private void runUntil(final String description, final BooleanSupplier condition)
    {
        agents.doWorkUntil(description, () ->
        {
            pollReceivers();
            eventAdapter.poll(EVENTS_PER_POLL);
            return condition.getAsBoolean();
        });
    }

    private void pollReceivers()
    {
        if (null != receiver)
        {
            receiver.poll();
        }
        if (null != stranger)
        {
            stranger.poll();
        }
    }
}
