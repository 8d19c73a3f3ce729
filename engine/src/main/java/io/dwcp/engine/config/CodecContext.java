package io.dwcp.engine.config;

/**
 * What the sender's codec is set to: the zstd level, frame sizes, the frame codec's blocks, the baseline store,
 * trained dictionaries, the duplicate index and HDE on or off. Fluent setters return the concrete context;
 * {@link #concludeCodec()} validates them.
 *
 * @param <T> the concrete context.
 */
public abstract class CodecContext<T extends CodecContext<T>> extends EngineContext<T>
{
    /** Most entries an SBE group with a uint16 count can hold (65535 is its null value). */
    public static final int MAX_PAGES_PER_FRAME = 65534;

    /** Largest dictionary a sender trains and a receiver accepts. */
    public static final int MAX_DICTIONARY_BYTES = 1024 * 1024;

    private int compressionLevel = CodecConfiguration.compressionLevel();
    private int maxFrameLength = EngineConfiguration.maxFrameLength();
    private int maxPagesPerFrame = EngineConfiguration.maxPagesPerFrame();
    private long baselineBudgetBytes = CodecConfiguration.baselineBudgetBytes();
    private boolean isBaselineCompressed = CodecConfiguration.baselineCompressed();
    private long baselineRefreshIntervalNs = CodecConfiguration.baselineRefreshIntervalNs();
    private int baselineMaxDeltaChain = CodecConfiguration.baselineMaxDeltaChain();
    private int dictionaryBytes = CodecConfiguration.dictionaryBytes();
    private int dictionarySamplePages = CodecConfiguration.dictionarySamplePages();
    private boolean isHdeEnabled = CodecConfiguration.hdeEnabled();
    private int blockPages = CodecConfiguration.blockPages();
    private int duplicateIndexBytes = CodecConfiguration.duplicateIndexBytes();
    private int similarIndexBytes = CodecConfiguration.similarIndexBytes();
    private int similarWholeLevel = CodecConfiguration.similarWholeLevel();
    private int streamLevel = CodecConfiguration.streamLevel();
    private long roundStartBytes = EngineConfiguration.roundStartBytes();

    CodecContext(final String defaultName)
    {
        super(defaultName);
    }

    /**
     * Check the codec's settings; called from the concrete context's conclude.
     *
     * @throws IllegalStateException naming the setting and its bad value.
     */
    void concludeCodec()
    {
        requirePositive("maxFrameLength", maxFrameLength);
        requirePositive("baselineRefreshIntervalNs", baselineRefreshIntervalNs);
        requirePositive("dictionarySamplePages", dictionarySamplePages);
        requireRange("blockPages", blockPages, 0, CodecConfiguration.MAX_BLOCK_PAGES);
        requireRange("duplicateIndexBytes", duplicateIndexBytes, 0, Integer.MAX_VALUE);
        requireRange("similarIndexBytes", similarIndexBytes, 0, Integer.MAX_VALUE);
        requireRange("dictionaryBytes", dictionaryBytes, 0, MAX_DICTIONARY_BYTES);
        requireRange("baselineBudgetBytes", baselineBudgetBytes, 0, Long.MAX_VALUE);
        requireRange("roundStartBytes", roundStartBytes, 0, Long.MAX_VALUE);
        requireRange("baselineMaxDeltaChain", baselineMaxDeltaChain, 0, Integer.MAX_VALUE);
        requireRange("maxPagesPerFrame", maxPagesPerFrame, 1, MAX_PAGES_PER_FRAME);
        if (dictionaryBytes > 0 && blockPages > 0)
        {
            throw new IllegalStateException("dictionaryBytes=" + dictionaryBytes + " trains a dictionary for pages " +
                "compressed alone: it needs blockPages=0, as frame blocks take their context from their own pages");
        }
    }

    /**
     * @param compressionLevel zstd level for transfers that do not name one.
     * @return this.
     */
    public T compressionLevel(final int compressionLevel)
    {
        this.compressionLevel = compressionLevel;
        return self();
    }

    /** @return zstd level for transfers that do not name one. */
    public int compressionLevel()
    {
        return compressionLevel;
    }

    /**
     * @param maxFrameLength largest page frame in bytes.
     * @return this.
     */
    public T maxFrameLength(final int maxFrameLength)
    {
        this.maxFrameLength = maxFrameLength;
        return self();
    }

    /** @return largest page frame in bytes. */
    public int maxFrameLength()
    {
        return maxFrameLength;
    }

    /**
     * @param maxPagesPerFrame most pages in one frame.
     * @return this.
     */
    public T maxPagesPerFrame(final int maxPagesPerFrame)
    {
        this.maxPagesPerFrame = maxPagesPerFrame;
        return self();
    }

    /** @return most pages in one frame. */
    public int maxPagesPerFrame()
    {
        return maxPagesPerFrame;
    }

    /**
     * @param baselineBudgetBytes bytes of page copies kept per transfer for deltas; 0 disables deltas.
     * @return this.
     */
    public T baselineBudgetBytes(final long baselineBudgetBytes)
    {
        this.baselineBudgetBytes = baselineBudgetBytes;
        return self();
    }

    /** @return bytes of page copies kept per transfer for deltas. */
    public long baselineBudgetBytes()
    {
        return baselineBudgetBytes;
    }

