package io.dwcp.engine.link;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether this host could carry a transfer over RDMA, and if not, why: DiSNi's classes on the class path, its native
 * library ({@code libdisni}) loadable, and an RDMA device under {@code /sys/class/infiniband}. Even with all three,
 * this engine has no RDMA data path yet, and says so: every transfer goes over UDP.
 * <p>
 * Thread safe: each call probes again.
 */
public final class RdmaProbe
{
    /** The DiSNi class whose presence says the library is on the class path. */
    static final String DISNI_CLASS = "com.ibm.disni.verbs.RdmaCm";
    /** Where the kernel lists RDMA devices. */
    public static final Path DEVICES = Path.of("/sys/class/infiniband");

    private RdmaProbe()
    {
    }

    /**
     * Why RDMA is not used here.
     *
     * @param devices where the kernel lists RDMA devices.
     * @return the reason, one sentence.
     */
    public static String whyNot(final Path devices)
    {
        try
        {
            Class.forName(DISNI_CLASS, false, RdmaProbe.class.getClassLoader());
        }
        catch (final ClassNotFoundException | LinkageError ex)
        {
            return "DiSNi is not on the class path";
        }
        try
        {
            System.loadLibrary("disni");
        }
        catch (final UnsatisfiedLinkError | SecurityException ex)
        {
            return "DiSNi's native library libdisni is not installed (java.library.path=" +
                System.getProperty("java.library.path") + ")";
        }
        if (!hasDevice(devices))
        {
            return "no RDMA device: " + devices + " lists none";
        }
        return "an RDMA device and libdisni are present, but this engine has no RDMA data path yet";
    }

    private static boolean hasDevice(final Path devices)
    {
        if (!Files.isDirectory(devices))
        {
            return false;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(devices))
        {
            return entries.iterator().hasNext();
        }
        catch (final IOException ex)
        {
            return false;
        }
    }
}
