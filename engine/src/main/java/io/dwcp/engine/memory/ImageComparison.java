package io.dwcp.engine.memory;

import org.agrona.IoUtil;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Byte-for-byte comparison of two image files, mapped 1 GiB at a time and compared with the JDK's vectorised
 * {@link java.nio.ByteBuffer#mismatch}.
 */
public final class ImageComparison
{
    private static final long CHUNK = 1L << 30;

    private ImageComparison()
    {
    }

    /**
     * Offset of the first byte at which two files differ.
     *
     * @param expected file.
     * @param actual   file.
     * @return -1 when they match in length and content, otherwise the first differing offset.
     * @throws IOException if either cannot be read.
     */
    public static long firstDifference(final Path expected, final Path actual) throws IOException
    {
        final long length = Files.size(expected);
        final long actualLength = Files.size(actual);
        final long common = Math.min(length, actualLength);
        try (RandomAccessFile left = new RandomAccessFile(expected.toFile(), "r");
            RandomAccessFile right = new RandomAccessFile(actual.toFile(), "r"))
        {
            for (long position = 0; position < common; position += CHUNK)
            {
                final long size = Math.min(CHUNK, common - position);
                final MappedByteBuffer a = left.getChannel().map(FileChannel.MapMode.READ_ONLY, position, size);
                final MappedByteBuffer b = right.getChannel().map(FileChannel.MapMode.READ_ONLY, position, size);
                try
                {
                    final int mismatch = a.mismatch(b);
                    if (mismatch >= 0)
                    {
                        return position + mismatch;
                    }
                }
                finally
                {
                    IoUtil.unmap(a);
                    IoUtil.unmap(b);
                }
            }
        }
        return length == actualLength ? -1 : common;
    }
}
