package io.dwcp.engine.sender;

import io.dwcp.codec.BlockCodec;
import io.dwcp.codec.BlockDictionary;
import io.dwcp.codec.FrameTable;
import io.dwcp.codec.PageChecksum;
import io.dwcp.codec.PageEncoding;
import io.dwcp.engine.memory.RoundStartPages;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The pieces of similar pages' versions a block brings into its dictionary, after its pages' own versions: for each
 * page of the block, the candidates {@link SimilarPages} finds, each with the eighths of it that line up with the
 * anchors found there, gathered per page over the whole block. When the block is complete they go into the dictionary
 * in page order, and one {@code SIMILAR_PIECES} entry lists them, each with a check of its pieces for the receiver
 * to check its own copy against: on a JVM's round 1 a block takes pieces of about a hundred pages, and an entry of
 * 17 bytes each, as entries took before wire schema 9, would have cost a tenth of what they save.
 * <p>
 * Only versions whose frame the receiver acknowledged are used, on any stripe: on the page's own stripe an earlier
 * frame is not enough, as one whose pages the receiver rejected would spoil every frame after it (over a JVM
 * series, pages resent went from 2,478 to 1,459 when it had to be acknowledged). A page whose own version is
 * already in the dictionary is not added again.
 * <p>
 * The entry's payload, little-endian: per page, in ascending page order, the difference from the page before (the
 * first from 0) as an unsigned LEB128 varint, a byte of pieces (bit i for the i-th eighth, not 0), and the low 16
 * bits of the CRC32C of those pieces one after another, uint16. The entry's page number is how many pages it lists,
 * and its CRC32C that of the payload.
 * <p>
 * The check only chooses between the receiver's copy and the version it kept when the round started. Two bytes of
 * the CRC32C where four were saved a third of a list, 0.3 MiB of a JVM's rounds 1-3; a copy that is neither and still
 * passes, one in 65,536 of those, spoils the block's pages, which fail their own CRC32C and are repaired.
 * <p>
 * Owned by one frame writer; not thread safe.
 */
final class SimilarBases
{
    /** Lowest zstd level at which similar pages join the block's dictionary. */
    static final int MIN_LEVEL = 1;
    /** Most pages a block takes pieces of, per page of the block. */
    static final int MAX_SOURCES_PER_PAGE = BlockDictionary.MAX_PIECED_PER_PAGE;
    /** Most bytes one page takes in the entry's payload: a varint of a difference below 2^32, pieces, check. */
    static final int MAX_RECORD_LENGTH = 5 + 1 + Short.BYTES;

    private static final int NONE = -1;

    private final int pageSize;
    private final int maxSources;
    private final long[] pages;
    private final int[] stripes;
    private final int[] masks;
    private final boolean[] isEarlier;
    private final int[] slots;
    private final int[] usedSlots;
    private final int slotMask;
    private int count;
    private int sent;

    /**
     * Gather similar pages for the blocks of one frame writer.
     *
     * @param pageSize  bytes per page.
     * @param maxPages  most pages in a block.
     */
    SimilarBases(final int pageSize, final int maxPages)
    {
        this.pageSize = pageSize;
        maxSources = MAX_SOURCES_PER_PAGE * maxPages;
        pages = new long[maxSources];
        stripes = new int[maxSources];
        masks = new int[maxSources];
        isEarlier = new boolean[maxSources];
        slots = new int[Integer.highestOneBit(maxSources) << 2];
        slotMask = slots.length - 1;
        usedSlots = new int[maxSources];
        Arrays.fill(slots, NONE);
    }

    /**
     * Most bytes of a block's {@code SIMILAR_PIECES} payload.
     *
     * @param maxPages most pages in a block.
     * @return the bound.
     */
    static int maxPayloadLength(final int maxPages)
    {
        return MAX_SOURCES_PER_PAGE * maxPages * MAX_RECORD_LENGTH;
    }

    /** Start a block: no similar pages. */
    void begin()
    {
        for (int i = 0; i < count; i++)
        {
            slots[usedSlots[i]] = NONE;
        }
        count = 0;
        sent = 0;
    }

    /**
     * Gather the candidates of the page whose anchors the index took last.
     *
     * @param index         the worker's similar-page index, the page's anchors taken.
     * @param pageNumber    of the page.
     * @param round         of the frame.
     * @param maxCandidates most pages to take pieces of, those with the most anchors first.
     */
    void collect(final SimilarPages index, final long pageNumber, final int round, final int maxCandidates)
    {
        final int candidates = Math.min(maxCandidates, index.find(pageNumber, round));
        for (int c = 0; c < candidates; c++)
        {
            final long page = index.candidatePage(c);
            int at = slotOf(page);
            while (NONE != slots[at] && pages[slots[at]] != page)
            {
                at = (at + 1) & slotMask;
            }
            final int source = slots[at];
            if (NONE != source)
            {
                masks[source] |= index.candidateMask(c);
                isEarlier[source] |= index.isFromEarlierRound(c, round);
            }
            else if (count < maxSources)
            {
                slots[at] = count;
                usedSlots[count] = at;
                pages[count] = page;
                stripes[count] = index.candidateStripe(c);
                masks[count] = index.candidateMask(c);
                isEarlier[count] = index.isFromEarlierRound(c, round);
                count++;
            }
        }
    }

