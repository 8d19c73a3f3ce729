package io.dwcp.engine.qemu;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The little JSON QMP needs: a parser into maps, lists, strings, longs, doubles, booleans and null, and a writer of
 * the same. Numbers without a fraction or exponent are longs.
 * <p>
 * Stateless and thread safe.
 */
public final class Json
{
    /** Deepest nesting accepted, so a hostile peer cannot exhaust the stack. */
    private static final int MAX_DEPTH = 64;

    private final String text;
    private int position;

    private Json(final String text)
    {
        this.text = text;
    }

    /**
     * Parse one JSON value that fills the whole text.
     *
     * @param text to parse.
     * @return the value: Map, List, String, Long, Double, Boolean or null.
     * @throws IllegalArgumentException if the text is not one JSON value.
     */
    public static Object parse(final String text)
    {
        final Json parser = new Json(text);
        final Object value = parser.value(0);
        parser.skipWhitespace();
        if (parser.position != text.length())
        {
            throw parser.error("trailing characters");
        }
        return value;
    }

    /**
     * Write a value as JSON.
     *
     * @param value Map with String keys, List, String, Number, Boolean or null.
     * @return the JSON text.
     */
    public static String write(final Object value)
    {
        final StringBuilder out = new StringBuilder();
        write(out, value);
        return out.toString();
    }

    private static void write(final StringBuilder out, final Object value)
    {
        if (null == value)
        {
            out.append("null");
        }
        else if (value instanceof String string)
        {
            writeString(out, string);
        }
        else if (value instanceof Number || value instanceof Boolean)
        {
            out.append(value);
        }
        else if (value instanceof Map<?, ?> map)
        {
            out.append('{');
            boolean isFirst = true;
            for (final Map.Entry<?, ?> entry : map.entrySet())
            {
                if (!isFirst)
                {
                    out.append(',');
                }
                isFirst = false;
                writeString(out, String.valueOf(entry.getKey()));
                out.append(':');
                write(out, entry.getValue());
            }
            out.append('}');
        }
        else if (value instanceof List<?> list)
        {
            out.append('[');
            for (int i = 0; i < list.size(); i++)
            {
                if (i > 0)
                {
                    out.append(',');
                }
                write(out, list.get(i));
            }
            out.append(']');
        }
        else
        {
            throw new IllegalArgumentException("cannot write " + value.getClass().getName() + " as JSON");
        }
    }

    private static void writeString(final StringBuilder out, final String string)
    {
        out.append('"');
        for (int i = 0; i < string.length(); i++)
        {
            final char c = string.charAt(i);
            switch (c)
            {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default ->
                {
                    if (c < 0x20)
                    {
                        out.append(String.format("\\u%04x", (int)c));
                    }
                    else
                    {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    private Object value(final int depth)
    {
        if (depth > MAX_DEPTH)
        {
            throw error("nested deeper than " + MAX_DEPTH);
        }
        skipWhitespace();
        if (position >= text.length())
        {
            throw error("unexpected end");
        }
        final char c = text.charAt(position);
        return switch (c)
        {
            case '{' -> object(depth);
            case '[' -> array(depth);
            case '"' -> string();
            case 't' -> literal("true", Boolean.TRUE);
            case 'f' -> literal("false", Boolean.FALSE);
            case 'n' -> literal("null", null);
            default -> number();
        };
    }

    private Map<String, Object> object(final int depth)
    {
        final Map<String, Object> map = new LinkedHashMap<>();
        position++;
        skipWhitespace();
        if (peek() == '}')
        {
            position++;
            return map;
        }
        while (true)
        {
            skipWhitespace();
            if (peek() != '"')
            {
                throw error("expected a member name");
            }
            final String key = string();
            skipWhitespace();
            expect(':');
            map.put(key, value(depth + 1));
            skipWhitespace();
            final char next = peek();
            position++;
            if (next == '}')
            {
                return map;
            }
            if (next != ',')
            {
                throw error("expected , or }");
            }
        }
    }

    private List<Object> array(final int depth)
    {
        final List<Object> list = new ArrayList<>();
        position++;
        skipWhitespace();
        if (peek() == ']')
        {
            position++;
            return list;
        }
        while (true)
        {
            list.add(value(depth + 1));
            skipWhitespace();
            final char next = peek();
            position++;
            if (next == ']')
            {
                return list;
            }
            if (next != ',')
            {
                throw error("expected , or ]");
            }
        }
    }

    private String string()
    {
        expect('"');
        final StringBuilder out = new StringBuilder();
        while (true)
        {
            if (position >= text.length())
            {
                throw error("unterminated string");
            }
            final char c = text.charAt(position++);
            if (c == '"')
            {
                return out.toString();
            }
            if (c != '\\')
            {
                out.append(c);
                continue;
            }
            if (position >= text.length())
            {
                throw error("unterminated escape");
            }
            final char escaped = text.charAt(position++);
            switch (escaped)
            {
                case '"', '\\', '/' -> out.append(escaped);
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'n' -> out.append('\n');
                case 'r' -> out.append('\r');
                case 't' -> out.append('\t');
                case 'u' ->
                {
                    if (position + 4 > text.length())
                    {
                        throw error("short \\u escape");
                    }
                    try
                    {
                        out.append((char)Integer.parseInt(text.substring(position, position + 4), 16));
                    }
                    catch (final NumberFormatException ex)
                    {
                        throw error("bad \\u escape");
                    }
                    position += 4;
                }
                default -> throw error("bad escape \\" + escaped);
            }
        }
    }

    private Object number()
    {
        final int start = position;
        boolean isInteger = true;
        while (position < text.length())
        {
            final char c = text.charAt(position);
            if ((c >= '0' && c <= '9') || c == '-' || c == '+')
            {
                position++;
            }
            else if (c == '.' || c == 'e' || c == 'E')
            {
                isInteger = false;
                position++;
            }
            else
            {
                break;
            }
        }
        final String digits = text.substring(start, position);
        try
        {
            if (digits.isEmpty())
            {
                throw error("unexpected character '" + peek() + "'");
            }
            return isInteger ? (Object)Long.parseLong(digits) : (Object)Double.parseDouble(digits);
        }
        catch (final NumberFormatException ex)
        {
            throw error("bad number '" + digits + "'");
        }
    }

    private Object literal(final String word, final Object value)
    {
        if (!text.startsWith(word, position))
        {
            throw error("unexpected word");
        }
        position += word.length();
        return value;
    }

    private void expect(final char c)
    {
        if (peek() != c)
        {
            throw error("expected '" + c + "'");
        }
        position++;
    }

    private char peek()
    {
        if (position >= text.length())
        {
            throw error("unexpected end");
        }
        return text.charAt(position);
    }

    private void skipWhitespace()
    {
        while (position < text.length() && Character.isWhitespace(text.charAt(position)))
        {
            position++;
        }
    }

    private IllegalArgumentException error(final String what)
    {
        return new IllegalArgumentException("bad JSON at " + position + ": " + what);
    }
}
