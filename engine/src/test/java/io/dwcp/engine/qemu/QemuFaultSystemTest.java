package io.dwcp.engine.qemu;

import io.dwcp.driver.DriverProfile;
import io.dwcp.engine.config.SenderContext;
import io.dwcp.engine.memory.ImageComparison;
import io.dwcp.engine.runtime.EngineThreading;
import io.dwcp.engine.runtime.LocalMigration;
import io.dwcp.engine.test.Await;
import io.dwcp.engine.test.QemuGuests;
import org.agrona.CloseHelper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad input and faults of a QEMU migration, on real QEMU guests. One source guest, dirtying memory as fast as it can,
 * serves every test that leaves it running; the last test migrates it away.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class QemuFaultSystemTest
{
    /** A workload that rewrites 1 MiB per step without pause: more than any round can catch up with. */
    private static final String HEAVY_DIRTYING = "dwcp.dirty_pages=256 dwcp.dirty_interval=0";
    /** A device with migratable state that the mismatched destination lacks. */
    private static final String WATCHDOG = "i6300esb";

    private final List<Throwable> engineErrors = new CopyOnWriteArrayList<>();
    private final List<AutoCloseable> closeAfterEach = new ArrayList<>();
    private Path directory;
    private QemuProcess source;

    @BeforeAll
    void bootSharedSource() throws Exception
    {
        directory = QemuGuests.tmpfsDirectory("qemu-faults");
        source = QemuGuests.bootSource(directory, HEAVY_DIRTYING, "-device", WATCHDOG);
    }

    @AfterEach
    void closeTestResources()
    {
        CloseHelper.closeAll(closeAfterEach);
        closeAfterEach.clear();
    }

    @AfterAll
    void stopSharedSource()
    {
        CloseHelper.closeAll(source);
        QemuGuests.delete(directory);
    }

    @Test
    @Order(1)
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void guestRamThatIsNotASharedFileIsRefusedWithWhatToChange() throws Exception
    {
        final Path anonymousQmp = directory.resolve("anonymous.qmp");
        final List<String> anonymous = new ArrayList<>(QemuGuests.guest().commandLine(
            QemuGuests.RAM_BYTES, null, anonymousQmp, directory.resolve("anonymous.serial"), ""));
        anonymous.add("-S");
        final QemuProcess anonymousQemu = started(QemuProcess.start(anonymous, anonymousQmp,
            directory.resolve("anonymous.log")));

        final MigrationSummary plain = migrate(anonymousQemu.qmpSocket(), (context) -> {}, (context) -> {});
        assertFalse(plain.isCompleted());
        assertTrue(plain.failure().contains("not a shared file") && plain.failure().contains("share=on"),
            plain.failure());

        final Path privateQmp = directory.resolve("private.qmp");
        final List<String> privateFile = new ArrayList<>();
        for (final String argument : QemuGuests.guest().commandLine(QemuGuests.RAM_BYTES,
            directory.resolve("private.ram"), privateQmp, directory.resolve("private.serial"), ""))
        {
            privateFile.add(argument.replace("share=on", "share=off"));
        }
        privateFile.add("-S");
        final QemuProcess privateQemu = started(QemuProcess.start(privateFile, privateQmp,
            directory.resolve("private.log")));
        final MigrationSummary notShared = migrate(privateQemu.qmpSocket(), (context) -> {}, (context) -> {});
        assertFalse(notShared.isCompleted());
        assertTrue(notShared.failure().contains("share=off; add share=on"), notShared.failure());
        assertEquals("prelaunch", privateQemuStatus(privateQemu));
    }

    @Test
    @Order(2)
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void missingQmpSocketIsReportedClearly() throws Exception
    {
        final Path missing = directory.resolve("no-such.qmp");
        final MigrationSummary summary = migrate(missing, (context) -> {}, (context) -> {});
        assertFalse(summary.isCompleted());
        assertTrue(summary.failure().contains("QMP socket " + missing + " does not exist"), summary.failure());
    }

    @Test
    @Order(3)
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void qmpErrorRepliesAreReportedAndLeaveTheGuestRunning() throws Exception
    {
        // QEMU serves one QMP client at a time: this one is closed before the agent connects.
        try (QmpClient qmp = source.connectQmp(10_000))
        {
            final QmpException unknown = assertThrows(QmpException.class,
                () -> qmp.execute("no-such-command", java.util.Map.of()));
            assertEquals("CommandNotFound", unknown.errorClass());
            final QmpException badPath = assertThrows(QmpException.class,
                () -> qmp.execute("qom-get", java.util.Map.of("path", "/no/such/object", "property", "size")));
            assertEquals("DeviceNotFound", badPath.errorClass());
            final QmpException missingArgument = assertThrows(QmpException.class,
                () -> qmp.execute("qom-get", java.util.Map.of()));
            assertEquals("GenericError", missingArgument.errorClass());
            assertEquals("running", qmp.status(), "errors leave the connection and the guest as they were");
        }

        // The destination QEMU refuses to listen where it is told to: QMP answers migrate-incoming with an error.
        final MigrationSummary summary = migrate(source.qmpSocket(), (context) -> {},
            (context) -> context.incomingUri("unix:" + directory.resolve("no-such-directory/incoming.sock")));
        assertFalse(summary.isCompleted());
        assertTrue(summary.failure().contains("migrate-incoming failed"), summary.failure());
        assertSourceKeepsRunning(summary, false);
    }

    @Test
    @Order(4)
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void destinationExitingDuringTheDeviceStateResumesTheSource() throws Exception
    {
        // The destination lacks the source's watchdog: loading its device state fails and that QEMU exits.
        final DestinationLauncher withoutWatchdog = QemuGuests.destinationLauncher(directory, HEAVY_DIRTYING);
        final MigrationSummary summary = migrate(source.qmpSocket(), (context) -> {},
            (context) -> context.maxRounds(2).destinationLauncher(withoutWatchdog));
        assertFalse(summary.isCompleted());
        assertTrue(summary.failure().contains("destination QEMU exited") && summary.failure().contains("device-state"),
            summary.failure());
        assertSourceKeepsRunning(summary, true);
    }

    @Test
    @Order(5)
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void engineTransferFailingMidwayLeavesTheSourceRunning() throws Exception
    {
        final LocalMigration[] engines = new LocalMigration[1];
        final MigrationSummary summary = migrate(source.qmpSocket(),
            (sender) -> sender.peerTimeoutNs(TimeUnit.SECONDS.toNanos(2)),
            (context) -> context.listener(new MigrationListener()
            {
                public void onRoundCompleted(final int round, final long pages)
                {
                    if (0 == round)
                    {
                        engines[0].stopReceiver();
                    }
                }
            }),
            engines, new QemuMigration[1]);
        assertFalse(summary.isCompleted());
        assertTrue(summary.failure().contains("engine transfer failed"), summary.failure());
        assertSourceKeepsRunning(summary, summary.isSourceResumed());
    }

    @Test
    @Order(6)
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void nonConvergingGuestGivesUpAtTheRoundCapWhenSoConfigured() throws Exception
    {
        final MigrationSummary summary = migrate(source.qmpSocket(),
            (sender) -> sender.switchoverDowntimeLimitNs(TimeUnit.MICROSECONDS.toNanos(1)),
            (context) -> context.maxRounds(3).roundCapAction(QemuMigrationContext.RoundCapAction.GIVE_UP));
        assertFalse(summary.isCompleted());
        assertTrue(summary.failure().startsWith("did not converge: round cap 3 reached"), summary.failure());
        assertEquals(3, summary.dirtySyncCount(), summary::format);
        assertSourceKeepsRunning(summary, false);
    }

    @Test
    @Order(7)
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void nonConvergingGuestSwitchesOverAtTheRoundCapByDefault() throws Exception
    {
        final long[] firstDifference = { 0 };
        final long[] heartbeatAtSwitchover = { -1 };
        final QemuMigration[] migration = new QemuMigration[1];
        final LocalMigration[] engines = new LocalMigration[1];
        final MigrationSummary summary = migrate(source.qmpSocket(),
            (sender) -> sender.switchoverDowntimeLimitNs(TimeUnit.MICROSECONDS.toNanos(1)),
            (context) -> context.maxRounds(3)
                .listener(new MigrationListener()
                {
                    public void beforeResume(final Path sourceRam, final Path destinationRam) throws Exception
                    {
                        heartbeatAtSwitchover[0] = QemuGuests.heartbeat(QemuGuests.sourceSerial(directory));
                        firstDifference[0] = ImageComparison.firstDifference(sourceRam, destinationRam);
                    }
                }),
            engines, migration);
        assertTrue(summary.isCompleted(), summary::format);
        assertTrue(summary.switchover().startsWith("round cap 3 reached"), summary.switchover());
        assertEquals(4, summary.dirtySyncCount(), "three live rounds and the final one");
        assertTrue(summary.downtimeNs() > 0, summary::format);
        assertEquals(-1, firstDifference[0], "destination RAM equals source RAM at switchover");
        final QmpClient destination = migration[0].destinationQmp();
        assertNotNull(destination);
        closeAfterEach.add(destination);
        closeAfterEach.add(migration[0].destinationProcess());
        assertEquals("running", destination.status());
        final Path destinationSerial = QemuGuests.destinationSerial(directory,
            engines[0].destinationOf("faults", summaryTransferId));
        Await.until("heartbeats on the destination", 60_000,
            () -> QemuGuests.heartbeat(destinationSerial) >= heartbeatAtSwitchover[0] + 2);
        assertEquals(List.of(), engineErrors);
    }

    private long summaryTransferId;

    private MigrationSummary migrate(
        final Path qmp,
        final Consumer<SenderContext> senderSettings,
        final Consumer<QemuMigrationContext> settings) throws Exception
    {
        return migrate(qmp, senderSettings, settings, new LocalMigration[1], new QemuMigration[1]);
    }

    private MigrationSummary migrate(
        final Path qmp,
        final Consumer<SenderContext> senderSettings,
        final Consumer<QemuMigrationContext> settings,
        final LocalMigration[] engineSlot,
        final QemuMigration[] migrationSlot) throws Exception
    {
        final LocalMigration engines = new LocalMigration(QemuGuests.tmpfsDirectory("qemu-fault-engines"), false,
            DriverProfile.load("loopback"), EngineThreading.INVOKER, senderSettings, engineErrors::add);
        closeAfterEach.add(() -> QemuGuests.delete(engines.directory()));
        closeAfterEach.add(engines);
        summaryTransferId++;
        final QemuMigrationContext context = new QemuMigrationContext()
            .sourceQmp(qmp)
            .connectTimeoutNs(TimeUnit.MILLISECONDS.toNanos(500))
            .destinationLauncher(QemuGuests.destinationLauncher(directory, HEAVY_DIRTYING, "-device", WATCHDOG))
            .engine(EngineLink.of(engines))
            .vmId("faults")
            .transferId(summaryTransferId)
            .workDirectory(directory)
            .maxRounds(4);
        engineSlot[0] = engines;
        settings.accept(context);
        final QemuMigration migration = new QemuMigration(context);
        migrationSlot[0] = migration;
        return migration.run();
    }

    private void assertSourceKeepsRunning(final MigrationSummary summary, final boolean wasResumed) throws Exception
    {
        assertEquals(wasResumed, summary.isSourceResumed(), summary::format);
        assertEquals("running", summary.sourceState(), summary::format);
        try (QmpClient qmp = source.connectQmp(10_000))
        {
            assertEquals("running", qmp.status());
        }
        final Path serial = QemuGuests.sourceSerial(directory);
        final long now = QemuGuests.heartbeat(serial);
        Await.until("the source's heartbeat to go on", 30_000, () -> QemuGuests.heartbeat(serial) >= now + 2);
    }

    private QemuProcess started(final QemuProcess qemu)
    {
        closeAfterEach.add(qemu);
        return qemu;
    }

    private static String privateQemuStatus(final QemuProcess qemu) throws QmpException
    {
        try (QmpClient qmp = qemu.connectQmp(10_000))
        {
            return qmp.status();
        }
    }
}
