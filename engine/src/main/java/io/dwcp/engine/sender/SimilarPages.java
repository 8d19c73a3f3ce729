package io.dwcp.engine.sender;

import io.dwcp.codec.BlockDictionary;
import io.dwcp.engine.config.CodecContext;
import org.agrona.DirectBuffer;
import org.agrona.UnsafeApi;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;

/**
 * Which page the receiver holds that resembles a page being sent, found by content: data a guest moved from one
 * page to another, as a garbage collector copies live objects to a new page, is found in the version held of the
 * page it came from, which then joins the block's dictionary. On a live JVM's round 1 that halves what the changed
 * pages cost against their own previous versions alone (docs/FRAME-CODEC.md).
 * <p>
 * A page's anchors are the 8-byte-aligned words that are not zero and whose hash falls in one thirty-second of its
 * range, about sixteen per page of real memory; each anchor's key hashes the 32 bytes it starts. The choice depends
 * only on the words themselves, so data moved by a multiple of 8 bytes, as objects and allocations are aligned,
 * keeps its anchors. A bounded, lossy, off-heap table maps each key to the page, the place in it and the stripe that
 * last sent it, in buckets of two entries, so that an anchor is lost only to two others (a JVM's rounds 1-3 at level
 * 9: 0.6% smaller than with single entries), and a lookup takes the first entry of the key's bucket it matches. A
 * page being sent looks its anchors up, and the pages they point to are its candidates, most anchors first, each
 * with the pieces (eighths) of it that line up with the anchors found, an eighth of a page on either side. A JVM's
 * collector fills a page from many others: pieces of every page an anchor leads to took 12% less of a round than the
 * two whole pages with the most anchors (docs/FRAME-CODEC.md). A candidate is only a hint: the frame writer uses it
 * when the stripe that holds it has a version of it the receiver is known to hold, and the receiver checks its own
 * copy's pieces before using them.
 * <p>
 * Shared by the stripes of one transfer on one worker; not thread safe.
 */
final class SimilarPages
{
    /** Most anchors taken from one page. */
    static final int MAX_ANCHORS = 32;
    /** Entries the table holds at most per page of the image: four times what a page of real memory has anchors, so
     * that a table filled to a quarter keeps most of them. */
    static final int ENTRIES_PER_PAGE = 64;
    /**
     * An entry is one long, so the default 64 MiB holds eight million: the page number in the low 32 bits (a transfer
     * has fewer pages), then the anchor's place in the page in 512ths (its word, for 4 KiB pages), the stripe, the
     * round it was put in modulo 128, and 7 bits of the key to tell anchors apart. The top bit is set: a new table,
     * zeroed when allocated, is empty.
     */
    private static final int ENTRY_LENGTH = Long.BYTES;
    /** Two entries a bucket: a key's slot loses an anchor only to two others. */
    private static final int WAYS = 2;
    private static final int BUCKET_LENGTH = WAYS * ENTRY_LENGTH;
    private static final long OCCUPIED = Long.MIN_VALUE;
    private static final long PAGE_MASK = 0xFFFF_FFFFL;
    private static final int PLACE_SHIFT = 32;
    private static final int PLACE_BITS = 9;
    private static final int STRIPE_SHIFT = PLACE_SHIFT + PLACE_BITS;
    private static final int STRIPE_MASK = 0xFF;
    private static final int ROUND_SHIFT = STRIPE_SHIFT + 8;
    private static final int ROUND_MASK = 0x7F;
    private static final int CHECK_SHIFT = ROUND_SHIFT + 7;
    private static final long CHECK_MASK = 0x7F;
    /** The anchors a round puts wait in a log of up to a quarter of the table's entries, a bucket and an entry each. */
    private static final int LOG_FRACTION = 4;
    private static final int LOG_RECORD_LENGTH = Integer.BYTES + Long.BYTES;
    private static final long ANCHOR_MULTIPLIER = 0x9E3779B97F4A7C15L;
    private static final int ANCHOR_SHIFT = 59;
    private static final int KEY_WORDS = 4;

