package io.dwcp.engine.security;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * How an engine authenticates: its static key and the peers it trusts, or explicitly none. Secure is the default:
 * an engine without a key refuses to start unless it is told {@link #insecure()}, and an insecure engine talks
 * only over loopback or IPC.
 * <p>
 * Immutable.
 */
public final class EngineSecurity
{
    private static final EngineSecurity INSECURE = new EngineSecurity(null, new TrustedPeers(List.of()));

    private final byte[] privateKey;
    private final byte[] publicKey;
    private final TrustedPeers peers;

    private EngineSecurity(final byte[] privateKey, final TrustedPeers peers)
    {
        this.privateKey = null == privateKey ? null : privateKey.clone();
        this.publicKey = null == privateKey ? null : X25519.publicKey(privateKey);
        this.peers = peers;
    }

    /**
     * Authenticated: frames are sealed and only the listed peers get in.
     *
     * @param privateKey this engine's static X25519 key.
     * @param peers      the engines it trusts.
     * @return the settings.
     */
    public static EngineSecurity of(final byte[] privateKey, final TrustedPeers peers)
    {
        return new EngineSecurity(privateKey, peers);
    }

    /**
     * Authenticated, from a key file and a peers file.
     *
     * @param keyFile   this engine's key, mode 0600.
     * @param peersFile the engines it trusts.
     * @return the settings.
     * @throws IOException when a file cannot be read.
     */
    public static EngineSecurity load(final Path keyFile, final Path peersFile) throws IOException
    {
        return of(KeyFiles.readPrivateKey(keyFile), TrustedPeers.load(peersFile));
    }

    /**
     * Unauthenticated and in clear, for loopback only.
     *
     * @return the settings.
     */
    public static EngineSecurity insecure()
    {
        return INSECURE;
    }

    /**
     * Two engines in one process that trust each other, with new keys: what the demo and the harnesses use.
     *
     * @return the sender's settings, then the receiver's.
     */
    public static EngineSecurity[] pair()
    {
        final byte[] senderKey = X25519.generatePrivateKey();
        final byte[] receiverKey = X25519.generatePrivateKey();
        return new EngineSecurity[]{
            of(senderKey, new TrustedPeers(List.of(
                new TrustedPeers.Peer("receiver", X25519.publicKey(receiverKey), null)))),
            of(receiverKey, new TrustedPeers(List.of(
                new TrustedPeers.Peer("sender", X25519.publicKey(senderKey), null))))};
    }

    /**
     * @return true when frames go in clear and nobody is authenticated.
     */
    public boolean isInsecure()
    {
        return null == privateKey;
    }

    /**
     * @return this engine's static private key, or null when insecure.
     */
    public byte[] privateKey()
    {
        return null == privateKey ? null : privateKey.clone();
    }

    /**
     * @return this engine's static public key, or null when insecure.
     */
    public byte[] publicKey()
    {
        return null == publicKey ? null : publicKey.clone();
    }

    /**
     * @return the engines trusted.
     */
    public TrustedPeers peers()
    {
        return peers;
    }

    @Override
    public String toString()
    {
        return isInsecure() ? "INSECURE (no authentication, frames in clear)" :
            "authenticated (Noise IK, AES-256-GCM), " + peers.size() + " trusted peers " + peers;
    }
}
