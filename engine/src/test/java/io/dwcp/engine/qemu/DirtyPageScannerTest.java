package io.dwcp.engine.qemu;

import io.dwcp.codec.ImageDigest;
import io.dwcp.codec.PageChecksum;
import io.dwcp.engine.memory.ImageComparison;
import io.dwcp.engine.memory.MappedImage;
import io.dwcp.engine.test.TestImages;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DirtyPageScannerTest
{
    private static final int PAGE_SIZE = 4096;
    private static final long SIZE = 8L * 1024 * 1024;

    @TempDir
    Path directory;

    @ParameterizedTest
    @ValueSource(ints = { 1, 3 })
    void findsExactlyThePagesThatChangedAndKeepsTheShadowEqualToTheGuest(final int threads) throws Exception
    {
        final Path ram = TestImages.generate(directory.resolve("guest.ram"), SIZE, 5);
        final Path shadow = directory.resolve("guest.shadow");
        try (MappedImage guest = MappedImage.openReadWrite(ram, PAGE_SIZE, SIZE);
            DirtyPageScanner scanner = new DirtyPageScanner(ram, shadow, PAGE_SIZE, SIZE, threads))
        {
            final long pageCount = SIZE / PAGE_SIZE;
            long zeroPages = 0;
            for (long page = 0; page < pageCount; page++)
            {
                zeroPages += isZero(guest, page) ? 1 : 0;
            }
            assertTrue(zeroPages > 0 && zeroPages < pageCount, "the image mixes zero and other pages");
            final int first = scanner.scan();
            assertEquals(pageCount - zeroPages, first, "the first scan copies every page but the zero ones");
            for (int i = 0; i < first; i++)
            {
                assertFalse(isZero(guest, scanner.dirtyPages()[i]));
                assertTrue(i == 0 || scanner.dirtyPages()[i] > scanner.dirtyPages()[i - 1], "ascending");
            }
            assertEquals(-1, ImageComparison.firstDifference(ram, shadow));
            assertEquals(0, scanner.scan(), "nothing changed");

            final long[] touched = { 0, 7, 8, 1000, firstZeroPage(guest), pageCount - 1 };
            Arrays.sort(touched);
            for (final long page : touched)
            {
                guest.segmentOf(page).putByte(guest.offsetOf(page) + 100, (byte)~guest.segmentOf(page)
                    .getByte(guest.offsetOf(page) + 100));
            }
            // Written and written back: the page is as it was, so it is not dirty.
            final int restored = guest.offsetOf(20) + 5;
            final byte original = guest.segmentOf(20).getByte(restored);
            guest.segmentOf(20).putByte(restored, (byte)(original + 1));
            guest.segmentOf(20).putByte(restored, original);

            final int dirty = scanner.scan();
            assertArrayEquals(touched, Arrays.copyOf(scanner.dirtyPages(), dirty));
            assertEquals(-1, ImageComparison.firstDifference(ram, shadow));
            assertEquals(digestOf(guest), scanner.digest(), "the digest is the engines' digest of the guest");
            assertEquals(3, scanner.scans());
            assertTrue(scanner.scanBytesPerSecond() > 0);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = { 1, 2 })
    void aFirstPassInRangesFindsWhatOneScanFindsAndTouchesNothingAhead(final int threads) throws Exception
    {
        final Path ram = TestImages.generate(directory.resolve("guest.ram"), SIZE, 9);
        final Path shadow = directory.resolve("guest.shadow");
        final Path other = directory.resolve("other.shadow");
        final long pageCount = SIZE / PAGE_SIZE;
        try (MappedImage guest = MappedImage.openReadWrite(ram, PAGE_SIZE, SIZE);
            DirtyPageScanner whole = new DirtyPageScanner(ram, other, PAGE_SIZE, SIZE, threads);
            DirtyPageScanner ranges = new DirtyPageScanner(ram, shadow, PAGE_SIZE, SIZE, threads);
            MappedImage shadowImage = MappedImage.openReadOnly(shadow, PAGE_SIZE, SIZE))
        {
            final int expected = whole.scan();
            final long[] expectedPages = Arrays.copyOf(whole.dirtyPages(), expected);
            // Uneven ranges, some of them shorter than a run of the shadow's writes, one of them empty.
            final long[] ends = { 1, 70, 70, 1500, 1501, pageCount - 3, pageCount };
            long from = 0;
            int found = 0;
            for (final long end : ends)
            {
                final int dirty = ranges.scan(from, end);
                for (int i = 0; i < dirty; i++)
                {
                    assertEquals(expectedPages[found + i], ranges.dirtyPages()[i]);
                }
                found += dirty;
                assertEquals(end == pageCount ? 1 : 0, ranges.scans(), "a pass ends at the last page");
                if (end < pageCount)
                {
                    assertTrue(isZero(shadowImage, end), "nothing ahead of the range is written");
                }
                from = end;
            }
            assertEquals(expected, found);
            assertEquals(-1, ImageComparison.firstDifference(ram, shadow));
            assertEquals(whole.digest(), ranges.digest());

            guest.segmentOf(3).putByte(guest.offsetOf(3), (byte)~guest.segmentOf(3).getByte(guest.offsetOf(3)));
            assertEquals(1, ranges.scan(0, pageCount / 2), "a later pass in ranges finds the change");
            assertEquals(3, ranges.dirtyPages()[0]);
            assertEquals(0, ranges.scan(pageCount / 2, pageCount));
            assertEquals(-1, ImageComparison.firstDifference(ram, shadow));
        }
    }

    private static boolean isZero(final MappedImage image, final long page)
    {
        for (int i = 0; i < PAGE_SIZE; i += 8)
        {
            if (0 != image.segmentOf(page).getLong(image.offsetOf(page) + i))
            {
                return false;
            }
        }
        return true;
    }

    private static long firstZeroPage(final MappedImage image)
    {
        // After the other pages the test touches.
        long page = 1001;
        while (!isZero(image, page))
        {
            page++;
        }
        return page;
    }

    private static long digestOf(final MappedImage image)
    {
        final long pageCount = image.pageCount();
        final UnsafeBuffer crcs = new UnsafeBuffer(BufferUtil.allocateDirectAligned((int)pageCount * 4, 64));
        for (long page = 0; page < pageCount; page++)
        {
            crcs.putInt((int)page * 4, PageChecksum.crc32c(image.segmentOf(page), image.offsetOf(page), PAGE_SIZE),
                ByteOrder.LITTLE_ENDIAN);
        }
        return ImageDigest.of(crcs, pageCount);
    }
}
