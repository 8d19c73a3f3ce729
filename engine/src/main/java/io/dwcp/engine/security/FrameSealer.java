package io.dwcp.engine.security;

import io.dwcp.codecs.wire.MessageHeaderEncoder;
import io.dwcp.codecs.wire.SealedEncoder;
import org.agrona.MutableDirectBuffer;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import java.nio.ByteOrder;
import java.security.GeneralSecurityException;

/**
 * Seals the frames of one channel in one direction: writes the {@code Sealed} envelope in front of a frame already
 * encoded at {@link #HEADER_LENGTH} past the envelope's offset, encrypts the frame in place with AES-256-GCM under
 * the channel's key, and appends the tag. The nonce is the channel's counter, which never repeats under one key.
 * <pre>
 *   0        8                 24         28                      28 + n      28 + n + 16
 *   | header | index, channel, | box      | inner frame,          | tag        |
 *   |        | counter         | length   | encrypted             |            |
 *   |&lt;------- associated data --------&gt;|
 * </pre>
 * Not thread safe: a channel's frames are sealed on one thread.
 */
public final class FrameSealer
{
    /** Bytes in front of the inner frame. */
    public static final int HEADER_LENGTH =
        MessageHeaderEncoder.ENCODED_LENGTH + SealedEncoder.BLOCK_LENGTH + SealedEncoder.boxHeaderLength();
    /** Bytes a sealed frame adds to its inner frame. */
    public static final int OVERHEAD = HEADER_LENGTH + NoiseSymmetricState.TAG_LENGTH;

    private static final int TAG_BITS = NoiseSymmetricState.TAG_LENGTH * 8;

    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final SealedEncoder sealedEncoder = new SealedEncoder();
    private final byte[] nonce = new byte[NoiseSymmetricState.NONCE_LENGTH];
    private final ChannelKey key;
    private final int index;
    private final int channel;
    private final long rekeyFrames;
    private long counter;

    FrameSealer(final byte[] transportKey, final int index, final int channel, final long rekeyFrames)
    {
        this.key = new ChannelKey(transportKey, channel);
        this.index = index;
        this.channel = channel;
        this.rekeyFrames = rekeyFrames;
    }

    /**
     * Seal a frame in place.
     *
     * @param buffer      holding the inner frame at {@code offset + HEADER_LENGTH}, with room for the tag after it.
     * @param offset      of the sealed frame.
     * @param frameLength of the inner frame.
     * @return the sealed frame's length: {@code frameLength + OVERHEAD}.
     */
    public int seal(final MutableDirectBuffer buffer, final int offset, final int frameLength)
    {
        final long frameCounter = counter++;
        while (frameCounter / rekeyFrames > key.epoch())
        {
            key.rekey();
        }
        sealedEncoder.wrapAndApplyHeader(buffer, offset, headerEncoder)
            .index(index)
            .channel(channel)
            .counter(frameCounter);
        final int boxLength = frameLength + NoiseSymmetricState.TAG_LENGTH;
        buffer.putInt(offset + HEADER_LENGTH - SealedEncoder.boxHeaderLength(), boxLength, ByteOrder.LITTLE_ENDIAN);
        putNonce(nonce, frameCounter);
        final CipherScratch scratch = CipherScratch.get();
        final byte[] input = scratch.input(frameLength);
        final byte[] output = scratch.output(boxLength);
        buffer.getBytes(offset, scratch.header, 0, HEADER_LENGTH);
        buffer.getBytes(offset + HEADER_LENGTH, input, 0, frameLength);
        try
        {
            final Cipher cipher = key.cipher();
            cipher.init(Cipher.ENCRYPT_MODE, key.spec(), new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(scratch.header, 0, HEADER_LENGTH);
            cipher.doFinal(input, 0, frameLength, output, 0);
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException("AES-GCM failed to seal a frame: " + ex.getMessage(), ex);
        }
        buffer.putBytes(offset + HEADER_LENGTH, output, 0, boxLength);
        return frameLength + OVERHEAD;
    }

    /**
     * @return the key epoch: how many times the channel has re-keyed.
     */
    public long epoch()
    {
        return key.epoch();
    }

    static void putNonce(final byte[] nonce, final long counter)
    {
        for (int i = 0; i < Long.BYTES; i++)
        {
            nonce[4 + i] = (byte)(counter >>> (56 - 8 * i));
        }
    }
}
