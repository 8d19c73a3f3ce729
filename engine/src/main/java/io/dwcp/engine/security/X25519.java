package io.dwcp.engine.security;

import javax.crypto.KeyAgreement;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.spec.NamedParameterSpec;
import java.security.spec.XECPrivateKeySpec;
import java.security.spec.XECPublicKeySpec;

/**
 * X25519 (RFC 7748) on raw 32-byte keys, through the JDK's XDH provider: key generation, the public key of a
 * private one, and Diffie-Hellman. The JDK refuses a peer key of small order, which would give an all-zero secret.
 */
public final class X25519
{
    /** Bytes in a private key, a public key and a shared secret. */
    public static final int KEY_LENGTH = 32;

    private static final byte[] BASE_POINT = new byte[KEY_LENGTH];
    private static final SecureRandom RANDOM = new SecureRandom();

    static
    {
        BASE_POINT[0] = 9;
    }

    private X25519()
    {
    }

    /**
     * A new private key, clamped as RFC 7748 says.
     *
     * @return 32 random bytes.
     */
    public static byte[] generatePrivateKey()
    {
        final byte[] key = new byte[KEY_LENGTH];
        RANDOM.nextBytes(key);
        key[0] &= (byte)248;
        key[31] &= 127;
        key[31] |= 64;
        return key;
    }

    /**
     * The public key of a private key: X25519 of the key and the base point 9.
     *
     * @param privateKey 32 bytes.
     * @return its public key, 32 bytes.
     */
    public static byte[] publicKey(final byte[] privateKey)
    {
        return dh(privateKey, BASE_POINT);
    }

    /**
     * Diffie-Hellman of a private key and a peer's public key.
     *
     * @param privateKey 32 bytes.
     * @param publicKey  the peer's, 32 bytes.
     * @return the shared secret, 32 bytes.
     * @throws IllegalArgumentException when the peer key is invalid or of small order.
     */
    public static byte[] dh(final byte[] privateKey, final byte[] publicKey)
    {
        if (KEY_LENGTH != privateKey.length || KEY_LENGTH != publicKey.length)
        {
            throw new IllegalArgumentException("X25519 keys are 32 bytes");
        }
        try
        {
            final KeyFactory factory = KeyFactory.getInstance("X25519");
            final PrivateKey ours = factory.generatePrivate(
                new XECPrivateKeySpec(NamedParameterSpec.X25519, privateKey.clone()));
            final PublicKey theirs = factory.generatePublic(
                new XECPublicKeySpec(NamedParameterSpec.X25519, toU(publicKey)));
            final KeyAgreement agreement = KeyAgreement.getInstance("X25519");
            agreement.init(ours);
            agreement.doPhase(theirs, true);
            return agreement.generateSecret();
        }
        catch (final GeneralSecurityException | RuntimeException ex)
        {
            throw new IllegalArgumentException("X25519 refused the key: " + ex.getMessage(), ex);
        }
    }

    private static BigInteger toU(final byte[] littleEndian)
    {
        final byte[] bigEndian = new byte[KEY_LENGTH];
        for (int i = 0; i < KEY_LENGTH; i++)
        {
            bigEndian[i] = littleEndian[KEY_LENGTH - 1 - i];
        }
        // RFC 7748 5: the top bit of the u-coordinate is ignored.
        bigEndian[0] &= 127;
        return new BigInteger(1, bigEndian);
    }
}
