package io.dwcp.engine.memory;

import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * A memory image mapped from a file in 1 GiB segments, so images larger than 2 GiB work, and read page by page.
 * A page never straddles two segments because the page size divides the segment size.
 * <p>
 * Not thread safe: owned by one agent.
 */
public final class MappedImage implements AutoCloseable
{
    private static final int SEGMENT_SHIFT = 30;
    private static final long SEGMENT_MASK = (1L << SEGMENT_SHIFT) - 1;

    private final Path file;
    private final int pageSize;
    private final long pageCount;
    private final MappedByteBuffer[] mappings;
    private final UnsafeBuffer[] segments;
    private final RandomAccessFile writeFile;
    private final FileHoles holes;
    private boolean isClosed;

    private MappedImage(final Path file, final int pageSize, final long length, final FileChannel.MapMode mode,
        final FileChannel channel) throws IOException
    {
        this(file, pageSize, length, mode, channel, null);
    }

    private MappedImage(final Path file, final int pageSize, final long length, final FileChannel.MapMode mode,
        final FileChannel channel, final RandomAccessFile writeFile) throws IOException
    {
        this.file = file;
        this.writeFile = writeFile;
        this.pageSize = pageSize;
        this.pageCount = length / pageSize;
        final int segmentCount = (int)((length + SEGMENT_MASK) >>> SEGMENT_SHIFT);
        holes = FileHoles.of(file);
        mappings = new MappedByteBuffer[segmentCount];
        segments = new UnsafeBuffer[segmentCount];
        try
        {
            for (int i = 0; i < segmentCount; i++)
            {
                final long start = (long)i << SEGMENT_SHIFT;
                mappings[i] = channel.map(mode, start, Math.min(1L << SEGMENT_SHIFT, length - start));
                segments[i] = new UnsafeBuffer(mappings[i]);
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            for (final MappedByteBuffer mapping : mappings)
            {
                if (null != mapping)
                {
                    IoUtil.unmap(mapping);
                }
            }
            holes.close();
            throw ex;
        }
    }

    /**
     * Map the first {@code length} bytes of an existing file read-only.
     *
     * @param file     to map.
     * @param pageSize bytes per page, a power of two no larger than 1 GiB.
     * @param length   bytes to map, a multiple of the page size and no more than the file holds.
     * @return the mapped image.
     * @throws IOException if the file is missing, unreadable or too short.
     */
    public static MappedImage openReadOnly(final Path file, final int pageSize, final long length) throws IOException
    {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r"))
        {
            if (raf.length() < length)
            {
                throw new IOException(
                    file + " holds " + raf.length() + " bytes, fewer than the " + length + " to send");
            }
            return new MappedImage(file, pageSize, length, FileChannel.MapMode.READ_ONLY, raf.getChannel());
        }
    }

    /**
     * Map the first {@code length} bytes of an existing file read-write, for an agent that changes a live image.
     *
     * @param file     to map.
     * @param pageSize bytes per page.
     * @param length   bytes to map, no more than the file holds.
     * @return the mapped image.
     * @throws IOException if the file is missing or too short.
     */
    public static MappedImage openReadWrite(final Path file, final int pageSize, final long length) throws IOException
    {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw"))
        {
            if (raf.length() < length)
            {
                throw new IOException(file + " holds " + raf.length() + " bytes, fewer than " + length);
            }
            return new MappedImage(file, pageSize, length, FileChannel.MapMode.READ_WRITE, raf.getChannel());
        }
    }

    /**
     * The segment buffers, 1 GiB each but the last; page {@code p} is in {@code segments()[p * pageSize >> 30]}.
     *
     * @return the segments; do not replace them.
     */
    public UnsafeBuffer[] segments()
    {
        return segments;
    }

    /**
     * Create a new file of zeros, mode 0600, and map it read-write. Creation is exclusive: it fails when anything,
     * a symlink included, already has the name, so no link is ever followed.
     *
     * @param file     to create.
     * @param pageSize bytes per page.
     * @param length   bytes in the image.
     * @return the mapped image.
     * @throws IOException if the file exists or cannot be created.
     */
    public static MappedImage createNew(final Path file, final int pageSize, final long length) throws IOException
    {
        // Guest memory holds secrets: only the receiver's user may read it.
        java.nio.file.Files.createFile(file, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
            java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
        return createReadWrite(file, pageSize, length);
    }

    /**
     * Create or replace a file of zeros and map it read-write.
     *
     * @param file     to create.
     * @param pageSize bytes per page.
     * @param length   bytes in the image.
     * @return the mapped image.
     * @throws IOException if the file cannot be created.
     */
    public static MappedImage createReadWrite(final Path file, final int pageSize, final long length) throws IOException
    {
        final RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw");
        try
        {
            // Truncate first so every page starts as zeros, whatever the file held before.
            raf.setLength(0);
            raf.setLength(length);
            return new MappedImage(file, pageSize, length, FileChannel.MapMode.READ_WRITE, raf.getChannel(), raf);
        }
        catch (final IOException | RuntimeException ex)
        {
            raf.close();
            throw ex;
        }
    }

    /**
     * Write whole pages through the file rather than the mapping, which sees them at once (one page cache). On this
     * kernel that fills the page cache about six times faster than faulting each page of a new file's mapping in
     * (1.0 s against 0.17 s for 641 MiB, docs/FRAME-CODEC.md). Only for images made by {@link #createReadWrite}.
     *
     * @param pageNumber of the first page.
     * @param source     the bytes from its position to its limit, a whole number of pages; the position advances.
     * @throws IOException if the file cannot be written, for example when its file system is full.
     */
    public void write(final long pageNumber, final ByteBuffer source) throws IOException
    {
        final FileChannel channel = writeFile.getChannel();
        long position = pageNumber * pageSize;
        while (source.hasRemaining())
        {
            position += channel.write(source, position);
        }
    }

    /**
     * Open an existing file to write, as a receiver resuming a transfer does: its content stays.
     *
     * @param file     to open; it must hold exactly {@code length} bytes.
     * @param pageSize bytes per page.
     * @param length   bytes to map.
     * @return the image.
     * @throws IOException if the file cannot be opened or has another length.
     */
    public static MappedImage reopenWritable(final Path file, final int pageSize, final long length)
        throws IOException
    {
        final RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw");
        try
        {
            if (raf.length() != length)
            {
                throw new IOException(file + " holds " + raf.length() + " bytes, not the " + length + " expected");
            }
            return new MappedImage(file, pageSize, length, FileChannel.MapMode.READ_WRITE, raf.getChannel(), raf);
        }
        catch (final IOException | RuntimeException ex)
        {
            raf.close();
            throw ex;
        }
    }

    /**
     * Write what was written to the file, through the mapping or not, out to its storage.
     *
     * @throws IOException if it cannot be.
     */
    public void force() throws IOException
    {
        if (null != writeFile)
        {
            // fdatasync writes back every dirty page of the file, those written through the mappings too: on Linux
            // msync is the same call on a range, so one pass over the file is enough.
            writeFile.getChannel().force(false);
            return;
        }
        for (final MappedByteBuffer mapping : mappings)
        {
            mapping.force();
        }
    }

    /**
     * Can pages be written through the file?
     *
     * @return true for images made by {@link #createReadWrite}.
     */
    public boolean isWritable()
    {
        return null != writeFile;
    }

    /**
     * The segment buffer that holds a page.
     *
     * @param pageNumber of the page, below {@link #pageCount()}.
     * @return the buffer; use with {@link #offsetOf(long)}.
     */
    public UnsafeBuffer segmentOf(final long pageNumber)
    {
        return segments[(int)((pageNumber * pageSize) >>> SEGMENT_SHIFT)];
    }

    /**
     * Offset of a page within its segment buffer.
     *
     * @param pageNumber of the page.
     * @return the offset in {@link #segmentOf(long)}.
     */
    public int offsetOf(final long pageNumber)
    {
        return (int)((pageNumber * pageSize) & SEGMENT_MASK);
    }

    /**
     * Pages in the image.
     *
     * @return pages in the image.
     */
    public long pageCount()
    {
        return pageCount;
    }

    /**
     * Bytes per page.
     *
     * @return bytes per page.
     */
    public int pageSize()
    {
        return pageSize;
    }

    /**
     * File the image is mapped from.
     *
     * @return the file.
     */
    public Path file()
    {
        return file;
    }

    /**
     * The file's holes: pages never written, zero without reading them (reading them through the mapping allocates
     * and zeroes a page). Thread safe; each thread asks through a cursor of its own.
     *
     * @return the holes; an instance that finds none where the platform cannot tell.
     */
    public FileHoles holes()
    {
        return holes;
    }

    /** Unmap the file. Idempotent. */
    public void close()
    {
        if (!isClosed)
        {
            isClosed = true;
            holes.close();
            for (final MappedByteBuffer mapping : mappings)
            {
                IoUtil.unmap(mapping);
            }
            if (null != writeFile)
            {
                try
                {
                    writeFile.close();
                }
                catch (final IOException ignore)
                {
                    // The mappings are gone and nothing is left to write.
                }
            }
        }
    }
}
