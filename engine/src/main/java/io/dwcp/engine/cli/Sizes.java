package io.dwcp.engine.cli;

import picocli.CommandLine;

import java.util.Locale;

/**
 * Parses byte sizes such as {@code 4096}, {@code 64m}, {@code 1g} or {@code 1GiB} (binary units), for the command
 * line and the benchmark mains.
 */
public final class Sizes implements CommandLine.ITypeConverter<Long>
{
    /**
     * {@inheritDoc}
     */
    @Override
    public Long convert(final String value)
    {
        return parse(value);
    }

    /**
     * Parse a size.
     *
     * @param value such as 4096, 64m or 1g.
     * @return bytes.
     * @throws CommandLine.TypeConversionException naming the value when it is not a positive size.
     */
    public static long parse(final String value)
    {
        final String text = value.trim().toLowerCase(Locale.ROOT).replace("ib", "").replace("b", "");
        long multiplier = 1;
        String digits = text;
        if (!text.isEmpty())
        {
            switch (text.charAt(text.length() - 1))
            {
                case 'k' -> multiplier = 1L << 10;
                case 'm' -> multiplier = 1L << 20;
                case 'g' -> multiplier = 1L << 30;
                case 't' -> multiplier = 1L << 40;
                default -> multiplier = 1;
            }
            if (multiplier != 1)
            {
                digits = text.substring(0, text.length() - 1);
            }
        }
        try
        {
            final long number = Long.parseLong(digits);
            if (number <= 0)
            {
                throw new CommandLine.TypeConversionException("size '" + value + "' must be positive");
            }
            return Math.multiplyExact(number, multiplier);
        }
        catch (final NumberFormatException | ArithmeticException ex)
        {
            throw new CommandLine.TypeConversionException("'" + value + "' is not a size such as 4096, 64m or 1g");
        }
    }

    static String format(final double bytes)
    {
        if (bytes >= 1L << 30)
        {
            return String.format(Locale.ROOT, "%.2f GiB", bytes / (1L << 30));
        }
        if (bytes >= 1L << 20)
        {
            return String.format(Locale.ROOT, "%.1f MiB", bytes / (1L << 20));
        }
        if (bytes >= 1L << 10)
        {
            return String.format(Locale.ROOT, "%.1f KiB", bytes / (1L << 10));
        }
        return String.format(Locale.ROOT, "%.0f B", bytes);
    }
}
