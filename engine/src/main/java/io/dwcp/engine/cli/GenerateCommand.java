package io.dwcp.engine.cli;

import io.dwcp.images.ImageSummary;
import io.dwcp.images.MemoryImageGenerator;
import io.dwcp.images.PageMix;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code dwcp generate}: writes a deterministic, realistic memory image.
 */
@Command(name = "generate", mixinStandardHelpOptions = true,
    description = "Write a deterministic memory image: the same seed and options always give the same bytes.")
final class GenerateCommand implements Callable<Integer>
{
    @Option(names = "--out", required = true, description = "File to write.")
    Path out;

    @Option(names = "--size", defaultValue = "1g", converter = Sizes.class,
        description = "Image size (default: ${DEFAULT-VALUE}).")
    long size;

    @Option(names = "--seed", defaultValue = "42", description = "Seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--page-size", defaultValue = "4096", description = "Bytes per page (default: ${DEFAULT-VALUE}).")
    int pageSize;

    @Option(names = "--mix", description = "Page mix, e.g. zero=0.4,text=0.15,heap=0.25,code=0.1,random=0.1.")
    String mix;

    private final PrintStream console;

    GenerateCommand(final PrintStream console)
    {
        this.console = console;
    }

    public Integer call() throws Exception
    {
        final Path parent = out.toAbsolutePath().getParent();
        if (null != parent && !Files.isDirectory(parent))
        {
            throw new UsageException("directory " + parent + " does not exist");
        }
        final ImageSummary summary;
        try
        {
            summary = new MemoryImageGenerator(seed, null == mix ? PageMix.DEFAULT : PageMix.parse(mix), pageSize)
                .generate(out, size);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new UsageException(ex.getMessage());
        }
        console.println("wrote " + out + ": " + Sizes.format(size) + ", " + summary);
        return 0;
    }
}
