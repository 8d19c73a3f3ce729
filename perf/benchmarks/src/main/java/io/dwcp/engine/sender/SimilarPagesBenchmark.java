package io.dwcp.engine.sender;

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
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.util.concurrent.TimeUnit;

/**
 * What the sender's search for similar pages costs per page of real memory, on one core: take a page's anchors,
 * look them up, and point them at the page, as the frame writer does for every non-zero page it sends. In this
 * package because the index is the sender's own.
 * <pre>
 * perf/bench jmh SimilarPagesBenchmark -p image=/tmp/dwcp-corpus/jvm-0.mem -prof gc
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class SimilarPagesBenchmark
{
    private static final int PAGE_SIZE = 4096;

    /** Snapshot file to read, for example one {@code MemoryCapture} wrote. */
    @Param({ "" })
    public String image;

    private UnsafeBuffer mapped;
    private int pages;
    private int next;
    private SimilarPages index;

    /**
     * Map the snapshot and make an index of the engine's default size.
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
        try (RandomAccessFile file = new RandomAccessFile(image, "r"); FileChannel channel = file.getChannel())
        {
            final long size = Math.min(channel.size(), 1L << 30) & ~(PAGE_SIZE - 1L);
            mapped = new UnsafeBuffer(channel.map(FileChannel.MapMode.READ_ONLY, 0, size));
            pages = (int)(size / PAGE_SIZE);
        }
        index = new SimilarPages(io.dwcp.engine.config.CodecConfiguration.SIMILAR_INDEX_BYTES_DEFAULT, pages);
    }

    /**
     * One page: its anchors, their lookup, and their entries.
     *
     * @return candidates found, so the work is not eliminated.
     */
    @Benchmark
    public int anchorsFindAndPut()
    {
        final int page = next;
        next = next + 1 == pages ? 0 : next + 1;
        final int offset = page * PAGE_SIZE;
        int found = 0;
        if (index.anchors(mapped, offset, PAGE_SIZE) > 0)
        {
            found = index.find(page, 0);
            index.put(0, page, 0);
        }
        return found;
    }

    /**
     * One page sent whole below the level that looks for similar pages, as round 0 is at level 1: its anchors and
     * their entries, for the rounds after.
     *
     * @return anchors taken, so the work is not eliminated.
     */
    @Benchmark
    public int anchorsAndPut()
    {
        final int page = next;
        next = next + 1 == pages ? 0 : next + 1;
        final int anchors = index.anchors(mapped, page * PAGE_SIZE, PAGE_SIZE);
        if (anchors > 0)
        {
            index.put(0, page, 0);
        }
        return anchors;
    }

    /**
     * One page's anchors alone: the scan every page pays.
     *
     * @return anchors taken, so the work is not eliminated.
     */
    @Benchmark
    public int anchors()
    {
        final int page = next;
        next = next + 1 == pages ? 0 : next + 1;
        return index.anchors(mapped, page * PAGE_SIZE, PAGE_SIZE);
    }
}
