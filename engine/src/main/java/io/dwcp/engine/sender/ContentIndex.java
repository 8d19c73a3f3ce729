package io.dwcp.engine.sender;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;

/**
 * Which page of a transfer the receiver holds with a given content, by CRC32C, so that a page equal to one it
 * holds travels as a reference to it: its page number and the CRC. A bounded, lossy, off-heap table: one entry per
 * slot, indexed by the CRC, a newer page replacing an older one in its slot.
 * <p>
 * A candidate is used only when the receiver can be expected to hold it: the frame that carried it came earlier on
 * the same stripe, whose stream is delivered in order, or is acknowledged or followed by another frame on its own
 * stripe; the last version sent of it has the same CRC; and its live bytes equal the page's. The receiver
 * still checks the CRC, and asks for the page if the reference has gone stale.
 * <p>
 * A page whose version the receiver holds is looked up too: a guest that copies a file's pages from its page cache
 * rewrites pages it has sent before with data another page holds, which took the guest's rounds 1-3 from 1.07 to
 * 1.00 of {@code zstd -3 --patch-from} (docs/FRAME-CODEC.md). A reproducible sender does not: whether the original
 * of a later round's page is acknowledged when the page is framed, or overwritten in its slot by another stripe's
 * page, depends on timing a replay does not repeat.
 * <p>
 * Shared by the stripes of one transfer on one worker; not thread safe.
 */
final class ContentIndex
{
    private static final int ENTRY_LENGTH = 24;
    private static final int CRC_OFFSET = 0;
    private static final int STRIPE_OFFSET = 4;
    private static final int PAGE_OFFSET = 8;
    private static final int SEQUENCE_OFFSET = 16;
    private static final int EMPTY = -1;

    private final UnsafeBuffer table;
    private final int mask;
    private final int pageSize;
    private final boolean isReproducible;
    private Stripe[] stripes;

    /**
     * Create an index within a budget.
     *
     * @param budgetBytes most bytes of the table; it holds a power of two entries of 24 bytes.
     * @param pageCount   pages in the image: the table holds no more entries than twice that.
     * @param pageSize     bytes per page.
     * @param reproducible  look up no page whose version the receiver holds, as a replay must find the same.
     */
    ContentIndex(final long budgetBytes, final long pageCount, final int pageSize, final boolean reproducible)
    {
        this.isReproducible = reproducible;
        final long wanted = Math.min(budgetBytes / ENTRY_LENGTH, Math.max(2, 2 * pageCount));
        final int entries = wanted < 2 ? 0 : Integer.highestOneBit((int)Math.min(wanted, 1 << 26));
        this.pageSize = pageSize;
        mask = entries - 1;
        table = new UnsafeBuffer(ByteBuffer.allocateDirect(Math.max(1, entries) * ENTRY_LENGTH));
        for (int i = 0; i < entries; i++)
        {
            table.putLong(i * ENTRY_LENGTH + PAGE_OFFSET, EMPTY);
        }
    }

    /**
     * The stripes of the transfer, by index; those on other workers are never consulted.
     *
     * @param stripes all of the transfer's stripes.
     */
    void stripes(final Stripe[] stripes)
    {
        this.stripes = stripes;
    }

    /**
     * Find a page the receiver holds with this content.
     *
     * @param pageNumber of the page being sent, never its own duplicate.
     * @param crc        CRC32C of the page.
     * @param copy       buffer holding the page as it is sent.
     * @param copyOffset of the page in {@code copy}.
     * @param source     the transfer's pages.
     * @param stripe     whose frame is being built.
     * @param sequence   of the frame being built.
     * @param hasVersion does the receiver hold a version of the page?
     * @return the page number to refer to, or -1.
     */
    long find(
        final long pageNumber,
        final int crc,
        final DirectBuffer copy,
        final int copyOffset,
        final TransferSource source,
        final int stripe,
        final long sequence,
        final boolean hasVersion)
    {
        if (mask < 0 || hasVersion && isReproducible)
        {
            return -1;
        }
        final int at = slot(crc);
        final long candidate = table.getLong(at + PAGE_OFFSET);
        if (EMPTY == candidate || candidate == pageNumber || table.getInt(at + CRC_OFFSET) != crc)
        {
            return -1;
        }
        final Stripe holder = stripes[table.getInt(at + STRIPE_OFFSET)];
        // Only stripes of this index's worker put entries, so the holder's state is this thread's to read. On the
        // same stripe an earlier frame is enough: the stream delivers in order. Across stripes the original's frame
        // must be acknowledged or followed by another on its stripe: one receiver thread drains the stripes in
        // arrival order, so the original is nearly always applied first. When it is not, or its frame was rejected,
        // the reference fails its CRC and the page is asked for: on a 512 MiB guest 1% of 29,651 references were,
        // where waiting for acknowledgements found only 2,210 (docs/FRAME-CODEC.md).
        final int holderStripe = table.getInt(at + STRIPE_OFFSET);
        final long originalSequence = table.getLong(at + SEQUENCE_OFFSET);
        final boolean isDelivered = holderStripe == stripe ? originalSequence < sequence :
            holder.ackedSequence() >= originalSequence || holder.sentSequence() > originalSequence;
        if (!isDelivered || source.pageCrc(candidate) != crc ||
            !isEqual(copy, copyOffset, holder.pageSource().bufferOf(candidate),
                holder.pageSource().offsetOf(candidate)))
        {
            return -1;
        }
        return candidate;
    }

    /**
     * Remember a page as sent in a frame.
     *
     * @param crc        CRC32C of the page.
     * @param stripe     whose frame carries it.
     * @param pageNumber of the page.
     * @param sequence   of the frame.
     */
    void put(final int crc, final int stripe, final long pageNumber, final long sequence)
    {
        if (mask >= 0)
        {
            final int at = slot(crc);
            table.putInt(at + CRC_OFFSET, crc);
            table.putInt(at + STRIPE_OFFSET, stripe);
            table.putLong(at + PAGE_OFFSET, pageNumber);
            table.putLong(at + SEQUENCE_OFFSET, sequence);
        }
    }

    private int slot(final int crc)
    {
        // A CRC32C's low bits are already evenly spread.
        return (crc & mask) * ENTRY_LENGTH;
    }

    private boolean isEqual(final DirectBuffer a, final int aOffset, final DirectBuffer b, final int bOffset)
    {
        for (int i = 0; i < pageSize; i += 8)
        {
            if (a.getLong(aOffset + i) != b.getLong(bOffset + i))
            {
                return false;
            }
        }
        return true;
    }
}
