package io.dwcp.perf;

import com.github.luben.zstd.Zstd;
import io.dwcp.codec.XorRunLength;
import io.dwcp.images.DirtyModel;
import io.dwcp.images.DirtyRound;
import io.dwcp.images.MemoryImageGenerator;
import io.dwcp.images.PageMix;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Locale;

/**
 * How much compressing pages together would gain over compressing each alone: the size of the round's XOR pages
 * compressed per page (level 1), and in blocks of 8 to 64 pages (levels 1 and 3), each divided by the whole round's
 * XOR compressed as one stream at level 3; then the same for the engine's XBZRLE runs (unchanged runs skipped,
 * changed runs as new bytes) of the same pages, per page at level 1 and in blocks at level 3.
 * <pre>
 * perf/bench XorBlockEstimate [--pages 32768] [--preset jvm]
 * </pre>
 */
public final class XorBlockEstimate
{
    private static final int PAGE_SIZE = 4096;

    private XorBlockEstimate()
    {
    }

    /**
     * Print the ratios for two rounds.
     *
     * @param args see the class description.
     */
    public static void main(final String[] args)
    {
        int pages = 32768;
        String preset = "jvm";
        for (int i = 0; i < args.length; i++)
        {
            switch (args[i])
            {
                case "--pages" -> pages = Integer.parseInt(args[++i]);
                case "--preset" -> preset = args[++i];
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        final MemoryImageGenerator generator = new MemoryImageGenerator(42, PageMix.DEFAULT, PAGE_SIZE);
        final UnsafeBuffer image = new UnsafeBuffer(ByteBuffer.allocateDirect(pages * PAGE_SIZE));
        for (int p = 0; p < pages; p++)
        {
            generator.fillPage(p, image, p * PAGE_SIZE);
        }
        final UnsafeBuffer previous = new UnsafeBuffer(ByteBuffer.allocateDirect(pages * PAGE_SIZE));
        final DirtyRound dirtyRound = new DirtyRound(DirtyModel.preset(preset), generator);
        for (int round = 1; round <= 2; round++)
        {
            previous.putBytes(0, image, 0, pages * PAGE_SIZE);
            final long[] dirty = dirtyRound.apply(new UnsafeBuffer[] { image }, pages, 42, round);
            final byte[] xor = new byte[dirty.length * PAGE_SIZE];
            for (int i = 0; i < dirty.length; i++)
            {
                final int offset = (int)dirty[i] * PAGE_SIZE;
                for (int b = 0; b < PAGE_SIZE; b++)
                {
                    xor[i * PAGE_SIZE + b] = (byte)(image.getByte(offset + b) ^ previous.getByte(offset + b));
                }
            }
            final long stream = Zstd.compress(xor, 3).length;
            long perPage = 0;
            for (int i = 0; i < dirty.length; i++)
            {
                perPage += Zstd.compress(Arrays.copyOfRange(xor, i * PAGE_SIZE, (i + 1) * PAGE_SIZE), 1).length;
            }
            final StringBuilder line = new StringBuilder(String.format(Locale.ROOT,
                "%s round %d, %d dirty pages: per page l1 %.3f",
                preset, round, dirty.length, (double)perPage / stream));
            for (final int block : new int[] { 8, 16, 32, 64 })
            {
                for (final int level : new int[] { 1, 3 })
                {
                    long total = 0;
                    for (int i = 0; i < dirty.length; i += block)
                    {
                        final int n = Math.min(block, dirty.length - i);
                        final byte[] blockXor = Arrays.copyOfRange(xor, i * PAGE_SIZE, (i + n) * PAGE_SIZE);
                        total += Zstd.compress(blockXor, level).length;
                    }
                    line.append(String.format(
                        Locale.ROOT, ", blocks of %d l%d %.3f", block, level, (double)total / stream));
                }
            }
            // The XBZRLE runs of each page, as the engine compresses them, beside the same XOR stream.
            final byte[][] runs = new byte[dirty.length][];
            final UnsafeBuffer runBuffer = new UnsafeBuffer(ByteBuffer.allocateDirect(PAGE_SIZE));
            long runsPerPage = 0;
            for (int i = 0; i < dirty.length; i++)
            {
                final int offset = (int)dirty[i] * PAGE_SIZE;
                final int length =
                    XorRunLength.encode(image, offset, previous, offset, PAGE_SIZE, runBuffer, 0, PAGE_SIZE);
                runs[i] = new byte[Math.max(0, length)];
                runBuffer.getBytes(0, runs[i]);
                runsPerPage += length <= 0 ? 0 : Math.min(length, Zstd.compress(runs[i], 1).length);
            }
            line.append(String.format(Locale.ROOT, "; XBZRLE runs per page l1 %.3f", (double)runsPerPage / stream));
            for (final int block : new int[] { 16, 64 })
            {
                long total = 0;
                for (int i = 0; i < dirty.length; i += block)
                {
                    final ByteArrayOutputStream joined = new ByteArrayOutputStream();
                    for (int j = i; j < Math.min(i + block, dirty.length); j++)
                    {
                        joined.write(runs[j], 0, runs[j].length);
                    }
                    total += Zstd.compress(joined.toByteArray(), 3).length;
                }
                line.append(String.format(
                    Locale.ROOT, ", runs in blocks of %d l3 %.3f", block, (double)total / stream));
            }
            System.out.println(line);
        }
    }
}
