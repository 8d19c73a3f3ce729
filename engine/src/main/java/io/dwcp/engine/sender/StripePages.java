package io.dwcp.engine.sender;

import io.dwcp.engine.memory.FileHoles;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.BitSet;

/**
 * Where a stripe reads its pages from, and the one copy of each into a frame: the transfer's mapped source, or the
 * overlay for pages the agent carried inline, whose latest version wins until the page is named by a range again. A
 * page of the mapped source that lies in a hole of its file is zeros, written into the frame rather than read through
 * the mapping, where the read would allocate and zero a page of the file's.
 * <p>
 * Not thread safe: owned by the stripe's worker.
 */
final class StripePages
{
    private final TransferSource source;
    private final FileHoles.Cursor holes;
    private final int pageSize;
    private BitSet inlinePages;

    StripePages(final TransferSource source)
    {
        this.source = source;
        this.holes = source.holeCursor();
        this.pageSize = source.pageSize();
    }

    /**
     * Pages named by a range come from the mapped source again.
     *
     * @param firstPage of the range.
     * @param pageCount in the range.
     */
    void onRange(final long firstPage, final long pageCount)
    {
        if (null != inlinePages)
        {
            inlinePages.clear(Math.toIntExact(firstPage), Math.toIntExact(firstPage + pageCount));
        }
    }

    /**
     * A page carried inline: its latest version is in the overlay.
     *
     * @param pageNumber of the page.
     */
    void onInline(final long pageNumber)
    {
        if (null == inlinePages)
        {
            inlinePages = new BitSet();
        }
        inlinePages.set(Math.toIntExact(pageNumber));
    }

    /** The source may have been written since its holes were last asked about: at the start of each frame. */
    void forgetHoles()
    {
        if (null != holes)
        {
            holes.forget();
        }
    }

    /**
     * The buffer holding a page's latest version, read in place: the mapped source's or the inline overlay's.
     *
     * @param pageNumber of the page.
     * @return the buffer; the page starts at {@link #offsetOf(long)}.
     */
    UnsafeBuffer bufferOf(final long pageNumber)
    {
        return source.bufferOf(pageNumber, isInline(pageNumber));
    }

    /**
     * Where a page starts in its {@link #bufferOf(long)}.
     *
     * @param pageNumber of the page.
     * @return the offset.
     */
    int offsetOf(final long pageNumber)
    {
        return source.offsetOf(pageNumber);
    }

    /**
     * The one copy of a live page, from which its encoding, CRC and baseline all come.
     *
     * @param pageNumber of the page.
     * @param to         buffer to copy it into.
     * @param offset     in the buffer.
     */
    void copy(final long pageNumber, final UnsafeBuffer to, final int offset)
    {
        final boolean isInline = isInline(pageNumber);
        if (!isInline && null != holes && holes.isHole(pageNumber * pageSize, pageSize))
        {
            to.setMemory(offset, pageSize, (byte)0);
        }
        else
        {
            to.putBytes(offset, source.bufferOf(pageNumber, isInline), source.offsetOf(pageNumber), pageSize);
        }
    }

    private boolean isInline(final long pageNumber)
    {
        return null != inlinePages && inlinePages.get((int)pageNumber);
    }
}
