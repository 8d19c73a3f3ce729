package io.dwcp.perf;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;
import org.HdrHistogram.HistogramLogWriter;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The output of a {@link LatencyHarness} run: {@code latency.hlog} (every histogram, tagged), {@code latency.md}
 * (percentiles, one row per cell) and {@code latency.png} (percentile distributions, one panel per batch size).
 * <p>
 * Stateless; call from the harness thread once every cell has run.
 */
final class LatencyReport
{
    private LatencyReport()
    {
    }

    /**
     * Write the three files into the output directory, then print the table and where they went.
     *
     * @param outputDirectory where the files go; it exists.
     * @param batches         batch sizes of the run, one chart panel each.
     * @param cells           measured cells, engine and raw Aeron.
     * @param out             where to print.
     * @throws IOException if a file cannot be written.
     */
    static void write(
        final Path outputDirectory, final int[] batches, final List<LatencyCell> cells, final PrintStream out)
        throws IOException
    {
        writeLog(outputDirectory.resolve("latency.hlog"), cells);
        final String table = table(cells);
        Files.writeString(outputDirectory.resolve("latency.md"), table);
        chart(batches, cells, outputDirectory.resolve("latency.png"));
        out.println();
        out.print(table);
        out.println("wrote latency.hlog, latency.md and latency.png to " + outputDirectory);
    }

    /** Every histogram, tagged by its cell, in HdrHistogram's log format. */
    private static void writeLog(final Path file, final List<LatencyCell> cells) throws IOException
    {
        try (PrintStream stream = new PrintStream(Files.newOutputStream(file), false, "UTF-8"))
        {
            final HistogramLogWriter writer = new HistogramLogWriter(stream);
            writer.outputComment("DWCP latency harness: intended send time to applied at the receiver, ns");
            writer.outputLogFormatVersion();
            writer.outputStartTime(System.currentTimeMillis());
            writer.outputLegend();
            for (final LatencyCell cell : cells)
            {
                final Histogram histogram = cell.histogram();
                histogram.setTag(cell.tag());
                histogram.setStartTimeStamp(0);
                histogram.setEndTimeStamp(1);
                writer.outputIntervalHistogram(histogram);
            }
        }
    }

    /** Percentiles as a Markdown table, one row per cell, by batch, then rate, then system. */
    private static String table(final List<LatencyCell> cells)
    {
        final StringBuilder text = new StringBuilder();
        text.append("| batch (pages) | rate (pages/s) | system | p50 µs | p99 µs | p99.9 µs | p99.99 µs | max µs | " +
            "batches |\n");
        text.append("| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for (final LatencyCell cell : cells.stream()
            .sorted(java.util.Comparator.comparingInt(LatencyCell::batch).thenComparingLong(LatencyCell::rate)
                .thenComparing(LatencyCell::system, java.util.Comparator.reverseOrder()))
            .toList())
        {
            final Histogram h = cell.histogram();
            text.append(String.format(Locale.ROOT, "| %d | %d | %s | %.1f | %.1f | %.1f | %.1f | %.1f | %d |%n",
                cell.batch(), cell.rate(), cell.system(), h.getValueAtPercentile(50) / 1e3,
                h.getValueAtPercentile(99) / 1e3, h.getValueAtPercentile(99.9) / 1e3,
                h.getValueAtPercentile(99.99) / 1e3, h.getMaxValue() / 1e3, h.getTotalCount()));
        }
        return text.toString();
    }

    /** Percentile distributions, one panel per batch size, one series per system and rate. */
    private static void chart(final int[] batches, final List<LatencyCell> cells, final Path file) throws IOException
    {
        System.setProperty("java.awt.headless", "true");
        final List<XYChart> charts = new ArrayList<>();
        for (final int batch : batches)
        {
            final XYChart chart = new XYChartBuilder().width(640).height(480)
                .title("batch of " + batch + (1 == batch ? " page" : " pages"))
                .xAxisTitle("percentile, in nines: 1 = 90%, 2 = 99%, 3 = 99.9%, 4 = 99.99%")
                .yAxisTitle("latency (µs)").build();
            final org.knowm.xchart.style.XYStyler styler = chart.getStyler();
            styler.setYAxisLogarithmic(true);
            styler.setLegendPosition(Styler.LegendPosition.InsideNW);
            styler.setMarkerSize(0);
            for (final LatencyCell cell : cells)
            {
                if (cell.batch() != batch || 0 == cell.histogram().getTotalCount())
                {
                    continue;
                }
                final List<Double> xs = new ArrayList<>();
                final List<Double> ys = new ArrayList<>();
                for (final HistogramIterationValue value : cell.histogram().percentiles(5))
                {
                    final double percentile = value.getPercentileLevelIteratedTo();
                    if (percentile >= 100.0)
                    {
                        break;
                    }
                    xs.add(Math.log10(100.0 / (100.0 - percentile)));
                    ys.add(Math.max(1.0, value.getValueIteratedTo() / 1e3));
                }
                if (!xs.isEmpty())
                {
                    chart.addSeries(cell.system() + ", " + cell.rate() + " pages/s", xs, ys);
                }
            }
            charts.add(chart);
        }
        BitmapEncoder.saveBitmap(charts, 1, charts.size(), file.toString(), BitmapEncoder.BitmapFormat.PNG);
    }
}
