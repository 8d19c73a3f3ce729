package io.dwcp.engine.transport;

import io.aeron.CommonContext;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/**
 * Builds Aeron channels from the endpoints users name: {@code host:port} for UDP, or {@code aeron:ipc} for engines
 * that share a media driver.
 */
public final class Channels
{
    private static final String OCTET = "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
    private static final Pattern IPV4 = Pattern.compile(OCTET + "(\\." + OCTET + "){3}");
    private static final Pattern IPV6 = Pattern.compile("\\[[0-9A-Fa-f:.]{2,45}]");

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

    /**
     * The host of a {@code host:port} endpoint.
     *
     * @param endpoint checked by {@link #validateHostPort(String)}.
     * @return the host, with the brackets of an IPv6 literal.
     */
    public static String hostOf(final String endpoint)
    {
        return endpoint.substring(0, endpoint.lastIndexOf(':'));
    }

    /**
     * Is an endpoint's host an IP address literal? Decided without any name lookup.
     *
     * @param endpoint {@code host:port}.
     * @return true for an IPv4 dotted quad or a bracketed IPv6 address.
     */
    public static boolean isIpLiteral(final String endpoint)
    {
        final String host = hostOf(endpoint);
        if (IPV4.matcher(host).matches())
        {
            return true;
        }
        if (!IPV6.matcher(host).matches())
        {
            return false;
        }
        try
        {
            // A literal is only parsed, never looked up.
            InetAddress.getByName(host);
            return true;
        }
        catch (final UnknownHostException ex)
        {
            return false;
        }
    }

    /**
     * Is an endpoint on this host only: IPC, {@code localhost} or a loopback address?
     *
     * @param endpoint {@code host:port} or {@code aeron:ipc}.
     * @return true for loopback.
     */
    public static boolean isLoopback(final String endpoint)
    {
        if (isIpc(endpoint))
        {
            return true;
        }
        final String host = hostOf(endpoint);
        return "localhost".equals(host) || "[::1]".equals(host) || (host.startsWith("127.") && isIpLiteral(endpoint));
    }

    /**
     * The endpoint with its host name resolved to an address, for sending to a peer that must not look names up.
     *
     * @param endpoint {@code host:port} or {@code aeron:ipc}, of this engine's own configuration.
     * @return the endpoint with an IP literal, or {@code aeron:ipc}.
     * @throws IllegalArgumentException when the name cannot be resolved.
     */
    public static String withAddress(final String endpoint)
    {
        if (isIpc(endpoint) || isIpLiteral(endpoint))
        {
            return endpoint;
        }
        final String host = hostOf(endpoint);
        try
        {
            final InetAddress address = InetAddress.getByName(host);
            final String literal = address.getHostAddress();
            return (literal.indexOf(':') >= 0 ? "[" + literal + "]" : literal) + endpoint.substring(host.length());
        }
        catch (final UnknownHostException ex)
        {
            throw new IllegalArgumentException("cannot resolve '" + host + "' of endpoint " + endpoint, ex);
        }
    }
}