    /**
     * Put the pieces gathered into the block's dictionary, after the pages' own versions, and write the entry's
     * payload that names them.
     *
     * @param index          the worker's similar-page index, for the stripes.
     * @param block          the frame's block, every page and own version added.
     * @param framePages     page numbers of the frame's entries.
     * @param frameEncodings encodings of the frame's entries.
     * @param frameEntries   entries in the frame.
     * @param round          of the frame.
     * @param out            buffer for the payload.
     * @param outOffset      where it starts; {@link #maxPayloadLength} bytes must be free.
     * @return the payload's length, 0 when no piece went into the dictionary.
     */
    int finish(
        final SimilarPages index,
        final BlockCodec block,
        final long[] framePages,
        final PageEncoding[] frameEncodings,
        final int frameEntries,
        final int round,
        final UnsafeBuffer out,
        final int outOffset)
    {
        sortByPage();
        final BlockDictionary dictionary = block.dictionary();
        final int maxLength =
            Math.min(dictionary.maxLength(block.pageCount()), dictionary.length() + dictionary.room());
        int at = outOffset;
        long previous = 0;
        for (int s = 0; s < count; s++)
        {
            final long page = pages[s];
            final int pieces = masks[s];
            // Reproducible, after round 0 only versions from before the round: the round's own depend on how far the
            // receiver's acknowledgements and the other stripes have got, which a replay would not find the same.
            final boolean isBeforeRoundOnly = index.isReproducible() && round > 0;
            if ((isBeforeRoundOnly && !isEarlier[s]) ||
                dictionary.length() + dictionary.piecesLength(pieces) > maxLength ||
                isOwnVersionIn(page, framePages, frameEncodings, frameEntries))
            {
                continue;
            }
            final Stripe holder = index.stripe(stripes[s]);
            final BaselineStore store = holder.baselines();
            final long baselineIndex = holder.baselineIndexOf(page);
            // An anchor from before this round was in the version the page had when the round started: if the
            // round has sent the page again, that version is the one kept, and the receiver kept it too.
            final RoundStartPages roundStart = store.roundStart();
            final int kept = isEarlier[s] ? roundStart.slotOf(round, baselineIndex) : -1;
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
                final int slot = store.heldSlot(baselineIndex, holder.ackedSequence(),
                    isBeforeRoundOnly ? round : Integer.MAX_VALUE);
                if (slot < 0)
                {
                    continue;
                }
                base = store.baseBuffer(slot);
                baseOffset = store.baseOffset(slot);
            }
            final int start = dictionary.length();
            dictionary.addPieces(base, baseOffset, pieces);
            final int crc = PageChecksum.crc32c(dictionary.versions(), start, dictionary.length() - start);
            at = FrameTable.putVarLong(out, at, page - previous);
            out.putByte(at++, (byte)pieces);
            out.putShort(at, (short)crc, ByteOrder.LITTLE_ENDIAN);
            at += Short.BYTES;
            previous = page;
            sent++;
        }
        return at - outOffset;
    }

    /**
     * Pages whose pieces the last {@link #finish} put in the dictionary.
     *
     * @return how many the payload lists.
     */
    int sent()
    {
        return sent;
    }

    /**
     * Pieces gathered for the block so far, before {@link #finish} drops those it cannot use, other than those of
     * this round's pages on a stripe from a page on: those a stripe's stream still holds in its window.
     *
     * @param stripe    whose recent pages are left out.
     * @param firstPage the first of them, {@link Long#MAX_VALUE} for none.
     * @return eighths of pages.
     */
    int pieceCountOutside(final int stripe, final long firstPage)
    {
        int pieces = 0;
        for (int s = 0; s < count; s++)
        {
            if (stripes[s] != stripe || isEarlier[s] || pages[s] < firstPage)
            {
                pieces += Integer.bitCount(masks[s]);
            }
        }
        return pieces;
    }

    /** Insertion sort of at most a few hundred, by page number, once the block takes no more; slots are not moved. */
    private void sortByPage()
    {
        for (int i = 1; i < count; i++)
        {
            final long page = pages[i];
            final int stripe = stripes[i];
            final int mask = masks[i];
            final boolean earlier = isEarlier[i];
            int j = i - 1;
            while (j >= 0 && pages[j] > page)
            {
                pages[j + 1] = pages[j];
                stripes[j + 1] = stripes[j];
                masks[j + 1] = masks[j];
                isEarlier[j + 1] = isEarlier[j];
                j--;
            }
            pages[j + 1] = page;
            stripes[j + 1] = stripe;
            masks[j + 1] = mask;
            isEarlier[j + 1] = earlier;
        }
    }

    private int slotOf(final long page)
    {
        return (int)((page * 0x9E3779B97F4A7C15L) >>> 40) & slotMask;
    }

    /** Is a page's held version already in the frame's dictionary, as a delta page's own? */
    private static boolean isOwnVersionIn(
        final long pageNumber, final long[] framePages, final PageEncoding[] frameEncodings, final int frameEntries)
    {
        for (int i = 0; i < frameEntries; i++)
        {
            if (framePages[i] == pageNumber && PageEncoding.BLOCK_DELTA == frameEncodings[i])
            {
                return true;
            }
        }
        return false;
    }
}
