package io.dwcp.perf;

import com.github.luben.zstd.ZstdCompressCtx;
import io.dwcp.codecs.agent.RoundCompletedDecoder;
import io.dwcp.driver.DriverProfile;
import io.dwcp.engine.cli.Sizes;
import io.dwcp.engine.memory.ImageComparison;
import io.dwcp.engine.memory.MappedImage;
import io.dwcp.engine.queue.EngineEventListener;
import io.dwcp.engine.queue.EventAdapter;
import io.dwcp.engine.runtime.EngineThreading;
import io.dwcp.engine.runtime.LocalMigration;
import io.dwcp.images.DirtyModel;
import io.dwcp.images.DirtyRound;
import io.dwcp.images.MemoryImageGenerator;
import io.dwcp.images.PageMix;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Wire bytes of a multi-round migration under several schemes, per dirty-model preset, on the same data in one run.
 * <pre>
 * perf/bench RatioTable [--size 256m] [--rounds 5] [--seed 42] [--presets vm,jvm,interpreter] [--level N]
 * </pre>
 * Schemes: raw; zstd level 1 per page; zstd level 3 of the round's pages as one stream; zstd level 3 of their XOR
 * with the previous version as one stream; the {@code zstd} command line ({@code -1} on the whole image for round
 * 0, {@code -3 --patch-from=<previous image>} for later rounds: the offline best); and HDE, the engine's own wire
 * bytes per round (frame overhead included) over UDP loopback, with the default 64 MiB baseline store, with the same
 * budget kept compressed ({@code dwcp.baseline.compressed}), and with a store the size of the image. Every engine
 * run is verified byte for byte. Needs the {@code zstd} command.
 */
public final class RatioTable
{
    private static final int PAGE_SIZE = 4096;
    private static final String HDE_DEFAULT = "HDE, 64 MiB baseline store";
    private static final String HDE_COMPRESSED = "HDE, 64 MiB baseline store kept compressed";
    private static final String HDE_FULL = "HDE, baseline store = image size";

    private RatioTable()
    {
    }

