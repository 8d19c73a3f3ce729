package io.dwcp.codec;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;

/**
 * The pages of one frame compressed together as one zstd block, the frame codec: real memory compresses about a
 * fifth smaller, and twice as fast, 64 pages at a time than page by page (see docs/FRAME-CODEC.md). Each block is a
 * magicless zstd frame of its own, with no content size or checksum (the frame carries a CRC32C per page), so a
 * block that fails to decode costs only its own pages: no state runs from one frame to the next, and neither a
 * rejected frame nor a repair can put sender and receiver out of step. (From the stream level, blocks without a
 * dictionary go through their stripe's {@link BlockStream} instead, which has a reset protocol of its own.)
 * <p>
 * A page the receiver already holds a version of goes into the block as a delta page: the version goes into the
 * block's {@link BlockDictionary}, with pieces of similar pages' versions after the delta pages' own, so zstd finds
 * what did not change, and what moved, as matches into it.
 * <p>
 * Sender: {@link #begin()}, then {@link #addPage} or {@link #addDeltaPage} per page, then {@link #compress}.
 * Receiver: {@link #begin()}, {@link BlockDictionary#addVersion} per delta page in entry order, then
 * {@link #decompress}, then read page i at {@link #pageOffset(int)} of {@link #pages()}. Works on direct or mapped
 * buffers and allocates nothing per block in steady state; decoding is bounded and never throws on bad input.
 * <p>
 * Not thread safe: each agent owns its codec.
 */
public final class BlockCodec implements AutoCloseable
{
    private final int pageSize;
    private final int maxPages;
    private final UnsafeBuffer pages;
    private final ByteBuffer pagesBuffer;
    private final ZstdCompressCtx compressCtx = new ZstdCompressCtx();
    private final ZstdDecompressCtx decompressCtx = new ZstdDecompressCtx();
    private final ByteBuffer pagesView;
    private final BlockDictionary dictionary;
    private int pageCount;
    private int level = Integer.MIN_VALUE;
    private boolean isClosed;

    /**
     * Create a codec for blocks of up to {@code maxPages} pages.
     *
     * @param pageSize         bytes per page, a power of two.
     * @param maxPages         most pages in one block.
     * @param compressionLevel initial zstd level.
     */
    public BlockCodec(final int pageSize, final int maxPages, final int compressionLevel)
    {
        if (maxPages < 1)
        {
            throw new IllegalArgumentException("maxPages must be at least 1: " + maxPages);
        }
        this.pageSize = pageSize;
        this.maxPages = maxPages;
        pagesBuffer = ByteBuffer.allocateDirect(Math.multiplyExact(maxPages, pageSize));
        pages = new UnsafeBuffer(pagesBuffer);
        pagesView = pagesBuffer.duplicate();
        dictionary = new BlockDictionary(pageSize, maxPages);
        compressCtx.setMagicless(true).setContentSize(false).setChecksum(false).setDictID(false);
        decompressCtx.setMagicless(true);
        compressionLevel(compressionLevel);
    }

    /**
     * Bytes of output space {@link #compress} may need for a block of {@code pageCount} pages.
     *
     * @param pageSize  bytes per page.
     * @param pageCount pages in the block.
     * @return zstd's bound for that many bytes.
     */
    public static int maxCompressedLength(final int pageSize, final int pageCount)
    {
        return (int)Zstd.compressBound((long)pageSize * pageCount);
    }

    /**
     * Change the zstd level; takes effect from the next block, and costs nothing when it is the same.
     *
     * @param level from {@link Zstd#minCompressionLevel()} to {@link Zstd#maxCompressionLevel()}.
     */
    public void compressionLevel(final int level)
    {
        if (level < Zstd.minCompressionLevel() || level > Zstd.maxCompressionLevel())
        {
            throw new IllegalArgumentException("compression level " + level + " outside [" +
                Zstd.minCompressionLevel() + ", " + Zstd.maxCompressionLevel() + "]");
        }
        if (level != this.level)
        {
            this.level = level;
            compressCtx.setLevel(level);
            dictionary.level(level);
        }
    }

    /** Start a block: no pages, no versions. */
    public void begin()
    {
        pageCount = 0;
        dictionary.clear();
    }

    /**
     * Pages in the block so far.
     *
     * @return pages added since {@link #begin()}.
     */
    public int pageCount()
    {
        return pageCount;
    }

    /**
     * Is there room for one more page?
     *
     * @return true if fewer than the most pages were added.
     */
    public boolean hasRoom()
    {
        return pageCount < maxPages;
    }

    /**
     * Most pages in one block.
     *
     * @return the capacity in pages.
     */
    public int maxPages()
    {
        return maxPages;
    }

    /**
     * The block's dictionary: the versions of its delta pages and pieces of similar pages'.
     *
     * @return the dictionary, emptied by {@link #begin()}.
     */
    public BlockDictionary dictionary()
    {
        return dictionary;
    }

    /**
     * Add a page the receiver holds no version of: its bytes are copied into the block.
     *
     * @param source       buffer holding the page.
     * @param sourceOffset of the page.
     */
    public void addPage(final DirectBuffer source, final int sourceOffset)
    {
        pages.putBytes(pageCount++ * pageSize, source, sourceOffset, pageSize);
    }

