package io.dwcp.engine.config;

import io.dwcp.engine.security.EngineSecurity;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * Defaults of the settings about who may talk to an engine and what a peer may make it hold, from system
 * properties: keys, insecure mode, re-keying, handshake checks and the receiver's resource limits.
 */
public final class SecurityConfiguration
{
    /** This engine's key file, made by {@code dwcp keygen}. */
    public static final String KEY_FILE_PROP_NAME = "dwcp.security.key";
    /** The peers file: one {@code <name> <public key> [<endpoint>]} per line. */
    public static final String PEERS_FILE_PROP_NAME = "dwcp.security.peers";
    /** Unauthenticated frames in clear, on loopback only; off unless asked for. */
    public static final String INSECURE_PROP_NAME = "dwcp.security.insecure";

    /** Frames per key epoch on each channel. */
    public static final String REKEY_FRAMES_PROP_NAME = "dwcp.security.rekey.frames";
    /** Default re-key interval: 2^20 frames, some 64 GiB of 64-page frames of 4 KiB pages. */
    public static final long REKEY_FRAMES_DEFAULT = 1L << 20;

    /** How far a sender's clock may be from the receiver's in a handshake. */
    public static final String HANDSHAKE_WINDOW_PROP_NAME = "dwcp.security.handshake.window.ms";
    /** Default handshake window. */
    public static final long HANDSHAKE_WINDOW_DEFAULT_MS = 120_000;

    /** Handshakes the receiver examines per second at most. */
    public static final String HANDSHAKES_PER_SECOND_PROP_NAME = "dwcp.security.handshakes.per.second";
    /** Default handshake rate. */
    public static final long HANDSHAKES_PER_SECOND_DEFAULT = 200;

    /** Largest image a receiver accepts. */
    public static final String MAX_IMAGE_BYTES_PROP_NAME = "dwcp.receiver.max.image.bytes";
    /** Default largest image: 1 TiB. */
    public static final long MAX_IMAGE_BYTES_DEFAULT = 1L << 40;

    /** Transfers a receiver holds at once. */
    public static final String MAX_TRANSFERS_PROP_NAME = "dwcp.receiver.max.transfers";
    /** Default transfers at once. */
    public static final int MAX_TRANSFERS_DEFAULT = 64;

    /** Transfers a receiver holds at once for one peer. */
    public static final String MAX_TRANSFERS_PER_PEER_PROP_NAME = "dwcp.receiver.max.transfers.per.peer";
    /** Default transfers at once per peer. */
    public static final int MAX_TRANSFERS_PER_PEER_DEFAULT = 16;

    /** Reply publications a receiver keeps. */
    public static final String MAX_PEERS_PROP_NAME = "dwcp.receiver.max.peers";
    /** Default reply publications. */
    public static final int MAX_PEERS_DEFAULT = 64;

    /** How long a reply publication no transfer uses is kept. */
    public static final String PEER_IDLE_PROP_NAME = "dwcp.receiver.peer.idle.ms";
    /** Default idle time of a reply publication. */
    public static final long PEER_IDLE_DEFAULT_MS = 30_000;

    /** Free space a receiver leaves on the destination's file system beyond the image's size. */
    public static final String DISK_RESERVE_PROP_NAME = "dwcp.receiver.disk.reserve.bytes";
    /** Default reserve: 64 MiB. */
    public static final long DISK_RESERVE_DEFAULT = 64L << 20;

    /** Largest term of a sender's session the receiver keeps; a larger one is rejected at the Aeron level. */
    public static final String MAX_TERM_LENGTH_PROP_NAME = "dwcp.receiver.max.term.length";
    /** Default largest term: 64 MiB, the wan profile's. */
    public static final int MAX_TERM_LENGTH_DEFAULT = 64 * 1024 * 1024;

    /** Keep the destination files of failed transfers, for inspection. */
    public static final String KEEP_FAILED_PROP_NAME = "dwcp.receiver.keep.failed";

    private SecurityConfiguration()
    {
    }

    /**
     * The security the properties name: insecure when asked, else the key and peers files, else none.
     *
     * @return the settings, or null when neither is given.
     * @throws UncheckedIOException when a file cannot be read.
     */
    public static EngineSecurity security()
    {
        if (Boolean.getBoolean(INSECURE_PROP_NAME))
        {
            return EngineSecurity.insecure();
        }
        final String key = System.getProperty(KEY_FILE_PROP_NAME);
        final String peers = System.getProperty(PEERS_FILE_PROP_NAME);
        if (null == key || null == peers)
        {
            return null;
        }
        try
        {
            return EngineSecurity.load(Path.of(key), Path.of(peers));
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot read " + key + " or " + peers + ": " + ex.getMessage(), ex);
        }
    }

    /** @return the value of {@link #REKEY_FRAMES_PROP_NAME}. */
    public static long rekeyFrames()
    {
        return Long.getLong(REKEY_FRAMES_PROP_NAME, REKEY_FRAMES_DEFAULT);
    }

    /** @return the value of {@link #HANDSHAKE_WINDOW_PROP_NAME}. */
    public static long handshakeWindowMs()
    {
        return Long.getLong(HANDSHAKE_WINDOW_PROP_NAME, HANDSHAKE_WINDOW_DEFAULT_MS);
    }

    /** @return the value of {@link #HANDSHAKES_PER_SECOND_PROP_NAME}. */
    public static long handshakesPerSecond()
    {
        return Long.getLong(HANDSHAKES_PER_SECOND_PROP_NAME, HANDSHAKES_PER_SECOND_DEFAULT);
    }

    /** @return the value of {@link #MAX_IMAGE_BYTES_PROP_NAME}. */
    public static long maxImageBytes()
    {
        return Long.getLong(MAX_IMAGE_BYTES_PROP_NAME, MAX_IMAGE_BYTES_DEFAULT);
    }

    /** @return the value of {@link #MAX_TRANSFERS_PROP_NAME}. */
    public static int maxTransfers()
    {
        return Integer.getInteger(MAX_TRANSFERS_PROP_NAME, MAX_TRANSFERS_DEFAULT);
    }

    /** @return the value of {@link #MAX_TRANSFERS_PER_PEER_PROP_NAME}. */
    public static int maxTransfersPerPeer()
    {
        return Integer.getInteger(MAX_TRANSFERS_PER_PEER_PROP_NAME, MAX_TRANSFERS_PER_PEER_DEFAULT);
    }

    /** @return the value of {@link #MAX_PEERS_PROP_NAME}. */
    public static int maxPeers()
    {
        return Integer.getInteger(MAX_PEERS_PROP_NAME, MAX_PEERS_DEFAULT);
    }

    /** @return the value of {@link #PEER_IDLE_PROP_NAME}. */
    public static long peerIdleMs()
    {
        return Long.getLong(PEER_IDLE_PROP_NAME, PEER_IDLE_DEFAULT_MS);
    }

    /** @return the value of {@link #DISK_RESERVE_PROP_NAME}. */
    public static long diskReserveBytes()
    {
        return Long.getLong(DISK_RESERVE_PROP_NAME, DISK_RESERVE_DEFAULT);
    }

    /** @return the value of {@link #MAX_TERM_LENGTH_PROP_NAME}. */
    public static int maxTermLength()
    {
        return Integer.getInteger(MAX_TERM_LENGTH_PROP_NAME, MAX_TERM_LENGTH_DEFAULT);
    }

    /** @return the value of {@link #KEEP_FAILED_PROP_NAME}. */
    public static boolean keepFailed()
    {
        return Boolean.getBoolean(KEEP_FAILED_PROP_NAME);
    }
}
