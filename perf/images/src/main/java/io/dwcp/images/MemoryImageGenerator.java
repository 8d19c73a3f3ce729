package io.dwcp.images;

import org.agrona.IoUtil;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.stream.LongStream;

/**
 * Writes a deterministic memory image: the same seed, mix, page size and length always give the same bytes.
 * <p>
 * Each page's kind and content derive from the seed and the page number alone, so pages can be generated in any
 * order, in parallel, or one at a time ({@link #fillPage}) by a test that wants the expected content back.
 * <p>
 * Content by kind:
 * <ul>
 *     <li>zero: all zero bytes;</li>
 *     <li>text: log lines with timestamps, levels, thread names and key=value fields over a fixed vocabulary;</li>
 *     <li>heap: 32-byte objects, each a class pointer from a small set, two small integers, a pointer into one of
 *     three address ranges and a word that is often zero;</li>
 *     <li>code: instruction-like byte sequences (prologues, moves, calls with random displacements, padding);</li>
 *     <li>random: uniformly random bytes.</li>
 * </ul>
 * Thread safe: the generator holds no mutable state.
 */
public final class MemoryImageGenerator
{
    private static final long SEGMENT_BYTES = 1L << 30;
    private static final String[] WORDS = {
        "request", "response", "user", "session", "cache", "miss", "hit", "commit", "rollback", "page", "memory",
        "worker", "thread", "queue", "timeout", "connected", "closed", "accepted", "rejected", "latency", "bytes",
        "status", "retry", "backoff", "transfer", "vm", "guest", "host", "disk", "network", "packet", "socket",
        "the", "a", "of", "to", "and", "in", "is", "for", "on", "with", "from", "by", "at", "as", "an", "be",
        "alice", "bob", "carol", "dave", "eve", "mallory", "oscar", "peggy", "trent", "victor", "walter" };
    private static final String[] LEVELS = { "INFO", "INFO", "INFO", "DEBUG", "WARN", "ERROR" };
    private static final byte[][] CODE_TEMPLATES = {
        { 0x55, 0x48, (byte)0x89, (byte)0xe5 },                   // push rbp; mov rbp, rsp
        { 0x48, (byte)0x83, (byte)0xec },                         // sub rsp, imm8
        { 0x48, (byte)0x8b, 0x45 },                               // mov rax, [rbp+disp8]
        { 0x48, (byte)0x89, 0x45 },                               // mov [rbp+disp8], rax
        { (byte)0xe8 },                                           // call rel32
        { 0x0f, (byte)0x84 },                                     // je rel32
        { (byte)0xc9, (byte)0xc3 },                               // leave; ret
        { 0x0f, 0x1f, 0x44, 0x00, 0x00 },                         // nop dword
        { 0x31, (byte)0xc0 },                                     // xor eax, eax
        { 0x48, (byte)0x85, (byte)0xc0 },                         // test rax, rax
    };
    private static final int[] CODE_IMMEDIATE_BYTES = { 0, 1, 1, 1, 4, 4, 0, 0, 0, 0 };
    private static final long[] HEAP_BASES = { 0x00007f3a_40000000L, 0x00007f3a_c0000000L, 0x0000_5563_2a000000L };

    private final long seed;
    private final PageMix mix;
    private final int pageSize;
    private final double[] cumulativeShares;

    /**
     * Create a generator.
     *
     * @param seed     of the image.
     * @param mix      shares of each page kind.
     * @param pageSize bytes per page, a multiple of 64.
     */
    public MemoryImageGenerator(final long seed, final PageMix mix, final int pageSize)
    {
        if (pageSize < 64 || 0 != (pageSize & 63))
        {
            throw new IllegalArgumentException("page size must be a positive multiple of 64: " + pageSize);
        }
        this.seed = seed;
        this.mix = mix;
        this.pageSize = pageSize;
        final double total = mix.total();
        cumulativeShares = new double[] {
            mix.zero() / total,
            (mix.zero() + mix.text()) / total,
            (mix.zero() + mix.text() + mix.heap()) / total,
            (mix.zero() + mix.text() + mix.heap() + mix.code()) / total,
            1.0 };
    }

