package io.dwcp.perf;

import com.github.luben.zstd.EndDirective;
import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import io.dwcp.codec.PageCodec;
import io.dwcp.codec.XorRunLength;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The choices behind the frame codec, measured on real memory: for a snapshot, the bytes and one-core speed of
 * compressing its non-zero pages one by one, as one zstd block per frame of N pages, and through one streaming
 * context flushed every N pages, at levels 1 and 3, with and without byte-identical pages sent as references; and,
 * given the snapshot before it, the bytes of its changed pages as XBZRLE runs per page against as blocks compressed
 * with their previous versions as a raw-content dictionary. The {@code zstd} command line over the whole snapshot is
 * measured in the same run.
 * <pre>
 * perf/bench FrameCodecStudy --image /tmp/dwcp-corpus/jvm-1.mem --previous /tmp/dwcp-corpus/jvm-0.mem
 * </pre>
 */
public final class FrameCodecStudy
{
    private static final int PAGE_SIZE = 4096;

    private FrameCodecStudy()
    {
    }

    /**
     * Print the study for each image.
     *
     * @param args {@code --image FILE [--previous FILE]}, repeatable in pairs; {@code --levels 1,3},
     *             {@code --blocks 16,32,64} for the zstd levels and pages per block to try.
     * @throws Exception if a file cannot be read or zstd fails.
     */
    public static void main(final String[] args) throws Exception
    {
        final List<Path> images = new ArrayList<>();
        final List<Path> previous = new ArrayList<>();
        int[] levels = {1, 3};
        int[] sizes = {16, 32, 64};
        for (int i = 0; i < args.length; i++)
        {
            switch (args[i])
            {
                case "--image" ->
                {
                    images.add(Path.of(args[++i]));
                    previous.add(null);
                }
                case "--previous" -> previous.set(previous.size() - 1, Path.of(args[++i]));
                case "--levels" -> levels = ints(args[++i]);
                case "--blocks" -> sizes = ints(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        for (int i = 0; i < images.size(); i++)
        {
            study(images.get(i), previous.get(i), levels, sizes);
        }
    }

    private static int[] ints(final String list)
    {
        final String[] parts = list.split(",");
        final int[] values = new int[parts.length];
        for (int i = 0; i < parts.length; i++)
        {
            values[i] = Integer.parseInt(parts[i].trim());
        }
        return values;
    }

    private static void study(final Path imageFile, final Path previousFile, final int[] levels, final int[] sizes)
        throws IOException, InterruptedException
    {
        final UnsafeBuffer image = map(imageFile);
        final int pages = image.capacity() / PAGE_SIZE;
        final Path output = Files.createTempFile("study", ".zst");
        final ZstdCommand.Result cli = ZstdCommand.compress(List.of("-1"), imageFile, output);
        final ZstdCommand.Result cli3 = ZstdCommand.compress(List.of("-3"), imageFile, output);
        Files.deleteIfExists(output);

        final boolean[] isZero = new boolean[pages];
        final boolean[] isDuplicate = new boolean[pages];
        int zeroPages = 0;
        int duplicatePages = 0;
        final Long2LongHashMap firstByHash = new Long2LongHashMap(-1);
        for (int p = 0; p < pages; p++)
        {
            if (PageCodec.isZero(image, p * PAGE_SIZE, PAGE_SIZE))
            {
                isZero[p] = true;
                zeroPages++;
                continue;
            }
            final long hash = hash(image, p * PAGE_SIZE);
            final long first = firstByHash.get(hash);
            if (first >= 0 && same(image, p * PAGE_SIZE, image, (int)first * PAGE_SIZE))
            {
                isDuplicate[p] = true;
                duplicatePages++;
            }
            else if (first < 0)
            {
                firstByHash.put(hash, p);
            }
        }

        System.out.printf(Locale.ROOT, "%s: %d pages, %d zero, %d duplicates of another page (%.1f%% of non-zero)%n",
            imageFile.getFileName(), pages, zeroPages, duplicatePages, 100.0 * duplicatePages / (pages - zeroPages));
        System.out.printf(Locale.ROOT, "  zstd -1 whole image: %s; zstd -3: %s%n", mib(cli.outputBytes()),
            mib(cli3.outputBytes()));
        System.out.printf(Locale.ROOT, "  %-44s %10s %9s %9s%n", "", "bytes", "x zstd-1", "MB/s");
        final long logical = (long)pages * PAGE_SIZE;
        for (final int level : levels)
        {
            row("level " + level + ", each page alone", blocks(image, isZero, null, 1, level, false), cli, logical);
            for (final int n : sizes)
            {
                row("level " + level + ", block of " + n, blocks(image, isZero, null, n, level, false), cli, logical);
                row("level " + level + ", block of " + n + ", duplicates as refs",
                    blocks(image, isZero, isDuplicate, n, level, false), cli, logical);
                row("level " + level + ", stream flushed every " + n,
                    blocks(image, isZero, null, n, level, true), cli, logical);
            }
        }

        if (null != previousFile)
        {
            final UnsafeBuffer before = map(previousFile);
            for (final int n : new int[]{16, 64})
            {
                for (final int hashLog : new int[]{0, 17})
                {
                    deltas(image, before, pages, n, hashLog);
                }
            }
        }
    }

    private static void row(final String name, final long[] result, final ZstdCommand.Result cli, final long logical)
    {
        System.out.printf(Locale.ROOT, "  %-44s %10s %9.3f %9.0f%n", name, mib(result[0]),
            (double)result[0] / cli.outputBytes(), logical * 1000.0 / result[1]);
    }

    /** Bytes and nanoseconds of compressing the non-zero pages, {@code n} at a time. */
    private static long[] blocks(
        final UnsafeBuffer image,
        final boolean[] isZero,
        final boolean[] isDuplicate,
        final int n,
        final int level,
        final boolean isStreaming)
    {
        final int pages = isZero.length;
        final ByteBuffer block = ByteBuffer.allocateDirect(n * PAGE_SIZE);
        final UnsafeBuffer blockView = new UnsafeBuffer(block);
        final ByteBuffer out = ByteBuffer.allocateDirect((int)Zstd.compressBound((long)n * PAGE_SIZE) + 64);
        long bytes = 0;
        final long start = System.nanoTime();
        try (ZstdCompressCtx ctx = new ZstdCompressCtx())
        {
            ctx.setLevel(level).setMagicless(true).setContentSize(false).setChecksum(false).setDictID(false);
            int filled = 0;
            for (int p = 0; p < pages; p++)
            {
                if (isZero[p])
                {
                    continue;
                }
                if (null != isDuplicate && isDuplicate[p])
                {
                    bytes += 8;
                    continue;
                }
                blockView.putBytes(filled * PAGE_SIZE, image, p * PAGE_SIZE, PAGE_SIZE);
                filled++;
                if (filled == n || p == pages - 1)
                {
                    bytes += compress(ctx, block, out, filled, isStreaming);
                    filled = 0;
                }
            }
            if (filled > 0)
            {
                bytes += compress(ctx, block, out, filled, isStreaming);
            }
        }
        return new long[]{bytes, System.nanoTime() - start};
    }

    private static long compress(
        final ZstdCompressCtx ctx, final ByteBuffer block, final ByteBuffer out, final int filled,
        final boolean isStreaming)
    {
        if (!isStreaming)
        {
            return ctx.compressDirectByteBuffer(out, 0, out.capacity(), block, 0, filled * PAGE_SIZE);
        }
        block.limit(filled * PAGE_SIZE).position(0);
        out.clear();
        while (!ctx.compressDirectByteBufferStream(out, block, EndDirective.FLUSH))
        {
            out.clear();
        }
        block.clear();
        return out.position();
    }

    private static void deltas(
        final UnsafeBuffer image, final UnsafeBuffer previous, final int pages, final int n, final int hashLog)
    {
        final ByteBuffer runs = ByteBuffer.allocateDirect(PAGE_SIZE);
        final UnsafeBuffer runsView = new UnsafeBuffer(runs);
        final ByteBuffer out = ByteBuffer.allocateDirect((int)Zstd.compressBound(64L * PAGE_SIZE));
        int changed = 0;
        long xbzrle = 0;
        long xbzrleZstd = 0;
        final ByteBuffer block = ByteBuffer.allocateDirect(n * PAGE_SIZE);
        final UnsafeBuffer blockView = new UnsafeBuffer(block);
        final byte[] dictionary = new byte[n * PAGE_SIZE];
        final UnsafeBuffer dictionaryView = new UnsafeBuffer(dictionary);
        long blockAlone = 0;
        long blockDictionary = 0;
        long dictionaryNs = 0;
        try (ZstdCompressCtx plain = new ZstdCompressCtx(); ZstdCompressCtx withDictionary = new ZstdCompressCtx())
        {
            plain.setLevel(1).setMagicless(true).setContentSize(false).setChecksum(false).setDictID(false);
            withDictionary.setLevel(1).setMagicless(true).setContentSize(false).setChecksum(false).setDictID(false);
            if (hashLog > 0)
            {
                withDictionary.setHashLog(hashLog);
            }
            int filled = 0;
            for (int p = 0; p < pages; p++)
            {
                final int offset = p * PAGE_SIZE;
                if (same(image, offset, previous, offset))
                {
                    continue;
                }
                changed++;
                final int runLength = XorRunLength.encode(image, offset, previous, offset, PAGE_SIZE, runsView, 0,
                    PAGE_SIZE);
                final int asRuns = runLength < 0 ? PAGE_SIZE : runLength;
                xbzrle += asRuns;
                xbzrleZstd += runLength < 0 ? PAGE_SIZE :
                    Math.min(asRuns, plain.compressDirectByteBuffer(out, 0, out.capacity(), runs, 0, runLength));
                blockView.putBytes(filled * PAGE_SIZE, image, offset, PAGE_SIZE);
                dictionaryView.putBytes(filled * PAGE_SIZE, previous, offset, PAGE_SIZE);
                filled++;
                if (filled == n)
                {
                    blockAlone += plain.compressDirectByteBuffer(out, 0, out.capacity(), block, 0, n * PAGE_SIZE);
                    final long start = System.nanoTime();
                    withDictionary.loadDict(dictionary);
                    blockDictionary += withDictionary.compressDirectByteBuffer(
                        out, 0, out.capacity(), block, 0, n * PAGE_SIZE);
                    dictionaryNs += System.nanoTime() - start;
                    filled = 0;
                }
            }
        }
        System.out.printf(Locale.ROOT, "  changed pages since the previous snapshot: %d (%s)%n", changed,
            mib((long)changed * PAGE_SIZE));
        System.out.printf(Locale.ROOT, "    xbzrle runs per page %s, runs by zstd -1 %s, blocks of %d alone %s, " +
            "blocks with previous versions as dictionary (hash log %s) %s at %.0f MB/s%n", mib(xbzrle),
            mib(xbzrleZstd), n, mib(blockAlone), 0 == hashLog ? "of the level" : Integer.toString(hashLog),
            mib(blockDictionary), (changed / n) * (double)n * PAGE_SIZE * 1000.0 / dictionaryNs);
    }

    private static boolean same(final UnsafeBuffer a, final int aOffset, final UnsafeBuffer b, final int bOffset)
    {
        for (int i = 0; i < PAGE_SIZE; i += 8)
        {
            if (a.getLong(aOffset + i) != b.getLong(bOffset + i))
            {
                return false;
            }
        }
        return true;
    }

    private static long hash(final UnsafeBuffer buffer, final int offset)
    {
        long h = 0x9E3779B97F4A7C15L;
        for (int i = 0; i < PAGE_SIZE; i += 8)
        {
            h = (h ^ buffer.getLong(offset + i)) * 0xBF58476D1CE4E5B9L;
            h ^= h >>> 31;
        }
        return h;
    }

    private static UnsafeBuffer map(final Path file) throws IOException
    {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ))
        {
            final MappedByteBuffer mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size());
            return new UnsafeBuffer(mapped);
        }
    }

    private static String mib(final long bytes)
    {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024.0));
    }
}
