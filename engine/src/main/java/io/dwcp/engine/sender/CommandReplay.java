package io.dwcp.engine.sender;

import io.dwcp.codecs.agent.MessageHeaderDecoder;
import io.dwcp.engine.queue.SbeQueueReader;
import net.openhft.chronicle.queue.ChronicleQueue;
import org.agrona.DirectBuffer;

import java.nio.ByteOrder;

/**
 * Reads one transfer's commands again from the command queue, from its StartTransfer up to where the live reader
 * is, and hands them to the intake: how a transfer is reopened after its receiver was lost, or after this sender
 * restarted. Every command names its transfer in its first field, so the others are skipped unread.
 * <p>
 * Not thread safe: used on the conductor's thread.
 */
final class CommandReplay
{
    private static final int READS_PER_POLL = 256;

    private CommandReplay()
    {
    }

    /**
     * Replay a transfer's commands.
     *
     * @param queue        of commands.
     * @param fromIndex    of the transfer's StartTransfer.
     * @param beforeIndex  where the live reader will read next: commands from there on come live.
     * @param transferId   whose commands to replay.
     * @param handler      that takes them, as the live reader's does.
     * @return commands replayed, or -1 when the queue no longer holds the start.
     */
    static long replay(
        final ChronicleQueue queue,
        final long fromIndex,
        final long beforeIndex,
        final long transferId,
        final SbeQueueReader.MessageHandler handler)
    {
        final SbeQueueReader reader = SbeQueueReader.from(queue, fromIndex);
        if (null == reader)
        {
            return -1;
        }
        final long[] replayed = {0};
        final boolean[] isDone = {false};
        final SbeQueueReader.MessageHandler filter = (buffer, offset, length, index) ->
        {
            if (index >= beforeIndex)
            {
                isDone[0] = true;
            }
            else if (transferId == transferIdOf(buffer, offset, length))
            {
                replayed[0]++;
                handler.onMessage(buffer, offset, length, index);
            }
        };
        try (reader)
        {
            while (!isDone[0] && reader.poll(filter, READS_PER_POLL) > 0)
            {
                // Until the live reader's position, or the end of what is written.
            }
        }
        return replayed[0];
    }

    private static long transferIdOf(final DirectBuffer buffer, final int offset, final int length)
    {
        if (length < MessageHeaderDecoder.ENCODED_LENGTH + Long.BYTES)
        {
            return Long.MIN_VALUE;
        }
        return buffer.getLong(offset + MessageHeaderDecoder.ENCODED_LENGTH, ByteOrder.LITTLE_ENDIAN);
    }
}
