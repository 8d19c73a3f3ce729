package io.dwcp.engine.security;

import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;

/**
 * The key of one channel in one direction, and its epoch. A channel's key is derived from the direction's
 * transport key and the channel number, so that each stripe has a key and a counter of its own and the workers
 * need share nothing. Every {@code rekeyFrames} frames both sides replace the key by Noise's REKEY(k) (section
 * 11.3), so a key that leaks later opens no earlier frame.
 * <p>
 * Not thread safe: one channel, one thread.
 */
final class ChannelKey
{
    private static final byte[] CHANNEL_LABEL = "dwcp channel".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ZEROS = new byte[32];

    private final Cipher cipher;
    private byte[] key;
    private SecretKeySpec spec;
    private long epoch;

    ChannelKey(final byte[] transportKey, final int channel)
    {
        final byte[] label = Arrays.copyOf(CHANNEL_LABEL, CHANNEL_LABEL.length + Integer.BYTES);
        for (int i = 0; i < Integer.BYTES; i++)
        {
            label[CHANNEL_LABEL.length + i] = (byte)(channel >>> (24 - 8 * i));
        }
        key = NoiseSymmetricState.hkdf(transportKey, label, 2)[0];
        spec = new SecretKeySpec(key, "AES");
        try
        {
            cipher = Cipher.getInstance("AES/GCM/NoPadding");
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException("AES-GCM is not available: " + ex.getMessage(), ex);
        }
    }

    private ChannelKey(final ChannelKey from)
    {
        key = from.key;
        spec = from.spec;
        epoch = from.epoch;
        cipher = from.cipher;
    }

    Cipher cipher()
    {
        return cipher;
    }

    SecretKeySpec spec()
    {
        return spec;
    }

    long epoch()
    {
        return epoch;
    }

    /** Move to the next epoch's key. */
    void rekey()
    {
        key = Arrays.copyOf(NoiseSymmetricState.encrypt(key, -1L, new byte[0], ZEROS), 32);
        spec = new SecretKeySpec(key, "AES");
        epoch++;
    }

    /**
     * A copy to try a later epoch on without giving up this one.
     *
     * @return the copy, sharing the cipher.
     */
    ChannelKey copy()
    {
        return new ChannelKey(this);
    }

    void assign(final ChannelKey from)
    {
        key = from.key;
        spec = from.spec;
        epoch = from.epoch;
    }
}
