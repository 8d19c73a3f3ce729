package io.dwcp.images;

import com.github.luben.zstd.Zstd;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MemoryImageGeneratorTest
{
    @TempDir
    Path directory;

    @Test
    void sameSeedGivesTheSameBytesAndAnotherSeedDoesNot() throws Exception
    {
        final Path a = directory.resolve("a.img");
        final Path b = directory.resolve("b.img");
        final Path c = directory.resolve("c.img");
        new MemoryImageGenerator(9, PageMix.DEFAULT, 4096).generate(a, 4L << 20);
        new MemoryImageGenerator(9, PageMix.DEFAULT, 4096).generate(b, 4L << 20);
        new MemoryImageGenerator(10, PageMix.DEFAULT, 4096).generate(c, 4L << 20);
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));
        assertFalse(java.util.Arrays.equals(Files.readAllBytes(a), Files.readAllBytes(c)));
    }

    @Test
    void defaultMixHasAboutFortyPercentZeroAndTenPercentRandomPages() throws Exception
    {
        final ImageSummary summary = new MemoryImageGenerator(1, PageMix.DEFAULT, 4096)
            .generate(directory.resolve("mix.img"), 32L << 20);
        final double pages = summary.pageCount();
        assertEquals(0.40, summary.pages(PageKind.ZERO) / pages, 0.02);
        assertEquals(0.10, summary.pages(PageKind.RANDOM) / pages, 0.02);
        assertEquals(0.25, summary.pages(PageKind.HEAP) / pages, 0.02);
    }

    @Test
    void pageKindsCompressAsTheirRealCounterpartsDo()
    {
        final MemoryImageGenerator generator = new MemoryImageGenerator(3, PageMix.DEFAULT, 4096);
        final UnsafeBuffer page = new UnsafeBuffer(new byte[4096]);
        for (long pageNumber = 0; pageNumber < 400; pageNumber++)
        {
            final PageKind kind = generator.fillPage(pageNumber, page, 0);
            final int compressed = Zstd.compress(page.byteArray(), 1).length;
            switch (kind)
            {
                case ZERO -> assertTrue(compressed < 32, "zero page compressed to " + compressed);
                case RANDOM -> assertTrue(compressed > 4000, "random page compressed to " + compressed);
                default -> assertTrue(
                    compressed < 3500 && compressed > 200, kind + " page compressed to " + compressed);
            }
        }
    }

    @Test
    void mixIsConfigurable()
    {
        final PageMix mix = PageMix.parse("zero=1,random=0");
        assertEquals(1.0, mix.zero());
        assertEquals(0.0, mix.random());
        assertEquals(PageMix.DEFAULT.text(), mix.text());
        assertThrows(IllegalArgumentException.class, () -> PageMix.parse("swap=0.5"));
        assertThrows(IllegalArgumentException.class, () -> PageMix.parse("zero=lots"));
        assertThrows(IllegalArgumentException.class, () -> PageMix.parse("zero=0,text=0,heap=0,code=0,random=0"));
    }
}
