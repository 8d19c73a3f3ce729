package io.dwcp.engine.system;

import io.dwcp.engine.memory.FileHoles;
import io.dwcp.engine.memory.ImageComparison;
import io.dwcp.engine.status.EngineCounter;
import io.dwcp.engine.test.MigrationHarness;
import org.agrona.IoUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A sparse source, as a guest's RAM file on tmpfs is (the pages it never touched are holes), migrated with its
 * destination on tmpfs too: bit-exact, and neither engine fills the holes. Reading a hole of a tmpfs file through a
 * shared mapping allocates and zeroes a page: the sender reading its source and the receiver checking that a zero
 * page is zero had each grown the host's memory by every zero page of the image.
 */
class SparseImageSystemTest
{
    private static final int PAGE_SIZE = 4096;
    private static final int PAGE_COUNT = 8192;

    private Path directory;

    @BeforeEach
    void makeDirectory() throws Exception
    {
        final Path shm = Path.of("/dev/shm");
        assumeTrue(Files.isDirectory(shm) && Files.isWritable(shm), "no /dev/shm here");
        directory = Files.createTempDirectory(shm, "dwcp-sparse-");
    }

    @AfterEach
    void removeDirectory()
    {
        if (null != directory)
        {
            IoUtil.delete(directory.toFile(), true);
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void holesStayHolesOnBothSidesAndTheDestinationIsExact() throws Exception
    {
        final Path image = directory.resolve("guest.ram");
        final boolean[] isData = new boolean[PAGE_COUNT];
        final Random random = new Random(77);
        try (RandomAccessFile raf = new RandomAccessFile(image.toFile(), "rw"))
        {
            raf.setLength((long)PAGE_COUNT * PAGE_SIZE);
            final byte[] page = new byte[PAGE_SIZE];
            // Runs of data among holes, and data pages that hold zeros, which are not holes.
            for (int p = 0; p < PAGE_COUNT; p++)
            {
                isData[p] = (p / 16) % 3 == 0 || random.nextInt(10) == 0;
                if (isData[p])
                {
                    java.util.Arrays.fill(page, (byte)0);
                    if (p % 7 != 0)
                    {
                        random.nextBytes(page);
                        java.util.Arrays.fill(page, 0, PAGE_SIZE / 2, (byte)(p & 0x7F));
                    }
                    raf.seek((long)p * PAGE_SIZE);
                    raf.write(page);
                }
            }
        }
        assumeTrue(holesOf(image) > 0, "this file system cannot tell holes apart");
        final int sourceHoles = holesOf(image);

        try (MigrationHarness harness = MigrationHarness.udp(directory.resolve("engines")))
        {
            harness.submitWholeImage(1, "vm-sparse", image, PAGE_SIZE);
            harness.awaitEnd(1, 40_000);
            assertEquals(1, harness.events().completed.size(), () -> "failed: " + harness.events().failed);
            final Path destination = harness.destinationOf("vm-sparse", 1);
            // Counted before the comparison, whose own mappings fill the holes they read.
            final int sourceHolesAfter = holesOf(image);
            final int destinationHoles = holesOf(destination);
            assertEquals(-1, ImageComparison.firstDifference(image, destination));

            assertEquals(sourceHoles, sourceHolesAfter, "the sender read no hole of its source through the mapping");
            int expectedHoles = 0;
            int zeroPages = 0;
            for (int p = 0; p < PAGE_COUNT; p++)
            {
                expectedHoles += isData[p] ? 0 : 1;
                zeroPages += !isData[p] || p % 7 == 0 ? 1 : 0;
            }
            assertEquals(expectedHoles, sourceHoles);
            // Every zero page, written in the source or not, is a hole the receiver never had to fill.
            assertEquals(zeroPages, destinationHoles, "the receiver filled no hole of its destination");
            assertTrue(harness.senderEngine().senderCounters().value(EngineCounter.ZERO_PAGES_SENT) >= zeroPages);
        }
    }

    private static int holesOf(final Path file)
    {
        int holes = 0;
        try (FileHoles fileHoles = FileHoles.of(file))
        {
            final FileHoles.Cursor cursor = fileHoles.cursor();
            for (int p = 0; p < PAGE_COUNT; p++)
            {
                holes += cursor.isHole((long)p * PAGE_SIZE, PAGE_SIZE) ? 1 : 0;
            }
        }
        return holes;
    }
}
