package io.dwcp.engine.config;

import java.util.concurrent.TimeUnit;

/**
 * Defaults of the sender's codec settings (the zstd level, the frame codec's blocks, the baseline store, trained
 * dictionaries, the duplicate index, HDE on or off), each with the system property that overrides it; the other
 * settings are in {@link EngineConfiguration}.
 */
public final class CodecConfiguration
{
    /** zstd level used when a transfer does not name one. */
    public static final String COMPRESSION_LEVEL_PROP_NAME = "dwcp.compression.level";
    /** Default zstd level: level 1 keeps the codec ahead of a loopback link on one core. */
    public static final int COMPRESSION_LEVEL_DEFAULT = 1;

    /** Bytes of page copies the sender keeps per transfer to send deltas against (QEMU's XBZRLE cache is 64 MiB). */
    public static final String BASELINE_BUDGET_PROP_NAME = "dwcp.baseline.budget.bytes";
    /** Default baseline budget: 1 GiB, the whole of a guest up to that size. On real memory most pages a round sends
     * changed in the round before too, so deltas pay only when the store holds the previous version of nearly every
     * page: with 64 MiB, rounds 1-3 of a 641 MiB JVM sent 1.7 times the bytes they send with the whole image
     * (docs/REAL-MEMORY.md). A transfer allocates no more than its image needs. */
    public static final long BASELINE_BUDGET_DEFAULT = 1024L * 1024 * 1024;

    /** Age after which a baseline is refreshed by sending the page in full (the seeds' baseline_interval). */
    public static final String BASELINE_REFRESH_INTERVAL_PROP_NAME = "dwcp.baseline.refresh.interval.ms";
    /** Default refresh interval: the seeds' default of 5 minutes. */
    public static final long BASELINE_REFRESH_INTERVAL_DEFAULT_MS = 300_000;

    /** Keep baselines zstd-compressed, so the budget covers about three times as many pages of typical memory, for
     * one more compression per page sent and one decompression per base used. */
    public static final String BASELINE_COMPRESSED_PROP_NAME = "dwcp.baseline.compressed";
    /** Default: baselines kept as they are. */
    public static final boolean BASELINE_COMPRESSED_DEFAULT = false;

    /** Most deltas in a row against successive baselines before a page is sent in full. */
    public static final String BASELINE_MAX_DELTA_CHAIN_PROP_NAME = "dwcp.baseline.max.delta.chain";
    /** Default maximum delta chain. */
    public static final int BASELINE_MAX_DELTA_CHAIN_DEFAULT = 16;

    /** Size of a zstd dictionary trained on each transfer's own pages; 0 trains none (the default: it did not pay on
     * the generated images, see docs/RATIOS.md). */
    public static final String DICTIONARY_BYTES_PROP_NAME = "dwcp.dictionary.bytes";
    /** Default dictionary size: none. */
    public static final int DICTIONARY_BYTES_DEFAULT = 0;

    /** Pages sampled, evenly through the image, to train a dictionary. */
    public static final String DICTIONARY_SAMPLE_PAGES_PROP_NAME = "dwcp.dictionary.sample.pages";
    /** Default sample. */
    public static final int DICTIONARY_SAMPLE_PAGES_DEFAULT = 1024;

    /** Pages compressed together as one zstd block per frame (the frame codec); 0 compresses each page alone. Real
     * memory takes a fifth fewer bytes, at twice the speed, in blocks of 64 than page by page: docs/FRAME-CODEC.md. */
    public static final String BLOCK_PAGES_PROP_NAME = "dwcp.block.pages";
    /** Default pages per block. */
    public static final int BLOCK_PAGES_DEFAULT = 64;
    /** Most pages in one block, which the receiver decodes into scratch of this many pages. */
    public static final int MAX_BLOCK_PAGES = 256;
    /** Most bytes of pages in one block: fewer, larger pages go in a block. */
    public static final int MAX_BLOCK_BYTES = 1024 * 1024;

