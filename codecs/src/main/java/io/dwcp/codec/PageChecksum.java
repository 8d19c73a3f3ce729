package io.dwcp.codec;

import org.agrona.DirectBuffer;
import org.agrona.checksum.Crc32c;

/**
 * CRC32C of pages held in off-heap buffers, computed with the JDK's intrinsic through Agrona.
 */
public final class PageChecksum
{
    private PageChecksum()
    {
    }

    /**
     * CRC32C of a range of a direct or mapped buffer.
     *
     * @param buffer off-heap buffer holding the bytes.
     * @param offset of the first byte in the buffer.
     * @param length number of bytes.
     * @return the CRC32C.
     */
    public static int crc32c(final DirectBuffer buffer, final int offset, final int length)
    {
        buffer.boundsCheck(offset, length);
        return Crc32c.INSTANCE.compute(buffer.addressOffset(), offset, length);
    }

    /**
     * CRC32C of a page of zeros, the value every page of a fresh destination has.
     *
     * @param pageSize in bytes.
     * @return the CRC32C of {@code pageSize} zero bytes.
     */
    public static int zeroPageCrc32c(final int pageSize)
    {
        final java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(new byte[pageSize]);
        return (int)crc.getValue();
    }
}
