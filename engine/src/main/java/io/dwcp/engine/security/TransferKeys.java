package io.dwcp.engine.security;

/**
 * The keys of one transfer after its handshake, from one side's point of view: the sealers of what this side sends
 * and the openers of what it receives, one per channel (0 for the transfer's own frames, k + 1 for stripe k).
 * Immutable: each sealer and opener it makes holds its own state.
 */
public final class TransferKeys
{
    private final byte[] sendKey;
    private final byte[] receiveKey;
    private final int peerIndex;
    private final long rekeyFrames;

    /**
     * @param split       this side's sending key and receiving key, from {@link NoiseHandshake#split()}.
     * @param peerIndex   the peer's number for the transfer, which sealed frames to it name.
     * @param rekeyFrames frames per key epoch on each channel.
     */
    public TransferKeys(final byte[][] split, final int peerIndex, final long rekeyFrames)
    {
        if (rekeyFrames <= 0)
        {
            throw new IllegalArgumentException("rekeyFrames=" + rekeyFrames + " must be positive");
        }
        this.sendKey = split[0].clone();
        this.receiveKey = split[1].clone();
        this.peerIndex = peerIndex;
        this.rekeyFrames = rekeyFrames;
    }

    /**
     * @param channel 0 for the transfer's own frames, k + 1 for stripe k.
     * @return a new sealer for what this side sends on the channel.
     */
    public FrameSealer sealer(final int channel)
    {
        return new FrameSealer(sendKey, peerIndex, channel, rekeyFrames);
    }

    /**
     * @param channel 0 for the transfer's own frames, k + 1 for stripe k.
     * @return a new opener for what this side receives on the channel.
     */
    public FrameOpener opener(final int channel)
    {
        return new FrameOpener(receiveKey, channel, rekeyFrames);
    }

}
