package io.dwcp.engine.security;

import org.agrona.DirectBuffer;

import java.nio.ByteBuffer;

/**
 * ByteBuffer views of Agrona buffers for the JDK's ciphers, kept per underlying buffer so that a frame costs no new
 * view: Aeron's term buffers and an assembler's buffer are few and long-lived.
 * <p>
 * Not thread safe.
 */
final class BufferViews
{
    private static final int ENTRIES = 8;

    private final Object[] sources = new Object[ENTRIES];
    private final ByteBuffer[] views = new ByteBuffer[ENTRIES * 2];
    private int next;

    /**
     * A view of a region of a buffer.
     *
     * @param buffer whose memory to view: over a ByteBuffer or a byte array.
     * @param offset of the region in the buffer.
     * @param length of the region.
     * @param second true for the second view of the same memory, for a cipher reading and writing it in place.
     * @return the view, its position and limit set to the region.
     */
    ByteBuffer view(final DirectBuffer buffer, final int offset, final int length, final boolean second)
    {
        final ByteBuffer byteBuffer = buffer.byteBuffer();
        final Object source = null != byteBuffer ? byteBuffer : buffer.byteArray();
        if (null == source)
        {
            throw new IllegalArgumentException("a buffer over neither a ByteBuffer nor an array");
        }
        int entry = -1;
        for (int i = 0; i < ENTRIES; i++)
        {
            if (sources[i] == source)
            {
                entry = i;
                break;
            }
        }
        if (entry < 0)
        {
            entry = next;
            next = (next + 1) % ENTRIES;
            sources[entry] = source;
            views[entry * 2] = null != byteBuffer ? byteBuffer.duplicate() : ByteBuffer.wrap(buffer.byteArray());
            views[entry * 2 + 1] = null != byteBuffer ? byteBuffer.duplicate() : ByteBuffer.wrap(buffer.byteArray());
        }
        final ByteBuffer view = views[entry * 2 + (second ? 1 : 0)];
        final int start = buffer.wrapAdjustment() + offset;
        view.clear();
        view.limit(start + length).position(start);
        return view;
    }
}
