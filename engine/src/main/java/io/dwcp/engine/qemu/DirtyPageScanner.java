package io.dwcp.engine.qemu;

import io.dwcp.codec.ImageDigest;
import io.dwcp.codec.PageChecksum;
import io.dwcp.engine.memory.FileHoles;
import io.dwcp.engine.memory.MappedImage;
import org.agrona.BufferUtil;
import org.agrona.CloseHelper;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
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
 * Not thread safe. Scan only pages the engine is not reading: between completed rounds, or, in round 0, ahead of the
 * ranges already handed to it.
 */
public final class DirtyPageScanner implements AutoCloseable
{
    /** Consecutive dirty pages written into the shadow with one write. */
    private static final int RUN_PAGES = 64;
    /** A range smaller than this per thread is scanned on fewer threads. */
    private static final long MIN_PAGES_PER_THREAD = 1024;

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
    private final ByteBuffer[] runBuffers;
    private final UnsafeBuffer[] runViews;
    private boolean isFirstScan = true;
    private long passNs;
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
            // A part other than the caller's is scanned only when at least two threads share a range.
            partPages[part] = new long[Math.toIntExact(pageCount / 2 + 1)];
        }
        runBuffers = new ByteBuffer[parts];
        runViews = new UnsafeBuffer[parts];
        for (int part = 0; part < parts; part++)
        {
            runBuffers[part] = BufferUtil.allocateDirectAligned(RUN_PAGES * pageSize, pageSize);
            runViews[part] = new UnsafeBuffer(runBuffers[part]);
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
        return scan(0, pageCount);
    }

    /**
     * Scan a range of the guest's RAM, as {@link #scan()} does the whole. A pass is complete when a scan reaches the
     * last page: the first pass may go in ranges, in order, so that the engine sends one range while the next is
     * scanned (round 0). The shadow's pages outside the range are not touched, so the engine may read them meanwhile.
     *
     * @param fromPage first page, the end of the previous range within a pass.
     * @param toPage   page after the last, at most {@link #pageCount()}.
     * @return how many pages of the range changed; their numbers, ascending, are in {@link #dirtyPages()}.
     */
    public int scan(final long fromPage, final long toPage)
    {
        if (fromPage < 0 || toPage > pageCount || fromPage > toPage)
        {
            throw new IllegalArgumentException("pages " + fromPage + " to " + toPage + " of " + pageCount);
        }
        final long startNs = System.nanoTime();
        final long span = toPage - fromPage;
        final int threads = (int)Math.min(parts, Math.max(1, span / MIN_PAGES_PER_THREAD));
        int count;
        try
        {
            if (1 == threads)
            {
                count = scanRange(0, fromPage, toPage, dirtyPages);
            }
            else
            {
                final List<Future<Integer>> futures = new ArrayList<>(threads - 1);
                for (int part = 1; part < threads; part++)
                {
                    final int index = part;
                    futures.add(workers.submit(() -> scanRange(index, fromPage + span * index / threads,
                        fromPage + span * (index + 1) / threads, partPages[index])));
                }
                try
                {
                    count = scanRange(0, fromPage, fromPage + span / threads, dirtyPages);
                    for (int part = 1; part < threads; part++)
                    {
                        final int partCount = await(futures.get(part - 1));
                        System.arraycopy(partPages[part], 0, dirtyPages, count, partCount);
                        count += partCount;
                    }
                }
                finally
                {
                    // However this range failed, no worker may still read the mappings a caller then closes.
                    awaitQuietly(futures);
                }
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot write the shadow " + shadow.file(), ex);
        }
        passNs += System.nanoTime() - startNs;
        if (toPage == pageCount)
        {
            lastScanNs = passNs;
            passNs = 0;
            if (!isFirstScan)
            {
                totalScanNs += lastScanNs;
                totalScannedBytes += pageCount * pageSize;
            }
            isFirstScan = false;
            scans++;
        }
        return count;
    }

    private static void awaitQuietly(final List<Future<Integer>> futures)
    {
        boolean isInterrupted = false;
        for (final Future<Integer> future : futures)
        {
            while (!future.isDone())
            {
                try
                {
                    future.get();
                }
                catch (final InterruptedException ex)
                {
                    isInterrupted = true;
                }
                catch (final ExecutionException | CancellationException ex)
                {
                    // Reported by await, or by the range's own failure.
                }
            }
        }
        if (isInterrupted)
        {
            Thread.currentThread().interrupt();
        }
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

    private int scanRange(final int part, final long fromPage, final long toPage, final long[] dirty)
        throws IOException
    {
        // One cursor and one run buffer per range: each range is scanned on a thread of its own.
        final FileHoles.Cursor holes = guest.holes().cursor();
        final ByteBuffer run = runBuffers[part].clear();
        final UnsafeBuffer runView = runViews[part];
        long runFirstPage = -1;
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
            if (run.position() > 0 && (page != runFirstPage + run.position() / pageSize || !run.hasRemaining()))
            {
                flush(run, runFirstPage);
            }
            if (0 == run.position())
            {
                runFirstPage = page;
            }
            // The copy is taken once, and both the checksum and the shadow come from it: the guest may write the
            // page again meanwhile, and the table must describe exactly what the engine will read.
            final int at = run.position();
            runView.putBytes(at, from, offset, pageSize);
            pageCrcs.putInt(crcIndex, PageChecksum.crc32c(runView, at, pageSize), ByteOrder.LITTLE_ENDIAN);
            run.position(at + pageSize);
            dirty[count++] = page;
        }
        if (run.position() > 0)
        {
            flush(run, runFirstPage);
        }
        return count;
    }

    /**
     * Write a run of consecutive pages into the shadow through the file, not its mapping: a new page of a tmpfs
     * file faulted in through a mapping is allocated and zeroed first (round 0 writes every page of the guest's).
     */
    private void flush(final ByteBuffer run, final long firstPage) throws IOException
    {
        run.flip();
        shadow.write(firstPage, run);
        run.clear();
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
