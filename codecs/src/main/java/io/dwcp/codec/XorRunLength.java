package io.dwcp.codec;

import org.agrona.DirectBuffer;
import org.agrona.UnsafeApi;
import org.agrona.MutableDirectBuffer;

/**
 * The XBZRLE-style encoding of a page's XOR with its previous version: alternating zero runs and literals.
 * <pre>
 *   payload := { zeroRun literalLength literalBytes }*
 *   zeroRun, literalLength := unsigned LEB128 varints
 * </pre>
 * Zero bytes after the last literal are implied. Runs are found a 64-bit word at a time and trimmed to the byte at
 * their edges, so encoding costs about one pass over the page.
 * <p>
 * Stateless and allocation-free.
 */
public final class XorRunLength
{
    private XorRunLength()
    {
    }

    /**
     * XOR two pages into a third and report whether the result is all zero.
     *
     * @param a        first page.
     * @param aOffset  of the first page.
     * @param b        second page.
     * @param bOffset  of the second page.
     * @param out      for the XOR.
     * @param pageSize bytes per page, a multiple of 8.
     * @return true when the pages are equal.
     */
    public static boolean xor(
        final DirectBuffer a, final int aOffset, final DirectBuffer b, final int bOffset, final MutableDirectBuffer out,
        final int pageSize)
    {
        long any = 0;
        for (int i = 0; i < pageSize; i += 8)
        {
            final long x = a.getLong(aOffset + i) ^ b.getLong(bOffset + i);
            out.putLong(i, x);
            any |= x;
        }
        return 0 == any;
    }

    /**
     * Encode an XOR page as zero runs and literals.
     *
     * @param xor          the XOR page, at offset 0.
     * @param pageSize     bytes per page, a multiple of 8.
     * @param target       for the payload.
     * @param targetOffset where the payload starts.
     * @param limit        most bytes the payload may take.
     * @return the payload length, or -1 when it would exceed {@code limit}.
     */
    public static int encode(
        final DirectBuffer xor, final int pageSize, final MutableDirectBuffer target, final int targetOffset,
        final int limit)
    {
        int out = targetOffset;
        final int end = targetOffset + limit;
        int previousEnd = 0;
        int word = 0;
        while (word < pageSize)
        {
            long value = xor.getLong(word);
            if (0 == value)
            {
                word += 8;
                continue;
            }

            // A literal: a run of non-zero words, trimmed to its first and last non-zero byte.
            final int start = word + (Long.numberOfTrailingZeros(value) >>> 3);
            long last = value;
            word += 8;
            while (word < pageSize && 0 != (value = xor.getLong(word)))
            {
                last = value;
                word += 8;
            }
            final int literalEnd = word - (Long.numberOfLeadingZeros(last) >>> 3);
            final int literalLength = literalEnd - start;

            if (out + 6 + literalLength > end)
            {
                return -1;
            }
            out = putVarint(target, out, start - previousEnd);
            out = putVarint(target, out, literalLength);
            target.putBytes(out, xor, start, literalLength);
            out += literalLength;
            previousEnd = literalEnd;
        }
        return out - targetOffset;
    }

