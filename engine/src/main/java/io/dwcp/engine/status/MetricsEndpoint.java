package io.dwcp.engine.status;

import com.sun.net.httpserver.HttpExchange;
import io.aeron.Aeron;
import io.aeron.AeronCounters;
import io.aeron.driver.status.SystemCounterDescriptor;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.PrometheusNaming;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.status.CountersReader;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A Prometheus scrape endpoint and a health check over an engine's counters, read from the media driver's counters
 * file at each request, on the HTTP server's own thread: the engine's agents do nothing for it.
 * <ul>
 *   <li>{@code /metrics}: every DWCP counter ({@code dwcp_<counter>{engine}}), every stripe's
 *   ({@code dwcp_stripe_<counter>{transfer,stripe}}), every link's gauges ({@code dwcp_link_<gauge>{link}}), the
 *   driver's system counters ({@code aeron_<counter>}) and each publication's NAKs received
 *   ({@code aeron_publication_naks_received{session,stream}}), Aeron's per-stream loss signal.</li>
 *   <li>{@code /health}: whether the engine's thread runs (its client's heartbeat is fresh), whether the driver is
 *   alive, and for each link with transfers whether its measurements are fresh and its loss under 5%. 200 when all
 *   are, 503 otherwise, with one line for each.</li>
 * </ul>
 * Off by default ({@link #PORT_PROP_NAME}); it listens on the loopback address unless {@link #HOST_PROP_NAME} says
 * otherwise, since a scrape is not authenticated.
 * <p>
 * Thread safe.
 */
public final class MetricsEndpoint implements AutoCloseable
{
    /** Port of the endpoint; 0, the default, serves none. */
    public static final String PORT_PROP_NAME = "dwcp.metrics.port";
    /** Address the endpoint listens on. */
    public static final String HOST_PROP_NAME = "dwcp.metrics.host";
    /** Default: loopback only. */
    public static final String HOST_DEFAULT = "127.0.0.1";

    /** A link whose last sample is older than this, while it has transfers, is unhealthy. */
    static final long LINK_STALE_MS = 3_000;
    /** Loss at which a link is unhealthy, ppm. */
    static final long LINK_LOSSY_PPM = 50_000;
    /** A client heartbeat older than this means the engine's thread stopped. */
    static final long HEARTBEAT_STALE_MS = 2_000;
    private static final int NAKS_RECEIVED_TYPE_ID = AeronCounters.DRIVER_SENDER_NAKS_RECEIVED_TYPE_ID;

    private final Aeron aeron;
    private final String engineName;
    private final HTTPServer server;
    private final Map<String, EngineCounter> engineCountersByLabel = new HashMap<>();

    private MetricsEndpoint(final Aeron aeron, final String engineName, final String host, final int port)
        throws IOException
    {
        this.aeron = aeron;
        this.engineName = engineName;
        for (final EngineCounter counter : EngineCounter.values())
        {
            engineCountersByLabel.put(counter.label(), counter);
        }
        final PrometheusRegistry registry = new PrometheusRegistry();
        registry.register((MultiCollector)this::collect);
        server = HTTPServer.builder()
            .hostname(host)
            .port(port)
            .registry(registry)
            .registerHealthHandler(false)
            .defaultHandler(this::handle)
            .buildAndStart();
    }

    /**
     * Start the endpoint the system properties ask for.
     *
     * @param aeron      client of the engine, whose driver holds the counters.
     * @param engineName label of the engine.
     * @return the endpoint, or null when {@link #PORT_PROP_NAME} is 0 or unset; -1 takes any free port.
     * @throws IllegalStateException when the port is out of range or cannot be bound.
     */
    public static MetricsEndpoint startIfConfigured(final Aeron aeron, final String engineName)
    {
        final int port = Integer.getInteger(PORT_PROP_NAME, 0);
        if (0 == port)
        {
            return null;
        }
        return start(aeron, engineName, System.getProperty(HOST_PROP_NAME, HOST_DEFAULT), port);
    }

    /**
     * Start an endpoint.
     *
     * @param aeron      client of the engine.
     * @param engineName label of the engine.
     * @param host       address to listen on.
     * @param port       to listen on, from 1 to 65535, or -1 for any free port.
     * @return the endpoint.
     * @throws IllegalStateException when the port is out of range or cannot be bound.
     */
    public static MetricsEndpoint start(final Aeron aeron, final String engineName, final String host, final int port)
    {
        if (port != -1 && (port < 1 || port > 65535))
        {
            throw new IllegalStateException(PORT_PROP_NAME + "=" + port + " must be from 1 to 65535, or 0 for none");
        }
        try
        {
            return new MetricsEndpoint(aeron, engineName, host, Math.max(0, port));
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot serve metrics on " + host + ":" + port + ": " + ex.getMessage(),
                ex);
        }
    }

    /**
     * @return the port listened on.
     */
    public int port()
    {
        return server.getPort();
    }

    private MetricSnapshots collect()
    {
        final CountersReader reader = aeron.countersReader();
        final Map<String, GaugeSnapshot.Builder> families = new LinkedHashMap<>();
        reader.forEach((id, typeId, key, label) -> collect(families, reader, id, typeId, key, label));
        final MetricSnapshots.Builder snapshots = MetricSnapshots.builder();
        families.values().forEach((family) -> snapshots.metricSnapshot(family.build()));
        return snapshots.build();
    }

    private void collect(
        final Map<String, GaugeSnapshot.Builder> families,
        final CountersReader reader,
        final int id,
        final int typeId,
        final DirectBuffer key,
        final String label)
    {
        final double value = reader.getCounterValue(id);
        if (EngineCounter.TYPE_ID == typeId)
        {
            final int colon = label.lastIndexOf(": ");
            final EngineCounter counter = colon < 0 ? null : engineCountersByLabel.get(label.substring(colon + 2));
            if (null != counter)
            {
                final String engine = label.startsWith("dwcp ") ? label.substring(5, colon) : engineName;
                point(families, "dwcp_" + counter.name().toLowerCase(Locale.ROOT), counter.label(),
                    Labels.of("engine", engine), value);
            }
            return;
        }
        for (final StripeCounter counter : StripeCounter.values())
        {
            if (counter.typeId() == typeId)
            {
                point(families, "dwcp_stripe_" + counter.name().toLowerCase(Locale.ROOT), counter.label(),
                    Labels.of("transfer", Long.toString(key.getLong(StripeCounters.TRANSFER_ID_OFFSET)),
                    "stripe", Integer.toString(key.getInt(StripeCounters.STRIPE_OFFSET))), value);
                return;
            }
        }
        for (final LinkCounter counter : LinkCounter.values())
        {
            if (counter.typeId() == typeId)
            {
                point(families, "dwcp_link_" + counter.name().toLowerCase(Locale.ROOT), counter.label(),
                    Labels.of("link", linkOf(label)), value);
                return;
            }
        }
        if (AeronCounters.DRIVER_SYSTEM_COUNTER_TYPE_ID == typeId)
        {
            final SystemCounterDescriptor descriptor = SystemCounterDescriptor.get(id);
            point(families, "aeron_" + (null != descriptor ? descriptor.name().toLowerCase(Locale.ROOT) : slug(label)),
                null != descriptor ? descriptor.label() : label, Labels.EMPTY, value);
        }
        else if (NAKS_RECEIVED_TYPE_ID == typeId)
        {
            // Key: registration id, session id, stream id, then the channel.
            point(families, "aeron_publication_naks_received", "NAKs received by a publication: its losses",
                Labels.of("session", Integer.toString(key.getInt(8)), "stream", Integer.toString(key.getInt(12))),
                value);
        }
    }

    private static void point(
        final Map<String, GaugeSnapshot.Builder> families,
        final String name,
        final String help,
        final Labels labels,
        final double value)
    {
        final String sanitised = PrometheusNaming.sanitizeMetricName(name);
        final GaugeSnapshot.Builder family = families.computeIfAbsent(sanitised,
            (ignored) -> GaugeSnapshot.builder().name(sanitised).help(help));
        family.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(labels).value(value).build());
    }

    private static String linkOf(final String label)
    {
        final int start = label.indexOf(LinkCounters.LABEL_LINK);
        final int end = label.lastIndexOf(": ");
        return start < 0 || end < start ? label : label.substring(start + LinkCounters.LABEL_LINK.length(), end);
    }

    private static String slug(final String label)
    {
        final String text = label.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_");
        return text.replaceAll("^_+|_+$", "");
    }

    private void handle(final HttpExchange exchange) throws IOException
    {
        final boolean isHealth = "/health".equals(exchange.getRequestURI().getPath());
        final List<String> lines = new ArrayList<>();
        final boolean isHealthy = isHealth && health(lines, System.currentTimeMillis());
        final String body = isHealth ? String.join("\n", lines) + "\n" : "not found: try /metrics or /health\n";
        final byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(isHealth ? (isHealthy ? 200 : 503) : 404, bytes.length);
        try (OutputStream out = exchange.getResponseBody())
        {
            out.write(bytes);
        }
    }

    /**
     * Check the engine, its driver and each link.
     *
     * @param lines  one per check, written.
     * @param nowMs  epoch time.
     * @return true when every check passed.
     */
    public boolean health(final List<String> lines, final long nowMs)
    {
        final CountersReader reader = aeron.countersReader();
        final long clientId = aeron.clientId();
        final long[] heartbeatMs = {-1};
        final Map<String, long[]> links = new LinkedHashMap<>();
        reader.forEach((id, typeId, key, label) ->
        {
            if (AeronCounters.DRIVER_HEARTBEAT_TYPE_ID == typeId && key.getLong(0) == clientId)
            {
                heartbeatMs[0] = reader.getCounterValue(id);
            }
            else if (LinkCounter.TRANSFERS.typeId() == typeId || LinkCounter.SAMPLED_AT_MS.typeId() == typeId ||
                LinkCounter.LOSS_PPM.typeId() == typeId || LinkCounter.TIER.typeId() == typeId)
            {
                final long[] gauges = links.computeIfAbsent(linkOf(label), (ignored) -> new long[4]);
                final int slot = LinkCounter.TRANSFERS.typeId() == typeId ? 0 :
                    LinkCounter.SAMPLED_AT_MS.typeId() == typeId ? 1 : LinkCounter.LOSS_PPM.typeId() == typeId ? 2 : 3;
                gauges[slot] = reader.getCounterValue(id);
            }
        });
        boolean isHealthy = true;
        final boolean isEngineAlive = heartbeatMs[0] > 0 && nowMs - heartbeatMs[0] < HEARTBEAT_STALE_MS;
        lines.add("engine " + engineName + ": " + (isEngineAlive ? "ok" : "NOT RUNNING") + " (client heartbeat " +
            (heartbeatMs[0] > 0 ? (nowMs - heartbeatMs[0]) + " ms ago" : "missing") + ")");
        isHealthy &= isEngineAlive;
        final boolean isDriverAlive = !aeron.isClosed() && aeron.context().isDriverActive(
            aeron.context().driverTimeoutMs(), MetricsEndpoint::ignore);
        lines.add("driver " + aeron.context().aeronDirectoryName() + ": " + (isDriverAlive ? "ok" : "NOT ACTIVE"));
        isHealthy &= isDriverAlive;
        for (final Map.Entry<String, long[]> link : links.entrySet())
        {
            final long[] gauges = link.getValue();
            final String state;
            if (0 == gauges[0])
            {
                state = "ok (idle)";
            }
            else if (nowMs - gauges[1] > LINK_STALE_MS)
            {
                state = "STALE: no measurement for " + (nowMs - gauges[1]) + " ms with " + gauges[0] + " transfers";
                isHealthy = false;
            }
            else if (gauges[2] >= LINK_LOSSY_PPM)
            {
                state = "LOSSY: " + gauges[2] / 10_000.0 + "% retransmitted";
                isHealthy = false;
            }
            else
            {
                state = "ok (" + gauges[0] + " transfers, tier " + (0 == gauges[3] ? "unknown" : gauges[3]) +
                    ", loss " + gauges[2] / 10_000.0 + "%)";
            }
            lines.add("link " + link.getKey() + ": " + state);
        }
        return isHealthy;
    }

    private static void ignore(final String message)
    {
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void close()
    {
        server.close();
    }
}
