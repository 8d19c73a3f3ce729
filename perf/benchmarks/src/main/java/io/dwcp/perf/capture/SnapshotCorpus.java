package io.dwcp.perf.capture;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The snapshot series in a directory that {@link SnapshotSeries} wrote: files {@code NAME-INDEX.mem}, grouped by
 * name and ordered by index.
 */
public final class SnapshotCorpus
{
    private static final Pattern SNAPSHOT_NAME = Pattern.compile("(.+)-(\\d+)\\" + SnapshotSeries.EXTENSION);

    /**
     * One series.
     *
     * @param name      of the source.
     * @param snapshots files, snapshot 0 first.
     * @param sizeBytes of every snapshot.
     */
    public record Series(String name, List<Path> snapshots, long sizeBytes)
    {
    }

    private SnapshotCorpus()
    {
    }

    /**
     * Find the series in a directory and check that each is usable: indexes 0 to n-1 with none missing, at least
     * two snapshots, and every snapshot the same whole number of pages.
     *
     * @param directory written by the capture tool.
     * @param pageSize  bytes per page.
     * @return the series, by name.
     * @throws IOException if the directory cannot be listed, holds no series, or a series is not usable.
     */
    public static List<Series> load(final Path directory, final int pageSize) throws IOException
    {
        final Map<String, TreeMap<Integer, Path>> byName = new TreeMap<>();
        try (Stream<Path> files = Files.list(directory))
        {
            for (final Path file : (Iterable<Path>)files::iterator)
            {
                final Matcher matcher = SNAPSHOT_NAME.matcher(file.getFileName().toString());
                if (matcher.matches() && Files.isRegularFile(file))
                {
                    byName.computeIfAbsent(matcher.group(1), (name) -> new TreeMap<>())
                        .put(Integer.parseInt(matcher.group(2)), file);
                }
            }
        }
        if (byName.isEmpty())
        {
            throw new IOException(directory + " holds no snapshots (NAME-INDEX" + SnapshotSeries.EXTENSION + ")");
        }

        final List<Series> series = new ArrayList<>();
        for (final Map.Entry<String, TreeMap<Integer, Path>> entry : byName.entrySet())
        {
            final String name = entry.getKey();
            final TreeMap<Integer, Path> byIndex = entry.getValue();
            if (byIndex.size() < 2 || byIndex.firstKey() != 0 || byIndex.lastKey() != byIndex.size() - 1)
            {
                throw new IOException("series " + name + " in " + directory + " needs snapshots 0 to n-1, n >= 2; " +
                    "it has " + byIndex.keySet());
            }
            final List<Path> snapshots = new ArrayList<>(byIndex.values());
            final long size = Files.size(snapshots.get(0));
            for (final Path snapshot : snapshots)
            {
                if (Files.size(snapshot) != size || 0 == size || size % pageSize != 0)
                {
                    throw new IOException("series " + name + ": " + snapshot.getFileName() + " holds " +
                        Files.size(snapshot) + " bytes; every snapshot must hold the same positive whole number of " +
                        pageSize + "-byte pages (" + snapshots.get(0).getFileName() + " holds " + size + ")");
                }
            }
            series.add(new Series(name, List.copyOf(snapshots), size));
        }
        return series;
    }
}
