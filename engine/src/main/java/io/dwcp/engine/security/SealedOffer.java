package io.dwcp.engine.security;

import io.aeron.ExclusivePublication;
import io.aeron.logbuffer.BufferClaim;
import org.agrona.MutableDirectBuffer;

/**
 * Publishes a frame, sealed when the transfer is authenticated, so that only a frame that is published uses a
 * counter: one within the MTU is sealed inside its claim, after the claim succeeded. A refused offer then costs
 * nothing, and retries under back pressure cannot open a gap between the two sides' key epochs.
 */
public final class SealedOffer
{
    private SealedOffer()
    {
    }

    /**
     * Publish a frame.
     *
     * @param publication to publish on.
     * @param buffer      holding the inner frame at {@link FrameSealer#HEADER_LENGTH} when sealed, else at 0.
     * @param frameLength of the inner frame.
     * @param sealer      of the channel, or null to publish in clear.
     * @param claim       reusable claim.
     * @return the publication's result.
     */
    public static long offer(
        final ExclusivePublication publication,
        final MutableDirectBuffer buffer,
        final int frameLength,
        final FrameSealer sealer,
        final BufferClaim claim)
    {
        if (null == sealer)
        {
            return publication.offer(buffer, 0, frameLength);
        }
        final int wireLength = frameLength + FrameSealer.OVERHEAD;
        if (wireLength > publication.maxPayloadLength())
        {
            // Larger than one MTU: sealed where it is; a refused offer costs a counter, a gap the opener allows.
            return publication.offer(buffer, 0, sealer.seal(buffer, 0, frameLength));
        }
        final long result = publication.tryClaim(wireLength, claim);
        if (result > 0)
        {
            final MutableDirectBuffer claimed = claim.buffer();
            final int offset = claim.offset();
            try
            {
                claimed.putBytes(offset + FrameSealer.HEADER_LENGTH, buffer, FrameSealer.HEADER_LENGTH, frameLength);
                sealer.seal(claimed, offset, frameLength);
            }
            catch (final RuntimeException ex)
            {
                claim.abort();
                throw ex;
            }
            claim.commit();
        }
        return result;
    }
}
