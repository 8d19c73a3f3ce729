package io.dwcp.perf;

import io.dwcp.driver.DriverProfile;
import io.dwcp.engine.cli.Sizes;
import io.dwcp.engine.memory.ImageComparison;
import io.dwcp.engine.queue.EngineEventListener;
import io.dwcp.engine.runtime.EngineThreading;
import io.dwcp.engine.runtime.LocalMigration;
import io.dwcp.images.ImageSummary;
import io.dwcp.images.MemoryImageGenerator;
import io.dwcp.images.PageMix;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.PrintStream;
import java.nio.MappedByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The engine against raw Aeron on the same generated image, in one process and one run.
 * <pre>
 * perf/bench ThroughputComparison [--size 1g] [--seed 42] [--repeat 1] [--message-length 4096] [--markdown FILE]
 * </pre>
 * Prints a Markdown table, and writes it to FILE if given: logical and wire MB/s of the engine over UDP loopback
 * and over aeron:ipc, raw Aeron sending the image as fixed-size messages with the same driver profile, threading
 * and idle strategy, and the image piped through zstd level 1 over a TCP socket on loopback. Every engine run and
 * the pipe are verified byte for byte.
 */
public final class ThroughputComparison
{
    private record Row(String variant, double logicalMegabytesPerSecond, double wireMegabytesPerSecond, String note)
    {
    }

    private ThroughputComparison()
    {
    }

    /**
     * Run the comparison.
     *
     * @param args see the class description.
     * @throws Exception if a run fails.
     */
    public static void main(final String[] args) throws Exception
    {
        long size = 1L << 30;
        long seed = 42;
        int repeat = 1;
        int messageLength = 4096;
        Path markdown = null;
        for (int i = 0; i < args.length; i++)
        {
            switch (args[i])
            {
                case "--size" -> size = Sizes.parse(args[++i]);
                case "--seed" -> seed = Long.parseLong(args[++i]);
                case "--repeat" -> repeat = Integer.parseInt(args[++i]);
                case "--message-length" -> messageLength = Integer.parseInt(args[++i]);
                case "--markdown" -> markdown = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (size <= 0 || size % 4096 != 0 || size > Integer.MAX_VALUE || repeat <= 0 || messageLength <= 0 ||
            size % messageLength != 0)
        {
            throw new IllegalArgumentException("--size must be a positive multiple of 4096 and of --message-length, " +
                "at most 2 GiB; --repeat and --message-length must be positive");
        }

        final PrintStream out = System.out;
        final DriverProfile profile = DriverProfile.load("loopback");
        final Path directory = Files.createTempDirectory("dwcp-throughput-");
        try
        {
            final Path image = directory.resolve("source.img");
            final ImageSummary summary = new MemoryImageGenerator(seed, PageMix.DEFAULT, 4096).generate(image, size);
            out.printf(Locale.ROOT, "image: %d MiB, seed %d, %s%n", size >> 20, seed, summary);

            final List<Row> rows = new ArrayList<>();
            for (int run = 0; run < repeat; run++)
            {
                rows.add(engine(directory.resolve("udp-" + run), image, size, false, profile));
                rows.add(engine(directory.resolve("ipc-" + run), image, size, true, profile));
                rows.add(rawAeron(image, size, messageLength, profile));
                rows.add(zstdOverTcp(image, directory.resolve("zstd-tcp-" + run + ".img")));
            }

            final StringBuilder table = new StringBuilder();
            table.append("| variant | logical MB/s | wire MB/s | note |\n");
            table.append("| --- | ---: | ---: | --- |\n");
            for (final Row row : rows)
            {
                table.append(String.format(Locale.ROOT, "| %s | %.0f | %.0f | %s |%n",
                    row.variant(), row.logicalMegabytesPerSecond(), row.wireMegabytesPerSecond(), row.note()));
            }
            out.println();
            out.print(table);
            if (null != markdown)
            {
                Files.writeString(markdown, table);
            }
        }
        finally
        {
            IoUtil.delete(directory.toFile(), true);
        }
    }

    private static Row engine(
        final Path directory, final Path image, final long size, final boolean isIpc, final DriverProfile profile)
        throws Exception
    {
        try (LocalMigration migration = new LocalMigration(
            directory, isIpc, profile, EngineThreading.INVOKER, (context) -> {}, Throwable::printStackTrace))
        {
            migration.submitWholeImage(1, "bench", image, 4096, 0);
            final LocalMigration.Outcome outcome =
                migration.awaitOutcome(1, new EngineEventListener() {}, TimeUnit.MINUTES.toNanos(10));
            if (!outcome.completed())
            {
                throw new IllegalStateException("engine run failed: " + outcome.failure());
            }
            if (ImageComparison.firstDifference(image, migration.destinationOf("bench", 1)) >= 0)
            {
                throw new IllegalStateException("engine run produced a destination that differs from the source");
            }
            final double seconds = outcome.elapsedNs() / 1e9;
            return new Row(isIpc ? "engine, aeron:ipc" : "engine, UDP loopback", size / 1e6 / seconds,
                outcome.wireBytes() / 1e6 / seconds,
                String.format(Locale.ROOT, "ratio %.2fx, verified", (double)size / outcome.wireBytes()));
        }
    }

    private static Row zstdOverTcp(final Path image, final Path destination) throws Exception
    {
        final ZstdTcpPipe.Result result = ZstdTcpPipe.run(image, destination, 1);
        final long difference = ImageComparison.firstDifference(image, destination);
        Files.delete(destination);
        if (difference >= 0)
        {
            throw new IllegalStateException("zstd over TCP produced a file that differs at byte " + difference);
        }
        return new Row("zstd -1 over TCP, loopback", result.logicalMegabytesPerSecond(),
            result.wireMegabytesPerSecond(), String.format(Locale.ROOT, "ratio %.2fx, one compressing thread, " +
            "verified", (double)result.logicalBytes() / result.wireBytes()));
    }

    private static Row rawAeron(final Path image, final long size, final int messageLength, final DriverProfile profile)
        throws Exception
    {
        final MappedByteBuffer mapped = IoUtil.mapExistingFile(image.toFile(), "image");
        try
        {
            final RawAeronThroughput.Result result =
                RawAeronThroughput.run(new UnsafeBuffer(mapped, 0, (int)size), messageLength, profile);
            final double megabytesPerSecond = result.megabytesPerSecond();
            return new Row("raw Aeron, " + messageLength + "-byte messages, UDP loopback", megabytesPerSecond,
                megabytesPerSecond, result.messages() + " messages, no compression");
        }
        finally
        {
            IoUtil.unmap(mapped);
        }
    }
}
