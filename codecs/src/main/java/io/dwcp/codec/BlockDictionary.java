package io.dwcp.codec;

import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;
import com.github.luben.zstd.ZstdException;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;

/**
 * The raw-content zstd dictionary of one {@link BlockCodec} block, and the two zstd contexts that use it.
 * <p>
 * It holds the versions the receiver holds of the block's delta pages, in entry order, then pieces of the versions of
 * similar pages (data the guest moved from one page to another, as a collector does), so zstd finds what did not
 * change, and what moved, as matches into it. The receiver builds the same dictionary from its own copies; a copy
 * that is not the version expected decodes wrong and fails the CRC of the page, which is then asked for again.
 * Loaded, it is laid out in a buffer of a power of two pieces plus an 8-byte zero prefix, with the versions at its
 * end, so it never starts with zstd's dictionary magic and the few buffer sizes it takes are allocated once each.
 * <p>
 * Not thread safe: owned by its block codec.
 */
public final class BlockDictionary implements AutoCloseable
{
    /**
     * Most versions of other pages a block's dictionary may hold per page of the block, besides the pages' own:
     * pages found similar by content. Two: four gave a JVM's rounds 1-3 1.21 of patch-from instead of 1.27 at level 3
     * and took a third more time at level 1, and a live QEMU migration at 1 Gbit/s, whose link-aware level reaches 3,
     * took 2.2 s instead of 1.7 s.
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
    /** Bytes before the versions in a loaded dictionary: zeros, so it never reads as a zstd dictionary header. */
    static final int PREFIX = 8;
    /** Largest hash table of the compressing context, in log2 entries, for a full block and its versions. */
    static final int HASH_LOG = 18;
    /** Smallest hash table of the compressing context. */
    static final int MIN_HASH_LOG = 10;
    /** Levels from this one up have hash tables at least that large of their own. */
    static final int HASH_LOG_BELOW_LEVEL = 5;

    private final int pageSize;
    private final int pieceSize;
    private final int maxVersions;
    private final UnsafeBuffer versions;
    private final byte[][] loaded;
    private final UnsafeBuffer loadedView = new UnsafeBuffer(0, 0);
    private final ZstdCompressCtx compressCtx = new ZstdCompressCtx();
    private final ZstdDecompressCtx decompressCtx = new ZstdDecompressCtx();
    private int count;
    private int length;
    private int level = Integer.MIN_VALUE;
    private int hashLog;
    private int windowLog;
    private boolean isClosed;

    BlockDictionary(final int pageSize, final int maxPages)
    {
        this.pageSize = pageSize;
        pieceSize = pageSize / PIECES_PER_PAGE;
        maxVersions = Math.multiplyExact(maxPages, 1 + MAX_SIMILAR_PER_PAGE);
        versions = new UnsafeBuffer(ByteBuffer.allocateDirect(Math.multiplyExact(maxVersions, pageSize)));
        loaded = new byte[32 - Integer.numberOfLeadingZeros(
            Integer.highestOneBit(maxVersions * PIECES_PER_PAGE) << 1)][];
        compressCtx.setMagicless(true).setContentSize(false).setChecksum(false).setDictID(false);
        decompressCtx.setMagicless(true);
    }

    /** Empty it, for the next block. */
    void clear()
    {
        count = 0;
        length = 0;
    }

    /**
     * Versions given so far, whole or in pieces.
     *
     * @return versions added since the block began.
     */
    public int count()
    {
        return count;
    }

    /**
     * Most whole versions it holds: the block's pages' own and those of similar pages.
     *
     * @return {@code maxPages * (1 + MAX_SIMILAR_PER_PAGE)}.
     */
    public int maxVersions()
    {
        return maxVersions;
    }

    /**
     * Most bytes it may hold for a block of a number of pages: as many as their own versions and
     * {@link #MAX_SIMILAR_PER_PAGE} whole versions of other pages each.
     *
     * @param pages in the block.
     * @return the bound.
     */
    public int maxLength(final int pages)
    {
        return pages * (1 + MAX_SIMILAR_PER_PAGE) * pageSize;
    }

    /**
     * Bytes it may still take: {@link #maxVersions()} pages in all.
     *
     * @return room left.
     */
    public int room()
    {
        return maxVersions * pageSize - length;
    }

    /**
     * The versions so far, one after another from offset 0, to checksum what was added.
     *
     * @return the buffer holding them.
     */
    public UnsafeBuffer versions()
    {
        return versions;
    }

