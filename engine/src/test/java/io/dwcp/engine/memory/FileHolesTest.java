package io.dwcp.engine.memory;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class FileHolesTest
{
    private static final int PAGE = 4096;

    @TempDir
    Path directory;

    @Test
    void pagesNeverWrittenAreHolesAndWrittenOnesAreNot() throws Exception
    {
        checkHoles(directory.resolve("sparse.img"));
    }

    @Test
    void onTmpfsAsWellWhereReadingAHoleThroughAMappingAllocatesIt() throws Exception
    {
        final Path shm = Path.of("/dev/shm");
        assumeTrue(Files.isDirectory(shm) && Files.isWritable(shm), "no /dev/shm here");
        final Path file = Files.createTempFile(shm, "dwcp-holes-", ".img");
        try
        {
            checkHoles(file);
        }
        finally
        {
            Files.deleteIfExists(file);
        }
    }

    @Test
    void whatCannotBeToldIsNeverAHole()
    {
        try (FileHoles holes = FileHoles.of(directory.resolve("missing.img")))
        {
            assertFalse(holes.canTell());
            assertFalse(holes.cursor().isHole(0, PAGE));
        }
    }

    private static void checkHoles(final Path file) throws Exception
    {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw"))
        {
            raf.setLength(64L * PAGE);
            writePage(raf, 3);
            writePage(raf, 10);
            writePage(raf, 11);
        }
        try (FileHoles holes = FileHoles.of(file))
        {
            assumeTrue(holes.canTell(), "this file system cannot tell holes apart");
            final FileHoles.Cursor cursor = holes.cursor();
            assertTrue(cursor.isHole(0, PAGE));
            assertTrue(cursor.isHole(2L * PAGE, PAGE), "within the hole learnt");
            assertFalse(cursor.isHole(3L * PAGE, PAGE));
            assertTrue(cursor.isHole(4L * PAGE, PAGE));
            assertFalse(cursor.isHole(2L * PAGE, 2 * PAGE), "a range that reaches data is not all hole");
            assertFalse(cursor.isHole(10L * PAGE, PAGE));
            assertFalse(cursor.isHole(11L * PAGE, PAGE), "within the data learnt");
            assertTrue(cursor.isHole(12L * PAGE, PAGE), "no data from here to the end");
            assertTrue(cursor.isHole(63L * PAGE, PAGE));

            // Written since it was asked: the cursor keeps what it learnt until told to forget it.
            try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw"))
            {
                writePage(raf, 40);
            }
            assertTrue(cursor.isHole(40L * PAGE, PAGE), "learnt before the write");
            cursor.forget();
            assertFalse(cursor.isHole(40L * PAGE, PAGE));
            assertTrue(cursor.isHole(39L * PAGE, PAGE));
        }
    }

    private static void writePage(final RandomAccessFile raf, final long page) throws Exception
    {
        raf.seek(page * PAGE);
        final byte[] bytes = new byte[PAGE];
        bytes[7] = 1;
        raf.write(bytes);
    }
}
