package io.dwcp.codec;

import org.agrona.DirectBuffer;

/**
 * Bounds of SBE variable-length fields read from untrusted messages. SBE's generated string getters allocate the
 * length they read before any check, so a forged length of two billion would cost an OutOfMemoryError: check it
 * first.
 */
public final class VarDataBounds
{
    private VarDataBounds()
    {
    }

    /**
     * Does a variable-length field with a 4-byte length prefix fit in what is left of its message?
     *
     * @param length      the field's length as read from the message.
     * @param maxLength   the largest length this field may have.
     * @param message     the message, wrapped so its capacity is the message's length.
     * @param limit       offset of the field's length prefix.
     * @return true when the field's bytes lie within the message and within {@code maxLength}.
     */
    public static boolean fits(final int length, final int maxLength, final DirectBuffer message, final int limit)
    {
        return length >= 0 && length <= maxLength && length <= message.capacity() - limit - Integer.BYTES;
    }
}