    /**
     * Bytes so far.
     *
     * @return bytes added since the block began.
     */
    public int length()
    {
        return length;
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
     * Give the version held of the next delta or similar page, in entry order: the receiver gives its delta pages'
     * versions this way, a sender through {@link BlockCodec#commitDeltaPage} or {@link BlockCodec#addDeltaPage}. It
     * is copied; beyond {@link #maxVersions()} it is an error.
     *
     * @param base       buffer holding the version.
     * @param baseOffset of that version.
     */
    public void addVersion(final DirectBuffer base, final int baseOffset)
    {
        if (room() < pageSize)
        {
            throw new IllegalStateException("a block's dictionary holds at most " + maxVersions + " pages");
        }
        versions.putBytes(length, base, baseOffset, pageSize);
        length += pageSize;
        count++;
    }

    /**
     * Give some pieces of a similar page's version, in entry order, lowest piece first. They are copied; beyond
     * {@link #room()} it is an error.
     *
     * @param base       buffer holding the version.
     * @param baseOffset of that version.
     * @param mask       which pieces, bit i for the piece at i eighths of the page; not 0.
     */
    public void addPieces(final DirectBuffer base, final int baseOffset, final int mask)
    {
        if (mask <= 0 || mask > 0xFF || room() < piecesLength(mask))
        {
            throw new IllegalStateException("pieces " + mask + " do not fit in the dictionary's " + room());
        }
        for (int i = 0; i < PIECES_PER_PAGE; i++)
        {
            if (0 != (mask & (1 << i)))
            {
                versions.putBytes(length, base, baseOffset + i * pieceSize, pieceSize);
                length += pieceSize;
            }
        }
        count++;
    }

    /**
     * Take back the bytes from a length on, to give other versions in their place.
     *
     * @param length to keep, at most {@link #length()}.
     */
    public void truncate(final int length)
    {
        if (length < 0 || length > this.length)
        {
            throw new IllegalArgumentException("length " + length + " outside [0, " + this.length + "]");
        }
        this.length = length;
    }

    /** The zstd level of the blocks to come; costs nothing when it is the same. */
    void level(final int level)
    {
        if (level != this.level)
        {
            this.level = level;
            // A dictionary of up to a block of versions before a block of pages: the fast levels' small hash tables
            // lose most matches into it (a 641 MiB JVM's round 1 took 111 MiB, 79 MiB with 2^17 entries).
            compressCtx.setLevel(level);
            // Back to the level's own table: a size set for a lower level would otherwise stick.
            compressCtx.setHashLog(0);
            hashLog = 0;
            compressCtx.setWindowLog(0);
            windowLog = 0;
        }
    }

    /**
     * The compressing context with this dictionary loaded, its window and table sized for it and the pages after it.
     *
     * @param pagesLength bytes of the block's pages.
     * @return the context.
     */
    ZstdCompressCtx compressContext(final int pagesLength)
    {
        // The window covers the whole dictionary and the pages: level 1's 512 KiB would lose the first versions of
        // a dictionary that also holds similar pages, as matches may reach only a window back.
        final int neededWindowLog = Math.max(MIN_HASH_LOG,
            32 - Integer.numberOfLeadingZeros(PREFIX + length + pagesLength - 1));
        if (neededWindowLog > windowLog)
        {
            windowLog = neededWindowLog;
            compressCtx.setWindowLog(neededWindowLog);
        }
        if (level < HASH_LOG_BELOW_LEVEL)
        {
            // Sized to the dictionary and the pages together: a table larger than they need costs its reset on every
            // block, which dominates a block of one page.
            final int neededHashLog = Math.max(MIN_HASH_LOG, Math.min(HASH_LOG,
                32 - Integer.numberOfLeadingZeros(length + pagesLength - 1) - 2));
            if (neededHashLog != hashLog)
            {
                hashLog = neededHashLog;
                compressCtx.setHashLog(neededHashLog);
            }
        }
        compressCtx.loadDict(load());
        return compressCtx;
    }

    /**
     * The decompressing context with this dictionary loaded.
     *
     * @return the context, or null when zstd refused the dictionary.
     */
    ZstdDecompressCtx decompressContext()
    {
        try
        {
            decompressCtx.loadDict(load());
        }
        catch (final ZstdException ex)
        {
            return null;
        }
        return decompressCtx;
    }

    private byte[] load()
    {
        final int pieces = length / pieceSize;
        final int highest = Integer.highestOneBit(pieces);
        final int slots = highest == pieces ? pieces : highest << 1;
        final int which = Integer.numberOfTrailingZeros(slots);
        byte[] dictionary = loaded[which];
        if (null == dictionary)
        {
            dictionary = new byte[PREFIX + slots * pieceSize];
            loaded[which] = dictionary;
        }
        loadedView.wrap(dictionary);
        final int start = PREFIX + slots * pieceSize - length;
        loadedView.setMemory(0, start, (byte)0);
        loadedView.putBytes(start, versions, 0, length);
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
            decompressCtx.close();
        }
    }
}
