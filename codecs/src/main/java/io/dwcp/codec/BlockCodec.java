package io.dwcp.codec;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;
import com.github.luben.zstd.ZstdException;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;

/**
 * The pages of one frame compressed together as one zstd block, the frame codec: real memory compresses about a
 * fifth smaller, and twice as fast, 64 pages at a time than page by page (see docs/FRAME-CODEC.md). Each block is a
 * magicless zstd frame of its own, with no content size or checksum (the frame carries a CRC32C per page), so a
 * block that fails to decode costs only its own pages: no state runs from one frame to the next, and neither a
 * rejected frame nor a repair can put sender and receiver out of step.
 * <p>
 * A page the receiver already holds a version of goes into the block as a delta page: the versions it holds are
 * loaded, in the order of the delta pages, as the block's raw-content dictionary, so zstd finds what did not change
 * as matches into the dictionary. The receiver builds the same dictionary from its own copies; a copy that is not
 * the version expected decodes wrong and fails the CRC of the page, which is then asked for again. The dictionary is
 * laid out in a buffer of a power of two pages plus an 8-byte zero prefix, with the versions at its end, so it never
 * starts with zstd's dictionary magic and the few buffer sizes it takes are allocated once each.
 * <p>
 * Sender: {@link #begin()}, then {@link #addPage} or {@link #addDeltaPage} per page, then {@link #compress}.
 * Receiver: {@link #begin()}, {@link #addBase} per delta page in entry order, then {@link #decompress}, then read
 * page i at {@link #pageOffset(int)} of {@link #pages()}. Works on direct or mapped buffers and allocates nothing
 * per block in steady state; decoding is bounded and never throws on bad input.
 * <p>
 * Not thread safe: each agent owns its codec.
 */
public final class BlockCodec implements AutoCloseable
{
    /** Bytes before the versions in a dictionary: zeros, so it never reads as a zstd dictionary header. */
    static final int DICTIONARY_PREFIX = 8;
    /** Largest hash table of the dictionary context, in log2 entries, for a full block and its versions. */
    static final int DICTIONARY_HASH_LOG = 18;
    /** Smallest hash table of the dictionary context. */
    static final int MIN_DICTIONARY_HASH_LOG = 10;
    /** Levels from this one up have hash tables at least that large of their own. */
    static final int DICTIONARY_HASH_LOG_BELOW_LEVEL = 5;
    /**
     * Most versions of other pages a block's dictionary may hold per page of the block, besides the pages' own:
     * pages found similar by content (data the guest moved from one page to another, as a collector does). Two: four
     * gave a JVM's rounds 1-3 1.21 of patch-from instead of 1.27 at level 3 and took a third more time at level 1,
     * and a live QEMU migration at 1 Gbit/s, whose link-aware level reaches 3, took 2.2 s instead of 1.7 s.
     */
    public static final int MAX_SIMILAR_PER_PAGE = 2;
    /**
     * A similar page's version joins a dictionary in pieces of an eighth of a page, those around the data found in
     * it: on a JVM's round 1, pieces from every page an anchor led to took 12% less than the two whole pages with
     * the most anchors, in a smaller dictionary (docs/FRAME-CODEC.md).
     */
    public static final int PIECES_PER_PAGE = 8;
    /** Most similar pages a block takes pieces of, per page of the block. */
    public static final int MAX_PIECED_PER_PAGE = 4;

