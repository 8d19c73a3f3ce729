package io.dwcp.images;

/**
 * What a generated image holds.
 *
 * @param length       bytes in the image.
 * @param pageSize     bytes per page.
 * @param pagesByKind  page counts indexed by {@link PageKind#ordinal()}.
 */
public record ImageSummary(long length, int pageSize, long[] pagesByKind)
{
    /**
     * Pages of one kind.
     *
     * @param kind of page.
     * @return how many pages of that kind the image holds.
     */
    public long pages(final PageKind kind)
    {
        return pagesByKind[kind.ordinal()];
    }

    /**
     * Pages in the image.
     *
     * @return total pages.
     */
    public long pageCount()
    {
        return length / pageSize;
    }

    @Override
    public String toString()
    {
        final StringBuilder text = new StringBuilder();
        for (final PageKind kind : PageKind.values())
        {
            if (text.length() > 0)
            {
                text.append(' ');
            }
            text.append(kind.name().toLowerCase()).append('=').append(pages(kind));
        }
        return text.toString();
    }
}
