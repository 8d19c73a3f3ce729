package io.dwcp.perf;

import io.dwcp.codec.XorRunLength;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * An XBZRLE-style encoder as QEMU's migration uses it, for comparison: it walks the old and new page together,
 * alternating runs of equal bytes and runs of differing bytes, and ships the new bytes of each differing run
 * (not their XOR). Equal runs are skipped eight bytes at a time once aligned, as QEMU does.
 * <pre>
 *   payload := { zeroRun literalLength newBytes }*   (unsigned LEB128 lengths)
 * </pre>
 */
public final class XbzrleReference
{
    private XbzrleReference()
    {
    }

    /**
     * Encode the difference between two pages.
     *
     * @param oldPage  the version the receiver holds.
     * @param newPage  the current version.
     * @param pageSize bytes per page, a multiple of 8.
     * @param out      for the payload.
     * @param limit    most bytes the payload may take.
     * @return the payload length, or -1 if it would exceed {@code limit} (QEMU then sends the page whole).
     */
    public static int encode(
        final DirectBuffer oldPage, final DirectBuffer newPage, final int pageSize, final MutableDirectBuffer out,
        final int limit)
    {
        int i = 0;
        int d = 0;
        while (i < pageSize)
        {
            final int zeroStart = i;
            while (i < pageSize && (i & 7) != 0 && oldPage.getByte(i) == newPage.getByte(i))
            {
                i++;
            }
            while (i + 8 <= pageSize && oldPage.getLong(i) == newPage.getLong(i))
            {
                i += 8;
            }
            while (i < pageSize && oldPage.getByte(i) == newPage.getByte(i))
            {
                i++;
            }
            if (i == pageSize)
            {
                break;
            }
            final int zeroRun = i - zeroStart;

            final int literalStart = i;
            while (i < pageSize && oldPage.getByte(i) != newPage.getByte(i))
            {
                i++;
            }
            final int literalLength = i - literalStart;
            if (d + 6 + literalLength > limit)
            {
                return -1;
            }
            d = XorRunLength.putVarint(out, d, zeroRun);
            d = XorRunLength.putVarint(out, d, literalLength);
            out.putBytes(d, newPage, literalStart, literalLength);
            d += literalLength;
        }
        return d;
    }
}
