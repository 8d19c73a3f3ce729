package io.dwcp.engine.link;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

class RdmaProbeTest
{
    @TempDir
    Path directory;

    @Test
    void saysWhyRdmaIsNotUsed() throws IOException
    {
        final String missing = RdmaProbe.whyNot(directory.resolve("no-such-dir"));
        final String empty = RdmaProbe.whyNot(Files.createDirectories(directory.resolve("infiniband")));
        for (final String reason : new String[]{missing, empty})
        {
            // On a host with libdisni the device check decides; without it (this machine), the library does.
            assertTrue(reason.contains("libdisni is not installed") || reason.contains("no RDMA device"), reason);
        }
    }
}