    /**
     * @param isBaselineCompressed keep baselines zstd-compressed, to cover more pages with the same budget.
     * @return this.
     */
    public T baselineCompressed(final boolean isBaselineCompressed)
    {
        this.isBaselineCompressed = isBaselineCompressed;
        return self();
    }

    /** @return whether baselines are kept compressed. */
    public boolean baselineCompressed()
    {
        return isBaselineCompressed;
    }

    /**
     * @param baselineRefreshIntervalNs age after which a baseline is refreshed with a full page.
     * @return this.
     */
    public T baselineRefreshIntervalNs(final long baselineRefreshIntervalNs)
    {
        this.baselineRefreshIntervalNs = baselineRefreshIntervalNs;
        return self();
    }

    /** @return age after which a baseline is refreshed with a full page. */
    public long baselineRefreshIntervalNs()
    {
        return baselineRefreshIntervalNs;
    }

    /**
     * @param baselineMaxDeltaChain most deltas in a row before a full page.
     * @return this.
     */
    public T baselineMaxDeltaChain(final int baselineMaxDeltaChain)
    {
        this.baselineMaxDeltaChain = baselineMaxDeltaChain;
        return self();
    }

    /** @return most deltas in a row before a full page. */
    public int baselineMaxDeltaChain()
    {
        return baselineMaxDeltaChain;
    }

    /**
     * @param dictionaryBytes size of a dictionary trained per transfer; 0 trains none.
     * @return this.
     */
    public T dictionaryBytes(final int dictionaryBytes)
    {
        this.dictionaryBytes = dictionaryBytes;
        return self();
    }

    /** @return size of a dictionary trained per transfer; 0 trains none. */
    public int dictionaryBytes()
    {
        return dictionaryBytes;
    }

    /**
     * @param dictionarySamplePages pages sampled to train a dictionary.
     * @return this.
     */
    public T dictionarySamplePages(final int dictionarySamplePages)
    {
        this.dictionarySamplePages = dictionarySamplePages;
        return self();
    }

    /** @return pages sampled to train a dictionary. */
    public int dictionarySamplePages()
    {
        return dictionarySamplePages;
    }

    /**
     * @param blockPages pages compressed together as one zstd block per frame; 0 compresses each page alone.
     * @return this.
     */
    public T blockPages(final int blockPages)
    {
        this.blockPages = blockPages;
        return self();
    }

    /** @return pages compressed together per frame, or 0 for each page alone. */
    public int blockPages()
    {
        return blockPages;
    }

    /**
     * @param duplicateIndexBytes bytes of the index that finds pages equal to ones the receiver holds; 0 for none.
     * @return this.
     */
    public T duplicateIndexBytes(final int duplicateIndexBytes)
    {
        this.duplicateIndexBytes = duplicateIndexBytes;
        return self();
    }

    /** @return bytes of the duplicate-page index. */
    public int duplicateIndexBytes()
    {
        return duplicateIndexBytes;
    }

    /**
     * @param similarIndexBytes bytes of the index that finds pages whose data another page the receiver holds
     *                          has; 0 for none.
     * @return this.
     */
    public T similarIndexBytes(final int similarIndexBytes)
    {
        this.similarIndexBytes = similarIndexBytes;
        return self();
    }

    /** @return bytes of the similar-page index. */
    public int similarIndexBytes()
    {
        return similarIndexBytes;
    }

    /**
     * @param similarWholeLevel lowest zstd level at which pages sent whole look for similar pages too;
     *                          {@link Integer#MAX_VALUE} for delta pages only.
     * @return this.
     */
    public T similarWholeLevel(final int similarWholeLevel)
    {
        this.similarWholeLevel = similarWholeLevel;
        return self();
    }

    /** @return lowest zstd level at which pages sent whole look for similar pages. */
    public int similarWholeLevel()
    {
        return similarWholeLevel;
    }

    /**
     * @param streamLevel lowest zstd level at which a block without a dictionary goes through its stripe's zstd
     *                    stream; {@link Integer#MAX_VALUE} streams none.
     * @return this.
     */
    public T streamLevel(final int streamLevel)
    {
        this.streamLevel = streamLevel;
        return self();
    }

    /** @return lowest zstd level at which a block without a dictionary goes through its stripe's zstd stream. */
    public int streamLevel()
    {
        return streamLevel;
    }

    /**
     * @param roundStartBytes bytes per transfer of the versions pages had when a round started, kept for the pages
     *                        the round has sent again so that similar pages may still name them; 0 keeps none.
     * @return this.
     */
    public T roundStartBytes(final long roundStartBytes)
    {
        this.roundStartBytes = roundStartBytes;
        return self();
    }

    /** @return bytes per transfer of round-start versions. */
    public long roundStartBytes()
    {
        return roundStartBytes;
    }

    /**
     * @param isHdeEnabled false sends every page raw: no zero pages, compression or deltas.
     * @return this.
     */
    public T hdeEnabled(final boolean isHdeEnabled)
    {
        this.isHdeEnabled = isHdeEnabled;
        return self();
    }

    /** @return false when every page goes raw. */
    public boolean hdeEnabled()
    {
        return isHdeEnabled;
    }
}