    /**
     * Run the comparison and print Markdown tables.
     *
     * @param args see the class description.
     * @throws Exception if a run fails.
     */
    public static void main(final String[] args) throws Exception
    {
        long size = 256L << 20;
        int rounds = 5;
        long seed = 42;
        String[] presets = { "vm", "jvm", "interpreter" };
        int level = 0;
        for (int i = 0; i < args.length; i++)
        {
            switch (args[i])
            {
                case "--size" -> size = Sizes.parse(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--seed" -> seed = Long.parseLong(args[++i]);
                case "--presets" -> presets = args[++i].split(",");
                case "--level" -> level = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (size <= 0 || size % PAGE_SIZE != 0 || size > Integer.MAX_VALUE || rounds < 2)
        {
            throw new IllegalArgumentException("--size must be a multiple of 4096 up to 2 GiB and --rounds at least 2");
        }

        final PrintStream out = System.out;
        out.printf(Locale.ROOT, "Wire bytes per scheme: %d MiB image (seed %d), %d rounds, 4 KiB pages.%n%n",
            size >> 20, seed, rounds);
        final Path directory = Files.createTempDirectory("dwcp-ratios-");
        try
        {
            for (final String preset : presets)
            {
                runPreset(out, directory.resolve(preset), DirtyModel.preset(preset), size, rounds, seed, level);
            }
        }
        finally
        {
            IoUtil.delete(directory.toFile(), true);
        }
    }

    private static void runPreset(
        final PrintStream out, final Path directory, final DirtyModel model, final long size, final int rounds,
        final long seed, final int level) throws Exception
    {
        Files.createDirectories(directory);
        final Map<String, long[]> bytes = new LinkedHashMap<>();
        for (final String scheme : new String[] { "raw", "zstd -1 per page", "zstd -3 of the round's pages",
            "zstd -3 of their XOR", "zstd CLI (-1 whole image; -3 --patch-from)", HDE_DEFAULT, HDE_COMPRESSED,
            HDE_FULL })
        {
            bytes.put(scheme, new long[rounds]);
        }

        bytes.put(HDE_DEFAULT,
            migrate(directory.resolve("default"), model, size, rounds, seed, 64L << 20, false, level, bytes));
        bytes.put(HDE_COMPRESSED,
            migrate(directory.resolve("compressed"), model, size, rounds, seed, 64L << 20, true, level, null));
        bytes.put(HDE_FULL, migrate(directory.resolve("full"), model, size, rounds, seed, size, false, level, null));

        out.printf(Locale.ROOT, "### Preset `%s`%n%n", model.name());
        out.println("| scheme | round 0 | rounds 1–" + (rounds - 1) + " |");
        out.println("| --- | ---: | ---: |");
        for (final Map.Entry<String, long[]> entry : bytes.entrySet())
        {
            out.printf(Locale.ROOT, "| %s | %s | %s |%n", entry.getKey(), mib(entry.getValue()[0]),
                mib(later(entry.getValue())));
        }
        final long cliRound0 = bytes.get("zstd CLI (-1 whole image; -3 --patch-from)")[0];
        final long patchFrom = later(bytes.get("zstd CLI (-1 whole image; -3 --patch-from)"));
        final long bestPure = Math.min(later(bytes.get("zstd -3 of the round's pages")),
            later(bytes.get("zstd -3 of their XOR")));
        out.println();
        for (final String hde : new String[] { HDE_DEFAULT, HDE_COMPRESSED, HDE_FULL })
        {
            final long[] h = bytes.get(hde);
            out.printf(Locale.ROOT, "- %s: round 0 is %.3f of `zstd -1` on the whole image (target at most 1.05); " +
                "rounds 1–%d are %.3f of the better pure scheme (target at most 0.90) and %.3f of " +
                "`zstd --patch-from`.%n",
                hde, (double)h[0] / cliRound0, rounds - 1, (double)later(h) / bestPure, (double)later(h) / patchFrom);
        }
        out.println();
    }

    /**
     * Migrate a generated image over several rounds with the engine, computing the offline schemes on the same data
     * when {@code offline} is given.
     */
    private static long[] migrate(
        final Path directory,
        final DirtyModel model,
        final long size,
        final int rounds,
        final long seed,
        final long baselineBudget,
        final boolean isBaselineCompressed,
        final int level,
        final Map<String, long[]> offline) throws Exception
    {
        Files.createDirectories(directory);
        final Path image = directory.resolve("guest.img");
        final Path previous = directory.resolve("previous.img");
        final MemoryImageGenerator generator = new MemoryImageGenerator(seed, PageMix.DEFAULT, PAGE_SIZE);
        generator.generate(image, size);
        final long pageCount = size / PAGE_SIZE;
        final DirtyRound dirtyRound = new DirtyRound(model, generator);
        final long[] wire = new long[rounds];
        final List<Long> completedRounds = new ArrayList<>();

        final EngineEventListener listener = new EngineEventListener()
        {
            public void onRoundCompleted(final RoundCompletedDecoder event)
            {
                wire[event.round()] = event.wireBytes();
                completedRounds.add((long)event.round());
            }
        };
        try (LocalMigration migration = new LocalMigration(directory.resolve("engines"), false,
            DriverProfile.load("loopback"), EngineThreading.INVOKER,
            (context) -> context.baselineBudgetBytes(baselineBudget).baselineCompressed(isBaselineCompressed),
            Throwable::printStackTrace);
            EventAdapter events = migration.newEventAdapter(listener);
            MappedImage guest = MappedImage.openReadWrite(image, PAGE_SIZE, size);
            OfflineSchemes schemes = null != offline ? new OfflineSchemes(offline, size) : null)
        {
            final long[] allPages = new long[(int)pageCount];
            for (int i = 0; i < allPages.length; i++)
            {
                allPages[i] = i;
            }
            if (null != schemes)
            {
                schemes.round(0, guest, null, allPages, image, null);
            }
            migration.startTransfer(1, "ratios", image, PAGE_SIZE, level);
            migration.commands().pages(1, 0, allPages, allPages.length);
            migration.commands().endOfRound(1, 0);
            LocalMigration.pollUntil(events, () -> completedRounds.size() == 1, TimeUnit.MINUTES.toNanos(10));

            final UnsafeBuffer before = null != schemes ? schemes.before() : null;
            for (int round = 1; round < rounds; round++)
            {
                if (null != schemes)
                {
                    Files.copy(image, previous, StandardCopyOption.REPLACE_EXISTING);
                    before.putBytes(0, guest.segments()[0], 0, (int)size);
                }
                final long[] dirty = dirtyRound.apply(guest.segments(), pageCount, seed, round);
                if (null != schemes)
                {
                    schemes.round(round, guest, before, dirty, image, previous);
                }
                migration.commands().pages(1, round, dirty, dirty.length);
                migration.commands().endOfRound(1, round);
                final int completed = round + 1;
                LocalMigration.pollUntil(events, () -> completedRounds.size() == completed,
                    TimeUnit.MINUTES.toNanos(10));
            }
            migration.commands().endOfTransfer(1);
            final LocalMigration.Outcome outcome =
                migration.awaitOutcome(1, new EngineEventListener() {}, TimeUnit.MINUTES.toNanos(10));
            if (!outcome.completed() ||
                ImageComparison.firstDifference(image, migration.destinationOf("ratios", 1)) >= 0)
            {
                throw new IllegalStateException("engine run did not verify: " + outcome.failure());
            }
        }
        return wire;
    }

    /**
     * The offline schemes, fed one round at a time.
     */
    private static final class OfflineSchemes implements AutoCloseable
    {
        private final Map<String, long[]> bytes;
        private final ZstdCompressCtx level1 = new ZstdCompressCtx().setLevel(1);
        private final UnsafeBuffer before;
        private final UnsafeBuffer pages;
        private final UnsafeBuffer xors;
        private final byte[] page = new byte[PAGE_SIZE];

        OfflineSchemes(final Map<String, long[]> bytes, final long size)
        {
            this.bytes = bytes;
            before = new UnsafeBuffer(ByteBuffer.allocateDirect((int)size));
            pages = new UnsafeBuffer(ByteBuffer.allocateDirect((int)size));
            xors = new UnsafeBuffer(ByteBuffer.allocateDirect((int)size));
        }

        UnsafeBuffer before()
        {
            return before;
        }

        void round(final int round, final MappedImage guest, final UnsafeBuffer previousContent, final long[] changed,
            final Path image, final Path previousImage) throws Exception
        {
            long perPage = 0;
            for (int i = 0; i < changed.length; i++)
            {
                final long p = changed[i];
                final UnsafeBuffer segment = guest.segmentOf(p);
                final int offset = guest.offsetOf(p);
                segment.getBytes(offset, page);
                perPage += level1.compress(page).length;
                pages.putBytes(i * PAGE_SIZE, segment, offset, PAGE_SIZE);
                for (int b = 0; b < PAGE_SIZE; b += 8)
                {
                    final long old = null == previousContent ? 0 : previousContent.getLong((int)p * PAGE_SIZE + b);
                    xors.putLong(i * PAGE_SIZE + b, segment.getLong(offset + b) ^ old);
                }
            }
            final int length = changed.length * PAGE_SIZE;
            bytes.get("raw")[round] = length;
            bytes.get("zstd -1 per page")[round] = perPage;
            bytes.get("zstd -3 of the round's pages")[round] = compressStream(pages, length);
            bytes.get("zstd -3 of their XOR")[round] = compressStream(xors, length);
            bytes.get("zstd CLI (-1 whole image; -3 --patch-from)")[round] = 0 == round ?
                zstdCli(List.of("zstd", "-1", "-q", "-c", image.toString())) :
                zstdCli(List.of("zstd", "-3", "-q", "-c", "--patch-from=" + previousImage, image.toString()));
        }

        private static long compressStream(final UnsafeBuffer buffer, final int length)
        {
            try (ZstdCompressCtx level3 = new ZstdCompressCtx().setLevel(3))
            {
                final ByteBuffer source = buffer.byteBuffer().duplicate();
                source.limit(length).position(0);
                final ByteBuffer target = ByteBuffer.allocateDirect(
                    (int)com.github.luben.zstd.Zstd.compressBound(length));
                return level3.compress(target, source);
            }
        }

        private static long zstdCli(final List<String> command) throws IOException, InterruptedException
        {
            final Process process = new ProcessBuilder(command).redirectErrorStream(false).start();
            long count = 0;
            try (InputStream in = process.getInputStream())
            {
                final byte[] chunk = new byte[1 << 16];
                int read;
                while ((read = in.read(chunk)) > 0)
                {
                    count += read;
                }
            }
            if (0 != process.waitFor())
            {
                throw new IllegalStateException(String.join(" ", command) + " failed: " +
                    new String(process.getErrorStream().readAllBytes()));
            }
            return count;
        }

        public void close()
        {
            level1.close();
        }
    }

    private static long later(final long[] perRound)
    {
        long total = 0;
        for (int i = 1; i < perRound.length; i++)
        {
            total += perRound[i];
        }
        return total;
    }

    private static String mib(final long bytes)
    {
        return String.format(Locale.ROOT, "%.2f MiB", bytes / (double)(1 << 20));
    }
}
