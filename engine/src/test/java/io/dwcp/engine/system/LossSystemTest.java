package io.dwcp.engine.system;

import io.dwcp.engine.memory.ImageComparison;
import io.dwcp.engine.test.EventRecorder;
import io.dwcp.engine.test.LossyReceiveEndpoints;
import io.dwcp.engine.test.MigrationHarness;
import io.dwcp.engine.test.TestImages;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Loss on the wire, from Aeron's seeded loss generators in both engines' drivers: data frames the receiver's driver
 * takes in and control frames the sender's takes in, and both drivers' status messages and NAKs. At every rate
 * the transfer completes verified and bit-exact; the time each rate costs is printed beside the lossless run.
 */
class LossSystemTest
{
    private static final int PAGE_SIZE = 4096;
    private static final long IMAGE_SIZE = 64L * 1024 * 1024;
    private static final Map<Integer, String> TIMES = new TreeMap<>();

    @TempDir
    Path directory;

    @AfterEach
    void disableLoss()
    {
        LossyReceiveEndpoints.disable();
    }

    @AfterAll
    static void printTimes()
    {
        TIMES.values().forEach(System.out::println);
    }

    @ParameterizedTest(name = "{0}% loss")
    @ValueSource(ints = { 0, 1, 5, 10, 20 })
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void everyRateOfLossCompletesBitExact(final int percent) throws Exception
    {
        final Path image = TestImages.generate(directory.resolve("source.img"), IMAGE_SIZE, 40 + percent);
        LossyReceiveEndpoints.enable(percent / 100.0, 1000L * percent);
        try (MigrationHarness harness = MigrationHarness.udp(directory.resolve("engines")))
        {
            // The first transfer warms the engines up; the median of the next three is the time.
            final long[] times = new long[3];
            for (long transferId = 90; transferId <= 93; transferId++)
            {
                final long startNs = System.nanoTime();
                harness.submitWholeImage(transferId, "vm-lossy", image, PAGE_SIZE);
                harness.awaitEnd(transferId, TimeUnit.MINUTES.toMillis(2));
                if (transferId > 90)
                {
                    times[(int)(transferId - 91)] = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs);
                }
                final EventRecorder events = harness.events();
                assertEquals(List.of(), events.failed, () -> percent + "% loss: " + events.failed);
                assertEquals(-1, ImageComparison.firstDifference(image,
                    harness.destinationOf("vm-lossy", transferId)));
            }
            java.util.Arrays.sort(times);
            final long elapsedMs = times[1];
            final long dropped = LossyReceiveEndpoints.dropped();
            if (percent > 0)
            {
                assertTrue(dropped > 0, "frames were dropped");
            }
            TIMES.put(percent, String.format(Locale.ROOT, "loss %2d%%: %6d ms, the median of three transfers of " +
                "%d MiB after one to warm up; %d frames dropped in all four; each verified and bit-exact", percent,
                elapsedMs, IMAGE_SIZE >> 20, dropped));
        }
    }
}