    private final int pageSize;
    private final int maxPages;
    private final UnsafeBuffer pages;
    private final ByteBuffer pagesBuffer;
    private final byte[][] dictionaries;
    private final ZstdCompressCtx compressCtx = new ZstdCompressCtx();
    private final ZstdCompressCtx dictionaryCompressCtx = new ZstdCompressCtx();
    private final ZstdDecompressCtx decompressCtx = new ZstdDecompressCtx();
    private final ZstdDecompressCtx dictionaryDecompressCtx = new ZstdDecompressCtx();
    private final UnsafeBuffer dictionaryView = new UnsafeBuffer(0, 0);
    private final ByteBuffer pagesView;
    private final UnsafeBuffer bases;
    private final int maxBases;
    private final int pieceSize;
    private int pageCount;
    private int baseCount;
    private int basesLength;
    private int level = Integer.MIN_VALUE;
    private int dictionaryHashLog;
    private int dictionaryWindowLog;
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
        maxBases = Math.multiplyExact(maxPages, 1 + MAX_SIMILAR_PER_PAGE);
        pieceSize = pageSize / PIECES_PER_PAGE;
        dictionaries = new byte[32 - Integer.numberOfLeadingZeros(
            Integer.highestOneBit(maxBases * PIECES_PER_PAGE) << 1)][];
        bases = new UnsafeBuffer(ByteBuffer.allocateDirect(Math.multiplyExact(maxBases, pageSize)));
        for (final ZstdCompressCtx ctx : new ZstdCompressCtx[]{compressCtx, dictionaryCompressCtx})
        {
            ctx.setMagicless(true).setContentSize(false).setChecksum(false).setDictID(false);
        }
        decompressCtx.setMagicless(true);
        dictionaryDecompressCtx.setMagicless(true);
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
            // A dictionary of up to a block of versions before a block of pages: the fast levels' small hash tables
            // lose most matches into it (a 641 MiB JVM's round 1 took 111 MiB, 79 MiB with 2^17 entries).
            dictionaryCompressCtx.setLevel(level);
            // Back to the level's own table: a size set for a lower level would otherwise stick.
            dictionaryCompressCtx.setHashLog(0);
            dictionaryHashLog = 0;
            dictionaryCompressCtx.setWindowLog(0);
            dictionaryWindowLog = 0;
        }
    }

    /** Start a block: no pages, no versions. */
    public void begin()
    {
        pageCount = 0;
        baseCount = 0;
        basesLength = 0;
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
     * Most versions a block's dictionary holds: its pages' own and those of similar pages.
     *
     * @return {@code maxPages() * (1 + MAX_SIMILAR_PER_PAGE)}.
     */
    public int maxBases()
    {
        return maxBases;
    }

    /**
     * Versions given so far for the dictionary, whole or in pieces.
     *
     * @return versions added since {@link #begin()}.
     */
    public int baseCount()
    {
        return baseCount;
    }

    /**
     * Most bytes a dictionary may hold for a block of a number of pages: as many as their own versions and
     * {@link #MAX_SIMILAR_PER_PAGE} whole versions of other pages each.
     *
     * @param pages in the block.
     * @return the bound.
     */
    public int maxDictionaryLength(final int pages)
    {
        return pages * (1 + MAX_SIMILAR_PER_PAGE) * pageSize;
    }

    /**
     * Bytes the dictionary may still take: {@code maxBases()} pages in all.
     *
     * @return room left.
     */
    public int dictionaryRoom()
    {
        return maxBases * pageSize - basesLength;
    }

    /**
     * The dictionary's versions so far, one after another from offset 0, to checksum what was added.
     *
     * @return the buffer holding them.
     */
    public UnsafeBuffer dictionary()
    {
        return bases;
    }

    /**
     * Bytes of the dictionary so far.
     *
     * @return bytes added since {@link #begin()}.
     */
    public int dictionaryLength()
    {
        return basesLength;
    }

    /**
     * Bytes of a page's pieces.
     *
     * @param mask which of its {@link #PIECES_PER_PAGE} pieces, bit i for the piece at i eighths of the page.
     * @return their length.
     */
    public int piecesLength(final int mask)
    {
        return Integer.bitCount(mask & 0xFF) * pieceSize;
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
        addBase(base, baseOffset);
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
        addBase(base, baseOffset);
    }

    /**
     * Give the version held of the next delta or similar page, in entry order; the receiver calls only this, and the
     * sender for a similar page. It is copied; beyond {@link #maxBases()} it is an error.
     *
     * @param base       buffer holding the version.
     * @param baseOffset of that version.
     */
    public void addBase(final DirectBuffer base, final int baseOffset)
    {
        if (dictionaryRoom() < pageSize)
        {
            throw new IllegalStateException("a block's dictionary holds at most " + maxBases + " pages");
        }
        bases.putBytes(basesLength, base, baseOffset, pageSize);
        basesLength += pageSize;
        baseCount++;
    }

    /**
     * Give some pieces of a similar page's version, in entry order, lowest piece first. They are copied; beyond
     * {@link #dictionaryRoom()} it is an error.
     *
     * @param base       buffer holding the version.
     * @param baseOffset of that version.
     * @param mask       which pieces, bit i for the piece at i eighths of the page; not 0.
     */
    public void addPieces(final DirectBuffer base, final int baseOffset, final int mask)
    {
        if (mask <= 0 || mask > 0xFF || dictionaryRoom() < piecesLength(mask))
        {
            throw new IllegalStateException("pieces " + mask + " do not fit in the dictionary's " + dictionaryRoom());
        }
        for (int i = 0; i < PIECES_PER_PAGE; i++)
        {
            if (0 != (mask & (1 << i)))
            {
                bases.putBytes(basesLength, base, baseOffset + i * pieceSize, pieceSize);
                basesLength += pieceSize;
            }
        }
        baseCount++;
    }

    /**
     * Take back the bytes of the dictionary from a length on, to give other versions in their place.
     *
     * @param length of the dictionary to keep, at most {@link #dictionaryLength()}.
     */
    public void truncateDictionary(final int length)
    {
        if (length < 0 || length > basesLength)
        {
            throw new IllegalArgumentException("length " + length + " outside [0, " + basesLength + "]");
        }
        basesLength = length;
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
        final ZstdCompressCtx ctx;
        if (basesLength > 0)
        {
            // The window covers the whole dictionary and the pages: level 1's 512 KiB would lose the first versions
            // of a dictionary that also holds similar pages, as matches may reach only a window back.
            final int windowLog = Math.max(MIN_DICTIONARY_HASH_LOG,
                32 - Integer.numberOfLeadingZeros(DICTIONARY_PREFIX + basesLength + pageCount * pageSize - 1));
            if (windowLog > dictionaryWindowLog)
            {
                dictionaryWindowLog = windowLog;
                dictionaryCompressCtx.setWindowLog(windowLog);
            }
            if (level < DICTIONARY_HASH_LOG_BELOW_LEVEL)
            {
                // Sized to the dictionary and the pages together: a table larger than they need costs its reset on
                // every block, which dominates a block of one page.
                final int hashLog = Math.max(MIN_DICTIONARY_HASH_LOG, Math.min(DICTIONARY_HASH_LOG,
                    32 - Integer.numberOfLeadingZeros(basesLength + pageCount * pageSize - 1) - 2));
                if (hashLog != dictionaryHashLog)
                {
                    dictionaryHashLog = hashLog;
                    dictionaryCompressCtx.setHashLog(hashLog);
                }
            }
            dictionaryCompressCtx.loadDict(fillDictionary());
            ctx = dictionaryCompressCtx;
        }
        else
        {
            ctx = compressCtx;
        }
        return ctx.compressDirectByteBuffer(
            target.byteBuffer(), target.wrapAdjustment() + targetOffset, capacity,
            pagesBuffer, 0, pageCount * pageSize);
    }

    /**
     * Decompress a block that should hold exactly {@code expectedPages} pages, with the versions given by
     * {@link #addBase} as its dictionary.
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
            basesLength > maxDictionaryLength(expectedPages) || payloadLength <= 0 ||
            payloadLength > maxCompressedLength(pageSize, expectedPages))
        {
            return PageCodec.DecodeResult.BAD_LENGTH;
        }
        final ZstdDecompressCtx ctx;
        if (basesLength > 0)
        {
            try
            {
                dictionaryDecompressCtx.loadDict(fillDictionary());
            }
            catch (final ZstdException ex)
            {
                return PageCodec.DecodeResult.CORRUPT_PAYLOAD;
            }
            ctx = dictionaryDecompressCtx;
        }
        else
        {
            ctx = decompressCtx;
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

    private byte[] fillDictionary()
    {
        final int pieces = basesLength / pieceSize;
        final int highest = Integer.highestOneBit(pieces);
        final int slots = highest == pieces ? pieces : highest << 1;
        final int which = Integer.numberOfTrailingZeros(slots);
        byte[] dictionary = dictionaries[which];
        if (null == dictionary)
        {
            dictionary = new byte[DICTIONARY_PREFIX + slots * pieceSize];
            dictionaries[which] = dictionary;
        }
        dictionaryView.wrap(dictionary);
        final int start = DICTIONARY_PREFIX + slots * pieceSize - basesLength;
        dictionaryView.setMemory(0, start, (byte)0);
        dictionaryView.putBytes(start, bases, 0, basesLength);
        return dictionary;
    }

    /** Free the native zstd contexts. Idempotent. */
    @Override
    public void close()
    {
        if (!isClosed)
        {
            isClosed = true;
            compressCtx.close();
            dictionaryCompressCtx.close();
            decompressCtx.close();
            dictionaryDecompressCtx.close();
        }
    }
}
