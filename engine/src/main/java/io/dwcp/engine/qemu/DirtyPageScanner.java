package io.dwcp.engine.qemu;

import io.dwcp.codec.ImageDigest;
import io.dwcp.codec.PageChecksum;
import io.dwcp.engine.memory.FileHoles;
import io.dwcp.engine.memory.MappedImage;
import org.agrona.BufferUtil;
import org.agrona.CloseHelper;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Finds the pages a running guest dirtied without kernel help, by checksum: it keeps a shadow copy of what it gave
 * the engine and the CRC32C of each of its pages, and a scan sends every page of guest RAM whose CRC32C differs.
 * <p>
 * The engine reads the shadow, not the live RAM. Each dirty page is copied into the shadow first and its CRC32C is
 * taken from that copy, so the table always describes exactly the bytes the engine sent: a page the guest changes
 * and changes back while the engine reads it cannot be missed. It also makes the table the one the engine's digest
 * is computed over, so {@link #digest()} checks the destination against the source end to end.
 * <p>
 * Pages are split between a few threads, each checking its own range; the guest is stopped during the final scan,
 * so its core is free then.
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
    private final int zeroCrc;
    private final long[] dirtyPages;
    private final int parts;
    private final long[][] partPages;
    private final ExecutorService workers;
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
     * @param threads    threads that scan, the caller's included; 1 scans on the caller's thread alone.
     * @throws IOException if a file cannot be mapped or created.
     */
    public DirtyPageScanner(
        final Path guestRam, final Path shadowFile, final int pageSize, final long ramBytes, final int threads)
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
        // Every page starts as the zero page the shadow and a fresh destination hold, as in the sender's table.
        zeroCrc = PageChecksum.zeroPageCrc32c(pageSize);
        for (long page = 0; page < pageCount; page++)
        {
            pageCrcs.putInt((int)page * Integer.BYTES, zeroCrc, ByteOrder.LITTLE_ENDIAN);
        }
        dirtyPages = new long[Math.toIntExact(pageCount)];
        this.parts = (int)Math.max(1, Math.min(threads, pageCount));
        partPages = new long[parts][];
        for (int part = 1; part < parts; part++)
        {
            partPages[part] = new long[Math.toIntExact(partStart(part + 1) - partStart(part))];
        }
        workers = parts > 1 ? Executors.newFixedThreadPool(parts - 1, (task) ->
        {
            final Thread thread = new Thread(task, "dwcp-scan");
            thread.setDaemon(true);
            return thread;
        }) : null;
    }

    /**
     * Scan the guest's RAM: copy every page that differs from the shadow into it. The first scan copies every page
     * but the zero ones, which the shadow and a fresh destination already hold.
     *
     * @return how many pages changed; their numbers, ascending, are in {@link #dirtyPages()}.
     */
    public int scan()
    {
        final long startNs = System.nanoTime();
        int count;
        if (1 == parts)
        {
            count = scanRange(0, pageCount, dirtyPages);
        }
        else
        {
            final List<Future<Integer>> futures = new ArrayList<>(parts - 1);
            for (int part = 1; part < parts; part++)
            {
                final int index = part;
                futures.add(workers.submit(() -> scanRange(partStart(index), partStart(index + 1),
                    partPages[index])));
            }
            count = scanRange(0, partStart(1), dirtyPages);
            for (int part = 1; part < parts; part++)
            {
                final int partCount = await(futures.get(part - 1));
                System.arraycopy(partPages[part], 0, dirtyPages, count, partCount);
                count += partCount;
            }
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

    private long partStart(final int part)
    {
        return pageCount * part / parts;
    }

    private static int await(final Future<Integer> future)
    {
        try
        {
            return future.get();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while scanning", ex);
        }
        catch (final ExecutionException ex)
        {
            throw new IllegalStateException("a scan worker failed", ex.getCause());
        }
    }

    private int scanRange(final long fromPage, final long toPage, final long[] dirty)
    {
        // One cursor per range: each range is scanned on a thread of its own.
        final FileHoles.Cursor holes = guest.holes().cursor();
        int count = 0;
        for (long page = fromPage; page < toPage; page++)
        {
            final int crcIndex = (int)page * Integer.BYTES;
            // A hole of the guest's RAM file is a page the guest never touched: zero, as the shadow's copy still is
            // while its checksum is the zero page's. Reading it through the mapping would allocate it in the file.
            if (zeroCrc == pageCrcs.getInt(crcIndex, ByteOrder.LITTLE_ENDIAN) &&
                holes.isHole(page * pageSize, pageSize))
            {
                continue;
            }
            final UnsafeBuffer from = guest.segmentOf(page);
            final int offset = guest.offsetOf(page);
            final int crc = PageChecksum.crc32c(from, offset, pageSize);
            if (crc == pageCrcs.getInt(crcIndex, ByteOrder.LITTLE_ENDIAN) && (!isFirstScan || isZero(from, offset)))
            {
                // Unchanged since it was last sent; on the first scan, a zero page the destination already holds.
                continue;
            }
            final UnsafeBuffer to = shadow.segmentOf(page);
            to.putBytes(offset, from, offset, pageSize);
            pageCrcs.putInt(crcIndex, PageChecksum.crc32c(to, offset, pageSize), ByteOrder.LITTLE_ENDIAN);
            dirty[count++] = page;
        }
        return count;
    }

    private boolean isZero(final UnsafeBuffer buffer, final int offset)
    {
        for (int i = 0; i < pageSize; i += Long.BYTES)
        {
            if (0 != buffer.getLong(offset + i))
            {
                return false;
            }
        }
        return true;
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
        if (null != workers)
        {
            workers.shutdownNow();
        }
        CloseHelper.closeAll(guest, shadow);
    }
}
