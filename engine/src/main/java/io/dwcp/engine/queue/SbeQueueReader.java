package io.dwcp.engine.queue;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ChronicleQueue;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.wire.DocumentContext;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Reads SBE messages from a queue, one excerpt at a time, without allocating.
 * <p>
 * A named reader keeps its position in the queue itself, so a restarted engine continues where it stopped.
 * <p>
 * Not thread safe: create and use on one thread.
 */
public final class SbeQueueReader implements AutoCloseable
{
    /** Receives each message read. */
    @FunctionalInterface
    public interface MessageHandler
    {
        /**
         * Called for each excerpt.
         *
         * @param buffer holding the message; valid only during the call.
         * @param offset of the message.
         * @param length of the message; 0 when the excerpt was too large to read.
         * @param index  of the excerpt in the queue.
         */
        void onMessage(DirectBuffer buffer, int offset, int length, long index);
    }

    private final ExcerptTailer tailer;
    private final byte[] bytes = new byte[SbeQueues.MAX_MESSAGE_LENGTH];
    private final UnsafeBuffer buffer = new UnsafeBuffer(bytes);

    /**
     * Create a reader.
     *
     * @param queue to read.
     * @param name  of a durable reader whose position the queue keeps, or null to read from the start.
     */
    public SbeQueueReader(final ChronicleQueue queue, final String name)
    {
        tailer = null == name ? queue.createTailer() : queue.createTailer(name);
    }

    /**
     * Create an unnamed reader that starts at an index, to read a part of the queue again.
     *
     * @param queue to read.
     * @param index of the first excerpt to read.
     * @return the reader, or null when the queue no longer holds that index.
     */
    public static SbeQueueReader from(final ChronicleQueue queue, final long index)
    {
        final SbeQueueReader reader = new SbeQueueReader(queue, null);
        if (!reader.tailer.moveToIndex(index))
        {
            reader.close();
            return null;
        }
        return reader;
    }

    /**
     * Create an unnamed reader that reads only what is written after this call.
     *
     * @param queue to read.
     * @return the reader.
     */
    public static SbeQueueReader atEnd(final ChronicleQueue queue)
    {
        final SbeQueueReader reader = new SbeQueueReader(queue, null);
        reader.tailer.toEnd();
        return reader;
    }

    /**
     * The index of the next excerpt this reader reads.
     *
     * @return the index.
     */
    public long nextIndex()
    {
        return tailer.index();
    }

    /**
     * Read up to {@code limit} messages.
     *
     * @param handler called for each message.
     * @param limit   most messages to read.
     * @return messages read.
     */
    public int poll(final MessageHandler handler, final int limit)
    {
        int count = 0;
        while (count < limit)
        {
            try (DocumentContext context = tailer.readingDocument())
            {
                if (!context.isPresent())
                {
                    break;
                }
                if (context.isMetaData())
                {
                    continue;
                }

                final Bytes<?> excerpt = context.wire().bytes();
                final long remaining = excerpt.readRemaining();
                final int length;
                if (remaining > bytes.length)
                {
                    length = 0;
                }
                else
                {
                    length = (int)remaining;
                    excerpt.read(bytes, 0, length);
                }

                count++;
                handler.onMessage(buffer, 0, length, context.index());
            }
        }
        return count;
    }

    /** Release the tailer. */
    public void close()
    {
        tailer.close();
    }
}