    /** Bytes of the sender's off-heap index of page contents, by which a page equal to one the receiver holds goes
     * as a reference to it; 0 finds no duplicates. */
    public static final String DUPLICATE_INDEX_BYTES_PROP_NAME = "dwcp.duplicate.index.bytes";
    /** Default index size: 4 MiB, 174762 pages' worth. */
    public static final int DUPLICATE_INDEX_BYTES_DEFAULT = 4 * 1024 * 1024;

    /** Bytes of the sender's off-heap index of page anchors, by which a page whose data came from another page
     * the receiver holds gets that page's version into its block's dictionary; 0 finds no similar pages. */
    public static final String SIMILAR_INDEX_BYTES_PROP_NAME = "dwcp.similar.index.bytes";
    /** Default index size: 64 MiB, four million anchors, about all a 640 MiB JVM has at sixteen a page; with 16 MiB a
     * JVM's rounds 1-3 took 1.33 of patch-from, 1.14 with 64 MiB, 1.11 with 128 MiB (docs/FRAME-CODEC.md). */
    public static final int SIMILAR_INDEX_BYTES_DEFAULT = 64 * 1024 * 1024;

    /** Lowest zstd level at which a page sent whole, not only a delta page, gets the versions of the pages most
     * like it that the receiver holds into its block's dictionary: fewer bytes for more CPU, which pays where the
     * link, not the codec, is the limit (the link-aware selector takes level 3 and above only there). */
    public static final String SIMILAR_WHOLE_LEVEL_PROP_NAME = "dwcp.similar.whole.level";
    /** Default: level 3 (measured on real memory: docs/FRAME-CODEC.md). */
    public static final int SIMILAR_WHOLE_LEVEL_DEFAULT = 3;

    /** Lowest zstd level at which a frame's block without a dictionary goes through its stripe's zstd stream, where
     * it finds matches in the blocks streamed before it, rather than as a zstd frame of its own; a level above 22
     * streams none. */
    public static final String STREAM_LEVEL_PROP_NAME = "dwcp.stream.level";
    /** Default: level 6, where zstd's lazy search starts to use the window a stream gives (docs/FRAME-CODEC.md). */
    public static final int STREAM_LEVEL_DEFAULT = 6;

    /** Compression and deltas (HDE) on; false sends every page raw, the seeds' backward-compatibility mode. */
    public static final String HDE_ENABLED_PROP_NAME = "dwcp.hde.enabled";
    /** Default: on. */
    public static final boolean HDE_ENABLED_DEFAULT = true;

    /**
     * Default zstd level.
     *
     * @return the value of {@link #COMPRESSION_LEVEL_PROP_NAME} or its default.
     */
    public static int compressionLevel()
    {
        return Integer.getInteger(COMPRESSION_LEVEL_PROP_NAME, COMPRESSION_LEVEL_DEFAULT);
    }

    /**
     * Baseline budget.
     *
     * @return the value of {@link #BASELINE_BUDGET_PROP_NAME} or its default.
     */
    public static long baselineBudgetBytes()
    {
        return Long.getLong(BASELINE_BUDGET_PROP_NAME, BASELINE_BUDGET_DEFAULT);
    }

    /**
     * Are baselines kept compressed?
     *
     * @return the value of {@link #BASELINE_COMPRESSED_PROP_NAME} or its default.
     */
    public static boolean baselineCompressed()
    {
        final String value = System.getProperty(BASELINE_COMPRESSED_PROP_NAME);
        return null == value ? BASELINE_COMPRESSED_DEFAULT : Boolean.parseBoolean(value);
    }

    /**
     * Baseline refresh interval.
     *
     * @return the value of {@link #BASELINE_REFRESH_INTERVAL_PROP_NAME} in nanoseconds.
     */
    public static long baselineRefreshIntervalNs()
    {
        return TimeUnit.MILLISECONDS.toNanos(
            Long.getLong(BASELINE_REFRESH_INTERVAL_PROP_NAME, BASELINE_REFRESH_INTERVAL_DEFAULT_MS));
    }