    private final UnsafeBuffer table;
    private final boolean isReproducible;
    private final UnsafeBuffer log;
    private final int logCapacity;
    private int logCount;
    private int logRound;
    private final int mask;
    private final long[] anchorKeys = new long[MAX_ANCHORS];
    private final int[] anchorWords = new int[MAX_ANCHORS];
    private final long[] candidatePages = new long[MAX_ANCHORS];
    private final int[] candidateMasks = new int[MAX_ANCHORS];
    private final int[] candidateStripes = new int[MAX_ANCHORS];
    private final int[] candidateVotes = new int[MAX_ANCHORS];
    private final int[] candidateRounds = new int[MAX_ANCHORS];
    private int anchorCount;
    private int candidateCount;
    private int pageWords;
    private final int wholeLevel;
    private Stripe[] stripes;

    /**
     * Create an index within a budget.
     *
     * @param budgetBytes most bytes of the table; it holds a power of two entries of 8 bytes.
     * @param pageCount   pages in the image: the table holds no more than {@link #ENTRIES_PER_PAGE} per page.
     */
    SimilarPages(final long budgetBytes, final long pageCount)
    {
        this(budgetBytes, pageCount, Integer.MAX_VALUE, false);
    }

    /**
     * Create an index within a budget.
     *
     * @param budgetBytes most bytes of the table; it holds a power of two entries of 8 bytes.
     * @param pageCount   pages in the image: the table holds no more than {@link #ENTRIES_PER_PAGE} per page.
     * @param wholeLevel   lowest zstd level at which pages sent whole look for similar pages as well.
     * @param reproducible after round 0, find only what was put before the round, whatever the timing.
     */
    SimilarPages(final long budgetBytes, final long pageCount, final int wholeLevel, final boolean reproducible)
    {
        this.wholeLevel = wholeLevel;
        this.isReproducible = reproducible;
        final long wanted = Math.min(budgetBytes / ENTRY_LENGTH, Math.max(2, ENTRIES_PER_PAGE * pageCount));
        final int entries = wanted < 2 ? 0 : Integer.highestOneBit((int)Math.min(wanted, 1 << 26));
        mask = entries / WAYS - 1;
        table = new UnsafeBuffer(ByteBuffer.allocateDirect(Math.max(1, entries) * ENTRY_LENGTH));
        logCapacity = reproducible ? Math.max(1, entries / LOG_FRACTION) : 1;
        log = new UnsafeBuffer(ByteBuffer.allocateDirect(logCapacity * LOG_RECORD_LENGTH));
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
        pageWords = pageSize / Long.BYTES;
        if (mask < 0)
        {
            return 0;
        }
        // Bounds are checked once for the page, then the words are read at raw addresses. Every page sent at level
        // 1 or above pays for this scan: a check a word made it 1.42 us a page of a JVM, against 1.09 us now
        // (SimilarPagesBenchmark.anchors).
        page.boundsCheck(offset, pageSize);
        final byte[] array = page.byteArray();
        final long address = page.addressOffset() + offset;
        final int last = pageSize - KEY_WORDS * Long.BYTES;
        for (int i = 0; i <= last; i += Long.BYTES)
        {
            final long word = UnsafeApi.getLong(array, address + i);
            if (0 != word && 0 == (word * ANCHOR_MULTIPLIER) >>> ANCHOR_SHIFT)
            {
                anchorWords[anchorCount] = i / Long.BYTES;
                anchorKeys[anchorCount++] = key(word, UnsafeApi.getLong(array, address + i + 8),
                    UnsafeApi.getLong(array, address + i + 16), UnsafeApi.getLong(array, address + i + 24));
                if (MAX_ANCHORS == anchorCount)
                {
                    break;
                }
            }
        }
        return anchorCount;
    }

