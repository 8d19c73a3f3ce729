package io.dwcp.engine.transport;

import io.aeron.CommonContext;

/**
 * Builds Aeron channels from the endpoints users name: {@code host:port} for UDP, or {@code aeron:ipc} for engines
 * that share a media driver.
 */
public final class Channels
{
    private Channels()
    {
    }

    /**
     * Channel for an endpoint.
     *
     * @param endpoint {@code host:port} or {@code aeron:ipc}.
     * @return the Aeron channel.
     * @throws IllegalArgumentException if the endpoint is neither.
     */
    public static String channelFor(final String endpoint)
    {
        if (CommonContext.IPC_CHANNEL.equals(endpoint))
        {
            return CommonContext.IPC_CHANNEL;
        }
        validateHostPort(endpoint);
        return "aeron:udp?endpoint=" + endpoint;
    }

    /**
     * Is the endpoint {@code aeron:ipc}?
     *
     * @param endpoint as the user gave it.
     * @return true for IPC.
     */
    public static boolean isIpc(final String endpoint)
    {
        return CommonContext.IPC_CHANNEL.equals(endpoint);
    }

    /**
     * Check that an endpoint is {@code host:port} with a port from 1 to 65535.
     *
     * @param endpoint to check.
     * @throws IllegalArgumentException with a message naming the endpoint when it is not.
     */
    public static void validateHostPort(final String endpoint)
    {
        final int colon = null == endpoint ? -1 : endpoint.lastIndexOf(':');
        if (colon <= 0 || colon == endpoint.length() - 1)
        {
            throw new IllegalArgumentException("endpoint '" + endpoint + "' is not host:port or aeron:ipc");
        }
        final int port;
        try
        {
            port = Integer.parseInt(endpoint.substring(colon + 1));
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("endpoint '" + endpoint + "' has no numeric port");
        }
        if (port < 1 || port > 65535)
        {
            throw new IllegalArgumentException("endpoint '" + endpoint + "' has port " + port + " outside 1-65535");
        }
    }
}
