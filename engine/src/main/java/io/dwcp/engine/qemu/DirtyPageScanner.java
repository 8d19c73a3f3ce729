package io.dwcp.engine.qemu;

import io.dwcp.codec.ImageDigest;
import io.dwcp.codec.PageChecksum;
import io.dwcp.engine.memory.MappedImage;
import org.agrona.BufferUtil;
import org.agrona.CloseHelper;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * Finds the pages a running guest dirtied without kernel help, by checksum: it keeps a shadow copy of what it gave
 * the engine and the CRC32C of each of its pages, and a scan sends every page of guest RAM whose CRC32C differs.
 * <p>
 * The engine reads the shadow, not the live RAM. Each dirty page is copied into the shadow first and its CRC32C is
 * taken from that copy, so the table always describes exactly the bytes the engine sent: a page the guest changes
 * and changes back while the engine reads it cannot be missed. It also makes the table the one the engine's digest
 * is computed over, so {@link #digest()} checks the destination against the source end to end.
 * <p>
 * Not thread safe. Scan only while the engine is not reading the shadow, that is between completed rounds.
 */
public final class DirtyPageScanner implements AutoCloseable
{
    private final MappedImage guest;
    private final MappedImage shadow;
    private final int pageSize;
    private final long pageCount;
    private final UnsafeBuffer pageCrcs;
    private final long[] dirtyPages;
    private boolean isFirstScan = true;
    private long lastScanNs;
    private long totalScanNs;
    private long totalScannedBytes;
    private int scans;

    /**
     * Map the guest's RAM read-only and create the shadow.
     *
     * @param guestRam   the guest's RAM file.
     * @param shadowFile to create; it must not exist and should be on tmpfs.
     * @param pageSize   bytes per page.
     * @param ramBytes   bytes of RAM, a multiple of the page size.
     * @throws IOException if a file cannot be mapped or created.
     */
    public DirtyPageScanner(final Path guestRam, final Path shadowFile, final int pageSize, final long ramBytes)
        throws IOException
    {
        if (java.nio.file.Files.exists(shadowFile))
        {
            throw new IOException("shadow " + shadowFile + " already exists");
        }
        this.pageSize = pageSize;
        this.pageCount = ramBytes / pageSize;
        guest = MappedImage.openReadOnly(guestRam, pageSize, ramBytes);
        MappedImage created = null;
        try
        {
            created = MappedImage.createReadWrite(shadowFile, pageSize, ramBytes);
        }
        finally
        {
            if (null == created)
            {
                guest.close();
            }
        }
        shadow = created;
        pageCrcs = new UnsafeBuffer(BufferUtil.allocateDirectAligned(
            Math.toIntExact(pageCount * Integer.BYTES), 64));
        dirtyPages = new long[Math.toIntExact(pageCount)];
    }

    /**
     * Scan the guest's RAM: copy every page that differs from the shadow into it. The first scan copies all.
     *
     * @return how many pages changed; their numbers, ascending, are in {@link #dirtyPages()}.
     */
    public int scan()
    {
        final long startNs = System.nanoTime();
        int count = 0;
        for (long page = 0; page < pageCount; page++)
        {
            final UnsafeBuffer from = guest.segmentOf(page);
            final int offset = guest.offsetOf(page);
            final int crcIndex = (int)page * Integer.BYTES;
            if (!isFirstScan &&
                PageChecksum.crc32c(from, offset, pageSize) == pageCrcs.getInt(crcIndex, ByteOrder.LITTLE_ENDIAN))
            {
                continue;
            }
            final UnsafeBuffer to = shadow.segmentOf(page);
            to.putBytes(offset, from, offset, pageSize);
            pageCrcs.putInt(crcIndex, PageChecksum.crc32c(to, offset, pageSize), ByteOrder.LITTLE_ENDIAN);
            dirtyPages[count++] = page;
        }
        lastScanNs = System.nanoTime() - startNs;
        if (!isFirstScan)
        {
            totalScanNs += lastScanNs;
            totalScannedBytes += pageCount * pageSize;
        }
        isFirstScan = false;
        scans++;
        return count;
    }

    /**
     * Pages found dirty by the last scan; valid until the next.
     *
     * @return the array; read the count the scan returned.
     */
    public long[] dirtyPages()
    {
        return dirtyPages;
    }

    /**
     * The digest the engines agree on for the shadow as it is now: compare it with the completed transfer's.
     *
     * @return the 64-bit digest over the CRC32C table.
     */
    public long digest()
    {
        return ImageDigest.of(pageCrcs, pageCount);
    }

    /**
     * Duration of the last scan.
     *
     * @return nanoseconds.
     */
    public long lastScanNs()
    {
        return lastScanNs;
    }

    /**
     * Average checksum scan speed over the scans after the first (which copies everything).
     *
     * @return bytes of guest RAM scanned per second, 0 before the second scan.
     */
    public double scanBytesPerSecond()
    {
        return 0 == totalScanNs ? 0 : totalScannedBytes * 1e9 / totalScanNs;
    }

    /**
     * Scans done.
     *
     * @return the count, the first full copy included.
     */
    public int scans()
    {
        return scans;
    }

    /**
     * The shadow file the engine reads.
     *
     * @return its path.
     */
    public Path shadowFile()
    {
        return shadow.file();
    }

    /**
     * Pages of RAM.
     *
     * @return the count.
     */
    public long pageCount()
    {
        return pageCount;
    }

    /** Unmap both files. The shadow file stays on disk for the caller to delete. Idempotent. */
    public void close()
    {
        CloseHelper.closeAll(guest, shadow);
    }
}
