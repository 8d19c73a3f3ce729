package io.dwcp.perf;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The snapshot benchmark end to end on a tiny corpus written here: every round goes through the engines, every
 * zstd baseline runs, and the destination is checked.
 */
class SnapshotMigrationTest
{
    private static final int PAGE_SIZE = 4096;
    private static final int PAGES = 256;

    @TempDir
    Path directory;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void migratesASeriesRoundByRoundBesideZstd() throws Exception
    {
        assumeTrue(isZstdAvailable(), "the zstd command is not installed");
        final Path corpus = Files.createDirectories(directory.resolve("corpus"));
        final Random random = new Random(42);
        final byte[] image = new byte[PAGES * PAGE_SIZE];
        for (int page = 0; page < PAGES; page++)
        {
            fill(image, page, random);
        }
        for (int snapshot = 0; snapshot < 3; snapshot++)
        {
            if (snapshot > 0)
            {
                for (int i = 0; i < PAGES / 8; i++)
                {
                    fill(image, random.nextInt(PAGES), random);
                }
            }
            Files.write(corpus.resolve("tiny-" + snapshot + ".mem"), image);
        }
        final Path markdown = directory.resolve("report.md");

        SnapshotMigration.main(new String[] { "--corpus", corpus.toString(), "--markdown", markdown.toString(),
            "--work", directory.resolve("work").toString() });

        final String report = Files.readString(markdown);
        assertTrue(report.contains("### `tiny`: 3 snapshots of 1.0 MiB (256 pages)"), report);
        assertTrue(report.contains("| 0 | 256 |"), report);
        assertTrue(report.contains("| 1–2 |"), report);
        assertTrue(report.contains("Destination equal to snapshot 2 byte for byte."), report);
    }

    @Test
    void refusesCaptureOptionsBesideACorpus()
    {
        assertThrows(IllegalArgumentException.class, () -> SnapshotMigration.main(
            new String[] { "--corpus", directory.toString(), "--snapshots", "3" }));
        assertThrows(IllegalArgumentException.class, () -> SnapshotMigration.main(new String[] { "--speed", "2" }));
    }

    private static void fill(final byte[] image, final int page, final Random random)
    {
        final int from = page * PAGE_SIZE;
        switch (page % 4)
        {
            case 0 -> Arrays.fill(image, from, from + PAGE_SIZE, (byte)0);
            case 1 ->
            {
                final byte[] text = ("page " + page + " value " + random.nextInt(1000) + "; ")
                    .repeat(PAGE_SIZE / 16).getBytes(StandardCharsets.US_ASCII);
                System.arraycopy(text, 0, image, from, PAGE_SIZE);
            }
            default ->
            {
                final byte[] noise = new byte[PAGE_SIZE];
                random.nextBytes(noise);
                System.arraycopy(noise, 0, image, from, PAGE_SIZE);
            }
        }
    }

    private static boolean isZstdAvailable()
    {
        try
        {
            return 0 == new ProcessBuilder("zstd", "-V").redirectErrorStream(true).start().waitFor();
        }
        catch (final Exception ex)
        {
            return false;
        }
    }
}
