package io.dwcp.perf;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code zstd} command line, run on files as a user would run it, for baselines measured in the same run as
 * the engine.
 */
public final class ZstdCommand
{
    /**
     * One run.
     *
     * @param outputBytes bytes of the file written.
     * @param elapsedNs   wall time of the command.
     */
    public record Result(long outputBytes, long elapsedNs)
    {
    }

    private ZstdCommand()
    {
    }

    /**
     * Compress a file: {@code zstd -q -f OPTIONS INPUT -o OUTPUT}.
     *
     * @param options such as {@code -3}, {@code --patch-from=REF}.
     * @param input   file to compress.
     * @param output  file to write, replaced if it exists.
     * @return its size and the time taken.
     * @throws IOException          if zstd is missing or fails.
     * @throws InterruptedException if interrupted.
     */
    public static Result compress(final List<String> options, final Path input, final Path output)
        throws IOException, InterruptedException
    {
        return run(options, input, output);
    }

    /**
     * Decompress a file: {@code zstd -d -q -f OPTIONS INPUT -o OUTPUT}.
     *
     * @param options such as {@code --patch-from=REF} and {@code --long=31} for windows over 128 MiB.
     * @param input   compressed file.
     * @param output  file to write, replaced if it exists.
     * @return its size and the time taken.
     * @throws IOException          if zstd is missing or fails.
     * @throws InterruptedException if interrupted.
     */
    public static Result decompress(final List<String> options, final Path input, final Path output)
        throws IOException, InterruptedException
    {
        final List<String> withDecompress = new ArrayList<>();
        withDecompress.add("-d");
        withDecompress.addAll(options);
        return run(withDecompress, input, output);
    }

    /**
     * What {@code zstd -V} says, for the report.
     *
     * @return such as {@code *** Zstandard CLI (64-bit) v1.5.4, by Yann Collet ***}.
     * @throws IOException          if zstd is missing or fails.
     * @throws InterruptedException if interrupted.
     */
    public static String version() throws IOException, InterruptedException
    {
        final Process process = new ProcessBuilder("zstd", "-V").redirectErrorStream(true).start();
        final String text = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (0 != process.waitFor())
        {
            throw new IOException("zstd -V failed: " + text);
        }
        return text;
    }

    /**
     * The command line a run uses, for printing beside its result.
     *
     * @param options as given to {@link #compress(List, Path, Path)}.
     * @return such as {@code zstd -3 --patch-from=<previous>}.
     */
    public static String describe(final List<String> options)
    {
        return "zstd " + String.join(" ", options);
    }

    private static Result run(final List<String> options, final Path input, final Path output)
        throws IOException, InterruptedException
    {
        final List<String> command = new ArrayList<>();
        command.add("zstd");
        command.add("-q");
        command.add("-f");
        command.addAll(options);
        command.add(input.toString());
        command.add("-o");
        command.add(output.toString());
        final long startNs = System.nanoTime();
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        final String messages = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        final int exit = process.waitFor();
        final long elapsedNs = System.nanoTime() - startNs;
        if (0 != exit)
        {
            throw new IOException(String.join(" ", command) + " exited with " + exit + ": " + messages.trim());
        }
        return new Result(Files.size(output), elapsedNs);
    }
}
