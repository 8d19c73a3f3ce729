package io.dwcp.engine.qemu;

import io.dwcp.driver.DriverProfile;
import io.dwcp.engine.memory.ImageComparison;
import io.dwcp.engine.runtime.EngineThreading;
import io.dwcp.engine.runtime.LocalMigration;
import io.dwcp.engine.test.Await;
import io.dwcp.engine.test.QemuGuests;
import org.agrona.CloseHelper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Live migration of a real, running QEMU guest (TCG, 256 MiB, a workload dirtying memory and a serial heartbeat)
 * through two engines over UDP loopback, with QEMU moving only the device state.
 */
class QemuMigrationSystemTest
{
    private final List<Throwable> engineErrors = new CopyOnWriteArrayList<>();
    private Path directory;
    private QemuProcess source;
    private LocalMigration engines;
    private QemuMigration migration;

    @BeforeEach
    void setUp() throws Exception
    {
        directory = QemuGuests.tmpfsDirectory("qemu-migration");
        source = QemuGuests.bootSource(directory, "");
        engines = new LocalMigration(directory.resolve("engines"), false, DriverProfile.load("loopback"),
            EngineThreading.INVOKER, (context) -> {}, engineErrors::add);
    }

    @AfterEach
    void tearDown()
    {
        if (null != migration)
        {
            CloseHelper.closeAll(migration.destinationQmp(), migration.destinationProcess());
        }
        CloseHelper.closeAll(source, engines);
        QemuGuests.delete(directory);
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void runningGuestMovesAndKeepsRunningOnTheDestination() throws Exception
    {
        final long[] sourceHeartbeatAtSwitchover = { -1 };
        final long[] firstDifference = { 0 };
        final Path sourceSerial = QemuGuests.sourceSerial(directory);
        migration = new QemuMigration(new QemuMigrationContext()
            .sourceQmp(source.qmpSocket())
            .destinationLauncher(QemuGuests.destinationLauncher(directory, ""))
            .engine(EngineLink.of(engines))
            .vmId("guest")
            .transferId(1)
            .workDirectory(directory)
            .listener(new MigrationListener()
            {
                public void beforeResume(final Path sourceRam, final Path destinationRam) throws Exception
                {
                    sourceHeartbeatAtSwitchover[0] = QemuGuests.heartbeat(sourceSerial);
                    firstDifference[0] = ImageComparison.firstDifference(sourceRam, destinationRam);
                }
            }));

        final MigrationSummary summary = migration.run();

        assertTrue(summary.isCompleted(), summary::format);
        assertEquals(-1, firstDifference[0], "destination RAM equals source RAM at switchover");
        assertEquals("postmigrate", summary.sourceState());
        assertEquals(QemuGuests.RAM_BYTES / QemuMigrationContext.PAGE_SIZE, summary.pagesPerRound().get(0));
        assertTrue(summary.dirtySyncCount() >= 2, summary::format);
        assertTrue(summary.downtimeNs() > 0 && summary.downtimeNs() < summary.totalTimeNs(), summary::format);
        // QEMU's STOP and RESUME events, one host's clock: within the agent's own stop-to-running measure.
        assertTrue(summary.eventDowntimeNs() > 0 && summary.eventDowntimeNs() <= summary.downtimeNs(),
            summary::format);
        assertTrue(summary.wireBytes() > 0 && summary.deviceStateBytes() > 0, summary::format);

        final QmpClient destination = migration.destinationQmp();
        assertNotNull(destination);
        assertEquals("running", destination.status());
        final Path destinationSerial = QemuGuests.destinationSerial(directory,
            engines.destinationOf("guest", 1));
        final long atSwitchover = sourceHeartbeatAtSwitchover[0];
        assertTrue(atSwitchover >= 1);
        Await.until("three more heartbeats on the destination's console", 60_000,
            () -> QemuGuests.heartbeat(destinationSerial) >= atSwitchover + 3);
        // A line the source was printing as it stopped may be cut in two between the consoles.
        final long first = TestGuest.firstHeartbeat(destinationSerial);
        assertTrue(first > atSwitchover && first <= atSwitchover + 2, "the destination's counter goes on from the " +
            "source's " + atSwitchover + ", so the guest itself moved, not a new boot: " + first);
        assertEquals(atSwitchover, QemuGuests.heartbeat(sourceSerial), "the source printed nothing after the stop");
        assertEquals(List.of(), engineErrors);
    }
}
