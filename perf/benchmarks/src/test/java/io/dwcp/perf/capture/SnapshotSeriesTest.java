package io.dwcp.perf.capture;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Snapshots of a small live CPython process: equal sizes, whole pages, real content, one layout, and no process
 * left behind.
 */
class SnapshotSeriesTest
{
    private static final int PAGE_SIZE = 4096;

    @TempDir
    Path directory;

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void twoSnapshotsOfALivePythonProcessShareOneLayout() throws Exception
    {
        assumeTrue(MemorySources.isPythonAvailable(), "python3 is not installed");
        final ChildProcessSource source =
            MemorySources.python(new MemorySources.WorkloadSettings(24L << 20, 2_000, 200, 7));
        final SnapshotSeries.Snapshot first;
        final SnapshotSeries.Snapshot second;
        final SnapshotLayout layout;
        try (source)
        {
            source.start(TimeUnit.SECONDS.toNanos(30));
            final SnapshotSeries series = new SnapshotSeries(source, directory, PAGE_SIZE);
            first = series.take();
            layout = series.layout();
            Thread.sleep(300);
            second = series.take();
            assertSame(layout, series.layout(), "the layout is fixed at the first snapshot");

            final String manifest = Files.readString(series.writeManifest(300));
            assertEquals(layout.entries().size(), manifest.split("\"fileOffset\"", -1).length - 1);
            assertTrue(manifest.contains("\"snapshotBytes\": " + layout.sizeBytes()), manifest);
        }
        assertFalse(source.process().isAlive(), "closing the source kills the child");

        final long size = layout.sizeBytes();
        assertTrue(size > 0 && size % PAGE_SIZE == 0, "whole pages: " + size);
        assertEquals(size, Files.size(first.file()));
        assertEquals(size, Files.size(second.file()));
        long offset = 0;
        for (final SnapshotLayout.Entry entry : layout.entries())
        {
            assertEquals(offset, entry.fileOffset(), "ranges follow each other at whole pages");
            assertEquals(0, entry.fileLength() % PAGE_SIZE);
            assertTrue(entry.range().isSnapshotCandidate(), entry.range().toString());
            offset += entry.fileLength();
        }
        assertEquals(size, offset);
        assertEquals(0, first.unmappedBytes());
        assertEquals(size, first.capturedBytes() + first.unmappedBytes() + first.unreadableBytes());
        assertEquals(size, second.capturedBytes() + second.unmappedBytes() + second.unreadableBytes());
        assertTrue(second.unmappedBytes() < size / 10, "the process kept its mappings: " + second);

        final byte[] before = Files.readAllBytes(first.file());
        final byte[] after = Files.readAllBytes(second.file());
        final long pages = size / PAGE_SIZE;
        long nonZero = 0;
        long sameNonZero = 0;
        for (int p = 0; p < pages; p++)
        {
            final int from = p * PAGE_SIZE;
            final boolean isZero = Arrays.mismatch(before, from, from + PAGE_SIZE,
                new byte[PAGE_SIZE], 0, PAGE_SIZE) < 0;
            if (!isZero)
            {
                nonZero++;
                if (Arrays.mismatch(before, from, from + PAGE_SIZE, after, from, from + PAGE_SIZE) < 0)
                {
                    sameNonZero++;
                }
            }
        }
        assertTrue(nonZero > pages / 4, nonZero + " of " + pages + " pages hold data");
        // The same address at the same offset: most pages of a process that ran for 0.3 s are as they were.
        assertTrue(sameNonZero > nonZero / 4, sameNonZero + " of " + nonZero + " non-zero pages unchanged");
        assertEquals(List.of(new SnapshotCorpus.Series("python", List.of(first.file(), second.file()), size)),
            SnapshotCorpus.load(directory, PAGE_SIZE));
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void aChildThatNeverGetsReadyIsReportedAndKilled()
    {
        assumeTrue(MemorySources.isPythonAvailable(), "python3 is not installed");
        final ChildProcessSource source = new ChildProcessSource("sleeper",
            List.of("python3", "-c", "import time; print('warming', flush=True); time.sleep(60)"), null);
        final IOException ex = assertThrows(IOException.class, () ->
        {
            try (source)
            {
                source.start(TimeUnit.MILLISECONDS.toNanos(500));
            }
        });
        assertTrue(ex.getMessage().contains("was not ready") && ex.getMessage().contains("warming"), ex.getMessage());
        assertFalse(source.process().isAlive(), "the child is killed on error");
    }
}
