package io.dwcp.engine.queue;

import net.openhft.chronicle.queue.ChronicleQueue;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.wire.DocumentContext;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Appends SBE messages to a queue: encode into {@link #buffer()}, then {@link #append(int)}.
 * <p>
 * Not thread safe: create one per writing thread, on that thread (Chronicle appenders are bound to a thread).
 */
public final class SbeQueueWriter implements AutoCloseable
{
    private final ExcerptAppender appender;
    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[SbeQueues.MAX_MESSAGE_LENGTH]);

    /**
     * Create a writer for a queue.
     *
     * @param queue to append to.
     */
    public SbeQueueWriter(final ChronicleQueue queue)
    {
        appender = queue.createAppender();
    }

    /**
     * Scratch buffer to encode the next message into, from offset 0.
     *
     * @return the buffer.
     */
    public UnsafeBuffer buffer()
    {
        return buffer;
    }

    /**
     * Append the first {@code length} bytes of {@link #buffer()} as one excerpt.
     *
     * @param length of the encoded message.
     * @return the index of the excerpt in the queue.
     */
    public long append(final int length)
    {
        try (DocumentContext context = appender.writingDocument())
        {
            context.wire().bytes().write(buffer.byteArray(), 0, length);
            return context.index();
        }
    }

    /** Release the appender. */
    public void close()
    {
        appender.close();
    }
}
