package io.dwcp.engine.security;

/**
 * Makes text from the wire safe to put in events and logs: control characters, including line breaks and escape
 * sequences, become {@code \\uXXXX}, and the length is bounded.
 */
public final class WireText
{
    /** Characters kept at most. */
    public static final int MAX_LENGTH = 512;

    private WireText()
    {
    }

    /**
     * @param text from a peer.
     * @return the text with control characters escaped, at most {@link #MAX_LENGTH} characters and an ellipsis.
     */
    public static String sanitise(final String text)
    {
        if (null == text)
        {
            return "";
        }
        final StringBuilder safe = new StringBuilder(Math.min(text.length(), MAX_LENGTH) + 8);
        for (int i = 0; i < text.length() && safe.length() < MAX_LENGTH; i++)
        {
            final char c = text.charAt(i);
            final int type = Character.getType(c);
            if (Character.isISOControl(c) || Character.FORMAT == type || Character.LINE_SEPARATOR == type ||
                Character.PARAGRAPH_SEPARATOR == type)
            {
                safe.append(String.format("\\u%04x", (int)c));
            }
            else
            {
                safe.append(c);
            }
        }
        if (safe.length() >= MAX_LENGTH && text.length() > MAX_LENGTH)
        {
            safe.append("...");
        }
        return safe.toString();
    }
}
