package io.dwcp.codec;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * The entries of a page frame, packed (wire schema 9): what each page of the frame is, in a few bytes where SBE's
 * group of fixed entries took 17 (an 8-byte page number, the encoding, the CRC32C and a 4-byte payload length). On
 * a live JVM's rounds 1-3 those 17 bytes were 3.3 MiB of 72 (docs/FRAME-CODEC.md).
 * <p>
 * An entry, little-endian:
 * <ol>
 *     <li>a header, an unsigned LEB128 varint of 68 bits: the encoding in the low 4 bits, then the page number's
 *     difference from one past the entry before's (from 0 for the first), zigzag-encoded; a page from three
 *     before the entry before's to four after it takes one byte;</li>
 *     <li>the CRC32C, int32;</li>
 *     <li>for the encodings that carry a payload (all but {@code ZERO}, {@code UNCHANGED}, {@code BLOCK},
 *     {@code BLOCK_DELTA}, {@code SIMILAR_BASE} and {@code STREAM}, and encodings 14 and 15, unknown so far), the
 *     payload's length as
 *     an unsigned LEB128 varint, then the payload.</li>
 * </ol>
 * A {@code SIMILAR_PIECES} entry's page number is the count of pages it lists, coded like any other.
 * <p>
 * The {@link Reader} checks every length against the bytes it is given.
 */
public final class FrameTable
{
    /** Encodings a table can carry: 0 to 15. */
    public static final int MAX_ENCODING = 0xF;
    /** Most bytes of an entry besides its payload: a 10-byte header, the CRC and a 5-byte length. */
    public static final int MAX_ENTRY_OVERHEAD = 10 + Integer.BYTES + 5;
    /** The page number an empty table's first entry is told apart from: the first is coded as its own. */
    public static final long NO_PAGE = -1;

    private static final int ENCODING_BITS = 4;
    private static final int FIRST_BYTE_BITS = 3;
    private static final int MAX_HEADER_BYTES = 10;
    private static final int MAX_LENGTH_BYTES = 5;

    private FrameTable()
    {
    }

    /**
     * Does an entry of this encoding carry a payload?
     *
     * @param encoding raw value, 0 to {@link #MAX_ENCODING}.
     * @return false for {@code ZERO}, {@code UNCHANGED}, {@code BLOCK}, {@code BLOCK_DELTA}, {@code SIMILAR_BASE} and
     *         {@code STREAM}.
     */
    public static boolean hasPayload(final int encoding)
    {
        return PageEncoding.ZERO.value() != encoding && PageEncoding.UNCHANGED.value() != encoding &&
            PageEncoding.BLOCK.value() != encoding && PageEncoding.BLOCK_DELTA.value() != encoding &&
            PageEncoding.SIMILAR_BASE.value() != encoding && PageEncoding.STREAM.value() != encoding;
    }

    /**
     * Bytes an entry takes.
     *
     * @param previousPage  page number of the entry before, {@link #NO_PAGE} for the first.
     * @param pageNumber    of the entry.
     * @param encoding      raw value, 0 to {@link #MAX_ENCODING}.
     * @param payloadLength bytes of its payload, 0 for an encoding without one.
     * @return the entry's bytes, payload included.
     */
    public static int entryLength(final long previousPage, final long pageNumber, final int encoding,
        final int payloadLength)
    {
        final long rest = zigzag(pageNumber - previousPage - 1) >>> FIRST_BYTE_BITS;
        final int header = 1 + (0 == rest ? 0 : varLength(rest));
        return header + Integer.BYTES + (hasPayload(encoding) ? varLength(payloadLength) + payloadLength : 0);
    }

    /**
     * Write an entry.
     *
     * @param buffer        to write into.
     * @param offset        where the entry starts.
     * @param previousPage  page number of the entry before, {@link #NO_PAGE} for the first.
     * @param pageNumber    of the entry.
     * @param encoding      raw value, 0 to {@link #MAX_ENCODING}.
     * @param crc           CRC32C of the decoded page (of the payload, for {@code SIMILAR_PIECES}).
     * @param payload       buffer holding the payload.
     * @param payloadOffset of the payload.
     * @param payloadLength bytes of the payload; must be 0 for an encoding without one.
     * @return bytes written.
     */
    public static int write(
        final MutableDirectBuffer buffer,
        final int offset,
        final long previousPage,
        final long pageNumber,
        final int encoding,
        final int crc,
        final DirectBuffer payload,
        final int payloadOffset,
        final int payloadLength)
    {
        if (encoding < 0 || encoding > MAX_ENCODING)
        {
            throw new IllegalArgumentException("encoding " + encoding + " does not fit a frame table");
        }
        final boolean hasPayload = hasPayload(encoding);
        if (!hasPayload && 0 != payloadLength)
        {
            throw new IllegalArgumentException("encoding " + encoding + " carries no payload, not " + payloadLength);
        }
        final long delta = zigzag(pageNumber - previousPage - 1);
        final long rest = delta >>> FIRST_BYTE_BITS;
        int at = offset;
        buffer.putByte(at++, (byte)(encoding | (int)(delta & 0x7) << ENCODING_BITS | (0 == rest ? 0 : 0x80)));
        if (0 != rest)
        {
            at = putVarLong(buffer, at, rest);
        }
        buffer.putInt(at, crc, ByteOrder.LITTLE_ENDIAN);
        at += Integer.BYTES;
        if (hasPayload)
        {
            at = putVarLong(buffer, at, payloadLength);
            buffer.putBytes(at, payload, payloadOffset, payloadLength);
            at += payloadLength;
        }
        return at - offset;
    }

