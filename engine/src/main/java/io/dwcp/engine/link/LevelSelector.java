package io.dwcp.engine.link;

/**
 * Chooses the zstd level that gives the highest goodput on a link: at level L the engine moves memory at
 * {@code min(speed(L) * threads * cpuShare, linkRate * ratio(L))} bytes per second, the codec's speed or what the
 * link carries once compressed, whichever is less. A slow link buys more compression, a fast one less. Of the
 * levels within {@value #TIE_FRACTION} of the best, the fastest is chosen, since it leaves the CPU to the rest.
 * <p>
 * Immutable and thread safe.
 */
public final class LevelSelector
{
    /** Goodputs within this fraction of the best count as a tie. */
    public static final double TIE_FRACTION = 0.03;

    private final CodecProfile profile;
    private final double cpuShare;

    /**
     * A selector.
     *
     * @param profile  the codec's measured speed and ratio.
     * @param cpuShare of a compressing thread's time that goes to the codec, 0 to 1; the rest goes to framing,
     *                 checksums, the driver and the conductor.
     */
    public LevelSelector(final CodecProfile profile, final double cpuShare)
    {
        if (!(cpuShare > 0 && cpuShare <= 1))
        {
            throw new IllegalArgumentException("cpu share " + cpuShare + " must be above 0 and at most 1");
        }
        this.profile = profile;
        this.cpuShare = cpuShare;
    }

    /**
     * The level for a link.
     *
     * @param linkBps link rate, bit/s, above 0.
     * @param threads compressing threads.
     * @return the zstd level.
     */
    public int choose(final long linkBps, final int threads)
    {
        return fastestNearBest(linkBps, threads, -1, 0);
    }

    /**
     * The level for a link while the codec holds the rate: the speed each level would reach is scaled from what the
     * current level delivers, so that the model's CPU share is replaced by the one measured.
     *
     * @param linkBps        what the link is believed to carry, bit/s, above 0.
     * @param level          current.
     * @param deliveredBytes bytes of memory per second the current level moves now, above 0.
     * @return the zstd level, the current one when it is not in the profile.
     */
    public int chooseCodecBound(final long linkBps, final int level, final double deliveredBytes)
    {
        final int current = indexOf(level);
        return current < 0 ? level : fastestNearBest(linkBps, 0, current, deliveredBytes);
    }

    /**
     * Of the levels whose goodput is within {@link #TIE_FRACTION} of the best, the fastest: by the model when
     * {@code current} is negative, else scaled from what the level at {@code current} delivers.
     */
    private int fastestNearBest(final long linkBps, final int threads, final int current, final double delivered)
    {
        final int count = profile.levelCount();
        double best = 0;
        for (int i = 0; i < count; i++)
        {
            best = Math.max(best, goodputOf(i, linkBps, threads, current, delivered));
        }
        for (int i = 0; i < count; i++)
        {
            if (goodputOf(i, linkBps, threads, current, delivered) >= best * (1 - TIE_FRACTION))
            {
                return profile.level(i);
            }
        }
        return profile.level(0);
    }

    private double goodputOf(
        final int index, final long linkBps, final int threads, final int current, final double delivered)
    {
        return current < 0 ? goodput(index, linkBps, threads) : codecBoundGoodput(index, current, linkBps, delivered);
    }

    private double codecBoundGoodput(final int index, final int current, final long linkBps, final double delivered)
    {
        final double cpu = delivered * profile.bytesPerSecond(index) / profile.bytesPerSecond(current);
        return Math.min(cpu, linkBps / 8.0 * profile.ratio(index));
    }

    /**
     * @param level a zstd level.
     * @return its index in the profile, or -1.
     */
    public int indexOf(final int level)
    {
        for (int i = 0; i < profile.levelCount(); i++)
        {
            if (profile.level(i) == level)
            {
                return i;
            }
        }
        return -1;
    }

    /**
     * Bytes of memory per second at a level.
     *
     * @param index   of the level in the profile.
     * @param linkBps link rate, bit/s.
     * @param threads compressing threads.
     * @return the goodput the model expects.
     */
    public double goodput(final int index, final long linkBps, final int threads)
    {
        final double cpu = profile.bytesPerSecond(index) * threads * cpuShare;
        final double link = linkBps / 8.0 * profile.ratio(index);
        return Math.min(cpu, link);
    }

    /**
     * The next level up from a level, for when the link is the bottleneck.
     *
     * @param level current.
     * @return the next in the profile, or the same when at the top.
     */
    public int higher(final int level)
    {
        for (int i = 0; i < profile.levelCount(); i++)
        {
            if (profile.level(i) > level)
            {
                return profile.level(i);
            }
        }
        return level;
    }

    /**
     * The next level down from a level, for when the codec is the bottleneck.
     *
     * @param level current.
     * @return the next lower in the profile, or the same when at the bottom.
     */
    public int lower(final int level)
    {
        for (int i = profile.levelCount() - 1; i >= 0; i--)
        {
            if (profile.level(i) < level)
            {
                return profile.level(i);
            }
        }
        return level;
    }

    /**
     * @return the profile.
     */
    public CodecProfile profile()
    {
        return profile;
    }
}
