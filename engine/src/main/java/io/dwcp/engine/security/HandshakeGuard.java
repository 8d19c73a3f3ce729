package io.dwcp.engine.security;

import java.util.HashMap;
import java.util.Map;

/**
 * The receiver's checks on a handshake before anything is allocated for it: a bound on handshakes per second
 * (each costs X25519 work), a trusted static key, and a fresh clock, WireGuard's defence against replayed first
 * messages: each peer's clock must rise from one accepted handshake to the next, lie within a window of the
 * receiver's, and not precede the receiver's start, which would let a Hello recorded before a restart in again.
 * <p>
 * Not thread safe: owned by the receiver conductor.
 */
public final class HandshakeGuard
{
    /** Why a handshake was refused. */
    public enum Verdict
    {
        /** Passed every check. */
        ACCEPTED,
        /** Over the rate limit. */
        RATE_LIMITED,
        /** Failed its authentication or malformed. */
        FAILED,
        /** Authenticated by a key nobody trusts. */
        UNTRUSTED,
        /** The same or an older clock than the peer's last accepted handshake. */
        REPLAYED,
        /** A clock outside the window. */
        EXPIRED
    }

    private final TrustedPeers peers;
    private final long startMs;
    private final long windowMs;
    private final long handshakesPerSecond;
    private final Map<String, Long> lastEpochMsByPeer = new HashMap<>();
    private long bucketSecond = Long.MIN_VALUE;
    private long bucketCount;

    /**
     * @param peers               the engines trusted.
     * @param windowMs            how far a sender's clock may be from the receiver's.
     * @param handshakesPerSecond handshakes examined per second at most.
     * @param startMs             the receiver's wall clock at its start: a handshake older than that may be one
     *                            the receiver accepted before a restart, and is refused as a replay.
     */
    public HandshakeGuard(
        final TrustedPeers peers, final long windowMs, final long handshakesPerSecond, final long startMs)
    {
        this.peers = peers;
        this.startMs = startMs;
        this.windowMs = windowMs;
        this.handshakesPerSecond = handshakesPerSecond;
    }

    /**
     * Take a token for a handshake; call before any X25519 work.
     *
     * @param nowMs receiver's wall clock.
     * @return false when over the limit this second.
     */
    public boolean tryAcquire(final long nowMs)
    {
        final long second = nowMs / 1000;
        if (second != bucketSecond)
        {
            bucketSecond = second;
            bucketCount = 0;
        }
        return ++bucketCount <= handshakesPerSecond;
    }

    /**
     * Check an authenticated first message.
     *
     * @param handshake whose first message has been read.
     * @param nowMs     receiver's wall clock.
     * @return the verdict; {@link #peerOf} names the peer.
     */
    public Verdict check(final ResponderHandshake handshake, final long nowMs)
    {
        final TrustedPeers.Peer peer = peers.byKey(handshake.remoteStatic());
        if (null == peer)
        {
            return Verdict.UNTRUSTED;
        }
        final long epochMs = handshake.epochMs();
        if (Math.abs(nowMs - epochMs) > windowMs)
        {
            return Verdict.EXPIRED;
        }
        final Long last = lastEpochMsByPeer.get(peer.name());
        if ((null != last && epochMs <= last) || epochMs < startMs)
        {
            return Verdict.REPLAYED;
        }
        lastEpochMsByPeer.put(peer.name(), epochMs);
        return Verdict.ACCEPTED;
    }

    /**
     * @param handshake whose first message has been read.
     * @return the trusted peer that holds its key, or null.
     */
    public TrustedPeers.Peer peerOf(final ResponderHandshake handshake)
    {
        return peers.byKey(handshake.remoteStatic());
    }
}