    /**
     * Kind of a page.
     *
     * @param pageNumber of the page.
     * @return its kind.
     */
    public PageKind kindOf(final long pageNumber)
    {
        final double draw = new SplittableRandom(mixSeed(seed, pageNumber, 0)).nextDouble();
        for (int i = 0; i < cumulativeShares.length; i++)
        {
            if (draw < cumulativeShares[i])
            {
                return PageKind.values()[i];
            }
        }
        return PageKind.RANDOM;
    }

    /**
     * Write the content of one page.
     *
     * @param pageNumber of the page.
     * @param buffer     to write into.
     * @param offset     of the page in the buffer.
     * @return the page's kind.
     */
    public PageKind fillPage(final long pageNumber, final MutableDirectBuffer buffer, final int offset)
    {
        final PageKind kind = kindOf(pageNumber);
        final SplittableRandom random = new SplittableRandom(mixSeed(seed, pageNumber, 1));
        switch (kind)
        {
            case ZERO -> buffer.setMemory(offset, pageSize, (byte)0);
            case TEXT -> fillText(random, buffer, offset);
            case HEAP -> fillHeap(random, buffer, offset);
            case CODE -> fillCode(random, buffer, offset);
            default -> fillRandom(random, buffer, offset);
        }
        return kind;
    }

