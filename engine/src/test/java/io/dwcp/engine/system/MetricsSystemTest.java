package io.dwcp.engine.system;

import io.dwcp.engine.memory.ImageComparison;
import io.dwcp.engine.status.EngineCounter;
import io.dwcp.engine.status.MetricsEndpoint;
import io.dwcp.engine.test.MigrationHarness;
import io.dwcp.engine.test.TestImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Prometheus endpoint and the health check of real engines over UDP: scraped with an HTTP client while and
 * after a transfer that measures its link.
 */
class MetricsSystemTest
{
    private static final int PAGE_SIZE = 4096;
    private static final long IMAGE_SIZE = 64L << 20;

    @TempDir
    Path directory;

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void scrapeShowsTheEngineTheLinkAndTheDriverAndHealthSaysWhatIsWrong() throws Exception
    {
        final Path image = TestImages.generate(directory.resolve("source.img"), IMAGE_SIZE, 5);
        System.setProperty(MetricsEndpoint.PORT_PROP_NAME, "-1");
        try (MigrationHarness harness = MigrationHarness.udp(directory.resolve("engines")))
        {
            final MetricsEndpoint sender = harness.senderEngine().metrics();
            assertNotNull(sender, "an endpoint when the port is set");
            // The transfer stays open until its end is sent, so that its link is sampled (every 500 ms) however fast
            // its pages go: a whole image sent and ended at once could finish before the first sample.
            harness.startTransfer(1, "vm-1", image, PAGE_SIZE);
            harness.commands().pageRange(1, 0, 0, (int)(IMAGE_SIZE / PAGE_SIZE));
            harness.commands().endOfRound(1, 0);
            harness.awaitEvents("a link sample", 60_000,
                () -> harness.senderEngine().senderCounters().value(EngineCounter.LINK_SAMPLES) > 0);
            harness.commands().endOfTransfer(1);
            harness.awaitEnd(1, TimeUnit.MINUTES.toMillis(1));
            assertEquals(List.of(), harness.events().failed);
            assertEquals(-1, ImageComparison.firstDifference(image, harness.destinationOf("vm-1", 1)));

            final HttpClient http = HttpClient.newHttpClient();
            final HttpResponse<String> metrics = get(http, sender.port(), "/metrics");
            assertEquals(200, metrics.statusCode());
            final String body = metrics.body();
            for (final String expected : new String[]{
                "dwcp_probes_sent{engine=", "dwcp_probe_echoes{engine=", "dwcp_transfers_completed{engine=",
                "dwcp_link_latency_us{link=\"" + harness.receiverEndpoint() + "\"}", "dwcp_link_current_mbps{link=",
                "dwcp_link_tier{link=", "aeron_bytes_sent ", "aeron_retransmits_sent ",
                "aeron_publication_naks_received{"})
            {
                assertTrue(body.contains(expected), () -> "no " + expected + " in\n" + body);
            }
            assertTrue(value(body, "dwcp_probe_echoes{") > 0, "echoes measured");

            final HttpResponse<String> health = get(http, sender.port(), "/health");
            assertEquals(200, health.statusCode(), health.body());
            assertTrue(health.body().contains("engine "), health.body());
            assertTrue(health.body().contains("driver "), health.body());
            assertTrue(health.body().contains("link " + harness.receiverEndpoint() + ": ok"), health.body());
            assertEquals(404, get(http, sender.port(), "/other").statusCode());

            // A minute on, with nothing run since: the engine's heartbeat is stale.
            final List<String> lines = new ArrayList<>();
            assertFalse(sender.health(lines, System.currentTimeMillis() + 60_000));
            assertTrue(lines.get(0).contains("NOT RUNNING"), lines.toString());
        }
        finally
        {
            System.clearProperty(MetricsEndpoint.PORT_PROP_NAME);
        }
    }

    private static HttpResponse<String> get(final HttpClient http, final int port, final String path)
        throws Exception
    {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
            HttpResponse.BodyHandlers.ofString());
    }

    private static double value(final String body, final String prefix)
    {
        for (final String line : body.split("\n"))
        {
            if (line.startsWith(prefix))
            {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return -1;
    }
}