    /**
     * Maximum delta chain.
     *
     * @return the value of {@link #BASELINE_MAX_DELTA_CHAIN_PROP_NAME} or its default.
     */
    public static int baselineMaxDeltaChain()
    {
        return Integer.getInteger(BASELINE_MAX_DELTA_CHAIN_PROP_NAME, BASELINE_MAX_DELTA_CHAIN_DEFAULT);
    }

    /**
     * Dictionary size.
     *
     * @return the value of {@link #DICTIONARY_BYTES_PROP_NAME} or its default.
     */
    public static int dictionaryBytes()
    {
        return Integer.getInteger(DICTIONARY_BYTES_PROP_NAME, DICTIONARY_BYTES_DEFAULT);
    }

    /**
     * Pages sampled to train a dictionary.
     *
     * @return the value of {@link #DICTIONARY_SAMPLE_PAGES_PROP_NAME} or its default.
     */
    public static int dictionarySamplePages()
    {
        return Integer.getInteger(DICTIONARY_SAMPLE_PAGES_PROP_NAME, DICTIONARY_SAMPLE_PAGES_DEFAULT);
    }

    /**
     * Pages per block of the frame codec.
     *
     * @return the value of {@link #BLOCK_PAGES_PROP_NAME} or its default.
     */
    public static int blockPages()
    {
        return Integer.getInteger(BLOCK_PAGES_PROP_NAME, BLOCK_PAGES_DEFAULT);
    }

    /**
     * Most pages in one block for a page size.
     *
     * @param pageSize bytes per page, valid.
     * @return pages, at least 1.
     */
    public static int maxBlockPages(final int pageSize)
    {
        return Math.max(1, Math.min(MAX_BLOCK_PAGES, MAX_BLOCK_BYTES / pageSize));
    }

    /**
     * Bytes of the duplicate-page index.
     *
     * @return the value of {@link #DUPLICATE_INDEX_BYTES_PROP_NAME} or its default.
     */
    public static int duplicateIndexBytes()
    {
        return Integer.getInteger(DUPLICATE_INDEX_BYTES_PROP_NAME, DUPLICATE_INDEX_BYTES_DEFAULT);
    }

    /**
     * Bytes of the similar-page index.
     *
     * @return the value of {@link #SIMILAR_INDEX_BYTES_PROP_NAME} or its default.
     */
    public static int similarIndexBytes()
    {
        return Integer.getInteger(SIMILAR_INDEX_BYTES_PROP_NAME, SIMILAR_INDEX_BYTES_DEFAULT);
    }

    /**
     * Level from which whole pages look for similar pages.
     *
     * @return the value of {@link #SIMILAR_WHOLE_LEVEL_PROP_NAME} or its default.
     */
    public static int similarWholeLevel()
    {
        return Integer.getInteger(SIMILAR_WHOLE_LEVEL_PROP_NAME, SIMILAR_WHOLE_LEVEL_DEFAULT);
    }

    /**
     * Level from which blocks without a dictionary go through their stripe's stream.
     *
     * @return the value of {@link #STREAM_LEVEL_PROP_NAME} or its default.
     */
    public static int streamLevel()
    {
        return Integer.getInteger(STREAM_LEVEL_PROP_NAME, STREAM_LEVEL_DEFAULT);
    }

    /**
     * Are compression and deltas on?
     *
     * @return the value of {@link #HDE_ENABLED_PROP_NAME} or its default.
     */
    public static boolean hdeEnabled()
    {
        final String value = System.getProperty(HDE_ENABLED_PROP_NAME);
        return null == value ? HDE_ENABLED_DEFAULT : Boolean.parseBoolean(value);
    }

    private CodecConfiguration()
    {
    }
}
