package io.dwcp.engine.sender;

import io.dwcp.codec.BlockCodec;
import io.dwcp.codec.PageChecksum;
import io.dwcp.codecs.wire.PageEncoding;
import io.dwcp.engine.memory.RoundStartPages;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The versions of similar pages a delta page brings into its block's dictionary: up to
 * {@link BlockCodec#MAX_SIMILAR_PER_PAGE} of the pages that share the most anchors with it ({@link SimilarPages}),
 * each with the CRC32C its {@code SIMILAR_BASE} entry carries for the receiver to check its own copy against.
 * <p>
 * Only versions whose frame the receiver acknowledged are used, on any stripe: on the page's own stripe an earlier
 * frame is not enough, as one whose pages the receiver rejected would spoil every frame after it (over a JVM
 * series, pages resent went from 2,478 to 1,459 when it had to be acknowledged). None already in the dictionary is
 * added again.
 * <p>
 * Owned by one frame writer; not thread safe.
 */
final class SimilarBases
{
    /** Lowest zstd level at which similar pages join the block's dictionary. */
    static final int MIN_LEVEL = 1;

    private final int pageSize;
    private final long[] pageNumbers = new long[BlockCodec.MAX_SIMILAR_PER_PAGE];
    private final int[] crcs = new int[BlockCodec.MAX_SIMILAR_PER_PAGE];
    private int count;

    SimilarBases(final int pageSize)
    {
        this.pageSize = pageSize;
    }

    /**
     * Add to the block the held versions of the pages most similar to the delta page whose anchors the index took
     * last.
     *
     * @param index        the worker's similar-page index, the page's anchors taken.
     * @param block        the frame's block, the page and its own version added.
     * @param pageNumber   of the page.
     * @param framePages   page numbers of the frame's entries so far.
     * @param frameEncodings encodings of the frame's entries so far.
     * @param frameEntries entries in the frame so far.
     * @param round        of the frame.
     * @return versions added, read with {@link #pageNumber} and {@link #crc}.
     */
    int add(
        final SimilarPages index,
        final BlockCodec block,
        final long pageNumber,
        final long[] framePages,
        final PageEncoding[] frameEncodings,
        final int frameEntries,
        final int round)
    {
        count = 0;
        final int candidates = index.find(pageNumber);
        for (int c = 0; c < candidates && count < BlockCodec.MAX_SIMILAR_PER_PAGE &&
            block.baseCount() < block.maxBases(); c++)
        {
            final long candidate = index.candidatePage(c);
            if (isInDictionary(candidate, framePages, frameEncodings, frameEntries))
            {
                continue;
            }
            final Stripe holder = index.stripe(index.candidateStripe(c));
            final BaselineStore store = holder.baselines();
            final long baselineIndex = holder.baselineIndexOf(candidate);
            // An anchor from before this round was in the version the page had when the round started: if the
            // round has sent the page again, that version is the one kept, and the receiver kept it too.
            final RoundStartPages roundStart = store.roundStart();
            final int kept = index.candidateRound(c) < round ? roundStart.slotOf(round, baselineIndex) : -1;
            final UnsafeBuffer base;
            final int baseOffset;
            if (kept >= 0)
            {
                base = roundStart.buffer(kept);
                baseOffset = roundStart.offsetOf(kept);
                store.onRoundStartUsed();
            }
            else
            {
                final int slot = store.heldSlot(baselineIndex, holder.ackedSequence());
                if (slot < 0)
                {
                    continue;
                }
                base = store.baseBuffer(slot);
                baseOffset = store.baseOffset(slot);
            }
            block.addBase(base, baseOffset);
            pageNumbers[count] = candidate;
            crcs[count] = PageChecksum.crc32c(base, baseOffset, pageSize);
            count++;
        }
        return count;
    }

    long pageNumber(final int k)
    {
        return pageNumbers[k];
    }

    int crc(final int k)
    {
        return crcs[k];
    }

    /** Is a page's held version already in the frame's dictionary, as a delta page's own or a similar one? */
    private boolean isInDictionary(
        final long pageNumber, final long[] framePages, final PageEncoding[] frameEncodings, final int frameEntries)
    {
        for (int k = 0; k < count; k++)
        {
            if (pageNumbers[k] == pageNumber)
            {
                return true;
            }
        }
        for (int i = 0; i < frameEntries; i++)
        {
            if (framePages[i] == pageNumber &&
                (PageEncoding.BLOCK_DELTA == frameEncodings[i] || PageEncoding.SIMILAR_BASE == frameEncodings[i]))
            {
                return true;
            }
        }
        return false;
    }
}
