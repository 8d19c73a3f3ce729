package io.dwcp.engine.sender;

import io.dwcp.engine.config.CodecContext;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;

/**
 * Which page the receiver holds that resembles a page being sent, found by content: data a guest moved from one
 * page to another, as a garbage collector copies live objects to a new page, is found in the version held of the
 * page it came from, which then joins the block's dictionary. On a live JVM's round 1 that halves what the changed
 * pages cost against their own previous versions alone (docs/FRAME-CODEC.md).
 * <p>
 * A page's anchors are the 8-byte-aligned words that are not zero and whose hash falls in one sixty-fourth of its
 * range, about eight per page of real memory; each anchor's key hashes the 32 bytes it starts. The choice depends
 * only on the words themselves, so data moved by a multiple of 8 bytes, as objects and allocations are aligned,
 * keeps its anchors. A bounded, lossy, off-heap table maps each key to the page and stripe that last sent it; a page
 * being sent looks its anchors up, and the pages most of them point to are its candidates. A candidate is only a
 * hint: the frame writer uses it when the stripe that holds it has a version of it the receiver is known to hold,
 * and the receiver checks the CRC32C of its own copy before using it.
 * <p>
 * Shared by the stripes of one transfer on one worker; not thread safe.
 */
final class SimilarPages
{
    /** Most anchors taken from one page. */
    static final int MAX_ANCHORS = 16;
    private static final int ENTRY_LENGTH = 16;
    private static final int KEY_OFFSET = 0;
    private static final int STRIPE_OFFSET = 4;
    private static final int PAGE_OFFSET = 8;
    private static final long EMPTY = -1;
    /** An entry's page number is below 2^32 (a transfer has fewer pages); the round it was put in is above. */
    private static final int ROUND_SHIFT = 32;
    private static final long PAGE_MASK = 0xFFFF_FFFFL;
    private static final long ANCHOR_MULTIPLIER = 0x9E3779B97F4A7C15L;
    private static final int ANCHOR_SHIFT = 58;
    private static final int KEY_WORDS = 4;

    private final UnsafeBuffer table;
    private final int mask;
    private final long[] anchorKeys = new long[MAX_ANCHORS];
    private final long[] candidatePages = new long[MAX_ANCHORS];
    private final int[] candidateStripes = new int[MAX_ANCHORS];
    private final int[] candidateVotes = new int[MAX_ANCHORS];
    private final int[] candidateRounds = new int[MAX_ANCHORS];
    private int anchorCount;
    private int candidateCount;
    private final int wholeLevel;
    private Stripe[] stripes;

    /**
     * Create an index within a budget.
     *
     * @param budgetBytes most bytes of the table; it holds a power of two entries of 16 bytes.
     * @param pageCount   pages in the image: the table holds no more entries than eight per page.
     */
    SimilarPages(final long budgetBytes, final long pageCount)
    {
        this(budgetBytes, pageCount, Integer.MAX_VALUE);
    }

    /**
     * Create an index within a budget.
     *
     * @param budgetBytes most bytes of the table; it holds a power of two entries of 16 bytes.
     * @param pageCount   pages in the image: the table holds no more entries than eight per page.
     * @param wholeLevel  lowest zstd level at which pages sent whole look for similar pages as well.
     */
    SimilarPages(final long budgetBytes, final long pageCount, final int wholeLevel)
    {
        this.wholeLevel = wholeLevel;
        final long wanted = Math.min(budgetBytes / ENTRY_LENGTH, Math.max(2, 8 * pageCount));
        final int entries = wanted < 2 ? 0 : Integer.highestOneBit((int)Math.min(wanted, 1 << 26));
        mask = entries - 1;
        table = new UnsafeBuffer(ByteBuffer.allocateDirect(Math.max(1, entries) * ENTRY_LENGTH));
        for (int i = 0; i < entries; i++)
        {
            table.putLong(i * ENTRY_LENGTH + PAGE_OFFSET, EMPTY);
        }
    }

    /**
     * Does a sender with these settings look for similar pages at all?
     *
     * @param context the sender's codec settings.
     * @return true with an index budget, compression and deltas on, and frame blocks.
     */
    static boolean isWanted(final CodecContext<?> context)
    {
        return context.similarIndexBytes() > 0 && context.hdeEnabled() && context.blockPages() > 0;
    }

    /**
     * Lowest zstd level at which pages sent whole look for similar pages as well as delta pages do.
     *
     * @return the level; {@link Integer#MAX_VALUE} for delta pages only.
     */
    int wholeLevel()
    {
        return wholeLevel;
    }

    /**
     * The stripes of the transfer, by index; only those of this index's worker put entries.
     *
     * @param stripes all of the transfer's stripes.
     */
    void stripes(final Stripe[] stripes)
    {
        this.stripes = stripes;
    }

    Stripe stripe(final int index)
    {
        return stripes[index];
    }

