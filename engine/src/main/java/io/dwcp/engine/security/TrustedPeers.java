package io.dwcp.engine.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The engines a node trusts, by name and static public key, and for a sender where each receiver listens. A peers
 * file holds one peer per line, {@code <name> <public key, base64> [<endpoint host:port>]}; {@code #} starts a
 * comment. A receiver accepts a Hello only from a key in its list; a sender opens a transfer to an endpoint only
 * with the key listed for it, or the one listed with no endpoint.
 * <p>
 * Immutable.
 */
public final class TrustedPeers
{
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,63}");

    private final List<Peer> peers;

    /**
     * One trusted engine.
     *
     * @param name      for events, logs and limits.
     * @param publicKey its static X25519 key.
     * @param endpoint  where it receives, or null when it is not named.
     */
    public record Peer(String name, byte[] publicKey, String endpoint)
    {
        /**
         * @param key a static public key.
         * @return whether it is this peer's.
         */
        public boolean hasKey(final byte[] key)
        {
            return java.security.MessageDigest.isEqual(publicKey, key);
        }
    }

    /**
     * @param peers the trusted engines.
     */
    public TrustedPeers(final List<Peer> peers)
    {
        this.peers = List.copyOf(peers);
    }

    /**
     * Read a peers file.
     *
     * @param file to read.
     * @return the peers it lists.
     * @throws IOException when it cannot be read.
     * @throws IllegalArgumentException naming the line that is wrong.
     */
    public static TrustedPeers load(final Path file) throws IOException
    {
        final List<Peer> peers = new ArrayList<>();
        final List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++)
        {
            final String line = lines.get(i).replaceAll("#.*", "").trim();
            if (line.isEmpty())
            {
                continue;
            }
            final String[] fields = line.split("\\s+");
            final String where = file + " line " + (i + 1);
            if (fields.length < 2 || fields.length > 3 || !NAME.matcher(fields[0]).matches())
            {
                throw new IllegalArgumentException(where + ": expected '<name> <public key> [<endpoint>]'");
            }
            peers.add(new Peer(fields[0], KeyFiles.decode(fields[1], where), fields.length > 2 ? fields[2] : null));
        }
        return new TrustedPeers(peers);
    }

    /**
     * The peer that holds a key.
     *
     * @param publicKey authenticated by a handshake.
     * @return the peer, or null when the key is not trusted.
     */
    public Peer byKey(final byte[] publicKey)
    {
        for (final Peer peer : peers)
        {
            if (peer.hasKey(publicKey))
            {
                return peer;
            }
        }
        return null;
    }

    /**
     * The peer to authenticate a receiver at an endpoint against.
     *
     * @param endpoint host:port or aeron:ipc.
     * @return the peer listed for it, else the one listed without an endpoint, else null.
     */
    public Peer forEndpoint(final String endpoint)
    {
        Peer unnamed = null;
        for (final Peer peer : peers)
        {
            if (endpoint.equals(peer.endpoint()))
            {
                return peer;
            }
            if (null == peer.endpoint() && null == unnamed)
            {
                unnamed = peer;
            }
        }
        return unnamed;
    }

    /**
     * @return how many peers are trusted.
     */
    public int size()
    {
        return peers.size();
    }

    @Override
    public String toString()
    {
        return Arrays.toString(peers.stream().map(Peer::name).toArray());
    }
}
