package io.dwcp.engine.security;

import io.dwcp.codecs.wire.MessageHeaderDecoder;
import io.dwcp.codecs.wire.SealedDecoder;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import java.nio.ByteOrder;
import java.security.GeneralSecurityException;

/**
 * Opens the sealed frames of one channel in one direction: checks that the counter is above every counter
 * opened before (Aeron delivers a session in order, so anything else is a replay), decrypts the box into a buffer
 * of the caller's and checks its tag. A frame that fails leaves the channel as it was. A counter in a later key
 * epoch re-keys the channel, at most {@link #MAX_EPOCHS_AHEAD} epochs ahead, once its frame has opened.
 * <p>
 * Not thread safe: a channel's frames are opened on one thread.
 */
public final class FrameOpener
{
    /** The frame was opened. */
    public static final int OPENED = 0;
    /** Shorter than an envelope and a tag, or a box length that is not the frame's. */
    public static final int MALFORMED = -1;
    /** A counter at or below one already opened. */
    public static final int REPLAYED = -2;
    /** The tag did not match: forged, damaged, or under another key. */
    public static final int FORGED = -3;
    /** The inner frame is larger than the caller's buffer. */
    public static final int TOO_LONG = -4;

    /**
     * Epochs a counter may run ahead of the channel's: only a frame larger than the MTU whose offer is refused
     * leaves a gap in the counters, and each epoch ahead costs a key derivation before the tag is checked.
     */
    public static final int MAX_EPOCHS_AHEAD = 4;

    private static final int TAG_BITS = NoiseSymmetricState.TAG_LENGTH * 8;

    private final byte[] nonce = new byte[NoiseSymmetricState.NONCE_LENGTH];
    private final ChannelKey key;
    private final long rekeyFrames;
    private long highestCounter = -1;
    private int frameLength;

    FrameOpener(final byte[] transportKey, final int channel, final long rekeyFrames)
    {
        this.key = new ChannelKey(transportKey, channel);
        this.rekeyFrames = rekeyFrames;
    }

    /**
     * The counter of a sealed frame, read from its envelope.
     *
     * @param buffer holding the frame.
     * @param offset of the frame.
     * @return the counter.
     */
    public static long counterOf(final DirectBuffer buffer, final int offset)
    {
        return buffer.getLong(offset + MessageHeaderDecoder.ENCODED_LENGTH + SealedDecoder.counterEncodingOffset(),
            ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Open a sealed frame whose envelope names this channel.
     *
     * @param buffer holding the sealed frame.
     * @param offset of the sealed frame.
     * @param length of the sealed frame.
     * @param plain  receives the inner frame at offset 0.
     * @return {@link #OPENED}, or why not: {@link #MALFORMED}, {@link #REPLAYED}, {@link #FORGED},
     * {@link #TOO_LONG}.
     */
    public int open(final DirectBuffer buffer, final int offset, final int length, final MutableDirectBuffer plain)
    {
        frameLength = 0;
        if (length < FrameSealer.OVERHEAD)
        {
            return MALFORMED;
        }
        final int boxLength = buffer.getInt(
            offset + FrameSealer.HEADER_LENGTH - SealedDecoder.boxHeaderLength(), ByteOrder.LITTLE_ENDIAN);
        if (boxLength != length - FrameSealer.HEADER_LENGTH)
        {
            return MALFORMED;
        }
        final int innerLength = boxLength - NoiseSymmetricState.TAG_LENGTH;
        if (innerLength > plain.capacity())
        {
            return TOO_LONG;
        }
        final long counter = counterOf(buffer, offset);
        if (counter <= highestCounter)
        {
            return REPLAYED;
        }
        final long epoch = counter / rekeyFrames;
        if (epoch - key.epoch() > MAX_EPOCHS_AHEAD)
        {
            return FORGED;
        }
        ChannelKey trial = key;
        if (epoch > key.epoch())
        {
            trial = key.copy();
            while (trial.epoch() < epoch)
            {
                trial.rekey();
            }
        }
        FrameSealer.putNonce(nonce, counter);
        final CipherScratch scratch = CipherScratch.get();
        final byte[] input = scratch.input(boxLength);
        final byte[] output = scratch.output(boxLength);
        buffer.getBytes(offset, scratch.header, 0, FrameSealer.HEADER_LENGTH);
        buffer.getBytes(offset + FrameSealer.HEADER_LENGTH, input, 0, boxLength);
        try
        {
            final Cipher cipher = trial.cipher();
            cipher.init(Cipher.DECRYPT_MODE, trial.spec(), new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(scratch.header, 0, FrameSealer.HEADER_LENGTH);
            cipher.doFinal(input, 0, boxLength, output, 0);
        }
        catch (final AEADBadTagException ex)
        {
            return FORGED;
        }
        catch (final GeneralSecurityException | RuntimeException ex)
        {
            return MALFORMED;
        }
        if (trial != key)
        {
            key.assign(trial);
        }
        plain.putBytes(0, output, 0, innerLength);
        highestCounter = counter;
        frameLength = innerLength;
        return OPENED;
    }

    /**
     * @return the inner frame's length after {@link #OPENED}.
     */
    public int frameLength()
    {
        return frameLength;
    }

    /**
     * @return the key epoch: how many times the channel has re-keyed.
     */
    public long epoch()
    {
        return key.epoch();
    }
}