    /**
     * Take the anchors of a page, for {@link #find} and {@link #put} after it.
     *
     * @param page     buffer holding the page.
     * @param offset   of the page.
     * @param pageSize bytes per page, a multiple of 8.
     * @return anchors found, at most {@link #MAX_ANCHORS}.
     */
    int anchors(final DirectBuffer page, final int offset, final int pageSize)
    {
        anchorCount = 0;
        if (mask < 0)
        {
            return 0;
        }
        final int last = pageSize - KEY_WORDS * Long.BYTES;
        for (int i = 0; i <= last; i += Long.BYTES)
        {
            final long word = page.getLong(offset + i);
            if (0 != word && 0 == (word * ANCHOR_MULTIPLIER) >>> ANCHOR_SHIFT)
            {
                anchorKeys[anchorCount++] = key(word, page.getLong(offset + i + 8), page.getLong(offset + i + 16),
                    page.getLong(offset + i + 24));
                if (MAX_ANCHORS == anchorCount)
                {
                    break;
                }
            }
        }
        return anchorCount;
    }

    /**
     * Look the anchors taken last up and rank the pages they point to, most anchors first; the page itself is left
     * out.
     *
     * @param pageNumber of the page being sent.
     * @return candidates, read with {@link #candidatePage} and {@link #candidateStripe}.
     */
    int find(final long pageNumber)
    {
        candidateCount = 0;
        for (int a = 0; a < anchorCount; a++)
        {
            final long key = anchorKeys[a];
            final int at = slot(key);
            final long entry = table.getLong(at + PAGE_OFFSET);
            final long page = entry & PAGE_MASK;
            if (EMPTY == entry || page == pageNumber || table.getInt(at + KEY_OFFSET) != (int)key)
            {
                continue;
            }
            vote(page, table.getInt(at + STRIPE_OFFSET), (int)(entry >>> ROUND_SHIFT));
        }
        // Insertion sort of at most 16 by votes, the earlier first among equals.
        for (int i = 1; i < candidateCount; i++)
        {
            final long page = candidatePages[i];
            final int stripe = candidateStripes[i];
            final int votes = candidateVotes[i];
            final int round = candidateRounds[i];
            int j = i - 1;
            while (j >= 0 && candidateVotes[j] < votes)
            {
                candidatePages[j + 1] = candidatePages[j];
                candidateStripes[j + 1] = candidateStripes[j];
                candidateVotes[j + 1] = candidateVotes[j];
                candidateRounds[j + 1] = candidateRounds[j];
                j--;
            }
            candidatePages[j + 1] = page;
            candidateStripes[j + 1] = stripe;
            candidateVotes[j + 1] = votes;
            candidateRounds[j + 1] = round;
        }
        return candidateCount;
    }

    long candidatePage(final int i)
    {
        return candidatePages[i];
    }

    int candidateStripe(final int i)
    {
        return candidateStripes[i];
    }

    int candidateVotes(final int i)
    {
        return candidateVotes[i];
    }

    /**
     * The earliest round in which one of the anchors that voted for a candidate was put: before the current round,
     * the anchor was in the version the page had when the round started.
     *
     * @param i candidate.
     * @return the round.
     */
    int candidateRound(final int i)
    {
        return candidateRounds[i];
    }

    /**
     * Point the anchors taken last at a page as sent in a round.
     *
     * @param stripe     whose frame carries it.
     * @param pageNumber of the page.
     * @param round      of the frame.
     */
    void put(final int stripe, final long pageNumber, final int round)
    {
        final long entry = pageNumber | (long)round << ROUND_SHIFT;
        for (int a = 0; a < anchorCount; a++)
        {
            final long key = anchorKeys[a];
            final int at = slot(key);
            table.putInt(at + KEY_OFFSET, (int)key);
            table.putInt(at + STRIPE_OFFSET, stripe);
            table.putLong(at + PAGE_OFFSET, entry);
        }
    }

    private void vote(final long page, final int stripe, final int round)
    {
        for (int c = 0; c < candidateCount; c++)
        {
            if (candidatePages[c] == page)
            {
                candidateVotes[c]++;
                candidateRounds[c] = Math.min(candidateRounds[c], round);
                return;
            }
        }
        candidatePages[candidateCount] = page;
        candidateStripes[candidateCount] = stripe;
        candidateVotes[candidateCount] = 1;
        candidateRounds[candidateCount] = round;
        candidateCount++;
    }

    private int slot(final long key)
    {
        return ((int)(key >>> 32) & mask) * ENTRY_LENGTH;
    }

    private static long key(final long a, final long b, final long c, final long d)
    {
        long h = a * 0x9E3779B97F4A7C15L;
        h = Long.rotateLeft(h ^ b * 0xC2B2AE3D27D4EB4FL, 31);
        h = Long.rotateLeft(h ^ c * 0x165667B19E3779F9L, 29);
        h ^= d * 0xD6E8FEB86659FD93L;
        return h ^ (h >>> 29);
    }
}
