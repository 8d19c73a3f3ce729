package io.dwcp.perf.capture;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * One mapping of a process's address space as {@code /proc/PID/maps} lists it, or one range of a guest's memory.
 *
 * @param start       first address.
 * @param end         address after the last byte.
 * @param permissions four characters such as {@code rw-p}; {@code p} private, {@code s} shared.
 * @param inode       of the backing file, 0 for anonymous memory.
 * @param path        of the backing file, a pseudo name such as {@code [heap]}, or empty.
 */
public record MemoryRange(long start, long end, String permissions, long inode, String path)
{
    /** Kernel pseudo mappings: the same on every host and not the process's own memory. */
    private static final Set<String> KERNEL_MAPPINGS = Set.of("[vvar]", "[vvar_vclock]", "[vsyscall]", "[vdso]");

    /**
     * Bytes in the range.
     *
     * @return end minus start.
     */
    public long length()
    {
        return end - start;
    }

    /**
     * Whether a snapshot takes this mapping: it is readable, not a kernel pseudo mapping, and either anonymous
     * (heap, stacks, arenas, JIT code) or writable (the data segments of binaries and libraries). Read-only
     * file-backed mappings, that is code and constant data, are left out: they are the same on any host with the
     * same binaries, never change between snapshots, and a guest's page cache is not what they model.
     *
     * @return true if the mapping belongs in a snapshot.
     */
    public boolean isSnapshotCandidate()
    {
        if (permissions.charAt(0) != 'r' || KERNEL_MAPPINGS.contains(path) || start < 0 || end <= start)
        {
            return false;
        }
        final boolean isAnonymous = 0 == inode;
        final boolean isWritable = permissions.charAt(1) == 'w';
        return isAnonymous || isWritable;
    }

    /**
     * Parse one line of {@code /proc/PID/maps}: {@code start-end perms offset dev inode [path]}.
     *
     * @param line the line.
     * @return the range.
     * @throws IllegalArgumentException if the line is not in that form.
     */
    public static MemoryRange parse(final String line)
    {
        final String[] fields = line.trim().split("\\s+", 6);
        final int dash = fields[0].indexOf('-');
        if (fields.length < 5 || dash < 0 || fields[1].length() != 4)
        {
            throw new IllegalArgumentException("not a /proc/PID/maps line: " + line);
        }
        final long start = Long.parseUnsignedLong(fields[0].substring(0, dash), 16);
        final long end = Long.parseUnsignedLong(fields[0].substring(dash + 1), 16);
        final long inode = Long.parseLong(fields[4]);
        return new MemoryRange(start, end, fields[1], inode, fields.length > 5 ? fields[5] : "");
    }

    /**
     * Read a maps file.
     *
     * @param maps such as {@code /proc/1234/maps}.
     * @return every mapping, in address order.
     * @throws IOException if the file cannot be read, for example because the process is gone.
     */
    public static List<MemoryRange> readMaps(final Path maps) throws IOException
    {
        final List<MemoryRange> ranges = new ArrayList<>();
        for (final String line : Files.readAllLines(maps))
        {
            if (!line.isBlank())
            {
                ranges.add(parse(line));
            }
        }
        return ranges;
    }

    /**
     * The mappings a snapshot takes.
     *
     * @param all as read from the maps file.
     * @return those for which {@link #isSnapshotCandidate()} holds, in address order.
     */
    public static List<MemoryRange> snapshotCandidates(final List<MemoryRange> all)
    {
        final List<MemoryRange> candidates = new ArrayList<>();
        for (final MemoryRange range : all)
        {
            if (range.isSnapshotCandidate())
            {
                candidates.add(range);
            }
        }
        return candidates;
    }
}
