package io.dwcp.perf.capture;

import java.util.ArrayList;
import java.util.List;

/**
 * Where each address range goes in a snapshot file. Fixed at a series' first snapshot, so page {@code n} of every
 * snapshot of the series holds the same address:
 * <pre>
 *   file offset 0                                                                 sizeBytes()
 *   +----------------------+-----------------+-----+----------------------------+
 *   | range 0 (whole pages)| range 1         | ... | range n-1                  |
 *   +----------------------+-----------------+-----+----------------------------+
 * </pre>
 * Each range starts at a whole page of the file and takes a whole number of pages. Memory of a range that is
 * unmapped or unreadable at a later snapshot reads as zeros there.
 */
public final class SnapshotLayout
{
    /**
     * One range and where it lives in the file.
     *
     * @param range      the addresses.
     * @param fileOffset of the range's first byte in the file, a multiple of the page size.
     * @param fileLength bytes the range takes in the file: its length rounded up to whole pages.
     */
    public record Entry(MemoryRange range, long fileOffset, long fileLength)
    {
    }

    private final List<Entry> entries;
    private final int pageSize;
    private final long sizeBytes;

    private SnapshotLayout(final List<Entry> entries, final int pageSize, final long sizeBytes)
    {
        this.entries = List.copyOf(entries);
        this.pageSize = pageSize;
        this.sizeBytes = sizeBytes;
    }

    /**
     * Lay ranges out one after the other in address order.
     *
     * @param ranges   in address order, not overlapping.
     * @param pageSize bytes per page, a power of two.
     * @return the layout.
     * @throws IllegalArgumentException if there are no ranges, or they are out of order or overlap.
     */
    public static SnapshotLayout of(final List<MemoryRange> ranges, final int pageSize)
    {
        if (ranges.isEmpty())
        {
            throw new IllegalArgumentException("no memory ranges to lay out");
        }
        if (pageSize <= 0 || Integer.bitCount(pageSize) != 1)
        {
            throw new IllegalArgumentException("page size " + pageSize + " is not a power of two");
        }
        final List<Entry> entries = new ArrayList<>(ranges.size());
        long offset = 0;
        long previousEnd = Long.MIN_VALUE;
        for (final MemoryRange range : ranges)
        {
            if (range.start() < previousEnd)
            {
                throw new IllegalArgumentException("range " + Long.toHexString(range.start()) +
                    " overlaps or precedes the one before it");
            }
            final long fileLength = (range.length() + pageSize - 1) & -(long)pageSize;
            entries.add(new Entry(range, offset, fileLength));
            offset += fileLength;
            previousEnd = range.end();
        }
        return new SnapshotLayout(entries, pageSize, offset);
    }

    /**
     * The ranges and their places.
     *
     * @return entries in file order, which is address order.
     */
    public List<Entry> entries()
    {
        return entries;
    }

    /**
     * Bytes per page.
     *
     * @return the page size.
     */
    public int pageSize()
    {
        return pageSize;
    }

    /**
     * Bytes in each snapshot file of the series.
     *
     * @return a whole number of pages.
     */
    public long sizeBytes()
    {
        return sizeBytes;
    }
}
