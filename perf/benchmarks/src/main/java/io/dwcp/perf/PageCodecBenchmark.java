package io.dwcp.perf;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import io.dwcp.codec.PageCodec;
import io.dwcp.images.MemoryImageGenerator;
import io.dwcp.images.PageKind;
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
 * Encode and decode throughput of the page codec on realistic pages of each kind, beside plain zstd-jni on the same
 * pages with the same level, in the same run. Throughput is in pages per second; multiply by 4096 for bytes.
 * <pre>
 * perf/bench jmh PageCodecBenchmark -prof gc
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PageCodecBenchmark
{
    private static final int PAGE_SIZE = 4096;
    private static final int PAGES = 256;

    @Param({ "TEXT", "HEAP", "CODE", "RANDOM", "ZERO" })
    public PageKind kind;

    @Param({ "1" })
    public int level;

    private PageCodec codec;
    private ZstdCompressCtx plainZstd;
    private UnsafeBuffer pages;
    private UnsafeBuffer encoded;
    private UnsafeBuffer decoded;
    private int[] encodedLengths;
    private short[] encodings;
    private int[] crcs;
    private int next;

    /**
     * Fill a buffer with pages of the chosen kind and pre-encode them for the decode benchmark.
     */
    @Setup(Level.Trial)
    public void setUp()
    {
        codec = new PageCodec(PAGE_SIZE, level);
        plainZstd = new ZstdCompressCtx().setLevel(level);
        pages = new UnsafeBuffer(ByteBuffer.allocateDirect(PAGES * PAGE_SIZE));
        encoded = new UnsafeBuffer(ByteBuffer.allocateDirect(PAGES * codec.maxEncodedLength()));
        decoded = new UnsafeBuffer(ByteBuffer.allocateDirect(PAGE_SIZE));
        encodedLengths = new int[PAGES];
        encodings = new short[PAGES];
        crcs = new int[PAGES];

        final MemoryImageGenerator generator = new MemoryImageGenerator(7, PageMix.DEFAULT, PAGE_SIZE);
        int filled = 0;
        for (long pageNumber = 0; filled < PAGES; pageNumber++)
        {
            if (generator.kindOf(pageNumber) == kind)
            {
                generator.fillPage(pageNumber, pages, filled * PAGE_SIZE);
                final int offset = filled * codec.maxEncodedLength();
                final int length = codec.encode(pages, filled * PAGE_SIZE, encoded, offset);
                encodedLengths[filled] = length;
                encodings[filled] = codec.lastEncoding().value();
                crcs[filled] = codec.lastCrc();
                if (length == PAGE_SIZE)
                {
                    encoded.putBytes(offset, pages, filled * PAGE_SIZE, PAGE_SIZE);
                }
                filled++;
            }
        }
    }

    /**
     * Free native contexts.
     */
    @TearDown(Level.Trial)
    public void tearDown()
    {
        codec.close();
        plainZstd.close();
    }

    /**
     * The engine's encoder: zero check, CRC32C and zstd, or raw.
     *
     * @return payload length, consumed so the work is not eliminated.
     */
    @Benchmark
    public int encode()
    {
        final int i = next++ & (PAGES - 1);
        return codec.encode(pages, i * PAGE_SIZE, encoded, i * codec.maxEncodedLength());
    }

    /**
     * The engine's decoder: bounds, zstd and CRC32C check.
     *
     * @return the result, consumed so the work is not eliminated.
     */
    @Benchmark
    public PageCodec.DecodeResult decode()
    {
        final int i = next++ & (PAGES - 1);
        return codec.decode(encodings[i], encoded, i * codec.maxEncodedLength(), encodedLengths[i], crcs[i], decoded);
    }

    /**
     * Baseline: zstd-jni alone compressing the same page at the same level, into the same direct buffer.
     *
     * @return compressed length.
     */
    @Benchmark
    public int plainZstdCompress()
    {
        final int i = next++ & (PAGES - 1);
        return plainZstd.compressDirectByteBuffer(encoded.byteBuffer(), i * codec.maxEncodedLength(),
            (int)Zstd.compressBound(PAGE_SIZE), pages.byteBuffer(), i * PAGE_SIZE, PAGE_SIZE);
    }
}
