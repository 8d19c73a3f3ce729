package io.dwcp.codec;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FrameTableTest
{
    private final UnsafeBuffer table = new UnsafeBuffer(ByteBuffer.allocateDirect(1 << 20));
    private final UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(1 << 16));
    private final FrameTable.Reader reader = new FrameTable.Reader();

    @Test
    void entriesOfEveryEncodingAndAnyPageNumberReadBackAsWritten()
    {
        final Random random = new Random(7);
        for (int i = 0; i < payload.capacity(); i++)
        {
            payload.putByte(i, (byte)random.nextInt());
        }
        final int count = 5_000;
        final long[] pages = new long[count];
        final int[] encodings = new int[count];
        final int[] crcs = new int[count];
        final int[] lengths = new int[count];
        int at = 0;
        long previous = FrameTable.NO_PAGE;
        for (int i = 0; i < count; i++)
        {
            // Neighbours, jumps both ways, and the extremes of a long.
            pages[i] = switch (i % 5)
            {
                case 0 -> previous + 1;
                case 1 -> previous + 4;
                case 2 -> random.nextInt(1 << 20);
                case 3 -> random.nextLong();
                default -> i % 2 == 0 ? Long.MAX_VALUE : Long.MIN_VALUE;
            };
            encodings[i] = random.nextInt(FrameTable.MAX_ENCODING + 1);
            crcs[i] = random.nextInt();
            lengths[i] = FrameTable.hasPayload(encodings[i]) ? random.nextInt(200) : 0;
            final int expected = FrameTable.entryLength(previous, pages[i], encodings[i], lengths[i]);
            final int written =
                FrameTable.write(table, at, previous, pages[i], encodings[i], crcs[i], payload, i, lengths[i]);
            assertEquals(expected, written);
            assertTrue(written <= FrameTable.MAX_ENTRY_OVERHEAD + lengths[i]);
            at += written;
            previous = pages[i];
        }

        reader.wrap(table, 0, at);
        for (int i = 0; i < count; i++)
        {
            assertTrue(reader.hasNext());
            assertTrue(reader.next(), "entry " + i);
            assertEquals(pages[i], reader.pageNumber(), "entry " + i);
            assertEquals(encodings[i], reader.encoding());
            assertEquals(crcs[i], reader.crc());
            assertEquals(lengths[i], reader.payloadLength());
            for (int b = 0; b < lengths[i]; b++)
            {
                assertEquals(payload.getByte(i + b), table.getByte(reader.payloadOffset() + b));
            }
        }
        assertFalse(reader.hasNext());
    }

    @Test
    void everyEncodingFitsATableAndOtherValuesAreUnknown()
    {
        for (final PageEncoding encoding : PageEncoding.values())
        {
            if (PageEncoding.UNKNOWN != encoding)
            {
                assertTrue(encoding.value() >= 0 && encoding.value() <= FrameTable.MAX_ENCODING);
                assertEquals(encoding, PageEncoding.get(encoding.value()));
            }
        }
        for (final int value : new int[]{-1, 14, 15, 16, 255})
        {
            assertEquals(PageEncoding.UNKNOWN, PageEncoding.get(value));
        }
    }

    @Test
    void consecutivePagesInTheBlockTakeFiveBytesAnEntry()
    {
        // Pages one apart and four apart, as four stripes deal them, after a first entry of its own.
        int at = FrameTable.write(table, 0, FrameTable.NO_PAGE, 1000, PageEncoding.BLOCK.value(), 1, payload, 0, 0);
        final int first = at;
        long page = 1000;
        for (int i = 0; i < 32; i++)
        {
            final long next = page + (i % 2 == 0 ? 1 : 4);
            at += FrameTable.write(table, at, page, next, PageEncoding.BLOCK_DELTA.value(), 1, payload, 0, 0);
            page = next;
        }
        assertEquals(7, first);
        assertEquals(5 * 32, at - first);
    }

    @Test
    void truncatedOrEndlessEntriesAreMalformed()
    {
        final int length = FrameTable.write(
            table, 0, FrameTable.NO_PAGE, 123_456_789L, PageEncoding.RAW.value(), 42, payload, 0, 300);
        for (int cut = 0; cut < length; cut++)
        {
            reader.wrap(table, 0, cut);
            assertFalse(reader.hasNext() && reader.next(), "cut at " + cut);
        }
        reader.wrap(table, 0, length);
        assertTrue(reader.next());

        // A header whose continuation bit never ends, and a payload length of more than 5 bytes.
        for (int i = 0; i < 16; i++)
        {
            table.putByte(i, (byte)0xFF);
        }
        assertFalse(reader.wrap(table, 0, 16).next());
        table.putByte(0, (byte)PageEncoding.RAW.value());
        table.putInt(1, 0);
        assertFalse(reader.wrap(table, 0, 16).next());

        assertThrows(IllegalArgumentException.class, () -> FrameTable.write(
            table, 0, FrameTable.NO_PAGE, 1, PageEncoding.BLOCK.value(), 0, payload, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> FrameTable.write(
            table, 0, FrameTable.NO_PAGE, 1, 16, 0, payload, 0, 0));
    }

    @Test
    void varintsReadBackWithinTheirLimitAndLengthOrNotAtAll()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(64));
        final FrameTable.VarLong varLong = new FrameTable.VarLong();
        final Random random = new Random(7);
        for (int i = 0; i < 10_000; i++)
        {
            final long value = random.nextLong() >>> random.nextInt(Long.SIZE);
            final int end = FrameTable.putVarLong(buffer, 3, value);
            assertEquals(FrameTable.varLength(value), end - 3);
            assertEquals(end, varLong.read(buffer, 3, end, end - 3), "value " + value);
            assertEquals(value, varLong.value());
            assertEquals(-1, varLong.read(buffer, 3, end - 1, 10), "cut by the limit, value " + value);
            if (end - 3 > 1)
            {
                assertEquals(-1, varLong.read(buffer, 3, end, end - 4), "longer than allowed, value " + value);
            }
        }
        buffer.setMemory(0, 64, (byte)0x80);
        assertEquals(-1, varLong.read(buffer, 0, 64, 10), "never ends");
        buffer.putByte(20, (byte)0x01);
        assertEquals(21, varLong.read(buffer, 0, 64, 64), "a long varint");
        assertEquals(0, varLong.value(), "bits past the 64th are dropped");
        assertEquals(21, varLong.read(buffer, 10, 64, Integer.MAX_VALUE), "a bound past any limit");
        assertEquals(-1, varLong.read(buffer, 30, 64, Integer.MAX_VALUE), "never ends, with a bound past the limit");
        assertEquals(-1, varLong.read(buffer, 5, 5, 10), "nothing to read");
    }
}
