package io.dwcp.engine.transport;

/**
 * How a transfer's pages are spread over its stripes: the image is cut into chunks of {@link #CHUNK_PAGES}
 * consecutive pages, dealt round-robin to the stripes. Every version of a page therefore travels on the same
 * stripe, so its deltas follow its baseline and its acknowledgements in order, and each stripe reads runs of
 * consecutive pages.
 * <pre>
 *   page:    0 .. 15 | 16 .. 31 | 32 .. 47 | ... | 16N .. 16N+15 | ...
 *   stripe:     0    |    1     |    2     | ... |       0       | ...
 * </pre>
 * Immutable and thread safe.
 */
public final class StripeLayout
{
    /** Consecutive pages that go to one stripe before the next. */
    public static final int CHUNK_PAGES = 16;
    /** Most stripes a transfer can have. */
    public static final int MAX_STRIPES = 256;

    private final int stripeCount;
    private final long cyclePages;

    /**
     * A layout over a number of stripes.
     *
     * @param stripeCount from 1 to {@link #MAX_STRIPES}.
     */
    public StripeLayout(final int stripeCount)
    {
        if (stripeCount < 1 || stripeCount > MAX_STRIPES)
        {
            throw new IllegalArgumentException("stripe count " + stripeCount + " is outside 1 to " + MAX_STRIPES);
        }
        this.stripeCount = stripeCount;
        this.cyclePages = (long)CHUNK_PAGES * stripeCount;
    }

    /**
     * Stripes in the layout.
     *
     * @return the count.
     */
    public int stripeCount()
    {
        return stripeCount;
    }

    /**
     * The stripe that carries a page.
     *
     * @param pageNumber of the page, not negative.
     * @return the stripe index.
     */
    public int stripeOf(final long pageNumber)
    {
        return (int)((pageNumber / CHUNK_PAGES) % stripeCount);
    }

    /**
     * A page's index among the pages of its own stripe, which numbers them densely from 0.
     *
     * @param pageNumber of the page.
     * @return its index within its stripe.
     */
    public long localIndex(final long pageNumber)
    {
        return (pageNumber / cyclePages) * CHUNK_PAGES + (pageNumber % CHUNK_PAGES);
    }

    /**
     * Pages of one stripe below a page number.
     *
     * @param stripe     index.
     * @param pageNumber exclusive upper bound.
     * @return how many of the pages {@code [0, pageNumber)} the stripe carries.
     */
    public long pagesBelow(final int stripe, final long pageNumber)
    {
        final long cycles = pageNumber / cyclePages;
        final long rest = pageNumber % cyclePages - (long)stripe * CHUNK_PAGES;
        return cycles * CHUNK_PAGES + Math.max(0, Math.min(CHUNK_PAGES, rest));
    }

    /**
     * Pages of one stripe in a range.
     *
     * @param stripe    index.
     * @param firstPage first page of the range.
     * @param pageCount pages in the range.
     * @return how many of them the stripe carries.
     */
    public long pagesIn(final int stripe, final long firstPage, final long pageCount)
    {
        return pagesBelow(stripe, firstPage + pageCount) - pagesBelow(stripe, firstPage);
    }

    /**
     * The first page at or after a page number that a stripe carries.
     *
     * @param stripe     index.
     * @param pageNumber where to start looking.
     * @return the page number.
     */
    public long nextPageOf(final int stripe, final long pageNumber)
    {
        final long chunk = pageNumber / CHUNK_PAGES;
        final long ownChunk = chunk + Math.floorMod(stripe - chunk, (long)stripeCount);
        return ownChunk == chunk ? pageNumber : ownChunk * CHUNK_PAGES;
    }
}
