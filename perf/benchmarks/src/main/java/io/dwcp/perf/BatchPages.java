package io.dwcp.perf;

/**
 * Where the pages of each {@link LatencyHarness} batch lie: consecutive batch members a fixed stride apart from a
 * base drawn by a xorshift step, so the engine and raw Aeron, each with its own instance from the same seed, take
 * the same sequence of batch positions.
 * <p>
 * Not thread safe: one instance per system run.
 */
final class BatchPages
{
    /** Pages between consecutive members of a batch: a prime, so a batch spreads through the image. */
    private static final long STRIDE = 4099;

    private long random;

    /**
     * Start the sequence.
     *
     * @param seed of the run.
     */
    BatchPages(final long seed)
    {
        random = seed | 1;
    }

    /**
     * Xorshift step.
     *
     * @return the next value of the sequence, never 0.
     */
    long nextRandom()
    {
        long x = random;
        x ^= x << 13;
        x ^= x >>> 7;
        x ^= x << 17;
        random = x;
        return x;
    }

    /**
     * Page of a batch member.
     *
     * @param base      first page of the batch.
     * @param member    index within the batch.
     * @param pageCount pages in the image.
     * @return the page number.
     */
    static long page(final long base, final int member, final long pageCount)
    {
        return (base + member * STRIDE) % pageCount;
    }
}
