package io.dwcp.engine.cli;

import io.dwcp.engine.security.KeyFiles;
import io.dwcp.engine.security.X25519;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code dwcp keygen}: a new X25519 key for an engine, in a file only its owner can read, and the line the other
 * engines put in their peers files.
 */
@Command(name = "keygen", mixinStandardHelpOptions = true,
    description = "Make an engine's key file (mode 600) and print the peers-file line for the other engines.")
final class KeygenCommand implements Callable<Integer>
{
    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Key file to create.")
    Path out;

    @Option(names = "--name", defaultValue = "${sys:user.name}",
        description = "Name the other engines know this one by (default: ${DEFAULT-VALUE}).")
    String name;

    @Option(names = "--endpoint", paramLabel = "HOST:PORT",
        description = "Where this engine receives, for senders' peers files (optional).")
    String endpoint;

    private final PrintStream stdout;

    KeygenCommand(final PrintStream stdout)
    {
        this.stdout = stdout;
    }

    public Integer call()
    {
        final byte[] privateKey = X25519.generatePrivateKey();
        try
        {
            KeyFiles.write(out, privateKey);
        }
        catch (final IOException ex)
        {
            throw new UsageException("cannot create key file " + out + ": " + ex);
        }
        stdout.println("wrote " + out + " (mode 600); add this line to the other engines' peers files:");
        stdout.println(name + " " + KeyFiles.encode(X25519.publicKey(privateKey)) +
            (null == endpoint ? "" : " " + endpoint));
        return 0;
    }
}
