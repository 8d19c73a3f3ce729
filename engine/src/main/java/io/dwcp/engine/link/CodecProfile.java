package io.dwcp.engine.link;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;

/**
 * The codec's measured speed and ratio at each of {@link #LEVELS}, on a sample of the memory being sent: each
 * level compresses the sample in blocks of the frame codec's size, once, timed by the calling thread's CPU time
 * (the wall clock where the JVM cannot tell it): speeds are per core, whatever else runs beside.
 * <p>
 * Immutable once measured.
 */
public final class CodecProfile
{
    /**
     * Levels the engine chooses among, fastest first. On real memory, in blocks of 64 pages, level -1 costs 3.5% more
     * bytes than level 1 and -3 costs 10%, for a fifth to a third more speed; levels under -3 were no faster there.
     */
    static final int[] LEVELS = {-3, -1, 1, 3, 5, 7, 9};

    private static final long MIN_CPU_TIME_NS = 1_000_000L;

    private final int[] levels;
    private final double[] bytesPerSecond;
    private final double[] ratio;
    private final long measuredNs;

    CodecProfile(final int[] levels, final double[] bytesPerSecond, final double[] ratio, final long measuredNs)
    {
        if (levels.length != bytesPerSecond.length || levels.length != ratio.length || 0 == levels.length)
        {
            throw new IllegalArgumentException("a speed and a ratio for each of " + levels.length + " levels");
        }
        this.levels = levels.clone();
        this.bytesPerSecond = bytesPerSecond.clone();
        this.ratio = ratio.clone();
        this.measuredNs = measuredNs;
    }

    /**
     * Measure every level on a sample.
     *
     * @param sample    direct buffer of memory pages, position to limit; all-zero pages should be left out, as the
     *                  engine sends them without the codec.
     * @param blockSize bytes per compressed block, the frame codec's.
     * @return the profile.
     */
    public static CodecProfile measure(final ByteBuffer sample, final int blockSize)
    {
        final long startNs = System.nanoTime();
        final int length = sample.remaining();
        final double[] speeds = new double[LEVELS.length];
        final double[] ratios = new double[LEVELS.length];
        final ByteBuffer out = ByteBuffer.allocateDirect((int)Zstd.compressBound(blockSize));
        // The measuring thread's own CPU time, where the JVM gives it: the profile runs beside a transfer's engine
        // threads on few cores, and by the wall clock the same level measured 34 to 248 MB/s from one start to the
        // next (level 1, same memory), which chose levels at random.
        final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        final boolean isCpuTime = threads.isCurrentThreadCpuTimeSupported() && threads.isThreadCpuTimeEnabled();
        try (ZstdCompressCtx ctx = new ZstdCompressCtx())
        {
            ctx.setMagicless(true).setContentSize(false).setChecksum(false);
            // One untimed pass first: the level measured first ran a fifth slow on cold caches.
            compress(ctx, sample, length, blockSize, out);
            for (int i = 0; i < LEVELS.length; i++)
            {
                ctx.setLevel(LEVELS[i]);
                final long wallStartNs = System.nanoTime();
                final long cpuStartNs = isCpuTime ? threads.getCurrentThreadCpuTime() : -1;
                final long compressed = compress(ctx, sample, length, blockSize, out);
                final long cpuEndNs = isCpuTime ? threads.getCurrentThreadCpuTime() : -1;
                final long wallNs = System.nanoTime() - wallStartNs;
                // The wall clock where the CPU clock gave nothing, or too little to tell (a coarse one).
                final long elapsedNs = Math.max(1, cpuStartNs >= 0 && cpuEndNs - cpuStartNs >= MIN_CPU_TIME_NS ?
                    cpuEndNs - cpuStartNs : wallNs);
                speeds[i] = length * 1e9 / elapsedNs;
                ratios[i] = compressed > 0 ? (double)length / compressed : 1.0;
            }
        }
        return new CodecProfile(LEVELS, speeds, ratios, System.nanoTime() - startNs);
    }

    private static long compress(
        final ZstdCompressCtx ctx, final ByteBuffer sample, final int length, final int blockSize, final ByteBuffer out)
    {
        long compressed = 0;
        for (int offset = 0; offset < length; offset += blockSize)
        {
            final ByteBuffer block = sample.duplicate();
            block.position(sample.position() + offset);
            block.limit(sample.position() + Math.min(length, offset + blockSize));
            out.clear();
            compressed += ctx.compress(out, block);
        }
        return compressed;
    }

    /**
     * This profile with the speed of every level from one on scaled: the engine does more than the plain blocks
     * measured there (similar pages for pages sent whole, from {@code dwcp.similar.whole.level}).
     *
     * @param fromLevel lowest level slowed.
     * @param factor    its speed's share, over 0 and at most 1.
     * @return the scaled profile, or this one when no level is slowed.
     */
    public CodecProfile slowerFrom(final int fromLevel, final double factor)
    {
        if (!(factor > 0 && factor <= 1))
        {
            throw new IllegalArgumentException("speed factor " + factor + " is not in (0, 1]");
        }
        final double[] speeds = bytesPerSecond.clone();
        boolean isSlowed = false;
        for (int i = 0; i < levels.length; i++)
        {
            if (levels[i] >= fromLevel)
            {
                speeds[i] *= factor;
                isSlowed = true;
            }
        }
        return isSlowed && factor < 1 ? new CodecProfile(levels, speeds, ratio, measuredNs) : this;
    }

    /**
     * @return levels in this profile.
     */
    public int levelCount()
    {
        return levels.length;
    }

    /**
     * @param index of the level.
     * @return the zstd level.
     */
    public int level(final int index)
    {
        return levels[index];
    }

    /**
     * @param index of the level.
     * @return bytes of input compressed per second, on one thread.
     */
    public double bytesPerSecond(final int index)
    {
        return bytesPerSecond[index];
    }

    /**
     * @param index of the level.
     * @return input bytes over output bytes.
     */
    public double ratio(final int index)
    {
        return ratio[index];
    }

    /**
     * @return how long measuring took.
     */
    public long measuredNs()
    {
        return measuredNs;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public String toString()
    {
        final StringBuilder text = new StringBuilder("CodecProfile{");
        for (int i = 0; i < levels.length; i++)
        {
            text.append(i > 0 ? ", " : "").append("level ").append(levels[i]).append(": ")
                .append(Math.round(bytesPerSecond[i] / 1e6)).append(" MB/s x")
                .append(Math.round(ratio[i] * 100) / 100.0);
        }
        return text.append(", measured in ").append(measuredNs / 1_000_000).append(" ms}").toString();
    }
}
