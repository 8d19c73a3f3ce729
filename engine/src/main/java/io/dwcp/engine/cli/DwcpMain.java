package io.dwcp.engine.cli;

import io.dwcp.engine.memory.FileHoles;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintStream;

/**
 * Entry point of the {@code dwcp} launcher.
 */
@Command(name = "dwcp", mixinStandardHelpOptions = true, version = "dwcp 0.1.0",
    description = "DWCP engine: moves VM memory pages between hosts over Aeron, for live migration.",
    subcommands = { CommandLine.HelpCommand.class })
public final class DwcpMain
{
    /** Exit code for a mistake in how the command was called. */
    public static final int EXIT_USAGE = 2;

    private DwcpMain()
    {
    }

    /**
     * Aeron, Agrona and Chronicle need JVM flags. Without them the first off-heap buffer fails with an obscure
     * IllegalAccessError, and Chronicle phones home: say so plainly instead.
     *
     * @return what is missing, or null when the JVM is set up.
     */
    static String missingJvmFlags()
    {
        final String flagsFile = "engine/src/main/resources/io/dwcp/engine/jvm.properties";
        if (!Boolean.getBoolean("chronicle.analytics.disable"))
        {
            return "the JVM was started without -Dchronicle.analytics.disable=true; use ./dwcp, or pass the flags in " +
                flagsFile;
        }
        try
        {
            new org.agrona.concurrent.UnsafeBuffer(java.nio.ByteBuffer.allocateDirect(8)).putLong(0, 1);
            return null;
        }
        catch (final IllegalAccessError | ExceptionInInitializerError | NoClassDefFoundError ex)
        {
            return "the JVM lacks the --add-exports/--add-opens flags Aeron and Agrona need; use ./dwcp, or pass the " +
                "flags in " + flagsFile + " (" + ex + ")";
        }
    }

    /**
     * Run the command line.
     *
     * @param args command line arguments.
     */
    public static void main(final String[] args)
    {
        FileHoles.prepare();
        System.exit(execute(System.out, System.err, args));
    }

    /**
     * Run the command line with the given streams, for tests.
     *
     * @param out  standard output.
     * @param err  standard error.
     * @param args command line arguments.
     * @return the exit code.
     */
    public static int execute(final PrintStream out, final PrintStream err, final String... args)
    {
        final String missing = missingJvmFlags();
        if (null != missing)
        {
            err.println("dwcp: " + missing);
            return EXIT_USAGE;
        }

        final CommandLine commandLine = new CommandLine(new DwcpMain())
            .addSubcommand("demo", new DemoCommand(out))
            .addSubcommand("send", new SendCommand(out))
            .addSubcommand("receive", new ReceiveCommand(out))
            .addSubcommand("keygen", new KeygenCommand(out))
            .addSubcommand("submit", new SubmitCommand(out))
            .addSubcommand("media-driver", new MediaDriverCommand())
            .addSubcommand("generate", new GenerateCommand(out))
            .addSubcommand("stat", new StatCommand(out))
            .addSubcommand("replay", new ReplayCommand(out))
            .addSubcommand("qemu-migrate", new QemuMigrateCommand(out))
            .setCaseInsensitiveEnumValuesAllowed(true)
            .setOut(new java.io.PrintWriter(out, true))
            .setErr(new java.io.PrintWriter(err, true));

        commandLine.setParameterExceptionHandler((ex, arguments) ->
        {
            final CommandLine failed = ex.getCommandLine();
            err.println("dwcp: " + ex.getMessage() + " (see '" + failed.getCommandSpec().qualifiedName() + " --help')");
            return EXIT_USAGE;
        });
        commandLine.setExecutionExceptionHandler((ex, failed, parseResult) ->
        {
            if (ex instanceof UsageException)
            {
                err.println("dwcp: " + ex.getMessage());
                return EXIT_USAGE;
            }
            err.println("dwcp: " + failed.getCommandSpec().qualifiedName() + " failed: " + ex);
            return 1;
        });

        if (0 == args.length)
        {
            commandLine.usage(out);
            return EXIT_USAGE;
        }
        return commandLine.execute(args);
    }
}
