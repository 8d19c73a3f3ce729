package io.dwcp.engine.sender;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;
import com.github.luben.zstd.ZstdException;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;

/**
 * Compresses pages for a {@link BaselineStore} that keeps its baselines compressed, and expands them again to encode
 * against. One per sender agent, shared by its transfers' stores, and closed with the agent.
 * <p>
 * Not thread safe.
 */
final class BaselineCompressor implements AutoCloseable
{
    /** zstd level for stored baselines: the fast end, as every page sent is compressed once more to be stored. */
    static final int LEVEL = 1;

    private final int pageSize;
    private final ZstdCompressCtx compressCtx = new ZstdCompressCtx();
    private final ZstdDecompressCtx decompressCtx = new ZstdDecompressCtx();
    private final UnsafeBuffer packed;
    private final UnsafeBuffer page;
    private boolean isClosed;

    /**
     * Create a compressor for one page size.
     *
     * @param pageSize bytes per page.
     */
    BaselineCompressor(final int pageSize)
    {
        this.pageSize = pageSize;
        packed = new UnsafeBuffer(ByteBuffer.allocateDirect((int)Zstd.compressBound(pageSize)));
        page = new UnsafeBuffer(ByteBuffer.allocateDirect(pageSize));
        compressCtx.setLevel(LEVEL).setMagicless(true).setContentSize(false).setChecksum(false).setDictID(false);
        decompressCtx.setMagicless(true);
    }

    /**
     * Compress a page into {@link #packed()}.
     *
     * @param source       buffer holding the page, wrapping a direct or mapped buffer.
     * @param sourceOffset of the page.
     * @return the compressed length; at least {@code pageSize} means store the page as it is.
     */
    int compress(final DirectBuffer source, final int sourceOffset)
    {
        return compressCtx.compressDirectByteBuffer(
            packed.byteBuffer(), packed.wrapAdjustment(), packed.capacity(),
            source.byteBuffer(), source.wrapAdjustment() + sourceOffset, pageSize);
    }

    /**
     * Expand the compressed bytes gathered in {@link #packed()} into {@link #page()}.
     *
     * @param length of the compressed bytes.
     * @return true if they expanded to exactly one page.
     */
    boolean expand(final int length)
    {
        try
        {
            return pageSize == decompressCtx.decompressDirectByteBuffer(
                page.byteBuffer(), page.wrapAdjustment(), pageSize, packed.byteBuffer(), packed.wrapAdjustment(),
                length);
        }
        catch (final ZstdException ex)
        {
            return false;
        }
    }

    /**
     * Scratch for compressed bytes: the output of {@link #compress}, the input of {@link #expand}.
     *
     * @return the buffer.
     */
    UnsafeBuffer packed()
    {
        return packed;
    }

    /**
     * The page last expanded.
     *
     * @return the buffer, the page at offset 0.
     */
    UnsafeBuffer page()
    {
        return page;
    }

    /** Free the native contexts. Idempotent. */
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
