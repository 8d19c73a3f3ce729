package io.dwcp.perf;

import io.dwcp.engine.qemu.QmpClient;
import io.dwcp.engine.qemu.QmpEvent;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * QEMU's own live migration, driven over QMP, for the head-to-head against the engine: plain, or multifd with zstd.
 * The destination must be listening with {@code -incoming defer} and no {@code -S}, so it resumes by itself as soon
 * as QEMU's migration completes. Prints one line:
 * <pre>
 * completed: TOTAL_MS total ms, DOWNTIME_MS downtime ms, QEMU_DOWNTIME_MS qemu downtime ms, BYTES bytes, SYNCS syncs
 * </pre>
 * where the downtime is from the source's STOP event to the destination's RESUME event (QMP's timestamps, one host
 * clock), and QEMU's own figure is what {@code query-migrate} reports on the source.
 * <pre>
 *   perf/bench QemuNativeMigration --source-qmp S --destination-qmp D --uri tcp:HOST:PORT
 *       [--multifd-zstd] [--downtime-limit-ms 300] [--max-bandwidth BYTES_PER_S] [--timeout-s 900]
 * </pre>
 */
public final class QemuNativeMigration
{
    private QemuNativeMigration()
    {
    }

    /**
     * Run one migration.
     *
     * @param args see the class comment.
     * @throws Exception if it fails.
     */
    public static void main(final String[] args) throws Exception
    {
        Path sourceQmp = null;
        Path destinationQmp = null;
        String uri = null;
        boolean isMultifdZstd = false;
        long downtimeLimitMs = 300;
        long maxBandwidth = 100L << 30;
        long timeoutS = 900;
        for (int i = 0; i < args.length; i++)
        {
            switch (args[i])
            {
                case "--source-qmp" -> sourceQmp = Path.of(args[++i]);
                case "--destination-qmp" -> destinationQmp = Path.of(args[++i]);
                case "--uri" -> uri = args[++i];
                case "--multifd-zstd" -> isMultifdZstd = true;
                case "--downtime-limit-ms" -> downtimeLimitMs = Long.parseLong(args[++i]);
                case "--max-bandwidth" -> maxBandwidth = Long.parseLong(args[++i]);
                case "--timeout-s" -> timeoutS = Long.parseLong(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (null == sourceQmp || null == destinationQmp || null == uri)
        {
            throw new IllegalArgumentException("--source-qmp, --destination-qmp and --uri are required");
        }

        try (QmpClient source = QmpClient.connect(sourceQmp, 10_000);
            QmpClient destination = QmpClient.connect(destinationQmp, 30_000))
        {
            for (final QmpClient qmp : List.of(source, destination))
            {
                if (isMultifdZstd)
                {
                    qmp.execute("migrate-set-capabilities", Map.of("capabilities",
                        List.of(Map.of("capability", "multifd", "state", true))));
                    qmp.execute("migrate-set-parameters", Map.of("multifd-channels", 2L,
                        "multifd-compression", "zstd", "multifd-zstd-level", 1L));
                }
            }
            final Map<String, Object> parameters = new LinkedHashMap<>();
            parameters.put("downtime-limit", downtimeLimitMs);
            parameters.put("max-bandwidth", maxBandwidth);
            source.execute("migrate-set-parameters", parameters);
            destination.execute("migrate-incoming", Map.of("uri", uri));
            source.drainEvents();
            destination.drainEvents();

            source.execute("migrate", Map.of("uri", uri));
            final long deadlineNs = System.nanoTime() + timeoutS * 1_000_000_000L;
            Map<String, Object> status;
            while (true)
            {
                status = source.query("query-migrate", Map.of());
                final String state = String.valueOf(status.get("status"));
                if ("completed".equals(state))
                {
                    break;
                }
                if ("failed".equals(state) || "cancelled".equals(state) || System.nanoTime() - deadlineNs > 0)
                {
                    System.out.println("failed: " + state + " " + status.get("error-desc"));
                    System.exit(1);
                }
                Thread.sleep(5);
            }
            final QmpEvent stop = awaitOrNull(source, "STOP", 10_000);
            final QmpEvent resume = awaitOrNull(destination, "RESUME", 30_000);
            if (null == stop || null == resume)
            {
                System.out.println("failed: no STOP on the source or no RESUME on the destination");
                System.exit(1);
            }
            final Map<?, ?> ram = (Map<?, ?>)status.get("ram");
            final List<String> notes = new ArrayList<>();
            if (ram.get("multifd-bytes") instanceof Long multifd)
            {
                notes.add("multifd " + multifd + " bytes");
            }
            System.out.printf(Locale.ROOT, "completed: %d total ms, %.1f downtime ms, %d qemu downtime ms, " +
                "%d bytes, %d syncs%s%n",
                ((Number)status.get("total-time")).longValue(),
                (resume.timestampUs() - stop.timestampUs()) / 1e3,
                ((Number)status.get("downtime")).longValue(),
                ((Number)ram.get("transferred")).longValue(),
                ((Number)ram.get("dirty-sync-count")).longValue(),
                notes.isEmpty() ? "" : " (" + String.join(", ", notes) + ")");
        }
    }

    private static QmpEvent awaitOrNull(final QmpClient qmp, final String name, final long timeoutMs)
        throws InterruptedException
    {
        return qmp.awaitEvent(name, (data) -> true, timeoutMs);
    }
}
