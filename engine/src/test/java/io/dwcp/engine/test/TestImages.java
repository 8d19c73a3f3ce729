package io.dwcp.engine.test;

import io.dwcp.images.MemoryImageGenerator;
import io.dwcp.images.PageMix;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Memory images for tests: generated at run time, compared byte for byte.
 */
public final class TestImages
{
    private TestImages()
    {
    }

    /**
     * Generate a realistic image with the default page mix.
     *
     * @param file   to write.
     * @param length bytes, a multiple of 4096.
     * @param seed   of the image.
     * @return the file.
     * @throws IOException if it cannot be written.
     */
    public static Path generate(final Path file, final long length, final long seed) throws IOException
    {
        new MemoryImageGenerator(seed, PageMix.DEFAULT, 4096).generate(file, length);
        return file;
    }
}
