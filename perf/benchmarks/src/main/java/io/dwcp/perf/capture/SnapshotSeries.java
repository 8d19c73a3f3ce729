package io.dwcp.perf.capture;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Snapshots of one {@link MemorySource} into files {@code NAME-INDEX.mem} of equal size, laid out by a
 * {@link SnapshotLayout} fixed at the first snapshot, and a manifest {@code NAME.manifest.json} beside them.
 * <p>
 * Each snapshot pauses the source, lists its ranges, copies every range of the layout that is still mapped, and
 * resumes it, also on error. Memory mapped since the first snapshot is not in the layout: its bytes are counted as
 * missed. Pages that are all zeros are not written, so the files are sparse.
 * <p>
 * Not thread safe.
 */
public final class SnapshotSeries
{
    /** File name extension of snapshots; git ignores it. */
    public static final String EXTENSION = ".mem";

    private static final int CHUNK_BYTES = 1 << 20;

    private final MemorySource source;
    private final Path directory;
    private final int pageSize;
    private final ByteBuffer chunk = ByteBuffer.allocateDirect(CHUNK_BYTES);
    private final ByteBuffer zeros = ByteBuffer.allocateDirect(CHUNK_BYTES);
    private final List<Snapshot> snapshots = new ArrayList<>();
    private SnapshotLayout layout;
    private long firstStartNs;

    /**
     * What one snapshot took.
     *
     * @param index           0 for the first.
     * @param file            it was written to.
     * @param atMs            milliseconds after the first snapshot started.
     * @param pausedNs        how long the source was paused.
     * @param capturedBytes   bytes read from the source.
     * @param unmappedBytes   bytes of the layout no longer mapped, written as zeros.
     * @param unreadableBytes bytes mapped but unreadable, written as zeros.
     * @param missedBytes     bytes of mappings that are not in the layout, because they are newer than it.
     */
    public record Snapshot(int index, Path file, long atMs, long pausedNs, long capturedBytes, long unmappedBytes,
        long unreadableBytes, long missedBytes)
    {
    }

    /**
     * A series over a source that is already started.
     *
     * @param source    to read.
     * @param directory to write the snapshots and the manifest to; it must exist.
     * @param pageSize  bytes per page of the layout.
     */
    public SnapshotSeries(final MemorySource source, final Path directory, final int pageSize)
    {
        this.source = source;
        this.directory = directory;
        this.pageSize = pageSize;
    }

    /**
     * The file of a snapshot.
     *
     * @param directory of the series.
     * @param name      of the source.
     * @param index     of the snapshot.
     * @return {@code directory/NAME-INDEX.mem}.
     */
    public static Path snapshotFile(final Path directory, final String name, final int index)
    {
        return directory.resolve(name + "-" + index + EXTENSION);
    }

    /**
     * The manifest of a series.
     *
     * @param directory of the series.
     * @param name      of the source.
     * @return {@code directory/NAME.manifest.json}.
     */
    public static Path manifestFile(final Path directory, final String name)
    {
        return directory.resolve(name + ".manifest.json");
    }

