package io.dwcp.engine.qemu;

import io.dwcp.engine.queue.CommandPublisher;
import io.dwcp.engine.queue.EventAdapter;
import org.agrona.CloseHelper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The reference agent: live-migrates a running QEMU guest whose RAM is a shared {@code memory-backend-file}.
 * <ol>
 *     <li>Checks the source over QMP and sets {@code x-ignore-shared}, opens the engine transfer, and once the
 *     receiver has created the destination file starts the destination QEMU on it with {@code -incoming defer}.</li>
 *     <li>Round 0 sends all of RAM; each later round the pages a checksum scan finds dirty
 *     ({@link DirtyPageScanner}).</li>
 *     <li>On the engine's switchover-ready event, or at the round cap, stops the source, sends the final round,
 *     waits for the engines' digest and checks it against the source's own.</li>
 *     <li>Lets QEMU move only the device state to the destination, and resumes the guest there.</li>
 * </ol>
 * Any failure before the destination runs leaves the source guest running: never stopped, or resumed.
 * <p>
 * Not thread safe: {@link #run()} once, on one thread.
 */
public final class QemuMigration
{
    private static final long POLL_SLEEP_MS = 1;
    /** Pages of round 0 scanned and handed to the engine at a time: 64 MiB of 4 KiB pages. */
    private static final int ROUND_ZERO_RANGE_PAGES = 1 << 14;

    private final QemuMigrationContext context;
    private final MigrationListener listener;
    private final CommandPublisher commands;
    private final long transferId;
    private final TransferEvents events;
    private final List<Long> pagesPerRound = new ArrayList<>();

    private QmpClient source;
    private DestinationQemu destination;
    private DirtyPageScanner scanner;
    private EventAdapter eventAdapter;
    private GuestRam ram;
    private Path destinationRam;
    private boolean isTransferOpen;
    private boolean isSourceStopped;
    private boolean wasSourceRunning;
    private boolean isSourceResumed;
    private long startNs;
    private long setupNs;
    private long stopNs;
    private long runningNs;
    private long liveEndNs;
    private long liveBytes;
    private long deviceStateBytes;
    private long deviceStateNs;
    private long remainingBytes;
    private String switchover = "-";
    private boolean isGivenUp;
    private String giveUpReason;
    private int finalRound;
    private long finalRoundNs;
    private long checkNs;
    private long eventDowntimeNs = -1;
    private long liveExpectedDowntimeNs;

    /**
     * Prepare a migration.
     *
     * @param context its settings; concluded here.
     * @throws IOException if the settings cannot be concluded.
     */
    public QemuMigration(final QemuMigrationContext context) throws IOException
    {
        this.context = context.conclude();
        listener = context.listener();
        commands = context.engine().commands();
        transferId = context.transferId();
        events = new TransferEvents(transferId);
    }

    /**
     * Migrate. Returns when the guest runs on the destination, or when the migration failed and the source guest
     * runs again.
     *
     * @return the summary; {@link MigrationSummary#isCompleted()} tells which.
     */
    public MigrationSummary run()
    {
        startNs = System.nanoTime();
        String failure = null;
        try
        {
            setUp();
            liveRounds();
            if (isGivenUp)
            {
                failure = giveUpReason;
            }
            else
            {
                switchOver();
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            failure = "interrupted";
        }
        catch (final RuntimeException ex)
        {
            failure = "internal error: " + ex;
        }
        catch (final Exception ex)
        {
            failure = ex.getMessage();
        }
        if (null != failure)
        {
            failure = recover(failure);
        }
        else if (context.quitSource())
        {
            quitSource();
        }
        return summary(failure);
    }

    private void setUp() throws Exception
    {
        source = QmpClient.connect(context.sourceQmp(), TimeUnit.NANOSECONDS.toMillis(context.connectTimeoutNs()));
        ram = GuestRam.of(source);
        final String status = source.status();
        if (!"running".equals(status) && !"paused".equals(status))
        {
            throw new MigrationFailure("the source guest is '" + status + "', not running");
        }
        wasSourceRunning = "running".equals(status);
        log("source RAM: %d MiB in %s (backend %s), %.1f ms after the start", ram.sizeBytes() >> 20, ram.file(),
            ram.backendId(), sinceStartMs());
        DestinationQemu.ignoreShared(source);

        final Path shadowFile = context.workDirectory().resolve(context.vmId() + "-" + transferId + ".shadow");
        scanner = new DirtyPageScanner(ram.file(), shadowFile, QemuMigrationContext.PAGE_SIZE, ram.sizeBytes(),
            context.scanThreads());
        eventAdapter = context.engine().newEventAdapter(events);
        commands.startTransfer(transferId, context.vmId(), shadowFile.toString(), ram.sizeBytes(),
            QemuMigrationContext.PAGE_SIZE, context.compressionLevel(), context.engine().receiverEndpoint());
        isTransferOpen = true;
    }

    /**
     * Round 0 names every page, the zero ones too (the shadow holds them as holes, so the scan did not copy them).
     * The receiver's fresh destination holds zeros already, but a page it never wrote is a hole that its final digest
     * would fault in while the guest is stopped: a zero page costs a marker on the wire instead.
     * <p>
     * Its scan goes a range at a time, each range handed to the engine as soon as it is in the shadow, so that the
     * engine sends one range while the next is scanned; and it starts before the receiver has accepted the transfer,
     * while the engines shake hands.
     */
    private void roundZero() throws Exception
    {
        final long pageCount = scanner.pageCount();
        for (long first = 0; first < pageCount; first += ROUND_ZERO_RANGE_PAGES)
        {
            final int pages = (int)Math.min(ROUND_ZERO_RANGE_PAGES, pageCount - first);
            scanner.scan(first, first + pages);
            commands.pageRange(transferId, 0, first, pages);
            if (0 == first)
            {
                setupNs = System.nanoTime() - startNs;
            }
        }
        commands.endOfRound(transferId, 0);
        pagesPerRound.add(pageCount);
        log("round 0: %d pages scanned into the shadow and handed to the engine %.1f ms after the start",
            pageCount, sinceStartMs());

        awaitEngine("the receiver to accept transfer " + transferId, events::isAccepted);
        log("transfer %d accepted by the receiver %.1f ms after the start", transferId, sinceStartMs());
        destinationRam = context.engine().destinationOf(context.vmId(), transferId);
        destination = DestinationQemu.start(context.destinationLauncher(), destinationRam,
            context.deviceStateTimeoutNs());
        // The destination QEMU starts while round 0 goes.
        destination.prepare(ram.sizeBytes(), context.incomingUri());
        log("destination QEMU %d on %s, incoming %s", destination.process().pid(), destinationRam,
            context.incomingUri());
        awaitRound(0);
        liveBytes += pageCount * QemuMigrationContext.PAGE_SIZE;
    }

    private void liveRounds() throws Exception
    {
        roundZero();
        int round = 1;
        while (true)
        {
            if (events.switchoverReadyRound() >= 0)
            {
                switchover = String.format(Locale.ROOT, "switchover-ready after round %d: expected downtime " +
                    "%.1f ms", events.switchoverReadyRound(), events.switchoverExpectedDowntimeNs() / 1e6);
                break;
            }
            if (round >= context.maxRounds())
            {
                final String reason = String.format(Locale.ROOT, "round cap %d reached; last expected downtime " +
                    "%.1f ms", context.maxRounds(), lastExpectedDowntimeNs() / 1e6);
                if (QemuMigrationContext.RoundCapAction.GIVE_UP == context.roundCapAction())
                {
                    isGivenUp = true;
                    liveExpectedDowntimeNs = lastExpectedDowntimeNs();
                    giveUpReason = "did not converge: " + reason + " above the engine's downtime limit; gave up";
                    switchover = "gave up at the round cap";
                    return;
                }
                switchover = reason + "; switching over anyway";
                break;
            }
            final String status = source.status();
            if (wasSourceRunning && !"running".equals(status))
            {
                throw new MigrationFailure("the source guest became '" + status + "' during round " + round);
            }
            final int dirty = scanner.scan();
            pagesPerRound.add((long)dirty);
            if (0 == dirty)
            {
                switchover = "no dirty pages after round " + (round - 1);
                break;
            }
            commands.pages(transferId, round, scanner.dirtyPages(), dirty);
            commands.endOfRound(transferId, round);
            awaitRound(round);
            liveBytes += (long)dirty * QemuMigrationContext.PAGE_SIZE;
            round++;
        }
        liveEndNs = System.nanoTime();
        liveExpectedDowntimeNs = lastExpectedDowntimeNs();
        finalRound = round;
    }

    private void switchOver() throws Exception
    {
        log("switchover: %s", switchover);
        stopNs = System.nanoTime();
        source.drainEvents();
        source.execute("stop", Map.of());
        isSourceStopped = true;
        final int dirty = scanner.scan();
        pagesPerRound.add((long)dirty);
        remainingBytes = (long)dirty * QemuMigrationContext.PAGE_SIZE;
        if (dirty > 0)
        {
            commands.pages(transferId, finalRound, scanner.dirtyPages(), dirty);
            commands.endOfRound(transferId, finalRound);
        }
        commands.endOfTransfer(transferId);
        final long finalRoundStartNs = System.nanoTime();
        awaitEngine("the final round and the digest", events::isCompleted);
        finalRoundNs = System.nanoTime() - finalRoundStartNs;
        isTransferOpen = false;
        remainingBytes = 0;
        if (events.digest() != scanner.digest())
        {
            throw new MigrationFailure(String.format(Locale.ROOT, "the destination's digest %016x differs from the " +
                "source RAM's %016x at switchover", events.digest(), scanner.digest()));
        }

        final long deviceStartNs = System.nanoTime();
        source.execute("migrate", Map.of("uri", context.incomingUri()));
        final Map<String, Object> migration = awaitDeviceState();
        deviceStateNs = System.nanoTime() - deviceStartNs;
        if (migration.get("ram") instanceof Map<?, ?> ramStats && ramStats.get("transferred") instanceof Long sent)
        {
            deviceStateBytes = sent;
        }
        final String loadedStatus = destination.awaitLoaded();
        final long checkStartNs = System.nanoTime();
        listener.beforeResume(ram.file(), destinationRam);
        checkNs = System.nanoTime() - checkStartNs;
        if (wasSourceRunning)
        {
            destination.resume(loadedStatus);
            runningNs = System.nanoTime();
            log("guest running on the destination; downtime %.1f ms", (runningNs - stopNs - checkNs) / 1e6);
            eventDowntimeNs = eventDowntimeNs();
        }
        else
        {
            // As QEMU does: a guest that was paused on the source stays paused on the destination.
            runningNs = System.nanoTime();
            log("guest moved to the destination, paused as it was on the source");
        }
    }

    /**
     * The downtime as QEMU's own migration is measured from outside: from the source's STOP event to the
     * destination's RESUME event, by QEMU's timestamps (wall clocks: one host's, or two hosts' kept in step).
     */
    private long eventDowntimeNs() throws InterruptedException
    {
        final QmpEvent stopped = source.awaitEvent("STOP", (data) -> true, DestinationQemu.EVENT_WAIT_MS);
        final long resumedAtUs = destination.resumedAtUs();
        if (null == stopped || resumedAtUs < 0)
        {
            return -1;
        }
        return TimeUnit.MICROSECONDS.toNanos(resumedAtUs - stopped.timestampUs()) - checkNs;
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> awaitDeviceState() throws Exception
    {
        final long deadlineNs = System.nanoTime() + context.deviceStateTimeoutNs();
        while (true)
        {
            final Map<String, Object> migration = source.query("query-migrate", Map.of());
            final String status = String.valueOf(migration.get("status"));
            if ("completed".equals(status))
            {
                return migration;
            }
            if ("failed".equals(status) || "cancelled".equals(status))
            {
                final Object reason = migration.get("error-desc");
                throw new MigrationFailure("QEMU's device-state migration " + status +
                    (null != reason ? ": " + reason : "") + destination.exitDescription());
            }
            if (System.nanoTime() - deadlineNs > 0)
            {
                source.execute("migrate_cancel", Map.of());
                throw new MigrationFailure("QEMU's device-state migration did not finish within " +
                    TimeUnit.NANOSECONDS.toSeconds(context.deviceStateTimeoutNs()) + " s" +
                    destination.exitDescription());
            }
            Thread.sleep(POLL_SLEEP_MS);
        }
    }

    private void awaitRound(final int round) throws Exception
    {
        awaitEngine("round " + round + " to be applied", () -> events.isRoundCompleted(round));
        final TransferEvents.Round stats = events.rounds().get(events.rounds().size() - 1);
        log("round %d: %d pages, %d wire bytes, %.1f ms, expected downtime %.1f ms, scan %.1f ms",
            round, stats.pages(), stats.wireBytes(), stats.durationNs() / 1e6, stats.expectedDowntimeNs() / 1e6,
            scanner.lastScanNs() / 1e6);
        listener.onRoundCompleted(round, stats.pages());
    }

    private void awaitEngine(final String what, final BooleanSupplier condition) throws Exception
    {
        final long deadlineNs = System.nanoTime() + context.roundTimeoutNs();
        while (true)
        {
            final int read = eventAdapter.poll(100);
            if (null != events.failure())
            {
                isTransferOpen = false;
                throw new MigrationFailure("the engine transfer failed waiting for " + what + ": " +
                    events.failure());
            }
            if (condition.getAsBoolean())
            {
                return;
            }
            if (!source.isConnected())
            {
                throw new MigrationFailure("the source QEMU closed its QMP socket (it exited?) waiting for " + what);
            }
            if (null != destination && !destination.isAlive())
            {
                throw new MigrationFailure("the destination QEMU exited waiting for " + what +
                    destination.exitDescription());
            }
            if (System.nanoTime() - deadlineNs > 0)
            {
                throw new MigrationFailure("timed out after " + TimeUnit.NANOSECONDS.toSeconds(
                    context.roundTimeoutNs()) + " s waiting for " + what);
            }
            if (0 == read)
            {
                Thread.sleep(POLL_SLEEP_MS);
            }
        }
    }

    private String recover(final String failure)
    {
        String outcome = failure;
        if (isTransferOpen)
        {
            commands.cancel(transferId, "QEMU migration failed: " + failure);
            isTransferOpen = false;
        }
        // The destination goes first, so that the guest never runs in two places.
        CloseHelper.close(destination);
        destination = null;
        if (null != source && source.isConnected())
        {
            try
            {
                final String status = source.status();
                if (isSourceStopped && wasSourceRunning && !"running".equals(status))
                {
                    source.execute("cont", Map.of());
                    isSourceResumed = true;
                    log("source guest resumed after: %s", failure);
                }
            }
            catch (final QmpException ex)
            {
                outcome = failure + "; and the source could not be resumed: " + ex.getMessage();
            }
        }
        log("migration failed: %s", outcome);
        return outcome;
    }

    private void quitSource()
    {
        try
        {
            source.execute("quit", Map.of());
        }
        catch (final QmpException ex)
        {
            // QEMU may close the socket before it answers quit.
        }
    }

    private MigrationSummary summary(final String failure)
    {
        final long endNs = 0 != runningNs ? runningNs : System.nanoTime();
        final long liveNs = (0 != liveEndNs ? liveEndNs : endNs) - startNs - setupNs;
        String sourceState = "unknown";
        if (null != source && source.isConnected())
        {
            final String status = DestinationQemu.statusOrNull(source);
            sourceState = null != status ? status : "unknown";
        }
        else if (null != failure || !context.quitSource())
        {
            sourceState = "gone";
        }
        else
        {
            sourceState = "quit";
        }
        final MigrationSummary summary = new MigrationSummary(
            null == failure,
            failure,
            sourceState,
            isSourceResumed,
            endNs - startNs,
            setupNs,
            null == failure ? runningNs - stopNs - checkNs : 0,
            null == failure ? eventDowntimeNs : -1,
            events.bytesSent(),
            events.wireBytes(),
            remainingBytes,
            null != ram ? ram.sizeBytes() : 0,
            List.copyOf(pagesPerRound),
            liveNs > 0 ? (long)(liveBytes * 1e9 / liveNs) : 0,
            liveExpectedDowntimeNs,
            switchover,
            null != scanner ? scanner.scanBytesPerSecond() : 0,
            isSourceStopped && null != scanner ? scanner.lastScanNs() : 0,
            deviceStateBytes,
            deviceStateNs,
            finalRoundNs,
            checkNs,
            null == failure ? events.digest() : 0);
        CloseHelper.closeAll(eventAdapter, scanner, source);
        if (null != scanner)
        {
            try
            {
                Files.deleteIfExists(scanner.shadowFile());
            }
            catch (final IOException ex)
            {
                log("cannot delete the shadow %s: %s", scanner.shadowFile(), ex.getMessage());
            }
        }
        return summary;
    }

    /**
     * The destination QEMU, once started: after a completed migration it runs the guest. The caller owns it.
     *
     * @return the process, or null if none was started or it was stopped after a failure.
     */
    public QemuProcess destinationProcess()
    {
        return null != destination && destination.isAlive() ? destination.process() : null;
    }

    /**
     * The destination QEMU's QMP connection, open after a completed migration. The caller closes it.
     *
     * @return the client, or null.
     */
    public QmpClient destinationQmp()
    {
        return null != destination && destination.isConnected() ? destination.qmp() : null;
    }

    private long lastExpectedDowntimeNs()
    {
        final List<TransferEvents.Round> rounds = events.rounds();
        return rounds.isEmpty() ? 0 : rounds.get(rounds.size() - 1).expectedDowntimeNs();
    }

    private double sinceStartMs()
    {
        return (System.nanoTime() - startNs) / 1e6;
    }

    private void log(final String format, final Object... arguments)
    {
        listener.onLog(String.format(Locale.ROOT, format, arguments));
    }
}
