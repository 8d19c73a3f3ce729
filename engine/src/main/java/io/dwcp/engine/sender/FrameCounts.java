package io.dwcp.engine.sender;

import io.dwcp.codec.PageEncoding;

/**
 * How the pages of the frame a {@link PageFrameWriter} built went, by kind, for the counters and statistics that
 * publishing the frame updates. A page counts once as zero, raw, compressed (alone or in the block), unchanged or
 * delta (runs or in the block against its held version), or duplicate; pages in the block and pages compressed
 * with a trained dictionary are counted again on their own.
 * <p>
 * Not thread safe: owned by one frame writer.
 */
final class FrameCounts
{
    private int zeroPages;
    private int rawPages;
    private int compressedPages;
    private int unchangedPages;
    private int deltaPages;
    private int dictionaryPages;
    private int blockPages;
    private int referencePages;
    private int similarBases;
    private int streamedBlocks;
    private int streamRestarts;

    /**
     * Count pages whose pieces went into the frame's block dictionary.
     *
     * @param count how many the frame's {@code SIMILAR_PIECES} entry lists.
     */
    void addSimilarBases(final int count)
    {
        similarBases += count;
    }

    /**
     * Count the frame's block as streamed.
     *
     * @param isRestart true when it starts its stripe's stream anew.
     */
    void onStreamed(final boolean isRestart)
    {
        streamedBlocks++;
        if (isRestart)
        {
            streamRestarts++;
        }
    }

    /** Start a frame. */
    void reset()
    {
        zeroPages = 0;
        rawPages = 0;
        compressedPages = 0;
        unchangedPages = 0;
        deltaPages = 0;
        dictionaryPages = 0;
        blockPages = 0;
        referencePages = 0;
        similarBases = 0;
        streamedBlocks = 0;
        streamRestarts = 0;
    }

    /**
     * Count a page entered in the frame.
     *
     * @param encoding how it goes.
     */
    void add(final PageEncoding encoding)
    {
        switch (encoding)
        {
            case ZERO -> zeroPages++;
            case RAW -> rawPages++;
            case UNCHANGED -> unchangedPages++;
            case DELTA_XBZRLE, DELTA_XBZRLE_ZSTD, DELTA_ZSTD -> deltaPages++;
            case BLOCK ->
            {
                compressedPages++;
                blockPages++;
            }
            case BLOCK_DELTA ->
            {
                deltaPages++;
                blockPages++;
            }
            case REFERENCE -> referencePages++;
            case SIMILAR_BASE, SIMILAR_PIECES, STREAM ->
            {
                // Not a page: its similar pages are counted by addSimilarBases, a streamed block by onStreamed.
            }
            case ZSTD_DICT ->
            {
                compressedPages++;
                dictionaryPages++;
            }
            default -> compressedPages++;
        }
    }

    int zeroPages()
    {
        return zeroPages;
    }

    int rawPages()
    {
        return rawPages;
    }

    int compressedPages()
    {
        return compressedPages;
    }

    int unchangedPages()
    {
        return unchangedPages;
    }

    int deltaPages()
    {
        return deltaPages;
    }

    int dictionaryPages()
    {
        return dictionaryPages;
    }

    int blockPages()
    {
        return blockPages;
    }

    int referencePages()
    {
        return referencePages;
    }

    int similarBases()
    {
        return similarBases;
    }

    int streamedBlocks()
    {
        return streamedBlocks;
    }

    int streamRestarts()
    {
        return streamRestarts;
    }
}
