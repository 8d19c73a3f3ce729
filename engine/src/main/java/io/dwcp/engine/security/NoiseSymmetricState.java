package io.dwcp.engine.security;

import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * The Noise Protocol Framework's SymmetricState and CipherState (revision 34, sections 5.1 and 5.2) for the
 * cipher functions AESGCM and SHA256: the chaining key, the handshake hash, and the handshake's key and nonce.
 * Handshake only: byte arrays and a new {@link Cipher} per message.
 * <p>
 * Not thread safe.
 */
final class NoiseSymmetricState
{
    static final int HASH_LENGTH = 32;
    static final int TAG_LENGTH = 16;
    static final int NONCE_LENGTH = 12;

    private byte[] chainingKey;
    private byte[] hash;
    private byte[] key;
    private long nonce;

    NoiseSymmetricState(final String protocolName)
    {
        final byte[] name = protocolName.getBytes(StandardCharsets.US_ASCII);
        hash = name.length <= HASH_LENGTH ? Arrays.copyOf(name, HASH_LENGTH) : sha256(name);
        chainingKey = hash.clone();
    }

    NoiseSymmetricState(final NoiseSymmetricState from)
    {
        chainingKey = from.chainingKey;
        hash = from.hash;
        key = from.key;
        nonce = from.nonce;
    }

    void assign(final NoiseSymmetricState from)
    {
        chainingKey = from.chainingKey;
        hash = from.hash;
        key = from.key;
        nonce = from.nonce;
    }

    void mixHash(final byte[] data)
    {
        hash = sha256(hash, data);
    }

    void mixKey(final byte[] inputKeyMaterial)
    {
        final byte[][] outputs = hkdf(chainingKey, inputKeyMaterial, 2);
        chainingKey = outputs[0];
        key = outputs[1];
        nonce = 0;
    }

    byte[] encryptAndHash(final byte[] plaintext)
    {
        final byte[] ciphertext = null == key ? plaintext.clone() : encrypt(key, nonce++, hash, plaintext);
        mixHash(ciphertext);
        return ciphertext;
    }

    byte[] decryptAndHash(final byte[] ciphertext)
    {
        final byte[] plaintext = null == key ? ciphertext.clone() : decrypt(key, nonce++, hash, ciphertext);
        mixHash(ciphertext);
        return plaintext;
    }

    /**
     * Noise's Split(): the two transport keys, the initiator's sending key first.
     *
     * @return two 32-byte keys.
     */
    byte[][] split()
    {
        return hkdf(chainingKey, new byte[0], 2);
    }

    byte[] handshakeHash()
    {
        return hash.clone();
    }

    static byte[] sha256(final byte[]... parts)
    {
        try
        {
            final MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (final byte[] part : parts)
            {
                digest.update(part);
            }
            return digest.digest();
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    /**
     * Noise's HKDF (section 4.3), which is RFC 5869's extract and expand with HMAC-SHA256 and no info.
     *
     * @param chainingKey     the salt.
     * @param inputKeyMaterial the input key material.
     * @param outputs          2 or 3.
     * @return the outputs, 32 bytes each.
     */
    static byte[][] hkdf(final byte[] chainingKey, final byte[] inputKeyMaterial, final int outputs)
    {
        final byte[] tempKey = hmac(chainingKey, inputKeyMaterial);
        final byte[][] result = new byte[outputs][];
        byte[] previous = new byte[0];
        for (int i = 0; i < outputs; i++)
        {
            final byte[] input = Arrays.copyOf(previous, previous.length + 1);
            input[previous.length] = (byte)(i + 1);
            previous = hmac(tempKey, input);
            result[i] = previous;
        }
        return result;
    }

    static byte[] hmac(final byte[] key, final byte[] data)
    {
        try
        {
            final Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data);
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    /**
     * Noise's AESGCM ENCRYPT: AES-256-GCM, a 128-bit tag, and a nonce of 32 zero bits and the big-endian counter.
     *
     * @param key       32 bytes.
     * @param nonce     the counter.
     * @param ad        associated data.
     * @param plaintext to encrypt.
     * @return the ciphertext and its tag.
     */
    static byte[] encrypt(final byte[] key, final long nonce, final byte[] ad, final byte[] plaintext)
    {
        try
        {
            final Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), nonceSpec(nonce));
            cipher.updateAAD(ad);
            return cipher.doFinal(plaintext);
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    static byte[] decrypt(final byte[] key, final long nonce, final byte[] ad, final byte[] ciphertext)
    {
        try
        {
            final Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"), nonceSpec(nonce));
            cipher.updateAAD(ad);
            return cipher.doFinal(ciphertext);
        }
        catch (final GeneralSecurityException ex)
        {
            throw new HandshakeException("a handshake message failed its authentication tag", ex);
        }
    }

    static GCMParameterSpec nonceSpec(final long nonce)
    {
        final byte[] iv = new byte[NONCE_LENGTH];
        for (int i = 0; i < Long.BYTES; i++)
        {
            iv[4 + i] = (byte)(nonce >>> (56 - 8 * i));
        }
        return new GCMParameterSpec(TAG_LENGTH * 8, iv);
    }
}
