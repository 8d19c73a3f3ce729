package io.dwcp.codec;

import org.agrona.DirectBuffer;
import org.agrona.UnsafeApi;
import org.agrona.MutableDirectBuffer;

/**
 * The XBZRLE encoding of a page against its previous version, as QEMU defines it: the zero runs of the two versions'
 * XOR, skipped, alternating with the runs between them, which carry the page's new bytes.
 * <pre>
 *   payload := { unchangedRun literalLength literalBytes }*
 *   unchangedRun, literalLength := unsigned LEB128 varints
 *   literalBytes := the new page's bytes over the run
 * </pre>
 * Bytes after the last literal are unchanged. Runs are found a 64-bit word at a time and trimmed to the byte at
 * their edges, so encoding costs about one pass over the page. Applying a payload overwrites the literal runs of the
 * receiver's copy.
 * <p>
 * The literals are the new bytes rather than their XOR with the old ones because new content keeps its structure
 * (pointers, text, counters) while its XOR with unrelated old content does not, so a compressor that follows finds
 * far more in them: on the dirty model's pages, this took the engine's later rounds from 0.96 to 0.84 of zstd -3
 * over the round's XOR pages (docs/RATIOS.md).
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
     * Encode a page against its previous version in one pass, without building the XOR page.
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

            // The new page's bytes: the first word's from the literal's start, then whole words; bytes past the
            // literal's end are scratch that the next write or the caller's limit covers.
            final int skip = start - firstWord;
            UnsafeApi.putLong(
                targetArray, targetAddress + out, UnsafeApi.getLong(aArray, aAddress + firstWord) >>> (skip << 3));
            int written = 8 - skip;
            for (int w = firstWord + 8; w < word; w += 8)
            {
                UnsafeApi.putLong(targetArray, targetAddress + out + written, UnsafeApi.getLong(aArray, aAddress + w));
                written += 8;
            }
            out += literalLength;
            previousEnd = literalEnd;
        }
        return out - targetOffset;
    }

    /**
     * Apply a payload to a copy of the previous version, overwriting its literal runs. Every length is checked
     * against the page and the payload before use; a malformed payload may leave {@code page} partly written.
     *
     * @param payload       the payload.
     * @param payloadOffset where it starts.
     * @param payloadLength its length.
     * @param page          holding a copy of the previous version at offset 0; receives the new page.
     * @param pageSize      bytes per page.
     * @return true if the payload was well formed and fitted the page.
     */
    public static boolean apply(
        final DirectBuffer payload, final int payloadOffset, final int payloadLength, final MutableDirectBuffer page,
        final int pageSize)
    {
        final int end = payloadOffset + payloadLength;
        int in = payloadOffset;
        int position = 0;
        while (in < end)
        {
            final long unchangedRun = getVarint(payload, in, end);
            if (unchangedRun < 0)
            {
                return false;
            }
            in += varintLength(unchangedRun);
            final long literalLength = getVarint(payload, in, end);
            if (literalLength <= 0)
            {
                return false;
            }
            in += varintLength(literalLength);
            if (unchangedRun > pageSize - position || literalLength > pageSize - position - unchangedRun ||
                literalLength > end - in)
            {
                return false;
            }
            position += (int)unchangedRun;
            page.putBytes(position, payload, in, (int)literalLength);
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