    /**
     * Take the next snapshot.
     *
     * @return what it took.
     * @throws IOException          if the source cannot be paused, listed or read, or the file cannot be written.
     * @throws InterruptedException if interrupted while pausing.
     */
    public Snapshot take() throws IOException, InterruptedException
    {
        final int index = snapshots.size();
        final long startNs = System.nanoTime();
        if (0 == index)
        {
            firstStartNs = startNs;
        }
        final Path file = snapshotFile(directory, source.name(), index);
        final long[] counts = new long[3];
        final long missed;
        source.pause();
        try
        {
            final List<MemoryRange> current = source.ranges();
            if (null == layout)
            {
                layout = SnapshotLayout.of(current, pageSize);
            }
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING))
            {
                copyLayout(current, channel, counts);
                if (channel.size() < layout.sizeBytes())
                {
                    // Extends the file with a hole, so the zeros at its end cost no disk.
                    channel.write(ByteBuffer.allocate(1), layout.sizeBytes() - 1);
                }
            }
            missed = missedBytes(current);
        }
        finally
        {
            source.resume();
        }
        final long pausedNs = System.nanoTime() - startNs;
        final Snapshot snapshot = new Snapshot(index, file, (startNs - firstStartNs) / 1_000_000, pausedNs,
            counts[0], counts[1], counts[2], missed);
        snapshots.add(snapshot);
        return snapshot;
    }

    /**
     * Name of the source, which prefixes the files.
     *
     * @return the name.
     */
    public String name()
    {
        return source.name();
    }

    /**
     * The layout, fixed by the first snapshot.
     *
     * @return the layout, or null before the first snapshot.
     */
    public SnapshotLayout layout()
    {
        return layout;
    }

    /**
     * Snapshots taken so far.
     *
     * @return them in order.
     */
    public List<Snapshot> snapshots()
    {
        return List.copyOf(snapshots);
    }

    /**
     * Write the manifest: the source, the layout's ranges and every snapshot taken.
     *
     * @param intervalMs the interval asked for between snapshots.
     * @return the manifest file.
     * @throws IOException if it cannot be written.
     */
    public Path writeManifest(final long intervalMs) throws IOException
    {
        final StringBuilder json = new StringBuilder(4096);
        json.append("{\n  \"source\": ").append(quote(source.name()));
        for (final Map.Entry<String, String> entry : source.description().entrySet())
        {
            json.append(",\n  ").append(quote(entry.getKey())).append(": ").append(quote(entry.getValue()));
        }
        json.append(",\n  \"pageSize\": ").append(pageSize)
            .append(",\n  \"snapshotBytes\": ").append(null == layout ? 0 : layout.sizeBytes())
            .append(",\n  \"intervalMs\": ").append(intervalMs)
            .append(",\n  \"snapshots\": [");
        for (int i = 0; i < snapshots.size(); i++)
        {
            final Snapshot s = snapshots.get(i);
            json.append(0 == i ? "\n" : ",\n")
                .append("    {\"file\": ").append(quote(s.file().getFileName().toString()))
                .append(", \"atMs\": ").append(s.atMs())
                .append(", \"pausedMs\": ").append(s.pausedNs() / 1_000_000)
                .append(", \"capturedBytes\": ").append(s.capturedBytes())
                .append(", \"unmappedBytes\": ").append(s.unmappedBytes())
                .append(", \"unreadableBytes\": ").append(s.unreadableBytes())
                .append(", \"missedBytes\": ").append(s.missedBytes()).append('}');
        }
        json.append("\n  ],\n  \"ranges\": [");
        if (null != layout)
        {
            for (int i = 0; i < layout.entries().size(); i++)
            {
                final SnapshotLayout.Entry e = layout.entries().get(i);
                json.append(0 == i ? "\n" : ",\n")
                    .append("    {\"start\": ").append(quote("0x" + Long.toHexString(e.range().start())))
                    .append(", \"end\": ").append(quote("0x" + Long.toHexString(e.range().end())))
                    .append(", \"permissions\": ").append(quote(e.range().permissions()))
                    .append(", \"path\": ").append(quote(e.range().path()))
                    .append(", \"fileOffset\": ").append(e.fileOffset())
                    .append(", \"fileLength\": ").append(e.fileLength()).append('}');
            }
        }
        json.append("\n  ]\n}\n");
        final Path manifest = manifestFile(directory, source.name());
        Files.writeString(manifest, json);
        return manifest;
    }

    private void copyLayout(final List<MemoryRange> current, final FileChannel channel, final long[] counts)
        throws IOException
    {
        for (final SnapshotLayout.Entry entry : layout.entries())
        {
            final long start = entry.range().start();
            final long end = entry.range().end();
            long mapped = 0;
            for (final MemoryRange range : current)
            {
                final long from = Math.max(start, range.start());
                final long to = Math.min(end, range.end());
                if (from < to)
                {
                    mapped += to - from;
                    copy(from, to, channel, entry.fileOffset() + (from - start), counts);
                }
            }
            counts[1] += entry.range().length() - mapped;
        }
    }

    /**
     * Copy addresses [from, to) to the file at an offset, a chunk at a time; a chunk that fails is read again page
     * by page, and pages that still fail stay zero.
     */
    private void copy(final long from, final long to, final FileChannel channel, final long fileOffset,
        final long[] counts) throws IOException
    {
        for (long address = from; address < to; address += CHUNK_BYTES)
        {
            final int length = (int)Math.min(CHUNK_BYTES, to - address);
            chunk.clear().limit(length);
            int read;
            try
            {
                read = source.read(address, chunk);
            }
            catch (final IOException ex)
            {
                read = 0;
            }
            if (read == length)
            {
                writeUnlessZero(channel, 0, length, fileOffset + (address - from));
                counts[0] += length;
                continue;
            }
            for (int offset = 0; offset < length; offset += pageSize)
            {
                final int pageLength = Math.min(pageSize, length - offset);
                chunk.clear().position(offset).limit(offset + pageLength);
                int pageRead;
                try
                {
                    pageRead = source.read(address + offset, chunk);
                }
                catch (final IOException ex)
                {
                    pageRead = 0;
                }
                if (pageRead == pageLength)
                {
                    writeUnlessZero(channel, offset, pageLength, fileOffset + (address - from) + offset);
                    counts[0] += pageLength;
                }
                else
                {
                    counts[2] += pageLength;
                }
            }
        }
    }

    private void writeUnlessZero(final FileChannel channel, final int offset, final int length, final long position)
        throws IOException
    {
        final ByteBuffer bytes = chunk.duplicate().limit(offset + length).position(offset);
        if (bytes.mismatch(zeros.duplicate().limit(length).position(0)) < 0)
        {
            return;
        }
        long written = 0;
        while (bytes.hasRemaining())
        {
            written += channel.write(bytes, position + written);
        }
    }

    private long missedBytes(final List<MemoryRange> current)
    {
        long missed = 0;
        for (final MemoryRange range : current)
        {
            long covered = 0;
            for (final SnapshotLayout.Entry entry : layout.entries())
            {
                final long from = Math.max(entry.range().start(), range.start());
                final long to = Math.min(entry.range().end(), range.end());
                if (from < to)
                {
                    covered += to - from;
                }
            }
            missed += range.length() - covered;
        }
        return missed;
    }

    private static String quote(final String text)
    {
        final StringBuilder quoted = new StringBuilder(text.length() + 2).append('"');
        for (int i = 0; i < text.length(); i++)
        {
            final char c = text.charAt(i);
            if (c == '"' || c == '\\')
            {
                quoted.append('\\').append(c);
            }
            else if (c < 0x20)
            {
                quoted.append(String.format("\\u%04x", (int)c));
            }
            else
            {
                quoted.append(c);
            }
        }
        return quoted.append('"').toString();
    }
}
