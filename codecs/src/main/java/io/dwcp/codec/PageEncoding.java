package io.dwcp.codec;

/**
 * How a page frame's entry is encoded: the low 4 bits of its header in the frame's {@link FrameTable}. Until wire
 * schema 8 it was an SBE enum of the frame's group of page entries; since the entries are packed, no SBE message
 * carries it, and it is defined here.
 */
public enum PageEncoding
{
    /** All-zero page; no payload. */
    ZERO(0),
    /** The page as it is. */
    RAW(1),
    /** The page compressed by zstd. */
    ZSTD(2),
    /** Same as the version the receiver holds; no payload. */
    UNCHANGED(3),
    /** Against the held version, QEMU's XBZRLE: unchanged runs skipped, changed runs as their new bytes. */
    DELTA_XBZRLE(4),
    /** XOR with the held version, compressed by zstd. */
    DELTA_ZSTD(5),
    /** The page compressed by zstd with the transfer's dictionary. */
    ZSTD_DICT(6),
    /** A {@link #DELTA_XBZRLE} payload compressed by zstd. */
    DELTA_XBZRLE_ZSTD(7),
    /** In the frame's block; no payload of its own (wire schema 3). */
    BLOCK(8),
    /** In the frame's block, whose dictionary holds the version the receiver holds; no payload of its own. */
    BLOCK_DELTA(9),
    /** Same as another page the receiver holds: the payload is that page's number, int64. */
    REFERENCE(10),
    /**
     * Not sent since wire schema 8, where {@link #SIMILAR_PIECES} took its place; a receiver rejects it as an unknown
     * encoding. Was: the version the receiver holds of this page joins the block's dictionary; no payload.
     */
    SIMILAR_BASE(11),
    /**
     * Not a page to apply: pieces (eighths) of versions the receiver holds of pages the block's pages resemble,
     * joining the block's dictionary at its place in entry order. Payload, little-endian: per page in ascending
     * order, the difference from the page before (the first from 0) as an unsigned LEB128 varint, a byte of pieces
     * (bit i for the i-th eighth, not 0), and the low 16 bits of the CRC32C of those pieces one after another,
     * uint16 (the whole CRC32C, int32, in wire schema 8). The entry's page number is how many pages it lists, its
     * CRC32C that of the payload.
     */
    SIMILAR_PIECES(12),
    /**
     * Not a page (wire schema 10): the frame's block went through the stripe's zstd stream ({@link BlockStream}),
     * not as a zstd frame of its own, so it may refer to the blocks streamed before it. The entry's page number is
     * the block's position in the stream, 0 for one that starts it anew; its CRC32C is 0; no payload. The frame's
     * last entry, in a frame without {@link #BLOCK_DELTA} or {@link #SIMILAR_PIECES} entries: a streamed block has no
     * dictionary.
     */
    STREAM(13),
    /** A value no encoding has (14 and 15 so far), as read from a peer. */
    UNKNOWN(-1);

    private static final PageEncoding[] BY_VALUE = new PageEncoding[FrameTable.MAX_ENCODING + 1];

    static
    {
        for (final PageEncoding encoding : values())
        {
            if (encoding.value >= 0)
            {
                BY_VALUE[encoding.value] = encoding;
            }
        }
    }

    private final short value;

    PageEncoding(final int value)
    {
        this.value = (short)value;
    }

    /**
     * The value a frame's entry carries.
     *
     * @return 0 to {@link FrameTable#MAX_ENCODING}, or -1 for {@link #UNKNOWN}.
     */
    public short value()
    {
        return value;
    }

    /**
     * The encoding of a value.
     *
     * @param value as a frame's entry carries it.
     * @return the encoding, or {@link #UNKNOWN}.
     */
    public static PageEncoding get(final int value)
    {
        final PageEncoding encoding = value >= 0 && value < BY_VALUE.length ? BY_VALUE[value] : null;
        return null == encoding ? UNKNOWN : encoding;
    }
}
