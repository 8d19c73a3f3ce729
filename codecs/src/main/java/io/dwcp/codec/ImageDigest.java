package io.dwcp.codec;

import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.util.zip.CRC32;

/**
 * The digest two engines compare at the end of a transfer: computed over the CRC32C of every page in page order,
 * so each side can build it page by page. The high 32 bits are a CRC32C and the low 32 bits a CRC32 (a different
 * polynomial) of the same table, which makes an accidental match of two different images far less likely than a
 * single 32-bit checksum would.
 */
public final class ImageDigest
{
    private ImageDigest()
    {
    }

    /**
     * Digest of a table of page checksums.
     *
     * @param pageCrcs  table of {@code pageCount} little-endian int CRC32C values, over a direct buffer.
     * @param pageCount pages in the image.
     * @return the 64-bit digest.
     */
    public static long of(final UnsafeBuffer pageCrcs, final long pageCount)
    {
        final int length = Math.toIntExact(pageCount * Integer.BYTES);
        final int crc32c = PageChecksum.crc32c(pageCrcs, 0, length);
        final ByteBuffer table = pageCrcs.byteBuffer().duplicate();
        table.limit(pageCrcs.wrapAdjustment() + length).position(pageCrcs.wrapAdjustment());
        final CRC32 crc32 = new CRC32();
        crc32.update(table);
        return ((long)crc32c << 32) | (crc32.getValue() & 0xFFFF_FFFFL);
    }
}
