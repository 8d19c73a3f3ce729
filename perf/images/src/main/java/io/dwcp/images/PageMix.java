package io.dwcp.images;

/**
 * Shares of each kind of page in a generated image. Shares are weights: they need not add up to one.
 *
 * @param zero   all-zero pages (free memory, fresh heap).
 * @param text   text: words and log lines.
 * @param heap   8-byte aligned records of small integers and pointer-like values in a few address ranges.
 * @param code   machine-code-like byte streams.
 * @param random random bytes, standing for compressed or encrypted data.
 */
public record PageMix(double zero, double text, double heap, double code, double random)
{
    /** The default mix: about 40% zero and 10% random pages, the rest split among text, heap and code. */
    public static final PageMix DEFAULT = new PageMix(0.40, 0.15, 0.25, 0.10, 0.10);

    /**
     * Check the shares.
     */
    public PageMix
    {
        if (zero < 0 || text < 0 || heap < 0 || code < 0 || random < 0)
        {
            throw new IllegalArgumentException("page mix shares must not be negative: " + this);
        }
        if (zero + text + heap + code + random <= 0)
        {
            throw new IllegalArgumentException("page mix shares must not all be zero");
        }
    }

    /**
     * Parse {@code zero=0.4,text=0.15,heap=0.25,code=0.1,random=0.1}; kinds left out keep the default share.
     *
     * @param spec comma-separated kind=share pairs.
     * @return the mix.
     */
    public static PageMix parse(final String spec)
    {
        double zero = DEFAULT.zero;
        double text = DEFAULT.text;
        double heap = DEFAULT.heap;
        double code = DEFAULT.code;
        double random = DEFAULT.random;
        for (final String pair : spec.split(","))
        {
            final String[] keyValue = pair.trim().split("=");
            if (keyValue.length != 2)
            {
                throw new IllegalArgumentException("page mix entry '" + pair + "' is not kind=share");
            }
            final double share;
            try
            {
                share = Double.parseDouble(keyValue[1].trim());
            }
            catch (final NumberFormatException ex)
            {
                throw new IllegalArgumentException("page mix share '" + keyValue[1] + "' is not a number");
            }
            switch (keyValue[0].trim())
            {
                case "zero" -> zero = share;
                case "text" -> text = share;
                case "heap" -> heap = share;
                case "code" -> code = share;
                case "random" -> random = share;
                default -> throw new IllegalArgumentException(
                    "unknown page kind '" + keyValue[0] + "', expected zero, text, heap, code or random");
            }
        }
        return new PageMix(zero, text, heap, code, random);
    }

    double total()
    {
        return zero + text + heap + code + random;
    }
}
