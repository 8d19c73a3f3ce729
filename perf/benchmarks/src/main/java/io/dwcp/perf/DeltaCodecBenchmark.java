package io.dwcp.perf;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import io.dwcp.codec.PageCodec;
import io.dwcp.codec.XorRunLength;
import io.dwcp.images.DirtyModel;
import io.dwcp.images.DirtyRound;
import io.dwcp.images.MemoryImageGenerator;
import io.dwcp.images.PageMix;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * The delta path on realistic dirty pages (a page and its previous version from the dirty model), beside an
 * XBZRLE-style encoder and plain zstd-jni on the same pages, in the same run. Scores are pages per second;
 * multiply by 4096 for bytes of input.
 * <pre>
 * perf/bench jmh DeltaCodecBenchmark -prof gc
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class DeltaCodecBenchmark
{
    private static final int PAGE_SIZE = 4096;
    private static final int PAGES = 256;

    @Param({ "vm", "jvm" })
    public String model;

    private PageCodec codec;
    private PageCodec thoroughCodec;
    private ZstdCompressCtx plainZstd;
    private UnsafeBuffer oldPages;
    private UnsafeBuffer newPages;
    private UnsafeBuffer out;
    private UnsafeBuffer oldView;
    private UnsafeBuffer newView;
    private int next;

    /**
     * Take 256 pages that the dirty model changed, with their previous versions.
     */
    @Setup(Level.Trial)
    public void setUp()
    {
        codec = new PageCodec(PAGE_SIZE, 1);
        thoroughCodec = new PageCodec(PAGE_SIZE, 1);
        thoroughCodec.thoroughDelta(true);
        plainZstd = new ZstdCompressCtx().setLevel(1);
        final int imagePages = 16384;
        final MemoryImageGenerator generator = new MemoryImageGenerator(3, PageMix.DEFAULT, PAGE_SIZE);
        final UnsafeBuffer before = new UnsafeBuffer(ByteBuffer.allocateDirect(imagePages * PAGE_SIZE));
        for (int p = 0; p < imagePages; p++)
        {
            generator.fillPage(p, before, p * PAGE_SIZE);
        }
        final UnsafeBuffer after = new UnsafeBuffer(ByteBuffer.allocateDirect(imagePages * PAGE_SIZE));
        after.putBytes(0, before, 0, imagePages * PAGE_SIZE);
        final long[] dirty = new DirtyRound(DirtyModel.preset(model), generator)
            .apply(new UnsafeBuffer[] { after }, imagePages, 1, 1);

        oldPages = new UnsafeBuffer(ByteBuffer.allocateDirect(PAGES * PAGE_SIZE));
        newPages = new UnsafeBuffer(ByteBuffer.allocateDirect(PAGES * PAGE_SIZE));
        int taken = 0;
        for (int i = 0; i < dirty.length && taken < PAGES; i++)
        {
            final int offset = (int)dirty[i] * PAGE_SIZE;
            if (!PageCodec.isZero(after, offset, PAGE_SIZE))
            {
                oldPages.putBytes(taken * PAGE_SIZE, before, offset, PAGE_SIZE);
                newPages.putBytes(taken * PAGE_SIZE, after, offset, PAGE_SIZE);
                taken++;
            }
        }
        out = new UnsafeBuffer(ByteBuffer.allocateDirect(2 * PAGE_SIZE));
        oldView = new UnsafeBuffer(0, 0);
        newView = new UnsafeBuffer(0, 0);
    }

    /**
     * Free native contexts.
     */
    @TearDown(Level.Trial)
    public void tearDown()
    {
        codec.close();
        thoroughCodec.close();
        plainZstd.close();
    }

    /**
     * The engine's whole choice for a dirty page: unchanged, the changed runs as they are or by zstd, zstd of the
     * page, or raw.
     *
     * @return payload length.
     */
    @Benchmark
    public int hdeEncode()
    {
        final int i = next++ & (PAGES - 1);
        return codec.encodeDelta(newPages, i * PAGE_SIZE, oldPages, i * PAGE_SIZE, out, 0);
    }

    /**
     * The same in thorough mode, which also tries zstd over the XOR.
     *
     * @return payload length.
     */
    @Benchmark
    public int hdeEncodeThorough()
    {
        final int i = next++ & (PAGES - 1);
        return thoroughCodec.encodeDelta(newPages, i * PAGE_SIZE, oldPages, i * PAGE_SIZE, out, 0);
    }

    /**
     * The delta path's core: the page against its base as unchanged runs and new bytes, in one pass.
     *
     * @return payload length, or -1 when larger than a page.
     */
    @Benchmark
    public int xbzrleRuns()
    {
        final int i = next++ & (PAGES - 1);
        return XorRunLength.encode(newPages, i * PAGE_SIZE, oldPages, i * PAGE_SIZE, PAGE_SIZE, out, 0, PAGE_SIZE);
    }

    /**
     * Baseline: an XBZRLE-style encoder on the same pairs.
     *
     * @return payload length, or -1 when larger than a page.
     */
    @Benchmark
    public int xbzrleReference()
    {
        final int i = next++ & (PAGES - 1);
        oldView.wrap(oldPages, i * PAGE_SIZE, PAGE_SIZE);
        newView.wrap(newPages, i * PAGE_SIZE, PAGE_SIZE);
        return XbzrleReference.encode(oldView, newView, PAGE_SIZE, out, PAGE_SIZE);
    }

    /**
     * Baseline: zstd-jni level 1 compressing the new page alone.
     *
     * @return compressed length.
     */
    @Benchmark
    public int plainZstdPage()
    {
        final int i = next++ & (PAGES - 1);
        return plainZstd.compressDirectByteBuffer(out.byteBuffer(), 0, (int)Zstd.compressBound(PAGE_SIZE),
            newPages.byteBuffer(), i * PAGE_SIZE, PAGE_SIZE);
    }
}
