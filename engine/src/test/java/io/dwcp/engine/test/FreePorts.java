package io.dwcp.engine.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;

/**
 * Finds UDP ports free on loopback, so tests running one after another do not collide.
 */
public final class FreePorts
{
    private FreePorts()
    {
    }

    /**
     * A UDP port free on loopback right now.
     *
     * @return the port.
     */
    public static int udp()
    {
        try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress()))
        {
            return socket.getLocalPort();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
