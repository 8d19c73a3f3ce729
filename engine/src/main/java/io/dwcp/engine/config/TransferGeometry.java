package io.dwcp.engine.config;

import io.dwcp.engine.transport.StripeLayout;

/**
 * The one rule for what shape of transfer an engine accepts, applied alike to the agent's commands and to Hellos
 * from the wire: a page size that is a power of two from
 * {@link EngineConfiguration#MIN_PAGE_SIZE} to {@link EngineConfiguration#MAX_PAGE_SIZE}, an image that is a positive
 * whole number of pages whose CRC table fits one buffer, and 1 to {@link StripeLayout#MAX_STRIPES} stripes.
 */
public final class TransferGeometry
{
    /** Most pages an image may have: its table of 4-byte CRCs must fit one buffer. */
    public static final long MAX_PAGES = Integer.MAX_VALUE / Integer.BYTES;

    private TransferGeometry()
    {
    }

    /**
     * Check a page size and image size.
     *
     * @param pageSize bytes per page.
     * @param fileSize bytes in the image.
     * @return null when acceptable, otherwise why not.
     */
    public static String check(final int pageSize, final long fileSize)
    {
        if (!EngineConfiguration.isValidPageSize(pageSize))
        {
            return "page size " + pageSize + " is not a power of two from " + EngineConfiguration.MIN_PAGE_SIZE +
                " to " + EngineConfiguration.MAX_PAGE_SIZE;
        }
        if (fileSize <= 0 || 0 != fileSize % pageSize)
        {
            return "file size " + fileSize + " is not a positive whole number of " + pageSize + "-byte pages";
        }
        if (fileSize / pageSize > MAX_PAGES)
        {
            return "file size " + fileSize + " is more than " + MAX_PAGES + " pages";
        }
        return null;
    }

    /**
     * Check a page size, image size and stripe count.
     *
     * @param pageSize    bytes per page.
     * @param fileSize    bytes in the image.
     * @param stripeCount stripes the pages travel on.
     * @return null when acceptable, otherwise why not.
     */
    public static String check(final int pageSize, final long fileSize, final int stripeCount)
    {
        final String problem = check(pageSize, fileSize);
        if (null != problem)
        {
            return problem;
        }
        if (stripeCount < 1 || stripeCount > StripeLayout.MAX_STRIPES)
        {
            return "stripe count " + stripeCount + " is outside 1 to " + StripeLayout.MAX_STRIPES;
        }
        return null;
    }
}