    /**
     * Look the anchors taken last up and rank the pages they point to, most anchors first, each with the pieces of
     * it that line up with them; the page itself is left out.
     *
     * @param pageNumber of the page being sent.
     * @param round      of the frame it is sent in.
     * @return candidates, read with {@link #candidatePage}, {@link #candidateStripe} and {@link #candidateMask}.
     */
    int find(final long pageNumber, final int round)
    {
        candidateCount = 0;
        startRound(round);
        final int pieceWords = pageWords / BlockDictionary.PIECES_PER_PAGE;
        for (int a = 0; a < anchorCount; a++)
        {
            final long entry = firstMatch(anchorKeys[a]);
            final long page = entry & PAGE_MASK;
            if (entry >= 0 || page == pageNumber)
            {
                continue;
            }
            // The data around the anchor lines up with the data around it there: an eighth of a page either side,
            // as far as this page reaches.
            final int word = (int)((entry >>> PLACE_SHIFT) & ((1 << PLACE_BITS) - 1)) * pageWords >>> PLACE_BITS;
            final int own = anchorWords[a];
            final int from = Math.max(0, word - Math.min(own, pieceWords));
            final int to = Math.min(pageWords, word + Math.min(pageWords - own, pieceWords));
            if (from < to)
            {
                final int pieces = (2 << ((to - 1) / pieceWords)) - (1 << (from / pieceWords));
                vote(page, (int)(entry >>> STRIPE_SHIFT) & STRIPE_MASK, (int)(entry >>> ROUND_SHIFT) & ROUND_MASK,
                    pieces);
            }
        }
        // Insertion sort of at most MAX_ANCHORS by votes, the earlier first among equals.
        for (int i = 1; i < candidateCount; i++)
        {
            final long page = candidatePages[i];
            final int stripe = candidateStripes[i];
            final int votes = candidateVotes[i];
            final int putRound = candidateRounds[i];
            final int pieces = candidateMasks[i];
            int j = i - 1;
            while (j >= 0 && candidateVotes[j] < votes)
            {
                candidatePages[j + 1] = candidatePages[j];
                candidateStripes[j + 1] = candidateStripes[j];
                candidateVotes[j + 1] = candidateVotes[j];
                candidateRounds[j + 1] = candidateRounds[j];
                candidateMasks[j + 1] = candidateMasks[j];
                j--;
            }
            candidatePages[j + 1] = page;
            candidateStripes[j + 1] = stripe;
            candidateVotes[j + 1] = votes;
            candidateRounds[j + 1] = putRound;
            candidateMasks[j + 1] = pieces;
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
     * Are candidates only what was put before the round, so that a replay finds the same?
     *
     * @return true when the sender is reproducible.
     */
    boolean isReproducible()
    {
        return isReproducible;
    }

    /**
     * Was one of the anchors that voted for a candidate put before a round? It was then in the version the page had
     * when the round started.
     *
     * @param i     candidate.
     * @param round the current round.
     * @return true when one was put in an earlier round (rounds are told apart modulo 128).
     */
    boolean isFromEarlierRound(final int i, final int round)
    {
        return candidateRounds[i] != (round & ROUND_MASK);
    }

    /**
     * The pieces of a candidate that line up with the anchors found in it.
     *
     * @param i candidate.
     * @return bit k for the k-th eighth of the page; never 0.
     */
    int candidateMask(final int i)
    {
        return candidateMasks[i];
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
        if (mask < 0)
        {
            return;
        }
        startRound(round);
        final long common = OCCUPIED | pageNumber & PAGE_MASK | (long)(stripe & STRIPE_MASK) << STRIPE_SHIFT |
            (long)(round & ROUND_MASK) << ROUND_SHIFT;
        for (int a = 0; a < anchorCount; a++)
        {
            final long key = anchorKeys[a];
            final long place = ((long)anchorWords[a] << PLACE_BITS) / pageWords;
            final long entry = common | place << PLACE_SHIFT | (key & CHECK_MASK) << CHECK_SHIFT;
            if (!isReproducible)
            {
                push(slot(key), entry);
                continue;
            }
            if (round <= 0 || round != logRound)
            {
                // Round 0 (pages sent whole take similar pages from it), or a page of a round already left.
                store(slot(key), entry);
                continue;
            }
            if (logCount == logCapacity)
            {
                applyLog();
            }
            final int at = logCount++ * LOG_RECORD_LENGTH;
            log.putInt(at, slot(key));
            log.putLong(at + Integer.BYTES, entry);
        }
    }

    /**
     * Reproducible, a later round sees the anchors of those before it as they stood when it started: what a round
     * puts goes into the table when the next one starts. Which pages a page of the round finds then does not depend
     * on how far the other stripes of the worker have got, which a replay would not find the same. Otherwise a
     * round's anchors count at once: data a round moved into pages it sent earlier is found there, which on a JVM's
     * rounds 1-3 saves about 7%.
     */
    private void startRound(final int round)
    {
        if (isReproducible && round > logRound)
        {
            applyLog();
            logRound = round;
        }
    }

    private void applyLog()
    {
        for (int i = 0; i < logCount; i++)
        {
            final int at = i * LOG_RECORD_LENGTH;
            store(log.getInt(at), log.getLong(at + Integer.BYTES));
        }
        logCount = 0;
    }

    /**
     * Put an entry first in its bucket, where one for the same page and key is replaced and otherwise the second is
     * dropped: the newest two stay.
     */
    private void push(final int at, final long entry)
    {
        final long first = table.getLong(at);
        if (!isSameAnchor(first, entry))
        {
            table.putLong(at + ENTRY_LENGTH, first);
        }
        table.putLong(at, entry);
    }

    /**
     * Put an entry in its bucket, reproducibly: in place of one for the same page and key, or else of the lower
     * ranked, if it ranks higher; the higher ranked goes first. An empty entry ranks lowest, then one from an earlier
     * round; of two from the same round the higher page, whichever came first. The bucket then holds the same
     * whatever the order of the round's entries.
     */
    private void store(final int at, final long entry)
    {
        long first = table.getLong(at);
        long second = table.getLong(at + ENTRY_LENGTH);
        if (isSameAnchor(first, entry))
        {
            first = entry;
        }
        else if (isSameAnchor(second, entry) || isRankedLower(second, entry))
        {
            second = entry;
        }
        else
        {
            return;
        }
        final boolean isSwapped = isRankedLower(first, second);
        table.putLong(at, isSwapped ? second : first);
        table.putLong(at + ENTRY_LENGTH, isSwapped ? first : second);
    }

    private static boolean isSameAnchor(final long entry, final long other)
    {
        return entry < 0 && ((entry ^ other) & (PAGE_MASK | CHECK_MASK << CHECK_SHIFT)) == 0;
    }

    /** Does an entry rank lower than another: empty, from an earlier round (modulo 128), or a lower page? */
    private static boolean isRankedLower(final long entry, final long other)
    {
        if (entry >= 0 || other >= 0)
        {
            // An empty slot, zeroed, ranks lowest.
            return entry >= 0 && other < 0;
        }
        final int newer = (int)((other >>> ROUND_SHIFT) - (entry >>> ROUND_SHIFT)) & ROUND_MASK;
        return 0 != newer ? newer <= ROUND_MASK / 2 : (entry & PAGE_MASK) < (other & PAGE_MASK);
    }

    private void vote(final long page, final int stripe, final int round, final int pieces)
    {
        for (int c = 0; c < candidateCount; c++)
        {
            if (candidatePages[c] == page)
            {
                candidateVotes[c]++;
                candidateMasks[c] |= pieces;
                if (round != candidateRounds[c] && ((round - candidateRounds[c]) & ROUND_MASK) > ROUND_MASK / 2)
                {
                    candidateRounds[c] = round;
                }
                return;
            }
        }
        candidatePages[candidateCount] = page;
        candidateStripes[candidateCount] = stripe;
        candidateVotes[candidateCount] = 1;
        candidateRounds[candidateCount] = round;
        candidateMasks[candidateCount] = pieces;
        candidateCount++;
    }

    /**
     * The first entry of a key's bucket that matches its check. The first ranks higher: where its data was put last,
     * or in a reproducible index the higher page of the latest round; the other holds the same data.
     *
     * @return the entry, or 0 (empty) when neither matches.
     */
    private long firstMatch(final long key)
    {
        final int at = slot(key);
        for (int way = 0; way < WAYS; way++)
        {
            final long entry = table.getLong(at + way * ENTRY_LENGTH);
            if (entry < 0 && ((entry >>> CHECK_SHIFT) & CHECK_MASK) == (key & CHECK_MASK))
            {
                return entry;
            }
        }
        return 0;
    }

    private int slot(final long key)
    {
        return ((int)(key >>> 32) & mask) * BUCKET_LENGTH;
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
