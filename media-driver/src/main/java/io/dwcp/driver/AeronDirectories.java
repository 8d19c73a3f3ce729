package io.dwcp.driver;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where embedded drivers keep their files. Term buffers are memory-mapped and written at line rate, so they belong
 * in memory ({@code /dev/shm}), not on a disk-backed file system where every new page costs a fault and write-back.
 */
public final class AeronDirectories
{
    private AeronDirectories()
    {
    }

    /**
     * A fresh directory name for an embedded driver, unique to this process and role.
     *
     * @param role such as "sender" or "receiver".
     * @return a path under {@code /dev/shm} when it is writable, otherwise under the temp directory.
     */
    public static Path forEmbeddedDriver(final String role)
    {
        final Path shm = Path.of("/dev/shm");
        final Path base = Files.isDirectory(shm) && Files.isWritable(shm) ?
            shm : Path.of(System.getProperty("java.io.tmpdir"));
        return base.resolve("dwcp-" + role + "-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
    }
}
