package io.dwcp.codec;

import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;

/**
 * The zstd dictionary contexts of a {@link PageCodec}: the one it compresses full pages with
 * ({@code ZSTD_DICT}) once the receiver holds the dictionary, and the one it accepts such pages with. Either may be
 * absent. Loading a dictionary allocates a native context; using one allocates nothing.
 * <p>
 * Not thread safe: used only through the {@link PageCodec} that made it, on that codec's agent.
 */
final class PageDictionaries
{
    private ZstdCompressCtx compressCtx;
    private ZstdDecompressCtx decompressCtx;

    /**
     * Compress with this dictionary from now on, replacing any before it.
     *
     * @param dictionary       trained on the transfer's pages.
     * @param compressionLevel zstd level to compress at.
     */
    void compressWith(final byte[] dictionary, final int compressionLevel)
    {
        dropCompression();
        compressCtx = new ZstdCompressCtx()
            .setMagicless(true).setContentSize(false).setChecksum(false).setDictID(false).setLevel(compressionLevel);
        compressCtx.loadDict(dictionary);
    }

    /**
     * Accept pages compressed with this dictionary, replacing any before it.
     *
     * @param dictionary as received and checked.
     */
    void decompressWith(final byte[] dictionary)
    {
        if (null != decompressCtx)
        {
            decompressCtx.close();
        }
        decompressCtx = new ZstdDecompressCtx().setMagicless(true);
        decompressCtx.loadDict(dictionary);
    }

    /** Stop compressing with a dictionary and free its context. */
    void dropCompression()
    {
        if (null != compressCtx)
        {
            compressCtx.close();
            compressCtx = null;
        }
    }

    /**
     * Change the level of the dictionary compression, if there is one.
     *
     * @param level already checked by the codec.
     */
    void compressionLevel(final int level)
    {
        if (null != compressCtx)
        {
            compressCtx.setLevel(level);
        }
    }

    /**
     * Context to compress with the dictionary.
     *
     * @return the context, or null if the codec does not compress with a dictionary.
     */
    ZstdCompressCtx compressCtx()
    {
        return compressCtx;
    }

    /**
     * Context to decompress with the dictionary.
     *
     * @return the context, or null if no dictionary was accepted.
     */
    ZstdDecompressCtx decompressCtx()
    {
        return decompressCtx;
    }

    /** Free both native contexts. Called once, by {@link PageCodec#close()}. */
    void close()
    {
        dropCompression();
        if (null != decompressCtx)
        {
            decompressCtx.close();
        }
    }
}
