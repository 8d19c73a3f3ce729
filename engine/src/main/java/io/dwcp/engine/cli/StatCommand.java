package io.dwcp.engine.cli;

import io.aeron.CncFileDescriptor;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.File;
import java.io.PrintStream;
import java.nio.MappedByteBuffer;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code dwcp stat}: prints the counters of a running driver and its engines, read from another process through the
 * driver's CnC file.
 */
@Command(name = "stat", mixinStandardHelpOptions = true,
    description = "Print every counter (driver and engine) of an Aeron directory, from another process.")
final class StatCommand implements Callable<Integer>
{
    @Option(names = "--aeron-dir", required = true, paramLabel = "DIR", description = "The driver's directory.")
    File aeronDirectory;

    @Option(names = "--filter", description = "Print only counters whose label contains this text.")
    String filter;

    private final PrintStream out;

    StatCommand(final PrintStream out)
    {
        this.out = out;
    }

    public Integer call()
    {
        final File cncFile = new File(aeronDirectory, CncFileDescriptor.CNC_FILE);
        if (!cncFile.isFile())
        {
            throw new UsageException("no running driver in " + aeronDirectory + " (" + cncFile + " is missing)");
        }
        final MappedByteBuffer cnc = IoUtil.mapExistingFile(cncFile, "cnc");
        try
        {
            final UnsafeBuffer metaData = CncFileDescriptor.createMetaDataBuffer(cnc);
            final int version = metaData.getInt(CncFileDescriptor.cncVersionOffset(0));
            if (CncFileDescriptor.CNC_VERSION != version)
            {
                throw new UsageException("CnC version " + version + " of " + cncFile + " is not the supported " +
                    CncFileDescriptor.CNC_VERSION);
            }
            final CountersReader counters = new CountersReader(
                CncFileDescriptor.createCountersMetaDataBuffer(cnc, metaData),
                CncFileDescriptor.createCountersValuesBuffer(cnc, metaData));
            counters.forEach((counterId, typeId, keyBuffer, label) ->
            {
                if (null == filter || label.contains(filter))
                {
                    out.printf(Locale.ROOT, "%3d: %,20d - %s%n", counterId, counters.getCounterValue(counterId), label);
                }
            });
        }
        finally
        {
            IoUtil.unmap(cnc);
        }
        return 0;
    }
}