    /**
     * Write fresh content of a given kind, seeded independently of any page number.
     *
     * @param kind   of content.
     * @param seed   of the content.
     * @param buffer to write into.
     * @param offset of the page in the buffer.
     */
    public void fillPageOfKind(final PageKind kind, final long seed, final MutableDirectBuffer buffer, final int offset)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        switch (kind)
        {
            case ZERO -> buffer.setMemory(offset, pageSize, (byte)0);
            case TEXT -> fillText(random, buffer, offset);
            case HEAP -> fillHeap(random, buffer, offset);
            case CODE -> fillCode(random, buffer, offset);
            default -> fillRandom(random, buffer, offset);
        }
    }

    /**
     * Write a whole image to a file, replacing it, in parallel over the machine's cores.
     *
     * @param file   to write.
     * @param length of the image, a multiple of the page size.
     * @return how many pages of each kind the image holds.
     * @throws IOException if the file cannot be written.
     */
    public ImageSummary generate(final Path file, final long length) throws IOException
    {
        if (length <= 0 || 0 != length % pageSize)
        {
            throw new IllegalArgumentException(
                "image length " + length + " must be a positive multiple of the page size " + pageSize);
        }

        final AtomicLongArray counts = new AtomicLongArray(PageKind.values().length);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw"))
        {
            raf.setLength(0);
            raf.setLength(length);
            final FileChannel channel = raf.getChannel();
            for (long segmentStart = 0; segmentStart < length; segmentStart += SEGMENT_BYTES)
            {
                final long segmentLength = Math.min(SEGMENT_BYTES, length - segmentStart);
                final MappedByteBuffer mapped =
                    channel.map(FileChannel.MapMode.READ_WRITE, segmentStart, segmentLength);
                try
                {
                    final UnsafeBuffer segment = new UnsafeBuffer(mapped);
                    final long firstPage = segmentStart / pageSize;
                    LongStream.range(0, segmentLength / pageSize).parallel().forEach((i) ->
                    {
                        final PageKind kind = fillPage(firstPage + i, segment, (int)(i * pageSize));
                        counts.incrementAndGet(kind.ordinal());
                    });
                    mapped.force();
                }
                finally
                {
                    IoUtil.unmap(mapped);
                }
            }
        }

        final long[] byKind = new long[counts.length()];
        for (int i = 0; i < byKind.length; i++)
        {
            byKind[i] = counts.get(i);
        }
        return new ImageSummary(length, pageSize, byKind);
    }

    /**
     * Page size of the images this generator writes.
     *
     * @return bytes per page.
     */
    public int pageSize()
    {
        return pageSize;
    }

    /**
     * The mix of page kinds.
     *
     * @return the mix.
     */
    public PageMix mix()
    {
        return mix;
    }

    private void fillText(final SplittableRandom random, final MutableDirectBuffer buffer, final int offset)
    {
        final StringBuilder text = new StringBuilder(pageSize + 256);
        long millis = 1_795_000_000_000L + random.nextLong(86_400_000L);
        while (text.length() < pageSize)
        {
            millis += random.nextInt(50);
            text.append("2026-11-").append(10 + (int)(millis / 86_400_000L % 20)).append('T')
                .append(millis / 3_600_000L % 24).append(':').append(millis / 60_000 % 60).append(':')
                .append(millis / 1000 % 60).append('.').append(millis % 1000).append("Z ")
                .append(LEVELS[random.nextInt(LEVELS.length)]).append(" [worker-").append(random.nextInt(16))
                .append("] ");
            final int words = 3 + random.nextInt(8);
            for (int w = 0; w < words; w++)
            {
                text.append(WORDS[random.nextInt(WORDS.length)]).append(' ');
            }
            text.append("id=").append(random.nextInt(100_000)).append(" latency=").append(random.nextInt(500))
                .append("ms\n");
        }
        final byte[] bytes = text.toString().getBytes(StandardCharsets.US_ASCII);
        buffer.putBytes(offset, bytes, 0, pageSize);
    }

    private void fillHeap(final SplittableRandom random, final MutableDirectBuffer buffer, final int offset)
    {
        final long[] classPointers = new long[8];
        for (int i = 0; i < classPointers.length; i++)
        {
            classPointers[i] = 0x0000_0008_0000_0000L + (i * 0x1a0L);
        }
        final long base = HEAP_BASES[random.nextInt(HEAP_BASES.length)];
        for (int i = 0; i < pageSize; i += 32)
        {
            buffer.putLong(offset + i, classPointers[random.nextInt(classPointers.length)]);
            buffer.putInt(offset + i + 8, random.nextInt(256));
            buffer.putInt(offset + i + 12, random.nextInt(4) == 0 ? random.nextInt(100_000) : random.nextInt(16));
            buffer.putLong(offset + i + 16, base + ((long)random.nextInt(1 << 20) << 4));
            buffer.putLong(offset + i + 24, random.nextInt(3) == 0 ? base + ((long)random.nextInt(1 << 20) << 4) : 0);
        }
    }

    private void fillCode(final SplittableRandom random, final MutableDirectBuffer buffer, final int offset)
    {
        int position = 0;
        while (position < pageSize)
        {
            final int template = random.nextInt(CODE_TEMPLATES.length);
            final byte[] opcode = CODE_TEMPLATES[template];
            for (int i = 0; i < opcode.length && position < pageSize; i++)
            {
                buffer.putByte(offset + position++, opcode[i]);
            }
            final int immediateBytes = CODE_IMMEDIATE_BYTES[template];
            for (int i = 0; i < immediateBytes && position < pageSize; i++)
            {
                // Displacements cluster near zero, as branch and frame offsets do.
                final int value = i == 0 ? random.nextInt(256) : (random.nextInt(8) == 0 ? 0xff : 0);
                buffer.putByte(offset + position++, (byte)value);
            }
        }
    }

    private void fillRandom(final SplittableRandom random, final MutableDirectBuffer buffer, final int offset)
    {
        for (int i = 0; i < pageSize; i += 8)
        {
            buffer.putLong(offset + i, random.nextLong());
        }
    }

    private static long mixSeed(final long seed, final long pageNumber, final long stream)
    {
        long z = seed * 0x9E3779B97F4A7C15L + pageNumber * 0xBF58476D1CE4E5B9L + stream * 0x94D049BB133111EBL;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
