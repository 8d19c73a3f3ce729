package io.dwcp.images;

import org.agrona.concurrent.UnsafeBuffer;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Applies one round of a {@link DirtyModel} to an image in memory and reports which pages changed. The same image,
 * model, seed and round always give the same result.
 * <p>
 * Guests re-dirty a working set: 90% of dirty runs start in a hot set of 64-page regions, fixed by the seed and
 * covering 1.2 times the dirty share of memory; the rest start anywhere.
 * <p>
 * A changed page is rewritten in place in runs of 8 to 256 bytes, with content of its own kind, until the chosen
 * share of its bytes is new; a zero page that changes gets heap-like content, as freshly allocated memory does.
 * <p>
 * Not thread safe.
 */
public final class DirtyRound
{
    private static final double HOT_SET_SCALE = 1.2;
    private static final double HOT_RUN_SHARE = 0.9;
    private static final int HOT_REGION_SHIFT = 6;

    private final DirtyModel model;
    private final MemoryImageGenerator generator;
    private final int pageSize;

    /**
     * Create a mutator for images written by a generator.
     *
     * @param model     how memory changes.
     * @param generator the generator of the image, for page kinds and fresh content.
     */
    public DirtyRound(final DirtyModel model, final MemoryImageGenerator generator)
    {
        this.model = model;
        this.generator = generator;
        this.pageSize = generator.pageSize();
    }

    /**
     * Dirty an image for one round.
     *
     * @param image     the image, one buffer per 1 GiB segment, as {@code segments[page * pageSize >> 30]}.
     * @param pageCount pages in the image.
     * @param seed      of the run.
     * @param round     the round, from 1.
     * @return the changed page numbers, ascending.
     */
    public long[] apply(final UnsafeBuffer[] image, final long pageCount, final long seed, final int round)
    {
        final SplittableRandom random = new SplittableRandom(seed * 31 + round);
        final double dirtyShare = 1.0 - model.unchangedShare();
        // Two states: a dirty run goes on with probability 1 - 1/L (mean length L); a clean stretch turns dirty with
        // probability p. The stationary dirty share is p / (p + 1/L), so p = d / (L (1 - d)).
        final double meanRun = model.meanDirtyRunPages();
        final double runEnd = 1.0 / meanRun;
        // HOT_RUN_SHARE of the dirty pages lie in the hot set. Each region kind gets its own dirty share, and from it
        // its own run-start probability: in a two-state run model the stationary dirty share is p / (p + 1/L),
        // so p = d / (L (1 - d)).
        final double hotShare = Math.min(1.0, HOT_SET_SCALE * dirtyShare);
        final double hotDirty = hotShare >= 1.0 ? dirtyShare : Math.min(0.95, HOT_RUN_SHARE * dirtyShare / hotShare);
        final double coldDirty = hotShare >= 1.0 ? dirtyShare :
            (dirtyShare - hotShare * hotDirty) / (1.0 - hotShare);
        final double hotStart = runStartFor(hotDirty, meanRun);
        final double coldStart = runStartFor(coldDirty, meanRun);
        long[] dirty = new long[1024];
        int count = 0;
        final UnsafeBuffer scratch = new UnsafeBuffer(new byte[pageSize]);

        boolean inRun = false;
        for (long pageNumber = 0; pageNumber < pageCount; pageNumber++)
        {
            final double start = isHot(seed, pageNumber, hotShare) ? hotStart : coldStart;
            inRun = inRun ? random.nextDouble() >= runEnd : random.nextDouble() < start;
            if (inRun)
            {
                if (count == dirty.length)
                {
                    dirty = Arrays.copyOf(dirty, 2 * count);
                }
                dirty[count++] = pageNumber;
                mutate(image, pageCount, pageNumber, random, scratch);
            }
        }
        return Arrays.copyOf(dirty, count);
    }

    private static double runStartFor(final double dirtyShare, final double meanRun)
    {
        return dirtyShare >= 1.0 ? 1.0 : Math.max(0.0, dirtyShare) / (meanRun * (1.0 - dirtyShare));
    }

    private static boolean isHot(final long seed, final long pageNumber, final double hotShare)
    {
        long z = (seed ^ 0x5DEECE66DL) * 0x9E3779B97F4A7C15L + (pageNumber >>> HOT_REGION_SHIFT) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 31)) * 0x94D049BB133111EBL;
        return ((z >>> 11) * 0x1.0p-53) < hotShare;
    }

    private void mutate(
        final UnsafeBuffer[] image,
        final long pageCount,
        final long pageNumber,
        final SplittableRandom random,
        final UnsafeBuffer scratch)
    {
        final UnsafeBuffer segment = image[(int)((pageNumber * pageSize) >>> 30)];
        final int offset = (int)((pageNumber * pageSize) & ((1L << 30) - 1));
        final double kind = random.nextDouble();
        if (kind < model.zeroedShare())
        {
            segment.setMemory(offset, pageSize, (byte)0);
            return;
        }
        if (kind < model.zeroedShare() + model.copiedShare())
        {
            final long from = random.nextLong(pageCount);
            final UnsafeBuffer fromSegment = image[(int)((from * pageSize) >>> 30)];
            segment.putBytes(offset, fromSegment, (int)((from * pageSize) & ((1L << 30) - 1)), pageSize);
            return;
        }

        // Fresh content of the page's own kind (heap for a page that was free), spliced in runs.
        PageKind pageKind = generator.kindOf(pageNumber);
        if (PageKind.ZERO == pageKind)
        {
            pageKind = PageKind.HEAP;
        }
        generator.fillPageOfKind(pageKind, random.nextLong(), scratch, 0);
        final double kept = model.minKeptByteShare() +
            random.nextDouble() * (model.maxKeptByteShare() - model.minKeptByteShare());
        final int toRewrite = (int)((1.0 - kept) * pageSize);

        // Runs of 8 to 256 bytes separated by gaps sized so that the runs cover the chosen share in one pass.
        final double gapPerByte = kept / Math.max(1e-9, 1.0 - kept);
        int rewritten = 0;
        int position = random.nextInt(pageSize) & ~7;
        while (rewritten < toRewrite)
        {
            final int runLength = Math.min(toRewrite - rewritten, 8 * (1 + random.nextInt(32)));
            for (int i = 0; i < runLength; i++)
            {
                final int at = (position + i) % pageSize;
                final byte old = segment.getByte(offset + at);
                final byte fresh = scratch.getByte(at);
                // A rewritten byte always changes, so the kept share is what the model chose.
                segment.putByte(offset + at, fresh != old ? fresh : (byte)(fresh ^ 0x5A));
            }
            rewritten += runLength;
            position = (position + runLength + (int)(runLength * gapPerByte * (0.5 + random.nextDouble()))) % pageSize;
        }
    }

    /**
     * The model applied.
     *
     * @return the model.
     */
    public DirtyModel model()
    {
        return model;
    }
}
