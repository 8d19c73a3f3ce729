package io.dwcp.engine.cli;

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
     * Run the command line.
     *
     * @param args command line arguments.
     */
    public static void main(final String[] args)
    {
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
        final CommandLine commandLine = new CommandLine(new DwcpMain())
            .addSubcommand("demo", new DemoCommand(out))
            .addSubcommand("send", new SendCommand(out))
            .addSubcommand("receive", new ReceiveCommand(out))
            .addSubcommand("submit", new SubmitCommand(out))
            .addSubcommand("media-driver", new MediaDriverCommand())
            .addSubcommand("generate", new GenerateCommand(out))
            .addSubcommand("stat", new StatCommand(out))
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