    /**
     * Encode the XOR of two pages as zero runs and literals in one pass, without building the XOR page.
     *
     * @param a            the new page.
     * @param aOffset      of the new page.
     * @param b            the base page.
     * @param bOffset      of the base page.
     * @param pageSize     bytes per page, a multiple of 8.
     * @param target       for the payload.
     * @param targetOffset where the payload starts.
     * @param limit        most bytes the payload may take.
     * @return the payload length (0 when the pages are equal), or -1 when it would exceed {@code limit}.
     */
    public static int encode(
        final DirectBuffer a,
        final int aOffset,
        final DirectBuffer b,
        final int bOffset,
        final int pageSize,
        final MutableDirectBuffer target,
        final int targetOffset,
        final int limit)
    {
        // Bounds are checked once for the whole page; the loop then reads and writes raw addresses, as Aeron's own
        // hot paths do. Every write stays below targetOffset + limit (see the check before each literal).
        a.boundsCheck(aOffset, pageSize);
        b.boundsCheck(bOffset, pageSize);
        target.boundsCheck(targetOffset, limit);
        final byte[] aArray = a.byteArray();
        final byte[] bArray = b.byteArray();
        final byte[] targetArray = target.byteArray();
        final long aAddress = a.addressOffset() + aOffset;
        final long bAddress = b.addressOffset() + bOffset;
        final long targetAddress = target.addressOffset();

        int out = targetOffset;
        final int end = targetOffset + limit;
        int previousEnd = 0;
        int word = 0;
        while (word < pageSize)
        {
            long value = UnsafeApi.getLong(aArray, aAddress + word) ^ UnsafeApi.getLong(bArray, bAddress + word);
            if (0 == value)
            {
                word += 8;
                continue;
            }

            final int firstWord = word;
            final long first = value;
            final int start = word + (Long.numberOfTrailingZeros(value) >>> 3);
            long last = value;
            word += 8;
            while (word < pageSize &&
                0 != (value = UnsafeApi.getLong(aArray, aAddress + word) ^ UnsafeApi.getLong(bArray, bAddress + word)))
            {
                last = value;
                word += 8;
            }
            final int literalEnd = word - (Long.numberOfLeadingZeros(last) >>> 3);
            final int literalLength = literalEnd - start;
            if (out + 6 + literalLength + 8 > end)
            {
                return -1;
            }
            out = putVarint(target, out, start - previousEnd);
            out = putVarint(target, out, literalLength);

            // The first word's bytes from the literal's start, then whole words; bytes past the literal's end are
            // scratch that the next write or the caller's limit covers.
            final int skip = start - firstWord;
            UnsafeApi.putLong(targetArray, targetAddress + out, first >>> (skip << 3));
            int written = 8 - skip;
            for (int w = firstWord + 8; w < word; w += 8)
            {
                UnsafeApi.putLong(targetArray, targetAddress + out + written,
                    UnsafeApi.getLong(aArray, aAddress + w) ^ UnsafeApi.getLong(bArray, bAddress + w));
                written += 8;
            }
            out += literalLength;
            previousEnd = literalEnd;
        }
        return out - targetOffset;
    }

    /**
     * Decode a payload into an XOR page. Every length is checked against the page and the payload before use.
     *
     * @param payload       the payload.
     * @param payloadOffset where it starts.
     * @param payloadLength its length.
     * @param xor           receives the XOR page at offset 0; zeroed here first.
     * @param pageSize      bytes per page.
     * @return true if the payload was well formed and fitted the page.
     */
    public static boolean decode(
        final DirectBuffer payload, final int payloadOffset, final int payloadLength, final MutableDirectBuffer xor,
        final int pageSize)
    {
        xor.setMemory(0, pageSize, (byte)0);
        final int end = payloadOffset + payloadLength;
        int in = payloadOffset;
        int position = 0;
        while (in < end)
        {
            final long zeroRun = getVarint(payload, in, end);
            if (zeroRun < 0)
            {
                return false;
            }
            in += varintLength(zeroRun);
            final long literalLength = getVarint(payload, in, end);
            if (literalLength <= 0)
            {
                return false;
            }
            in += varintLength(literalLength);
            if (zeroRun > pageSize - position || literalLength > pageSize - position - zeroRun ||
                literalLength > end - in)
            {
                return false;
            }
            position += (int)zeroRun;
            xor.putBytes(position, payload, in, (int)literalLength);
            position += (int)literalLength;
            in += (int)literalLength;
        }
        return true;
    }

    /**
     * Write an unsigned LEB128 varint.
     *
     * @param buffer to write into.
     * @param offset where the varint starts.
     * @param value  not negative.
     * @return the offset after the varint.
     */
    public static int putVarint(final MutableDirectBuffer buffer, final int offset, final int value)
    {
        int out = offset;
        int remaining = value;
        while ((remaining & ~0x7F) != 0)
        {
            buffer.putByte(out++, (byte)((remaining & 0x7F) | 0x80));
            remaining >>>= 7;
        }
        buffer.putByte(out++, (byte)remaining);
        return out;
    }

    /**
     * Read a varint of at most three bytes (enough for any page up to 2 MiB).
     *
     * @return the value, or -1 when it is malformed or runs past {@code end}.
     */
    private static long getVarint(final DirectBuffer buffer, final int offset, final int end)
    {
        long value = 0;
        for (int i = 0; i < 3; i++)
        {
            if (offset + i >= end)
            {
                return -1;
            }
            final int b = buffer.getByte(offset + i) & 0xFF;
            value |= (long)(b & 0x7F) << (7 * i);
            if (0 == (b & 0x80))
            {
                return 0 == i || 0 != b ? value : -1;
            }
        }
        return -1;
    }

    private static int varintLength(final long value)
    {
        return value < (1 << 7) ? 1 : value < (1 << 14) ? 2 : 3;
    }
}
