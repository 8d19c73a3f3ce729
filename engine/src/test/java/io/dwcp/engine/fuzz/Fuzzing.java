package io.dwcp.engine.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** What the fuzz tests share. */
final class Fuzzing
{
    private Fuzzing()
    {
    }

    /**
     * Copy what is left of the input into a buffer, as much as fits.
     *
     * @return bytes copied.
     */
    static int putRemaining(final FuzzedDataProvider data, final UnsafeBuffer buffer, final int offset)
    {
        final byte[] bytes = data.consumeBytes(buffer.capacity() - offset);
        buffer.putBytes(offset, bytes);
        return bytes.length;
    }

    static String traces(final java.util.List<Throwable> errors)
    {
        final java.io.StringWriter trace = new java.io.StringWriter();
        for (final Throwable error : errors)
        {
            error.printStackTrace(new java.io.PrintWriter(trace));
        }
        return trace.toString();
    }

    static void delete(final Path directory) throws IOException
    {
        if (null == directory || !Files.exists(directory))
        {
            return;
        }
        try (Stream<Path> files = Files.walk(directory))
        {
            for (final Path file : files.sorted(Comparator.reverseOrder()).toList())
            {
                Files.deleteIfExists(file);
            }
        }
    }
}
