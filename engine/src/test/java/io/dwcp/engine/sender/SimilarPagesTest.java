package io.dwcp.engine.sender;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SimilarPagesTest
{
    private static final int PAGE_SIZE = 4096;

    private final SimilarPages index = new SimilarPages(1024 * 1024, 1024);

    private static UnsafeBuffer randomPage(final long seed)
    {
        final byte[] bytes = new byte[PAGE_SIZE];
        new Random(seed).nextBytes(bytes);
        final UnsafeBuffer page = new UnsafeBuffer(ByteBuffer.allocateDirect(PAGE_SIZE));
        page.putBytes(0, bytes);
        return page;
    }

    @Test
    void dataMovedByAWholeNumberOfWordsFindsThePageItCameFrom()
    {
        final UnsafeBuffer original = randomPage(1);
        assertTrue(index.anchors(original, 0, PAGE_SIZE) > 0, "a random page has anchors");
        index.put(3, 7, 0);

        // The same data 24 bytes further on, behind new bytes, as a collector copies an object to a new page.
        final UnsafeBuffer moved = randomPage(2);
        moved.putBytes(24, original, 0, PAGE_SIZE - 24);
        assertTrue(index.anchors(moved, 0, PAGE_SIZE) > 0);
        final int candidates = index.find(99, 0);
        assertTrue(candidates >= 1);
        assertEquals(7, index.candidatePage(0));
        assertEquals(3, index.candidateStripe(0));
        assertTrue(index.candidateVotes(0) >= 2, "votes " + index.candidateVotes(0));
    }

    @Test
    void aPageIsNeverItsOwnCandidateAndUnrelatedDataFindsNothing()
    {
        final UnsafeBuffer original = randomPage(3);
        index.anchors(original, 0, PAGE_SIZE);
        index.put(0, 5, 0);
        index.anchors(original, 0, PAGE_SIZE);
        assertEquals(0, index.find(5, 0));

        index.anchors(randomPage(4), 0, PAGE_SIZE);
        assertEquals(0, index.find(6, 0));
    }

    @Test
    void theMostAnchorsComeFirst()
    {
        final UnsafeBuffer first = randomPage(5);
        final UnsafeBuffer second = randomPage(6);
        index.anchors(first, 0, PAGE_SIZE);
        index.put(1, 10, 0);
        index.anchors(second, 0, PAGE_SIZE);
        index.put(2, 20, 0);

        // A quarter of the first page and three quarters of the second.
        final UnsafeBuffer mixed = randomPage(7);
        mixed.putBytes(0, first, 0, PAGE_SIZE / 4);
        mixed.putBytes(PAGE_SIZE / 4, second, PAGE_SIZE / 4, 3 * PAGE_SIZE / 4);
        index.anchors(mixed, 0, PAGE_SIZE);
        assertTrue(index.find(30, 0) >= 1);
        assertEquals(20, index.candidatePage(0));
        assertEquals(2, index.candidateStripe(0));
    }

    @Test
    void aCandidateBringsOnlyThePiecesThatLineUpWithItsAnchors()
    {
        final UnsafeBuffer original = randomPage(9);
        index.anchors(original, 0, PAGE_SIZE);
        index.put(0, 11, 0);

        // The original's first quarter, at the same place, in a page of new bytes.
        final UnsafeBuffer moved = randomPage(10);
        moved.putBytes(0, original, 0, PAGE_SIZE / 4);
        index.anchors(moved, 0, PAGE_SIZE);
        assertTrue(index.find(12, 0) >= 1);
        assertEquals(11, index.candidatePage(0));
        final int mask = index.candidateMask(0);
        assertTrue(0 != (mask & 0b11), "the first quarter's pieces: " + Integer.toBinaryString(mask));
        assertEquals(0, mask & 0b1111_1000, "nothing past the piece after it: " + Integer.toBinaryString(mask));
    }

    @Test
    void aReproducibleIndexFindsWhatARoundPutOnlyFromTheNextRoundAndTheHigherPagesKeepABucket()
    {
        final SimilarPages reproducible = new SimilarPages(1024 * 1024, 1024, Integer.MAX_VALUE, true);
        final UnsafeBuffer page = randomPage(11);
        reproducible.anchors(page, 0, PAGE_SIZE);
        reproducible.put(1, 40, 1);
        reproducible.put(0, 20, 1);
        reproducible.put(2, 30, 1);
        reproducible.anchors(page, 0, PAGE_SIZE);
        assertEquals(0, reproducible.find(99, 1), "not in the round that put it");

        // Three pages for the two entries of each anchor's bucket: the higher two stay, whatever the order, and a
        // lookup finds the higher.
        reproducible.anchors(page, 0, PAGE_SIZE);
        assertEquals(1, reproducible.find(99, 2));
        assertEquals(40, reproducible.candidatePage(0), "the higher page, though put first");
        assertEquals(1, reproducible.candidateStripe(0));
        assertTrue(reproducible.isFromEarlierRound(0, 2));
        // A page of a later round ranks above both; the page a lookup is for never finds itself, but what is after
        // it in the bucket.
        reproducible.anchors(page, 0, PAGE_SIZE);
        reproducible.put(3, 10, 2);
        reproducible.anchors(page, 0, PAGE_SIZE);
        assertEquals(1, reproducible.find(99, 3));
        assertEquals(10, reproducible.candidatePage(0));
        assertEquals(0, reproducible.find(10, 3), "its own page first: the older entries hold the same data");

        // Not reproducible: at once, the last put first.
        index.anchors(page, 0, PAGE_SIZE);
        index.put(1, 40, 1);
        index.put(0, 20, 1);
        index.put(2, 30, 1);
        assertEquals(1, index.find(99, 1));
        assertEquals(30, index.candidatePage(0));
        assertTrue(!index.isFromEarlierRound(0, 1));
    }

    @Test
    void aReproducibleBucketHoldsTheSameWhateverTheOrderOfARoundsPuts()
    {
        final UnsafeBuffer page = randomPage(12);
        final long[][] orders = {{40, 50, 10}, {40, 10, 50}, {50, 40, 10}, {50, 10, 40}, {10, 40, 50}, {10, 50, 40}};
        for (final long[] order : orders)
        {
            final SimilarPages reproducible = new SimilarPages(1024 * 1024, 1024, Integer.MAX_VALUE, true);
            // A bucket of 10 from round 2 and 40 from round 1; round 3 puts both again, and 50.
            reproducible.anchors(page, 0, PAGE_SIZE);
            reproducible.put(0, 40, 1);
            reproducible.anchors(page, 0, PAGE_SIZE);
            reproducible.put(0, 10, 2);
            for (final long pageNumber : order)
            {
                reproducible.anchors(page, 0, PAGE_SIZE);
                reproducible.put(0, pageNumber, 3);
            }
            reproducible.anchors(page, 0, PAGE_SIZE);
            assertEquals(1, reproducible.find(99, 4));
            assertEquals(50, reproducible.candidatePage(0), "puts in the order " + java.util.Arrays.toString(order));
        }
    }

    @Test
    void zeroPagesHaveNoAnchorsAndAnIndexOfNoBytesFindsNothing()
    {
        assertEquals(0, index.anchors(new UnsafeBuffer(ByteBuffer.allocateDirect(PAGE_SIZE)), 0, PAGE_SIZE));
        final SimilarPages none = new SimilarPages(0, 1024);
        assertEquals(0, none.anchors(randomPage(8), 0, PAGE_SIZE));
        assertEquals(0, none.find(1, 0));
    }
}