    /**
     * Where the next page added goes in {@link #pages()}: a sender may copy a page there, look at it, and then keep
     * it with {@link #commitPage()} or {@link #commitDeltaPage}, or leave it to be overwritten by the next, which
     * saves copying every page twice. Only while {@link #hasRoom()}.
     *
     * @return the offset of the next page's slot.
     */
    public int nextPageOffset()
    {
        return pageCount * pageSize;
    }

    /** Keep the page written at {@link #nextPageOffset()}, as {@link #addPage} would have copied it. */
    public void commitPage()
    {
        if (pageCount >= maxPages)
        {
            throw new IllegalStateException("a block holds at most " + maxPages + " pages");
        }
        pageCount++;
    }

    /**
     * Keep the page written at {@link #nextPageOffset()} as a delta page, as {@link #addDeltaPage} would have.
     *
     * @param base       buffer holding the version the receiver holds; copied.
     * @param baseOffset of that version.
     */
    public void commitDeltaPage(final DirectBuffer base, final int baseOffset)
    {
        commitPage();
        dictionary.addVersion(base, baseOffset);
    }

    /**
     * Add a page as a delta against the version the receiver holds. Both are copied.
     *
     * @param source       buffer holding the page.
     * @param sourceOffset of the page.
     * @param base         buffer holding the version the receiver holds.
     * @param baseOffset   of that version.
     */
    public void addDeltaPage(
        final DirectBuffer source, final int sourceOffset, final DirectBuffer base, final int baseOffset)
    {
        addPage(source, sourceOffset);
        dictionary.addVersion(base, baseOffset);
    }

    /**
     * Compress the pages added since {@link #begin()} into one block.
     *
     * @param target       buffer for the block, wrapping a direct {@link ByteBuffer}.
     * @param targetOffset where the block starts.
     * @param capacity     bytes free from there; {@link #maxCompressedLength} of the block is always enough.
     * @return the block's length, 0 when no page was added.
     */
    public int compress(final UnsafeBuffer target, final int targetOffset, final int capacity)
    {
        if (0 == pageCount)
        {
            return 0;
        }
        final ZstdCompressCtx ctx = dictionary.length() > 0 ?
            dictionary.compressContext(pageCount * pageSize) : compressCtx;
        return ctx.compressDirectByteBuffer(
            target.byteBuffer(), target.wrapAdjustment() + targetOffset, capacity,
            pagesBuffer, 0, pageCount * pageSize);
    }

    /**
     * Decompress a block that should hold exactly {@code expectedPages} pages, with the versions given to its
     * {@link #dictionary()}.
     *
     * @param payload       buffer holding the block; must wrap a direct buffer or a byte array.
     * @param payloadOffset of the block.
     * @param payloadLength of the block, not yet trusted.
     * @param expectedPages BLOCK and BLOCK_DELTA entries of the frame.
     * @return {@link PageCodec.DecodeResult#OK} when the block expanded to exactly that many pages (each still to be
     *         checked against its CRC32C); {@link PageCodec.DecodeResult#BAD_LENGTH} for a count or length that
     *         cannot be; {@link PageCodec.DecodeResult#CORRUPT_PAYLOAD} when it does not decode or decodes to more
     *         or fewer bytes.
     */
    public PageCodec.DecodeResult decompress(
        final DirectBuffer payload, final int payloadOffset, final int payloadLength, final int expectedPages)
    {
        pageCount = 0;
        if (expectedPages <= 0 || expectedPages > maxPages ||
            dictionary.length() > dictionary.maxLength(expectedPages) || payloadLength <= 0 ||
            payloadLength > maxCompressedLength(pageSize, expectedPages))
        {
            return PageCodec.DecodeResult.BAD_LENGTH;
        }
        final ZstdDecompressCtx ctx = dictionary.length() > 0 ? dictionary.decompressContext() : decompressCtx;
        if (null == ctx)
        {
            return PageCodec.DecodeResult.CORRUPT_PAYLOAD;
        }
        // One byte of room past the pages expected: a block that fills it holds more than it claims.
        final int expectedLength = expectedPages * pageSize;
        final int capacity = Math.min(pages.capacity(), expectedLength + (expectedPages < maxPages ? 1 : 0));
        final int decodedLength = ZstdPayload.decompress(ctx, payload, payloadOffset, payloadLength, pages, capacity);
        if (decodedLength != expectedLength)
        {
            return PageCodec.DecodeResult.CORRUPT_PAYLOAD;
        }
        pageCount = expectedPages;
        return PageCodec.DecodeResult.OK;
    }

    /**
     * The block's pages, decoded or added, one after another.
     *
     * @return the buffer holding them.
     */
    public UnsafeBuffer pages()
    {
        return pages;
    }

    /**
     * Offset of a page of the block in {@link #pages()}.
     *
     * @param index of the page in the block.
     * @return its offset.
     */
    public int pageOffset(final int index)
    {
        return index * pageSize;
    }

    /** The pages' buffer, as a view whose position and limit a stream's calls may move. */
    ByteBuffer pagesView()
    {
        return pagesView;
    }

    int level()
    {
        return level;
    }

    int pageSize()
    {
        return pageSize;
    }

    /** The block now holds this many pages, decoded by its stripe's stream, or none. */
    void onStreamDecoded(final int pages)
    {
        pageCount = pages;
    }

    /** Free the native zstd contexts. Idempotent. */
    @Override
    public void close()
    {
        if (!isClosed)
        {
            isClosed = true;
            compressCtx.close();
            decompressCtx.close();
            dictionary.close();
        }
    }
}
