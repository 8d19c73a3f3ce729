package io.dwcp.engine.memory;

import net.openhft.posix.PosixAPI;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Where a file's holes are, as a Linux file system says ({@code lseek} with {@code SEEK_DATA} and {@code SEEK_HOLE}):
 * ranges never written, which read as zeros. Reading a hole through a shared mapping is not free: on tmpfs and on
 * ext4 the read fault allocates a page and zeroes it, so a sender reading a sparse RAM file, and a receiver checking
 * that a page it is told is zero is zero already, each filled memory with zeros (a third of each engine's time in a
 * QEMU migration went to {@code clear_page}, and each host's RAM grew by the guest's zero pages). A page in a hole is
 * known to be zero without touching it.
 * <p>
 * The answer is the file's state when asked, as a read would be; a {@link Cursor} keeps the last extent it learnt,
 * so that a run of pages costs one or two calls, and must be told to {@link Cursor#forget()} it once the file may have
 * been written since. Where the platform cannot tell (no native access, or a file system without {@code SEEK_DATA}),
 * nothing is a hole and pages are read as before.
 * <p>
 * Thread safe; each {@link Cursor} is not, and belongs to one thread.
 */
public final class FileHoles implements AutoCloseable
{
    // Linux's values: Chronicle's WhenceFlag gives SEEK_DATA 4 and SEEK_HOLE 5, which are another system's, and
    // on Linux ask the other question (4 is SEEK_HOLE), which took every page for a hole.
    private static final int O_RDONLY = 0;
    private static final int SEEK_DATA = 3;
    private static final int SEEK_HOLE = 4;
    private static final int ENXIO = 6;
    private static final FileHoles NONE = new FileHoles(null, -1);
    private static final AtomicBoolean IS_PREPARING = new AtomicBoolean();

    private final PosixAPI posix;
    private final int fd;
    private volatile boolean isClosed;

    private FileHoles(final PosixAPI posix, final int fd)
    {
        this.posix = posix;
        this.fd = fd;
    }

    /**
     * Load the native access in the background, now: it takes 0.3-0.5 s in a JVM that has just started, which the
     * first {@link #of} would otherwise pay inside a transfer or a migration's setup. Idempotent.
     */
    public static void prepare()
    {
        if (System.getProperty("os.name", "").startsWith("Linux") && !IS_PREPARING.getAndSet(true))
        {
            final Thread loader = new Thread(FileHoles::loadQuietly, "dwcp-posix-loader");
            loader.setDaemon(true);
            loader.start();
        }
    }

    private static void loadQuietly()
    {
        try
        {
            PosixAPI.posix();
        }
        catch (final RuntimeException | LinkageError ignore)
        {
            // of() finds it missing again, and finds no holes.
        }
    }

    /**
     * Open a file to ask about its holes.
     *
     * @param file to ask about; it should exist.
     * @return the file's holes, or an instance that finds none where the platform cannot tell; never null.
     */
    public static FileHoles of(final Path file)
    {
        if (!System.getProperty("os.name", "").startsWith("Linux"))
        {
            return NONE;
        }
        try
        {
            final PosixAPI posix = PosixAPI.posix();
            final int fd = posix.open(file.toString(), O_RDONLY, 0);
            if (fd < 0)
            {
                return NONE;
            }
            // A file system that cannot tell answers EINVAL; one that can answers an offset or ENXIO.
            if (posix.lseek(fd, 0, SEEK_DATA) < 0 && ENXIO != posix.lastError())
            {
                posix.close(fd);
                return NONE;
            }
            return new FileHoles(posix, fd);
        }
        catch (final RuntimeException | LinkageError ex)
        {
            return NONE;
        }
    }

    /**
     * Can this instance find holes at all?
     *
     * @return false where the platform or file system cannot tell.
     */
    public boolean canTell()
    {
        return fd >= 0;
    }

    /**
     * A cursor for one thread's questions.
     *
     * @return a new cursor.
     */
    public Cursor cursor()
    {
        return new Cursor();
    }

    /** Close the file. Idempotent; cursors then find no holes. */
    @Override
    public void close()
    {
        if (fd >= 0 && !isClosed)
        {
            isClosed = true;
            posix.close(fd);
        }
    }

    /**
     * One thread's questions, with the last extent learnt kept. Not thread safe.
     */
    public final class Cursor
    {
        private long holeStart = -1;
        private long holeEnd = -1;
        private long dataStart = -1;
        private long dataEnd = -1;

        private Cursor()
        {
        }

        /**
         * Is this range all hole, that is zeros nobody wrote?
         *
         * @param offset of the range in the file.
         * @param length of the range.
         * @return true when the file system says so; false when it has data there or cannot tell.
         */
        public boolean isHole(final long offset, final int length)
        {
            if (fd < 0 || isClosed)
            {
                return false;
            }
            final long end = offset + length;
            if (offset >= holeStart && end <= holeEnd)
            {
                return true;
            }
            if (offset >= dataStart && offset < dataEnd)
            {
                return false;
            }
            final long data = posix.lseek(fd, offset, SEEK_DATA);
            if (data < 0)
            {
                // ENXIO: no data from here to the end of the file. Anything else: cannot tell, so read it.
                if (ENXIO != posix.lastError())
                {
                    return false;
                }
                holeStart = offset;
                holeEnd = Long.MAX_VALUE;
                return true;
            }
            if (data >= end)
            {
                holeStart = offset;
                holeEnd = data;
                return true;
            }
            if (data <= offset)
            {
                final long hole = posix.lseek(fd, offset, SEEK_HOLE);
                dataStart = offset;
                dataEnd = hole > offset ? hole : end;
            }
            return false;
        }

        /**
         * Drop the hole learnt: the file may have been written since. The data learnt stays: a write never makes a
         * hole, and a range taken for data is only read, which is right whatever it holds. Asking afresh for data
         * cost the sender 12% of its time in a QEMU migration: from inside a data extent, the file system's answer
         * walks to the extent's end, and frames asked again and again from inside the same large extent.
         */
        public void forget()
        {
            holeStart = -1;
            holeEnd = -1;
        }
    }
}
