package io.dwcp.engine.receiver;

import io.dwcp.codec.PageChecksum;
import io.dwcp.engine.memory.FileHoles;
import org.agrona.BufferUtil;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The pages of a destination checked against their journal record since they were last written, a bit and the CRC32C
 * each (a bit a page on the heap; 4 bytes a page off it, made when the first page is verified and freed when the
 * transfer closes): the
 * {@link Verifier} checks pages while their transfer is quiet (between pre-copy rounds, or between the frames of a
 * slow link), so that the digest at the transfer's end reads only the pages written since. At a live migration's
 * end the guest is stopped, and reading the whole destination there was most of the downtime.
 * <p>
 * A sweep goes once over the image and starts over only when a page has been written since it started; a page whose
 * content does not match its record stays unchecked until then, and the end's digest reads it.
 * <p>
 * Not thread safe: runs on the receiver's thread.
 */
final class VerifiedPages implements AutoCloseable
{
    /** Pages a word of the bits covers. */
    static final int PAGES_PER_WORD = Long.SIZE;

    private final long pageCount;
    private final long[] bits;
    private ByteBuffer crcBuffer;
    private final UnsafeBuffer crcs = new UnsafeBuffer(0, 0);
    private boolean isDisabled;
    private final FileHoles.Cursor holes;
    private final int zeroPageCrc;
    private long unverified;
    private long cursor;
    private boolean isWrittenSinceSweep = true;

    /**
     * Nothing verified.
     *
     * @param pageCount pages of the destination.
     * @param pageSize  bytes per page.
     * @param holes     a cursor over the destination's holes, for the sweeps.
     */
    VerifiedPages(final long pageCount, final int pageSize, final FileHoles.Cursor holes)
    {
        this.pageCount = pageCount;
        this.holes = holes;
        zeroPageCrc = PageChecksum.zeroPageCrc32c(pageSize);
        bits = new long[Math.toIntExact((pageCount + Long.SIZE - 1) / Long.SIZE)];
        unverified = pageCount;
        cursor = pageCount;
    }

    /**
     * A page was written: its check is void.
     *
     * @param pageNumber of the page.
     */
    void onWritten(final long pageNumber)
    {
        final int word = (int)(pageNumber >>> 6);
        final long mask = 1L << pageNumber;
        if (0 != (bits[word] & mask))
        {
            bits[word] &= ~mask;
            unverified++;
        }
        isWrittenSinceSweep = true;
    }

    /**
     * Whether a page's content matched its record when last checked, and it has not been written since.
     *
     * @param pageNumber of the page.
     * @return true when it need not be read again.
     */
    boolean isVerified(final long pageNumber)
    {
        return 0 != (bits[(int)(pageNumber >>> 6)] & (1L << pageNumber));
    }

    /**
     * Whether the 64 pages from one, a multiple of 64, are all verified.
     *
     * @param firstPage of the word.
     * @return true when none of them need be read again.
     */
    boolean isWordVerified(final long firstPage)
    {
        return -1L == bits[(int)(firstPage >>> 6)];
    }

    /**
     * The CRC32C of a verified page's content.
     *
     * @param pageNumber of the page, verified.
     * @return its CRC32C.
     */
    int crc(final long pageNumber)
    {
        return crcs.getInt((int)(pageNumber * Integer.BYTES));
    }

    /**
     * Copy the CRC32Cs of verified pages into a buffer, in native order as {@link UnsafeBuffer#putInt(int, int)}
     * writes them.
     *
     * @param firstPage of the pages.
     * @param pages     how many.
     * @param to        buffer to copy into.
     * @param offset    where.
     */
    void copyCrcs(final long firstPage, final int pages, final MutableDirectBuffer to, final int offset)
    {
        to.putBytes(offset, crcs, (int)(firstPage * Integer.BYTES), pages * Integer.BYTES);
    }

    /**
     * A page's content matched its record.
     *
     * @param pageNumber of the page.
     * @param crc        the CRC32C of its content.
     */
    void verified(final long pageNumber, final int crc)
    {
        if (null == crcBuffer)
        {
            // Made on the first page verified: never when verifying ahead is off.
            try
            {
                crcBuffer = ByteBuffer.allocateDirect(Math.toIntExact(pageCount * Integer.BYTES));
            }
            catch (final OutOfMemoryError | ArithmeticException ex)
            {
                // No room for the table: this transfer is verified at its end alone.
                isDisabled = true;
                return;
            }
            crcs.wrap(crcBuffer);
        }
        crcs.putInt((int)(pageNumber * Integer.BYTES), crc);
        final int word = (int)(pageNumber >>> 6);
        final long mask = 1L << pageNumber;
        if (0 == (bits[word] & mask))
        {
            bits[word] |= mask;
            unverified--;
        }
    }

    /**
     * Pages not verified.
     *
     * @return the count.
     */
    long unverified()
    {
        return unverified;
    }

    /**
     * Where the sweep goes on from, starting a new sweep when the last one ended and a page was written since.
     *
     * @return the page to check from, or the page count when there is nothing to sweep.
     */
    long sweepFrom()
    {
        if (isDisabled)
        {
            return pageCount;
        }
        if (cursor >= pageCount && isWrittenSinceSweep && unverified > 0)
        {
            cursor = 0;
            isWrittenSinceSweep = false;
        }
        return cursor;
    }

    /**
     * The sweep has gone this far.
     *
     * @param pageNumber the next page it will check.
     */
    void sweptTo(final long pageNumber)
    {
        cursor = pageNumber;
    }

    /**
     * The first page not verified at or after one.
     *
     * @param fromPage where to look from.
     * @return the page, or the page count when there is none.
     */
    long nextUnverified(final long fromPage)
    {
        if (fromPage >= pageCount)
        {
            return pageCount;
        }
        int word = (int)(fromPage >>> 6);
        long free = ~bits[word] & (-1L << fromPage);
        while (0 == free)
        {
            if (++word == bits.length)
            {
                return pageCount;
            }
            free = ~bits[word];
        }
        return Math.min(pageCount, ((long)word << 6) + Long.numberOfTrailingZeros(free));
    }

    /**
     * The sweeps' cursor over the destination's holes.
     *
     * @return the cursor.
     */
    FileHoles.Cursor holes()
    {
        return holes;
    }

    /**
     * The CRC32C of a zero page, which a hole holds.
     *
     * @return the CRC.
     */
    int zeroPageCrc()
    {
        return zeroPageCrc;
    }

    /** Free the table. Idempotent; nothing is verified after. */
    @Override
    public void close()
    {
        Arrays.fill(bits, 0);
        isDisabled = true;
        if (null != crcBuffer)
        {
            crcs.wrap(0, 0);
            BufferUtil.free(crcBuffer);
            crcBuffer = null;
        }
    }
}