    /**
     * Put an unsigned LEB128 varint.
     *
     * @param buffer to write into.
     * @param offset where it starts.
     * @param value  taken as unsigned.
     * @return the offset just past it.
     */
    public static int putVarLong(final MutableDirectBuffer buffer, final int offset, final long value)
    {
        int at = offset;
        long rest = value;
        while ((rest & ~0x7FL) != 0)
        {
            buffer.putByte(at++, (byte)(rest & 0x7F | 0x80));
            rest >>>= 7;
        }
        buffer.putByte(at++, (byte)rest);
        return at;
    }

    /**
     * Bytes of an unsigned LEB128 varint.
     *
     * @param value taken as unsigned.
     * @return 1 to 10.
     */
    public static int varLength(final long value)
    {
        return Math.max(1, (Long.SIZE - Long.numberOfLeadingZeros(value) + 6) / 7);
    }

    private static long zigzag(final long value)
    {
        return value << 1 ^ value >> (Long.SIZE - 1);
    }

    /**
     * Reads unsigned LEB128 varints within bounds: a table's headers and lengths, and the lists entries carry.
     * Reusable; not thread safe.
     */
    public static final class VarLong
    {
        private long value;

        /**
         * Read a varint.
         *
         * @param buffer   holding it.
         * @param offset   where it starts.
         * @param limit    offset it must end before.
         * @param maxBytes most bytes it may take; bits past the 64th are dropped.
         * @return the offset just past it, or -1 when it does not end before the limit and within maxBytes.
         */
        public int read(final DirectBuffer buffer, final int offset, final int limit, final int maxBytes)
        {
            final int end = limit - offset > maxBytes ? offset + maxBytes : limit;
            long result = 0;
            int shift = 0;
            for (int at = offset; at < end; at++)
            {
                final byte b = buffer.getByte(at);
                if (shift < Long.SIZE)
                {
                    result |= (long)(b & 0x7F) << shift;
                }
                if (b >= 0)
                {
                    value = result;
                    return at + 1;
                }
                shift += 7;
            }
            return -1;
        }

        /**
         * @return the varint read last.
         */
        public long value()
        {
            return value;
        }
    }

    /**
     * Reads a table's entries one after another, checking each against the table's end. Reusable; not thread safe.
     */
    public static final class Reader
    {
        private final VarLong varLong = new VarLong();
        private DirectBuffer buffer;
        private int offset;
        private int limit;
        private long pageNumber;
        private int encoding;
        private int crc;
        private int entryOffset;
        private int crcOffset;
        private int payloadOffset;
        private int payloadLength;

        /**
         * Read a table.
         *
         * @param buffer holding it.
         * @param offset where it starts.
         * @param length its bytes.
         * @return this.
         */
        public Reader wrap(final DirectBuffer buffer, final int offset, final int length)
        {
            this.buffer = buffer;
            this.offset = offset;
            this.limit = offset + length;
            pageNumber = NO_PAGE;
            return this;
        }

        /**
         * Are there bytes left for another entry?
         *
         * @return true until the table's end.
         */
        public boolean hasNext()
        {
            return offset < limit;
        }

        /**
         * Read the next entry.
         *
         * @return false when it is malformed: a header or length that does not end, or an entry past the table.
         */
        public boolean next()
        {
            entryOffset = offset;
            int at = offset;
            if (at >= limit)
            {
                return false;
            }
            final int first = buffer.getByte(at++);
            long delta = first >> ENCODING_BITS & 0x7;
            if ((first & 0x80) != 0)
            {
                // The rest of the header is a varint of its own, above the first byte's bits.
                at = varLong.read(buffer, at, limit, MAX_HEADER_BYTES - 1);
                if (at < 0)
                {
                    return false;
                }
                delta |= varLong.value() << FIRST_BYTE_BITS;
            }
            if (at + Integer.BYTES > limit)
            {
                return false;
            }
            crcOffset = at;
            crc = buffer.getInt(at, ByteOrder.LITTLE_ENDIAN);
            at += Integer.BYTES;
            encoding = first & MAX_ENCODING;
            payloadLength = 0;
            if (hasPayload(encoding))
            {
                at = varLong.read(buffer, at, limit, MAX_LENGTH_BYTES);
                if (at < 0 || varLong.value() > limit - at)
                {
                    return false;
                }
                payloadLength = (int)varLong.value();
            }
            payloadOffset = at;
            offset = at + payloadLength;
            pageNumber = pageNumber + 1 + ((delta >>> 1) ^ -(delta & 1));
            return true;
        }

        /**
         * @return the page number of the entry read last.
         */
        public long pageNumber()
        {
            return pageNumber;
        }

        /**
         * @return the raw encoding of the entry read last, 0 to {@link #MAX_ENCODING}.
         */
        public int encoding()
        {
            return encoding;
        }

        /**
         * @return the CRC32C of the entry read last.
         */
        public int crc()
        {
            return crc;
        }

        /**
         * @return where the entry read last starts: its header, whose low 4 bits are the encoding.
         */
        public int entryOffset()
        {
            return entryOffset;
        }

        /**
         * @return where the CRC32C of the entry read last lies.
         */
        public int crcOffset()
        {
            return crcOffset;
        }

        /**
         * @return where the payload of the entry read last starts.
         */
        public int payloadOffset()
        {
            return payloadOffset;
        }

        /**
         * @return bytes of the payload of the entry read last, 0 for none.
         */
        public int payloadLength()
        {
            return payloadLength;
        }
    }
}
