package io.dwcp.perf;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import io.dwcp.codec.BlockCodec;
import io.dwcp.codec.BlockStream;
import io.dwcp.codec.PageChecksum;
import io.dwcp.codec.PageCodec;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;

/**
 * The sender's encode work on one core over a real snapshot, beside plain zstd-jni on the same bytes: each operation
 * is a frame of 64 pages (256 KiB) of the image, as a stripe's frame would take them. The engine's path copies each
 * page out of the mapping into the block's next slot, tests it for zero and computes its CRC32C there, keeps the
 * non-zero ones in the block and compresses the block once ({@link BlockCodec}); plain zstd-jni compresses the same
 * 256 KiB in one call, zero pages included, which is the speed of {@code zstd -1} over the whole image. Both at
 * level 1 into direct buffers. Each invocation encodes the same 256 frames spread evenly over the image, so every
 * measurement iteration sees the same mix of pages (taking the next frame each time, iterations of 2 s covered
 * different parts of the image and scattered by a third). Multiply ops/s by 256 KiB for bytes per second.
 * <pre>
 * perf/bench jmh FrameEncodeBenchmark -p image=/tmp/dwcp-corpus/jvm-0.mem -prof gc
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class FrameEncodeBenchmark
{
    private static final int PAGE_SIZE = 4096;
    private static final int PAGES_PER_FRAME = 64;
    private static final int FRAME_BYTES = PAGES_PER_FRAME * PAGE_SIZE;
    private static final int SAMPLE_FRAMES = 256;

    /** Snapshot file to read, for example one {@code MemoryCapture} wrote. */
    @Param({ "" })
    public String image;

    @Param({ "1" })
    public int level;

    private UnsafeBuffer mapped;
    private final int[] frameOffsets = new int[SAMPLE_FRAMES];
    private BlockCodec block;
    private BlockStream stream;
    private ZstdCompressCtx plainZstd;
    private UnsafeBuffer out;

    /**
     * Map the snapshot and make the codecs.
     *
     * @throws IOException if the snapshot cannot be mapped.
     */
    @Setup(Level.Trial)
    public void setUp() throws IOException
    {
        if (image.isEmpty())
        {
            throw new IllegalArgumentException("give a snapshot: -p image=FILE");
        }
        try (FileChannel channel = FileChannel.open(Path.of(image), StandardOpenOption.READ))
        {
            final long size = Math.min(channel.size(), Integer.MAX_VALUE & ~(FRAME_BYTES - 1));
            mapped = new UnsafeBuffer(channel.map(FileChannel.MapMode.READ_ONLY, 0, size));
        }
        final int frames = mapped.capacity() / FRAME_BYTES;
        for (int i = 0; i < SAMPLE_FRAMES; i++)
        {
            frameOffsets[i] = (int)((long)i * frames / SAMPLE_FRAMES) * FRAME_BYTES;
        }
        block = new BlockCodec(PAGE_SIZE, PAGES_PER_FRAME, level);
        stream = new BlockStream();
        plainZstd = new ZstdCompressCtx().setLevel(level).setMagicless(true).setContentSize(false);
        out = new UnsafeBuffer(ByteBuffer.allocateDirect((int)Zstd.compressBound(FRAME_BYTES)));
    }

    /** Free native contexts. */
    @TearDown(Level.Trial)
    public void tearDown()
    {
        block.close();
        stream.close();
        plainZstd.close();
    }

    /**
     * The engine's encode of 256 frames of 64 pages: copy into the block's slot, zero test, CRC32C, one block each.
     *
     * @return bytes of the blocks plus the CRCs, consumed so the work is not eliminated.
     */
    @Benchmark
    @OperationsPerInvocation(SAMPLE_FRAMES)
    public int engineFrame()
    {
        int result = 0;
        for (final int frameOffset : frameOffsets)
        {
            result ^= fillBlock(frameOffset);
            result += block.compress(out, 0, out.capacity());
        }
        return result;
    }

    /**
     * The same, each block through one stream flushed at its end, as a stripe's blocks go from level 6
     * ({@code dwcp.stream.level}): {@code -p level=7 -prof gc} shows what the streamed path allocates.
     *
     * @return bytes of the blocks plus the CRCs, consumed so the work is not eliminated.
     */
    @Benchmark
    @OperationsPerInvocation(SAMPLE_FRAMES)
    public int engineStreamedFrame()
    {
        int result = 0;
        for (final int frameOffset : frameOffsets)
        {
            result ^= fillBlock(frameOffset);
            result += stream.compress(block, out, 0, out.capacity());
        }
        return result;
    }

    /** Begin a block and keep the frame's non-zero pages in it, copied, tested for zero and checksummed. */
    private int fillBlock(final int frameOffset)
    {
        int crcs = 0;
        block.begin();
        final UnsafeBuffer pages = block.pages();
        for (int p = 0; p < PAGES_PER_FRAME; p++)
        {
            final int pageAt = block.nextPageOffset();
            pages.putBytes(pageAt, mapped, frameOffset + p * PAGE_SIZE, PAGE_SIZE);
            if (!PageCodec.isZero(pages, pageAt, PAGE_SIZE))
            {
                crcs ^= PageChecksum.crc32c(pages, pageAt, PAGE_SIZE);
                block.commitPage();
            }
        }
        return crcs;
    }

    /**
     * Baseline: zstd-jni compressing the same 256 frames of 256 KiB, one call each, straight from the mapping.
     *
     * @return compressed lengths.
     */
    @Benchmark
    @OperationsPerInvocation(SAMPLE_FRAMES)
    public int plainZstd()
    {
        int result = 0;
        for (final int frameOffset : frameOffsets)
        {
            result += plainZstd.compressDirectByteBuffer(out.byteBuffer(), 0, out.capacity(),
                mapped.byteBuffer(), frameOffset, FRAME_BYTES);
        }
        return result;
    }
}
